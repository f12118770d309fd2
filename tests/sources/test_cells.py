"""The cell rules every layout shares (``corridor.sources.cells``), on cells as files hold them.

A text column (what ``read_csv_text`` gives) and a workbook's mixed column (numbers, text, None,
dates from openpyxl) must give the same answers: missing is never zero (``..``/blank/``NA`` -> O with
a NULL value, ``-`` -> M, ``x`` -> Q), padded tokens and thousands separators are read, anything else
is an error naming the first bad cell's row and column in file order. The real files are checked in
test_reference_figures.py (341 '..' and 4 '-' cells in the OD CSV, as MANIFEST.md counts them).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.sources.cells import parse_cells, wide_cells

TEXT = ["1", " 2 ", "..", "", "1,234", "-", "NA", "x", "…", " .. ", "0", "-0", "1e3"]
WANT_VALUES = [1, 2, np.nan, np.nan, 1234, np.nan, np.nan, np.nan, np.nan, np.nan, 0, 0, 1000]
WANT_STATUS = ["E", "E", "O", "O", "E", "M", "O", "Q", "O", "O", "E", "E", "E"]


def parse(cells: list, **kwargs) -> tuple[pd.Series, pd.Series]:
    return parse_cells(pd.Series(cells, dtype=kwargs.pop("dtype", object)), file="t.csv",
                       rows=list(range(2, 2 + len(cells))), columns=[f"c{i}" for i in range(len(cells))],
                       **{"status": "E", **kwargs})


@pytest.mark.parametrize("dtype", [object, "str"])
def test_tokens_numbers_and_separators(dtype: object) -> None:
    values, status = parse(TEXT, dtype=dtype)
    np.testing.assert_array_equal(values.to_numpy(), np.array(WANT_VALUES, dtype=float))
    assert status.tolist() == WANT_STATUS
    assert not np.signbit(values.to_numpy()[11])  # a published '-0' is stored as 0, never printed '-0'


def test_workbook_cells_mixed_types() -> None:
    values, status = parse([7, 2.5, None, float("nan"), np.int64(3), "..", "12"])
    np.testing.assert_array_equal(values.to_numpy(), [7, 2.5, np.nan, np.nan, 3, np.nan, 12])
    assert status.tolist() == ["E", "E", "O", "O", "E", "O", "E"]


def test_status_per_cell_kept_unless_missing() -> None:
    _, status = parse(["5", "..", "-"], status=pd.Series(["I", "I", "E"]))
    assert status.tolist() == ["I", "O", "M"]


@pytest.mark.parametrize("bad", ["12o", "inf", "nan", "−5", True, datetime.datetime(2020, 1, 1)])
def test_anything_else_is_refused_naming_the_first_bad_cell(bad: object) -> None:
    with pytest.raises(InputError) as info:
        parse(["1", "..", bad, "2", bad])
    assert str(info.value).startswith(
        "file t.csv, row 4, column 'c2': 2 cell(s) are neither numbers nor missing-value tokens")
    assert f"first: {bad!r}" in str(info.value)


def test_negative_counts_refused_unless_allowed() -> None:
    with pytest.raises(InputError) as info:
        parse(["3", "-", "-1,500", "-2"])
    assert str(info.value) == "file t.csv, row 4, column 'c2': 2 negative count(s); first: -1500"
    values, _ = parse(["3", "-1,500"], allow_negative=True)
    assert values.tolist() == [3, -1500]


def test_wide_cells_follow_melt_order() -> None:
    table = pd.DataFrame({"area": ["A", "B", "C"], "1990": ["1", "2", ".."], "2000": ["4", "-", "6"]},
                         dtype="str")
    cells = wide_cells(table, ["1990", "2000"])
    melted = table.melt(id_vars=["area"], value_vars=["1990", "2000"])
    assert cells.raw.tolist() == melted["value"].tolist()
    assert cells.by_row(table["area"]).tolist() == melted["area"].tolist()
    assert cells.by_column(["1990", "2000"]).tolist() == melted["variable"].tolist()
