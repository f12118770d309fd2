"""Synthetic exchange data from real structure, for scale tests, benchmarks and demos -- SYNTHETIC.

Nothing here describes real people, employers or agreements; every generated record says so
(``SYNTHETIC`` in names and notes) and statistics from it are published with the synthetic label.
The *structure* is real:

* corridors are the largest origin -> destination pairs of UN DESA's International Migrant Stock
  (series ``undesa-ims``, latest vintage, latest year) read from the warehouse; origins and
  destinations are drawn in proportion to those stocks;
* one agreement per corridor, covering 3 to 6 ISCO-08 sub-major groups of ESCO occupations;
* occupations are ESCO v1.1.1 occupations (URI and ISCO-08 unit group), and a worker's skills are
  drawn from ESCO's essential and optional skills of their occupation.

:func:`generate` returns plain records (``agreements``, ``vacancies``, ``jobseekers`` as dicts in
the bulk-load format of :mod:`corridor.exchange.bulk`), reproducible from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from corridor.exchange.models import Placement
from corridor.exchange.registry import Registry
from corridor.reference.areas import area_table
from corridor.reference.occupations import Occupations
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

LABEL = "SYNTHETIC"
LEVELS = ("A2", "B1", "B2", "C1")


@dataclass
class SyntheticWorld:
    agreements: list[dict]
    employers: list[dict]
    vacancies: list[dict]
    jobseekers: list[dict]
    corridors: pd.DataFrame


def corridors_from_stocks(wh: Warehouse, top: int = 40) -> pd.DataFrame:
    """The ``top`` largest country-to-country migrant stocks (UN DESA, latest year): origin,
    destination, stock and weight (share of the total over them)."""
    frame = wh.select(Selection.of("MIG_STOCK", series="undesa-ims", sex="_T", include_missing=False))
    countries = set(area_table().query("kind == 'country'")["m49"].astype(str))
    frame = frame[frame["ref_area"].isin(countries) & frame["counterpart_area"].isin(countries)
                  & (frame["ref_area"] != frame["counterpart_area"])]
    latest = frame["time_period"].max()
    frame = frame[frame["time_period"] == latest]
    best = (frame.groupby(["counterpart_area", "ref_area"], as_index=False)["value"].max()
            .nlargest(top, "value").reset_index(drop=True))
    best = best.rename(columns={"counterpart_area": "origin", "ref_area": "destination", "value": "stock"})
    best["weight"] = best["stock"] / best["stock"].sum()
    best["year"] = latest
    return best


def generate(corridors: pd.DataFrame, esco: Occupations, *, n_jobseekers: int, n_vacancies: int,
             seed: int = 0, start: date = date(2026, 1, 1)) -> SyntheticWorld:
    """A synthetic world on real corridors and ESCO occupations (module docstring)."""
    rng = np.random.default_rng(seed)
    occ = pd.DataFrame([(o.uri, o.isco) for o in esco.by_uri.values()], columns=["uri", "isco"])
    occ = occ[occ["isco"].str[0].isin(list("23456789"))].sort_values("uri", ignore_index=True)
    occ["sub"] = occ["isco"].str[:2]
    subs = sorted(occ["sub"].unique())
    by_sub = {s: occ.index[occ["sub"] == s].to_numpy() for s in subs}
    agreements, covered = [], []
    for i, row in corridors.iterrows():
        groups = sorted(rng.choice(subs, size=int(rng.integers(3, 7)), replace=False).tolist())
        covered.append(groups)
        agreements.append({
            "id": i + 1, "title": f"{LABEL} agreement {row.origin}->{row.destination}", "origin": row.origin,
            "destination": row.destination, "occupations": groups, "sectors": [],
            "quota": int(max(5, row.weight * n_vacancies * 2.5)), "quota_period": str(start.year),
            "conditions": {"note": f"{LABEL}: conditions of entry, stay, work and return not real"},
            "employer_duties": {"housing": True, "medical_care": True}, "costs": {"travel": "employer"},
            "valid_from": date(start.year, 1, 1), "valid_to": date(start.year + 2, 12, 31)})
    weights = corridors["weight"].to_numpy()
    dests = sorted(corridors["destination"].unique())
    employers = [{"id": k + 1, "name": f"{LABEL} employer {k + 1}", "country": d, "sector": None}
                 for k, d in enumerate(dests)]
    employer_of = {d: k + 1 for k, d in enumerate(dests)}
    skills_of = {u: sorted(e | o) for u, (e, o) in esco.relations.items()}

    ag_of_vac = rng.choice(len(agreements), size=n_vacancies, p=weights)
    vacancies = []
    t0 = datetime(start.year, start.month, start.day)
    for k, a in enumerate(ag_of_vac):
        ag = agreements[a]
        pick = occ.loc[rng.choice(by_sub[rng.choice(covered[a])])]
        vacancies.append({
            "id": k + 1, "employer_id": employer_of[ag["destination"]], "agreement_id": ag["id"],
            "esco_version": esco.version, "esco_uri": pick.uri, "isco": pick.isco,
            "destination": ag["destination"], "openings": int(rng.integers(1, 6)),
            "languages": {"en": LEVELS[int(rng.integers(0, 3))]} if rng.random() < 0.6 else {},
            "credentials": ["vocational certificate"] if rng.random() < 0.3 else [],
            "housing": bool(rng.random() < 0.5), "medical_care": bool(rng.random() < 0.7),
            "hours_per_week": 40.0 if rng.random() < 0.8 else None, "wage": float(rng.integers(1500, 4000)),
            "currency": "USD", "valid_from": start, "created_at": t0 + timedelta(days=int(rng.integers(0, 180)))})

    origins = sorted(corridors["origin"].unique())
    origin_w = corridors.groupby("origin")["weight"].sum().reindex(origins).to_numpy()
    ags_of_origin = {o: [i for i, ag in enumerate(agreements) if ag["origin"] == o] for o in origins}
    org = rng.choice(len(origins), size=n_jobseekers, p=origin_w / origin_w.sum())
    u = rng.random((n_jobseekers, 6))
    jobseekers = []
    for k in range(n_jobseekers):
        origin = origins[org[k]]
        mine = ags_of_origin[origin]
        a = mine[int(u[k, 0] * len(mine))]
        sub = covered[a][int(u[k, 1] * len(covered[a]))] if u[k, 2] < 0.8 else subs[int(u[k, 1] * len(subs))]
        pick = occ.loc[by_sub[sub][int(u[k, 3] * len(by_sub[sub]))]]
        pool = skills_of.get(pick.uri, [])
        skills = [pool[j] for j in rng.choice(len(pool), size=min(len(pool), 8), replace=False)] if pool else []
        prefs = sorted({agreements[i]["destination"] for i in mine})
        record = []
        if u[k, 4] < 0.3:
            record = [{"destination": prefs[0], "isco": pick.isco, "year": start.year - 2,
                       "outcome": "completed" if u[k, 5] < 0.8 else "broken_off"}]
        jobseekers.append({
            "id": k + 1, "origin": origin, "residence": origin, "esco_version": esco.version,
            "occupations": [pick.uri], "isco": pick.isco, "skills": skills,
            "languages": {"en": LEVELS[int(u[k, 5] * 4)]},
            "credentials": [{"name": "vocational certificate",
                             "recognition": {d: "recognisable" for d in prefs}}] if u[k, 2] < 0.5 else [],
            "work_record": record, "preferences": list(rng.permutation(prefs)[:3]), "consent": True,
            "registered_at": t0 + timedelta(days=int(u[k, 1] * 180)),
            "personal": {"name": f"{LABEL} person {k + 1}"}})
    return SyntheticWorld(agreements, employers, vacancies, jobseekers, corridors)


def simulate_outcomes(registry: Registry, seed: int = 0, completion: tuple[float, float] = (-1.0, 4.0)) -> int:
    """SYNTHETIC life cycles for every proposed placement: each goes to ``arrived`` and then completes
    with probability 1 / (1 + exp(-(a + b score))) (``completion`` = (a, b)), else breaks off with the
    reason "SYNTHETIC outcome". Returns how many placements were moved."""
    rng = np.random.default_rng(seed)
    with registry.sessions() as s:
        rows = s.execute(select(Placement.id, Placement.score).where(Placement.status == "proposed")
                         .order_by(Placement.id)).all()
    a, b = completion
    for pid, score in rows:
        for state in ("offered", "accepted", "contracted", "departed", "arrived"):
            registry.move_placement(LABEL.lower(), pid, state)
        if rng.random() < 1 / (1 + np.exp(-(a + b * (score or 0.0)))):
            registry.move_placement(LABEL.lower(), pid, "completed")
        else:
            registry.move_placement(LABEL.lower(), pid, "broken_off", reason=f"{LABEL} outcome")
    return len(rows)
