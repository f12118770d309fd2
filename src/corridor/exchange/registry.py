"""The exchange registry: writes with their change log, guarded reads, life cycle, export and erasure.

:class:`Registry` is the only way the rest of corridor touches the exchange's database. Every write
appends to ``change_log`` (values of non-personal columns; personal columns only as ``"<changed>"``,
so the log never needs erasing); every read of personal data goes through :mod:`.access` and is
audited. Personal fields of a jobseeker (``name``, ``email``, ``phone``, ``birth_date``, ``notes``)
and an employer's contact person are sealed with :class:`~corridor.exchange.crypto.Cipher`.

Erasure (a worker's right): the encrypted personal token and every profile field (occupations,
skills, languages, credentials, work record, preferences, residence) are emptied and consent is
withdrawn; what the published aggregates count (origin, ISCO group, registration date, placements and
their states) stays, so statistics written before and after erasure agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from corridor.errors import InputError
from corridor.exchange.access import (
    Principal,
    audit,
    deny,
    may_read_employer,
    may_read_jobseeker,
    may_read_vacancy,
    may_write,
    now,
)
from corridor.exchange.crypto import Cipher
from corridor.exchange.db import session_factory
from corridor.exchange.models import (
    PLACEMENT_MOVES,
    Agreement,
    AuditLog,
    Base,
    ChangeLog,
    Employer,
    Jobseeker,
    Pes,
    Placement,
    PlacementEvent,
    Vacancy,
)
from corridor.exchange.models_recruitment import LedgerEntry

#: Columns whose values are personal: logged only as changed, emptied on erasure.
PERSONAL_COLUMNS: dict[str, frozenset[str]] = {
    "jobseeker": frozenset({"personal", "occupations", "skills", "languages", "credentials", "work_record",
                            "preferences", "residence"}),
    "employer": frozenset({"contact"}),
}
#: Keys of a jobseeker's sealed personal record.
PERSONAL_FIELDS: tuple[str, ...] = ("name", "email", "phone", "birth_date", "notes")
#: Keys the registry refuses anywhere in a record: immigration or residence status is never collected.
FORBIDDEN_FIELDS = frozenset({"immigration_status", "residence_status", "visa_status", "legal_status",
                              "residence_permit", "status_in_country", "passport_number"})
SYSTEM = "system"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """Column values of a row (dates as ISO text)."""
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns}


def _refuse_forbidden(fields: Iterable[str]) -> None:
    bad = sorted(set(fields) & FORBIDDEN_FIELDS)
    if bad:
        raise InputError(f"field(s) {', '.join(bad)} refused: the exchange never collects immigration or "
                         "residence status, nor identity documents")


class Registry:
    """The exchange registry on one database (see the module docstring)."""

    def __init__(self, engine: Engine, cipher: Cipher | None = None) -> None:
        self.engine = engine
        self.cipher = cipher or Cipher()
        self.sessions = session_factory(engine)

    # -- lookups ---------------------------------------------------------------------------------
    @staticmethod
    def _get(s: Session, model: type[Base], obj_id: int) -> Any:
        obj = s.get(model, obj_id)
        if obj is None:
            raise InputError(f"no {model.__tablename__} {obj_id}")
        return obj

    def _guarded(self, s: Session, who: Principal, model: type[Base], obj_id: int, rule: Any,
                 entity: str | None = None) -> Any:
        """The row, if ``rule(session, who, row)`` lets ``who`` read it; else the refusal, audited."""
        obj = self._get(s, model, obj_id)
        if why := rule(s, who, obj):
            raise deny(s, who, "read", entity or model.__tablename__, obj_id, why)
        return obj

    # -- logging ---------------------------------------------------------------------------------
    def _log(self, s: Session, actor: str, obj: Base, action: str, before: dict[str, Any] | None) -> None:
        entity = obj.__tablename__
        after = snapshot(obj)
        personal = PERSONAL_COLUMNS.get(entity, frozenset())
        changes: dict[str, Any] = {}
        for key, value in after.items():
            if key == "id" or (before is not None and before.get(key) == value):
                continue
            changes[key] = "<changed>" if key in personal else value
        if before is not None and not changes:
            return
        s.add(ChangeLog(at=now(), actor=actor, entity=entity, entity_id=obj.id, action=action, changes=changes))

    def _insert(self, s: Session, actor: str, obj: Base) -> Base:
        s.add(obj)
        s.flush()
        self._log(s, actor, obj, "insert", None)
        return obj

    # -- creating records ------------------------------------------------------------------------
    def add_pes(self, country: str, name: str, actor: str = SYSTEM) -> int:
        with self.sessions() as s:
            obj = self._insert(s, actor, Pes(country=country, name=name))
            s.commit()
            return obj.id

    def add_employer(self, name: str, country: str, sector: str | None = None,
                     contact: dict[str, Any] | None = None, actor: str = SYSTEM) -> int:
        with self.sessions() as s:
            obj = self._insert(s, actor, Employer(name=name, country=country, sector=sector,
                                                  contact=self.cipher.seal(contact)))
            s.commit()
            return obj.id

    def add_agreement(self, actor: str = SYSTEM, **fields: Any) -> int:
        _refuse_forbidden(fields)
        fields.setdefault("sectors", [])
        fields.setdefault("occupations", [])
        for key in ("conditions", "employer_duties", "costs"):
            fields.setdefault(key, {})
        with self.sessions() as s:
            obj = self._insert(s, actor, Agreement(**fields))
            s.commit()
            return obj.id

    def add_vacancy(self, who: Principal | None = None, **fields: Any) -> int:
        """A vacancy; an employer principal may post only for itself."""
        _refuse_forbidden(fields)
        with self.sessions() as s:
            if who is not None and (why := may_write(who, "vacancy", who.role != "employer"
                                                     or fields.get("employer_id") == who.subject_id)):
                raise deny(s, who, "create", "vacancy", None, why)
            for key, default in (("languages", {}), ("credentials", []), ("skills", []), ("openings", 1),
                                 ("housing", False), ("medical_care", False), ("created_at", now())):
                fields.setdefault(key, default)
            obj = self._insert(s, who.label if who else SYSTEM, Vacancy(**fields))
            s.commit()
            return obj.id

    def add_jobseeker(self, personal: dict[str, Any] | None = None, actor: str = SYSTEM, **fields: Any) -> int:
        """A jobseeker; ``personal`` (name, email, phone, birth_date, notes) is sealed."""
        _refuse_forbidden(fields)
        _refuse_forbidden(personal or {})
        unknown = set(personal or {}) - set(PERSONAL_FIELDS)
        if unknown:
            raise InputError(f"unknown personal field(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(PERSONAL_FIELDS)}")
        for key, default in (("occupations", []), ("skills", []), ("languages", {}), ("credentials", []),
                             ("work_record", []), ("preferences", []), ("consent", False),
                             ("registered_at", now())):
            fields.setdefault(key, default)
        with self.sessions() as s:
            obj = self._insert(s, actor, Jobseeker(personal=self.cipher.seal(personal), **fields))
            s.commit()
            return obj.id

    def propose(self, matches: Iterable[dict[str, Any]], actor: str = SYSTEM) -> list[int]:
        """Record proposed matches (``jobseeker_id``, ``vacancy_id``, ``score``, ``explanation``) as
        placements in state ``proposed``; returns their ids."""
        ids = []
        with self.sessions() as s:
            for m in matches:
                at = now()
                p = self._insert(s, actor, Placement(
                    jobseeker_id=m["jobseeker_id"], vacancy_id=m["vacancy_id"], status="proposed",
                    score=m.get("score"), explanation=m.get("explanation", {}), shared_with_employer=False,
                    proposed_at=at, updated_at=at))
                s.add(PlacementEvent(placement_id=p.id, status="proposed", actor=actor, at=at))
                ids.append(p.id)
            s.commit()
        return ids

    # -- changing records ------------------------------------------------------------------------
    def update_jobseeker(self, who: Principal, jobseeker_id: int, personal: dict[str, Any] | None = None,
                         **fields: Any) -> None:
        """Change a jobseeker's record (the worker themself, or their PES)."""
        _refuse_forbidden(fields)
        with self.sessions() as s:
            js = self._get(s, Jobseeker, jobseeker_id)
            owner = (who.role == "worker" and who.subject_id == js.id) or (
                who.role == "pes" and may_read_jobseeker(s, who, js) is None)
            if why := may_write(who, "jobseeker", owner):
                raise deny(s, who, "update", "jobseeker", jobseeker_id, why)
            before = snapshot(js)
            for key, value in fields.items():
                setattr(js, key, value)
            if personal is not None:
                merged = {**(self.cipher.open(js.personal) or {}), **personal}
                js.personal = self.cipher.seal(merged)
            self._log(s, who.label, js, "update", before)
            s.commit()

    def move_placement(self, who: Principal | str, placement_id: int, status: str,
                       reason: str | None = None) -> None:
        """Advance a placement along its life cycle (``PLACEMENT_MOVES``); each step is an event."""
        actor = who.label if isinstance(who, Principal) else who
        with self.sessions() as s:
            p = self._get(s, Placement, placement_id)
            if status not in PLACEMENT_MOVES[p.status]:
                raise InputError(f"placement {placement_id} cannot move from {p.status} to {status}; "
                                 f"allowed: {', '.join(PLACEMENT_MOVES[p.status]) or 'none (final)'}")
            if status == "broken_off" and not reason:
                raise InputError("breaking off a placement needs a reason")
            before = snapshot(p)
            p.status, p.reason, p.updated_at = status, reason or p.reason, now()
            s.add(PlacementEvent(placement_id=p.id, status=status, reason=reason, actor=actor, at=p.updated_at))
            self._log(s, actor, p, "update", before)
            s.commit()

    def share_with_employer(self, who: Principal, placement_id: int) -> None:
        """The worker consents to show their profile to the employer of this placement."""
        with self.sessions() as s:
            p = s.get(Placement, placement_id)
            if p is None or who.role != "worker" or p.jobseeker_id != who.subject_id:
                raise deny(s, who, "share", "placement", placement_id, "only the worker concerned can consent")
            before = snapshot(p)
            p.shared_with_employer = True
            self._log(s, who.label, p, "update", before)
            s.commit()

    # -- guarded reads ---------------------------------------------------------------------------
    def jobseeker(self, who: Principal, jobseeker_id: int) -> dict[str, Any]:
        """A jobseeker's record as ``who`` may see it (audited; refused attempts too).

        The worker and auditors see everything; their PES everything but nothing of placements;
        an employer (after consent) the profile and contact, never the country of residence.
        """
        with self.sessions() as s:
            js = self._guarded(s, who, Jobseeker, jobseeker_id, may_read_jobseeker)
            record = snapshot(js)
            record["personal"] = self.cipher.open(js.personal)
            if who.role == "employer":
                record.pop("residence")
                record.pop("pes_id")
            audit(s, who, "read", "jobseeker", jobseeker_id, True)
            s.commit()
            return record

    def vacancy(self, who: Principal, vacancy_id: int) -> dict[str, Any]:
        """A vacancy as ``who`` may see it (refusals audited)."""
        with self.sessions() as s:
            return snapshot(self._guarded(s, who, Vacancy, vacancy_id, may_read_vacancy))

    def employer(self, who: Principal, employer_id: int) -> dict[str, Any]:
        """An employer's record with its contact person (audited; refusals too)."""
        with self.sessions() as s:
            emp = self._guarded(s, who, Employer, employer_id, may_read_employer)
            record = snapshot(emp)
            record["contact"] = self.cipher.open(emp.contact)
            audit(s, who, "read", "employer", employer_id, True)
            s.commit()
            return record

    def pes_country(self, pes_id: int) -> str:
        """The country of a public employment service."""
        with self.sessions() as s:
            return self._get(s, Pes, pes_id).country

    def agreement(self, agreement_id: int) -> dict[str, Any]:
        """A bilateral agreement (public: agreements hold no personal data)."""
        with self.sessions() as s:
            return snapshot(self._get(s, Agreement, agreement_id))

    def placements_of(self, who: Principal, jobseeker_id: int) -> list[dict[str, Any]]:
        """A worker's placements with their explanation and the conditions their agreement guarantees."""
        with self.sessions() as s:
            self._guarded(s, who, Jobseeker, jobseeker_id, may_read_jobseeker, entity="placements")
            audit(s, who, "read", "placements", jobseeker_id, True)
            out = []
            for p in s.scalars(select(Placement).where(Placement.jobseeker_id == jobseeker_id)
                               .order_by(Placement.id)):
                vac = s.get(Vacancy, p.vacancy_id)
                if who.role == "employer" and vac.employer_id != who.subject_id:
                    continue
                ag = s.get(Agreement, vac.agreement_id) if vac.agreement_id else None
                events = s.scalars(select(PlacementEvent).where(PlacementEvent.placement_id == p.id)
                                   .order_by(PlacementEvent.id))
                out.append({**snapshot(p), "vacancy": snapshot(vac),
                            "agreement": snapshot(ag) if ag else None,
                            "events": [snapshot(e) for e in events]})
            s.commit()
            return out

    def last_change(self) -> int:
        """The id of the latest change-log row (0 when empty): a version of the registry's content."""
        with self.sessions() as s:
            return s.scalar(select(func.max(ChangeLog.id))) or 0

    def audit_log(self, who: Principal) -> list[dict[str, Any]]:
        """The audit log (auditors only)."""
        with self.sessions() as s:
            if who.role != "auditor":
                raise deny(s, who, "read", "audit_log", None, "only auditors read the audit log")
            return [snapshot(a) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]

    def history(self, entity: str, entity_id: int) -> list[dict[str, Any]]:
        """Every logged change of one record, oldest first (holds no personal values); a bulk load
        appears as the ``bulk`` row whose id range holds the record."""
        with self.sessions() as s:
            bulk_from_here = (ChangeLog.action == "bulk") & (ChangeLog.entity_id <= entity_id)
            rows = s.scalars(select(ChangeLog).where(
                ChangeLog.entity == entity, (ChangeLog.entity_id == entity_id) | bulk_from_here)
                .order_by(ChangeLog.id))
            return [snapshot(r) for r in rows if r.action != "bulk" or r.changes["last_id"] >= entity_id]

    # -- a worker's rights -----------------------------------------------------------------------
    def export(self, who: Principal, jobseeker_id: int) -> dict[str, Any]:
        """Everything the exchange holds on a worker (the worker or an auditor): record, placements,
        the change history and who read their data."""
        record = self.jobseeker(who, jobseeker_id)
        if who.role not in ("worker", "auditor"):
            with self.sessions() as s:
                raise deny(s, who, "export", "jobseeker", jobseeker_id, "only the worker exports their data")
        with self.sessions() as s:
            reads = [snapshot(a) for a in s.scalars(select(AuditLog).where(
                AuditLog.entity.in_(("jobseeker", "placements")), AuditLog.entity_id == jobseeker_id)
                .order_by(AuditLog.id))]
        return {"jobseeker": record, "placements": self.placements_of(who, jobseeker_id),
                "history": self.history("jobseeker", jobseeker_id), "reads": reads}

    def erase(self, who: Principal, jobseeker_id: int) -> None:
        """Erase a worker's personal data (the worker themself); see the module docstring."""
        with self.sessions() as s:
            js = self._get(s, Jobseeker, jobseeker_id)
            if who.role != "worker" or who.subject_id != jobseeker_id:
                raise deny(s, who, "erase", "jobseeker", jobseeker_id, "only the worker erases their data")
            before = snapshot(js)
            js.personal, js.residence = None, None
            js.occupations, js.skills, js.languages = [], [], {}
            js.credentials, js.work_record, js.preferences = [], [], []
            js.consent, js.erased_at = False, now()
            for p in s.scalars(select(Placement).where(Placement.jobseeker_id == jobseeker_id)):
                p.shared_with_employer = False
            # issue 13: the fee ledger's evidence is personal (amounts stay: SDG 10.7.1 counts them)
            s.execute(update(LedgerEntry).where(LedgerEntry.jobseeker_id == jobseeker_id).values(evidence=None))
            self._log(s, who.label, js, "erase", before)
            s.commit()
