"""A small, hand-made exchange world for the registry and protection tests.

Philippines (M49 608) -> Germany (276) under one agreement for nurses (ISCO 2221, 3221; quota 3);
India (356) has a PES but no agreement. The names and contacts are invented for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from corridor.exchange.registry import Registry

NURSE = "2221"
NURSE_URI = "http://data.europa.eu/esco/occupation/0cd9dd1a-8a7d-4c5f-aa07-b6f2a8e3b2a1"  # made up for tests


@dataclass
class World:
    pes_ph: int
    pes_in: int
    pes_de: int
    employer_a: int
    employer_b: int
    agreement: int
    vacancy_a: int
    vacancy_b: int
    maria: int
    ravi: int


def build(reg: Registry) -> World:
    pes_ph = reg.add_pes("608", "Department of Migrant Workers (test)")
    pes_in = reg.add_pes("356", "National Career Service (test)")
    pes_de = reg.add_pes("276", "Bundesagentur fuer Arbeit (test)")
    emp_a = reg.add_employer("Klinikum A", "276", "Q", contact={"name": "Heike Contactperson",
                                                                "email": "heike@klinikum-a.test"})
    emp_b = reg.add_employer("Pflegeheim B", "276", "Q", contact={"name": "Jonas Otherperson"})
    ag = reg.add_agreement(
        title="Triple-Win style agreement PH-DE (test)", origin="608", destination="276",
        sectors=["Q"], occupations=["2221", "3221"], quota=3, quota_period="2026",
        conditions={"entry": "work visa within 3 months", "stay": "tied to the contract, renewable",
                    "work": "collective agreement wages", "return": "return ticket paid by employer"},
        employer_duties={"hours": 38.5, "housing": "first 6 months", "medical_care": "statutory insurance"},
        costs={"recruitment": "employer", "travel": "employer", "language course": "destination"},
        valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31))
    vac_a = reg.add_vacancy(employer_id=emp_a, agreement_id=ag, esco_version="1.1.1", esco_uri=NURSE_URI,
                            isco=NURSE, destination="276", sector="Q", wage=3200, currency="EUR",
                            hours_per_week=38.5, housing=True, medical_care=True, duration_months=24,
                            return_provisions="return ticket", openings=2, languages={"de": "B1"},
                            credentials=["nursing diploma"], valid_from=date(2026, 1, 1))
    vac_b = reg.add_vacancy(employer_id=emp_b, agreement_id=ag, esco_version="1.1.1", isco="3221",
                            destination="276", sector="Q", openings=1, languages={"de": "A2"},
                            valid_from=date(2026, 1, 1))
    maria = reg.add_jobseeker(
        personal={"name": "Maria Testcase Santos", "email": "maria.santos@example.test",
                  "phone": "+63 900 000 0000", "birth_date": "1994-05-02"},
        pes_id=pes_ph, origin="608", residence="608", esco_version="1.1.1", occupations=[NURSE_URI],
        isco=NURSE, languages={"en": "C1", "de": "B1"},
        credentials=[{"name": "nursing diploma", "recognition": {"276": "recognisable"}}],
        work_record=[{"destination": "682", "isco": NURSE, "year": 2019, "outcome": "completed"}],
        preferences=["276"], consent=True)
    ravi = reg.add_jobseeker(personal={"name": "Ravi Exampleperson"}, pes_id=pes_in, origin="356",
                             residence="356", esco_version="1.1.1", isco="3221", languages={"en": "B2"},
                             preferences=["276"], consent=True)
    return World(pes_ph, pes_in, pes_de, emp_a, emp_b, ag, vac_a, vac_b, maria, ravi)
