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

from dataclasses import dataclass

import numpy as np

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
) -> tuple[np.ndarray, IPFReport]:
    """Fit ``seed`` (r x c, non-negative) to ``row_tot`` and/or ``col_tot`` by IPF.

    Either margin may be ``None`` (then only the other is fitted: one pass, proportional scaling).
    Returns the fitted table and its :class:`IPFReport`. Rows or columns whose seed is all zero cannot
    reach a positive target; the report then says ``converged=False``.

    Reference: Willekens (1999); Abel (2013) appendix; migest ``ipf2``.
    """
    mu = np.asarray(seed, dtype=float).copy()
    if mu.ndim != 2:
        raise ValueError("ipf2 expects a two-way table")
    if np.any(mu < 0):
        raise ValueError("IPF seed must be non-negative")
    rt = None if row_tot is None else np.asarray(row_tot, dtype=float)
    ct = None if col_tot is None else np.asarray(col_tot, dtype=float)
    total = max(float(rt.sum()) if rt is not None else float(ct.sum()), 1e-300)
    floor = max(rtol * total, 1e-300)

    def error(m: np.ndarray) -> float:
        err = 0.0
        if rt is not None:
            err = max(err, _rel_error(m.sum(axis=1), rt, floor))
        if ct is not None:
            err = max(err, _rel_error(m.sum(axis=0), ct, floor))
        return err

    it = 0
    err = error(mu)
    while err > rtol and it < max_iter:
        it += 1
        if rt is not None:
            mu *= _safe_ratio(rt, mu.sum(axis=1))[:, None]
        if ct is not None:
            mu *= _safe_ratio(ct, mu.sum(axis=0))[None, :]
        new_err = error(mu)
        if rt is None or ct is None or abs(new_err - err) <= 1e-15 * max(err, 1.0):
            err = new_err
            break  # a single margin is fitted in one pass; a stalled fit will not improve
        err = new_err
    return mu, IPFReport(iterations=it, converged=err <= rtol, max_rel_error=err)


def scale_rows(table: np.ndarray, row_tot: np.ndarray) -> np.ndarray:
    """Scale each row of ``table`` to ``row_tot`` (one-margin IPF; zero rows stay zero)."""
    return table * _safe_ratio(np.asarray(row_tot, dtype=float), table.sum(axis=1))[:, None]


def scale_cols(table: np.ndarray, col_tot: np.ndarray) -> np.ndarray:
    """Scale each column of ``table`` to ``col_tot`` (one-margin IPF; zero columns stay zero)."""
    return table * _safe_ratio(np.asarray(col_tot, dtype=float), table.sum(axis=0))[None, :]
