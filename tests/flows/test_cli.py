"""``corridor flows estimate`` from tidy CSV files: outputs, options, errors, warnings.

Most tests run the command in-process (Typer's runner; an error is the raised ``InputError``, which the
real entry point prints as one line with exit status 2); one test runs the real ``corridor`` entry point
in a subprocess to check that. Expected flows are migest's e0 (REFERENCE_VALUES.md).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import flows as flows_cli
from corridor.errors import CorridorError

AREAS = ["A", "B", "C", "D"]
# REFERENCE_VALUES.md e0, rows = place of birth
E0_START = [[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]]
E0_END = [[950, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40], [40, 45, 0, 180]]
CORRIDOR = [sys.executable, "-m", "corridor.cli.main"]


def write_stocks(path: Path, rows: list[list[float]], areas: list[str] = AREAS) -> Path:
    recs = [(areas[i], areas[j], rows[i][j]) for i in range(len(areas)) for j in range(len(areas))]
    pd.DataFrame(recs, columns=["origin", "destination", "stock"]).to_csv(path, index=False)
    return path


def write_area(path: Path, column: str, values: list[float], areas: list[str] = AREAS) -> Path:
    pd.DataFrame({"area": areas, column: values}).to_csv(path, index=False)
    return path


@pytest.fixture()
def e0_files(tmp_path: Path) -> dict[str, Path]:
    return {
        "--stocks-start": write_stocks(tmp_path / "s0.csv", E0_START),
        "--stocks-end": write_stocks(tmp_path / "s1.csv", E0_END),
        "--births": write_area(tmp_path / "b.csv", "births", [0, 0, 0, 0]),
        "--deaths": write_area(tmp_path / "d.csv", "deaths", [0, 0, 0, 0]),
    }


@dataclass
class Run:
    returncode: int
    stderr: str


def run(files: dict[str, Path], *extra: str) -> Run:
    """Run ``corridor flows estimate`` in-process; an InputError becomes status 2 and its message."""
    args = ["estimate"]
    for key, value in files.items():
        args += [key, str(value)]
    result = CliRunner().invoke(flows_cli.app, [*args, *extra])
    if isinstance(result.exception, CorridorError):
        return Run(2, f"error: {result.exception}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stderr)


def run_entry_point(files: dict[str, Path], *extra: str) -> subprocess.CompletedProcess:
    args = [*CORRIDOR, "flows", "estimate"]
    for key, value in files.items():
        args += [key, str(value)]
    return subprocess.run([*args, *extra], capture_output=True, text=True, timeout=300)


def test_estimate_writes_the_issue_columns(e0_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "flows.csv"
    proc = run(e0_files, "--method", "da_min_closed", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    flows = pd.read_csv(out, dtype={"origin": str, "destination": str})
    assert list(flows.columns) == ["origin", "destination", "flow", "lower", "upper", "interval", "status",
                                   "margin_error"]
    assert (flows.origin != flows.destination).all() and len(flows) == 12
    got = flows.set_index(["origin", "destination"]).flow
    # REFERENCE_VALUES.md e0: A->C 50, B->A 35, B->C 25, C->A 10, C->B 10, D->A 10, D->B 10
    assert got["A", "C"] == pytest.approx(50, abs=0.01) and got["B", "A"] == pytest.approx(35, abs=0.01)
    assert got.sum() == pytest.approx(150, abs=0.01)
    assert (flows.lower <= flows.flow + 1e-9).all() and (flows.flow <= flows.upper + 1e-9).all()
    # areas A-D are not among the calibration countries: the interval says it is extrapolated
    assert flows.interval.str.startswith("90% prediction interval for the flow a population register would "
                                         "record").all()
    assert flows.interval.str.contains("extrapolated").all()
    assert (flows.status == "ok").all() and (flows.margin_error <= 1e-10).all()


def test_by_birthplace_and_account(e0_files: dict[str, Path], tmp_path: Path) -> None:
    out, acc = tmp_path / "bp.csv", tmp_path / "account.csv"
    proc = run(e0_files, "--by-birthplace", "--account", str(acc), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    bp = pd.read_csv(out)
    assert list(bp.columns) == ["birthplace", "origin", "destination", "flow", "lower", "upper", "interval",
                                "status", "margin_error"]
    # e0: the A-born who moved A -> C (50)
    row = bp[(bp.birthplace == "A") & (bp.origin == "A") & (bp.destination == "C")]
    assert row.flow.iloc[0] == pytest.approx(50)
    account = pd.read_csv(acc)
    assert list(account.columns) == ["birthplace", "origin", "destination", "value"]
    # rows of the account by birthplace and origin add up to the start stocks
    start = account.groupby(["birthplace", "origin"]).value.sum()
    assert start["B", "A"] == pytest.approx(E0_START[1][0])
    assert start["C", "C"] == pytest.approx(E0_START[2][2])


def test_any_labels_and_a_prior(tmp_path: Path) -> None:
    areas = ["north", "south", "east", "west"]
    files = {
        "--stocks-start": write_stocks(tmp_path / "s0.csv", E0_START, areas),
        "--stocks-end": write_stocks(tmp_path / "s1.csv", E0_END, areas),
        "--births": write_area(tmp_path / "b.csv", "births", [0, 0, 0, 0], areas),
        "--deaths": write_area(tmp_path / "d.csv", "deaths", [0, 0, 0, 0], areas),
    }
    prior = tmp_path / "prior.csv"
    pd.DataFrame([(a, b, 1.0 / (1 + abs(i - j))) for i, a in enumerate(areas) for j, b in enumerate(areas)],
                 columns=["origin", "destination", "weight"]).to_csv(prior, index=False)
    out = tmp_path / "f.csv"
    proc = run(files, "--prior", str(prior), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(out).flow.sum() == pytest.approx(150, abs=0.01)


@pytest.mark.parametrize(("break_it", "message"), [
    ("drop_area", "area(s) missing from this file: D"),
    ("negative", "negative stock"),
    ("blank", "missing value"),
    ("duplicate", "appears twice"),
    ("no_native", "no native-born row"),
    ("births_area", "area(s) not in the other files: Z"),
    ("bad_column", "missing column(s) stock"),
])
def test_bad_inputs_give_one_line_errors(e0_files: dict[str, Path], tmp_path: Path, break_it: str,
                                         message: str) -> None:
    s1 = pd.read_csv(e0_files["--stocks-end"], dtype=str, keep_default_na=False)
    files = dict(e0_files)
    if break_it == "drop_area":
        s1 = s1[(s1.origin != "D") & (s1.destination != "D")]
    elif break_it == "negative":
        s1.loc[5, "stock"] = "-3"
    elif break_it == "blank":
        s1.loc[5, "stock"] = ""
    elif break_it == "duplicate":
        s1 = pd.concat([s1, s1.iloc[[2]]])
    elif break_it == "no_native":
        s1 = s1[~((s1.origin == "B") & (s1.destination == "B"))]
    elif break_it == "bad_column":
        s1 = s1.rename(columns={"stock": "value"})
    if break_it == "births_area":
        files["--births"] = write_area(tmp_path / "b2.csv", "births", [0, 0, 0, 0], ["A", "B", "C", "Z"])
    else:
        path = tmp_path / "broken.csv"
        s1.to_csv(path, index=False)
        files["--stocks-end"] = path
    proc = run(files, "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    if break_it in ("negative", "blank"):
        assert "row 7" in proc.stderr and "column 'stock'" in proc.stderr


def test_births_far_over_native_born_are_refused_unless_kept(e0_files: dict[str, Path], tmp_path: Path) -> None:
    # 300 births in D, whose native-born population at the end is 180: migest spreads them over all
    # birthplaces silently; corridor refuses (exit 2, nothing written) unless --keep-flagged, and then
    # spreads them as migest does, says so with the amount and flags every row ill_posed
    files = dict(e0_files)
    files["--births"] = write_area(tmp_path / "b.csv", "births", [0, 0, 0, 300])
    files["--deaths"] = write_area(tmp_path / "d.csv", "deaths", [0, 0, 0, 200])
    out = tmp_path / "f.csv"
    refused = run(files, "--out", str(out))
    assert refused.returncode == 2 and not out.exists()
    assert "ill-posed input: births in area D (300) exceed 1.5 times its native-born" in refused.stderr
    proc = run(files, "--out", str(out), "--keep-flagged")
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stderr.split())
    # (after the world balance rescaled the native-born: 184 at the end)
    assert "births in area D (300) exceed its native-born population at the end (184) by 116" in text
    kept = pd.read_csv(out)
    assert set(kept.status) == {"ill_posed"}
    assert (kept.margin_error > 0.2).all()  # the birthplace totals could not be matched: the account is off


def test_entry_point_prints_one_line_and_exits_2(e0_files: dict[str, Path], tmp_path: Path) -> None:
    proc = run_entry_point(e0_files, "--method", "magic", "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "unknown method 'magic'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_real_case_through_files_matches_the_api(real_2010_2015, tmp_path: Path) -> None:
    from corridor.estimate.flows import estimate

    tables = real_2010_2015.tables
    names = tables.areas
    n = tables.n
    o, d = np.nonzero((tables.start > 0) | (tables.end > 0) | np.eye(n, dtype=bool))
    for path, m in ((tmp_path / "s0.csv", tables.start), (tmp_path / "s1.csv", tables.end)):
        pd.DataFrame({"origin": np.array(names)[o], "destination": np.array(names)[d],
                      "stock": m[o, d]}).to_csv(path, index=False)
    write_area(tmp_path / "b.csv", "births", list(tables.births), names)
    write_area(tmp_path / "d.csv", "deaths", list(tables.deaths), names)
    files = {"--stocks-start": tmp_path / "s0.csv", "--stocks-end": tmp_path / "s1.csv",
             "--births": tmp_path / "b.csv", "--deaths": tmp_path / "d.csv"}
    out = tmp_path / "f.csv"
    proc = run(files, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "native-born rescaled" in proc.stderr
    flows = pd.read_csv(out)
    assert flows.flow.sum() == pytest.approx(estimate(tables, "da_min_closed").total, rel=1e-9)


def test_files_beside_period_are_an_error_not_ignored(e0_files: dict[str, Path], tmp_path: Path) -> None:
    # --period reads the warehouse; the four files were once accepted beside it and silently ignored
    warehouse = tmp_path / "never.duckdb"
    proc = run({"--births": e0_files["--births"], "--deaths": e0_files["--deaths"]}, "--period", "2010-2015",
               "--warehouse", str(warehouse))
    assert proc.returncode == 2
    assert "--births, --deaths name files, which --period does not read" in proc.stderr
    assert not warehouse.exists()  # refused before the warehouse is opened: nothing read, nothing written
