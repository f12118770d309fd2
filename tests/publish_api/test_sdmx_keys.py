"""Every observation key of a data answer is unique: the source (series) is a dimension (issue 11, item 6).

With the source an attribute, overlapping series repeated keys: in the test warehouse the population of
a country at mid-year comes from World Population Prospects (``wpp-population``) *and* from the
International Migrant Stock tables (``undesa-ims``), two observations under one key. ``SOURCE`` now
ends every published key (``corridor.reference.dataflows.SOURCE_DIMENSION``).

What is checked, on the real warehouse (every catalogue release, the flow estimates, the restricted
test datasets):

* for every dataflow, the whole answer an administrator may read (every access level, no key, no
  limit) has no repeated key over the published dimensions and ``TIME_PERIOD``; the same answer
  without ``SOURCE`` *does* repeat keys (the rule is what makes them unique, not luck of the data);
* through the running server, ``sdmx1`` reads a structure-specific message where both sources answer
  and finds one observation per key, and every dataflow of up to 30,000 observations is read whole in
  SDMX-CSV with its keys unique (larger ones exceed the response limit or take sdmx1 minutes);
* key syntax: ``SOURCE`` selects a series; a key without it (the form before) means every source;
  an unknown series is 404 like a code without data; availableconstraint lists the sources.
"""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
import sdmx

from corridor.publish.api.data import ANSWER_COLUMNS, query_selection, sdmx_frame
from corridor.publish.api.keys import build_query
from corridor.publish.api.state import ServiceState
from corridor.publish.security import ANONYMOUS
from corridor.reference.dataflows import dataflows
from corridor.store.warehouse import Warehouse

POP_KEY = "840._T._T"  # United States, both sexes, all ages
SDMX1_ROWS = 30_000  # whole dataflows up to this size are read by sdmx1 (it reads ~2,000 rows/s)


@pytest.fixture(scope="module")
def state(service_state):
    return service_state


def _whole_answer(state: ServiceState, wh: Warehouse, flow_id: str) -> pd.DataFrame:
    """The SDMX frame of ``/data/{flow}/all`` as an administrator reads it, without the row limit."""
    query = build_query(state.catalog, flow_id, "all")
    return sdmx_frame(wh.select(query_selection(query, None), columns=ANSWER_COLUMNS), query)


def test_no_key_repeats_in_any_dataflow(state, tmp_path):
    # a copy of the server's warehouse, opened on its own: the server's DuckDB is capped at 128 MB (a setting
    # of the database, shared by every connection to the file) and never reads past its row limit, which a
    # whole MIG_FLOW (158k rows with their interval sentences) exceeds
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(state.warehouse().path, copy)
    repeated_without_source: dict[str, int] = {}
    checked = 0
    with Warehouse.open(copy, read_only=True) as wh:
        frames = {flow.id: _whole_answer(state, wh, flow.id) for flow in dataflows().values()}
    for flow in dataflows().values():
        frame = frames[flow.id]
        if frame.empty:
            continue
        checked += 1
        key = [d.id for d in flow.published_dimensions] + ["TIME_PERIOD"]
        assert not frame.duplicated(key).any(), (flow.id, frame[frame.duplicated(key, keep=False)].head())
        without = frame.duplicated([d.id for d in flow.dimensions] + ["TIME_PERIOD"]).sum()
        if without:
            repeated_without_source[flow.id] = int(without)
    assert checked >= 10  # every dataflow with data in the warehouse
    # the rule broken on purpose: without SOURCE, POP repeats keys (WPP and IMS population figures)
    assert repeated_without_source.get("POP", 0) > 1000, repeated_without_source


