"""Layout ``wb-wdi-indicator``: WDI bulk CSV of personal remittances paid (BM.TRF.PWKR.CD.DT).

What this proves: the adapter reads every line of the mirror's
``worldbank/API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv`` (after its 4 preamble lines) into
``REMIT_PAID`` observations in current US$, maps ISO alpha-3 and World Bank codes to area codes
(USA -> 840, WLD -> 900, CHI -> 830, XKX -> 412, aggregates -> ``WB_*``) with no line rejected or
dropped, keeps empty cells missing (status O), and refuses damaged copies with an ``InputError``
naming file, row and column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from corridor.errors import UnmatchedAreasError
from corridor.sources.layouts import get_layout
from tests.sources.damaged import layout_error, text_lines, write_lines

LAYOUT = "wb-wdi-indicator"
FILE = "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv"


@pytest.fixture(scope="module")
def source(mirror: Path) -> Path:
    return mirror / "worldbank" / FILE


@pytest.fixture(scope="module")
def obs(source: Path):
    parsed = get_layout(LAYOUT)([source])
    assert parsed.rows_rejected == 0
    assert "48 World Bank aggregates" in parsed.notes
    return parsed.observations


def _value(obs, area: str, year: str) -> float:
    row = obs[(obs["ref_area"] == area) & (obs["time_period"] == year)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_figures_read_off_the_file(obs) -> None:
    # All four figures were read off the mirror file itself (line 257 "United States","USA",
    # line 265 "World","WLD", line 101 "High income","HIC", line 267 "Kosovo","XKX"; column "2019").
    assert _value(obs, "840", "2019") == 71_562_000_000
    assert _value(obs, "900", "2019") == pytest.approx(448_916_461_146.701)
    assert _value(obs, "WB_HIC", "2019") == pytest.approx(343_565_650_022.992)
    assert _value(obs, "412", "2019") == pytest.approx(42_016_018.4361824)


def test_shape_codes_and_missing(obs) -> None:
    # 266 lines (economies and aggregates) x 61 years 1960-2020: nothing rejected, nothing dropped.
    assert len(obs) == 266 * 61
    assert obs["ref_area"].nunique() == 266
    assert sorted(obs["time_period"].unique())[0] == "1960"
    assert sorted(obs["time_period"].unique())[-1] == "2020"
    assert set(obs["dataflow"]) == {"REMIT_PAID"}
    assert set(obs["unit_measure"]) == {"USD"}
    assert set(obs["unit_mult"]) == {0}
    assert set(obs["counterpart_area"]) == {"_T"}
    assert sum(code.startswith("WB_") for code in obs["ref_area"].unique()) == 48
    # Channel Islands (CHI -> 830) has no figure for any year: all its cells are missing, not zero.
    chi = obs[obs["ref_area"] == "830"]
    assert len(chi) == 61 and chi["value"].isna().all() and set(chi["obs_status"]) == {"O"}
    assert set(obs.loc[obs["value"].notna(), "obs_status"]) == {"A"}





def _usa_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith('"United States","USA"'))


def test_wrong_header(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    lines[4] = lines[4].replace('"Country Code"', '"ISO3"', 1)
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, 5, "B")
    assert "Country Code" in str(err)


def test_non_numeric_cell(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = _usa_line(lines)
    lines[i] = lines[i].replace('"71562000000"', '"71.6 bn"')
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, i + 1, "2019")
    assert "71.6 bn" in str(err)


def test_negative_amount(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = _usa_line(lines)
    lines[i] = lines[i].replace('"71562000000"', '"-71562000000"')
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, i + 1, "2019")
    assert "negative" in str(err)


def test_unknown_code_is_listed_not_dropped(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = _usa_line(lines)
    lines[i] = lines[i].replace('"USA"', '"USX"', 1)
    with pytest.raises(UnmatchedAreasError) as info:
        get_layout(LAYOUT)([write_lines(lines, tmp_path / FILE)])
    err = info.value
    assert (err.file, err.column, err.names) == (FILE, "Country Code", ["USX"])


def test_name_and_code_disagree(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = _usa_line(lines)
    lines[i] = lines[i].replace('"USA"', '"ANT"', 1)  # a valid code (Netherlands Antilles), wrong line
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, i + 1, "Country Code")
    assert "disagree" in str(err)


def test_truncated_line(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = _usa_line(lines)
    lines = lines[: i + 1]
    fields = next(csv.reader([lines[i]]))
    lines[i] = ",".join(f'"{f}"' for f in fields[:30])  # the copy stops after the 1985 cell of the USA line
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, i + 1, "1986")
