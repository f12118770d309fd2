"""Pseudo-Bayesian flows: between the minimum-migration and the independence tables.

Azose & Raftery (2019, PNAS 116(1) 116-122) relax the stayer assumption with the pseudo-Bayes estimator
of Bishop, Fienberg & Holland (1975, ch. 12): a table of proportions ``p`` is shrunk towards a prior
table ``lambda``,

    p* = 1 / (1 + K) * p + K / (1 + K) * lambda,      K = (1 - sum p^2) / sum (p - lambda)^2,

``K`` being the risk-minimising constant estimated from the tables themselves. corridor applies it to
each place of birth separately, with ``p`` the independence table (the margins' "data" when nothing
forces anyone to stay) and ``lambda`` the minimum-migration table (stayers included), both as
proportions of the birthplace's population. Written in counts the BFH weight is ``N / (N + K)``; with
``N`` in the millions it would leave the independence table untouched, so the weight is taken on
proportions (``N = 1``): the table is one observation of the birthplace's pattern, not ``N``
independent draws.

This is corridor's reading of Azose & Raftery; their code is not public and migest 2.0.5 does not
implement the method. Check: for 2010-2015 (IMS 2019, WPP) it gives 68 million movers, 1.0% of the
world population, inside the 67-87 million per five-year period that Azose & Raftery publish for
1990-2015, while the minimum-migration estimate is 56 million and the independence one 416 million.

Both ingredient tables share the same margins, so their convex combination keeps them: the accounting
identities of the closed method hold for ``da_pb_closed`` too.
"""

from __future__ import annotations

import numpy as np

from corridor.estimate.flows.demographic_accounting import (
    Prepared,
    SparseCollector,
    _check_seed,
    assemble,
    independence_prior,
    min_blocks,
    prepare,
    row_shares,
)
from corridor.estimate.flows.ipf import DEFAULT_MAX_ITER, DEFAULT_RTOL, IPFReport, ipf2
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables


def shrinkage_weight(data: np.ndarray, prior: np.ndarray) -> float:
    """Weight ``1 / (1 + K)`` on the data table (Bishop, Fienberg & Holland 1975, eq. 12.1-14 on
    proportions); ``1 - weight`` goes to the prior table."""
    n_tot = float(data.sum())
    if n_tot <= 0:
        return 1.0
    p = data / n_tot
    lam = prior / float(prior.sum()) if prior.sum() > 0 else p
    denom = float(((p - lam) ** 2).sum())
    if denom <= 0:
        return 1.0  # the two tables agree: nothing to shrink
    k = max((1.0 - float((p**2).sum())) / denom, 0.0)
    return 1.0 / (1.0 + k)


def rank_one_weights(prep: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`shrinkage_weight` of every birthplace at once, for tables without a prior.

    Without a prior the independence table of birthplace ``b`` is ``outer(m1, c)`` (``c`` = the end
    table's row shares) and the minimum-migration table is ``diag(stayers) + outer(x0, q)`` (``q`` =
    the row shares of the arrivals ``x1``), so the sums in Bishop, Fienberg & Holland's ``K`` --
    ``sum p^2``, ``sum p lambda``, ``sum lambda^2`` -- are sums of products of vectors, with no
    ``n x n`` table per birthplace. Returns ``(weights, c, x0, q)``; a birthplace with no one at
    either date keeps weight 1, as in :func:`da_pb_closed`."""
    m1, m2 = prep.start, prep.end
    stayers = np.minimum(m1, m2)
    x0, x1 = m1 - stayers, m2 - stayers
    a, c, q = row_shares(m1), row_shares(m2), row_shares(x1)
    block = (x0 > 0).any(axis=1) & (x1 > 0).any(axis=1)
    total = stayers.sum(axis=1) + np.where(block, x0.sum(axis=1), 0.0)
    p2 = (a * a).sum(axis=1) * (c * c).sum(axis=1)
    px = (a * c * stayers).sum(axis=1) + block * (a * x0).sum(axis=1) * (c * q).sum(axis=1)
    xx = (stayers**2).sum(axis=1) + block * (2 * (stayers * x0 * q).sum(axis=1)
                                             + (x0**2).sum(axis=1) * (q**2).sum(axis=1))
    safe = np.where(total > 0, total, 1.0)
    denom = p2 - 2 * px / safe + xx / safe**2
    active = (m1 > 0).any(axis=1) & (m2 > 0).any(axis=1) & (total > 0) & (denom > 0)
    k = np.maximum((1.0 - p2) / np.where(active, denom, 1.0), 0.0)
    weights = np.where(active, 1.0 / (1.0 + k), 1.0)
    return weights, c, x0 * block[:, None], q


def da_pb_closed(tables: StockTables, *, seed: np.ndarray | None = None, integer: bool = True,
                 rtol: float = DEFAULT_RTOL, max_iter: int = DEFAULT_MAX_ITER, od_only: bool = False,
                 prepared: Prepared | None = None) -> FlowResult:
    """Pseudo-Bayesian combination of ``da_min_closed`` and ``da_ind_closed`` (Azose & Raftery 2019).

    ``od_only`` without a prior (bootstrap replicates) sums the birthplace tables in closed form:
    ``sum_b w_b outer(m1_b, c_b) + (1 - w_b) outer(x0_b, q_b)`` off the diagonal, with the weights of
    :func:`rank_one_weights`."""
    seed = _check_seed(seed, tables.n)
    seed_ind = independence_prior(seed)
    prep = prepared or prepare(tables, closed=True, integer=integer, rtol=rtol, max_iter=max_iter)
    reports: list[IPFReport] = []
    if od_only and seed is None:
        w, c, x0, q = rank_one_weights(prep)
        col = SparseCollector(tables.n, keep=False)
        col.od = (prep.start * w[:, None]).T @ c + (x0 * (1 - w)[:, None]).T @ q
        return _result(tables, prep, col, reports, w, seed, integer, rtol, max_iter)
    stayers, blocks = min_blocks(prep, seed, rtol=rtol, max_iter=max_iter, report=reports)
    min_by_b = {b: (src, snk, blk) for b, src, snk, blk in blocks}
    col = SparseCollector(tables.n, keep=not od_only)
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
        w = shrinkage_weight(ind, x)  # weight on the independence table
        weights[b] = w
        col.add(b, rows, cols, w * ind + (1 - w) * x)
    return _result(tables, prep, col, reports, weights, seed, integer, rtol, max_iter)


def _result(tables: StockTables, prep: Prepared, col: SparseCollector, reports: list[IPFReport],
            weights: np.ndarray, seed: np.ndarray | None, integer: bool, rtol: float,
            max_iter: int) -> FlowResult:
    params = {"stayer_assumption": "pseudo-Bayes", "closed": True, "integer": integer, "rtol": rtol,
              "max_iter": max_iter, "prior": seed is not None}
    result = assemble("da_pb_closed", tables, prep, col, reports, params)
    result.adjustments["pb_weight_independence_mean"] = float(weights.mean())
    result.parameters["pb_weight_independence"] = dict(zip(tables.areas, map(float, weights), strict=True))
    return result
