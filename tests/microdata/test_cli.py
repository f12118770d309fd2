"""``corridor microdata inspect|tabulate|derive`` on the real files.

References: CPS MIGRATE1 "abroad" = 30 persons, EU-SILC 13,513 persons (mirror MANIFEST.md).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from corridor.cli.microdata import app
from corridor.errors import InputError
from corridor.microdata.engines import connect, load_table
from corridor.microdata.tabulate import tabulate
from corridor.microdata.variables import parse_map

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_tabulate_csv_eusilc(eusilc: Path) -> None:
    out = run("tabulate", str(eusilc), "--map", "citizenship=pb220a,sex=rb090", "--by", "citizenship,sex",
              "--weight", "rb050", "--format", "csv")
    assert out.splitlines()[0] == "citizenship,sex,n,estimate,obs_status,conf_status"
    df = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert df["n"].sum() == 13_513
    expected = tabulate(load_table(connect("duckdb"), eusilc), ["citizenship", "sex"],
                        parse_map("citizenship=pb220a,sex=rb090"), weight="rb050")
    assert df["estimate"].tolist() == expected["estimate"].tolist()  # full precision in the CSV
    assert df[df["citizenship"] == "_U"]["n"].sum() == 3_076  # pb220a missing: counted, not dropped


def test_tabulate_min_cell_leaves_estimate_empty(cps: Path) -> None:
    out = run("tabulate", str(cps), "--map", "residence_past_date=MIGRATE1,age=AGE",
              "--by", "residence_past_date,age_group_broad", "--weight", "ASECWT", "--min-cell", "10")
    df = pd.read_csv(io.StringIO(out), keep_default_na=False, dtype=str)
    hidden = df[df["conf_status"] != "F"]
    assert len(hidden) > 0 and (hidden["estimate"] == "").all()
    assert (df[df["conf_status"] == "F"]["estimate"] != "").all()
    plain = pd.read_csv(io.StringIO(run("tabulate", str(cps), "--map", "residence_past_date=MIGRATE1",
                                        "--by", "residence_past_date")))
    assert plain.set_index("residence_past_date").loc[6, "n"] == 30  # MANIFEST: 30 abroad


def test_inspect_names_the_topics(cps: Path) -> None:
    text = run("inspect", str(cps), "--codebook", str(cps.with_name("cps_00160.xml")))
    assert "10883 records" in text
    assert "C place of residence at a specified date in the past / previous residence: MIGRATE1" in text
    assert "A place / country of birth: not answered" in text
    report = json.loads(run("inspect", str(cps), "--format", "json"))
    mig = next(v for v in report["variables"] if v["variable"] == "MIGRATE1")
    assert mig["value_labels"]["6"] == "Abroad" and mig["missing"] == 0
    assert report["core_topics"]["C"]["variables"] == ["MIGRATE1"]


def test_derive_command(cps: Path) -> None:
    out = run("derive", str(cps), "--measure", "residence_abroad_past_date",
              "--map", "residence_past_date=MIGRATE1,age=AGE")
    df = pd.read_csv(io.StringIO(out))
    assert df.loc[0, "concept"] == "residence_abroad_past_date" and df.loc[0, "n"] == 30


def _corridor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", "microdata", *args],
                          capture_output=True, text=True, timeout=120)


def test_errors_are_one_line_with_status_2(eusilc: Path, tmp_path: Path) -> None:
    # the real command line once: a CorridorError becomes one line on stderr and exit status 2
    r = _corridor("tabulate", str(eusilc), "--map", "citizenship=pb220a", "--by", "citizenship,nope")
    assert r.returncode == 2
    assert "not in the file: nope; available: db030" in r.stderr and "Traceback" not in r.stderr
    # the other messages in-process (same error path, without starting Python again)
    def error(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert isinstance(result.exception, InputError), result.output
        return str(result.exception)

    assert "expected ROLE=VARIABLE" in error("tabulate", str(eusilc), "--map", "citizenship", "--by", "sex")
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    msg = error("tabulate", str(broken), "--by", "x")
    assert "broken.parquet" in msg and "cannot read as parquet" in msg
    assert "unknown engine 'polars'" in error("tabulate", str(eusilc), "--by", "rb090", "--engine", "polars")
    assert "unsupported microdata format" in error("tabulate", str(tmp_path / "x.xlsx"), "--by", "a")


def test_compliance_command_records_in_the_warehouse(cps: Path, eusilc: Path, tmp_path: Path) -> None:
    from corridor.microdata.compliance import records
    from corridor.store.warehouse import Warehouse

    wh = tmp_path / "wh.duckdb"
    out = run("compliance", str(cps), "--area", "840", "--year", "2016", "--kind", "survey",
              "--warehouse", str(wh))
    rows = pd.read_csv(io.StringIO(out.split("\n\n")[0]))
    assert rows.set_index("topic").loc["C", "variable"] == "MIGRATE1"  # suggested from the IPUMS name
    assert rows["answered"].sum() == 1 and set(rows["source"]) == {"cps_00160.dat.gz"}
    run("compliance", str(eusilc), "--area", "40", "--year", "2016", "--kind", "survey",
        "--map", "citizenship=pb220a", "--warehouse", str(wh))
    run("compliance", str(eusilc), "--area", "40", "--year", "2016", "--kind", "survey",
        "--map", "citizenship=pb220a", "--warehouse", str(wh))  # the same answers again: no new dataset
    with Warehouse.open(wh, read_only=True) as w:
        datasets = w.datasets()
        recorded = records(w)
    assert sorted(datasets["series"]) == ["census-questions/cps_00160.dat.gz", "census-questions/eusilc13puf.rda"]
    assert len(datasets) == 2 and len(recorded) == 10
    rates = recorded.groupby("topic")["answered"].mean()
    assert rates["C"] == 0.5 and rates["D"] == 0.5 and rates["A"] == 0.0


def test_tabulate_with_codebook_labels(cps: Path) -> None:
    out = run("tabulate", str(cps), "--map", "residence_past_date=MIGRATE1", "--by", "residence_past_date",
              "--labels")
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns[:3]) == ["residence_past_date", "residence_past_date_label", "n"]
    row = df.set_index("residence_past_date").loc[6]
    assert row["residence_past_date_label"] == "Abroad" and row["n"] == 30  # DDI label; MANIFEST: 30
