"""Tables of fair recruitment (issue 13): recruiters, their licences and status history, certifications,
complaints, their part in placements, the append-only fee ledger and first-month earnings.

Same declarative :class:`~corridor.exchange.models.Base` as the exchange registry; created by the Alembic
revision ``0003_recruitment``. Rules the schema carries:

* a licence's *status history* is a list of :class:`LicenceEvent` rows (active, suspended, revoked,
  with the reason and the date it takes effect); the status on a date is the last event on or before it
  (:mod:`corridor.exchange.recruiters`);
* the ledger is **append-only**: a correction is a new :class:`LedgerEntry` whose ``corrects_id`` names
  the entry it replaces (a correction with ``void`` set withdraws it); nothing is ever updated or deleted
  (:mod:`corridor.exchange.ledger`);
* every amount carries its currency, and the US dollar rate used with the date and source of that rate
  (SDG 10.7.1 compares costs and earnings in one currency; the conversion is part of the record);
* ``evidence`` (receipts, who the worker paid, free notes) is personal: it is only ever an encrypted
  token (:mod:`corridor.exchange.crypto`).

No column holds an immigration or residence status (the registry's rule, ``test_registry.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corridor.exchange.models import Base

#: Licence states of a recruiter's licence (``LicenceEvent.status``).
LICENCE_STATES: tuple[str, ...] = ("active", "suspended", "revoked")


class Recruiter(Base):
    """A recruitment agency or an individual broker (``kind``), based in country ``country``."""

    __tablename__ = "recruiter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # agency / broker
    country: Mapped[str] = mapped_column(String(3), index=True)  # UN M49


class RecruiterLicence(Base):
    """A licence issued to a recruiter by ``issuer`` for ``jurisdiction`` (UN M49), valid from/to."""

    __tablename__ = "recruiter_licence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiter.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(3), index=True)
    number: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class LicenceEvent(Base):
    """One change of a licence's status, effective from ``effective`` (appended, never changed)."""

    __tablename__ = "licence_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("recruiter_licence.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    effective: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class RecruiterCertification(Base):
    """A voluntary certification (e.g. IOM IRIS) of a recruiter's systems, with its validity."""

    __tablename__ = "recruiter_certification"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiter.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(60))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class RecruiterComplaint(Base):
    """A complaint against a recruiter and its outcome (``outcome`` None while open)."""

    __tablename__ = "recruiter_complaint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiter.id"), index=True)
    filed: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(200))
    decided: Mapped[date | None] = mapped_column(Date)


class RecruitmentAct(Base):
    """A recruiter's part in a placement (``act``: advertised, selected, contracted, deployed, ...) on a
    date, in ``jurisdiction``; ``flag`` is set when the recruiter held no active licence there that day."""

    __tablename__ = "recruitment_act"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiter.id"), index=True)
    act: Mapped[str] = mapped_column(String(30))
    jurisdiction: Mapped[str] = mapped_column(String(3))
    on: Mapped[date] = mapped_column(Date)
    flag: Mapped[str | None] = mapped_column(String(30))  # None, "unlicensed", "suspended", "revoked"


class LedgerEntry(Base):
    """One charge in a worker's recruitment (append-only; see the module docstring)."""

    __tablename__ = "ledger_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobseeker_id: Mapped[int] = mapped_column(ForeignKey("jobseeker.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placement.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    recruiter_id: Mapped[int | None] = mapped_column(ForeignKey("recruiter.id"))
    category: Mapped[str] = mapped_column(String(30))  # ILO 2019 category id (fee_rules.yaml)
    side: Mapped[str] = mapped_column(String(11))  # origin / destination
    jurisdiction: Mapped[str] = mapped_column(String(3))  # where it was charged (UN M49)
    payer: Mapped[str] = mapped_column(String(10))  # worker / employer / recruiter / government
    payee: Mapped[str] = mapped_column(String(200))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    usd_rate: Mapped[float] = mapped_column(Float)  # US dollars per unit of ``currency``
    rate_date: Mapped[date] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(120))
    on: Mapped[date] = mapped_column(Date)  # when it was charged
    evidence: Mapped[str | None] = mapped_column(Text)  # encrypted token
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), index=True)
    void: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class FirstEarnings(Base):
    """Earnings of a worker's first month in the first job at the destination (SDG 10.7.1 denominator)."""

    __tablename__ = "first_earnings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobseeker_id: Mapped[int] = mapped_column(ForeignKey("jobseeker.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placement.id"))
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    usd_rate: Mapped[float] = mapped_column(Float)
    rate_date: Mapped[date] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class InsurancePeriod(Base):
    """Social-security insurance periods a worker holds under a scheme (``corridor.portability``), with the
    agreement their estimate is computed under; shown on the worker's own page only."""

    __tablename__ = "insurance_period"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jobseeker_id: Mapped[int] = mapped_column(ForeignKey("jobseeker.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(40))
    periods: Mapped[float] = mapped_column(Float)
    agreement: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
