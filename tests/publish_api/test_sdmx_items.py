"""Multiple ids and item queries of SDMX 2.1 structure queries (issue 11, item 6), through the running
server, read by ``sdmx1`` as a plain source where the client builds the path itself.

* ``/dataflow/all/MIG_STOCK+MIG_FLOW/latest``: both dataflows, nothing else;
* ``/codelist/CORRIDOR/CL_AREA/latest/840+484`` (or ``USA+MEX``, read as in data keys): a partial
  codelist with those two codes; ``/codelist/all/all/latest/_T``: every codelist holding ``_T``;
* unknown ids or items: 404; items of a code used only in restricted data are invisible without the
  role (the restricted register flows are the only use of direction ``IMM``, see conftest.py): 404
  anonymously, found with the ``restricted`` role; no answer names a restricted code.

Names: UN M49 (reference/data/areas.csv): 840 United States of America, 484 Mexico.
"""

from __future__ import annotations

import io

import pytest
import sdmx
from sdmx.source import add_source


def _read(server, path: str, headers=None):
    response = server.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.text)
    return sdmx.read_sdmx(io.BytesIO(response.content))


def test_several_dataflows(server):
    message = _read(server, "/dataflow/all/MIG_STOCK+MIG_FLOW/latest")
    assert sorted(message.dataflow) == ["MIG_FLOW", "MIG_STOCK"]
    with_structures = _read(server, "/dataflow/CORRIDOR/MIG_STOCK+POP/1.0?references=children")
    assert sorted(with_structures.structure) == ["DSD_MIG_STOCK", "DSD_POP"]
    dsds = _read(server, "/datastructure/CORRIDOR/DSD_MIG_STOCK+DSD_POP/latest?references=none")
    assert sorted(dsds.structure) == ["DSD_MIG_STOCK", "DSD_POP"]
    # SDMX "no results": 404 when nothing matches; what matches is answered
    assert server.get("/dataflow/all/NOPE+NADA/latest").status_code == 404
    assert list(_read(server, "/dataflow/all/MIG_STOCK+NOPE/latest").dataflow) == ["MIG_STOCK"]
    assert server.get("/dataflow/all/MIG_STOCK+/latest").status_code == 400
    assert sorted(_read(server, "/structure/dataflow/MIG_STOCK+MIG_FLOW").dataflow) == ["MIG_FLOW", "MIG_STOCK"]


@pytest.mark.parametrize("items", ["840+484", "USA+MEX", "0840+484"])
def test_codelist_items(server, items):
    message = _read(server, f"/codelist/CORRIDOR/CL_AREA/latest/{items}")
    (codelist,) = message.codelist.values()
    assert codelist.id == "CL_AREA"
    assert {c.id: str(c.name) for c in codelist} == {"840": "United States of America", "484": "Mexico"}


def test_items_across_codelists_and_concepts(server):
    message = _read(server, "/codelist/all/all/latest/_T")
    assert {"CL_AREA", "CL_SEX", "CL_AGE"} <= set(message.codelist)
    assert all([c.id for c in cl] == ["_T"] for cl in message.codelist.values())
    concepts = _read(server, "/conceptscheme/CORRIDOR/CS_CORRIDOR/latest/SOURCE+REF_AREA")
    assert sorted(c.id for c in concepts.concept_scheme["CS_CORRIDOR"]) == ["REF_AREA", "SOURCE"]
    assert server.get("/codelist/CORRIDOR/CL_AREA/latest/99999").status_code == 404
    assert server.get("/codelist/CORRIDOR/CL_NOPE/latest/840").status_code == 404
    assert server.get("/dataflow/CORRIDOR/MIG_STOCK/latest/840").status_code == 404  # not an item scheme
    assert server.get("/codelist/CORRIDOR/CL_AREA/latest/840+").status_code == 400


def test_restricted_items_invisible(server, restricted):
    anonymous = server.get("/codelist/CORRIDOR/CL_FLOW_DIRECTION/latest/IMM")
    assert anonymous.status_code == 404 and "IMM" not in anonymous.text.replace("'IMM'", "")
    listed = server.get("/codelist/all/all/latest/IMM+_T")
    assert listed.status_code == 200 and b'id="IMM"' not in listed.content
    granted = _read(server, "/codelist/CORRIDOR/CL_FLOW_DIRECTION/latest/IMM", restricted.bearer("registrar"))
    assert [c.id for c in granted.codelist["CL_FLOW_DIRECTION"]] == ["IMM"]


def test_sdmx1_client_builds_the_queries(server):
    add_source({"id": "CORRIDOR", "url": server.url, "name": "corridor (test server)"}, override=True)
    client = sdmx.Client("CORRIDOR")
    flows = client.dataflow("MIG_STOCK+MIG_FLOW").dataflow
    assert sorted(flows) == ["MIG_FLOW", "MIG_STOCK"]
