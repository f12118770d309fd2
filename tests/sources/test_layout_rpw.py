"""Layout ``wb-rpw-databank``: World Bank Remittance Prices Worldwide, DataBank export in the mirror.

What this proves: the adapter reads the corridor costs (series ATCR.CORR) of the mirror's
``worldbank/36d1ed87-9a2d-41da-8eac-c1c25d45fa65_Data.csv`` with the receiving country as ``ref_area``
and the sending country as ``counterpart_area``, gives the published USA -> Mexico figures, keeps ``..``
missing (NULL, status O), recognises DataBank's footer by its content, and refuses damaged copies
(wrong header, non-numeric cell, missing footer, truncated line) with an ``InputError`` naming file,
row and column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.sources.layouts import get_layout
from tests.sources.damaged import layout_error, text_lines, write_lines

LAYOUT = "wb-rpw-databank"
FILE = "36d1ed87-9a2d-41da-8eac-c1c25d45fa65_Data.csv"
USA, MEXICO = "840", "484"


@pytest.fixture(scope="module")
def source(mirror: Path) -> Path:
    return mirror / "worldbank" / FILE


@pytest.fixture(scope="module")
def parsed(source: Path):
    return get_layout(LAYOUT)([source])


def test_usa_to_mexico_reference_values(parsed) -> None:
    obs = parsed.observations
    corridor = obs[(obs["ref_area"] == MEXICO) & (obs["counterpart_area"] == USA)].set_index("time_period")
    # REFERENCE_VALUES.md "Remittance prices" and MANIFEST.md: USA -> Mexico 5.01% (2011Q1), 4.61% (2019Q3).
    assert corridor.loc["2011-Q1", "value"] == pytest.approx(5.01, abs=0.005)
    assert corridor.loc["2019-Q3", "value"] == pytest.approx(4.61, abs=0.005)
    assert corridor.loc["2011-Q1", "obs_status"] == "A"


def test_shape_codes_and_missing(parsed) -> None:
    obs = parsed.observations
    assert set(obs["dataflow"]) == {"REMIT_COST"}
    assert set(obs["unit_measure"]) == {"PT"}
    # The file's header has 35 quarter columns, 2011Q1 ... 2020Q3 (2011Q2, 2011Q4, 2012Q2, 2012Q4 absent).
    periods = sorted(obs["time_period"].unique())
    assert (len(periods), periods[0], periods[-1]) == (35, "2011-Q1", "2020-Q3")
    # 5,334 lines = header + 5,328 corridor lines + 5 footer lines (3 blank, "Data from database",
    # "Last Updated"): the footer gives no observations.
    assert len(obs) == 5328 * 35
    assert obs.groupby(["ref_area", "counterpart_area"]).ngroups == 5328
    # MANIFEST.md says 50 sending x 111 receiving; the file itself has 48 distinct sending codes.
    assert obs["counterpart_area"].nunique() == 48
    assert obs["ref_area"].nunique() == 111
    # KSV (World Bank code for Kosovo) and ANT (Netherlands Antilles) are receiving countries here.
    assert {"412", "530"} <= set(obs["ref_area"])
    missing = obs["value"].isna()
    assert set(obs.loc[missing, "obs_status"]) == {"O"}
    assert set(obs.loc[~missing, "obs_status"]) == {"A"}
    assert (~missing).sum() == 10417  # cells that are not '..' in the file
    assert parsed.rows_rejected == 0
    assert "Last Updated: 12/07/2020" in parsed.notes





def test_wrong_header(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    lines[0] = lines[0].replace("Sending Countries Code", "Sending Country ISO", 1)
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, 1, "B")
    assert "Sending Countries Code" in str(err)


def test_non_numeric_cell(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)
    i = next(k for k, line in enumerate(lines) if ",USA," in line and ",Mexico,MEX," in line)
    fields = lines[i].split(",")
    fields[6] = "5.0l"  # the 2011Q1 cell, mistyped
    lines[i] = ",".join(fields)
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, i + 1, "2011Q1 [YR2011Q1]")
    assert "5.0l" in str(err)


def test_missing_footer_is_truncation(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)[:-5]  # cut exactly at the end of the data: no footer
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert err.file == FILE and err.row == len(lines)
    assert "footer" in str(err) and "truncated" in str(err)


def test_truncated_line(source: Path, tmp_path: Path) -> None:
    lines = text_lines(source)[:2000]
    lines[-1] = ",".join(lines[-1].split(",")[:8])  # the copy stops after the 2011Q3 cell of line 2000
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, 2000, "2012Q1 [YR2012Q1]")
    assert "expected 41" in str(err)


def test_header_spacing_and_unknown_series(source: Path, tmp_path: Path) -> None:
    # DataBank writes "Receiving Countries  Name" with two spaces; one space is the same header. A series
    # other than ATCR.CORR is refused on its line, in the "Series Code" column.
    lines = text_lines(source)
    lines[0] = lines[0].replace("Countries  ", "Countries ")
    lines[1] = lines[1].replace(",ATCR.CORR,", ",ATCR.PROV,", 1)
    err = layout_error(LAYOUT, write_lines(lines, tmp_path / FILE))
    assert (err.file, err.row, err.column) == (FILE, 2, "Series Code")
    assert "ATCR.PROV" in str(err)
