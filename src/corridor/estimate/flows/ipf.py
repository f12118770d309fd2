"""Iterative proportional fitting (IPF) of two-way tables to row and column totals.

IPF (Deming & Stephan 1940; Bishop, Fienberg & Holland 1975, ch. 3) scales a non-negative seed table
alternately to its row and column targets. The fitted table keeps the seed's odds ratios (the seed is
the *prior*: a distance matrix, a table of ones for independence, zeros for structural zeros).

Unlike migest (whose ``ipf2``/``mipfp`` calls stop when the largest *absolute* change of a cell falls
under 1e-3, so tables with cells near 1e9 run thousands of passes), convergence here is *relative*:
the largest margin error divided by its target (with a floor of ``rtol`` times the table total for
near-zero targets). Every fit returns a :class:`IPFReport` saying whether it converged.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController

#: default relative tolerance on the margins
DEFAULT_RTOL = 1e-10
#: default largest number of passes (one pass = scale rows, then columns)
DEFAULT_MAX_ITER = 10_000


@dataclass
class IPFReport:
    """Convergence of one (or a batch of) IPF fits."""

    iterations: int
    converged: bool
    max_rel_error: float
    fits: int = 1
    #: the scaling factors ``(r, c)`` of a single fit (``start`` of :func:`ipf2` for a similar table)
    scaling: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def merge(self, other: IPFReport) -> IPFReport:
        """Combine two reports (worst case of both)."""
        return IPFReport(
            iterations=max(self.iterations, other.iterations),
            converged=self.converged and other.converged,
            max_rel_error=max(self.max_rel_error, other.max_rel_error),
            fits=self.fits + other.fits,
        )


def _safe_ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    out = np.zeros_like(target, dtype=float)
    np.divide(target, current, out=out, where=current > 0)
    return out


def _rel_error(current: np.ndarray, target: np.ndarray, floor: float) -> float:
    if current.size == 0:
        return 0.0
    return float(np.max(np.abs(current - target) / np.maximum(np.abs(target), floor)))


def ipf2(
    seed: np.ndarray,
    row_tot: np.ndarray | None = None,
    col_tot: np.ndarray | None = None,
    *,
    rtol: float = DEFAULT_RTOL,
    max_iter: int = DEFAULT_MAX_ITER,
    newton_after: int = 20,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, IPFReport]:
    """Fit ``seed`` (r x c, non-negative) to ``row_tot`` and/or ``col_tot`` by IPF.

    Either margin may be ``None`` (then only the other is fitted: one pass, proportional scaling).
    Returns the fitted table and its :class:`IPFReport`. Rows or columns whose seed is all zero cannot
    reach a positive target; the report then says ``converged=False``.

    The fitted table is ``diag(r) seed diag(c)``: the IPF passes update the scaling vectors ``r`` and
    ``c``. When plain IPF converges slowly (national tables where the native-born dominate a row and a
    column at once converge linearly with a rate close to 1), after ``newton_after`` passes the same
    fixed point is found by Newton's method on ``log r, log c`` (the Jacobian is the fitted table
    bordered by its margins; each step is a small Cholesky solve), with step halving so that the margin
    error never grows. Both reach the unique IPF solution; Newton only gets there in fewer passes.

    ``start``: scaling factors ``(r, c)`` to start from, those of a fit of a similar table (a bootstrap
    replicate starts from the fit of the published tables, ``IPFReport.scaling``); after one
    pass Newton takes over. The solution is the same; only the path to it is shorter.

    Reference: Willekens (1999); Abel (2013) appendix; migest ``ipf2``.
    """
    a = np.asarray(seed, dtype=float)
    if a.ndim != 2:
        raise ValueError("ipf2 expects a two-way table")
    if np.any(a < 0):
        raise ValueError("IPF seed must be non-negative")
    rt = None if row_tot is None else np.asarray(row_tot, dtype=float)
    ct = None if col_tot is None else np.asarray(col_tot, dtype=float)
    total = max(float(rt.sum()) if rt is not None else float(ct.sum()), 1e-300)
    floor = max(rtol * total, 1e-300)
    r = np.ones(a.shape[0]) if start is None else np.array(start[0], dtype=float)
    c = np.ones(a.shape[1]) if start is None else np.array(start[1], dtype=float)
    if start is not None:
        newton_after = 1

    def error(r: np.ndarray, c: np.ndarray) -> float:
        err = 0.0
        if rt is not None:
            err = max(err, _rel_error(r * (a @ c), rt, floor))
        if ct is not None:
            err = max(err, _rel_error(c * (a.T @ r), ct, floor))
        return err

    it = 0
    err = error(r, c)
    while err > rtol and it < max_iter:
        it += 1
        if rt is not None:
            r = _safe_ratio(rt, a @ c)
        if ct is not None:
            c = _safe_ratio(ct, a.T @ r)
        new_err = error(r, c)
        if rt is None or ct is None or abs(new_err - err) <= 1e-15 * max(err, 1.0):
            err = new_err
            break  # a single margin is fitted in one pass; a stalled fit will not improve
        err = new_err
        if it >= newton_after and err > rtol:
            # one BLAS thread: a small dense solve gains nothing from threads and loses much to
            # spinning threads on a busy machine
            with single_blas_thread():
                r, c, it, err = _newton(a, rt, ct, r, c, it, max_iter, rtol, error)
            break
    mu = r[:, None] * a * c[None, :]
    return mu, IPFReport(iterations=it, converged=err <= rtol, max_rel_error=err, scaling=(r, c))


@cache
def _blas_controller() -> ThreadpoolController:
    from threadpoolctl import ThreadpoolController  # imported when a Newton finish needs it (start-up cost)

    return ThreadpoolController()


def single_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread: the small dense products and solves of the flow methods gain nothing from
    threads and lose much to spinning threads on a busy machine. A process started with
    ``OPENBLAS_NUM_THREADS=1`` (the lean start of ``corridor flows estimate`` sets it before numpy loads, so
    OpenBLAS starts no thread pool) has nothing to limit: no threadpoolctl, whose import and library scan
    cost about 10 ms."""
    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        return nullcontext()
    return _blas_controller().limit(limits=1, user_api="blas")


