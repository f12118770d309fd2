"""``corridor flows``: estimate bilateral migration flows from stock tables.

From files::

    corridor flows estimate --stocks-start s0.csv --stocks-end s1.csv --births b.csv --deaths d.csv \\
        --method da_min_closed --out flows.csv

From the warehouse (UN DESA IMS stocks, WPP population, births and deaths; the latest vintage of each
series unless ``--vintage`` pins one)::

    corridor flows estimate --period 2010-2015 --method da_pb_closed
    corridor flows estimate --period 2010-2015 --vintage undesa-ims:2019

From the user's own stock table in the warehouse (ingested with a mapping file; native-born and vital events
from WPP unless user datasets are named; estimate/flows/user_stocks.py)::

    corridor flows estimate --period 2010-2015 --stocks gallery-ims-2019-od:2019 [--births DATASET]
"""

from __future__ import annotations

from pathlib import Path

import typer

from corridor.cli.common import console
from corridor.errors import InputError

app = typer.Typer(help="Bilateral migration flows estimated from stock tables.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Bilateral migration flows estimated from stock tables (see docs/methods-flows.md)."""


def say(kind: str, text: str) -> None:
    """Print a message of :func:`corridor.estimate.flows.files.estimate_files` on standard error."""
    style = {"warning": "[yellow]warning:[/] ", "status": "[yellow]"}.get(kind, "")
    console.print(f"{style}{text}{'[/]' if kind == 'status' else ''}", highlight=False, soft_wrap=True)


@app.command("estimate")
def estimate_command(
    method: str = typer.Option("da_min_closed", "--method", "-m",
                               help="An estimation method: da_min_closed, da_min_open, da_ind_closed, da_pb_closed, "
                               "sd_drop_neg, sd_rev_neg, mig_rate (docs/methods-flows.md; all, with --period)"),
    stocks_start: Path | None = typer.Option(None, "--stocks-start", help="CSV origin,destination,stock "
                                             "at the start (origin = place of birth)"),
    stocks_end: Path | None = typer.Option(None, "--stocks-end",
                                          help="CSV origin,destination,stock at the end"),
    births: Path | None = typer.Option(None, "--births", help="CSV area,births during the period (with --stocks: "
                                       "a BIRTHS dataset in the warehouse; default WPP)"),
    deaths: Path | None = typer.Option(None, "--deaths", help="CSV area,deaths during the period (with --stocks: "
                                       "a DEATHS dataset in the warehouse; default WPP)"),
    prior: Path | None = typer.Option(None, "--prior", help="CSV origin,destination,weight: prior (seed) "
                                      "for the IPF, honoured with and without the stayer assumption"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the flows (CSV; from files the "
                                    "default is flows.csv, with --period nothing unless given)"),
    by_birthplace: bool = typer.Option(False, "--by-birthplace", help="Write flows by place of birth"),
    account: Path | None = typer.Option(None, "--account", help="Also write the full demographic account "
                                        "(birthplace, origin, destination, value) to this CSV"),
    global_total: float | None = typer.Option(None, "--global-total",
                                              help="World total of moves for mig_rate"),
    tolerance: float = typer.Option(1e-10, "--tolerance", help="IPF relative tolerance on margins"),
    max_iter: int = typer.Option(10_000, "--max-iter", help="IPF largest number of passes"),
    open_method: str = typer.Option("open", "--open-method", help="da_min_open only: how moves out of and into "
                                    "the system are distributed, migest's 'open' (default) or 'open-dr' (Abel "
                                    "2013, migest example e3)"),
    keep_negative: bool = typer.Option(False, "--keep-negative", help="da_min_open only, migest mode: keep stock "
                                       "cells the moves out of / into the system made negative, as migest does "
                                       "(default: set them to zero, with a warning)"),
    keep_flagged: bool = typer.Option(False, "--keep-flagged", help="Write estimates from ill-posed inputs "
                                      "or with unmet IPF margins, with their status and margin_error, and exit 0 "
                                      "(default: refuse them, exit 2, write nothing)"),
    period: str | None = typer.Option(None, "--period", help="From the warehouse: a five-year period "
                                      "such as 2010-2015, or 'all' (1990-2020); results are written to it"),
    sex: str = typer.Option("_T", "--sex", help="With --period: _T, M, F or all"),
    warehouse: Path | None = typer.Option(None, "--warehouse", help="Warehouse file (default: "
                                          "CORRIDOR_WAREHOUSE or var/corridor.duckdb)"),
    vintage: list[str] | None = typer.Option(None, "--vintage", help="With --period: pin an input series to an "
                                             "earlier vintage (series:vintage such as undesa-ims:2019, a release "
                                             "or dataset id; repeatable). Default: the latest of each series"),
    stocks: str | None = typer.Option(None, "--stocks", help="With --period: the user's own MIG_STOCK dataset in the "
                                      "warehouse (dataset id, release id or series:vintage) instead of UN DESA's; "
                                      "estimates are written as datasets of their own series"),
    native_born: str | None = typer.Option(None, "--native-born", help="With --stocks: a MIG_STOCK dataset whose "
                                           "born-in-the-area rows are the native-born (default: WPP population "
                                           "minus foreign-born)"),
) -> None:
    """Estimate origin -> destination flows between two stock tables (files or the warehouse)."""
    from corridor.estimate.flows.files import check_method, estimate_files
    from corridor.estimate.flows.methods import METHODS

    methods = list(METHODS) if method == "all" and period is not None else [method]
    for m in methods:
        check_method(m)
    user = None
    if stocks is not None or native_born is not None:
        if period is None or stocks is None:
            raise InputError("--stocks DATASET reads the warehouse: give it with --period (and --native-born only "
                             "with --stocks)", column="--stocks")
        if sex != "_T":
            raise InputError("flows from a user's stocks are estimated for both sexes only (--sex _T)", column="--sex")
        user = {"stocks": stocks, "native_born": native_born, "births": None if births is None else str(births),
                "deaths": None if deaths is None else str(deaths)}
    if period is not None and user is None:  # files given beside --period were once silently ignored
        given = [name for name, value in (("--stocks-start", stocks_start), ("--stocks-end", stocks_end),
                                          ("--births", births), ("--deaths", deaths), ("--prior", prior))
                 if value is not None]
        if given:
            raise InputError(f"{', '.join(given)} name files, which --period does not read: it reads the warehouse "
                             "(with --stocks DATASET, --births/--deaths name datasets)", column=given[0])
    if period is not None:
        from corridor.process_memory import no_huge_pages

        no_huge_pages()  # before pandas, DuckDB and the reads allocate (corridor.process_memory)
        _from_warehouse(methods, period, sex, warehouse, keep_flagged=keep_flagged,
                        by_birthplace=by_birthplace, out=out,
                        vintage=vintage or [], user_stocks=user)
        return
    if vintage:
        raise InputError("--vintage chooses warehouse inputs: use it with --period", column="--vintage")
    # the file path (also run without Typer by corridor.cli.flows_files, the lean start of this command)
    estimate_files(say, method=method, stocks_start=stocks_start, stocks_end=stocks_end, births=births,
                   deaths=deaths, prior=prior, out=out, by_birthplace=by_birthplace, account=account,
                   global_total=global_total, tolerance=tolerance, max_iter=max_iter, open_method=open_method,
                   keep_negative=keep_negative, keep_flagged=keep_flagged)


def _parse_period(text: str) -> list[tuple[int, int]]:
    from corridor.estimate.flows.store import PERIODS

    if text == "all":
        return list(PERIODS)
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) or int(parts[1]) <= int(parts[0]):
        raise InputError(f"period {text!r} is not like 2010-2015 (or 'all')", column="--period")
    return [(int(parts[0]), int(parts[1]))]


def _from_warehouse(methods: list[str], period: str, sex: str, warehouse: Path | None, *, keep_flagged: bool,
                    by_birthplace: bool, out: Path | None, vintage: list[str],
                    user_stocks: dict[str, str | None] | None = None) -> None:
    from corridor.config import warehouse_path
    from corridor.estimate.flows.store import estimate_into_warehouse
    from corridor.store.lean import lean
    from corridor.store.snapshots import publishing

    periods = _parse_period(period)
    sexes = ["_T", "M", "F"] if sex == "all" else [sex]
    if any(s not in ("_T", "M", "F") for s in sexes):
        raise InputError(f"sex {sex!r} is not one of _T, M, F, all", column="--sex")
    path = warehouse_path(warehouse)
    if not path.exists():
        raise InputError("warehouse not found (ingest the releases first: corridor ingest ...)", file=str(path))
    with publishing(path) as wh:
        with lean(wh):  # issue 9: peak under 300 MB (corridor.store.lean); not the --out read below
            if user_stocks is None:
                done = estimate_into_warehouse(wh, methods=methods, periods=periods, sexes=sexes,
                                               keep_flagged=keep_flagged, by_birthplace=by_birthplace,
                                               vintage=vintage)
            else:  # the user's stocks (estimate/flows/user_stocks.py)
                from corridor.estimate.flows.user_stocks import estimate_from_user_stocks

                done = estimate_from_user_stocks(wh, methods=methods, periods=periods, keep_flagged=keep_flagged,
                                                 by_birthplace=by_birthplace, vintage=vintage, **user_stocks)
        for rec in done:
            for w in rec["warnings"]:
                console.print(f"[yellow]warning:[/] {rec['method']} {rec['period']} {rec['sex']}: {w}",
                              highlight=False, soft_wrap=True)
            how = ", ".join(f"{k}: {v}" for k, v in rec["how"].items())
            console.print(f"{rec['method']} {rec['period']} sex {rec['sex']}: total {rec['total']:,.0f} "
                          f"(stocks {how}) -> {rec['dataset_id']}", highlight=False, soft_wrap=True)
        flagged = [rec for rec in done if rec["status"] != "ok"]
        for rec in flagged:
            console.print(f"[yellow]flagged[/] {rec['method']} {rec['period']} {rec['sex']}: {rec['status']} "
                          f"(margin_error {rec['margin_error']}): {'; '.join(rec['flags'])}", highlight=False,
                          soft_wrap=True)
        for inputs in dict.fromkeys(tuple(rec["inputs"]) for rec in done):
            console.print(f"inputs: {', '.join(inputs)}", highlight=False, soft_wrap=True)
        if out is not None:
            import numpy as np

            ids = [rec["dataset_id"] for rec in done]
            frame = wh.observations("MIG_FLOW", dataset_id=ids, latest=False)
            frame = frame.rename(columns={"counterpart_area": "origin", "ref_area": "destination", "value": "flow"})
            frame["status"] = np.where(frame.obs_status == "U", "flagged", "ok")
            cols = ["method", "time_period", "sex", "birthplace", "origin", "destination", "flow", "lower", "upper",
                    "interval", "status", "margin_error"]
            frame[cols].to_csv(out, index=False)
            console.print(f"wrote {out}", highlight=False)
    if flagged and not keep_flagged:
        raise InputError(f"{len(flagged)} estimate(s) flagged (written with OBS_STATUS U and their margin_error; "
                         "--keep-flagged accepts them with exit status 0)")


@app.command("calibrate")
def calibrate_command(
    warehouse: Path | None = typer.Option(None, "--warehouse", help="Warehouse file holding the register flows "
                                          "(corridor ingest eurostat-immigration-prev-residence) and the stock "
                                          "inputs (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write the calibration (default: the "
                                    "shipped file read by every estimate, src/corridor/estimate/flows/"
                                    "calibration.json)"),
) -> None:
    """Fit the calibrated flow interval on observed register flows and print its out-of-sample table."""
    from corridor.config import warehouse_path
    from corridor.estimate.flows.calibrate import calibrate, markdown_table, write_calibration
    from corridor.estimate.flows.intervals import CALIBRATION_FILE
    from corridor.store.warehouse import Warehouse

    path = warehouse_path(warehouse)
    if not path.exists():
        raise InputError("warehouse not found (ingest the releases first: corridor ingest ...)", file=str(path))
    with Warehouse.open(path, read_only=True) as wh:
        result = calibrate(wh)
    written = write_calibration(result, out or CALIBRATION_FILE)
    print(markdown_table(result))
    console.print(f"{result['pairs']} register flows, {len(result['countries'])} countries, periods "
                  f"{', '.join(result['periods'])}; wrote {written}", highlight=False, soft_wrap=True)


app.command("show")(__import__("corridor.cli.flows_show", fromlist=["command"]).command)  # reads them back
