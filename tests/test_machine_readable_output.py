"""With ``--format csv`` or ``--format json`` standard output carries the table and nothing else.

Issue 11 item 1: HiGHS printed its banner ("Running HiGHS ...") and MIP debugging lines to standard
output before the CSV header, so ``--format csv > table.csv`` wrote a broken file. Every command with a
``--format`` option is run here as a real process (the solver writes to file descriptor 1 from C code,
which an in-process runner would not see), with each machine format it offers, and its standard output
is parsed strictly: CSV — a header of known column names, every row the header's width, nothing
before or after; JSON — the whole of standard output is one JSON document. Warnings and progress may
go to standard error. ``test_every_format_command_is_covered`` fails when a command gains ``--format``
without a case here.

Inputs: the EU-SILC and R ``survey`` (api) files from the mirror; the session's warehouse of every
catalogue release (real ingest, ``loaded_warehouse``) copied, with one flow estimate written by the flows
package (``da_pb_closed`` 2015-2020), the SDG 10.c.1 remittance-cost measures computed by ``corridor
indicators compute`` and the census suite's illustrative registry loaded by ``corridor indicators
census-load``; an exchange registry on SQLite (the recruitment suite's set-up: six workers placed in Korea,
four charged a recruitment fee, each with first-month earnings, loaded by ``corridor recruitment load``);
and a SYNTHETIC recruitment-cost survey (random records, labelled, for the machinery only: no microdata of
such a survey is public).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAP = "region=db040,citizenship=pb220a,sex=rb090,age=age"

#: command -> (arguments, machine formats, a column the table must have). {eusilc}, {api}, {wh}, {spec}
#: are filled in by the fixtures.
CASES: dict[str, tuple[list[str], tuple[str, ...], str]] = {
    # secondary suppression runs (HiGHS MIP + LPs): the case that used to break the CSV
    "microdata tabulate": (["microdata", "tabulate", "{eusilc}", "--map", MAP, "--by",
                            "region,citizenship,age_group_broad", "--min-cell", "10"], ("csv", "json"), "n"),
    "microdata derive": (["microdata", "derive", "{eusilc}", "--measure", "foreign_citizen", "--map", MAP,
                          "--home", "AT", "--by", "region", "--min-cell", "10"], ("csv", "json"), "share"),
    "microdata inspect": (["microdata", "inspect", "{eusilc}"], ("json",), "variables"),
    "disclose tables": (["disclose", "tables", "{spec}"], ("csv", "json"), "conf_status"),
    "survey estimate": (["survey", "estimate", "{api}", "--weights", "pw", "--mean", "api00"], ("csv",),
                        "estimate"),
    "datasets": (["datasets", "--warehouse", "{wh}"], ("csv", "json"), "dataset_id"),
    "stock": (["stock", "--destination", "840", "--year", "2019", "--warehouse", "{wh}"], ("csv", "json"),
              "value"),
    "indicators list": (["indicators", "list"], ("csv", "json"), "formula"),
    "indicators gaps": (["indicators", "gaps", "{eusilc}", "--area", "040", "--year", "2013"], ("csv", "json"),
                        "gap"),
    "indicators ratifications": (["indicators", "ratifications", "--warehouse", "{wh}"], ("csv", "json"),
                                 "ref_area"),
    "portability agreements": (["portability", "agreements"], ("csv", "json"), "parties"),
    "portability coverage": (["portability", "coverage", "--year", "2000", "--warehouse", "{wh}"],
                             ("csv", "json"), "share_covered"),
    "flows show": (["flows", "show", "--origin", "MEX", "--destination", "USA", "--both-directions",
                    "--warehouse", "{wh}"], ("csv", "json"), "interval"),
    "indicators census": (["indicators", "census", "--round", "2010", "--warehouse", "{wh}"], ("csv", "json"),
                          "countries_tabulating"),
    "indicators costs": (["indicators", "costs", "--sending", "USA", "--receiving", "MEX", "--warehouse", "{wh}"],
                         ("csv", "json"), "measure"),
    "recruitment flags": (["recruitment", "flags", "--db", "{db}"], ("csv", "json"), "owed_usd"),
    "recruitment sdg1071": (["recruitment", "sdg1071", "--year", "2026", "--min-cell", "3", "--db", "{db}"],
                            ("csv", "json"), "value"),
    "recruitment survey": (["recruitment", "survey", "{survey}", "--weights", "weight", "--strata", "stratum",
                            "--psu", "psu", "--year", "2017", "--name", "synthetic"], ("csv", "json"), "se"),
}

CHARGES = "jobseeker_id,category,side,jurisdiction,payer,payee,amount,currency,usd_rate,rate_date,rate_source,on\n"
EARNINGS = "jobseeker_id,month,amount,currency,usd_rate,rate_date,rate_source,placement_id\n"

# the map as a string and "by" comma-separated: the other accepted spellings of a specification
SPEC = """\
file: {eusilc}
weight: rb050
map: region=db040,citizenship=pb220a,sex=rb090
tables: [{{name: rsc, by: "region,sex,citizenship"}}]
"""


def _warehouse(loaded_warehouse: Path, tmp: Path) -> Path:
    """The session's warehouse, copied, with a flow estimate, the remittance-cost measures and a census registry."""
    from corridor.estimate.flows.store import estimate_into_warehouse
    from corridor.store.warehouse import Warehouse
    from tests.indicators.test_census_registry import ILLUSTRATIVE

    wh = tmp / "corridor.duckdb"
    shutil.copyfile(loaded_warehouse, wh)
    with Warehouse.open(wh) as store:
        estimate_into_warehouse(store, methods=["da_pb_closed"], periods=[(2015, 2020)], sexes=["_T"])
    census = tmp / "census.csv"
    census.write_text(ILLUSTRATIVE, encoding="utf-8")
    for args in (["indicators", "compute"], ["indicators", "census-load", str(census)]):
        done = _run([*args, "--warehouse", str(wh)], str(tmp))
        assert done.returncode == 0 and not done.stdout, done.stderr[-2000:]  # writers say what they did on stderr
    return wh


