"""``corridor exchange``: the labour mobility exchange (registry, matching, quality, statistics).

    corridor exchange init                       # key file + migrate the registry (SQLite by default)
    corridor exchange load jobseeker people.csv  # bulk load (JSON, JSON Lines or CSV; docs/exchange.md)
    corridor exchange synthetic --jobseekers 5000 --vacancies 500   # SYNTHETIC data on real corridors
    corridor exchange match --on 2026-07-01 --propose               # match and record the proposals
    corridor exchange report                     # matching quality, time to match, score vs outcome
    corridor exchange report --publish           # ... and into the warehouse (EXCH_MATCH_QUALITY)
    corridor exchange publish                    # aggregate statistics into the warehouse

``--db`` (or ``CORRIDOR_EXCHANGE_DB``) names the registry's database URL; the encryption key comes
from ``CORRIDOR_EXCHANGE_KEY`` or the key file (``CORRIDOR_EXCHANGE_KEY_FILE``, default
``var/exchange.key``), never from the database.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from corridor.cli.common import console
from corridor.config import warehouse_path
from corridor.errors import InputError
from corridor.exchange import bulk, db
from corridor.exchange.codelists import esco
from corridor.exchange.crypto import create_key_file
from corridor.exchange.market import load_market
from corridor.exchange.matching import METHODS, match
from corridor.exchange.quality import outcome_evaluation, run_quality, time_to_match
from corridor.exchange.quality_publish import publish_quality
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import protected_tables, publish_statistics, shortages_and_surpluses
from corridor.exchange.synthetic import corridors_from_stocks, generate, simulate_outcomes
from corridor.store.warehouse import Warehouse

app = typer.Typer(help="The labour mobility exchange: registry, matching, quality, statistics.",
                  no_args_is_help=True)
DB = typer.Option(None, "--db", help="Registry database URL (default: CORRIDOR_EXCHANGE_DB or var/exchange.sqlite)")
WAREHOUSE = typer.Option(None, "--warehouse", help="Warehouse file (default: CORRIDOR_WAREHOUSE)")


@app.callback()
def _group() -> None:
    """The labour mobility exchange (see docs/exchange.md)."""


def _registry(url: str | None) -> Registry:
    engine = db.engine_for(url)
    db.upgrade(engine)
    return Registry(engine)


def _print(obj: object) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str))


@app.command("init")
def init_command(db_url: str | None = DB) -> None:
    """Create the encryption key file (if none) and migrate the registry to the latest revision."""
    path = create_key_file()
    engine = db.engine_for(db_url)
    db.upgrade(engine)
    console.print(f"registry at revision {db.current_revision(engine)}; key file {path}")


@app.command("load")
def load_command(kind: str = typer.Argument(..., help="agreement, employer, vacancy or jobseeker"),
                 path: Path = typer.Argument(..., help="JSON array, JSON Lines (.jsonl) or CSV file"),
                 db_url: str | None = DB) -> None:
    """Bulk load one file of records (all or nothing)."""
    if not path.is_file():
        raise InputError(f"no file {path}")
    n = bulk.load(_registry(db_url), kind, bulk.read_records(path), actor=f"load:{path.name}")
    console.print(f"loaded {n} {kind} record(s) from {path}")


@app.command("synthetic")
def synthetic_command(jobseekers: int = typer.Option(2000, "--jobseekers"),
                      vacancies: int = typer.Option(300, "--vacancies"),
                      corridors: int = typer.Option(40, "--corridors"), seed: int = typer.Option(0, "--seed"),
                      outcomes_on: str = typer.Option(None, "--outcomes-on", help=(
                          "Also match on this date (YYYY-MM-DD), propose, and give every placement a "
                          "SYNTHETIC life cycle and outcome (for the quality report)")),
                      db_url: str | None = DB, warehouse: Path | None = WAREHOUSE) -> None:
    """Generate and load SYNTHETIC data on the largest real corridors (UN DESA stocks) and ESCO."""
    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        pairs = corridors_from_stocks(wh, top=corridors)
    world = generate(pairs, esco(), n_jobseekers=jobseekers, n_vacancies=vacancies, seed=seed)
    reg = _registry(db_url)
    for kind, records in (("agreement", world.agreements), ("employer", world.employers),
                          ("vacancy", world.vacancies), ("jobseeker", world.jobseekers)):
        bulk.load(reg, kind, records, actor="synthetic")
    console.print(f"loaded SYNTHETIC data: {len(world.agreements)} agreements on real corridors, "
                  f"{len(world.vacancies)} vacancies, {len(world.jobseekers)} jobseekers")
    if outcomes_on:
        result = match(load_market(reg, date.fromisoformat(outcomes_on)), essential_skills=esco().essential_skills)
        reg.propose(result.matches, actor="synthetic")
        console.print(f"SYNTHETIC outcomes for {simulate_outcomes(reg, seed)} placements")


@app.command("match")
def match_command(on: str = typer.Option(None, "--on", help="Run date (default today), YYYY-MM-DD"),
                  method: str = typer.Option("deferred_acceptance", "--method", help=" or ".join(METHODS)),
                  propose: bool = typer.Option(False, "--propose", help="Record the matches as proposed placements"),
                  db_url: str | None = DB) -> None:
    """Match the open market; print the run's quality (and record proposals with --propose)."""
    reg = _registry(db_url)
    market = load_market(reg, date.fromisoformat(on) if on else date.today())
    result = match(market, method=method, essential_skills=esco().essential_skills)
    if propose:
        reg.propose(result.matches, actor=f"match:{method}")
    _print(run_quality(result, market))