def _newton(a: np.ndarray, rt: np.ndarray, ct: np.ndarray, r: np.ndarray, c: np.ndarray, it: int,
            max_iter: int, rtol: float, error) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Newton's method for the IPF fixed point on the active (positive) rows and columns."""
    rows = np.flatnonzero(r > 0)
    cols = np.flatnonzero(c > 0)
    sub = a[np.ix_(rows, cols)]
    if (sub.sum(axis=1) <= 0).any() or (sub.sum(axis=0) <= 0).any():
        return r, c, it, error(r, c)
    u, v = np.log(r[rows]), np.log(c[cols])
    tr, tc = rt[rows], ct[cols]
    nr = rows.size

    def resid(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = np.exp(u)[:, None] * sub * np.exp(v)[None, :]
        return m, np.concatenate([m.sum(axis=1) - tr, m.sum(axis=0) - tc])

    def full(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rr, cc = np.zeros_like(r), np.zeros_like(c)
        rr[rows], cc[cols] = np.exp(u), np.exp(v)
        return rr, cc

    m, f = resid(u, v)
    err = error(*full(u, v))
    while err > rtol and it < max_iter:
        it += 1
        # Newton step on J = [[diag(rs), m], [m.T, diag(cs)]] by its Schur complement on the columns;
        # the fit is invariant to (u + t, v - t), so the last column's step is fixed at 0
        # (symmetric positive definite once the last column is fixed; NumPy's LAPACK solve: SciPy's
        # Cholesky would add ~0.15 s of import to every command for no measurable gain at this size)
        rs, cs = m.sum(axis=1), m.sum(axis=0)
        fr, fc = f[:nr], f[nr:]
        half = m / np.sqrt(rs)[:, None]
        schur = np.diag(cs) - half.T @ half
        rhs = -fc + m.T @ (fr / rs)
        dv = np.zeros(cs.size)
        try:
            dv[:-1] = np.linalg.solve(schur[:-1, :-1], rhs[:-1])
        except np.linalg.LinAlgError:
            dv = np.linalg.lstsq(schur, rhs, rcond=None)[0]
        du = (-fr - m @ dv) / rs
        step = np.concatenate([du, dv])
        t, norm = 1.0, float(np.abs(f).max())
        while True:
            u2, v2 = u + t * step[:nr], v + t * step[nr:]
            with np.errstate(over="ignore", invalid="ignore"):  # a step too long overflows: halved below
                m2, f2 = resid(u2, v2)
            if float(np.abs(f2).max()) < norm or t < 1e-6:
                break
            t /= 2
        if t < 1e-6:
            break
        u, v, m, f = u2, v2, m2, f2
        err = error(*full(u, v))
    rr, cc = full(u, v)
    return rr, cc, it, err


def scale_rows(table: np.ndarray, row_tot: np.ndarray) -> np.ndarray:
    """Scale each row of ``table`` to ``row_tot`` (one-margin IPF; zero rows stay zero)."""
    return table * _safe_ratio(np.asarray(row_tot, dtype=float), table.sum(axis=1))[:, None]


def scale_cols(table: np.ndarray, col_tot: np.ndarray) -> np.ndarray:
    """Scale each column of ``table`` to ``col_tot`` (one-margin IPF; zero columns stay zero)."""
    return table * _safe_ratio(np.asarray(col_tot, dtype=float), table.sum(axis=0))[None, :]
