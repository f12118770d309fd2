"""Ill-posed and invalid flow inputs: one validation for the Python API and the command line (issue 9).

Each bad input of the issue is tried through ``corridor.estimate.flows.estimate`` and through
``corridor flows estimate`` on CSV files; both refuse it with a message naming the fault (ill-posed input
can be kept, flagged). The base case is migest's e0 (REFERENCE_VALUES.md): 4 areas, total 150.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.estimate.flows import METHODS, StockTables, estimate

from .test_cli import AREAS, E0_END, E0_START, run, write_area, write_stocks

Case = tuple[list[list[float]], list[list[float]], list[float], list[float]]


def e0() -> Case:
    return [r[:] for r in E0_START], [r[:] for r in E0_END], [0.0] * 4, [0.0] * 4


def nan_stock(c: Case) -> None:
    c[0][1][0] = float("nan")  # B-born in A at the start


def inf_stock(c: Case) -> None:
    c[1][2][3] = float("inf")


def negative_stock(c: Case) -> None:
    c[1][1][2] = -5.0


def negative_births(c: Case) -> None:
    c[2][0] = -10.0


def deaths_above_population(c: Case) -> None:
    c[3][3] = 2000.0  # D has 245 people at the start


def births_above_native_born(c: Case) -> None:
    c[2][3], c[3][3] = 300.0, 200.0  # D's native-born at the end: 180


def births_with_no_stock(c: Case) -> None:
    for row in c[1]:
        row[3] = 0.0  # nobody lives in D at the end
    c[1][3][0] += 180 + 5 + 40  # D's people moved to A (keeps the world total)
    c[2][3] = 50.0


def unit_mismatch(c: Case) -> None:
    c[1][:] = [[v / 1000 for v in row] for row in c[1]]  # end table in thousands


#: bad input -> (message through the API, message through the command line, ill-posed: can be kept)
CASES: dict[str, tuple[Callable[[Case], None], str, str, bool]] = {
    "nan": (nan_stock, "start stock of birthplace B in area A is nan", "missing value", False),
    "inf": (inf_stock, "end stock of birthplace C in area D is inf", "not a number", False),
    "negative stock": (negative_stock, "end stock of birthplace B in area C is negative", "negative stock", False),
    "negative births": (negative_births, "births in area A is negative", "negative births", False),
    "deaths above population": (deaths_above_population,
                                "deaths in area D (2,000) exceed its start population (245)",
                                "deaths in area D (2,000) exceed its start population (245)", True),
    "births above native-born": (births_above_native_born,
                                 "births in area D (300) exceed 1.5 times its native-born population",
                                 "births in area D (300) exceed 1.5 times its native-born population", True),
    "births with no stock": (births_with_no_stock, "births in area D (50) but no population there at the end",
                             "births in area D (50) but no population there at the end", True),
    "unit mismatch": (unit_mismatch, "unit mismatch: the start table's world total (3,000) is 1,000 times",
                      "unit mismatch: the start table's world total (3,000) is 1,000 times", False),
}


def tables_of(case: Case) -> StockTables:
    return StockTables.from_rows(AREAS, case[0], case[1], case[2], case[3])


def files_of(case: Case, folder: Path) -> dict[str, Path]:
    # non-finite numbers as a person would write them in a CSV: blank for NaN, "inf" for infinity
    def cells(rows: list[list[float]]) -> list[list[object]]:
        return [["" if np.isnan(v) else ("inf" if np.isinf(v) else v) for v in row] for row in rows]

    return {"--stocks-start": write_stocks(folder / "s0.csv", cells(case[0])),
            "--stocks-end": write_stocks(folder / "s1.csv", cells(case[1])),
            "--births": write_area(folder / "b.csv", "births", case[2]),
            "--deaths": write_area(folder / "d.csv", "deaths", case[3])}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("method", ["da_min_closed", "sd_drop_neg"])
def test_api_refuses_bad_input(name: str, method: str) -> None:
    # the issue: a NaN stock gave da_min_closed a total of 30 "converged", sd_drop_neg a NaN total
    breaker, message, _, _ = CASES[name]
    case = e0()
    breaker(case)
    with pytest.raises(InputError) as err:
        estimate(tables_of(case), method)
    assert message in str(err.value)


@pytest.mark.parametrize("name", list(CASES))
def test_cli_refuses_bad_input(name: str, tmp_path: Path) -> None:
    breaker, _, message, _ = CASES[name]
    case = e0()
    breaker(case)
    out = tmp_path / "flows.csv"
    proc = run(files_of(case, tmp_path), "--out", str(out))
    assert proc.returncode == 2 and message in " ".join(proc.stderr.split())
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[3]])
def test_ill_posed_input_kept_is_flagged_in_every_output(name: str, tmp_path: Path) -> None:
    breaker, message, _, _ = CASES[name]
    case = e0()
    breaker(case)
    result = estimate(tables_of(case), "da_min_closed", allow_ill_posed=True)
    assert result.status == "ill_posed" and any(message in f for f in result.flags)
    assert result.margin_error is not None
    out = tmp_path / "flows.csv"
    proc = run(files_of(case, tmp_path), "--out", str(out), "--keep-flagged")
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(out)
    assert set(frame.status) == {"ill_posed"} and frame.margin_error.notna().all()


def test_mismatched_areas_through_the_api_and_the_cli(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="mismatched areas: births and deaths must have one value per area"):
        StockTables.from_rows(AREAS, E0_START, E0_END, [0, 0, 0], [0, 0, 0, 0])
    with pytest.raises(InputError, match="mismatched areas: the prior is 3 x 3"):
        estimate(tables_of(e0()), "da_min_closed", seed=np.ones((3, 3)))
    files = files_of(e0(), tmp_path)
    files["--deaths"] = write_area(tmp_path / "d2.csv", "deaths", [0, 0, 0], ["A", "B", "C"])
    proc = run(files, "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "area(s) missing from this file: D" in proc.stderr


def test_not_converged_is_flagged_and_refused_unless_kept(tmp_path: Path) -> None:
    # a prior with a zero where e0 needs its only A-born move (A -> C, 50): the margins cannot be met;
    # the estimate says so (not "raise --max-iter", which cannot help) with its margin error
    seed = np.ones((4, 4))
    seed[0, 2] = 0.0
    result = estimate(tables_of(e0()), "da_min_closed", seed=seed)
    assert result.status == "not_converged" and result.margin_error == pytest.approx(1.0)
    assert "more passes would not help" in " ".join(result.warnings)
    assert "raise --max-iter" not in " ".join(result.warnings)
    files = files_of(e0(), tmp_path)
    prior = tmp_path / "prior.csv"
    pd.DataFrame([(a, b, seed[i, j]) for i, a in enumerate(AREAS) for j, b in enumerate(AREAS)],
                 columns=["origin", "destination", "weight"]).to_csv(prior, index=False)
    out = tmp_path / "f.csv"
    proc = run(files, "--prior", str(prior), "--out", str(out))
    assert proc.returncode == 2 and "flagged not_converged" in proc.stderr and not out.exists()
    proc = run(files, "--prior", str(prior), "--out", str(out), "--keep-flagged")
    assert proc.returncode == 0
    frame = pd.read_csv(out)
    assert set(frame.status) == {"not_converged"} and (frame.margin_error == 1.0).all()


@pytest.mark.parametrize("method", list(METHODS))
def test_sound_input_is_ok_for_every_method(method: str) -> None:
    result = estimate(tables_of(e0()), method)
    assert result.status == "ok" and result.flags == []
