"""The calibrated prediction interval: a model of what a population register records, given an estimate.

Stock-based flow estimates count *transitions* (a person's residence at two dates) and miss every move
that a return move offsets; registers count *movements* (12-month criterion) over the whole period. No
resampling of the stocks can show that gap, so the interval is a prediction interval learnt from the
flows registers observed (Welch & Raftery 2022 check interval coverage out of sample; Gaskin & Abel 2025
train models on reported flows with stock-based estimates and covariates).

**Design** (per method ``m``; a pair is an origin ``o`` and a destination ``d``; all logs are
``log(1 + x)``):

1. *Mean* (ordinary least squares): ``y = log(1 + observed flow o -> d summed over the period)`` on
   ``x = [1, log(1 + estimate_m(o, d)), log(1 + S0[o, d]), log(1 + S1[o, d]), log(1 + S0[d, o]),
   log(1 + P0[o]), log(1 + P0[d])]``, with ``S0``/``S1`` the stock born in ``o`` living in ``d`` at the
   start/end (return flows: the ``d``-born in ``o``) and ``P0`` the populations at the start.
2. *Scale*: ``log(|residual| + 0.05)`` on the same ``x`` gives a local scale ``s(x)`` (normalised conformal
   prediction: Papadopoulos et al. 2008; Lei et al. 2018, section 5.2).
3. *Conformal quantiles* of the normalised residuals ``r / s(x)``, each tail at ``(1 - level) / 2``, with
   the finite-sample rank ``ceil((n + 1) q)`` (split conformal, Vovk et al. 2005; Lei et al. 2018). The
   scores are *out of fold* (leave-one-reporting-country-out), so the quantiles are those of predictions
   for countries the model did not see.
4. The interval is ``expm1(mu(x) + q_lo s(x)), expm1(mu(x) + q_hi s(x))`` (not below 0), widened where
   needed to contain the method's own estimate (the warehouse requires ``lower <= value <= upper``).

Validation (:func:`evaluate`): leave-one-period-out and leave-one-country-out; for each held-out fold the
whole procedure (1-3) is refitted on the rest and the published interval (4) is scored on the fold:
empirical coverage at 50/80/90/95% and the mean interval score of Gneiting & Raftery (2007, eq. 43) on
``log(1 + flow)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: nominal levels the calibration reports
LEVELS = (0.5, 0.8, 0.9, 0.95)
#: the level of the published lower/upper
LEVEL = 0.9
#: added to |residual| before its log (the scale model's floor, on the log(1 + flow) scale)
SCALE_FLOOR = 0.05
#: covariate names, in the order of :func:`design`
COVARIATES = ("intercept", "log1p_estimate", "log1p_stock_start", "log1p_stock_end", "log1p_return_stock",
              "log1p_pop_origin", "log1p_pop_destination")


def design(estimate: np.ndarray, start: np.ndarray, end: np.ndarray, origin: np.ndarray,
           destination: np.ndarray) -> np.ndarray:
    """The covariates :data:`COVARIATES` of pairs ``origin -> destination`` (index arrays into the tables);
    ``estimate`` is the method's origin x destination matrix, ``start``/``end`` the stock tables (rows =
    place of birth, columns = residence)."""
    pop = start.sum(axis=0)
    return np.column_stack([
        np.ones(origin.size),
        np.log1p(np.maximum(estimate[origin, destination], 0)),
        np.log1p(start[origin, destination]),
        np.log1p(end[origin, destination]),
        np.log1p(start[destination, origin]),
        np.log1p(pop[origin]),
        np.log1p(pop[destination]),
    ])


@dataclass
class Model:
    """A fitted mean and scale model with its conformal quantiles by level."""

    beta: np.ndarray
    gamma: np.ndarray
    #: level -> (lower, upper) quantile of the normalised residuals
    quantiles: dict[float, tuple[float, float]]

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and scale of ``log(1 + register flow)`` at covariates ``x``."""
        return x @ self.beta, np.exp(x @ self.gamma)

    def bounds(self, x: np.ndarray, estimate: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The published interval (step 4 of the module docstring) at ``level``."""
        mu, s = self.predict(x)
        q_lo, q_hi = self.quantiles[level]
        lower = np.maximum(np.expm1(mu + q_lo * s), 0.0)
        upper = np.expm1(mu + q_hi * s)
        return np.minimum(lower, estimate), np.maximum(upper, estimate)

    def to_dict(self) -> dict:
        return {"beta": [float(v) for v in self.beta], "gamma": [float(v) for v in self.gamma],
                "quantiles": {f"{k:g}": [float(v) for v in q] for k, q in self.quantiles.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        return cls(np.asarray(data["beta"], dtype=float), np.asarray(data["gamma"], dtype=float),
                   {float(k): (float(v[0]), float(v[1])) for k, v in data["quantiles"].items()})


def _ols(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(x, y, rcond=None)[0]


def _fit_mean_scale(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta = _ols(x, y)
    gamma = _ols(x, np.log(np.abs(y - x @ beta) + SCALE_FLOOR))
    return beta, gamma


def conformal_quantiles(scores: np.ndarray, levels: Sequence[float] = LEVELS) -> dict[float, tuple[float, float]]:
    """Each tail's split-conformal quantile of ``scores`` (normalised residuals): the ``ceil((n + 1) q)``-th
    smallest for the upper tail ``q = (1 + level) / 2`` and symmetrically for the lower tail (Lei et al.
    2018, eq. 4)."""
    s = np.sort(scores)
    n = s.size
    out = {}
    for level in levels:
        tail = (1 - level) / 2
        hi = min(math.ceil((n + 1) * (1 - tail)), n) - 1
        lo = max(math.floor((n + 1) * tail), 1) - 1
        out[level] = (float(s[lo]), float(s[hi]))
    return out


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, levels: Sequence[float] = LEVELS) -> Model:
    """Fit the model on all pairs; the conformal quantiles come from out-of-fold normalised residuals,
    one fold per value of ``groups`` (the reporting country, :func:`group_folds`)."""
    beta, gamma = _fit_mean_scale(x, y)
    scores = np.empty(y.size)
    for train, test in group_folds(groups):
        b, g = _fit_mean_scale(x[train], y[train])
        scores[test] = (y[test] - x[test] @ b) / np.exp(x[test] @ g)
    return Model(beta, gamma, conformal_quantiles(scores, levels))


def group_folds(groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays: each value of ``groups`` held out in turn."""
    return [(np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in np.unique(groups)]


def interval_score(lower: np.ndarray, upper: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
    """Interval score (Gneiting & Raftery 2007, eq. 43): width plus ``2 / alpha`` times the miss."""
    alpha = 1 - level
    return (upper - lower) + 2 / alpha * (np.maximum(lower - y, 0) + np.maximum(y - upper, 0))


@dataclass
class Evaluation:
    """Out-of-sample scores of one method under one scheme."""

    method: str
    scheme: str  # "leave-one-period-out" or "leave-one-country-out"
    n: int
    coverage: dict[float, float]
    score: dict[float, float]


def evaluate(method: str, scheme: str, x: np.ndarray, y: np.ndarray, estimate: np.ndarray, folds: np.ndarray,
             country: np.ndarray, origin_country: np.ndarray, levels: Sequence[float] = LEVELS) -> Evaluation:
    """Hold out each value of ``folds`` in turn, refit everything (:func:`fit`) on pairs that share
    nothing with it, and score the published interval on the held-out pairs.

    Leave-one-country-out: ``folds`` is the reporting country and the training pairs are those that
    involve the held-out country neither as destination nor as origin (``country``/``origin_country``).
    Leave-one-period-out: ``folds`` is the period."""
    inside = {lv: np.zeros(y.size, dtype=bool) for lv in levels}
    scores = {lv: np.zeros(y.size) for lv in levels}
    for value in np.unique(folds):
        test = folds == value
        train = ~test
        if scheme == "leave-one-country-out":
            train &= origin_country != value
        model = fit(x[train], y[train], country[train], levels)
        for lv in levels:
            lo, hi = model.bounds(x[test], estimate[test], lv)
            yy = np.expm1(y[test])
            inside[lv][test] = (lo <= yy) & (yy <= hi)
            scores[lv][test] = interval_score(np.log1p(lo), np.log1p(hi), y[test], lv)
    return Evaluation(method, scheme, int(y.size), {lv: float(inside[lv].mean()) for lv in levels},
                      {lv: float(scores[lv].mean()) for lv in levels})
