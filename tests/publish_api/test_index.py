"""The API's memory cache is a cache of selection results, never a second query language: a hit gives
exactly what the store gives for the same selection, restricted selections are never kept, and the
cache stays within its row budget. A preloaded dataflow is answered from its published observations
(:mod:`corridor.store.published`, checked in depth by ``test_published_tables.py``)."""

from __future__ import annotations

import pandas as pd
import pytest

from corridor.publish.api.data import ANSWER_COLUMNS
from corridor.publish.api.index import PublicIndex, key_selection
from corridor.reference.dataflows import dataflow
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

SELECTIONS = [
    key_selection(dataflow("MIG_STOCK"), {"ref_area": ["840"], "counterpart_area": ["484"], "sex": ["_T"]}),
    key_selection(dataflow("MIG_STOCK"), {"ref_area": ["840", "124"], "sex": ["_T"]}, last_n=1),
    key_selection(dataflow("MIG_STOCK"), {"counterpart_area": ["484"]}, time_period=("2015", "2019")),
    key_selection(dataflow("POP"), {"ref_area": ["840"]}),
]


@pytest.fixture(scope="module")
def wh(api_warehouse):
    with Warehouse.open(api_warehouse, read_only=True) as opened:
        yield opened


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: f"{s.dataflows[0]}-{s.filter_map.get('ref_area')}")
def test_a_hit_is_the_stores_answer(wh, sel):
    cache = PublicIndex()
    first = cache.select(wh, sel)
    again = cache.select(wh, sel)
    assert (cache.misses, cache.hits) == (1, 1) and again is first
    assert len(first) > 0
    pd.testing.assert_frame_equal(again, wh.select(sel))


def test_key_selection_fixes_the_columns_outside_the_key():
    sel = key_selection(dataflow("MIG_FLOW"), {"ref_area": ["840"]})
    filters = sel.filter_map
    # MIG_FLOW keeps flows by birthplace in the warehouse; its key does not, so the API serves the total
    assert filters["birthplace"] == ("_T",) and filters["age"] == ("_T",) and filters["topic"] == ("_T",)
    assert "method" not in filters and "counterpart_area" not in filters  # METHOD is in its key: any code
    stock = key_selection(dataflow("MIG_STOCK"), None).filter_map
    assert "method" not in stock  # outside a key, method is the OBS_METHOD attribute, not a total


def test_restricted_selections_are_not_kept(wh):
    cache = PublicIndex()
    sel = Selection.of("MIG_STOCK", ref_area="840", access=("public", "embargoed"))
    frame = cache.select(wh, sel)
    assert "embargoed" in set(frame["access"])
    cache.select(wh, sel)
    assert len(cache) == 0 and cache.hits == 0


def test_row_budget_evicts_the_least_recently_used(wh):
    sizes = [len(wh.select(s)) for s in SELECTIONS[:2]]
    cache = PublicIndex(max_rows=max(sizes))
    cache.select(wh, SELECTIONS[0])
    cache.select(wh, SELECTIONS[1])
    assert len(cache) == 1 and cache.rows <= cache.max_rows
    cache.select(wh, SELECTIONS[1])
    assert cache.hits == 1  # the newer one stayed


def test_preload_answers_the_dataflow_from_its_published_observations(wh):
    cache = PublicIndex()
    table = cache.build(wh, "MIG_SHARE", ANSWER_COLUMNS)
    assert cache.published == {"MIG_SHARE": table} and table.rows > 0
    for sel in (key_selection(dataflow("MIG_SHARE")), key_selection(dataflow("MIG_SHARE"), {"ref_area": ["840"]})):
        pd.testing.assert_frame_equal(cache.select(wh, sel, columns=ANSWER_COLUMNS),
                                      wh.select(sel, columns=ANSWER_COLUMNS))
    assert (cache.hits, cache.misses, len(cache)) == (2, 0, 0)  # answered from memory, nothing cached
    assert "2019" in cache.periods(wh, "MIG_SHARE")