@app.command("report")
def report_command(on: str = typer.Option(None, "--on", help="Run date (default today), YYYY-MM-DD"),
                   method: str = typer.Option("deferred_acceptance", "--method"),
                   shortages: bool = typer.Option(False, "--shortages", help=(
                       "Also pair shortages with surpluses (runs the cell suppression: slow on large registries)")),
                   publish: bool = typer.Option(False, "--publish", help=(
                       "Also write the quality to the warehouse (dataflow EXCH_MATCH_QUALITY)")),
                   synthetic: bool = typer.Option(False, "--synthetic", help="Label the published dataset SYNTHETIC"),
                   db_url: str | None = DB, warehouse: Path | None = WAREHOUSE) -> None:
    """Matching quality: fill rate, share matched, stability, time to match, score vs outcome (held out),
    and shortages paired with surpluses (from the suppressed statistics)."""
    reg = _registry(db_url)
    market = load_market(reg, date.fromisoformat(on) if on else date.today())
    result = match(market, method=method, essential_skills=esco().essential_skills)
    out = {"run": run_quality(result, market), "time_to_match": time_to_match(reg),
           "score_vs_outcome": outcome_evaluation(reg)}
    if shortages:
        out["shortages_paired_with_surpluses"] = shortages_and_surpluses(protected_tables(reg)).head(20).to_dict(
            "records")
    if publish:
        with Warehouse.open(warehouse_path(warehouse)) as wh:
            out["dataset"] = publish_quality(out, wh, on=(on or date.today().isoformat()), synthetic=synthetic)
    _print(out)


@app.command("publish")
def publish_command(min_cell: int = typer.Option(5, "--min-cell", help="Smallest publishable count"),
                    synthetic: bool = typer.Option(False, "--synthetic", help="Label the datasets SYNTHETIC"),
                    db_url: str | None = DB, warehouse: Path | None = WAREHOUSE) -> None:
    """Write the exchange's statistics (small counts suppressed) to the warehouse."""
    reg = _registry(db_url)
    with Warehouse.open(warehouse_path(warehouse)) as wh:
        ids = publish_statistics(reg, wh, min_cell=min_cell, synthetic=synthetic)
    console.print("wrote " + ", ".join(ids))
