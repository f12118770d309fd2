"""The reliability status rule (docs/methods-survey.md; Statistics Canada LFS CV guidelines)."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.estimate.survey.intervals import logit_interval, t_interval
from corridor.estimate.survey.status import Thresholds, coefficient_of_variation, obs_status


def test_status_codes_at_the_thresholds():
    est = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 0.0, np.nan, 100.0, 578.0])
    se = np.array([10.0, 16.5, 16.6, 33.3, 33.4, 0.0, np.nan, np.nan, 0.0])
    cv = coefficient_of_variation(est, se)
    status = obs_status(est, se, cv, Thresholds())
    # <= 16.5% normal, (16.5, 33.3] low reliability, > 33.3% suppressed; zero estimate: CV undefined -> U;
    # no estimate -> O; no SE -> Q; SE exactly 0 (e.g. a one-record domain) -> U
    assert list(status) == ["A", "A", "U", "U", "Q", "U", "O", "Q", "U"]


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError):
        Thresholds(unreliable=0.4, suppress=0.3)


def test_t_interval_uses_design_df():
    # t_{0.975, 14} = 2.144786688 (any t table); normal 1.96 would be narrower
    lo, hi = t_interval(np.array([0.0]), np.array([1.0]), 14)
    assert hi[0] == pytest.approx(2.144786688, rel=1e-9) and lo[0] == -hi[0]


def test_logit_interval_stays_inside_zero_one():
    lo, hi = logit_interval(np.array([0.02, 0.0, 1.0]), np.array([0.05, 0.0, 0.0]), 30)
    assert 0 < lo[0] < 0.02 < hi[0] < 1
    assert np.isnan(lo[1]) and np.isnan(hi[2])
