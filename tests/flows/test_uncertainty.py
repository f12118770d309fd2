"""The interval on every flow: bootstrap over the inputs by status, widened by the method spread."""

from __future__ import annotations

import numpy as np

from corridor.estimate.flows import StockTables, estimate
from corridor.estimate.flows.methods import estimate_many
from corridor.estimate.flows.uncertainty import (
    DEFAULT_ENSEMBLE,
    cell_cv,
    flow_interval,
    flow_intervals,
    replicate_tables,
)

from .test_migest_examples import E1


def test_interval_contains_point_and_is_reproducible() -> None:
    point = estimate(E1, "da_min_closed")
    a = flow_interval(E1, point, replicates=100, random_seed=7)
    b = flow_interval(E1, point, replicates=100, random_seed=7)
    np.testing.assert_array_equal(a.lower, b.lower)
    assert np.all(a.lower <= point.od + 1e-12) and np.all(point.od <= a.upper + 1e-12)
    assert "bootstrap 90% percentile (100 replicates" in a.description
    assert "widened to the range of da_min_open, da_pb_closed" in a.description


def test_without_replicates_the_interval_is_the_method_range() -> None:
    point = estimate(E1, "da_min_closed")
    iv = flow_interval(E1, point, replicates=0)
    others = [estimate(E1, m).od for m in DEFAULT_ENSEMBLE]
    np.testing.assert_allclose(iv.lower, np.minimum.reduce(others + [point.od]))
    np.testing.assert_allclose(iv.upper, np.maximum.reduce(others + [point.od]))


def test_less_reliable_inputs_give_wider_intervals() -> None:
    def width(status: str) -> float:
        st = np.full((4, 4), status, dtype=object)
        tables = StockTables(E1.areas, E1.start, E1.end, E1.births, E1.deaths, st, st.copy())
        point = estimate(tables, "da_min_closed")
        iv = flow_interval(tables, point, replicates=200, ensemble=(), random_seed=3)
        return float((iv.upper - iv.lower).sum())

    assert width("A") < width("E") < width("U")


def test_by_birthplace_bounds(real_2010_2015) -> None:
    tables = real_2010_2015.tables
    point = estimate(tables, "da_min_closed")
    iv = flow_interval(tables, point, replicates=10, by_birthplace=True, random_seed=1)
    assert iv.bp_lower is not None and iv.bp_lower.shape == point.bp_flow.shape
    assert np.all(iv.bp_lower <= point.bp_flow + 1e-6) and np.all(point.bp_flow <= iv.bp_upper + 1e-6)
    assert np.all(iv.lower <= point.od + 1e-6) and np.all(point.od <= iv.upper + 1e-6)


def test_interval_text_without_bootstrap_says_so() -> None:
    point = estimate(E1, "da_min_closed")
    iv = flow_interval(E1, point, replicates=0)
    assert iv.description == "range of the point estimates of da_min_closed, da_min_open, da_pb_closed (no bootstrap)"


def test_birthplace_bounds_apportioned_when_too_large_to_keep() -> None:
    point = estimate(E1, "da_min_closed")
    iv = flow_interval(E1, point, replicates=20, by_birthplace=True, max_bp_cells=1)
    assert iv.bp_lower is not None
    assert np.all(iv.bp_lower <= point.bp_flow + 1e-12) and np.all(point.bp_flow <= iv.bp_upper + 1e-12)
    assert iv.bp_description.endswith("applied in proportion to each birthplace's flow")


def test_bounds_are_the_percentiles_the_text_names() -> None:
    # the interval text says "bootstrap 90% percentile (40 replicates ...)": re-draw the same 40
    # replicate tables, run the full method on each (cold-started IPF, per-birthplace tables) and take
    # the 5th and 95th percentiles -- the fast path (closed-form totals, warm-started fits, shared
    # preparation) must give exactly those bounds
    point = estimate(E1, "da_min_closed")
    iv = flow_interval(E1, point, replicates=40, ensemble=(), random_seed=11)
    assert iv.description.startswith("bootstrap 90% percentile (40 replicates")
    rng = np.random.default_rng(11)
    cv0, cv1 = cell_cv(E1, "start"), cell_cv(E1, "end")
    reps = np.array([estimate(replicate_tables(E1, rng, cv0, cv1), "da_min_closed").od for _ in range(40)])
    np.testing.assert_allclose(iv.lower, np.minimum(np.percentile(reps, 5, axis=0), point.od), rtol=1e-6)
    np.testing.assert_allclose(iv.upper, np.maximum(np.percentile(reps, 95, axis=0), point.od), rtol=1e-6)


def test_intervals_of_several_methods_are_those_of_each_alone() -> None:
    # one set of replicates and one preparation per replicate for all methods: each method's interval
    # is still the one it gets alone (same seed, same replicate tables; alone, the other methods of the
    # ensemble are origin-destination totals only, equal to rounding)
    points = estimate_many(E1, ["da_min_closed", "da_pb_closed", "sd_drop_neg"])
    joint = flow_intervals(E1, points, replicates=30, random_seed=5)
    for method, point in points.items():
        alone = flow_interval(E1, point, replicates=30, random_seed=5)
        np.testing.assert_allclose(joint[method].lower, alone.lower, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(joint[method].upper, alone.upper, rtol=1e-12, atol=1e-12)
        assert joint[method].description == alone.description
