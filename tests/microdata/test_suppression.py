"""``--min-cell``: the disclosure step always runs, protects against the margins, and its failure is fatal.

The table is the real CPS extract (mirror, MANIFEST.md: MIGRATE1 = 6 "abroad" is 30 persons) by
MIGRATE1 x broad age group. Protection is checked by the independent LP audit of
:mod:`corridor.disclose.audit` (it shares no code with the suppression). The failure tests make the
real disclosure step fail and check that no table comes back and no file is written: there is no
weaker fallback (primary-only suppression would publish cells the margins give away).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import corridor.disclose.tables as disclose_tables
from corridor.cli.microdata import app
from corridor.disclose.audit import audit
from corridor.disclose.tables import add_margins
from corridor.errors import InputError
from corridor.microdata.engines import connect, load_table
from corridor.microdata.read import read_microdata
from corridor.microdata.tabulate import tabulate
from corridor.microdata.variables import parse_map

BY = ["MIGRATE1", "age_group_broad"]
ARGS = ("--map", "age=AGE", "--by", ",".join(BY), "--weight", "ASECWT", "--min-cell", "10")


@pytest.fixture(scope="module")
def duck():
    return connect("duckdb")


def test_secondary_cells_protect_the_small_cells_from_the_margins(duck, cps: Path) -> None:
    t = load_table(duck, cps, name="cps_sup")
    plain = tabulate(t, BY, parse_map("age=AGE"))
    table = tabulate(t, BY, parse_map("age=AGE"), min_cell=10)
    assert (table["conf_status"] == "A").sum() >= 2
    # primary-only suppression would hide only the A cells; the margins would then give them away
    assert (table["conf_status"] == "D").any()
    # the attacker's view: the published cells and every margin (the suppression takes them as published)
    original = add_margins(plain, by=BY, columns=["n"])
    margins = original[(original[BY] == "_T").any(axis=1)]
    published = pd.concat([table[[*BY, "n", "conf_status"]], margins.assign(conf_status="F")], ignore_index=True)
    result = audit(published, original, by=BY, value="n", floor=1.0)
    assert result.ok, result.violations
    assert len(result.intervals) == (table["conf_status"] != "F").sum()


def _fail(*_args: object, **_kwargs: object) -> None:
    raise ImportError("highspy: simulated failure inside the secondary-suppression solver")


def test_a_solver_failure_is_fatal_and_nothing_is_written(duck, cps: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # the solver step raises the very exception the old fallback swallowed (ImportError)
    monkeypatch.setattr(disclose_tables, "_secondary", _fail)
    t = load_table(duck, cps, name="cps_fail")
    with pytest.raises(ImportError, match="secondary-suppression solver"):
        tabulate(t, BY, parse_map("age=AGE"), min_cell=10)
    out = tmp_path / "table.csv"
    result = CliRunner().invoke(app, ["tabulate", str(cps), *ARGS, "--out", str(out)])
    assert isinstance(result.exception, ImportError) and result.exit_code != 0
    assert not out.exists()


def test_invalid_input_to_the_disclosure_step_is_fatal(duck, eusilc: Path, tmp_path: Path) -> None:
    # negative weights (one sex's cell sums below zero): cell suppression, which protects sums of
    # non-negative contributions, refuses the table
    df = read_microdata(eusilc, columns=["rb090", "rb050"]).assign(rb090=lambda d: d["rb090"].astype(str))
    df.loc[df["rb090"] == df["rb090"].iloc[0], "rb050"] *= -1.0
    path = tmp_path / "negative.parquet"
    df.to_parquet(path)
    out = tmp_path / "table.csv"
    result = CliRunner().invoke(app, ["tabulate", str(path), "--by", "rb090", "--weight", "rb050",
                                      "--min-cell", "10", "--out", str(out)])
    assert isinstance(result.exception, InputError) and "negative value in column 'estimate'" in str(
        result.exception)
    assert not out.exists()


def test_without_the_disclosure_code_the_command_does_not_run(cps: Path, tmp_path: Path) -> None:
    # the disclosure module cannot be imported (scipy.optimize blocked): corridor microdata refuses to
    # start instead of tabulating with primary suppression only
    out = tmp_path / "table.csv"
    code = ("import sys; sys.modules['scipy.optimize'] = None; from corridor.cli.main import main; "
            f"sys.argv = ['corridor', 'microdata', 'tabulate', {str(cps)!r}, *{list(ARGS)!r}, '--out', "
            f"{str(out)!r}]; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "scipy.optimize" in r.stderr
    assert not out.exists()
