"""Tabulation by area of residence and any variable (issue 10 item 7); weights never silently dropped
(issue 15 item 5). EU-SILC public-use file from the mirror: 13,513 persons in 9 NUTS-2 regions
(``db040`` AT11..AT34), weight ``rb050`` (MANIFEST.md).

The original symptoms, reproduced first: ``--map region=db040`` was "unknown role 'region'"; an
unweighted table of a file with weights had a column ``estimate`` equal to ``n`` and said nothing.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from corridor.cli.main import build_app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(build_app(), list(args))


def test_tabulate_by_region_and_citizenship(eusilc: Path) -> None:
    result = invoke("microdata", "tabulate", str(eusilc), "--map", "region=db040,citizenship=pb220a",
                    "--by", "region,citizenship", "--labels", "--unweighted")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(df.columns) == ["region", "region_label", "citizenship", "citizenship_label", "n",
                                "obs_status", "conf_status"]
    assert sorted(df["region"].unique()) == ["AT11", "AT12", "AT13", "AT21", "AT22", "AT31", "AT32", "AT33",
                                             "AT34"]  # the user's own codes, never mapped to countries
    assert df["n"].sum() == 13_513
    assert df.loc[(df.region == "AT11") & (df.citizenship == "EU"), "n"].item() == 8


def test_any_variable_in_by_with_its_labels(eusilc: Path) -> None:
    result = invoke("microdata", "tabulate", str(eusilc), "--by", "pl031", "--labels", "--unweighted")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert list(df.columns)[:2] == ["pl031", "pl031_label"] and df["n"].sum() == 13_513


def test_unweighted_table_of_a_weighted_file_says_so(eusilc: Path) -> None:
    result = invoke("microdata", "tabulate", str(eusilc), "--map", "sex=rb090", "--by", "sex")
    assert result.exit_code == 0, result.output
    assert "estimate" not in result.stdout.splitlines()[0]  # n only: records, not persons
    assert "rb050" in result.stderr and "--unweighted" in result.stderr  # the warning, on stderr
    assert "warning" not in result.stdout
    quiet = invoke("microdata", "tabulate", str(eusilc), "--map", "sex=rb090", "--by", "sex", "--unweighted")
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == result.stdout
    weighted = invoke("microdata", "tabulate", str(eusilc), "--map", "sex=rb090", "--by", "sex", "--weight", "rb050")
    assert weighted.stdout.splitlines()[0] == "sex,n,estimate,obs_status,conf_status" and weighted.stderr == ""
    both = invoke("microdata", "tabulate", str(eusilc), "--by", "rb090", "--weight", "rb050", "--unweighted")
    assert both.exit_code != 0 and "contradict" in str(both.exception)


def test_derive_unweighted_counts_records(eusilc: Path) -> None:
    args = ["microdata", "derive", str(eusilc), "--measure", "foreign_citizen", "--map", "citizenship=pb220a",
            "--home", "AT"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout))
    assert "estimate" not in df.columns and "population" not in df.columns
    assert df["share"].item() == df["n"].item() / df["population_n"].item()
    assert "rb050" in result.stderr
    assert invoke(*args, "--unweighted").stderr == ""
