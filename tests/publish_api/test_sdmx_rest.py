"""SDMX 2.1 REST details a standard client relies on (issue 11, item 6), and bounded caches (item 5).

* the generic data message (``application/vnd.sdmx.genericdata+xml;version=2.1``) used to be 406; it is
  read here by ``sdmx1`` without any structure;
* ``updatedAfter`` was ignored (everything returned); now it keeps observations written after it;
* the response caches are bounded in bytes, not entries.

Reference figure: UN DESA IMS 2019 (origin and destination), Table 1, Mexico-born living in the USA,
mid-2019 = 11,489,684.
"""

from __future__ import annotations

import io

import sdmx

from corridor.publish.api.state import ResponseCache

MEXICANS_IN_USA_2019 = 11_489_684
QUERY = "/data/MIG_STOCK/840.484._T?startPeriod=2019&endPeriod=2019"


def test_generic_data_read_by_sdmx1_without_structure(server):
    response = server.get(QUERY, headers={"Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.sdmx.genericdata+xml")
    frame = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(response.content)).data[0], attributes="o").reset_index()
    (row,) = frame.to_dict("records")
    assert row["value"] == MEXICANS_IN_USA_2019 and row["DATASET_ID"] == "undesa-ims-2019-od"
    assert server.get(QUERY + "&format=sdmx-generic").content.startswith(b"<?xml")


def test_updated_after(server):
    everything = server.get(QUERY + "&format=json").json()["observations"]
    since_2000 = server.get(QUERY + "&format=json&updatedAfter=2000-01-01").json()["observations"]
    assert since_2000 == everything and everything[0]["value"] == MEXICANS_IN_USA_2019
    later = server.get(QUERY + "&format=json&updatedAfter=2999-01-01T00:00:00Z")
    assert later.status_code == 404  # nothing was written after that: SDMX "no results"


def test_response_cache_is_bounded_in_bytes():
    cache = ResponseCache(max_bytes=1000)
    for i in range(20):
        cache.put(i, b"x" * 200)
    assert cache.bytes <= 1000 and len(cache) == 5
    assert cache.get(19) == b"x" * 200 and cache.get(0) is None  # least recently used out first
    cache.put("big", b"y" * 400)  # more than a quarter of the budget: never kept
    assert cache.get("big") is None and cache.bytes <= 1000


def test_openapi_lists_the_statuses_the_service_answers(server):
    """Issue 11: the document said 422 where the service answers 400; it lists 404/413/429/501 too."""
    spec = server.get("/openapi.json").json()
    assert "422" not in server.get("/openapi.json").text.replace("4220", "")
    data = spec["paths"]["/data/{flow}/{key}"]["get"]["responses"]
    assert {"200", "400", "401", "404", "406", "413", "429", "501", "503"} <= set(data)
    structure = spec["paths"]["/structure/{resource}/{agency}/{ident}/{version}"]["get"]["responses"]
    assert {"200", "400", "404", "406", "501"} <= set(structure)
    assert server.get("/data/MIG_STOCK/840.484._T?lastNObservations=x").status_code == 400


def _available(server, path: str, headers=None) -> dict[str, list[str]]:
    response = server.get(path, headers=headers or {})
    assert response.status_code == 200, response.text
    message = sdmx.read_sdmx(io.BytesIO(response.content))
    (constraint,) = message.constraint.values()
    region = constraint.data_content_region[0]
    return {getattr(dim, "id", dim): sorted(v.value for v in sel.values) for dim, sel in region.member.items()}


def test_available_constraint_read_by_sdmx1(server, restricted):
    """Issue 11: availableconstraint was missing. The codes come from the caller's selection: the USA's
    migrant origins (UN DESA IMS 2019: 232+ origins), its periods, and for an anonymous caller only
    public vintages (the embargoed 2099 copy is not counted)."""
    found = _available(server, "/availableconstraint/MIG_STOCK/840.._T/all/all")
    assert found["REF_AREA"] == ["840"] and found["SEX"] == ["_T"] and "484" in found["COUNTERPART_AREA"]
    assert len(found["COUNTERPART_AREA"]) > 200 and "2019" in found["TIME_PERIOD"]
    only_sex = _available(server, "/availableconstraint/MIG_STOCK/840._T./all/SEX")
    assert list(only_sex) == ["SEX"] and set(only_sex["SEX"]) >= {"_T", "M", "F"}
    assert server.get("/availableconstraint/MIG_FLOW_REG/all/all/all").status_code == 404  # restricted only
    granted = _available(server, "/availableconstraint/MIG_FLOW_REG/all/all/all", restricted.bearer("registrar"))
    assert granted["DIRECTION"] == ["IMM"] and granted["TIME_PERIOD"] == ["2023"]
    assert server.get("/availableconstraint/MIG_STOCK/all/all/all?mode=available").status_code == 501
    assert server.get("/availableconstraint/MIG_STOCK/all/all/NOPE").status_code == 404
