"""Protection of the people in the exchange (issue 12, item 7), on SQLite and PostgreSQL:
each role reads only what it may (every refused attempt raises and is audited), personal fields are
encrypted at rest (the raw database holds none of them in clear), reads are audited, a worker can
export and erase their data."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from corridor.exchange.access import AccessDenied, Principal
from corridor.exchange.registry import Registry
from tests.exchange.seed import build

SECRETS = ("Maria Testcase Santos", "maria.santos@example.test", "+63 900 000 0000", "1994-05-02",
           "Heike Contactperson", "heike@klinikum-a.test", "Ravi Exampleperson")


def _refusals(reg: Registry) -> list[dict]:
    return [a for a in reg.audit_log(Principal("auditor")) if not a["allowed"]]


def test_each_role_reads_its_own_and_is_refused_and_audited_elsewhere(registry: Registry) -> None:
    w = build(registry)
    maria, ravi = Principal("worker", w.maria), Principal("worker", w.ravi)
    emp_a, emp_b = Principal("employer", w.employer_a), Principal("employer", w.employer_b)
    pes_ph, pes_in = Principal("pes", w.pes_ph), Principal("pes", w.pes_in)
    public = Principal("public")
    # allowed
    assert registry.jobseeker(maria, w.maria)["personal"]["name"] == "Maria Testcase Santos"
    assert registry.jobseeker(pes_ph, w.maria)["origin"] == "608"
    assert registry.jobseeker(Principal("auditor"), w.ravi)["personal"]["name"] == "Ravi Exampleperson"
    assert registry.vacancy(emp_a, w.vacancy_a)["openings"] == 2
    assert registry.employer(emp_a, w.employer_a)["contact"]["name"] == "Heike Contactperson"
    # refused, one attempt per role on another's record
    attempts = [
        (maria, lambda: registry.jobseeker(maria, w.ravi)),
        (ravi, lambda: registry.vacancy(ravi, w.vacancy_a)),
        (emp_a, lambda: registry.jobseeker(emp_a, w.maria)),  # no consent yet
        (emp_b, lambda: registry.vacancy(emp_b, w.vacancy_a)),
        (emp_b, lambda: registry.employer(emp_b, w.employer_a)),
        (pes_in, lambda: registry.jobseeker(pes_in, w.maria)),
        (pes_in, lambda: registry.vacancy(pes_in, w.vacancy_a)),
        (public, lambda: registry.jobseeker(public, w.maria)),
        (public, lambda: registry.vacancy(public, w.vacancy_a)),
        (Principal("auditor"), lambda: registry.update_jobseeker(Principal("auditor"), w.maria, consent=False)),
        (ravi, lambda: registry.update_jobseeker(ravi, w.maria, consent=False)),
        (ravi, lambda: registry.erase(ravi, w.maria)),
        (maria, lambda: registry.audit_log(maria)),
    ]
    for who, attempt in attempts:
        before = len(_refusals(registry))
        with pytest.raises(AccessDenied):
            attempt()
        refusals = _refusals(registry)
        assert len(refusals) == before + 1, who
        assert refusals[-1]["role"] == who.role and refusals[-1]["actor_id"] == who.subject_id
    # the refused update changed nothing
    assert registry.jobseeker(maria, w.maria)["consent"] is True


def test_employer_sees_a_candidate_only_after_consent_and_never_where_they_live(registry: Registry) -> None:
    w = build(registry)
    [pid] = registry.propose([{"jobseeker_id": w.maria, "vacancy_id": w.vacancy_a, "score": 0.8}])
    emp_a, emp_b = Principal("employer", w.employer_a), Principal("employer", w.employer_b)
    with pytest.raises(AccessDenied):
        registry.jobseeker(emp_a, w.maria)
    with pytest.raises(AccessDenied):  # only the worker concerned can consent
        registry.share_with_employer(emp_a, pid)
    registry.share_with_employer(Principal("worker", w.maria), pid)
    seen = registry.jobseeker(emp_a, w.maria)
    assert seen["personal"]["email"] == "maria.santos@example.test"
    assert "residence" not in seen and "pes_id" not in seen
    with pytest.raises(AccessDenied):  # consent was to employer A only
        registry.jobseeker(emp_b, w.maria)
    # the worker now sees the vacancy they are matched to, with the agreement's conditions
    [mine] = registry.placements_of(Principal("worker", w.maria), w.maria)
    assert mine["agreement"]["conditions"]["return"] == "return ticket paid by employer"


def test_every_read_of_personal_data_is_audited(registry: Registry) -> None:
    w = build(registry)
    registry.jobseeker(Principal("worker", w.maria), w.maria)
    registry.jobseeker(Principal("pes", w.pes_ph), w.maria)
    registry.employer(Principal("employer", w.employer_a), w.employer_a)
    reads = [(a["role"], a["entity"], a["entity_id"]) for a in registry.audit_log(Principal("auditor"))
             if a["allowed"]]
    assert reads == [("worker", "jobseeker", w.maria), ("pes", "jobseeker", w.maria),
                     ("employer", "employer", w.employer_a)]


def _raw_database_text(reg: Registry) -> str:
    """Everything the database holds, as the bytes of its file (SQLite) or every row as text (PostgreSQL)."""
    if reg.engine.dialect.name == "sqlite":
        with reg.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = reg.engine.url.database
        data = open(path, "rb").read()
        return data.decode("latin-1")
    with reg.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        return "\n".join(str(r[0]) for t in tables
                         for r in conn.execute(text(f'SELECT row_to_json(x)::text FROM "{t}" x')))


def test_personal_fields_are_not_in_the_database_in_clear(registry: Registry) -> None:
    w = build(registry)
    registry.update_jobseeker(Principal("worker", w.maria), w.maria, personal={"notes": "Maria Testcase Santos"})
    registry.jobseeker(Principal("worker", w.maria), w.maria)
    raw = _raw_database_text(registry)
    assert "Klinikum A" in raw  # the check can see clear text: employers' names are not personal
    for secret in SECRETS:
        assert secret not in raw, secret


def test_export_and_erasure_keep_aggregates(registry: Registry) -> None:
    from corridor.exchange.statistics import registry_counts

    w = build(registry)
    [pid] = registry.propose([{"jobseeker_id": w.maria, "vacancy_id": w.vacancy_a, "score": 0.8}])
    registry.move_placement("pes:1", pid, "offered")
    maria = Principal("worker", w.maria)
    exported = registry.export(maria, w.maria)
    assert exported["jobseeker"]["personal"]["name"] == "Maria Testcase Santos"
    assert exported["placements"][0]["status"] == "offered"
    assert exported["history"][0]["action"] == "insert"
    with pytest.raises(AccessDenied):
        registry.export(Principal("pes", w.pes_ph), w.maria)
    before = registry_counts(registry)
    registry.erase(maria, w.maria)
    after = registry.jobseeker(Principal("auditor"), w.maria)
    assert after["personal"] is None and after["skills"] == [] and after["languages"] == {}
    assert after["consent"] is False and after["erased_at"] is not None
    assert "Maria Testcase Santos" not in _raw_database_text(registry)
    assert registry_counts(registry).equals(before)


def test_the_open_market_holds_places_of_pending_and_active_placements(registry: Registry) -> None:
    from datetime import date

    from corridor.exchange.market import load_market

    w = build(registry)
    on = date(2026, 6, 1)
    before = load_market(registry, on)
    assert {v.id: v.openings for v in before.vacancies} == {w.vacancy_a: 2, w.vacancy_b: 1}
    assert before.agreements[w.agreement].quota_left == 3
    [pid] = registry.propose([{"jobseeker_id": w.maria, "vacancy_id": w.vacancy_a, "score": 0.9}])
    pending = load_market(registry, on)
    assert {v.id: v.openings for v in pending.vacancies} == {w.vacancy_a: 1, w.vacancy_b: 1}
    assert pending.agreements[w.agreement].quota_left == 2
    assert [x.id for x in pending.workers] == [w.ravi]  # Maria has a pending proposal
    registry.move_placement("pes:1", pid, "broken_off", reason="the worker declined")
    freed = load_market(registry, on)
    assert {v.id: v.openings for v in freed.vacancies} == {w.vacancy_a: 2, w.vacancy_b: 1}
    assert sorted(x.id for x in freed.workers) == [w.maria, w.ravi]
