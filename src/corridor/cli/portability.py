"""``corridor portability``: social security agreements, the benefit calculator, coverage of migrants.

    corridor portability agreements                                  # the registry
    corridor portability calculate --agreement EU-883 --period EXAMPLE_A=18 --period EXAMPLE_B=24
    corridor portability calculate --agreement US-IE --period IE_SPC_2024=600 --period US=1200 \\
        --context IE_SPC_2024.working_years=34
    corridor portability coverage --year 2000                         # share of migrants covered

Formulas and agreements are data (``src/corridor/portability/data``); ``--schemes`` and ``--agreements``
add or replace entries from a file of the same shape. With ``--format csv|json`` stdout carries the data alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from corridor.cli.output import FormatOpt, emit, emit_records
from corridor.config import warehouse_path
from corridor.errors import InputError
from corridor.portability.agreements import load_agreements

app = typer.Typer(help="Social security portability: agreements, calculator, coverage.", no_args_is_help=True)
AGREEMENTS = typer.Option(None, "--agreements", help="Extra agreements file (same shape as the shipped one)")


@app.callback()
def _group() -> None:
    """Social security portability (see docs/portability.md)."""


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--{what} {item!r}: write KEY=VALUE")
        out[key] = value
    return out


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"--{what}: {text!r} is not a number") from None


@app.command("agreements")
def agreements_command(agreements: Path | None = AGREEMENTS, fmt: FormatOpt = None) -> None:
    """The agreements of the registry: parties, branches, totalisation, export, method, validity, source."""
    rows = [{"id": a.id, "title": a.title, "parties": " ".join(p[0] for p in a.parties),
             "branches": " ".join(a.branches), "totalisation": a.totalisation, "export": a.export,
             "method": a.method, "valid_from": a.valid_from.isoformat(), "source": a.source}
            for a in load_agreements(agreements).values()]
    emit_records(list(rows[0]) if rows else [], rows, fmt, numeric=("totalisation", "export"),  # flags: right,
                 title="Social security agreements")  # as pandas aligns a boolean column


@app.command("calculate")
def calculate_command(agreement: str = typer.Option(..., "--agreement", help="Agreement id (see `agreements`)"),
                      period: list[str] = typer.Option(..., "--period", help="SCHEME=PERIODS (repeat per scheme)"),
                      context: list[str] = typer.Option([], "--context", help="SCHEME.name=VALUE, e.g. "
                                                        "IE_SPC_2024.working_years=34"),
                      schemes: Path | None = typer.Option(None, "--schemes", help="Extra schemes file"),
                      agreements: Path | None = AGREEMENTS) -> None:
    """Each scheme's benefit under the agreement (art. 6, 52, 57 of Regulation 883/2004), as JSON."""
    from corridor.portability.calculator import calculate
    from corridor.portability.formulas import load_schemes

    known = load_agreements(agreements)
    if agreement not in known:
        raise InputError(f"unknown agreement {agreement!r}; known: {', '.join(sorted(known))}")
    periods = {k: _number(v, "period") for k, v in _pairs(period, "period").items()}
    ctx: dict[str, dict[str, float]] = {}
    for key, value in _pairs(context, "context").items():
        scheme, _, name = key.partition(".")
        ctx.setdefault(scheme, {})[name] = _number(value, "context")
    typer.echo(json.dumps(calculate(periods, known[agreement], load_schemes(schemes), ctx), indent=2))


@app.command("coverage")
def coverage_command(year: int = typer.Option(2000, "--year", help="Year (agreements in force on 1 July)"),
                     corridors: bool = typer.Option(False, "--corridors", help="Every corridor, not the summary"),
                     agreements: Path | None = AGREEMENTS,
                     warehouse: Path | None = typer.Option(None, "--warehouse", help="Warehouse file"),
                     fmt: FormatOpt = None) -> None:
    """Share of migrants (UN DESA stocks) in corridors covered by an agreement of the registry."""
    import pandas as pd

    from corridor.portability.coverage import coverage
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        table, summary = coverage(wh, year, load_agreements(agreements))
    if corridors:
        emit(table.sort_values("stock", ascending=False, ignore_index=True), fmt,
             title=f"Corridors and agreements, {year}", sources=summary["datasets"])
    else:
        emit(pd.DataFrame([summary]).astype({"datasets": str}), fmt, title=f"Coverage by agreements, {year}",
             sources=[summary["note"]])
