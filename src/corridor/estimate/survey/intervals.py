"""Confidence intervals for design-based estimates, with t on the design degrees of freedom.

- Means, totals and ratios: estimate +/- t_{df, 1-alpha/2} x SE (Lumley 2010, sec. 2.2; R survey
  ``confint(x, df = degf(design))``).
- Proportions: the logit interval of R survey 4.1.1 ``svyciprop(method = "logit")``: the interval
  logit(p) +/- t_{df, 1-alpha/2} x SE(p) / (p (1 - p)) is transformed back with the inverse logit
  (Korn & Graubard 1999, sec. 5.2). It stays inside (0, 1); undefined for p = 0 or p = 1.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_quantile(df: float, level: float = 0.95) -> float:
    """Two-sided t quantile on ``df`` degrees of freedom (NaN when df < 1)."""
    if not df or df < 1:
        return float("nan")
    return float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df))


Bounds = tuple[np.ndarray, np.ndarray]


def t_interval(estimate: np.ndarray, se: np.ndarray, df: float, level: float = 0.95) -> Bounds:
    """Symmetric interval estimate +/- t x SE."""
    q = t_quantile(df, level)
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    return est - q * se, est + q * se


def logit_interval(p: np.ndarray, se: np.ndarray, df: float, level: float = 0.95) -> Bounds:
    """Logit-transformed interval for a proportion (R ``svyciprop(method = "logit")``)."""
    q = t_quantile(df, level)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    inside = (p > 0) & (p < 1)
    lo = np.full(p.shape, np.nan)
    hi = np.full(p.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        lo[inside] = 1 / (1 + np.exp(-(centre[inside] - half[inside])))
        hi[inside] = 1 / (1 + np.exp(-(centre[inside] + half[inside])))
    return lo, hi
