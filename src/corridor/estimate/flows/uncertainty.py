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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from corridor.estimate.flows.ipf import single_blas_thread
from corridor.estimate.flows.methods import estimate_many, preparations
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
        cv = _lookup(status, CV_BY_STATUS, CV_BY_STATUS["U"])
    if source is not None:
        cv = np.maximum(cv, _lookup(source, CV_BY_SOURCE, 0.0))
    return cv


def _lookup(codes: np.ndarray, table: dict[str, float], default: float) -> np.ndarray:
    """``table[str(code)]`` (``default`` when absent) for every cell of ``codes``."""
    keys, inverse = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    return np.array([table.get(k, default) for k in keys], dtype=float)[inverse].reshape(np.shape(codes))


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


class _BirthplaceCells:
    """Where each replicate's (or another method's) flows by birthplace go among the point's cells."""

    def __init__(self, point: FlowResult, n: int) -> None:
        self.n = n
        keys = _keys(point, n)
        self.order = np.argsort(keys)
        self.sorted_keys = keys[self.order]

    def match(self, other: FlowResult) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the point's cells of ``other``'s cells that the point also has, and which ones."""
        if not self.sorted_keys.size:
            return np.zeros(0, dtype=np.int64), np.zeros(other.bp_flow.size, dtype=bool)
        rk = _keys(other, self.n)
        pos = np.minimum(np.searchsorted(self.sorted_keys, rk), self.sorted_keys.size - 1)
        hit = self.sorted_keys[pos] == rk
        return self.order[pos[hit]], hit


def flow_interval(tables: StockTables, point: FlowResult, *, replicates: int = 200, level: float = 0.90,
                  ensemble: Sequence[str] = DEFAULT_ENSEMBLE, random_seed: int = 20101,
                  by_birthplace: bool = False, max_bp_cells: int = 50_000_000,
                  **params: object) -> FlowInterval:
    """Bootstrap-and-ensemble interval for ``point`` (a result of ``point.method`` on ``tables``)."""
    return flow_intervals(tables, {point.method: point}, replicates=replicates, level=level, ensemble=ensemble,
                          random_seed=random_seed, by_birthplace=by_birthplace, max_bp_cells=max_bp_cells,
                          **params)[point.method]


def flow_intervals(tables: StockTables, points: Mapping[str, FlowResult], *, replicates: int = 200,
                   level: float = 0.90, ensemble: Sequence[str] = DEFAULT_ENSEMBLE, random_seed: int = 20101,
                   by_birthplace: bool = False, max_bp_cells: int = 50_000_000,
                   **params: object) -> dict[str, FlowInterval]:
    """The interval of each of ``points`` (method id -> its result on ``tables`` with ``params``).

    Each method gets exactly the interval :func:`flow_interval` would give it alone -- the same seed
    draws the same replicate tables -- but the replicates are drawn once for all methods, the methods
    share each replicate's demographic preparation
    (:func:`~corridor.estimate.flows.methods.estimate_many`), and the ensemble's point estimates are
    computed once. Each replicate's IPF fits start from those of the published tables (the same fixed
    point, fewer passes), and BLAS runs on one thread (small products; see
    :func:`~corridor.estimate.flows.ipf.single_blas_thread`)."""
    n = tables.n
    rng = np.random.default_rng(random_seed)
    cv0, cv1 = cell_cv(tables, "start"), cell_cv(tables, "end")
    quantiles = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    cells = {m: _BirthplaceCells(p, n) for m, p in points.items()}
    keep_bp = {m: by_birthplace and replicates * max(p.bp_flow.size, 1) <= max_bp_cells for m, p in points.items()}
    # one row per cell, one column per replicate: each cell's percentiles read contiguous memory
    od_reps = {m: np.empty((n * n, replicates), dtype=np.float32) for m in points}
    bp_reps = {m: np.zeros((replicates, p.bp_flow.size), dtype=np.float32) for m, p in points.items() if keep_bp[m]}
    groups = [(od_only, [m for m in points if keep_bp[m] != od_only]) for od_only in (True, False)]
    published = preparations(tables, list(points), **params) if replicates else {}
    with single_blas_thread():
        for i in range(replicates):
            rep_tables = replicate_tables(tables, rng, cv0, cv1)
            shared = preparations(rep_tables, list(points), start=published, **params)
            for od_only, group in groups:
                for m, rep in estimate_many(rep_tables, group, prepared=shared, od_only=od_only, **params).items():
                    od_reps[m][:, i] = rep.od.ravel()
                    if m in bp_reps and rep.bp_flow.size:
                        idx, hit = cells[m].match(rep)
                        bp_reps[m][i, idx] = rep.bp_flow[hit]
    needed = [m for m in dict.fromkeys(ensemble) if m not in points]
    alternatives = {**estimate_many(tables, needed, od_only=not by_birthplace, **params), **points}
    out = {}
    for m, point in points.items():
        if replicates:
            lower, upper = np.percentile(od_reps.pop(m), quantiles, axis=1).astype(float).reshape(2, n, n)
        else:
            lower, upper = point.od.copy(), point.od.copy()
        lower, upper = np.minimum(lower, point.od), np.maximum(upper, point.od)
        bp_lower = bp_upper = None
        if m in bp_reps:
            bp_lo, bp_hi = np.percentile(bp_reps.pop(m), quantiles, axis=0).astype(float)
            bp_lower, bp_upper = np.minimum(bp_lo, point.bp_flow), np.maximum(bp_hi, point.bp_flow)
        others = [o for o in ensemble if o != m]
        for o in others:
            alt = alternatives[o]
            lower, upper = np.minimum(lower, alt.od), np.maximum(upper, alt.od)
            if bp_lower is not None and alt.bp_flow.size:
                idx, hit = cells[m].match(alt)
                bp_lower[idx] = np.minimum(bp_lower[idx], alt.bp_flow[hit])
                bp_upper[idx] = np.maximum(bp_upper[idx], alt.bp_flow[hit])
        iv = FlowInterval(lower, upper, bp_lower, bp_upper, _description(m, others, replicates, level), replicates)
        out[m] = _with_birthplace(point, by_birthplace, iv)
    return out


def _description(method: str, others: list[str], replicates: int, level: float) -> str:
    """The ``interval`` text: what the bounds are, with every constant used."""
    if not replicates:
        return (f"range of the point estimates of {', '.join([method, *others])} (no bootstrap)"
                if others else "none (no bootstrap, no other method): lower = upper = estimate")
    status_cv = ", ".join(f"{k} {v:.0%}" for k, v in CV_BY_STATUS.items())
    return (
        f"bootstrap {level:.0%} percentile ({replicates} replicates; foreign-born stocks resampled "
        f"log-normally by status, CV {status_cv}; population CV {CV_POPULATION:.0%}; start/end "
        f"correlation {DATE_CORRELATION}; births/deaths CV {CV_VITAL:.0%})"
        + (f"; widened to the range of {', '.join(others)}" if others else "")
    )


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
