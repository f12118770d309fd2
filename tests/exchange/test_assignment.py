"""Deferred acceptance and min-cost flow, verified by the independent checker (:mod:`corridor.exchange.checker`).

The hand-worked market is Gale & Shapley (1962), "College Admissions and the Stability of Marriage",
American Mathematical Monthly 69(1), 9-15, Example 1 (p. 10): three men alpha, beta, gamma and three
women A, B, C with rankings (man's rank of woman, woman's rank of man)

            A      B      C
    alpha  1,3    2,2    3,1
    beta   3,1    1,3    2,2
    gamma  2,2    3,1    1,3

The paper states that there are three stable sets of marriages: each man gets his first choice
(alpha-A, beta-B, gamma-C), each woman gets her first choice (alpha-C, beta-A, gamma-B), or everyone
gets their second choice (alpha-B, beta-C, gamma-A). Men-proposing deferred acceptance gives the first.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from corridor.exchange.assign import PairTable, deferred_acceptance, min_cost_flow
from corridor.exchange.checker import check

MEN = ("alpha", "beta", "gamma")
WOMEN = ("A", "B", "C")
# (man's rank of woman, woman's rank of man), Gale & Shapley (1962) Example 1
GS = {("alpha", "A"): (1, 3), ("alpha", "B"): (2, 2), ("alpha", "C"): (3, 1),
      ("beta", "A"): (3, 1), ("beta", "B"): (1, 3), ("beta", "C"): (2, 2),
      ("gamma", "A"): (2, 2), ("gamma", "B"): (3, 1), ("gamma", "C"): (1, 3)}


def _table(pairs: dict, capacity: dict, group: dict | None = None, quota: dict | None = None,
           weight: dict | None = None) -> tuple[PairTable, list, list, list]:
    ws = sorted({w for w, _ in pairs})
    vs = sorted(capacity)
    gs = sorted(set(quota or {}))
    keys = list(pairs)
    t = PairTable(
        worker=np.array([ws.index(w) for w, _ in keys]), vacancy=np.array([vs.index(v) for _, v in keys]),
        worker_key=np.array([pairs[k][0] for k in keys], dtype=float),
        vacancy_key=np.array([pairs[k][1] for k in keys], dtype=float),
        capacity=np.array([capacity[v] for v in vs]),
        group=np.array([gs.index(group[v]) if group and group.get(v) is not None else -1 for v in vs]),
        quota=np.array([quota[g] if quota[g] is not None else -1 for g in gs], dtype=np.int64),
        weight=None if weight is None else np.array([weight[k] for k in keys], dtype=float))
    return t, ws, vs, keys


def _checker_inputs(pairs: dict) -> tuple[dict, dict]:
    prefs: dict = {}
    for (w, v), _keys in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[1][0], kv[0][1])):
        prefs.setdefault(w, []).append(v)
    rank = {(v, w): (vk, w) for (w, v), (_, vk) in pairs.items()}
    return prefs, rank


def _as_matching(assignment: np.ndarray, t: PairTable, ws: list, vs: list) -> dict:
    return {ws[i]: (vs[t.vacancy[p]] if p >= 0 else None) for i, p in enumerate(assignment)}


def test_gale_shapley_1962_example_1() -> None:
    t, ws, vs, _ = _table(GS, {v: 1 for v in WOMEN})
    da = _as_matching(deferred_acceptance(t), t, ws, vs)
    assert da == {"alpha": "A", "beta": "B", "gamma": "C"}
    prefs, rank = _checker_inputs(GS)
    stable = []
    for perm in itertools.permutations(WOMEN):
        m = dict(zip(MEN, perm, strict=True))
        if check(m, prefs, rank, {v: 1 for v in WOMEN}).stable:
            stable.append(perm)
    assert sorted(stable) == sorted([("A", "B", "C"), ("C", "A", "B"), ("B", "C", "A")])


def _random_market(rng: np.random.Generator, n_w: int, n_v: int, with_groups: bool) -> tuple:
    pairs = {}
    for w in range(n_w):
        for v in range(n_v):
            if rng.random() < 0.7:
                pairs[(w, v)] = (int(rng.integers(0, 4)), int(rng.integers(0, 4)))  # ties on purpose
    capacity = {v: int(rng.integers(1, 3)) for v in range(n_v)}
    group = {v: v % 2 for v in range(n_v)} if with_groups else None
    quota = {0: int(rng.integers(0, 3)), 1: None} if with_groups else None
    return pairs, capacity, group, quota


def _all_feasible(pairs: dict, n_w: int, capacity: dict, group: dict | None, quota: dict | None):
    options = [[None] + [v for (w2, v) in pairs if w2 == w] for w in range(n_w)]
    for combo in itertools.product(*options):
        yield dict(enumerate(combo))


@pytest.mark.parametrize("seed", range(40))
def test_deferred_acceptance_is_stable_and_worker_optimal_on_small_random_markets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_w, n_v = 5, 3
    pairs, capacity, group, quota = _random_market(rng, n_w, n_v, with_groups=seed % 2 == 0)
    if not pairs:
        return
    t, ws, vs, _ = _table(pairs, capacity, group, quota)
    prefs, rank = _checker_inputs(pairs)
    # the table's tie-breaks (vacancy id for workers, worker id for vacancies) are the checker's too
    da = _as_matching(deferred_acceptance(t), t, ws, vs)
    da.update({w: None for w in range(n_w) if w not in da})
    report = check(da, prefs, rank, capacity, group, quota)
    assert report.stable, report
    # worker-optimal: in every stable matching, every worker does no better than under DA
    position = {w: {v: i for i, v in enumerate(prefs.get(w, []))} for w in range(n_w)}
    worst = len(capacity) + 1
    for m in _all_feasible(pairs, n_w, capacity, group, quota):
        if check(m, prefs, rank, capacity, group, quota).stable:
            for w in range(n_w):
                here = position[w].get(m[w], worst) if m[w] is not None else worst
                there = position[w].get(da[w], worst) if da[w] is not None else worst
                assert there <= here, (seed, w, m, da)


def test_checker_finds_planted_faults() -> None:
    prefs, rank = _checker_inputs(GS)
    cap = {v: 1 for v in WOMEN}
    r = check({"alpha": "B", "beta": "A", "gamma": "C"}, prefs, rank, cap)
    # by hand: beta holds A (his 3rd) and prefers C, which holds gamma (C's 3rd) and ranks beta 2nd;
    # alpha prefers A, but A holds beta, her 1st; so (beta, C) is the only blocking pair
    assert r.feasible and r.blocking_pairs == [("beta", "C")]
    r = check({"alpha": "A", "beta": "A", "gamma": "C"}, prefs, rank, cap)
    assert r.over_capacity == ["A"] and not r.stable
    r = check({"alpha": "A", "beta": "B", "gamma": None}, prefs, rank, cap, group={"A": 1, "B": 1, "C": 1},
              quota={1: 1})
    assert r.over_quota == [1]
    r = check({"alpha": "D"}, prefs, rank, cap)
    assert r.not_acceptable == [("alpha", "D")]


def test_quota_caps_the_agreement_across_its_vacancies() -> None:
    pairs = {(w, v): (0 if v == "x" else 1, w) for w in range(4) for v in ("x", "y")}
    capacity = {"x": 2, "y": 2}
    group, quota = {"x": "ag", "y": "ag"}, {"ag": 3}
    t, ws, vs, _ = _table(pairs, capacity, group, quota)
    m = _as_matching(deferred_acceptance(t), t, ws, vs)
    assert m == {0: "x", 1: "x", 2: "y", 3: None}  # worker 3 ranks last everywhere: the quota leaves them out
    prefs, rank = _checker_inputs(pairs)
    assert check(m, prefs, rank, capacity, group, quota).stable


@pytest.mark.parametrize("seed", range(15))
def test_min_cost_flow_maximises_total_score_within_capacities_and_quotas(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_w, n_v = 4, 3
    pairs, capacity, group, quota = _random_market(rng, n_w, n_v, with_groups=True)
    if not pairs:
        return
    weight = {k: float(rng.integers(1, 10)) for k in pairs}
    t, ws, vs, _ = _table(pairs, capacity, group, quota, weight)
    m = _as_matching(min_cost_flow(t), t, ws, vs)
    m.update({w: None for w in range(n_w) if w not in m})
    prefs, rank = _checker_inputs(pairs)
    assert check(m, prefs, rank, capacity, group, quota).feasible
    best = 0.0
    for cand in _all_feasible(pairs, n_w, capacity, group, quota):
        if check(cand, prefs, rank, capacity, group, quota).feasible:
            best = max(best, sum(weight[(w, v)] for w, v in cand.items() if v is not None))
    assert sum(weight[(w, v)] for w, v in m.items() if v is not None) == best
