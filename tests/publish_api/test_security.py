"""Read-only service; restricted material only with a bearer token holding the right role; every
access to restricted material, granted or refused, in the audit log.

The restricted material (see conftest): IMS 2020's United States rows as an *embargoed* later vintage
(``test-embargoed-ims-usa``, access ``embargoed``) and as ``microdata`` (``test-microdata-ims-usa``).
"""

from __future__ import annotations

import httpx
import pytest

USA_2020 = 50_632_836  # UN DESA IMS 2020, Table 1, United States of America, 2020


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/data/MIG_STOCK/840.484._T", "/datasets", "/structure/dataflow", "/nowhere"])
def test_everything_is_read_only(server, method, path):
    response = httpx.request(method, server.url + path, content=b"{}", timeout=30)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_head_is_get_without_body(server):
    response = httpx.head(server.url + "/data/MIG_STOCK/840.484._T?format=csv", timeout=30)
    assert response.status_code == 200 and response.content == b""


def _usa_2020(server, **kwargs) -> dict:
    response = server.get("/data/MIG_STOCK/840._T._T?startPeriod=2020&endPeriod=2020&format=json", **kwargs)
    assert response.status_code == 200, response.text
    (obs,) = response.json()["observations"]
    return obs


def test_anonymous_sees_public_vintage_only(server, restricted):
    before = len(server.audit_entries())
    obs = _usa_2020(server)
    assert obs["dataset_id"] == "undesa-ims-2020-sex-destination" and obs["value"] == USA_2020
    listed = {d["dataset_id"] for d in server.get("/datasets").json()["datasets"]}
    assert restricted.embargoed not in listed and restricted.microdata not in listed
    assert len(server.audit_entries()) == before  # nothing restricted was touched


def test_role_grants_the_embargoed_vintage_and_is_audited(server, restricted):
    obs = _usa_2020(server, headers=restricted.bearer("analyst"))
    assert obs["dataset_id"] == restricted.embargoed  # the newer (embargoed) vintage wins for its readers
    entry = server.audit_entries()[-1]
    assert entry["decision"] == "granted" and entry["token"] == "analyst"
    assert entry["datasets"] == [restricted.embargoed] and entry["path"] == "/data/MIG_STOCK/840._T._T"
    assert "analyst-secret-token" not in server.audit_log.read_text()  # tokens never logged
    # the analyst may not read microdata: asking for it by asOf is answered as an unknown vintage, audited
    refused = server.get(f"/data/MIG_STOCK/840._T._T?asOf={restricted.microdata}", headers=restricted.bearer("analyst"))
    assert refused.status_code == 404 and "unknown vintage" in refused.json()["message"]
    entry = server.audit_entries()[-1]
    assert entry["decision"] == "refused" and entry["datasets"] == [restricted.microdata]


def test_anonymous_asof_restricted_is_an_unknown_vintage_and_audited(server, restricted):
    """Issue 11: a 401 for an embargoed vintage where an unknown one gets 404 confirms that it exists."""
    response = server.get(f"/data/MIG_STOCK/840._T._T?asOf={restricted.embargoed}")
    assert response.status_code == 404
    assert "unknown vintage" in response.json()["message"]
    entry = server.audit_entries()[-1]
    assert entry["decision"] == "refused" and entry["token"] is None and entry["datasets"] == [restricted.embargoed]
    record = server.get(f"/datasets/{restricted.embargoed}")
    assert record.status_code == 404
    assert server.audit_entries()[-1]["decision"] == "refused"


def test_wrong_role_is_404_and_admin_reads_all(server, restricted):
    response = server.get(f"/datasets/{restricted.embargoed}", headers=restricted.bearer("guest"))
    assert response.status_code == 404
    entry = server.audit_entries()[-1]
    assert entry["decision"] == "refused" and entry["token"] == "guest" and entry["roles"] == ["press"]
    listed = {d["dataset_id"] for d in server.get("/datasets", headers=restricted.bearer("root")).json()["datasets"]}
    assert {restricted.embargoed, restricted.microdata} <= listed
    assert server.audit_entries()[-1]["decision"] == "granted"
    micro = server.get(f"/data/MIG_STOCK/840._T._T?asOf={restricted.microdata}&format=json",
                       headers=restricted.bearer("root"))
    assert micro.status_code == 200
    assert {o["dataset_id"] for o in micro.json()["observations"]} == {restricted.microdata}


def test_restricted_responses_are_not_served_from_cache(server, restricted):
    """A response with restricted rows must not be cached and handed to an anonymous caller."""
    _usa_2020(server, headers=restricted.bearer("analyst"))
    assert _usa_2020(server)["dataset_id"] == "undesa-ims-2020-sex-destination"


def test_cached_public_response_is_not_served_to_a_token(server, restricted):
    """The HTTP cache answers anonymous repeats only: a token's request goes through the routes."""
    assert _usa_2020(server)["dataset_id"] == "undesa-ims-2020-sex-destination"
    assert _usa_2020(server)["dataset_id"] == "undesa-ims-2020-sex-destination"  # a cache hit
    before = len(server.audit_entries())
    assert _usa_2020(server, headers=restricted.bearer("analyst"))["dataset_id"] == restricted.embargoed
    assert len(server.audit_entries()) == before + 1
