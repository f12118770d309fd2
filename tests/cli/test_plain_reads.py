"""The plain read path (issue 15 item 4: fast simple commands) answers exactly as the Ibis/pandas path.

``corridor stock`` and ``corridor flows show`` read with :meth:`Warehouse.rows` (DuckDB SQL from
:mod:`corridor.store.plain`, no Ibis, no pandas) and write with :mod:`corridor.cli.records` (the csv and
json modules). What each test proves:

* ``test_plain_rows_equal_the_ibis_rows_on_the_real_warehouse``: for selections that use every field of a
  :class:`Selection` (filters, series, dataset ids, both vintage modes, access, years, first/last N,
  missing cells, scaling, columns), the plain rows are the rows :meth:`Warehouse.select` returns, in the
  same order, on the real warehouse (every catalogue release from the mirror plus corridor's flows).
* ``test_plain_rows_follow_corrections_withdrawals_and_access``: on a small warehouse with a correction
  that drops a row, a withdrawn dataset, a restricted dataset and two vintages of one series, the plain
  read serves what the vintage rule says (checked by hand) and what the Ibis read serves.
* ``test_csv_and_json_writers_match_pandas``: the writers reproduce ``DataFrame.to_csv`` and
  ``DataFrame.to_json(orient="records", indent=1)`` byte for byte on the real rows of ``MIG_FLOW`` (long
  floats, interval texts) and of ``MIG_STOCK`` with area names (accents), and on 200,000 random floats
  across magnitudes (ultrajson's 10-decimal rounding, exponent form beyond 1e16).
* ``test_area_rows_are_the_area_table``: the csv-module reading of ``areas.csv`` is the pandas table.
"""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor.cli.records import json_number, sort_rows, write_csv, write_json
from corridor.reference.areas import area_name, area_rows, area_table
from corridor.store.selection import Selection
from corridor.store.warehouse import DatasetMeta, Warehouse
from tests.store.test_corrections import _stock

SELECTIONS = [
    Selection.of("MIG_STOCK", ref_area="840"),
    Selection.of("MIG_FLOW", counterpart_area="484", ref_area="840", birthplace="_T", age="_T"),
    Selection.of("MIG_STOCK", sex=["M", "F"], start_year=2000, end_year=2015, last_n=2),
    Selection.of(["REMIT", "REMIT_COST"], first_n=1, include_missing=False, ref_area=["840", "484", "356"]),
    Selection.of("MIG_STOCK", vintages="all", ref_area=["840", "276"]),
    Selection.of("MIG_STOCK", series="undesa-ims", dataset_ids=["undesa-ims-2019-od"], counterpart_area="484"),
    Selection.of("MIG_STOCK", access=None, ref_area=[]),
    Selection.of("REFUGEES", time_period=["2019", "2020"], counterpart_area="760"),
]


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == b


def _assert_same_rows(wh: Warehouse, sel: Selection, *, scaled: bool = False, columns=None) -> int:
    frame = wh.select(sel, scaled=scaled, columns=columns)
    plain = wh.rows(sel, scaled=scaled, columns=columns)
    assert tuple(frame.columns) == plain.columns
    expected = list(frame.itertuples(index=False, name=None))
    assert len(expected) == len(plain.rows)
    for want, got in zip(expected, plain.rows, strict=True):
        assert all(_same(w, g) for w, g in zip(want, got, strict=True)), (want, got)
    return len(expected)


def test_plain_rows_equal_the_ibis_rows_on_the_real_warehouse(cli_warehouse: Path) -> None:
    counts = []
    with Warehouse.open(cli_warehouse, read_only=True) as wh:
        for sel in SELECTIONS:
            counts.append(_assert_same_rows(wh, sel, scaled=True))
        _assert_same_rows(wh, SELECTIONS[0], columns=["ref_area", "time_period", "value", "dataset_id"])
        _assert_same_rows(wh, SELECTIONS[1], scaled=True, columns=["value", "lower", "upper"])
    assert all(counts[:6]) and counts[6] == 0 and counts[7]  # real rows compared, and the empty case


