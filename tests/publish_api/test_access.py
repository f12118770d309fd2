"""Restricted material stays invisible outside ``/data`` too (issue 11, item 4): structures, codelists,
errors, ``asOf``, dataset records, the portal's explorer.

The material (see conftest): ``MIG_FLOW_REG`` exists only in ``test-restricted-register-flows``
(access ``restricted``: three real Eurostat register flows of 2023, the only use of the code ``IMM``),
and IMS 2020's United States rows as an embargoed (``test-embargoed-ims-usa``, vintage 2099) and a
microdata (``test-microdata-ims-usa``, vintage 2098) vintage. Each answer to a caller without the role
is checked for every restricted id, name and value (:data:`FORBIDDEN`); unknown and forbidden
material must get the same answer (status, and body once the name asked for is taken out).
"""

from __future__ import annotations

import io

import pytest
import sdmx

from tests.publish_api.conftest import EMBARGOED_ID, MICRODATA_ID, REGISTER_ID, REGISTER_VALUES

#: Strings no answer to a caller without the role may hold: ids, names, titles and the values.
FORBIDDEN = (
    "MIG_FLOW_REG", "Observed migration flows (registers)", "Migrations recorded", REGISTER_ID,
    EMBARGOED_ID, MICRODATA_ID, "TEST ONLY", "eurostat-migr-imm5prv-test",
    *(str(v) for v in REGISTER_VALUES), *(f"{v:,}" for v in REGISTER_VALUES),
)

#: Every path that lists or names structures, datasets or dataflows, and error paths that list them.
PATHS = (
    "/", "/structure/dataflow", "/structure/dataflow?format=json", "/structure/dataflow?references=all",
    "/structure/dataflow/all/all/latest?references=descendants", "/structure/datastructure",
    "/structure/datastructure?references=all&format=json", "/structure/codelist",
    "/structure/codelist?format=json", "/structure/codelist/CL_FLOW_DIRECTION",
    "/structure/conceptscheme?format=json", "/structure/dataflow/CORRIDOR/MIG_FLOW_REG",
    "/structure/datastructure/CORRIDOR/DSD_MIG_FLOW_REG", "/structure/dataflow/CORRIDOR/NOPE",
    "/data/MIG_FLOW_REG/all?format=json", "/data/MIG_FLOW_REG/276.616.IMM._T._T?format=csv",
    "/data/NOPE/all", "/data/MIG_STOCK/840.XYZ._T", "/data/MIG_FLOW/all/all?format=json&asOf=" + REGISTER_ID,
    f"/data/MIG_STOCK/840._T._T?asOf={EMBARGOED_ID}", f"/data/MIG_STOCK/840._T._T?asOf={MICRODATA_ID}",
    "/data/MIG_STOCK/840._T._T?asOf=undesa-ims:2099", "/data/MIG_STOCK/840._T._T?asOf=no-such-vintage",
    "/datasets", "/datasets?format=csv", f"/datasets/{REGISTER_ID}", f"/datasets/{EMBARGOED_ID}",
    "/openapi.json", f"/explore?as_of={EMBARGOED_ID}", "/explore?flow=MIG_FLOW_REG", "/explore",
    "/availableconstraint/MIG_FLOW_REG/all/all/all", "/availableconstraint/MIG_STOCK/840.._T/all/all",
    "/availableconstraint/MIG_FLOW/all/all/METHOD",
)


def _leaks(text: str) -> list[str]:
    return [s for s in FORBIDDEN if s in text]


@pytest.mark.parametrize("who", [None, "guest", "analyst"])
@pytest.mark.parametrize("path", PATHS)
def test_no_restricted_id_name_or_value_in_any_answer(server, restricted, who, path):
    """Anonymous, a token without the needed role (press) and one with another role (embargoed)."""
    headers = restricted.bearer(who) if who else {}
    response = server.get(path, headers=headers)
    assert response.status_code < 500, response.text
    body = response.text
    for echoed in (s for s in FORBIDDEN if s in path):  # what was asked may be repeated (an unknown name is
        body = body.replace(echoed, "")                  # too: test_forbidden_*_answers_as_an_unknown_one)
    if who == "analyst":  # the embargoed vintage is this token's to see; the register flows are not
        body = body.replace(EMBARGOED_ID, "").replace("TEST ONLY: IMS 2020 USA rows as an "
                                                                           "embargoed vintage", "")
    assert not _leaks(body), (path, _leaks(body), body[:400])


def _same(server, path_a: str, path_b: str, name_a: str, name_b: str, headers=None) -> None:
    a = server.get(path_a, headers=headers or {})
    b = server.get(path_b, headers=headers or {})
    assert a.status_code == b.status_code, (a.text, b.text)
    assert a.text.replace(name_a, "<name>") == b.text.replace(name_b, "<name>")


