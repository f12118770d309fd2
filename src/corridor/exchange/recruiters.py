"""The recruiter registry: agencies and brokers, licences per jurisdiction with their status history,
certifications, complaints, and every placement a recruiter took part in.

The UN report asks for "a licensing system for international labour brokers and recruitment agencies"
(issue 13). A licence's status on a date is the last :class:`LicenceEvent` effective on or before it,
within the licence's validity. A recruitment act (:meth:`Recruiters.record_act`) is flagged on the
placement when, *on the date of the act*, the recruiter held no active licence in the jurisdiction of
the act: ``unlicensed`` (no licence valid that day, including an expired one), or the status of its
licence that day (``suspended``, ``revoked``). A voluntary certification (IOM IRIS) is recorded with its
validity but never stands in for a licence: IRIS certifies a recruiter's systems, not what a worker paid.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from corridor.errors import InputError
from corridor.exchange.access import now
from corridor.exchange.models import Placement
from corridor.exchange.models_recruitment import (
    LICENCE_STATES,
    LicenceEvent,
    Recruiter,
    RecruiterCertification,
    RecruiterComplaint,
    RecruiterLicence,
    RecruitmentAct,
)
from corridor.exchange.registry import SYSTEM, Registry, snapshot

KINDS = ("agency", "broker")


class Recruiters:
    """Recruiter records on a :class:`~corridor.exchange.registry.Registry` (every write change-logged)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _add(self, obj: Any, actor: str) -> int:
        with self.registry.sessions() as s:
            self.registry._insert(s, actor, obj)
            s.commit()
            return obj.id

    def add_recruiter(self, name: str, kind: str, country: str, actor: str = SYSTEM) -> int:
        if kind not in KINDS:
            raise InputError(f"recruiter kind {kind!r}: one of {KINDS}", column="kind")
        return self._add(Recruiter(name=name, kind=kind, country=country), actor)

    def add_licence(self, recruiter_id: int, jurisdiction: str, number: str, issuer: str, valid_from: date,
                    valid_to: date | None = None, actor: str = SYSTEM) -> int:
        """A licence, active from ``valid_from`` (its first status event)."""
        with self.registry.sessions() as s:
            self.registry._get(s, Recruiter, recruiter_id)
            lic = RecruiterLicence(recruiter_id=recruiter_id, jurisdiction=jurisdiction, number=number,
                                   issuer=issuer, valid_from=valid_from, valid_to=valid_to)
            self.registry._insert(s, actor, lic)
            self.registry._insert(s, actor, LicenceEvent(licence_id=lic.id, status="active", reason="issued",
                                                         effective=valid_from, recorded_at=now()))
            s.commit()
            return lic.id

    def set_status(self, licence_id: int, status: str, effective: date, reason: str, actor: str = SYSTEM) -> int:
        """Append a status change (active, suspended, revoked) with its reason; history is never rewritten."""
        if status not in LICENCE_STATES:
            raise InputError(f"licence status {status!r}: one of {LICENCE_STATES}", column="status")
        if not reason:
            raise InputError("a licence status change needs its reason", column="reason")
        with self.registry.sessions() as s:
            self.registry._get(s, RecruiterLicence, licence_id)
            ev = self.registry._insert(s, actor, LicenceEvent(licence_id=licence_id, status=status, reason=reason,
                                                              effective=effective, recorded_at=now()))
            s.commit()
            return ev.id

    def add_certification(self, recruiter_id: int, scheme: str, valid_from: date, valid_to: date | None = None,
                          actor: str = SYSTEM) -> int:
        return self._add(RecruiterCertification(recruiter_id=recruiter_id, scheme=scheme, valid_from=valid_from,
                                                valid_to=valid_to), actor)

    def add_complaint(self, recruiter_id: int, filed: date, subject: str, outcome: str | None = None,
                      decided: date | None = None, actor: str = SYSTEM) -> int:
        return self._add(RecruiterComplaint(recruiter_id=recruiter_id, filed=filed, subject=subject,
                                            outcome=outcome, decided=decided), actor)

    def status_on(self, recruiter_id: int, jurisdiction: str, on: date) -> str:
        """``active``, ``suspended``, ``revoked`` or ``unlicensed`` in ``jurisdiction`` on ``on`` (docstring)."""
        with self.registry.sessions() as s:
            licences = s.scalars(select(RecruiterLicence).where(
                RecruiterLicence.recruiter_id == recruiter_id, RecruiterLicence.jurisdiction == jurisdiction,
                RecruiterLicence.valid_from <= on)).all()
            states = []
            for lic in licences:
                if lic.valid_to is not None and on > lic.valid_to:
                    continue
                last = s.scalars(select(LicenceEvent).where(
                    LicenceEvent.licence_id == lic.id, LicenceEvent.effective <= on)
                    .order_by(LicenceEvent.effective.desc(), LicenceEvent.id.desc()).limit(1)).first()
                states.append(last.status if last else "unlicensed")
        if "active" in states:
            return "active"
        for state in ("suspended", "revoked"):
            if state in states:
                return state
        return "unlicensed"

    def record_act(self, placement_id: int, recruiter_id: int, act: str, jurisdiction: str, on: date,
                   actor: str = SYSTEM) -> dict[str, Any]:
        """Record a recruiter's act on a placement, flagged when it held no active licence that day."""
        status = self.status_on(recruiter_id, jurisdiction, on)
        flag = None if status == "active" else status
        with self.registry.sessions() as s:
            self.registry._get(s, Placement, placement_id)
            self.registry._get(s, Recruiter, recruiter_id)
            row = self.registry._insert(s, actor, RecruitmentAct(
                placement_id=placement_id, recruiter_id=recruiter_id, act=act, jurisdiction=jurisdiction, on=on,
                flag=flag))
            s.commit()
            return snapshot(row)

    def acts_of(self, placement_id: int) -> list[dict[str, Any]]:
        """The recruiters' acts on a placement, with their flags (no personal data)."""
        with self.registry.sessions() as s:
            return [snapshot(a) for a in s.scalars(select(RecruitmentAct).where(
                RecruitmentAct.placement_id == placement_id).order_by(RecruitmentAct.on, RecruitmentAct.id))]

    def profile(self, recruiter_id: int) -> dict[str, Any]:
        """A recruiter with its licences (and status history), certifications, complaints and placements."""
        with self.registry.sessions() as s:
            rec = self.registry._get(s, Recruiter, recruiter_id)
            licences = []
            for lic in s.scalars(select(RecruiterLicence).where(RecruiterLicence.recruiter_id == recruiter_id)):
                events = s.scalars(select(LicenceEvent).where(LicenceEvent.licence_id == lic.id)
                                   .order_by(LicenceEvent.effective, LicenceEvent.id))
                licences.append({**snapshot(lic), "history": [snapshot(e) for e in events]})
            return {**snapshot(rec), "licences": licences,
                    "certifications": [snapshot(c) for c in s.scalars(select(RecruiterCertification).where(
                        RecruiterCertification.recruiter_id == recruiter_id))],
                    "complaints": [snapshot(c) for c in s.scalars(select(RecruiterComplaint).where(
                        RecruiterComplaint.recruiter_id == recruiter_id))],
                    "placements": sorted({a.placement_id for a in s.scalars(select(RecruitmentAct).where(
                        RecruitmentAct.recruiter_id == recruiter_id))})}
