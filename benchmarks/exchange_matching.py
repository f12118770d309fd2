"""Matching benchmark (issue 12): deferred acceptance on 1 million jobseekers and 100,000 vacancies.

Limits: 1,000,000 jobseekers and 100,000 vacancies (300,000 openings) matched with deferred
acceptance in under 5 minutes on 2 cores, peak memory under 4 GB. Peer: the naive baseline of
scoring every worker-vacancy pair.

Two measurements, printed side by side:

1. **The full pipeline** (:func:`corridor.exchange.matching.match`: blocking, every eligibility rule
   per candidate pair, scoring, deferred acceptance, explanations) on SYNTHETIC markets of
   ``--pipeline-sizes`` jobseekers (vacancies = jobseekers / 10) built on the real structure (UN DESA
   corridors from the warehouse, ESCO v1.1.1 occupations); time and peak memory (``ru_maxrss``) each in
   a fresh process.
2. **The assignment step at full size**: :func:`corridor.exchange.assign.deferred_acceptance` on a pair
   table of ``--workers`` workers x ``--vacancies`` vacancies (3 openings each on average, 40
   agreements with quotas), each worker listing ``--list`` vacancies of their block (the size blocking
   leaves), random keys; checked afterwards for capacity and quota (not for stability: the
   independent checker is quadratic in list length and is run by the tests).

The naive baseline's time is the measured cost of scoring one pair (over a sample of random pairs)
times workers x vacancies: it is extrapolated, not run (10^11 pairs), and said so.

    PYTHONPATH=src python benchmarks/exchange_matching.py [--workers 1000000] [--vacancies 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date

import numpy as np


def _assignment_only(n_workers: int, n_vacancies: int, list_len: int, seed: int) -> dict:
    from corridor.exchange.assign import PairTable, deferred_acceptance

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    n_groups = 40
    capacity = rng.integers(1, 6, size=n_vacancies)  # mean 3 openings
    group = rng.integers(0, n_groups, size=n_vacancies)
    quota = np.full(n_groups, int(capacity.sum() * 0.8 / n_groups))
    # blocks: vacancies of the same agreement; a worker lists vacancies of one agreement
    worker_group = rng.integers(0, n_groups, size=n_workers)
    by_group = [np.flatnonzero(group == g) for g in range(n_groups)]
    worker = np.repeat(np.arange(n_workers), list_len)
    pick = rng.random(n_workers * list_len)
    sizes = np.array([len(b) for b in by_group])
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    flat = np.concatenate(by_group)
    g_of = worker_group[worker]
    vacancy = flat[offsets[g_of] + (pick * sizes[g_of]).astype(np.int64)]
    keep = np.zeros(len(worker), dtype=bool)  # one pair per (worker, vacancy)
    _, first = np.unique(worker.astype(np.int64) * n_vacancies + vacancy, return_index=True)
    keep[first] = True
    table = PairTable(worker=worker[keep], vacancy=vacancy[keep], worker_key=rng.random(keep.sum()),
                      vacancy_key=rng.random(keep.sum()), capacity=capacity, group=group, quota=quota)
    built = time.perf_counter() - t0
    t1 = time.perf_counter()
    c1 = time.process_time()
    held = deferred_acceptance(table)
    run = time.perf_counter() - t1
    cpu = time.process_time() - c1
    matched = held[held >= 0]
    per_vacancy = np.bincount(table.vacancy[matched], minlength=n_vacancies)
    per_group = np.bincount(group[table.vacancy[matched]], minlength=n_groups)
    return {"workers": n_workers, "vacancies": n_vacancies, "openings": int(capacity.sum()),
            "pairs": int(keep.sum()), "build_s": round(built, 2), "deferred_acceptance_s": round(run, 2),
            "deferred_acceptance_cpu_s": round(cpu, 2),
            "matched": int(len(matched)), "capacity_ok": bool((per_vacancy <= capacity).all()),
            "quota_ok": bool((per_group <= quota).all()),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _pipeline(n_workers: int, seed: int, warehouse: str) -> dict:
    from corridor.exchange.codelists import esco
    from corridor.exchange.market import AgreementSpec, Market, VacancySpec, WorkerSpec
    from corridor.exchange.matching import match
    from corridor.exchange.scoring import score
    from corridor.exchange.synthetic import corridors_from_stocks, generate
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse, read_only=True) as wh:
        corridors = corridors_from_stocks(wh, top=40)
    occ = esco("1.1.1")
    world = generate(corridors, occ, n_jobseekers=n_workers, n_vacancies=n_workers // 10, seed=seed)
    on = date(2026, 7, 1)
    agreements = {a["id"]: AgreementSpec(a["id"], a["origin"], a["destination"], tuple(a["occupations"]), (),
                                         a["quota"], a["valid_from"], a["valid_to"]) for a in world.agreements}
    vacancies = [VacancySpec(v["id"], v["destination"], v["isco"], v["openings"], v["agreement_id"], v["esco_uri"],
                             None, v["languages"], tuple(v["credentials"]), frozenset(), v["housing"],
                             v["medical_care"], v["hours_per_week"]) for v in world.vacancies]
    workers = [WorkerSpec(j["id"], j["origin"], j["isco"], True, tuple(j["occupations"]), frozenset(j["skills"]),
                          j["languages"], tuple(j["credentials"]), tuple(j["work_record"]), tuple(j["preferences"]))
               for j in world.jobseekers]
    market = Market(workers, vacancies, agreements, on)
    t0 = time.perf_counter()
    c0 = time.process_time()
    result = match(market, essential_skills=occ.essential_skills)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    # naive baseline: the cost of scoring one pair, times every pair
    rng = np.random.default_rng(seed)
    sample = 20000
    ws = rng.integers(0, len(workers), sample)
    vs = rng.integers(0, len(vacancies), sample)
    t1 = time.perf_counter()
    for w, v in zip(ws, vs, strict=True):
        score(workers[w], vacancies[v], occ.essential_skills)
    per_pair = (time.perf_counter() - t1) / sample
    return {"workers": n_workers, "vacancies": len(vacancies), "openings": market.openings,
            "pairs_examined": result.candidates, "pairs_eligible": int(len(result.table.worker)),
            "matched": len(result.matches), "pipeline_s": round(elapsed, 2), "pipeline_cpu_s": round(cpu, 2),
            "naive_all_pairs_scoring_s_extrapolated": round(per_pair * len(workers) * len(vacancies), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--vacancies", type=int, default=100_000)
    ap.add_argument("--list", type=int, default=20)
    ap.add_argument("--pipeline-sizes", default="10000,50000")
    ap.add_argument("--warehouse", default=os.environ.get("CORRIDOR_WAREHOUSE", "var/corridor.duckdb"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, n = args.child.split(":")
        out = (_assignment_only(int(n), args.vacancies, args.list, args.seed) if kind == "assign"
               else _pipeline(int(n), args.seed, args.warehouse))
        print(json.dumps(out))
        return
    runs = [f"pipeline:{n}" for n in args.pipeline_sizes.split(",") if n] + [f"assign:{args.workers}"]
    for child in runs:
        proc = subprocess.run([sys.executable, __file__, "--child", child, "--vacancies", str(args.vacancies),
                               "--list", str(args.list), "--warehouse", args.warehouse, "--seed", str(args.seed)],
                              capture_output=True, text=True, check=True)
        print(child, proc.stdout.strip().splitlines()[-1], flush=True)
    print("limits: deferred acceptance on 1,000,000 x 100,000 under 300 s and 4096 MB (2 shared cores: noisy)")


if __name__ == "__main__":
    main()