def _registry(tmp: Path, env: dict[str, str]) -> str:
    """An exchange registry (SQLite): six workers placed in Korea, four charged a fee, all with earnings."""
    from corridor.exchange import db
    from corridor.exchange.registry import Registry

    url = f"sqlite:///{tmp / 'exchange.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORRIDOR_EXCHANGE_KEY", env["CORRIDOR_EXCHANGE_KEY"])
        engine = db.engine_for(url)
        db.upgrade(engine)
        reg = Registry(engine)
        emp = reg.add_employer("E", "410", sector="C")
        vac = reg.add_vacancy(employer_id=emp, esco_version="1.1.1", isco="7212", destination="410", sector="C",
                              valid_from=pd.Timestamp("2026-01-01").date())
        workers = [reg.add_jobseeker(origin="608", esco_version="1.1.1", isco="7212") for _ in range(6)]
        placements = reg.propose([{"jobseeker_id": w, "vacancy_id": vac} for w in workers])
        engine.dispose()
    charges, earnings = tmp / "charges.csv", tmp / "earnings.csv"
    charges.write_text(CHARGES + "".join(
        f"{w},recruitment_fee,origin,608,worker,Agency,{5000 * (i + 1)},PHP,0.018,2026-02-27,BSP reference rate,"
        "2026-03-01\n" for i, w in enumerate(workers[:4])))
    earnings.write_text(EARNINGS + "".join(f"{w},2026-05-01,2000000,KRW,0.00075,2026-05-31,BOK rate,{p}\n"
                                           for w, p in zip(workers, placements, strict=True)))
    for kind, path in (("ledger", charges), ("earnings", earnings)):
        done = _run(["recruitment", "load", kind, str(path), "--db", url], str(tmp), env)
        assert done.returncode == 0, done.stderr[-2000:]
    return url


def _survey(tmp: Path) -> Path:
    """SYNTHETIC recruitment-cost survey records (random; for the machinery only)."""
    rng = np.random.default_rng(10710)
    n = 400
    path = tmp / "synthetic_recruitment_survey.csv"
    pd.DataFrame({
        "stratum": np.repeat(["a", "b"], n // 2), "psu": np.repeat(np.arange(40), n // 40),
        "weight": rng.uniform(50, 150, n), "ref_area": "410", "counterpart_area": rng.choice(["608", "524"], n),
        "sex": rng.choice(["M", "F"], n), "isco1": rng.choice(["7", "9"], n), "sector": rng.choice(["C", "F"], n),
        "cost_usd": np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2.0, 150.0, n)),
        "earnings_usd": rng.uniform(500, 1500, n)}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def inputs(mirror: Path, loaded_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from cryptography.fernet import Fernet

    tmp = tmp_path_factory.mktemp("machine-readable")
    eusilc = mirror / "microdata" / "eusilc13puf.rda"
    spec = tmp / "release.yaml"
    spec.write_text(SPEC.format(eusilc=eusilc))
    env = {"CORRIDOR_EXCHANGE_KEY": Fernet.generate_key().decode()}
    return {"eusilc": str(eusilc), "api": str(mirror / "microdata" / "apistrat.csv"),
            "wh": str(_warehouse(loaded_warehouse, tmp)), "spec": str(spec), "tmp": str(tmp),
            "db": _registry(tmp, env), "survey": str(_survey(tmp)), "key": env["CORRIDOR_EXCHANGE_KEY"]}


def _run(args: list[str], tmp: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(extra or {}),
           "CORRIDOR_RELEASE_REGISTER": str(Path(tmp) / f"releases-{abs(hash(tuple(args)))}.json")}
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=600)


def _strict_csv(text: str, column: str) -> list[list[str]]:
    assert text.endswith("\n"), "CSV output must end with a newline"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows and column in rows[0], f"first line is not the table's header: {text[:300]!r}"
    assert all(h and h.replace("_", "").isalnum() for h in rows[0]), f"odd header {rows[0]}"
    assert all(len(r) == len(rows[0]) for r in rows), "a line of standard output is not a table row"
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt", [(c, f) for c, (_, fmts, _) in CASES.items() for f in fmts])
def test_stdout_is_the_table_alone(inputs: dict[str, str], case: str, fmt: str) -> None:
    args, _, column = CASES[case]
    done = _run([a.format(**inputs) for a in args] + ["--format", fmt], inputs["tmp"],
                {"CORRIDOR_EXCHANGE_KEY": inputs["key"]})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HiGHS" not in done.stdout and "Running" not in done.stdout
    if fmt == "csv":
        assert len(_strict_csv(done.stdout, column)) > 1
    else:
        doc = json.loads(done.stdout)  # the whole of standard output, nothing before or after
        assert doc and column in (doc if isinstance(doc, dict) else doc[0])


def test_every_format_command_is_covered() -> None:
    from tests.cli.test_formats import format_commands

    assert sorted(" ".join(c) for c in format_commands()) == sorted(CASES)
