"""Layout ``migest-reg-flow``: Abel (2018) regional flows from the mirror's ``migest/reg_flow.csv``.

What this proves: the adapter reads every row of the published table, maps Abel's 9 region labels to
the project codes ``ABEL_*``, writes periods as ``1990-1995``, and its period totals equal the published
totals in ``/work/shared/docs/REFERENCE_VALUES.md`` (Abel 2018, minimum migration). Damaged copies give
an ``InputError`` naming file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.sources.layouts import get_layout
from tests.sources.damaged import layout_error

LAYOUT = "migest-reg-flow"

# REFERENCE_VALUES.md, "Published totals (Abel 2018, IMR, minimum-migration regional flows)".
PUBLISHED_TOTALS = {
    "1990-1995": 38_449_457,
    "1995-2000": 33_767_819,
    "2000-2005": 40_012_347,
    "2005-2010": 45_078_625,
    "2010-2015": 36_458_734,
}


@pytest.fixture(scope="module")
def source(mirror: Path) -> Path:
    return mirror / "migest" / "reg_flow.csv"


@pytest.fixture(scope="module")
def parsed(source: Path):
    return get_layout(LAYOUT)([source])


def test_period_totals_match_published(parsed) -> None:
    obs = parsed.observations
    totals = obs.groupby("time_period")["value"].sum()
    for period, total in PUBLISHED_TOTALS.items():
        assert totals[period] == pytest.approx(total, abs=0.5), period


def test_shape_codes_and_status(parsed) -> None:
    obs = parsed.observations
    # 11 five-year periods starting 1960 ... 2010, 9 x 9 regions each (MANIFEST.md: 5-year periods).
    assert len(obs) == 11 * 81
    assert sorted(obs["time_period"].unique())[0] == "1960-1965"
    assert sorted(obs["time_period"].unique())[-1] == "2010-2015"
    assert set(obs["dataflow"]) == {"MIG_FLOW"}
    assert set(obs["method"]) == {"abel2018_min"}
    assert set(obs["obs_status"]) == {"E"}
    assert set(obs["unit_measure"]) == {"PS"}
    assert obs["value"].notna().all()
    assert len(set(obs["ref_area"])) == 9
    assert set(obs["ref_area"]) == set(obs["counterpart_area"])
    assert all(code.startswith("ABEL_") for code in obs["ref_area"])
    assert parsed.rows_rejected == 0


def test_one_row_read_off_the_file(parsed) -> None:
    # Line 2 of migest/reg_flow.csv: "1960,Africa,Africa,1377791"; line 5: "1960,Africa,Europe,919252".
    obs = parsed.observations.set_index(["time_period", "counterpart_area", "ref_area"])["value"]
    assert obs[("1960-1965", "ABEL_AFRICA", "ABEL_AFRICA")] == 1_377_791
    assert obs[("1960-1965", "ABEL_AFRICA", "ABEL_EUROPE")] == 919_252


def _damaged(source: Path, tmp_path: Path, edit) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()
    edit(lines)
    out = tmp_path / "reg_flow.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out



def test_wrong_header(source: Path, tmp_path: Path) -> None:
    def edit(lines):
        lines[0] = "year0,origin,dest_reg,flow"

    err = layout_error(LAYOUT, _damaged(source, tmp_path, edit))
    assert (err.file, err.row, err.column) == ("reg_flow.csv", 1, "B")
    assert "orig_reg" in str(err) and "reg_flow.csv" in str(err)


def test_negative_flow(source: Path, tmp_path: Path) -> None:
    def edit(lines):
        lines[9] = lines[9].rsplit(",", 1)[0] + ",-120"  # file line 10

    err = layout_error(LAYOUT, _damaged(source, tmp_path, edit))
    assert (err.file, err.row, err.column) == ("reg_flow.csv", 10, "flow")
    assert "negative" in str(err) and "row 10" in str(err) and "'flow'" in str(err)


def test_non_numeric_flow(source: Path, tmp_path: Path) -> None:
    def edit(lines):
        lines[20] = lines[20].rsplit(",", 1)[0] + ",12o45"  # file line 21

    err = layout_error(LAYOUT, _damaged(source, tmp_path, edit))
    assert (err.file, err.row, err.column) == ("reg_flow.csv", 21, "flow")
    assert "12o45" in str(err)


def test_unknown_region_label(source: Path, tmp_path: Path) -> None:
    def edit(lines):
        lines[2] = lines[2].replace("Africa,", "Afrika,", 1)  # file line 3, orig_reg

    err = layout_error(LAYOUT, _damaged(source, tmp_path, edit))
    assert (err.file, err.row, err.column) == ("reg_flow.csv", 3, "orig_reg")
    assert "Afrika" in str(err)


def test_truncated_file(source: Path, tmp_path: Path) -> None:
    def cut_line(lines):  # the last line cut after the destination
        lines[-1] = lines[-1].rsplit(",", 1)[0]

    err = layout_error(LAYOUT, _damaged(source, tmp_path, cut_line))
    assert (err.file, err.row, err.column) == ("reg_flow.csv", 892, "flow")

    def drop_lines(lines):  # cut at a line boundary: the last period loses its last rows
        del lines[-3:]

    err = layout_error(LAYOUT, _damaged(source, tmp_path, drop_lines))
    assert err.file == "reg_flow.csv" and "2010-2015" in str(err) and "78" in str(err)
