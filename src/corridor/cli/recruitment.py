"""``corridor recruitment``: fair recruitment -- the fee ledger, its violations, SDG 10.7.1.

    corridor recruitment load ledger charges.csv          # append charges (CSV, one per row)
    corridor recruitment load earnings earnings.csv       # first-month earnings
    corridor recruitment flags --rules rules.yaml         # violations of every worker (the auditor's view)
    corridor recruitment statement 12 --as worker:12      # one worker's ledger, violations and what is owed
    corridor recruitment sdg1071 --year 2026 --publish    # SDG 10.7.1 from the ledger into the warehouse
    corridor recruitment survey rc.csv --weights w --year 2017 --name lao-lfs   # ... from survey microdata

The registry's database and key are those of ``corridor exchange`` (``--db``, ``CORRIDOR_EXCHANGE_DB``,
``CORRIDOR_EXCHANGE_KEY``). With ``--format csv|json`` stdout carries the data alone.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import typer

from corridor.cli.common import console
from corridor.cli.output import FormatOpt, emit
from corridor.config import warehouse_path
from corridor.errors import InputError
from corridor.estimate.survey import DesignSpec
from corridor.exchange import db
from corridor.exchange.access import Principal, audit
from corridor.exchange.fee_rules import load_rules
from corridor.exchange.ledger import MONEY, OPTIONAL, REQUIRED, Ledger
from corridor.exchange.registry import Registry
from corridor.exchange.sdg1071 import publish, survey_costs, survey_estimates
from corridor.store.warehouse import Warehouse

app = typer.Typer(help="Fair recruitment: the fee ledger, its violations, SDG 10.7.1.", no_args_is_help=True)
DB = typer.Option(None, "--db", help="Registry database URL (default: CORRIDOR_EXCHANGE_DB or var/exchange.sqlite)")
RULES = typer.Option(None, "--rules", help="Fee rules file (jurisdictions, agreements; docs/fair-recruitment.md)")
WAREHOUSE = typer.Option(None, "--warehouse", help="Warehouse file (default: CORRIDOR_WAREHOUSE)")
MIN_CELL = typer.Option(5, "--min-cell", help="Smallest publishable number of workers in a cell")
FLAG_COLUMNS = ["entry_id", "worker", "origin", "category", "side", "jurisdiction", "payer", "amount_usd", "flag",
                "owed_usd"]


@app.callback()
def _group() -> None:
    """Fair recruitment (see docs/fair-recruitment.md)."""


def _ledger(url: str | None, rules: Path | None) -> Ledger:
    engine = db.engine_for(url)
    db.upgrade(engine)
    return Ledger(Registry(engine), load_rules(rules))


def _principal(text: str) -> Principal:
    role, _, subject = text.partition(":")
    return Principal(role, int(subject) if subject else None)


def _date(text: str, where: str, column: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a date (YYYY-MM-DD)", column=column) from None


@app.command("load")
def load_command(kind: str = typer.Argument(..., help="ledger or earnings"),
                 file: Path = typer.Argument(..., help="CSV file, one charge (or earning) per row"),
                 db_url: str | None = DB, rules: Path | None = RULES) -> None:
    """Append ledger entries or first-month earnings from a CSV file (all rows, or none on an error)."""
    ledger = _ledger(db_url, rules)
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(file)) from None
    need = ("jobseeker_id", *REQUIRED) if kind == "ledger" else ("jobseeker_id", "month", *MONEY)
    missing = [c for c in need if c not in frame.columns]
    if kind not in ("ledger", "earnings") or missing:
        raise InputError(f"kind must be ledger or earnings; the file lacks columns {missing}", file=str(file))
    rows = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        where = f"{file} row {i}"
        try:
            fields = {k: row[k] for k in need if k != "jobseeker_id"}
            for k in ("amount", "usd_rate"):
                fields[k] = float(fields[k])
            fields["rate_date"] = _date(fields["rate_date"], where, "rate_date")
            fields["on" if kind == "ledger" else "month"] = _date(fields["on" if kind == "ledger" else "month"],
                                                                  where, "on")
            fields.update({k: int(row[k]) for k in OPTIONAL if row.get(k)})
            rows.append((int(row["jobseeker_id"]), fields))
        except ValueError as exc:
            raise InputError(f"{exc}", file=str(file), row=i) from None
    written = ledger.append_many(kind, rows, actor=f"load:{file.name}")  # one transaction
    console.print(f"appended {len(written)} {kind} rows")


@app.command("flags")
def flags_command(db_url: str | None = DB, rules: Path | None = RULES, fmt: FormatOpt = None,
                  all_entries: bool = typer.Option(False, "--all", help="Every effective entry, not only violations"),
                  ) -> None:
    """Violations of every worker's effective ledger and what each is owed (the auditor's view, audited)."""
    ledger = _ledger(db_url, rules)
    with ledger.registry.sessions() as s:
        audit(s, Principal("auditor"), "read", "ledger_flags", None, True)
        s.commit()
    flagged = ledger.flags()
    if not all_entries:
        flagged = flagged[flagged["flag"].notna()]
    emit(flagged[FLAG_COLUMNS].reset_index(drop=True), fmt, title="Recruitment fee violations",
         sources=[f"rules: {ledger.rules.source}"])


@app.command("statement")
def statement_command(worker: int = typer.Argument(..., help="Jobseeker id of the worker"),
                      as_: str = typer.Option(..., "--as", help="Who asks: worker:ID, pes:ID or auditor"),
                      db_url: str | None = DB, rules: Path | None = RULES) -> None:
    """One worker's ledger (with its history), violations and what they are owed, as JSON."""
    typer.echo(json.dumps(_ledger(db_url, rules).statement(_principal(as_), worker), indent=2, default=str))


