"""Reliability status of a survey estimate from its coefficient of variation.

Rule (documented in ``docs/methods-survey.md``), after Statistics Canada's sampling-variability
guidelines for the Labour Force Survey (*Guide to the Labour Force Survey*, Catalogue no. 71-543-G,
"Data quality"): an estimate whose CV is at most 16.5% is released as is; between 16.5% and 33.3%
it is released with a warning; above 33.3% it is too unreliable to be published.

In SDMX ``OBS_STATUS`` codes (the cross-domain code list corridor uses everywhere):

- ``A`` normal value: CV <= ``unreliable`` (default 0.165);
- ``U`` low reliability: ``unreliable`` < CV <= ``suppress`` (default 0.333); or CV undefined because the
  estimate is exactly 0 (a CV cannot say how reliable a zero is); or a standard error of exactly 0 --
  a degenerate variance (a domain of a single record, or without variation in it), which a CV of 0
  would otherwise pass as reliable;
- ``Q`` missing value, suppressed: CV > ``suppress``, or no standard error could be computed;
- ``O`` missing value: no estimate at all (a domain in which every answer is missing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Statistics Canada LFS guideline: above this CV an estimate is flagged "use with caution".
CV_UNRELIABLE = 0.165
#: Statistics Canada LFS guideline: above this CV an estimate is not published.
CV_SUPPRESS = 0.333


@dataclass(frozen=True)
class Thresholds:
    """CV limits for the ``U`` (low reliability) and ``Q`` (suppressed) statuses, as fractions."""

    unreliable: float = CV_UNRELIABLE
    suppress: float = CV_SUPPRESS

    def __post_init__(self) -> None:
        if not (0 < self.unreliable <= self.suppress):
            raise ValueError(
                "CV thresholds must satisfy 0 < unreliable <= suppress "
                f"(got {self.unreliable}, {self.suppress})"
            )


def coefficient_of_variation(estimate: np.ndarray, se: np.ndarray) -> np.ndarray:
    """CV = SE / |estimate|; undefined (NaN) where the estimate is 0 or missing."""
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(est)
    cv[~np.isfinite(cv)] = np.nan
    return cv


def obs_status(estimate: np.ndarray, se: np.ndarray, cv: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """SDMX ``OBS_STATUS`` for each estimate by the rule in this module's docstring."""
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    cv = np.asarray(cv, dtype=float)
    status = np.full(est.shape, "A", dtype=object)
    status[np.isnan(cv) & np.isfinite(est)] = "U"  # estimate exactly 0: CV undefined
    status[(se == 0) & np.isfinite(est)] = "U"  # degenerate variance: nothing measured its reliability
    status[cv > thresholds.unreliable] = "U"
    status[cv > thresholds.suppress] = "Q"
    status[~np.isfinite(se) & np.isfinite(est)] = "Q"
    status[~np.isfinite(est)] = "O"
    return status
