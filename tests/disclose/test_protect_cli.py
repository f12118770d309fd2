"""``corridor microdata protect`` on the EU-SILC public-use file (mirror), through Typer's CliRunner.

What this proves: after protection every key combination is shared by at least k records (checked
on the written Parquet file, not on the command's own numbers), the access level is in the file's
metadata and the report, and bad input is named.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli.main import app
from corridor.disclose.microdata_risk import key_frequencies
from corridor.disclose.report import read_access_level
from corridor.errors import InputError

KEYS = ["db040", "rb090", "age", "pb220a"]


@pytest.fixture(scope="module")
def eusilc_file(mirror):
    return mirror / "microdata" / "eusilc13puf.rda"


def test_protect_reaches_k_and_records_access(eusilc_file, tmp_path):
    out, report = tmp_path / "public.parquet", tmp_path / "report.json"
    result = CliRunner().invoke(app, [
        "microdata", "protect", str(eusilc_file), "--keys", ",".join(KEYS), "--k", "3",
        "--out", str(out), "--weight", "rb050", "--pram", "pb220a", "--seed", "11", "--report", str(report),
    ])
    assert result.exit_code == 0, result.output
    public = pd.read_parquet(out)
    assert len(public) == 13513  # every person kept (MANIFEST.md: 13,513 persons)
    assert (key_frequencies(public, KEYS)["fk"] >= 3).all()
    assert read_access_level(out) == "public"
    rep = json.loads(report.read_text())
    assert rep["access"] == "public" and rep["source_access"] == "restricted"
    assert rep["before"]["violating_records"] > 0 and rep["after"]["violating_records"] == 0
    assert rep["after"]["expected_reidentifications"] < rep["before"]["expected_reidentifications"]
    assert rep["pram"]["variable"] == "pb220a" and rep["pram"]["records_changed"] > 0
    assert rep["suppressed_total"] == sum(rep["suppressed_values"].values()) > 0
    # same seed, same file
    out2 = tmp_path / "again.parquet"
    CliRunner().invoke(app, ["microdata", "protect", str(eusilc_file), "--keys", ",".join(KEYS), "--k", "3",
                             "--out", str(out2), "--weight", "rb050", "--pram", "pb220a", "--seed", "11"])
    assert pd.read_parquet(out2).equals(public)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keys", "db040,nosuchvar", "--k", "3"], "nosuchvar"),
        (["--keys", "db040", "--k", "1"], "at least 2"),
        (["--keys", "db040", "--k", "3", "--weight", "nosuchweight"], "nosuchweight"),
    ],
)
def test_bad_input_is_named(eusilc_file, tmp_path, args, message):
    result = CliRunner().invoke(app, ["microdata", "protect", str(eusilc_file), *args,
                                      "--out", str(tmp_path / "p.parquet")])
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


def test_unreadable_file(tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"not parquet at all")
    result = CliRunner().invoke(app, ["microdata", "protect", str(bad), "--keys", "a", "--k", "3",
                                      "--out", str(tmp_path / "p.parquet")])
    assert isinstance(result.exception, InputError)
    assert "broken.parquet" in str(result.exception)
