"""What a worker's own page shows (issue 13): their fee ledger with violations and what they are owed
(:meth:`corridor.exchange.ledger.Ledger.statement`, audited), the recruiters who acted in their placements
(flagged when unlicensed, suspended or revoked on the day of the act), and their social-security insurance periods
with the benefit estimate of :mod:`corridor.portability.calculator` under the agreement recorded with them.

The periods are read under the same rule as the ledger (the worker, their PES, the auditor); the read is
audited with the ledger's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from corridor.errors import InputError
from corridor.exchange.access import Principal, now
from corridor.exchange.ledger import Ledger
from corridor.exchange.models import Jobseeker, Placement
from corridor.exchange.models_recruitment import InsurancePeriod, Recruiter, RecruitmentAct
from corridor.exchange.registry import SYSTEM
from corridor.portability.agreements import load_agreements
from corridor.portability.calculator import calculate
from corridor.portability.formulas import load_schemes


def record_periods(ledger: Ledger, jobseeker_id: int, agreement: str, periods: dict[str, float],
                   actor: str = SYSTEM) -> list[int]:
    """Record a worker's insurance periods per scheme, to be estimated under ``agreement``."""
    if agreement not in load_agreements():
        raise InputError(f"unknown agreement {agreement!r}")
    reg = ledger.registry
    with reg.sessions() as s:
        reg._get(s, Jobseeker, jobseeker_id)
        ids = [reg._insert(s, actor, InsurancePeriod(jobseeker_id=jobseeker_id, scheme=scheme, periods=float(p),
                                                     agreement=agreement, recorded_at=now())).id
               for scheme, p in periods.items()]
        s.commit()
    return ids


def worker_view(ledger: Ledger, who: Principal, jobseeker_id: int) -> dict[str, Any]:
    """The statement (access checked and audited there) plus periods and the estimate."""
    statement = ledger.statement(who, jobseeker_id)
    with ledger.registry.sessions() as s:
        rows = s.scalars(select(InsurancePeriod).where(InsurancePeriod.jobseeker_id == jobseeker_id)
                         .order_by(InsurancePeriod.id)).all()
        acts = s.execute(select(RecruitmentAct, Recruiter.name)
                         .join(Recruiter, Recruiter.id == RecruitmentAct.recruiter_id)
                         .join(Placement, Placement.id == RecruitmentAct.placement_id)
                         .where(Placement.jobseeker_id == jobseeker_id)
                         .order_by(RecruitmentAct.on, RecruitmentAct.id)).all()
    recruiters = [{"recruiter": name, "act": a.act, "jurisdiction": a.jurisdiction, "on": a.on.isoformat(),
                   "flag": a.flag} for a, name in acts]
    periods = {r.scheme: r.periods for r in rows}
    estimate = None
    if rows:
        estimate = calculate(periods, load_agreements()[rows[-1].agreement], load_schemes())
    return {**statement, "recruiters": recruiters,
            "periods": [{"scheme": r.scheme, "periods": r.periods, "agreement": r.agreement}
                        for r in rows], "estimate": estimate}
