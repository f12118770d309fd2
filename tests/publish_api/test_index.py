"""The in-memory index of public latest observations gives exactly what the warehouse gives."""

from __future__ import annotations

import pandas as pd
import pytest

from corridor.publish.api.index import PublicIndex
from corridor.store.warehouse import Warehouse

INDEX = PublicIndex()  # one per module: each dataflow is loaded once


def _normal(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    frame = frame.sort_values(key).reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


@pytest.mark.parametrize(("flow", "filters", "start", "end"), [
    ("MIG_STOCK", {"ref_area": ["840"], "counterpart_area": ["484"], "sex": ["_T"], "age": "_T",
                   "birthplace": "_T"}, None, None),
    ("MIG_STOCK", {"ref_area": ["840", "124", "9999"], "sex": ["_T"], "age": "_T", "birthplace": "_T"}, 2010, 2019),
    ("MIG_STOCK", {"counterpart_area": ["484"], "sex": ["_T"], "age": "_T", "birthplace": "_T"}, 2015, None),
    ("MIG_STOCK", {"ref_area": ["900"], "sex": ["F", "M"], "age": "_T", "birthplace": "_T"}, None, 2000),
    ("POP", {"ref_area": ["840"]}, None, None),
])
def test_index_matches_warehouse(api_warehouse, flow, filters, start, end):
    with Warehouse.open(api_warehouse, read_only=True) as wh:
        expected = wh.observations(flow, **filters, start_period=start, end_period=end)
        got = INDEX.observations(wh, flow, **filters, start_period=start, end_period=end)
    key = ["dataset_id", "ref_area", "counterpart_area", "birthplace", "sex", "age", "time_period", "method"]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(_normal(got, key), _normal(expected, key))