def test_both_sources_answer_one_key_each_read_by_sdmx1(server):
    dsd_message = sdmx.read_sdmx(io.BytesIO(server.get("/structure/datastructure/CORRIDOR/DSD_POP").content))
    dsd = dsd_message.structure["DSD_POP"]
    assert [d.id for d in dsd.dimensions][-2:] == ["SOURCE", "TIME_PERIOD"]
    response = server.get(f"/data/POP/{POP_KEY}?startPeriod=2020&endPeriod=2020&format=sdmx-ml")
    assert response.status_code == 200, response.text
    frame = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd).data[0])
    assert frame.index.is_unique
    sources = sorted(frame.index.get_level_values("SOURCE"))
    assert sources == ["undesa-ims", "wpp-population"]
    # the same key without SOURCE, and the SOURCE position naming one series
    only = server.get(f"/data/POP/{POP_KEY}.wpp-population?startPeriod=2020&endPeriod=2020&format=json").json()
    assert [o["series"] for o in only["observations"]] == ["wpp-population"]
    both = server.get(f"/data/POP/{POP_KEY}?startPeriod=2020&endPeriod=2020&format=json").json()
    assert sorted(o["series"] for o in both["observations"]) == sources
    two = server.get(f"/data/POP/{POP_KEY}.wpp-population+undesa-ims?startPeriod=2020&endPeriod=2020&format=json")
    assert two.json()["count"] == 2


def test_whole_dataflows_read_by_sdmx1_have_unique_keys(server, state):
    """Every dataflow an anonymous caller sees, whole in one SDMX-CSV answer when it fits the limit."""
    read = 0
    for flow_id in state.visible_flows(ANONYMOUS):
        response = server.get(f"/data/{flow_id}/all?format=sdmx-csv")
        if response.status_code == 413 or response.text.count("\n") > SDMX1_ROWS:
            continue  # covered by test_no_key_repeats_in_any_dataflow (sdmx1 reads ~2,000 rows/s)
        assert response.status_code == 200, (flow_id, response.text[:200])
        dsd = sdmx.read_sdmx(io.BytesIO(server.get(f"/structure/datastructure/CORRIDOR/DSD_{flow_id}").content))
        message = sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd.structure[f"DSD_{flow_id}"],
                                 format="csv")
        frame = sdmx.to_pandas(message.data[0], dtype=str)  # str: missing values are empty cells
        assert frame.index.is_unique and len(frame) == response.text.count("\n") - 1, flow_id
        read += 1
    assert read >= 3


def test_source_position_syntax(server):
    # a key without SOURCE (the form before) is the key with an empty SOURCE position: every source
    old = server.get("/data/POP/840._T._T?startPeriod=2019&format=sdmx-csv")
    empty = server.get("/data/POP/840._T._T.?startPeriod=2019&format=sdmx-csv")
    assert old.status_code == 200 and old.text == empty.text
    assert server.get("/data/POP/840._T._T.no-such-series").status_code == 404
    # the SOURCE position and source= both hold: what neither excludes
    assert server.get("/data/POP/840._T._T.wpp-population?source=undesa-ims").status_code == 404
    assert server.get("/data/POP/840._T._T.wpp-population?source=no-such-source").status_code == 404
    assert server.get("/data/POP/840._T._T.wpp-population+undesa-ims?source=undesa-ims&startPeriod=2020"
                      "&format=json").json()["count"] == 1
    bad = server.get("/data/POP/840._T._T.wpp population")
    assert bad.status_code == 400 and "position SOURCE" in bad.text
    too_long = server.get("/data/POP/840._T._T.wpp-population.x")
    assert too_long.status_code == 400 and "REF_AREA.SEX.AGE.SOURCE" in too_long.text


def test_availability_lists_the_sources(server):
    response = server.get(f"/availableconstraint/POP/{POP_KEY}/all/SOURCE?startPeriod=2020&endPeriod=2020")
    assert response.status_code == 200, response.text
    found = sdmx.read_sdmx(io.BytesIO(response.content))
    (constraint,) = found.constraint.values()
    (region,) = constraint.data_content_region
    values = {getattr(dim, "id", dim): sorted(v.value for v in member.values) for dim, member in region.member.items()}
    assert values == {"SOURCE": ["undesa-ims", "wpp-population"]}
