"""What keeps uncached data queries fast and a server's memory bounded (issue 11, item 7), checked on the
API's test warehouse (the real releases, built as the main job builds them). Timings are not asserted
here (they belong to ``benchmarks/api_latency.py``); the mechanisms are:

* ``test_after_prewarm_distinct_queries_compile_nothing``: after :func:`prewarm.prewarm`, distinct
  queries of the shapes a client uses (new country pairs, periods, N, dataflows) run through the real
  :func:`data.fetch` without one Ibis compilation (each cost ~50 ms before);
* ``test_sdmx_frame_sorts_only_what_is_out_of_order``: the answer frame is the same whether the rows
  come in key order (no sort) or shuffled (sorted);
* ``test_a_whole_dataflow_over_the_limit_is_refused_before_reading``: a whole-dataflow query over the
  observation limit is answered 413 from a count, with no row read into the process;
* ``test_the_memory_index_holds_its_byte_budget``: the memory index drops frames past its bytes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from starlette.requests import Request

from corridor.publish.api import data, prewarm
from corridor.publish.api.errors import ApiError
from corridor.publish.api.index import PublicIndex, key_selection
from corridor.publish.api.keys import build_query
from corridor.publish.api.state import ServiceState
from corridor.publish.security import ANONYMOUS, AuditLog, TokenStore
from corridor.reference.dataflows import dataflow
from corridor.store import statements

DISTINCT = [  # (flow, key, startPeriod, endPeriod, lastNObservations): shapes the benchmark's client uses
    ("MIG_STOCK", "840.484._T", "2015", "2015", None), ("MIG_STOCK", "276.792._T", "2000", "2000", None),
    ("MIG_FLOW", "840.484._T.da_pb_closed", "2010", None, None),
    ("POP", "124._T._T", None, None, "3"), ("NET_MIG", "356._T", None, None, "1"),
    ("MIG_SHARE", "250._T", None, None, "7"), ("MIG_STOCK", "36..", "2019", None, None),
]


@pytest.fixture(scope="module")
def state(api_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> ServiceState:
    folder = tmp_path_factory.mktemp("latency")
    opened = ServiceState.open(api_warehouse, tokens=TokenStore.load(None), audit=AuditLog(folder / "audit.jsonl"))
    yield opened
    opened.close()


def _request(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
                    "server": ("testserver", 80), "scheme": "http", "root_path": "", "client": ("127.0.0.1", 1)})


def _fetch(state: ServiceState, flow: str, key: str, start: str | None = None, end: str | None = None,
           last_n: str | None = None) -> data.DataResult:
    query = build_query(state.catalog, flow, key, start_period=start, end_period=end, last_n=last_n,
                        view=state.visibility.view(ANONYMOUS))
    return data.fetch(state, query, ANONYMOUS, _request(f"/data/{flow}/{key}"))


def test_after_prewarm_distinct_queries_compile_nothing(state: ServiceState) -> None:
    assert prewarm.prewarm(state) > 0
    before = statements.compilations()
    answers = [_fetch(state, *query) for query in DISTINCT]
    assert statements.compilations() == before
    assert all(len(a.frame) > 0 for a in answers)
    assert {a.flow.id for a in answers} == {"MIG_STOCK", "MIG_FLOW", "POP", "NET_MIG", "MIG_SHARE"}


def test_sdmx_frame_sorts_only_what_is_out_of_order(state: ServiceState) -> None:
    query = build_query(state.catalog, "MIG_STOCK", "840+276.484+156+792._T", view=state.visibility.view(ANONYMOUS))
    rows = state.warehouse().select(data.query_selection(query, frozenset({"public"})), columns=data.ANSWER_COLUMNS)
    assert len(rows) > 10
    in_order = data.sdmx_frame(rows, query)
    shuffled = data.sdmx_frame(rows.sample(frac=1, random_state=11), query)
    pd.testing.assert_frame_equal(in_order, shuffled)
    order = [d.id for d in query.flow.published_dimensions] + ["TIME_PERIOD"]  # SOURCE before the period
    keys = list(zip(*(in_order[c] for c in order), strict=True))
    assert keys == sorted(keys)


def test_a_whole_dataflow_over_the_limit_is_refused_before_reading(state: ServiceState) -> None:
    limit, index = state.max_observations, state.index
    state.max_observations, state.index = 1_000, PublicIndex()
    try:
        with pytest.raises(ApiError) as refused:
            _fetch(state, "MIG_STOCK", "all")
        assert refused.value.status == 413 and "1,000 observations" in refused.value.message
        assert (state.index.misses, state.index.hits) == (0, 0)  # no selection was read
        assert len(_fetch(state, "MIG_STOCK", "840.484._T").frame) > 0  # a light query still reads
        state.max_observations = 100_000
        whole = _fetch(state, "MIG_SHARE", "all")  # under the limit: counted, then read and kept
        assert state.index.holds(data.query_selection(build_query(
            state.catalog, "MIG_SHARE", "all", view=state.visibility.view(ANONYMOUS)), frozenset({"public"})),
            data.ANSWER_COLUMNS)
        assert len(_fetch(state, "MIG_SHARE", "all").frame) == len(whole.frame)  # from the index
    finally:
        state.max_observations, state.index = limit, index


def test_the_memory_index_holds_its_byte_budget(state: ServiceState) -> None:
    wh = state.warehouse()
    sels = [key_selection(dataflow("MIG_STOCK"), {"ref_area": [code]}) for code in ("840", "276", "124", "36")]
    one = int(wh.select(sels[0], columns=data.ANSWER_COLUMNS).memory_usage(deep=True).sum())
    cache = PublicIndex(max_bytes=int(one * 2.5))
    for sel in sels:
        cache.select(wh, sel, columns=data.ANSWER_COLUMNS)
    assert 0 < cache.bytes <= cache.max_bytes and len(cache) < len(sels)
