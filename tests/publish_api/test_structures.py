"""The API renders the reference registries and defines none of its own.

* every codelist served equals the reference codelist, code for code and label for label; the labels
  of the SDMX cross-domain lists are checked against ``reference/data/codelists.yaml`` itself (SDMX
  CL_OBS_STATUS 2.2 and CL_CONF_STATUS 1.3, as that file cites them), read with ``sdmx1``;
* for a caller who reads everything (``admin``), every codelist served equals the reference one; an
  anonymous caller gets them without the codes used only in restricted data (``IMM``, see
  test_access.py);
* the dataflows holding data a caller may read are listed, with their registry key (a dataflow that
  exists only in restricted data, or holds none, is not: issue 11);
* every code found in the warehouse (any dataflow, vintage or access level) is in the codelist its
  column is rendered with, so no response can carry a code its structure does not define.
"""

from __future__ import annotations

import io
from importlib.resources import files

import pytest
import sdmx
import yaml

from corridor.publish.structures import Catalog, codelist_id
from corridor.reference.codes import CODELIST_NAMES, codelists, codes
from corridor.reference.dataflows import ATTRIBUTES, dataflows
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

YAML = yaml.safe_load((files("corridor.reference") / "data" / "codelists.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(server, restricted) -> dict[str, dict[str, str]]:
    body = server.get("/structure/codelist/all?format=json", headers=restricted.bearer("root")).json()
    return {cl["id"]: cl["items"] for cl in body["Codelist"]}


def test_every_reference_codelist_is_served_as_it_is(served):
    assert list(served) == [codelist_id(name) for name in codelists()]
    for name in codelists():
        assert served[codelist_id(name)] == codes(name), name
    for name, body in YAML.items():
        assert served[codelist_id(name)] == {str(k): str(v) for k, v in body["codes"].items()}, name


def test_cross_domain_status_codes_read_by_sdmx1(server):
    """The codes the API used to miss (OBS_STATUS D K N S V, CONF_STATUS O), with the file's labels."""
    for name, must in (("OBS_STATUS", "ABDEFIKLMNOPQSUV"), ("CONF_STATUS", "FNCDSAO")):
        response = server.get(f"/structure/codelist/CORRIDOR/{codelist_id(name)}/1.0")
        assert response.status_code == 200, response.text
        codelist = sdmx.read_sdmx(io.BytesIO(response.content)).codelist[codelist_id(name)]
        got = {code.id: str(code.name) for code in codelist}
        assert set(got) == set(must)
        assert got == {str(k): str(v) for k, v in YAML[name]["codes"].items()}
        assert str(codelist.name) == CODELIST_NAMES[name]
    status = sdmx.read_sdmx(io.BytesIO(server.get("/structure/codelist/CL_OBS_STATUS").content))
    assert str(status.codelist["CL_OBS_STATUS"]["D"].name) == "Definition differs"


def test_dataflows_with_data_are_listed_with_their_key(server, api_warehouse, restricted):
    with Warehouse.open(api_warehouse, read_only=True) as wh:
        everything = Selection.of(tuple(dataflows()), vintages="all", access=None)
        held = wh.summary(everything, by=("dataflow", "access"))
    public = {f for f, a in zip(held["dataflow"], held["access"], strict=True) if a == "public"}
    listed = {f["id"]: f for f in server.get("/structure/dataflow?format=json").json()["Dataflow"]}
    assert list(listed) == [f for f in dataflows() if f in public]
    everyone = server.get("/structure/dataflow?format=json", headers=restricted.bearer("root")).json()
    assert [f["id"] for f in everyone["Dataflow"]] == [f for f in dataflows() if f in set(held["dataflow"])]
    for flow in (dataflows()[f] for f in listed):
        assert listed[flow.id]["name"] == flow.name
        dsd = server.get(f"/structure/datastructure/CORRIDOR/{flow.dsd_id}?format=json").json()
        (structure,) = dsd["DataStructureDefinition"]
        components = [c["id"] for c in structure["components"]]
        assert components[:len(flow.dimensions) + 2] == [*(d.id for d in flow.dimensions), "SOURCE", "TIME_PERIOD"]
        assert set(ATTRIBUTES) <= set(components)


def test_every_code_in_the_warehouse_is_in_its_codelist(api_warehouse):
    catalog = Catalog.from_reference()
    checked = 0
    with Warehouse.open(api_warehouse, read_only=True) as wh:
        for flow in dataflows().values():
            everything = Selection.of(flow.id, vintages="all", access=None)
            columns = {d.column: d.codelist for d in flow.dimensions}
            columns.update({col: cl for col, cl, _desc in ATTRIBUTES.values() if cl})
            for column, name in columns.items():
                found = set(wh.distinct(everything, column))
                unknown = found - set(catalog.codes[codelist_id(name)])
                assert not unknown, (flow.id, column, sorted(unknown)[:10])
                checked += len(found)
    assert checked > 500  # areas alone are a few hundred codes
