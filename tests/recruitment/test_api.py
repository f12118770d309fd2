"""The fair-recruitment and portability routes of the exchange's JSON API (both databases): a worker's
ledger for the worker, their PES and the auditor only (403 otherwise, audited); recruiters' licence
history in public; the calculator's answer and its 400 on a bad parameter."""

from __future__ import annotations

import hashlib
from datetime import date

from fastapi.testclient import TestClient

from corridor.exchange.access import Principal
from corridor.exchange.api import create_exchange_app
from corridor.exchange.ledger import Ledger
from corridor.exchange.recruiters import Recruiters
from corridor.exchange.registry import Registry
from tests.recruitment.test_ledger_and_recruiters import RATE, _world


def _as(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


def test_ledger_recruiters_and_calculator_through_the_api(registry: Registry) -> None:
    w = _world(registry)
    Ledger(registry).record("system", w["worker"], category="travel_lodging", side="origin", jurisdiction="608",
                            payer="worker", payee="Airline", amount=10000.0, on=date(2026, 3, 3), **RATE)
    rec = Recruiters(registry)
    agency = rec.add_recruiter("Agency A", "agency", "608")
    rec.set_status(rec.add_licence(agency, "608", "L-1", "authority", date(2025, 1, 1)), "revoked",
                   date(2026, 1, 1), "fees charged to workers")
    people = {"me": Principal("worker", w["worker"]), "pes": Principal("pes", w["pes_ph"]),
              "other-pes": Principal("pes", w["pes_np"]), "emp": Principal("employer", w["employer"]),
              "auditor": Principal("auditor")}
    tokens = {hashlib.sha256(n.encode()).hexdigest(): p for n, p in people.items()}
    client = TestClient(create_exchange_app(registry, tokens))
    for name in ("me", "pes", "auditor"):
        body = client.get(f"/exchange/ledger/{w['worker']}", headers=_as(name)).json()
        assert body["owed_usd"] == 200.0 and body["violations"][0]["flag"] == "employer_must_bear"
    for name in ("other-pes", "emp", None):
        assert client.get(f"/exchange/ledger/{w['worker']}", headers=_as(name) if name else {}).status_code == 403
    history = client.get(f"/exchange/recruiters/{agency}").json()["licences"][0]["history"]
    assert [h["status"] for h in history] == ["active", "revoked"]
    r = client.get("/portability/calculate", params={"agreement": "HOLZMANN-AB-DIRECT",
                                                     "period": ["EXAMPLE_A:18", "EXAMPLE_B:24"]})
    assert r.status_code == 200 and r.json()["total_benefit"] == 928.0
    assert client.get("/portability/calculate", params={"agreement": "EU-883", "period": "A"}).status_code == 400
    assert any(a["id"] == "EU-883" for a in client.get("/portability/agreements").json())