@pytest.mark.parametrize("forbidden", [EMBARGOED_ID, MICRODATA_ID, REGISTER_ID, "undesa-ims:2099"])
def test_forbidden_vintage_answers_as_an_unknown_one(server, forbidden):
    unknown = "undesa-ims:2097" if ":" in forbidden else "test-no-such-dataset-xyz"
    _same(server, f"/data/MIG_STOCK/840._T._T?asOf={forbidden}", f"/data/MIG_STOCK/840._T._T?asOf={unknown}",
          forbidden, unknown)
    assert server.get(f"/data/MIG_STOCK/840._T._T?asOf={forbidden}").status_code == 404
    _same(server, f"/datasets/{forbidden}", f"/datasets/{unknown}", forbidden, unknown)
    _same(server, f"/explore?as_of={forbidden}", f"/explore?as_of={unknown}", forbidden, unknown)
    if ":" not in forbidden:
        _same(server, f"/data/MIG_STOCK/840._T._T?source={forbidden}", f"/data/MIG_STOCK/840._T._T?source={unknown}",
              forbidden, unknown)


def test_forbidden_dataflow_answers_as_an_unknown_one(server, restricted):
    _same(server, "/data/MIG_FLOW_REG/all", "/data/MIG_FLOW_RGX/all", "MIG_FLOW_REG", "MIG_FLOW_RGX")
    _same(server, "/structure/dataflow/CORRIDOR/MIG_FLOW_REG", "/structure/dataflow/CORRIDOR/MIG_FLOW_RGX",
          "MIG_FLOW_REG", "MIG_FLOW_RGX")
    _same(server, "/data/MIG_FLOW_REG/all", "/data/MIG_FLOW_RGX/all", "MIG_FLOW_REG", "MIG_FLOW_RGX",
          headers=restricted.bearer("guest"))
    _same(server, "/structure/datastructure/all/DSD_MIG_FLOW_REG", "/structure/datastructure/all/DSD_MIG_FLOW_RGX",
          "MIG_FLOW_REG", "MIG_FLOW_RGX")
    _same(server, "/explore?flow=MIG_FLOW_REG", "/explore?flow=MIG_FLOW_RGX", "MIG_FLOW_REG", "MIG_FLOW_RGX")


def test_refusals_are_audited(server, restricted):
    before = len(server.audit_entries())
    server.get(f"/data/MIG_STOCK/840._T._T?asOf={EMBARGOED_ID}")
    server.get(f"/datasets/{REGISTER_ID}", headers=restricted.bearer("guest"))
    entries = server.audit_entries()[before:]
    assert [(e["decision"], e["datasets"], e["token"]) for e in entries] == [
        ("refused", [EMBARGOED_ID], None), ("refused", [REGISTER_ID], "guest")]


def test_codelist_entries_used_only_in_restricted_data_are_hidden(server, restricted):
    anonymous = server.get("/structure/codelist/all?format=json").json()
    lists = {cl["id"]: cl["items"] for cl in anonymous["Codelist"]}
    assert "IMM" not in lists["CL_FLOW_DIRECTION"] and "EMI" in lists["CL_FLOW_DIRECTION"]
    granted = server.get("/structure/codelist/all?format=json", headers=restricted.bearer("registrar")).json()
    assert "IMM" in {cl["id"]: cl["items"] for cl in granted["Codelist"]}["CL_FLOW_DIRECTION"]


def test_the_role_holder_sees_the_dataflow_its_structure_and_data(server, restricted):
    headers = restricted.bearer("registrar")
    listed = [f["id"] for f in server.get("/structure/dataflow?format=json", headers=headers).json()["Dataflow"]]
    assert "MIG_FLOW_REG" in listed
    message = sdmx.read_sdmx(io.BytesIO(server.get("/structure/dataflow/CORRIDOR/MIG_FLOW_REG?references=all",
                                                   headers=headers).content))
    assert "MIG_FLOW_REG" in message.dataflow and "IMM" in message.codelist["CL_FLOW_DIRECTION"]
    data = server.get("/data/MIG_FLOW_REG/all?format=json", headers=headers)
    assert data.status_code == 200, data.text
    assert sorted(o["value"] for o in data.json()["observations"]) == sorted(REGISTER_VALUES)
    entry = server.audit_entries()[-1]
    assert entry["decision"] == "granted" and entry["datasets"] == [REGISTER_ID] and entry["token"] == "registrar"


def test_security_headers_on_pages_data_and_errors(server):
    for path in ("/explore", "/data/MIG_STOCK/840._T._T?format=csv", "/nowhere", "/structure/dataflow"):
        response = server.get(path)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "http" not in headers["content-security-policy"], path  # no CDN, no remote origin
    assert "script-src 'self'" in server.get("/explore").headers["content-security-policy"]
    assert server.get("/datasets").headers["content-security-policy"].startswith("default-src 'none'")


def test_head_is_logged_as_head(server, restricted):
    import httpx

    httpx.head(server.url + f"/datasets/{EMBARGOED_ID}", timeout=30)
    entry = server.audit_entries()[-1]
    assert entry["method"] == "HEAD" and entry["decision"] == "refused"
