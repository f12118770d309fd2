"""Uncertainty of estimated flows: a bootstrap over the inputs, combined with the spread across methods.

The interval on every flow is defined as follows (and written, in words, into the ``interval`` column):

1. **Input bootstrap.** Each replicate multiplies every non-zero foreign-born stock cell by a
   log-normal factor with mean 1 and coefficient of variation (CV) set by the cell's status and source
   type (:data:`CV_BY_STATUS`, :data:`CV_BY_SOURCE`; the larger of the two applies), and each area's
   population (the column total) by a factor with CV :data:`CV_POPULATION`; the native-born are then
   population minus foreign-born, as in the stock preparation. The errors of one cell at the two dates
   are correlated (:data:`DATE_CORRELATION`: the same source and method usually produce both), so that
   the bootstrap does not invent stock *changes* -- which is what flows are made of -- out of pure
   level noise. Births and deaths get a factor with CV :data:`CV_VITAL`. The method is re-run on each
   replicate; the ``(1-level)/2`` and ``(1+level)/2`` percentiles of the replicated flow give the
   bootstrap interval (default: 90%, 200 replicates).
2. **Method spread.** The interval is widened, where needed, to contain the point estimates of the
   other demographic-accounting methods that keep the stayers (by default ``da_min_closed``,
   ``da_min_open``, ``da_pb_closed``): model uncertainty that no resampling of the inputs shows.

So ``lower = min(bootstrap lower, smallest method estimate)`` and ``upper = max(bootstrap upper,
largest method estimate)``; the point estimate always lies inside. The CVs are judgements, not
published error rates: they are parameters, and the ``interval`` text names the values used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corridor.estimate.flows.methods import estimate
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables

#: CV of a stock cell by SDMX OBS_STATUS (A normal, P provisional, E estimated, F forecast, I imputed,
#: U low reliability)
CV_BY_STATUS: dict[str, float] = {"A": 0.02, "P": 0.05, "E": 0.10, "F": 0.15, "I": 0.20, "U": 0.25}
#: CV of a stock cell by the kind of source it comes from
CV_BY_SOURCE: dict[str, float] = {"register": 0.02, "census": 0.03, "survey": 0.10, "estimate": 0.10}
#: CV of births and deaths
CV_VITAL = 0.02
#: CV of an area's total population (WPP estimates)
CV_POPULATION = 0.01
#: correlation of a cell's errors at the start and at the end of the period
DATE_CORRELATION = 0.8
#: methods whose point estimates widen the interval
DEFAULT_ENSEMBLE = ("da_min_closed", "da_min_open", "da_pb_closed")


@dataclass
class FlowInterval:
    """Bounds for the origin x destination flows (and, where kept, the flows by birthplace)."""

    lower: np.ndarray
    upper: np.ndarray
    bp_lower: np.ndarray | None
    bp_upper: np.ndarray | None
    description: str
    replicates: int
    #: what the bounds by birthplace are (the same as ``description`` unless apportioned)
    bp_description: str = ""


def cell_cv(tables: StockTables, which: str) -> np.ndarray:
    """CV of each stock cell of the start (``which='start'``) or end table."""
    status = tables.status_start if which == "start" else tables.status_end
    source = tables.source_start if which == "start" else tables.source_end
    shape = tables.start.shape
    cv = np.full(shape, CV_BY_STATUS["A"])
    if status is not None:
        lookup = np.vectorize(lambda s: CV_BY_STATUS.get(str(s), CV_BY_STATUS["U"]), otypes=[float])
        cv = lookup(status)
    if source is not None:
        lookup_src = np.vectorize(lambda s: CV_BY_SOURCE.get(str(s), 0.0), otypes=[float])
        cv = np.maximum(cv, lookup_src(source))
    return cv


def _lognormal_pair(rng: np.random.Generator, cv: np.ndarray | float, shape: tuple[int, ...],
                    rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Two log-normal factors (mean 1, CV ``cv``) with correlation ``rho`` on the log scale."""
    sigma = np.sqrt(np.log1p(np.asarray(cv, dtype=float) ** 2))
    common = rng.standard_normal(shape)
    z0 = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(shape)
    z1 = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(shape)
    return np.exp(sigma * z0 - sigma**2 / 2), np.exp(sigma * z1 - sigma**2 / 2)


def replicate_tables(tables: StockTables, rng: np.random.Generator, cv0: np.ndarray,
                     cv1: np.ndarray, rho: float = DATE_CORRELATION) -> StockTables:
    """One bootstrap replicate of the inputs (zeros stay zero: a pair with no migrants is structural)."""
    n = tables.n
    eye = np.eye(n, dtype=bool)
    cv = np.maximum(cv0, cv1)
    f0, f1 = _lognormal_pair(rng, cv, (n, n), rho)
    p0, p1 = _lognormal_pair(rng, CV_POPULATION, (n,), rho)
    out = []
    for table, factor, pop_factor in ((tables.start, f0, p0), (tables.end, f1, p1)):
        pop = table.sum(axis=0) * pop_factor
        new = np.where(eye, 0.0, table * factor)
        np.fill_diagonal(new, pop - new.sum(axis=0))
        out.append(new)
    b0, b1 = _lognormal_pair(rng, CV_VITAL, (n,), 0.0)
    return tables.with_values(out[0], out[1], tables.births * b0, tables.deaths * b1)


