"""The market a matching run sees: workers, vacancies and agreements as plain records.

:func:`load_market` reads them from the registry (only the fields matching needs; never the sealed
personal token) and works out what is still open on the run date: a vacancy's remaining openings
(openings minus its placements that are not broken off: proposed and offered ones reserve their place),
each agreement's remaining quota in its period (counted the same way), and which workers are free (not
erased, not in a proposed, offered or active placement).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from corridor.exchange.models import Agreement, Jobseeker, Placement, Vacancy
from corridor.exchange.registry import Registry

#: Placement states that hold an opening and count against a quota.
ACTIVE_STATES = frozenset({"accepted", "contracted", "departed", "arrived", "completed"})
#: CEFR language levels, lowest first.
CEFR: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")


@dataclass(frozen=True)
class AgreementSpec:
    id: int
    origin: str
    destination: str
    occupations: tuple[str, ...] = ()  # ISCO prefixes; empty = all
    sectors: tuple[str, ...] = ()  # ISIC sections; empty = all
    quota_left: int | None = None  # None = no quota
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class VacancySpec:
    id: int
    destination: str
    isco: str
    openings: int
    agreement_id: int | None = None
    esco_uri: str | None = None
    sector: str | None = None
    languages: dict[str, str] = field(default_factory=dict)
    credentials: tuple[str, ...] = ()
    skills: frozenset[str] = frozenset()
    housing: bool = False
    medical_care: bool = False
    hours_per_week: float | None = None


@dataclass(frozen=True)
class WorkerSpec:
    id: int
    origin: str
    isco: str
    consent: bool = True
    occupations: tuple[str, ...] = ()  # ESCO URIs
    skills: frozenset[str] = frozenset()
    languages: dict[str, str] = field(default_factory=dict)
    credentials: tuple[dict, ...] = ()  # {name, recognition: {destination: state}}
    work_record: tuple[dict, ...] = ()
    preferences: tuple[str, ...] = ()  # destinations, best first


@dataclass
class Market:
    workers: list[WorkerSpec]
    vacancies: list[VacancySpec]
    agreements: dict[int, AgreementSpec]
    on: date

    @property
    def openings(self) -> int:
        return sum(v.openings for v in self.vacancies)


def _period_of(ag: Agreement, on: date) -> str:
    return ag.quota_period or str(on.year)


def load_market(registry: Registry, on: date) -> Market:
    """The open market on date ``on`` (see the module docstring)."""
    with registry.sessions() as s:
        used_vac: Counter[int] = Counter()
        used_ag: Counter[tuple[int, str]] = Counter()
        busy: set[int] = set()
        rows = s.execute(select(Placement.jobseeker_id, Placement.vacancy_id, Placement.status,
                                Placement.proposed_at, Vacancy.agreement_id)
                         .join(Vacancy, Vacancy.id == Placement.vacancy_id))
        for js_id, vac_id, status, proposed_at, ag_id in rows:
            if status in ACTIVE_STATES or status in ("proposed", "offered"):
                busy.add(js_id)
            if status != "broken_off":  # pending, active and past placements hold their place
                used_vac[vac_id] += 1
                if ag_id is not None:
                    used_ag[(ag_id, str(proposed_at.year))] += 1
        agreements = {}
        for ag in s.scalars(select(Agreement)):
            left = None if ag.quota is None else max(0, ag.quota - used_ag[(ag.id, _period_of(ag, on))])
            agreements[ag.id] = AgreementSpec(ag.id, ag.origin, ag.destination, tuple(ag.occupations),
                                              tuple(ag.sectors), left, ag.valid_from, ag.valid_to)
        vacancies = []
        for v in s.scalars(select(Vacancy).where(Vacancy.valid_from <= on).order_by(Vacancy.id)):
            if v.valid_to is not None and v.valid_to < on:
                continue
            left = v.openings - used_vac[v.id]
            if left > 0:
                vacancies.append(VacancySpec(
                    v.id, v.destination, v.isco, left, v.agreement_id, v.esco_uri, v.sector, dict(v.languages),
                    tuple(v.credentials), frozenset(v.skills), v.housing, v.medical_care, v.hours_per_week))
        workers = [
            WorkerSpec(j.id, j.origin, j.isco, j.consent, tuple(j.occupations), frozenset(j.skills),
                       dict(j.languages), tuple(j.credentials), tuple(j.work_record), tuple(j.preferences))
            for j in s.scalars(select(Jobseeker).where(Jobseeker.erased_at.is_(None)).order_by(Jobseeker.id))
            if j.id not in busy
        ]
    return Market(workers, vacancies, agreements, on)
