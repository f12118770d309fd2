"""Pseudo-Bayesian flows: the minimum-migration table shrunk towards the independence table.

Azose & Raftery (2019, PNAS 116(1) 116-122) combine, for each place of birth, the transition table
estimated under the stayer assumption (quasi-independence: as few moves as the stocks allow) with the
table estimated under independence (as many as the margins allow), using the pseudo-Bayes estimator of
Bishop, Fienberg & Holland (1975, ch. 12, eq. 12.1-12 and 12.1-14):

    p* = N / (N + K) * x / N + K / (N + K) * lambda,
    K  = (N^2 - sum x^2) / sum (x - N lambda)^2,

with ``x`` the minimum-migration table of the birthplace (stayers included), ``N lambda`` the
independence table and ``N`` the birthplace's population. Both tables share the same margins, so their
convex combination keeps them: the accounting identities of the closed method hold for ``da_pb_closed``
too. migest 2.0.5 does not implement this method.
"""

from __future__ import annotations

import numpy as np

from corridor.estimate.flows.demographic_accounting import (
    SparseCollector,
    _check_seed,
    assemble,
    independence_prior,
    min_blocks,
    prepare,
)
from corridor.estimate.flows.ipf import DEFAULT_MAX_ITER, DEFAULT_RTOL, IPFReport, ipf2
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables


def shrinkage_weight(x: np.ndarray, ind: np.ndarray) -> float:
    """Weight ``N / (N + K)`` on the observed (minimum-migration) table (Bishop, Fienberg & Holland)."""
    n_tot = float(x.sum())
    denom = float(((x - ind) ** 2).sum())
    if n_tot <= 0:
        return 1.0
    if denom <= 0:
        return 1.0  # the two tables agree: nothing to shrink
    k = (n_tot**2 - float((x**2).sum())) / denom
    k = max(k, 0.0)
    return n_tot / (n_tot + k)


def da_pb_closed(tables: StockTables, *, seed: np.ndarray | None = None, integer: bool = True,
                 rtol: float = DEFAULT_RTOL, max_iter: int = DEFAULT_MAX_ITER) -> FlowResult:
    """Pseudo-Bayesian combination of ``da_min_closed`` and ``da_ind_closed`` (Azose & Raftery 2019)."""
    seed = _check_seed(seed, tables.n)
    seed_ind = independence_prior(seed)
    prep = prepare(tables, closed=True, integer=integer, rtol=rtol, max_iter=max_iter)
    reports: list[IPFReport] = []
    stayers, blocks = min_blocks(prep, seed, rtol=rtol, max_iter=max_iter, report=reports)
    min_by_b = {b: (src, snk, blk) for b, src, snk, blk in blocks}
    col = SparseCollector(tables.n)
    weights = np.ones(tables.n)
    m1, m2 = prep.start, prep.end
    for b in range(tables.n):
        rows = np.flatnonzero(m1[b] > 0)
        cols = np.flatnonzero(m2[b] > 0)
        if rows.size == 0 or cols.size == 0:
            continue
        s0 = m1[b, rows].sum()
        t1 = m2[b, cols] * (s0 / m2[b, cols].sum())
        if seed_ind is None:
            ind = np.outer(m1[b, rows], t1 / s0)
        else:
            ind, rep = ipf2(seed_ind[np.ix_(rows, cols)], m1[b, rows], t1, rtol=rtol, max_iter=max_iter)
            reports.append(rep)
        # the minimum-migration table on the same support: stayers on the diagonal plus the block
        x = np.zeros_like(ind)
        both = np.intersect1d(rows, cols)  # rows and cols are sorted: positions by searchsorted
        x[np.searchsorted(rows, both), np.searchsorted(cols, both)] = stayers[b, both]
        if b in min_by_b:
            src, snk, blk = min_by_b[b]
            x[np.ix_(np.searchsorted(rows, src), np.searchsorted(cols, snk))] += blk
        w = shrinkage_weight(x, ind)
        weights[b] = w
        col.add(b, rows, cols, w * x + (1 - w) * ind)
    params = {"stayer_assumption": "pseudo-Bayes", "closed": True, "integer": integer, "rtol": rtol,
              "max_iter": max_iter, "prior": seed is not None}
    result = assemble("da_pb_closed", tables, prep, col, reports, params)
    result.adjustments["pb_weight_min_mean"] = float(weights.mean())
    result.parameters["pb_weights"] = dict(zip(tables.areas, map(float, weights), strict=True))
    return result
