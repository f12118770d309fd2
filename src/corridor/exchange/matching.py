"""Matching in three explainable steps: eligibility, scoring, assignment (see docs/exchange.md).

1. **Blocking.** Only pairs that can pass the rules are looked at: vacancies under an agreement whose
   origin is the worker's, in the worker's ISCO-08 sub-major group, and (when the worker named
   destinations) in one of them. Every looked-at pair then goes through every rule of
   :mod:`.eligibility`; the count of failures per rule is kept for the report.
2. **Scoring** (:mod:`.scoring`) of each eligible pair. A worker's list keeps their ``max_list`` best
   vacancies by worker score (like a rank-order list in the NRMP), so the run stays linear in the
   number of workers.
3. **Assignment** (:mod:`.assign`): deferred acceptance (default) or min-cost flow. Each match carries
   its explanation: every rule with its reason, the score parts, and the worker's rank of the vacancy.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from corridor.errors import InputError
from corridor.exchange.assign import PairTable, deferred_acceptance, min_cost_flow
from corridor.exchange.checker import Report, check
from corridor.exchange.eligibility import as_dicts, eligible, evaluate
from corridor.exchange.market import Market
from corridor.exchange.scoring import score

METHODS = ("deferred_acceptance", "flow")
TIE_BREAK = ("ties in a worker's list go to the lower vacancy id; ties in an employer's or agreement's "
             "order to the lower jobseeker id (earlier registration)")


@dataclass
class MatchResult:
    """The matches with their explanations, and what the run saw."""

    method: str
    matches: list[dict]
    table: PairTable
    worker_ids: list[int]
    vacancy_ids: list[int]
    assignment: np.ndarray
    candidates: int = 0
    rule_failures: Counter = field(default_factory=Counter)

    def check(self) -> Report:
        """The independent checker's verdict on this result (:mod:`.checker`)."""
        t = self.table
        prefs: dict[int, list[int]] = defaultdict(list)
        order, _ = t.proposal_order()
        for p in order:
            prefs[self.worker_ids[t.worker[p]]].append(self.vacancy_ids[t.vacancy[p]])
        rank = {(self.vacancy_ids[t.vacancy[p]], self.worker_ids[t.worker[p]]):
                (float(t.vacancy_key[p]), self.worker_ids[t.worker[p]]) for p in range(len(t.worker))}
        capacity = {self.vacancy_ids[i]: int(c) for i, c in enumerate(t.capacity)}
        group = {self.vacancy_ids[i]: (int(g) if g >= 0 else None) for i, g in enumerate(t.group)}
        quota = {g: (int(q) if q >= 0 else None) for g, q in enumerate(t.quota)}
        matching = {m["jobseeker_id"]: m["vacancy_id"] for m in self.matches}
        return check(matching, prefs, rank, capacity, group, quota)


def match(market: Market, method: str = "deferred_acceptance", max_list: int = 20,
          essential_skills: Callable[[str], frozenset[str]] | None = None) -> MatchResult:
    """Run the three steps on ``market`` (module docstring); ``method`` is one of :data:`METHODS`."""
    if method not in METHODS:
        raise InputError(f"unknown matching method {method!r}; choose one of {', '.join(METHODS)}")
    by_block: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, v in enumerate(market.vacancies):
        ag = market.agreements.get(v.agreement_id) if v.agreement_id is not None else None
        if ag is not None:
            by_block[(ag.origin, v.isco[:2])].append(i)
    rows: list[tuple[int, int, float, float, float, list, dict]] = []
    failures: Counter = Counter()
    candidates = 0
    for wi, w in enumerate(market.workers):
        mine = []
        for vi in by_block.get((w.origin, w.isco[:2]), ()):
            v = market.vacancies[vi]
            if w.preferences and v.destination not in w.preferences:
                continue
            candidates += 1
            results = evaluate(w, v, market)
            if not eligible(results):
                failures.update(r.rule for r in results if not r.passed)
                continue
            s = score(w, v, essential_skills)
            mine.append((wi, vi, -s["worker"], -s["employer"], s["total"], results, s))
        mine.sort(key=lambda r: (r[2], market.vacancies[r[1]].id))
        rows.extend(mine[:max_list])
    group_index = {ag_id: g for g, ag_id in enumerate(sorted(market.agreements))}
    table = PairTable(
        worker=np.array([r[0] for r in rows], dtype=np.int64),
        vacancy=np.array([r[1] for r in rows], dtype=np.int64),
        worker_key=np.array([r[2] for r in rows], dtype=float),
        vacancy_key=np.array([r[3] for r in rows], dtype=float),
        capacity=np.array([v.openings for v in market.vacancies], dtype=np.int64),
        group=np.array([group_index.get(v.agreement_id, -1) for v in market.vacancies], dtype=np.int64),
        quota=np.array([-1 if market.agreements[a].quota_left is None else market.agreements[a].quota_left
                        for a in sorted(market.agreements)], dtype=np.int64),
        weight=np.array([r[4] for r in rows], dtype=float),
    )
    n_w = len(market.workers)
    list_length = np.bincount(table.worker, minlength=n_w)
    if len(rows) == 0:
        assignment = np.full(n_w, -1, dtype=np.int64)
    else:
        assignment = deferred_acceptance(table) if method == "deferred_acceptance" else min_cost_flow(table)
        assignment = np.concatenate([assignment, np.full(n_w - len(assignment), -1, dtype=np.int64)])
    order, offsets = table.proposal_order() if len(rows) else (np.array([], dtype=np.int64), None)
    position = np.empty(len(rows), dtype=np.int64)
    if len(rows):
        position[order] = np.arange(len(rows)) - offsets[table.worker[order]]
    matches = []
    for wi, p in enumerate(assignment):
        if p < 0:
            continue
        _, vi, _, _, total, results, s = rows[p]
        matches.append({
            "jobseeker_id": market.workers[wi].id, "vacancy_id": market.vacancies[vi].id, "score": total,
            "explanation": {"rules": as_dicts(results), "score": s, "assignment": {
                "method": method, "worker_rank": int(position[p]) + 1,
                "list_length": int(list_length[wi]), "tie_break": TIE_BREAK}},
        })
    return MatchResult(method, matches, table, [w.id for w in market.workers],
                       [v.id for v in market.vacancies], assignment, candidates, failures)
