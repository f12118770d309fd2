"""Flows from stock tables by demographic accounting (Abel 2013; Abel & Sander 2014; Abel 2018).

The steps follow migest 2.0.5's ``ffs_demo`` (defaults ``match_global = "before-demo-adjust"``,
``birth_method = "native"``, ``birth_non_negative = TRUE``, ``death_method = "proportion"``), on
arrays, with three differences made on purpose:

1. **Native-born with more foreign-born than population** (a negative diagonal) is set to zero and the
   foreign-born of that area scaled down to the population (migest's ``nb_non_zero``), with a warning.
2. **Closed system** (``closed=True``, migest ``match_birthplace_tot_method = "rescale"``): the native-born
   at both dates are rescaled so that the world stock change equals world births minus deaths
   (migest ``nb_scale_global``). Rounding to whole persons is deterministic here: the remainder goes
   to the largest cell (migest draws a random cell with ``sample(x = m, size = 1)``, which for a single
   index ``m`` draws from ``1:m``, so two runs on the same data can differ).
   Births are assigned to the native-born (where births exceed the native-born at the end, they are
   spread over all birthplaces of that area in proportion to the end stock, as migest does, with a
   warning); deaths are spread over the start population of the area in proportion to its stocks.
   Then each birthplace's totals at both dates are brought to their mid-point by IPF on each table
   (row target = mid-point, column target = the table's residence totals), so that for every area
   net migration equals population change minus natural increase.
3. **Open system** (``closed=False``, migest ``"open"``): instead of rescaling, a birthplace whose
   total falls has moved out of the system (distributed like the end stocks, as in migest) and one
   whose total rises has moved in from outside (distributed like the start stocks).

Flows are then estimated for each birthplace separately:

* **Stayer assumption** (minimum migration, quasi-independence; Abel 2013 eq. 3): in each area the
  smaller of the start and end stock of a birthplace stayed. What remains is a set of areas that lost
  persons (sources) and a set that gained them (sinks), disjoint by construction. The flow table of
  the birthplace is the IPF of the prior restricted to sources x sinks; with no prior (all ones) it is
  the closed form ``x0[o] * x1[d] / total``. A prior (seed, e.g. distances) *is honoured* here, which
  migest silently does not do.
* **Independence** (no stayer assumption; used by Azose & Raftery 2019): the whole birthplace table
  (stayers included) is the IPF of the prior to the start and end residence distributions.

The sparsity is used throughout: each birthplace's table is computed only on the areas where that
birthplace has people.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridor.estimate.flows.ipf import (
    DEFAULT_MAX_ITER,
    DEFAULT_RTOL,
    IPFReport,
    ipf2,
    scale_cols,
    scale_rows,
)
from corridor.estimate.flows.result import FlowResult, od_from_sparse
from corridor.estimate.flows.tables import StockTables


@dataclass
class Prepared:
    """Stock tables after demographic adjustment, with matching birthplace totals."""

    start: np.ndarray  # birthplace x residence at start, deaths and leavers to outside removed
    end: np.ndarray  # birthplace x residence at end, births and arrivals from outside removed
    births: np.ndarray  # birthplace x residence
    deaths: np.ndarray
    from_outside: np.ndarray
    to_outside: np.ndarray
    start_before: np.ndarray  # tables after the native-born fixes, before demography (for reports)
    end_before: np.ndarray
    ipf: IPFReport
    warnings: list[str] = field(default_factory=list)
    adjustments: dict[str, float] = field(default_factory=dict)
    #: scaling factors of the two IPF fits that matched the birthplace totals (closed system)
    scaling: tuple[tuple[np.ndarray, np.ndarray], ...] = ()


def rescale_integer_sum(x: np.ndarray, total: float, *, integer: bool = True) -> np.ndarray:
    """Scale ``x`` to sum to ``total``; with ``integer`` round each value and put the remainder on the
    largest cell (the first one when tied) -- deterministic, unlike migest's ``rescale_integer_sum``."""
    s = x.sum()
    out = x * (total / s) if s > 0 else np.full_like(x, total / max(len(x), 1))
    if integer:
        out = np.round(out)
        rest = total - out.sum()
        if rest != 0:
            out[int(np.argmax(np.abs(x)))] += rest
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.3g}"