@pytest.fixture(scope="module")
def revised(fixes_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store suite's warehouse of a correction dropping Albania and a withdrawal, plus (synthetic,
    labelled "test") a restricted dataset and two vintages of one series."""
    path = tmp_path_factory.mktemp("plain") / "revised.duckdb"
    shutil.copyfile(fixes_path, path)
    with Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("secret", "test-secret", "2020", layout="test", access="restricted"),
                         _stock(("8", "2000", 5.0)))
        wh.write_dataset(DatasetMeta("old", "test-ed", "2019", layout="test"), _stock(("8", "2000", 6.0),
                                                                                    ("8", "2001", 6.5)))
        wh.write_dataset(DatasetMeta("new", "test-ed", "2021", layout="test"), _stock(("8", "2000", 7.0)))
    return path


def test_plain_rows_follow_corrections_withdrawals_and_access(revised: Path) -> None:
    with Warehouse.open(revised, read_only=True) as wh:
        got = {(r["dataset_id"], r["ref_area"], r["time_period"]): r["value"]
               for r in wh.rows(Selection.of("MIG_STOCK")).records()}
        assert got == {("fix-v2", "4", "2000"): 3.0, ("kept", "8", "2000"): 7.0, ("new", "8", "2000"): 7.0,
                       ("old", "8", "2001"): 6.5}
        every = wh.rows(Selection.of("MIG_STOCK", access=None)).records()
        assert {r["dataset_id"] for r in every} == {"fix-v2", "kept", "new", "old", "secret"}
        reached = wh.rows(Selection.of("MIG_STOCK", dataset_ids=["gone"])).records()
        assert [(r["dataset_id"], r["value"]) for r in reached] == [("gone", 9.0)]  # as_of still reaches it
        for sel in (Selection.of("MIG_STOCK"), Selection.of("MIG_STOCK", access=None),
                    Selection.of("MIG_STOCK", vintages="all"), Selection.of("MIG_STOCK", dataset_ids=["fix-v1"]),
                    Selection.of("MIG_STOCK", series="test-ed", last_n=1)):
            _assert_same_rows(wh, sel)


def _pandas_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def _pandas_json(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records", indent=1) + "\n"


def _ours(writer, columns, records) -> str:
    out = io.StringIO()
    writer(columns, records, out)
    return out.getvalue()


def test_csv_and_json_writers_match_pandas(cli_warehouse: Path) -> None:
    with Warehouse.open(cli_warehouse, read_only=True) as wh:
        flows = wh.rows(Selection.of("MIG_FLOW", counterpart_area=["484", "356"]), scaled=True,
                        columns=["ref_area", "time_period", "method", "value", "lower", "upper", "interval"])
        stock = wh.rows(Selection.of("MIG_STOCK", counterpart_area="_T", time_period="2019"),
                        columns=["ref_area", "value", "lower", "dataset_id"])
    named = [{**r, "name": area_name(r["ref_area"])} for r in stock.records()]  # Côte d'Ivoire, Curaçao
    cases = [(list(flows.columns), flows.records()), ([*stock.columns, "name"], named), (["value"], [])]
    assert len(flows.rows) > 100 and len(named) > 200
    for columns, records in cases:
        frame = pd.DataFrame(records, columns=columns)
        assert _ours(write_csv, columns, records) == _pandas_csv(frame)
        assert _ours(write_json, columns, records) == _pandas_json(frame)
    rng = np.random.default_rng(15)
    values = [float(v) for v in np.concatenate([rng.lognormal(5, 7, 150_000), -rng.lognormal(0, 9, 50_000)])]
    values += [0.0, 1e16, 1.5e16, 1e-16, 0.5, 2.5e-10, 12.00000000005, 0.99999999999]
    expected = pd.Series(values).to_json(orient="values")[1:-1].split(",")
    assert [json_number(v) for v in values] == expected


def test_sort_rows_is_pandas_stable_sort_with_missing_last() -> None:
    rows = [{"k": k, "v": v, "i": i} for i, (k, v) in enumerate(
        [("b", 3.0), ("a", None), ("a", 3.0), ("b", float("nan")), ("a", 1.0), ("b", 3.0)])]
    frame = pd.DataFrame(rows)
    want = frame.sort_values(["k", "v"], ascending=[True, False], na_position="last", kind="stable")["i"].tolist()
    assert [r["i"] for r in sort_rows(rows, [("k", True), ("v", False)])] == want


def test_area_rows_are_the_area_table() -> None:
    table = area_table()
    expected = {code: {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for code, row in zip(table.index, table.to_dict("records"), strict=True)}
    assert area_rows() == expected and len(expected) > 400
