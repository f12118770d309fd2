"""The exchange registry's tables (SQLAlchemy 2 declarative models; migrations in ``migrations/``).

Entities of issue 12: public employment services, employers, bilateral labour agreements, vacancies,
jobseekers, placements with their life cycle, and two append-only logs (every change; every read of
personal data). Lists and small structures (languages with levels, credentials with their
recognition per destination, the work record) are JSON columns, portable between SQLite and
PostgreSQL.

Protection by construction:

* there is no column for immigration or residence *status* anywhere (``residence`` is the country a
  jobseeker lives in, used only for statistics and never shown to an employer);
* personal fields (name, contact, date of birth, free notes) exist only inside ``personal``, an
  encrypted token (:mod:`corridor.exchange.crypto`); the database never holds them in clear;
* ``change_log`` records what changed (personal fields as "changed", never their values) and is only
  appended to; ``audit_log`` records every read of personal data, allowed or refused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Placement life cycle, in order; ``broken_off`` may follow any state before ``completed``.
PLACEMENT_STATES: tuple[str, ...] = (
    "proposed", "offered", "accepted", "contracted", "departed", "arrived", "completed", "returned",
    "broken_off",
)
#: Allowed moves of the life cycle (state -> next states).
PLACEMENT_MOVES: dict[str, tuple[str, ...]] = {
    "proposed": ("offered", "broken_off"),
    "offered": ("accepted", "broken_off"),
    "accepted": ("contracted", "broken_off"),
    "contracted": ("departed", "broken_off"),
    "departed": ("arrived", "broken_off"),
    "arrived": ("completed", "broken_off"),
    "completed": ("returned",),
    "returned": (),
    "broken_off": (),
}


class Base(DeclarativeBase):
    """Declarative base of the exchange registry."""


class Pes(Base):
    """A public employment service (of one country)."""

    __tablename__ = "pes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)  # UN M49
    name: Mapped[str] = mapped_column(String(200))


class Employer(Base):
    """An employer in a destination country; ``contact`` (a person) is encrypted."""

    __tablename__ = "employer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3), index=True)
    sector: Mapped[str | None] = mapped_column(String(10))  # ISIC Rev.4 section
    contact: Mapped[str | None] = mapped_column(Text)  # encrypted token


class Agreement(Base):
    """A bilateral labour agreement between an origin and a destination country."""

    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    origin: Mapped[str] = mapped_column(String(3), index=True)
    destination: Mapped[str] = mapped_column(String(3), index=True)
    sectors: Mapped[list] = mapped_column(JSON, default=list)  # ISIC sections; empty = all
    occupations: Mapped[list] = mapped_column(JSON, default=list)  # ISCO-08 prefixes; empty = all
    quota: Mapped[int | None] = mapped_column(Integer)  # placements per period; None = no quota
    quota_period: Mapped[str | None] = mapped_column(String(10))  # e.g. "2026"
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)  # entry, stay, work, return
    employer_duties: Mapped[dict] = mapped_column(JSON, default=dict)  # hours, housing, medical care
    costs: Mapped[dict] = mapped_column(JSON, default=dict)  # cost item -> who pays
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class Vacancy(Base):
    """A vacancy (with ``openings`` places) posted by an employer under one agreement."""

    __tablename__ = "vacancy"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    esco_version: Mapped[str] = mapped_column(String(10))
    esco_uri: Mapped[str | None] = mapped_column(String(120))
    isco: Mapped[str] = mapped_column(String(4), index=True)
    destination: Mapped[str] = mapped_column(String(3), index=True)
    sector: Mapped[str | None] = mapped_column(String(10))
    wage: Mapped[float | None] = mapped_column(Float)  # per month
    currency: Mapped[str | None] = mapped_column(String(3))
    hours_per_week: Mapped[float | None] = mapped_column(Float)  # guaranteed
    housing: Mapped[bool] = mapped_column(Boolean, default=False)
    medical_care: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    return_provisions: Mapped[str | None] = mapped_column(Text)
    openings: Mapped[int] = mapped_column(Integer, default=1)
    languages: Mapped[dict] = mapped_column(JSON, default=dict)  # ISO 639 code -> CEFR level needed
    credentials: Mapped[list] = mapped_column(JSON, default=list)  # credential names required
    skills: Mapped[list] = mapped_column(JSON, default=list)  # ESCO skill URIs wanted
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Jobseeker(Base):
    """A jobseeker. Identity and contact live only in the encrypted ``personal`` token."""

    __tablename__ = "jobseeker"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pes_id: Mapped[int | None] = mapped_column(ForeignKey("pes.id"), index=True)
    origin: Mapped[str] = mapped_column(String(3), index=True)  # country of citizenship/origin
    residence: Mapped[str | None] = mapped_column(String(3))  # country lived in (never a status)
    esco_version: Mapped[str] = mapped_column(String(10))
    occupations: Mapped[list] = mapped_column(JSON, default=list)  # ESCO occupation URIs
    isco: Mapped[str] = mapped_column(String(4), index=True)  # main occupation, ISCO-08 unit group
    skills: Mapped[list] = mapped_column(JSON, default=list)  # ESCO skill URIs
    languages: Mapped[dict] = mapped_column(JSON, default=dict)  # ISO 639 -> CEFR level
    credentials: Mapped[list] = mapped_column(JSON, default=list)  # [{name, recognition: {dest: state}}]
    work_record: Mapped[list] = mapped_column(JSON, default=list)  # [{destination, isco, year, outcome}]
    preferences: Mapped[list] = mapped_column(JSON, default=list)  # destination areas, best first
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # to be matched
    personal: Mapped[str | None] = mapped_column(Text)  # encrypted token (name, contact, birth date)
    registered_at: Mapped[datetime] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class Placement(Base):
    """A proposed match and its life cycle; ``explanation`` holds the rules passed and score parts."""

    __tablename__ = "placement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobseeker_id: Mapped[int] = mapped_column(ForeignKey("jobseeker.id"), index=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    shared_with_employer: Mapped[bool] = mapped_column(Boolean, default=False)  # worker's consent
    reason: Mapped[str | None] = mapped_column(Text)  # why broken off
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PlacementEvent(Base):
    """One step of a placement's life cycle (appended, never changed)."""

    __tablename__ = "placement_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTime)


class ChangeLog(Base):
    """Every insert, update and erasure of a registry row (append-only)."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(10))  # insert / update / erase / bulk (an id range)
    changes: Mapped[dict] = mapped_column(JSON)


class AuditLog(Base):
    """Every read of personal data, and every refused attempt (append-only)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    role: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    allowed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
