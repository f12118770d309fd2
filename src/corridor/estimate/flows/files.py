"""Flows estimated from the four tidy CSV files and written as CSV: the file path of ``corridor flows
estimate``, one function for the Typer command and for its lean start (:mod:`corridor.cli.flows_files`).

It reads and validates the files (:mod:`~corridor.estimate.flows.io`), runs the method
(:func:`~corridor.estimate.flows.methods.estimate`, which validates the tables again as the Python API
does), refuses a flagged estimate unless asked to keep it, and writes the flows with their calibrated
interval (and the account if asked: :mod:`~corridor.estimate.flows.output`). numpy is the only third-party
import on this path. What the user should read (warnings, the summary, the interval sentences) goes to
``say(kind, text)`` with ``kind`` one of :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from corridor.errors import InputError
from corridor.estimate.flows.io import read_prior, read_tables
from corridor.estimate.flows.ipf import DEFAULT_MAX_ITER, DEFAULT_RTOL
from corridor.estimate.flows.methods import METHODS, estimate
from corridor.estimate.flows.output import write_account, write_flows
from corridor.estimate.flows.result import FlowResult

#: Where the flows go when ``out`` is not given.
DEFAULT_OUT = Path("flows.csv")
#: what ``say`` is told: a warning, a line of the summary, the status of an estimate kept although flagged
KINDS = ("warning", "info", "status")

Say = Callable[[str, str], None]


def check_method(method: str) -> None:
    """An unknown method id is an :class:`InputError` naming the choices."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}", column="--method")


def refuse_flagged(result: FlowResult, keep_flagged: bool) -> None:
    """A flagged estimate (not converged; ill-posed input is refused earlier, by the validation) is an error
    unless the user asked to keep it: nothing is written."""
    if result.status != "ok" and not keep_flagged:
        raise InputError(f"{result.method}: estimate flagged {result.status}: {'; '.join(result.flags)} "
                         "(nothing written; --keep-flagged writes it with its status and margin_error)")


def estimate_files(say: Say, *, method: str = "da_min_closed", stocks_start: Path | None = None,
                   stocks_end: Path | None = None, births: Path | None = None, deaths: Path | None = None,
                   prior: Path | None = None, out: Path | None = None, by_birthplace: bool = False,
                   account: Path | None = None, global_total: float | None = None, tolerance: float = DEFAULT_RTOL,
                   max_iter: int = DEFAULT_MAX_ITER, open_method: str = "open", keep_negative: bool = False,
                   keep_flagged: bool = False) -> FlowResult:
    """Estimate flows from the files and write them (see the module docstring); the options are those of
    ``corridor flows estimate`` (docs/cli.md), with the same defaults."""
    check_method(method)
    files = {"--stocks-start": stocks_start, "--stocks-end": stocks_end, "--births": births, "--deaths": deaths}
    missing = [k for k, v in files.items() if v is None]
    if missing:
        raise InputError(f"give {', '.join(missing)} (or --period to read the warehouse)")
    tables = read_tables(stocks_start, stocks_end, births, deaths)  # type: ignore[arg-type]
    params: dict = {"rtol": tolerance, "max_iter": max_iter}
    if method == "da_min_open":
        params.update(open_method=open_method, clip=not keep_negative)
    elif open_method != "open" or keep_negative:
        raise InputError("--open-method and --keep-negative apply to da_min_open only", column="--method")
    if prior is not None:
        if not METHODS[method].prior:
            raise InputError(f"method {method} takes no prior", file=str(prior))
        params["seed"] = read_prior(prior, tables.areas)
    if global_total is not None:
        params["global_total"] = global_total
    if account is not None and not METHODS[method].account:
        raise InputError(f"method {method} has no demographic account (use a da_* method)", column="--account")
    result = estimate(tables, method, allow_ill_posed=keep_flagged, **params)
    for w in [*result.flags, *result.warnings]:
        say("warning", w)
    refuse_flagged(result, keep_flagged)
    out = out or DEFAULT_OUT
    sentences = write_flows(out, result, tables, by_birthplace=by_birthplace)
    if account is not None:
        write_account(account, result)
    conv = result.ipf
    conv_text = (f"; IPF converged in {conv.iterations} passes (max relative margin error "
                 f"{conv.max_rel_error:.1e})" if conv is not None and conv.converged else
                 ("; IPF did NOT converge" if conv is not None else ""))
    say("info", f"{method}: {len(tables.areas)} areas, total flow {result.total:,.0f}{conv_text}; wrote {out}")
    for text in sentences:
        say("info", f"interval: {text}")
    if result.status != "ok":
        say("status", f"status {result.status} (margin_error {result.margin_error}): kept as asked (--keep-flagged)")
    return result
