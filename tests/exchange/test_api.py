"""The exchange's JSON API over a real registry (both databases): bulk load in JSON and CSV, roles
through bearer tokens, refusals as 403 (and audited), public aggregates, the OpenAPI document."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from corridor.exchange.access import Principal
from corridor.exchange.api import create_exchange_app
from corridor.exchange.registry import Registry
from tests.exchange.seed import World, build


@pytest.fixture
def client_world(registry: Registry) -> tuple[TestClient, World, Registry]:
    w = build(registry)
    people = {"maria": Principal("worker", w.maria), "ravi": Principal("worker", w.ravi),
              "pes-ph": Principal("pes", w.pes_ph), "emp-a": Principal("employer", w.employer_a),
              "auditor": Principal("auditor")}
    tokens = {hashlib.sha256(name.encode()).hexdigest(): p for name, p in people.items()}
    return TestClient(create_exchange_app(registry, tokens)), w, registry


def _as(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


def test_roles_through_the_api(client_world) -> None:
    client, w, reg = client_world
    assert client.get(f"/exchange/jobseekers/{w.maria}", headers=_as("maria")).json()["personal"]["name"] \
        == "Maria Testcase Santos"
    for who in ("ravi", "emp-a", None):
        r = client.get(f"/exchange/jobseekers/{w.maria}", headers=_as(who) if who else {})
        assert r.status_code == 403
    assert client.get("/exchange/jobseekers/1", headers=_as("nobody")).status_code == 401
    refused = [a for a in reg.audit_log(Principal("auditor")) if not a["allowed"]]
    assert [a["role"] for a in refused] == ["worker", "employer", "public"]
    assert client.get(f"/exchange/agreements/{w.agreement}").json()["quota"] == 3


def test_bulk_load_json_and_csv_with_ownership(client_world) -> None:
    client, w, reg = client_world
    people = [{"origin": "608", "esco_version": "1.1.1", "isco": "3221", "consent": True,
               "languages": {"de": "B1"}, "personal": {"name": "Jose Bulkperson"}}]
    r = client.post("/exchange/jobseekers", json=people, headers=_as("pes-ph"))
    assert r.status_code == 200 and r.json() == {"loaded": 1}
    wrong = [{**people[0], "origin": "356"}]
    assert client.post("/exchange/jobseekers", json=wrong, headers=_as("pes-ph")).status_code == 403
    assert client.post("/exchange/jobseekers", json=people, headers=_as("maria")).status_code == 403
    status = [{**people[0], "immigration_status": "irregular"}]
    r = client.post("/exchange/jobseekers", json=status, headers=_as("pes-ph"))
    assert r.status_code == 400 and "never collects" in r.json()["detail"]
    csv_text = ("agreement_id,esco_version,isco,destination,openings,languages,credentials,valid_from\n"
                f'{w.agreement},1.1.1,2221,276,3,"{{""de"": ""B2""}}","[]",2026-02-01\n')
    r = client.post("/exchange/vacancies", content=csv_text, headers={**_as("emp-a"), "content-type": "text/csv"})
    assert r.status_code == 200, r.text
    got = client.get(f"/exchange/vacancies/{w.vacancy_b + 1}", headers=_as("emp-a")).json()  # the next id
    assert got["employer_id"] == w.employer_a and got["languages"] == {"de": "B2"} and got["openings"] == 3


def test_worker_page_data_export_and_erasure(client_world) -> None:
    client, w, reg = client_world
    [pid] = reg.propose([{"jobseeker_id": w.maria, "vacancy_id": w.vacancy_a, "score": 0.7,
                          "explanation": {"rules": [{"rule": "consent", "passed": True, "detail": "ok"}]}}])
    mine = client.get(f"/exchange/jobseekers/{w.maria}/placements", headers=_as("maria")).json()
    assert mine[0]["explanation"]["rules"][0]["rule"] == "consent"
    assert mine[0]["agreement"]["employer_duties"]["housing"] == "first 6 months"
    assert client.get(f"/exchange/jobseekers/{w.maria}", headers=_as("emp-a")).status_code == 403
    assert client.post(f"/exchange/placements/{pid}/share", headers=_as("maria")).status_code == 200
    seen = client.get(f"/exchange/jobseekers/{w.maria}", headers=_as("emp-a")).json()
    assert "residence" not in seen and seen["personal"]["email"] == "maria.santos@example.test"
    assert client.get(f"/exchange/jobseekers/{w.maria}/export", headers=_as("maria")).status_code == 200
    assert client.delete(f"/exchange/jobseekers/{w.maria}", headers=_as("pes-ph")).status_code == 403
    assert client.delete(f"/exchange/jobseekers/{w.maria}", headers=_as("maria")).status_code == 200
    assert client.get(f"/exchange/jobseekers/{w.maria}", headers=_as("maria")).json()["personal"] is None


def test_public_statistics_and_openapi(client_world) -> None:
    client, _, _ = client_world
    rows = client.get("/exchange/statistics/EXCH_JOBSEEKER").json()
    assert rows and all(r["n"] is None or r["n"] >= 5 for r in rows)  # two jobseekers: all suppressed
    assert client.get("/exchange/statistics/NOPE").status_code == 404
    spec = client.get("/openapi.json").json()
    assert "/exchange/jobseekers" in spec["paths"] and "/exchange/statistics/{dataflow}" in spec["paths"]


def test_public_statistics_are_recomputed_only_after_a_change(client_world) -> None:
    client, w, reg = client_world
    first = client.get("/exchange/statistics/EXCH_JOBSEEKER").json()
    cached = client.app.state.exchange_statistics["tables"]
    assert client.get("/exchange/statistics/EXCH_VACANCY").status_code == 200
    assert client.app.state.exchange_statistics["tables"] is cached  # nothing changed: no recomputation
    for _ in range(5):
        reg.add_jobseeker(origin="608", esco_version="1.1.1", isco="2221")
    after = client.get("/exchange/statistics/EXCH_JOBSEEKER").json()
    assert client.app.state.exchange_statistics["tables"] is not cached and after != first
