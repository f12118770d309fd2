"""The ledger and the recruiter registry on SQLite and PostgreSQL: corrections keep history, violations are
shown to the worker, their PES and the auditor only (every read and refusal audited, evidence sealed),
and an act by an unlicensed or suspended recruiter is flagged on the date of the act."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from corridor.exchange.access import AccessDenied, Principal
from corridor.exchange.fee_rules import load_rules
from corridor.exchange.ledger import Ledger
from corridor.exchange.recruiters import Recruiters
from corridor.exchange.registry import Registry

RATE = {"currency": "PHP", "usd_rate": 0.02, "rate_date": date(2026, 3, 1), "rate_source": "test rate"}


def _world(registry: Registry) -> dict[str, int]:
    pes_ph = registry.add_pes("608", "PES Philippines")
    pes_np = registry.add_pes("524", "PES Nepal")
    worker = registry.add_jobseeker(origin="608", esco_version="1.1.1", isco="7112", pes_id=pes_ph,
                                    personal={"name": "Maria"})
    other = registry.add_jobseeker(origin="524", esco_version="1.1.1", isco="7112", pes_id=pes_np)
    employer = registry.add_employer("Builder Co", "410")
    agreement = registry.add_agreement(title="PH-KR", origin="608", destination="410", valid_from=date(2020, 1, 1))
    vacancy = registry.add_vacancy(employer_id=employer, agreement_id=agreement, esco_version="1.1.1",
                                   isco="7112", destination="410", valid_from=date(2026, 1, 1))
    placement = registry.propose([{"jobseeker_id": worker, "vacancy_id": vacancy}])[0]
    return {"pes_ph": pes_ph, "pes_np": pes_np, "worker": worker, "other": other, "employer": employer,
            "placement": placement}


def test_corrections_keep_history_and_violations_reach_the_right_people(registry: Registry, rules_path) -> None:
    w = _world(registry)
    ledger = Ledger(registry, load_rules(rules_path))
    me = Principal("worker", w["worker"])
    fee = ledger.record(me, w["worker"], category="recruitment_fee", side="origin", jurisdiction="608",
                        payer="worker", payee="Agency A", amount=6000.0, on=date(2026, 3, 2),
                        evidence={"receipt": "OR-17"}, **RATE)  # US$120: over the made-up cap of 100
    ledger.record("system", w["worker"], category="bribe", side="destination", jurisdiction="410",
                  payer="worker", payee="broker", amount=1000.0, on=date(2026, 4, 2), **RATE)  # US$20
    # the fee was really 5,500 pesos: a correction, not an edit
    fixed = ledger.correct(me, fee, amount=5500.0)
    st = ledger.statement(me, w["worker"])
    assert [e["entry_id"] for e in st["entries"]] == [2, fixed]
    assert len(st["history"]) == 3 and st["history"][2]["corrects_id"] == fee
    assert {e["flag"] for e in st["violations"]} == {"over_cap", "illegitimate"}
    assert st["owed_usd"] == pytest.approx(10.0 + 20.0)  # 110 - 100, and the whole bribe
    assert st["entries"][1]["evidence"] == {"receipt": "OR-17"}  # carried to the correction, opened for them
    with registry.engine.connect() as conn:  # never in clear in the database; the old row is untouched
        assert "OR-17" not in str(conn.execute(text("SELECT evidence FROM ledger_entry")).all())
        assert conn.execute(text("SELECT amount FROM ledger_entry WHERE id = :i"), {"i": fee}).scalar() == 6000.0
    assert ledger.statement(Principal("pes", w["pes_ph"]), w["worker"])["owed_usd"] == pytest.approx(30.0)
    assert ledger.statement(Principal("auditor"), w["worker"])["owed_usd"] == pytest.approx(30.0)
    for who in (Principal("employer", w["employer"]), Principal("pes", w["pes_np"]),
                Principal("worker", w["other"]), Principal("public")):
        with pytest.raises(AccessDenied):
            ledger.statement(who, w["worker"])
    with pytest.raises(AccessDenied):
        ledger.record(Principal("employer", w["employer"]), w["worker"], category="medical", side="origin",
                      jurisdiction="608", payer="worker", payee="x", amount=1.0, on=date(2026, 3, 2), **RATE)
    log = registry.audit_log(Principal("auditor"))
    ledger_reads = [r for r in log if r["entity"] == "ledger"]
    assert sum(r["allowed"] for r in ledger_reads) == 3 and sum(not r["allowed"] for r in ledger_reads) == 4
    with pytest.raises(Exception, match="already corrected"):
        ledger.correct(me, fee, amount=1.0)


def test_unlicensed_and_suspended_recruiters_are_flagged_on_the_date_of_the_act(registry: Registry) -> None:
    w = _world(registry)
    rec = Recruiters(registry)
    agency = rec.add_recruiter("Agency A", "agency", "608")
    lic = rec.add_licence(agency, "608", "POEA-123", "licensing authority", date(2025, 1, 1), date(2027, 12, 31))
    rec.set_status(lic, "suspended", date(2026, 5, 1), "complaint upheld: fees over the cap")
    rec.set_status(lic, "active", date(2026, 8, 1), "suspension lifted")
    rec.add_certification(agency, "IOM IRIS", date(2025, 6, 1), date(2028, 5, 31))
    broker = rec.add_recruiter("Broker B", "broker", "410")
    acts = [rec.record_act(w["placement"], agency, "selected", "608", date(2026, 4, 30)),
            rec.record_act(w["placement"], agency, "contracted", "608", date(2026, 5, 1)),
            rec.record_act(w["placement"], agency, "deployed", "608", date(2026, 8, 1)),
            rec.record_act(w["placement"], agency, "deployed", "410", date(2026, 8, 1)),   # no licence in 410
            rec.record_act(w["placement"], agency, "renewed", "608", date(2028, 1, 1)),    # licence expired
            rec.record_act(w["placement"], broker, "advertised", "410", date(2026, 3, 1))]
    assert [a["flag"] for a in acts] == [None, "suspended", None, "unlicensed", "unlicensed", "unlicensed"]
    assert [a["flag"] for a in rec.acts_of(w["placement"])][:3] == ["unlicensed", None, "suspended"]  # by date
    profile = rec.profile(agency)
    assert [e["status"] for e in profile["licences"][0]["history"]] == ["active", "suspended", "active"]
    assert profile["certifications"][0]["scheme"] == "IOM IRIS" and profile["placements"] == [w["placement"]]


def test_migration_0003_goes_down_and_up_again(engine) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from corridor.exchange import db

    db.upgrade(engine)
    assert {"ledger_entry", "licence_event", "insurance_period"} <= set(inspect(engine).get_table_names())
    cfg = db._config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert db.current_revision(engine) == "0002"
    assert not {"ledger_entry", "recruiter"} & set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert db.current_revision(engine) == "0003"


def test_erasure_empties_the_evidence_and_keeps_the_amounts(registry: Registry) -> None:
    w = _world(registry)
    ledger = Ledger(registry)
    me = Principal("worker", w["worker"])
    ledger.record(me, w["worker"], category="medical", side="origin", jurisdiction="608", payer="worker",
                  payee="Clinic", amount=500.0, on=date(2026, 3, 2), evidence={"receipt": "R-1"}, **RATE)
    registry.erase(me, w["worker"])
    with registry.engine.connect() as conn:
        assert conn.execute(text("SELECT evidence, amount FROM ledger_entry")).one() == (None, 500.0)
    assert ledger.flags()["owed_usd"].tolist() == [10.0]  # what the worker is owed survives erasure