def _keys(r: FlowResult, n: int) -> np.ndarray:
    return (r.bp_birthplace.astype(np.int64) * n + r.bp_origin) * n + r.bp_destination


def flow_interval(tables: StockTables, point: FlowResult, *, replicates: int = 200, level: float = 0.90,
                  ensemble: Sequence[str] = DEFAULT_ENSEMBLE, random_seed: int = 20101,
                  by_birthplace: bool = False, max_bp_cells: int = 50_000_000,
                  **params: object) -> FlowInterval:
    """Bootstrap-and-ensemble interval for ``point`` (a result of ``point.method`` on ``tables``)."""
    n = tables.n
    rng = np.random.default_rng(random_seed)
    cv0, cv1 = cell_cv(tables, "start"), cell_cv(tables, "end")
    lo_q, hi_q = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    keys = _keys(point, n)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    keep_bp = by_birthplace and replicates * max(keys.size, 1) <= max_bp_cells
    od_reps = np.empty((replicates, n, n), dtype=np.float32)
    bp_reps = np.zeros((replicates, keys.size), dtype=np.float32) if keep_bp else None
    for i in range(replicates):
        rep = estimate(replicate_tables(tables, rng, cv0, cv1), point.method, od_only=bp_reps is None,
                       **dict(params))
        od_reps[i] = rep.od
        if bp_reps is not None and rep.bp_flow.size:
            rk = _keys(rep, n)
            pos = np.searchsorted(sorted_keys, rk)
            pos = np.minimum(pos, max(sorted_keys.size - 1, 0))
            hit = sorted_keys[pos] == rk if sorted_keys.size else np.zeros(rk.size, dtype=bool)
            bp_reps[i, order[pos[hit]]] = rep.bp_flow[hit]
    if replicates:
        lower = np.percentile(od_reps, lo_q, axis=0).astype(float)
        upper = np.percentile(od_reps, hi_q, axis=0).astype(float)
    else:
        lower, upper = point.od.copy(), point.od.copy()
    del od_reps
    lower = np.minimum(lower, point.od)
    upper = np.maximum(upper, point.od)
    bp_lower = bp_upper = None
    if bp_reps is not None:
        bp_lower = np.minimum(np.percentile(bp_reps, lo_q, axis=0).astype(float), point.bp_flow)
        bp_upper = np.maximum(np.percentile(bp_reps, hi_q, axis=0).astype(float), point.bp_flow)
    others = [m for m in ensemble if m != point.method]
    for m in others:
        alt = estimate(tables, m, **dict(params))
        lower = np.minimum(lower, alt.od)
        upper = np.maximum(upper, alt.od)
        if bp_lower is not None and alt.bp_flow.size:
            ak = _keys(alt, n)
            pos = np.minimum(np.searchsorted(sorted_keys, ak), max(sorted_keys.size - 1, 0))
            hit = sorted_keys[pos] == ak
            idx = order[pos[hit]]
            bp_lower[idx] = np.minimum(bp_lower[idx], alt.bp_flow[hit])
            bp_upper[idx] = np.maximum(bp_upper[idx], alt.bp_flow[hit])
    status_cv = ", ".join(f"{k} {v:.0%}" for k, v in CV_BY_STATUS.items())
    if not replicates:
        description = (f"range of the point estimates of {', '.join([point.method, *others])} (no bootstrap)"
                       if others else "none (no bootstrap, no other method): lower = upper = estimate")
        return _with_birthplace(point, by_birthplace, FlowInterval(lower, upper, bp_lower, bp_upper,
                                                                   description, replicates))
    description = (
        f"bootstrap {level:.0%} percentile ({replicates} replicates; foreign-born stocks resampled "
        f"log-normally by status, CV {status_cv}; population CV {CV_POPULATION:.0%}; start/end "
        f"correlation {DATE_CORRELATION}; births/deaths CV {CV_VITAL:.0%})"
        + (f"; widened to the range of {', '.join(others)}" if others else "")
    )
    return _with_birthplace(point, by_birthplace, FlowInterval(lower, upper, bp_lower, bp_upper, description,
                                                               replicates))


def _with_birthplace(point: FlowResult, by_birthplace: bool, iv: FlowInterval) -> FlowInterval:
    """Bounds by birthplace: bootstrapped when they were kept; otherwise (too many cells x replicates to
    hold in memory) each birthplace's flow gets the relative bounds of its origin-destination cell."""
    iv.bp_description = iv.description
    if not by_birthplace or iv.bp_lower is not None:
        return iv
    od = point.od[point.bp_origin, point.bp_destination]
    safe = np.where(od > 0, od, 1.0)
    iv.bp_lower = np.minimum(point.bp_flow * iv.lower[point.bp_origin, point.bp_destination] / safe, point.bp_flow)
    iv.bp_upper = np.maximum(point.bp_flow * iv.upper[point.bp_origin, point.bp_destination] / safe, point.bp_flow)
    iv.bp_description = (iv.description + "; by birthplace: the origin-destination interval applied in "
                         "proportion to each birthplace's flow")
    return iv
