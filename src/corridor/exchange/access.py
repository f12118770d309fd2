"""Who may read or change what in the exchange, and the audit of every personal-data read.

Roles (issue 12, "protection of the people in it"):

=========  ==============================================================================
worker     their own jobseeker record, their own placements, the vacancies they are matched to
employer   their own employer record and vacancies; a candidate's profile only after the worker
           consented to share it with them (``Placement.shared_with_employer``)
pes        a public employment service: jobseekers it registered or whose origin is its country;
           vacancies and employers in its country or under an agreement with its country
auditor    reads everything (each read audited), changes nothing
public     aggregates only: no record at all
=========  ==============================================================================

Every read of a record holding personal data (jobseeker, employer contact) is written to
``audit_log``; so is every refused attempt, of any role on any record. A refusal raises
:class:`AccessDenied` after the audit row is committed, so an attacker's failed tries stay on record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.errors import CorridorError
from corridor.exchange.models import Agreement, AuditLog, Employer, Jobseeker, Pes, Placement, Vacancy

ROLES: tuple[str, ...] = ("worker", "employer", "pes", "auditor", "public")


class AccessDenied(CorridorError):
    """The role may not do this; the attempt has been audited."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a role and, for worker/employer/pes, the id of their own record."""

    role: str
    subject_id: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise CorridorError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        if self.role in ("worker", "employer", "pes") and self.subject_id is None:
            raise CorridorError(f"a {self.role} principal needs the id of its own record")

    @property
    def label(self) -> str:
        return self.role if self.subject_id is None else f"{self.role}:{self.subject_id}"


def now() -> datetime:
    """The registry's clock (UTC, naive for portability between SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def audit(session: Session, who: Principal, action: str, entity: str, entity_id: int | None,
          allowed: bool, reason: str | None = None) -> None:
    """Append one audit row (the caller commits)."""
    session.add(AuditLog(at=now(), role=who.role, actor_id=who.subject_id, action=action, entity=entity,
                         entity_id=entity_id, allowed=allowed, reason=reason))


def deny(session: Session, who: Principal, action: str, entity: str, entity_id: int | None,
         reason: str) -> AccessDenied:
    """Audit a refused attempt, commit that row alone, and return the error to raise."""
    session.rollback()
    audit(session, who, action, entity, entity_id, False, reason)
    session.commit()
    return AccessDenied(f"{who.label} may not {action} {entity} {entity_id}: {reason}")


def _pes_country(session: Session, pes_id: int) -> str | None:
    pes = session.get(Pes, pes_id)
    return pes.country if pes else None


def may_read_jobseeker(session: Session, who: Principal, js: Jobseeker) -> str | None:
    """None if ``who`` may read this jobseeker's record, else the reason not."""
    if who.role == "auditor":
        return None
    if who.role == "worker":
        return None if js.id == who.subject_id else "a worker reads only their own record"
    if who.role == "employer":
        shared = session.scalar(
            select(Placement.id).join(Vacancy, Vacancy.id == Placement.vacancy_id)
            .where(Placement.jobseeker_id == js.id, Vacancy.employer_id == who.subject_id,
                   Placement.shared_with_employer.is_(True)).limit(1))
        return None if shared is not None else "the worker has not shared their profile with this employer"
    if who.role == "pes":
        if js.pes_id == who.subject_id or js.origin == _pes_country(session, who.subject_id):
            return None
        return "a public employment service reads only jobseekers of its own country"
    return "the public sees aggregates only"


def may_read_vacancy(session: Session, who: Principal, vac: Vacancy) -> str | None:
    """None if ``who`` may read this vacancy, else the reason not."""
    if who.role == "auditor":
        return None
    if who.role == "employer":
        return None if vac.employer_id == who.subject_id else "an employer reads only its own vacancies"
    if who.role == "worker":
        matched = session.scalar(select(Placement.id).where(
            Placement.vacancy_id == vac.id, Placement.jobseeker_id == who.subject_id).limit(1))
        return None if matched is not None else "a worker sees only the vacancies they are matched to"
    if who.role == "pes":
        country = _pes_country(session, who.subject_id)
        agreement = session.get(Agreement, vac.agreement_id) if vac.agreement_id else None
        if country in (vac.destination, agreement.origin if agreement else None):
            return None
        return "a public employment service reads only vacancies of, or open to, its own country"
    return "the public sees aggregates only"


def may_read_employer(session: Session, who: Principal, emp: Employer) -> str | None:
    """None if ``who`` may read this employer's record (with its contact person), else the reason not."""
    if who.role == "auditor":
        return None
    if who.role == "employer":
        return None if emp.id == who.subject_id else "an employer reads only its own record"
    if who.role == "pes":
        return None if emp.country == _pes_country(session, who.subject_id) else \
            "a public employment service reads only employers of its own country"
    return "employers' contact persons are shown to the employer, its country's PES and auditors only"


def may_write(who: Principal, entity: str, owner_ok: bool) -> str | None:
    """None if ``who`` may change a record of ``entity`` (``owner_ok``: it is theirs), else why not."""
    if who.role in ("auditor", "public"):
        return f"the {who.role} role changes nothing"
    return None if owner_ok else f"a {who.role} changes only its own {entity} records"
