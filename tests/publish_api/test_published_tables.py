"""The published observations kept in memory answer exactly as the warehouse does (issue 11, item 7).

:class:`~corridor.store.published.PublishedTable` holds a dataflow's public, latest-vintage observations
and answers public latest selections without a query; the data API answers most anonymous queries from
it, on the event loop. What each test proves, on the API's test warehouse (the real releases built as the
main job builds them, plus an *embargoed* later vintage of the United States' rows and restricted register
flows) and on the store suite's warehouse of a correction and a withdrawal:

* ``test_every_selection_shape_equals_the_warehouse``: for 30 random selections per dataflow (seeded:
  area codes, other dimensions, period codes, years, series, first/last N, missing cells, limits, codes
  that do not exist), the frame equals :meth:`Warehouse.select`'s -- same rows, order, columns and dtypes
  -- and the count equals :meth:`Warehouse.count`'s; the whole dataflow too;
* ``test_restricted_rows_never_enter_and_access_comes_before_the_rule``: no embargoed, microdata or
  restricted row is held, and the United States' rows are the public vintage (not hidden by the
  embargoed newer one);
* ``test_corrections_and_withdrawals_as_the_warehouse``: a correction that drops a row and a withdrawn
  dataset are served as the vintage rule says;
* ``test_what_it_does_not_answer``: another access level, every vintage, ``as_of`` datasets, another
  dataflow or a column not kept go to the warehouse;
* ``test_served_answers_equal_the_warehouse_path``: through the real app, the answers to distinct
  queries in every format are byte for byte the answers of an app without the memory index (DuckDB).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient

from corridor.publish.api import prewarm
from corridor.publish.api.data import ANSWER_COLUMNS, on_loop
from corridor.publish.api.keys import build_query
from corridor.publish.app import create_app
from corridor.publish.formats import FORMATS
from corridor.publish.security import ANONYMOUS
from corridor.reference.dataflows import DIMENSION_COLUMNS
from corridor.store.published import PublishedTable
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse
from tests.cli.test_plain_reads import revised  # noqa: F401 - the fixture (a correction, a withdrawal)
from tests.store.test_corrections import fixes_path  # noqa: F401 - the fixture revised builds on

FLOWS = ("MIG_STOCK", "MIG_FLOW", "POP", "MIG_SHARE", "NET_MIG", "REFUGEES", "REMIT")


@pytest.fixture(scope="module")
def wh(api_warehouse: Path):
    with Warehouse.open(api_warehouse, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def tables(wh: Warehouse) -> dict[str, PublishedTable]:
    return {flow: PublishedTable.read(wh, flow, ANSWER_COLUMNS) for flow in FLOWS}


def _random_selection(rng: random.Random, flow: str, codes: dict[str, list[str]], series: list[str]) -> Selection:
    """One selection of a random shape, its codes drawn from the dataflow's rows (and sometimes a code
    no row has)."""
    filters: dict[str, list[str]] = {}
    if rng.random() < 0.85:
        filters["ref_area"] = rng.sample(codes["ref_area"], min(len(codes["ref_area"]), rng.randint(1, 3)))
    for column in rng.sample([c for c in DIMENSION_COLUMNS if c != "ref_area"], rng.randint(0, 3)):
        filters[column] = rng.sample(codes[column], min(len(codes[column]), rng.randint(1, 2)))
    if rng.random() < 0.1:
        filters.setdefault("counterpart_area", []).append("no-such-code")
    options: dict[str, object] = {}
    roll = rng.random()
    if roll < 0.3:
        filters["time_period"] = rng.sample(codes["time_period"], min(len(codes["time_period"]), rng.randint(1, 3)))
    elif roll < 0.5:
        years = sorted(int(p[:4]) for p in codes["time_period"] if p[:4].isdigit())
        options["start_year"], options["end_year"] = rng.choice(years), rng.choice([None, years[-1]])
    if rng.random() < 0.2:
        options["series"] = rng.sample(series, 1)
    if rng.random() < 0.3:
        options[rng.choice(["first_n", "last_n"])] = rng.randint(1, 4)
    if rng.random() < 0.15:
        options["include_missing"] = False
    return Selection.of(flow, **filters, **options)


@pytest.mark.parametrize("flow", FLOWS)
def test_every_selection_shape_equals_the_warehouse(flow: str, wh: Warehouse,
                                                    tables: dict[str, PublishedTable]) -> None:
    table = tables[flow]
    whole = wh.select(Selection.of(flow), columns=ANSWER_COLUMNS)
    pd.testing.assert_frame_equal(table.select(Selection.of(flow), columns=ANSWER_COLUMNS), whole)
    codes = {c: sorted(whole[c].dropna().unique().tolist()) for c in (*DIMENSION_COLUMNS, "time_period")}
    series = sorted(whole["series"].unique().tolist())
    rng = random.Random(f"published-{flow}")
    answered = 0
    for _ in range(30):
        sel = _random_selection(rng, flow, codes, series)
        assert table.answers(sel, ANSWER_COLUMNS)
        limit = rng.choice([None, None, 3])
        expected = wh.select(sel, columns=ANSWER_COLUMNS, limit=limit)
        pd.testing.assert_frame_equal(table.select(sel, columns=ANSWER_COLUMNS, limit=limit), expected, obj=str(sel))
        assert table.count(sel) == wh.count(sel), sel
        answered += len(expected) > 0
    assert answered >= 10  # the shapes select rows, not only empty answers


def test_restricted_rows_never_enter_and_access_comes_before_the_rule(
        wh: Warehouse, tables: dict[str, PublishedTable], restricted) -> None:
    stock = tables["MIG_STOCK"]
    held = set(stock.select(Selection.of("MIG_STOCK"), columns=["dataset_id", "access"])
               .itertuples(index=False, name=None))
    assert all(access == "public" for _, access in held)
    assert restricted.embargoed not in {ds for ds, _ in held} and restricted.microdata not in {ds for ds, _ in held}
    usa = Selection.of("MIG_STOCK", ref_area="840", counterpart_area="484", sex="_T")
    got = stock.select(usa, columns=ANSWER_COLUMNS)
    assert len(got) > 0 and set(got["access"]) == {"public"}
    pd.testing.assert_frame_equal(got, wh.select(usa, columns=ANSWER_COLUMNS))
    register = PublishedTable.read(wh, "MIG_FLOW_REG", ANSWER_COLUMNS)
    values = set(register.select(Selection.of("MIG_FLOW_REG"), columns=["value"])["value"])
    assert not values & set(restricted.register_values)


def test_corrections_and_withdrawals_as_the_warehouse(revised: Path) -> None:  # noqa: F811
    with Warehouse.open(revised, read_only=True) as store:
        table = PublishedTable.read(store, "MIG_STOCK", ANSWER_COLUMNS)
        got = table.select(Selection.of("MIG_STOCK"), columns=ANSWER_COLUMNS)
        # the vintage rule by hand (tests/cli/test_plain_reads.py): Albania dropped by the correction,
        # the withdrawn dataset out, the restricted one invisible, the newer vintage of test-ed first
        assert {(r.dataset_id, r.ref_area, r.time_period, r.value) for r in got.itertuples()} == {
            ("fix-v2", "4", "2000", 3.0), ("kept", "8", "2000", 7.0), ("new", "8", "2000", 7.0),
            ("old", "8", "2001", 6.5)}
        for sel in (Selection.of("MIG_STOCK"), Selection.of("MIG_STOCK", series="test-ed", last_n=1),
                    Selection.of("MIG_STOCK", ref_area="8", first_n=1)):
            pd.testing.assert_frame_equal(table.select(sel, columns=ANSWER_COLUMNS),
                                          store.select(sel, columns=ANSWER_COLUMNS))


def test_what_it_does_not_answer(tables: dict[str, PublishedTable]) -> None:
    table = tables["MIG_STOCK"]
    assert table.answers(Selection.of("MIG_STOCK", ref_area="840"), ANSWER_COLUMNS)
    for sel, columns in ((Selection.of("MIG_STOCK", access=None), ANSWER_COLUMNS),
                         (Selection.of("MIG_STOCK", access=["public", "embargoed"]), ANSWER_COLUMNS),
                         (Selection.of("MIG_STOCK", vintages="all"), ANSWER_COLUMNS),
                         (Selection.of("MIG_STOCK", dataset_ids=["undesa-ims-2019-od"]), ANSWER_COLUMNS),
                         (Selection.of("POP"), ANSWER_COLUMNS), (Selection.of(["MIG_STOCK", "POP"]), ANSWER_COLUMNS),
                         (Selection.of("MIG_STOCK"), None), (Selection.of("MIG_STOCK"), [*ANSWER_COLUMNS, "title"])):
        assert not table.answers(sel, columns), sel


DISTINCT = ["/data/MIG_STOCK/840.484._T?startPeriod=2015&endPeriod=2015",
            "/data/MIG_STOCK/276.792+616._T?startPeriod=2000",
            "/data/MIG_FLOW/840.484._T.da_pb_closed?startPeriod=2010",
            "/data/POP/124._T._T?lastNObservations=3", "/data/NET_MIG/356._T?lastNObservations=1",
            "/data/MIG_SHARE/250._T?firstNObservations=2", "/data/MIG_STOCK/36..?startPeriod=2019",
            "/data/REFUGEES/276.", "/data/MIG_STOCK/840.484._T?source=undesa-ims-2019-od&updatedAfter=2000-01-01"]


def test_served_answers_equal_the_warehouse_path(api_warehouse: Path, tmp_path: Path) -> None:
    env = {"tokens_file": tmp_path / "none.yaml", "audit_log": tmp_path / "audit.jsonl", "cache_mb": 0}
    (tmp_path / "none.yaml").write_text("tokens: []\n")
    memory, duckdb = create_app(api_warehouse, **env), create_app(api_warehouse, memory_index=False, **env)
    state = memory.state.corridor.current
    prewarm.published(state)
    assert set(FLOWS) <= set(state.index.published)
    query = build_query(state.catalog, "MIG_STOCK", "840.484._T", view=state.visibility.view(ANONYMOUS))
    assert on_loop(state, query, ANONYMOUS, roll_up=False)
    with TestClient(memory) as fast, TestClient(duckdb) as slow:
        for path in DISTINCT:
            for fmt in FORMATS:
                url = f"{path}{'&' if '?' in path else '?'}format={fmt}"
                a, b = fast.get(url), slow.get(url)
                assert a.status_code == b.status_code == 200, (url, a.text[:200], b.text[:200])
                assert _stable(a.content) == _stable(b.content), url


def _stable(content: bytes) -> bytes:
    """An answer without what differs between any two answers (a message's random id, its time)."""
    content = re.sub(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"<id>", content)
    content = re.sub(rb'"id":"IREF[0-9A-F]+"', b'"id":"<id>"', content)
    return re.sub(rb"(Prepared>|\"prepared\": ?\"|\"updated\": ?\")[0-9T:.+Z-]+", rb"\1<now>", content)