def _non_negative_native(m: np.ndarray, areas: list[str], when: str, warnings: list[str]) -> np.ndarray:
    """migest ``nb_non_zero``: a negative native-born cell becomes zero; that area's foreign-born are
    scaled down so that its column still sums to the population."""
    diag = np.diag(m)
    bad = np.flatnonzero(diag < 0)
    if bad.size == 0:
        return m
    m = m.copy()
    for j in bad:
        col = np.maximum(m[:, j], 0)
        target = m[:, j].sum()
        warnings.append(
            f"{when}: foreign-born ({_fmt(col.sum())}) exceed the population ({_fmt(target)}) in area "
            f"{areas[j]}; native-born set to 0 and foreign-born scaled down by {_fmt(col.sum() - target)}")
        m[:, j] = col * (max(target, 0) / col.sum()) if col.sum() > 0 else 0
    return m


def _global_balance(m1: np.ndarray, m2: np.ndarray, births: np.ndarray, deaths: np.ndarray, *,
                    integer: bool, warnings: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """migest ``nb_scale_global``: share the gap between the world stock change and world natural
    increase between the native-born at the start and at the end. Returns the gap."""
    gap = float((births.sum() - deaths.sum()) - (m2.sum() - m1.sum()))
    if gap == 0:
        return m1, m2, 0.0
    half = gap / 2
    if integer and float(gap).is_integer():
        half = float(np.floor(gap / 2))
    m1 = m1.copy()
    m2 = m2.copy()
    d1, d2 = np.diag(m1).copy(), np.diag(m2).copy()
    np.fill_diagonal(m1, rescale_integer_sum(d1, d1.sum() - half, integer=integer))
    np.fill_diagonal(m2, rescale_integer_sum(d2, d2.sum() + (gap - half), integer=integer))
    warnings.append(
        f"world stock change ({_fmt(m2.sum() - m1.sum() - gap)}) differs from world births minus deaths "
        f"({_fmt(births.sum() - deaths.sum())}) by {_fmt(gap)}: native-born rescaled (start by "
        f"{_fmt(-half)}, end by {_fmt(gap - half)}) to close the system")
    return m1, m2, gap


def birth_matrix(births: np.ndarray, end: np.ndarray, areas: list[str], warnings: list[str]) -> np.ndarray:
    """Births to the native-born (migest ``birth_mat``, method "native", ``non_negative = TRUE``).

    Where births exceed the native-born at the end of the period, the area's births are spread over
    all its birthplaces in proportion to the end stock (as migest does), and a warning says so."""
    n = len(births)
    b_mat = np.zeros((n, n))
    np.fill_diagonal(b_mat, births)
    over = np.flatnonzero(np.diag(end) - births < 0)
    for j in over:
        col = end[:, j]
        if col.sum() > 0:
            b_mat[:, j] = col * (births[j] / col.sum())
        warnings.append(
            f"births in area {areas[j]} ({_fmt(births[j])}) exceed its native-born population at the end "
            f"({_fmt(end[j, j])}) by {_fmt(births[j] - end[j, j])}: births spread over all birthplaces "
            "in proportion to the end stocks")
    return b_mat


def death_matrix(deaths: np.ndarray, start: np.ndarray, areas: list[str], warnings: list[str]) -> np.ndarray:
    """Deaths spread over the start population of each area in proportion to its stocks by birthplace
    (migest ``death_mat``, method "proportion")."""
    pop = start.sum(axis=0)
    for j in np.flatnonzero(deaths > pop):
        warnings.append(f"deaths in area {areas[j]} ({_fmt(deaths[j])}) exceed its start population "
                        f"({_fmt(pop[j])}); capped at the population")
    return scale_cols(start, np.minimum(deaths, pop))


#: how moves out of and into an open system are distributed (migest ``match_pob_tot`` methods)
OPEN_METHODS = ("open", "open-dr")


def prepare(tables: StockTables, *, closed: bool = True, integer: bool = True,
            rtol: float = DEFAULT_RTOL, max_iter: int = DEFAULT_MAX_ITER, start: Prepared | None = None,
            open_method: str = "open", clip: bool = True) -> Prepared:
    """Adjust the stock tables for births, deaths and (closed) the world balance; match birthplace
    totals at both dates. See the module docstring for each step and its source.

    ``start``: the preparation of similar tables; its IPF scaling factors are the starting point of this
    one's fits (same result, fewer passes).

    Open system only: ``open_method`` is migest's ``match_pob_tot`` method -- ``"open"`` (leavers distributed
    like the end stocks, arrivals like the start stocks) or ``"open-dr"`` (the reverse, as in Abel 2013,
    Demographic Research; migest's example e3); ``clip=False`` keeps stock cells that the moves out of or
    into the system made negative, as migest does, instead of setting them to zero (the default, which
    keeps every flow non-negative)."""
    if open_method not in OPEN_METHODS:
        raise ValueError(f"open_method must be one of {', '.join(OPEN_METHODS)}, not {open_method!r}")
    warnings: list[str] = []
    areas = tables.areas
    m1 = _non_negative_native(tables.start, areas, "start stocks", warnings)
    m2 = _non_negative_native(tables.end, areas, "end stocks", warnings)
    adjustments: dict[str, float] = {}
    if closed:
        m1, m2, gap = _global_balance(m1, m2, tables.births, tables.deaths, integer=integer,
                                      warnings=warnings)
        adjustments["world_balance_gap"] = gap
    b_mat = birth_matrix(tables.births, m2, areas, warnings)
    d_mat = death_matrix(tables.deaths, m1, areas, warnings)
    m1c = m1 - d_mat
    m2c = m2 - b_mat
    np.maximum(m2c, 0, out=m2c)
    dd = m1c.sum(axis=1) - m2c.sum(axis=1)
    n = len(areas)
    if closed:
        mid = m1c.sum(axis=1) - dd / 2
        warm = start.scaling if start is not None and start.scaling else (None, None)
        m1d, rep1 = ipf2(m1c, mid, m1c.sum(axis=0), rtol=rtol, max_iter=max_iter, start=warm[0])
        m2d, rep2 = ipf2(m2c, mid, m2c.sum(axis=0), rtol=rtol, max_iter=max_iter, start=warm[1])
        scaling = (rep1.scaling, rep2.scaling)
        report = rep1.merge(rep2)
        if not report.converged:
            warnings.append(f"birthplace totals could not be matched exactly (largest relative margin "
                            f"error {report.max_rel_error:.2e} after {report.iterations} passes)")
        from_outside = np.zeros((n, n))
        to_outside = np.zeros((n, n))
    else:
        scaling = ()
        arrivals_like, leavers_like = (m1c, m2c) if open_method == "open" else (m2c, m1c)
        from_outside = scale_rows(arrivals_like, np.maximum(-dd, 0))
        to_outside = scale_rows(leavers_like, np.maximum(dd, 0))
        m1d = m1c - to_outside
        m2d = m2c - from_outside
        neg = float(-(np.minimum(m1d, 0).sum() + np.minimum(m2d, 0).sum()))
        if neg > 0 and not clip:
            warnings.append(f"open system ({open_method}, migest mode): {_fmt(neg)} persons of negative stock kept, "
                            "as migest keeps them (some flows may be negative)")
        elif neg > 0:
            warnings.append(f"open system: moves out of / into the system exceed some stocks; "
                            f"{_fmt(neg)} persons of negative stock set to zero")
            np.maximum(m1d, 0, out=m1d)
            np.maximum(m2d, 0, out=m2d)
        adjustments["open_negative_set_to_zero" if clip else "open_negative_kept"] = neg
        report = IPFReport(iterations=1, converged=True, max_rel_error=0.0, fits=0)
        adjustments["moves_to_outside"] = float(to_outside.sum())
        adjustments["moves_from_outside"] = float(from_outside.sum())
    return Prepared(m1d, m2d, b_mat, d_mat, from_outside, to_outside, m1, m2, report, warnings, adjustments,
                    scaling)


def _prior_block(seed: np.ndarray | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    return None if seed is None else seed[np.ix_(rows, cols)]


def min_blocks(prep: Prepared, seed: np.ndarray | None, *, rtol: float, max_iter: int,
               report: list[IPFReport]) -> tuple[np.ndarray, Iterator[tuple[int, np.ndarray, np.ndarray,
                                                                        np.ndarray]]]:
    """Stayers and, per birthplace, the flow block (sources x sinks) under the stayer assumption.

    Returns ``(stayers, blocks)``; ``blocks`` yields ``(b, sources, sinks, flows)``."""
    m1, m2 = prep.start, prep.end
    stayers = np.minimum(m1, m2)
    x0_all = m1 - stayers
    x1_all = m2 - stayers

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        for b in range(m1.shape[0]):
            x0, x1 = x0_all[b], x1_all[b]
            fitted = _fit_block(x0, x1, seed, rtol=rtol, max_iter=max_iter, report=report)
            if fitted is not None:
                yield (b, *fitted)

    return stayers, blocks()


def _fit_block(x0: np.ndarray, x1: np.ndarray, seed: np.ndarray | None, *, rtol: float, max_iter: int,
               report: list[IPFReport]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One birthplace's table with margins ``x0`` (rows) and ``x1`` (columns), on their non-zero cells.

    The end margin is scaled to the start total (tiny mismatches left after matching); without a prior
    the table is the independence product, with one it is fitted by two-way IPF (Deming and Stephan
    1940). Returns ``(rows, cols, block)``, or None when either margin is empty.
    """
    rows = np.flatnonzero(x0 > 0)
    cols = np.flatnonzero(x1 > 0)
    if rows.size == 0 or cols.size == 0:
        return None
    s0 = x0[rows].sum()
    t1 = x1[cols] * (s0 / x1[cols].sum())
    prior = _prior_block(seed, rows, cols)
    if prior is None:
        return rows, cols, np.outer(x0[rows], t1 / s0)
    block, rep = ipf2(prior, x0[rows], t1, rtol=rtol, max_iter=max_iter)
    report.append(rep)
    return rows, cols, block


def product_flows(x0_all: np.ndarray, x1_all: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every birthplace's table without a prior (:func:`_fit_block`'s independence product), all at once:
    sparse ``(birthplace, origin, destination, flow)`` of the non-zero flows, in the order the block loop
    gives them (birthplace, then origin, then destination).

    Vectorised over the birthplaces: the non-zero margins are listed once (``np.nonzero``), each origin
    entry is repeated once per destination entry of its birthplace (``np.repeat``), and each flow is
    ``x0[b, o] * (x1[b, d] * (s0 / s1) / s0)`` -- the very operations of the loop, so the same bits. Only
    the margin totals ``s0``, ``s1`` are summed per birthplace, over the same compacted values as the loop
    (numpy's pairwise sum depends on the layout)."""
    rb, ro = np.nonzero(x0_all > 0)
    cb, cd = np.nonzero(x1_all > 0)
    n = x0_all.shape[0]
    r_cnt, c_cnt = np.bincount(rb, minlength=n), np.bincount(cb, minlength=n)
    x0v, x1v = x0_all[rb, ro], x1_all[cb, cd]
    r_end, c_end = np.cumsum(r_cnt), np.cumsum(c_cnt)
    r_start, c_start = r_end - r_cnt, c_end - c_cnt
    s0, s1 = np.ones(n), np.ones(n)
    for b in np.flatnonzero((r_cnt > 0) & (c_cnt > 0)).tolist():
        s0[b] = x0v[r_start[b]:r_end[b]].sum()
        s1[b] = x1v[c_start[b]:c_end[b]].sum()
    share = (x1v * (s0 / s1)[cb]) / s0[cb]  # t1 / s0 of the loop, for every destination entry
    rep = c_cnt[rb]
    first = np.cumsum(rep) - rep  # where each origin entry's run starts in the pairs
    pos = np.arange(int(rep.sum())) - np.repeat(first - c_start[rb], rep)
    flow = np.repeat(x0v, rep) * share[pos]
    keep = flow != 0
    dtype = np.int32
    return (np.repeat(rb, rep)[keep].astype(dtype), np.repeat(ro, rep)[keep].astype(dtype),
            cd[pos][keep].astype(dtype), flow[keep])


def ind_blocks(prep: Prepared, seed: np.ndarray | None, *, rtol: float, max_iter: int,
               report: list[IPFReport]) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Per birthplace, the whole table (stayers on the diagonal) under independence."""
    m1, m2 = prep.start, prep.end
    for b in range(m1.shape[0]):
        x0, x1 = m1[b], m2[b]
        fitted = _fit_block(x0, x1, seed, rtol=rtol, max_iter=max_iter, report=report)
        if fitted is not None:
            yield (b, *fitted)


def independence_prior(seed: np.ndarray | None) -> np.ndarray | None:
    """Under independence the prior also weighs staying: a zero diagonal (a distance prior) is replaced
    by the mean of the off-diagonal prior, so that staying is neither forbidden nor favoured."""
    if seed is None:
        return None
    seed = seed.astype(float).copy()
    n = seed.shape[0]
    off = seed[~np.eye(n, dtype=bool)]
    diag = np.diag(seed).copy()
    diag[diag <= 0] = off.mean() if off.size else 1.0
    np.fill_diagonal(seed, diag)
    return seed


class SparseCollector:
    """Collects per-birthplace blocks into sparse off-diagonal flows, stayers and OD totals."""

    def __init__(self, n: int, *, keep: bool = True) -> None:
        self.n = n
        #: keep flows by birthplace (False: only origin x destination totals, for the bootstrap)
        self.keep = keep
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.stayers = np.zeros((n, n))
        self.od = np.zeros((n, n))

    def add(self, b: int, rows: np.ndarray, cols: np.ndarray, block: np.ndarray) -> None:
        if not self.keep:
            self.od[np.ix_(rows, cols)] += block  # rows and cols are unique: no double counting
            return
        r, c = np.nonzero(block)
        vals = block[r, c]
        o, d = rows[r], cols[c]
        same = o == d
        if same.any():
            self.stayers[b, o[same]] += vals[same]
            keep = ~same
            o, d, vals = o[keep], d[keep], vals[keep]
        dtype = np.int32
        self.parts.append((np.full(o.size, b, dtype=dtype), o.astype(dtype), d.astype(dtype), vals))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            e = np.zeros(0, dtype=np.int32)
            return e, e, e, np.zeros(0)
        return tuple(np.concatenate([p[i] for p in self.parts]) for i in range(4))  # type: ignore[return-value]


def assemble(method: str, tables: StockTables, prep: Prepared, collector: SparseCollector,
             reports: list[IPFReport], parameters: dict[str, Any]) -> FlowResult:
    """Build the :class:`FlowResult` (flows, account, tables used, adjustments, convergence)."""
    report = prep.ipf
    for r in reports:
        report = report.merge(r)
    if not collector.keep:  # origin x destination totals only (bootstrap replicates)
        od = collector.od
        np.fill_diagonal(od, 0)
        empty = np.zeros(0, dtype=np.int32)
        return FlowResult(method=method, areas=list(tables.areas), od=od, bp_birthplace=empty,
                          bp_origin=empty, bp_destination=empty, bp_flow=np.zeros(0), ipf=report,
                          warnings=list(prep.warnings), adjustments=dict(prep.adjustments),
                          parameters=parameters)
    b, o, d, f = collector.arrays()
    n = tables.n
    od = od_from_sparse(n, o.astype(np.int64), d.astype(np.int64), f)
    stayers = collector.stayers
    b64 = b.astype(np.int64)
    out_of = np.bincount(b64 * n + o, weights=f, minlength=n * n).reshape(n, n)
    into = np.bincount(b64 * n + d, weights=f, minlength=n * n).reshape(n, n)
    start_used = out_of + stayers + prep.deaths + prep.to_outside
    end_used = into + stayers + prep.births + prep.from_outside
    warnings = list(prep.warnings)
    if not report.converged:
        hint = ("raise --max-iter" if report.iterations >= parameters.get("max_iter", DEFAULT_MAX_ITER)
                else "more passes would not help: the margins cannot be met (a prior with zeros where the "
                "margins need flows, or inconsistent inputs)")
        warnings.append(f"IPF did not converge everywhere (largest relative margin error "
                        f"{report.max_rel_error:.2e} after {report.iterations} passes); {hint}")
    adjustments = dict(prep.adjustments)
    adjustments["start_abs_change"] = float(np.abs(start_used - tables.start).sum())
    adjustments["end_abs_change"] = float(np.abs(end_used - tables.end).sum())
    return FlowResult(
        method=method, areas=list(tables.areas), od=od,
        bp_birthplace=b, bp_origin=o, bp_destination=d, bp_flow=f,
        stayers=stayers, births=prep.births, deaths=prep.deaths,
        from_outside=prep.from_outside, to_outside=prep.to_outside,
        stock_start_used=start_used, stock_end_used=end_used,
        ipf=report, warnings=warnings, adjustments=adjustments, parameters=parameters,
    )


def _check_seed(seed: np.ndarray | None, n: int) -> np.ndarray | None:
    if seed is None:
        return None
    seed = np.asarray(seed, dtype=float)
    if seed.shape != (n, n):
        raise ValueError(f"the prior must be an {n} x {n} origin x destination matrix")
    if np.any(seed < 0) or not np.all(np.isfinite(seed)):
        raise ValueError("the prior must be finite and non-negative")
    return seed


def row_shares(x: np.ndarray) -> np.ndarray:
    """Each row of ``x`` divided by its total (a row that sums to zero stays zero)."""
    total = x.sum(axis=1)[:, None]
    return np.divide(x, total, out=np.zeros_like(x, dtype=float), where=total > 0)


def closed_form_od(prep: Prepared, *, stayer_assumption: bool) -> np.ndarray:
    """Origin x destination totals without a prior, all birthplaces at once (bootstrap replicates).

    Without a prior each birthplace's table is the product of its margins (:func:`_fit_block`):
    ``x0[o] * x1[d] / sum(x1)``. Summed over birthplaces that is one matrix product,
    ``x0.T @ row_shares(x1)``, with ``x0, x1`` the leavers and arrivals left after the stayers
    (stayer assumption) or the whole start and end tables (independence; the diagonal, stayers, is
    then dropped by :func:`assemble`)."""
    if stayer_assumption:
        stayers = np.minimum(prep.start, prep.end)
        x0, x1 = prep.start - stayers, prep.end - stayers
    else:
        x0, x1 = prep.start, prep.end
    return x0.T @ row_shares(x1)


def da_min(tables: StockTables, *, closed: bool, seed: np.ndarray | None = None, integer: bool = True,
           rtol: float = DEFAULT_RTOL, max_iter: int = DEFAULT_MAX_ITER, od_only: bool = False,
           prepared: Prepared | None = None, open_method: str = "open", clip: bool = True) -> FlowResult:
    """Demographic accounting under the stayer assumption (minimum migration).

    ``closed=True`` is ``da_min_closed`` (Abel & Sander 2014; Abel 2018), ``closed=False`` is
    ``da_min_open`` (Abel 2013, with migest's "open" weights). ``prepared``: the result of
    :func:`prepare` for these tables and parameters, when the caller already has it."""
    seed = _check_seed(seed, tables.n)
    prep = prepared or prepare(tables, closed=closed, integer=integer, rtol=rtol, max_iter=max_iter,
                               open_method=open_method, clip=clip)
    reports: list[IPFReport] = []
    col = SparseCollector(tables.n, keep=not od_only)
    if od_only and seed is None:
        col.od = closed_form_od(prep, stayer_assumption=True)
    elif seed is None:  # the product of the margins: all birthplaces at once
        stayers = np.minimum(prep.start, prep.end)
        col.parts.append(product_flows(prep.start - stayers, prep.end - stayers))
        col.stayers += stayers
    else:
        stayers, blocks = min_blocks(prep, seed, rtol=rtol, max_iter=max_iter, report=reports)
        for b, rows, cols, block in blocks:
            col.add(b, rows, cols, block)
        col.stayers += stayers
    method = "da_min_closed" if closed else "da_min_open"
    params = {"stayer_assumption": True, "closed": closed, "integer": integer, "rtol": rtol,
              "max_iter": max_iter, "prior": seed is not None}
    if not closed:
        params.update(open_method=open_method, clip=clip)
    return assemble(method, tables, prep, col, reports, params)


def da_ind_closed(tables: StockTables, *, seed: np.ndarray | None = None, integer: bool = True,
                  rtol: float = DEFAULT_RTOL, max_iter: int = DEFAULT_MAX_ITER, od_only: bool = False,
                  prepared: Prepared | None = None) -> FlowResult:
    """Demographic accounting without the stayer assumption (independence), closed system.

    The independent model used inside Azose & Raftery (2019); migest ``ffs_demo(stayer_assumption =
    FALSE)``."""
    seed = independence_prior(_check_seed(seed, tables.n))
    prep = prepared or prepare(tables, closed=True, integer=integer, rtol=rtol, max_iter=max_iter)
    reports: list[IPFReport] = []
    col = SparseCollector(tables.n, keep=not od_only)
    if od_only and seed is None:
        col.od = closed_form_od(prep, stayer_assumption=False)
    else:
        for b, rows, cols, block in ind_blocks(prep, seed, rtol=rtol, max_iter=max_iter, report=reports):
            col.add(b, rows, cols, block)
    params = {"stayer_assumption": False, "closed": True, "integer": integer, "rtol": rtol,
              "max_iter": max_iter, "prior": seed is not None}
    return assemble("da_ind_closed", tables, prep, col, reports, params)
