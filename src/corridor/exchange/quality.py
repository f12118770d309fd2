"""Matching quality, published: what ``corridor exchange report`` prints.

Of a matching run (:class:`~corridor.exchange.matching.MatchResult` on a :class:`Market`):

* **fill rate** -- places matched / open places (openings);
* **share of jobseekers matched** -- matched / jobseekers in the market;
* **stability** -- blocking pairs and capacity/quota violations found by the independent checker.

Of the registry:

* **time to match** -- days from a jobseeker's registration to their first proposed placement
  (median and 90th percentile);
* **score vs outcome, held out** -- placements with a known outcome (``completed``/``returned`` =
  1, ``broken_off`` = 0) are split by time: the earlier ``1 - test_share`` fit a one-variable
  logistic model P(completed) = 1 / (1 + exp(-(a + b score))) by maximum likelihood; on the later
  share the report gives Spearman's rank correlation of score and outcome, the AUC (the probability a
  completed placement scored above a broken-off one, ties 1/2), the Brier score, and a calibration
  table (predicted vs observed completion by quintile of prediction).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import rankdata, spearmanr
from sqlalchemy import func, select

from corridor.exchange.market import Market
from corridor.exchange.matching import MatchResult
from corridor.exchange.models import Jobseeker, Placement
from corridor.exchange.registry import Registry

COMPLETED = frozenset({"completed", "returned"})


def run_quality(result: MatchResult, market: Market) -> dict[str, Any]:
    """Fill rate, share matched and the checker's verdict for one run."""
    report = result.check()
    openings = market.openings
    return {
        "method": result.method,
        "jobseekers": len(market.workers), "vacancies": len(market.vacancies), "openings": openings,
        "pairs_examined": result.candidates, "pairs_eligible": int(len(result.table.worker)),
        "rule_failures": dict(result.rule_failures),
        "matched": len(result.matches),
        "fill_rate": len(result.matches) / openings if openings else None,
        "share_matched": len(result.matches) / len(market.workers) if market.workers else None,
        "blocking_pairs": len(report.blocking_pairs), "over_capacity": len(report.over_capacity),
        "over_quota": len(report.over_quota), "stable": report.stable,
        "total_score": round(sum(m["score"] for m in result.matches), 6),
    }


def time_to_match(registry: Registry) -> dict[str, float | None]:
    """Days from registration to first proposal (median, p90, n)."""
    with registry.sessions() as s:
        rows = s.execute(select(Jobseeker.registered_at, func.min(Placement.proposed_at))
                         .join(Placement, Placement.jobseeker_id == Jobseeker.id).group_by(Jobseeker.id)).all()
    days = np.array([(b - a).total_seconds() / 86400 for a, b in rows])
    if not len(days):
        return {"n": 0, "median_days": None, "p90_days": None}
    return {"n": int(len(days)), "median_days": float(np.median(days)), "p90_days": float(np.percentile(days, 90))}


def auc(score: np.ndarray, outcome: np.ndarray) -> float | None:
    """Area under the ROC curve via ranks (Mann-Whitney U / n1 n0), ties counted 1/2."""
    n1 = int(outcome.sum())
    n0 = len(outcome) - n1
    if n1 == 0 or n0 == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[outcome == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (a, b) of P(y=1) = 1 / (1 + exp(-(a + b x)))."""
    def nll(theta: np.ndarray) -> float:
        z = theta[0] + theta[1] * x
        return float(np.sum(np.logaddexp(0, z) - y * z))
    res = minimize(nll, np.zeros(2), method="BFGS")
    return float(res.x[0]), float(res.x[1])


def outcome_evaluation(registry: Registry, test_share: float = 0.3) -> dict[str, Any]:
    """Held-out evaluation of the score against placement outcomes (module docstring)."""
    with registry.sessions() as s:
        rows = s.execute(select(Placement.score, Placement.status, Placement.proposed_at, Placement.id)
                         .where(Placement.status.in_(sorted(COMPLETED | {"broken_off"})),
                                Placement.score.is_not(None))
                         .order_by(Placement.proposed_at, Placement.id)).all()
    frame = pd.DataFrame(rows, columns=["score", "status", "at", "id"])
    out: dict[str, Any] = {"placements_with_outcome": len(frame)}
    if len(frame) < 10:
        out["note"] = "fewer than 10 placements with a known outcome: no evaluation"
        return out
    frame["y"] = frame["status"].isin(COMPLETED).astype(int)
    cut = int(round(len(frame) * (1 - test_share)))
    train, test = frame.iloc[:cut], frame.iloc[cut:]
    a, b = fit_logistic(train["score"].to_numpy(float), train["y"].to_numpy(float))
    p = 1 / (1 + np.exp(-(a + b * test["score"].to_numpy(float))))
    y = test["y"].to_numpy()
    rho = spearmanr(test["score"], y).statistic if y.min() != y.max() else None
    bins = pd.qcut(p, q=min(5, len(np.unique(p))), duplicates="drop") if len(np.unique(p)) > 1 else None
    calibration = []
    if bins is not None:
        for interval, grp in pd.DataFrame({"p": p, "y": y, "bin": bins}).groupby("bin", observed=True):
            calibration.append({"bin": str(interval), "n": int(len(grp)), "predicted": round(float(grp.p.mean()), 4),
                                "observed": round(float(grp.y.mean()), 4)})
    out.update(train=len(train), test=len(test), logistic={"a": round(a, 4), "b": round(b, 4)},
               spearman=None if rho is None else round(float(rho), 4), auc=auc(test["score"].to_numpy(), y),
               brier=round(float(np.mean((p - y) ** 2)), 4), calibration=calibration)
    return out
