"""Step (b) of matching: the score of an eligible pair, in named parts.

Each part is in [0, 1], or ``None`` when it cannot be known (then it is left out and the weights of the
known parts are renormalised):

``occupation``   closeness on the ISCO-08 hierarchy (:func:`~corridor.reference.occupations.isco_closeness`:
                 shared levels / 4), raised to 1 when the worker holds the vacancy's exact ESCO URI;
``skills``       share of the skills the vacancy wants (its own list, else ESCO's essential skills of its
                 occupation) that the worker has;
``languages``    0.5 at the level asked, +0.25 per CEFR level above it, capped at 1, averaged;
``work_record``  a proven record, as the report asks: completed / (completed + broken off + 1) over past
                 placements (0 with none, 0.5 with one completed, 0.67 with two);
``preference``   the worker's own ranking of destinations: 1 for the first, falling linearly;
``conditions``   what the vacancy guarantees: housing, medical care, guaranteed hours (share present).

The *employer score* (how a vacancy ranks workers) is the weighted mean of occupation 0.4, skills 0.3,
languages 0.15, work record 0.15; the *worker score* (how a worker ranks vacancies) of preference 0.5,
conditions 0.3, occupation 0.2. ``total`` is their mean (maximised by the min-cost-flow option).
"""

from __future__ import annotations

from collections.abc import Callable

from corridor.exchange.market import CEFR, VacancySpec, WorkerSpec
from corridor.reference.occupations import isco_closeness

EMPLOYER_WEIGHTS: dict[str, float] = {"occupation": 0.4, "skills": 0.3, "languages": 0.15, "work_record": 0.15}
WORKER_WEIGHTS: dict[str, float] = {"preference": 0.5, "conditions": 0.3, "occupation": 0.2}


def _weighted(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    known = {k: w for k, w in weights.items() if parts.get(k) is not None}
    total = sum(known.values())
    return sum(parts[k] * w for k, w in known.items()) / total if total else 0.0


def parts(w: WorkerSpec, v: VacancySpec,
          essential_skills: Callable[[str], frozenset[str]] | None = None) -> dict[str, float | None]:
    """The score parts of one pair (see the module docstring)."""
    occupation = 1.0 if v.esco_uri and v.esco_uri in w.occupations else isco_closeness(w.isco, v.isco)
    wanted = v.skills or (essential_skills(v.esco_uri) if essential_skills and v.esco_uri else frozenset())
    skills = len(wanted & w.skills) / len(wanted) if wanted else None
    languages = None
    if v.languages:
        gains = [min(1.0, 0.5 + 0.25 * (CEFR.index(w.languages[lang]) - CEFR.index(need)))
                 for lang, need in v.languages.items() if w.languages.get(lang) in CEFR and need in CEFR]
        languages = sum(gains) / len(gains) if gains else None
    completed = sum(1 for r in w.work_record if r.get("outcome") == "completed")
    broken = sum(1 for r in w.work_record if r.get("outcome") == "broken_off")
    record = completed / (completed + broken + 1)
    preference = None
    if w.preferences and v.destination in w.preferences:
        preference = 1.0 - w.preferences.index(v.destination) / len(w.preferences)
    conditions = (int(v.housing) + int(v.medical_care) + int(v.hours_per_week is not None)) / 3.0
    return {"occupation": occupation, "skills": skills, "languages": languages, "work_record": record,
            "preference": preference, "conditions": conditions}


def score(w: WorkerSpec, v: VacancySpec,
          essential_skills: Callable[[str], frozenset[str]] | None = None) -> dict[str, float | None]:
    """Parts plus ``employer``, ``worker`` and ``total`` scores, rounded to 6 decimals."""
    p = parts(w, v, essential_skills)
    employer = _weighted(p, EMPLOYER_WEIGHTS)
    worker = _weighted(p, WORKER_WEIGHTS)
    out = {k: (None if x is None else round(x, 6)) for k, x in p.items()}
    out.update(employer=round(employer, 6), worker=round(worker, 6), total=round((employer + worker) / 2, 6))
    return out