@app.command("sdg1071")
def sdg1071_command(year: int = typer.Option(..., "--year", help="Year of the first month at the destination"),
                    publish_: bool = typer.Option(False, "--publish", help="Write SDG_10_7_1 to the warehouse"),
                    synthetic: bool = typer.Option(False, "--synthetic", help="Label the dataset SYNTHETIC"),
                    min_cell: int = MIN_CELL, db_url: str | None = DB, rules: Path | None = RULES,
                    warehouse: Path | None = WAREHOUSE, fmt: FormatOpt = None) -> None:
    """SDG 10.7.1 from the fee ledger (mean, median, with and without zero-cost workers)."""
    table = _ledger(db_url, rules).indicator(year, min_cell)
    if publish_:
        with Warehouse.open(warehouse_path(warehouse)) as wh:
            ds = publish(wh, table, time_period=str(year), source="ledger", title="from the exchange's fee ledger",
                         min_cell=min_cell, synthetic=synthetic)
        typer.echo(f"wrote {ds}", err=True)
    emit(table, fmt, title=f"SDG 10.7.1 from the ledger, {year}")


@app.command("survey")
def survey_command(file: Path = typer.Argument(..., help="Recruitment-cost survey microdata (CSV)"),
                   weights: str = typer.Option(..., "--weights", help="Weight column"),
                   strata: str | None = typer.Option(None, "--strata", help="Stratum column"),
                   psu: str | None = typer.Option(None, "--psu", help="Primary sampling unit column"),
                   year: int = typer.Option(..., "--year", help="Reference year of the survey"),
                   name: str = typer.Option(..., "--name", help="Survey id (the dataset series: sdg1071-NAME)"),
                   cost: list[str] = typer.Option(["cost_usd"], "--cost", help="Cost component column (repeat)"),
                   earnings: str = typer.Option("earnings_usd", "--earnings", help="First-month earnings column"),
                   rate: str | None = typer.Option(None, "--rate", help="Column: US dollars per unit of the "
                                                   "answers' currency (none: answers in US dollars)"),
                   rate_note: str | None = typer.Option(None, "--rate-note", help="Date and source of the rates"),
                   publish_: bool = typer.Option(False, "--publish", help="Write SDG_10_7_1 to the warehouse"),
                   min_cell: int = MIN_CELL, warehouse: Path | None = WAREHOUSE, fmt: FormatOpt = None) -> None:
    """SDG 10.7.1 from survey microdata with design-based standard errors (docs/fair-recruitment.md)."""
    if rate and not rate_note:
        raise InputError("--rate needs --rate-note (the date and source of the exchange rates)")
    try:
        frame = pd.read_csv(file, dtype={"ref_area": str, "counterpart_area": str, "isco1": str, "sector": str})
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(file)) from None
    frame = survey_costs(frame, cost, earnings, rate, file=str(file))
    table = survey_estimates(frame, DesignSpec(weights=weights, strata=strata, psu=psu), min_cell, file=str(file))
    if publish_:
        with Warehouse.open(warehouse_path(warehouse)) as wh:
            ds = publish(wh, table, time_period=str(year), source=name, title=f"from survey {file.name}",
                         min_cell=min_cell, notes=f"Cost = {' + '.join(cost)}; earnings = {earnings}; "
                         + (f"converted with column {rate} ({rate_note})." if rate else "answers in US dollars."))
        typer.echo(f"wrote {ds}", err=True)
    emit(table, fmt, title=f"SDG 10.7.1 from {file.name}")
