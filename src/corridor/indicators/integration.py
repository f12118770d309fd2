"""Integration gaps, migrants versus natives, with the design-based standard error of the difference.

For an outcome y and two domains of the same survey (migrants M and natives N, by citizenship or
country of birth, optionally within sex and age), the gap is the difference of domain means
(proportions are means of 0/1):

    gap = m_M - m_N,   m_d = sum_i w_i y_i I_d(i) / sum_i w_i I_d(i).

**Domain estimation done right**: the domains are not cut out of the file. Every record stays in
the design (strata, PSUs, weights); a record outside a domain contributes zero to that domain's
linearised score. The gap's Taylor-linearised score is

    z_i = I_M(i) (y_i - m_M) / N_M  -  I_N(i) (y_i - m_N) / N_N,

and its variance is the stratified with-replacement PSU variance of sum_i w_i z_i (Wolter 2007, sec.
6.11; Lumley 2010, sec. 2.2 and 3.4 on domains): per stratum h with n_h PSUs,
n_h/(n_h-1) sum_j (t_hj - t_h)^2 over the PSU totals t_hj. Because both domains share PSUs (a
household of natives and migrants), the covariance of m_M and m_N is kept; this equals R survey's
``svyby(~y, ~group, design, svymean, covmat = TRUE)`` followed by ``svycontrast`` (tests/indicators/data
holds an R check). The design facts (PSU keys within strata, degrees of freedom) come from
:mod:`corridor.estimate.survey.taylor`; reliability statuses from
:mod:`corridor.estimate.survey.status` (by the CV of each domain estimate: the gap is ``U`` or ``Q``
when either side is); a domain with fewer than ``min_respondents`` records is suppressed (``Q``,
disclosure control on small cells) and its gap is not shown.

At-risk-of-poverty: equivalised disposable income below 60% of the weighted median over all persons
(Eurostat's definition; the threshold is treated as fixed, so its own sampling variance is not
included -- said in every such result).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor.estimate.survey.intervals import t_interval
from corridor.estimate.survey.status import Thresholds, coefficient_of_variation, obs_status
from corridor.estimate.survey.taylor import design_df, psu_keys

MIN_RESPONDENTS = 20
LEVEL = 0.95


@dataclass(frozen=True)
class Design:
    """Column names of the survey design: weights, strata (or None), PSUs (or None: one per record)."""

    weights: str
    strata: str | None = None
    psu: str | None = None


def wr_variance(frame: pd.DataFrame, design: Design, score: np.ndarray) -> float:
    """Stratified with-replacement variance of sum_i w_i score_i over first-stage PSUs."""
    stratum, unit = psu_keys(frame, design.strata, design.psu)
    totals = pd.Series(frame[design.weights].to_numpy() * score).groupby([stratum.to_numpy(), unit.to_numpy()]).sum()
    by_stratum = totals.groupby(level=0)
    n = by_stratum.transform("size")
    dev = (totals - by_stratum.transform("mean")) ** 2 * n / (n - 1)
    return float(dev[n > 1].sum())


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median (the smallest value whose cumulative weight reaches half the total)."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


def domain_mean(frame: pd.DataFrame, design: Design, y: np.ndarray, domain: np.ndarray) -> dict[str, float]:
    """Domain mean with its linearised score (all records kept in the design)."""
    w = frame[design.weights].to_numpy(dtype=float)
    inside = domain & ~np.isnan(y)
    size = float(w[inside].sum())
    if size <= 0:
        return {"mean": np.nan, "size": 0.0, "n": 0, "score": np.zeros(len(frame))}
    mean = float((w * np.where(inside, y, 0.0)).sum() / size)
    score = np.where(inside, (np.nan_to_num(y) - mean) / size, 0.0)
    return {"mean": mean, "size": size, "n": int(inside.sum()), "score": score}


def gap(frame: pd.DataFrame, design: Design, y: np.ndarray, migrants: np.ndarray, natives: np.ndarray, *,
        thresholds: Thresholds = Thresholds(), min_respondents: int = MIN_RESPONDENTS) -> dict[str, object]:
    """Migrant and native means, the gap, its SE (covariance kept), t interval and statuses."""
    a = domain_mean(frame, design, y, migrants)
    b = domain_mean(frame, design, y, natives)
    se_a = np.sqrt(wr_variance(frame, design, a["score"]))
    se_b = np.sqrt(wr_variance(frame, design, b["score"]))
    diff = a["mean"] - b["mean"]
    se = np.sqrt(wr_variance(frame, design, a["score"] - b["score"]))
    df = design_df(frame, design.strata, design.psu, design.weights)
    status_a, status_b = (obs_status(np.array([m]), np.array([s]), coefficient_of_variation(np.array([m]),
                                     np.array([s])), thresholds)[0] for m, s in ((a["mean"], se_a), (b["mean"], se_b)))
    small = min(a["n"], b["n"]) < min_respondents
    order = {"A": 0, "U": 1, "Q": 2, "O": 3}
    status = "Q" if small else max(status_a, status_b, key=order.__getitem__)
    if a["n"] == 0 and b["n"] == 0:
        status = "O"  # nobody of this breakdown is in the outcome's universe (e.g. employment at 65+)
    lower, upper = t_interval(np.array([diff]), np.array([se]), df, LEVEL)
    shown = status not in ("Q", "O")
    return {
        "migrants": a["mean"] if a["n"] >= min_respondents else np.nan, "se_migrants": se_a,
        "natives": b["mean"] if b["n"] >= min_respondents else np.nan, "se_natives": se_b,
        "gap": diff if shown else np.nan, "se_gap": se if shown else np.nan,
        "lower": float(lower[0]) if shown else np.nan, "upper": float(upper[0]) if shown else np.nan,
        "n_migrants": a["n"], "n_natives": b["n"], "df": df, "obs_status": status,
        "interval": f"{int(LEVEL * 100)}% t interval on {df} design df, Taylor linearisation (covariance of the "
                    "two domains kept)",
    }
