"""Accounting identities on REAL data: UN DESA IMS 2019 stocks (2010, 2015), native-born from WPP 2019
population, births and deaths 2010-2014 from WPP 2024 (mirror files listed in data/MANIFEST.md).

What each test proves:
* the demographic account adds up, by birthplace, to both stock tables actually used (flows + stayers
  + deaths + moves out of the system = start; flows + stayers + births + moves in = end);
* the tables used differ from the published ones only by the adjustments the estimate reports;
* closed methods: for every area, net migration = population change - natural increase;
* the pseudo-Bayes total lies where Azose & Raftery (2019) put world migration;
* what the bootstrap computes faster gives the same numbers on the real case: origin-destination totals
  in closed form equal the full per-birthplace estimate, the pseudo-Bayes weights in closed form equal
  the per-birthplace ones, methods sharing one preparation get what each gets alone, and a fit started
  from the published tables' scaling factors reaches the same adjusted tables in fewer passes.
"""

from __future__ import annotations

import numpy as np
import pytest

from corridor.estimate.flows import METHODS, estimate
from corridor.estimate.flows.demographic_accounting import prepare
from corridor.estimate.flows.methods import estimate_many

ACCOUNT_METHODS = [m for m, spec in METHODS.items() if spec.account]
CLOSED_METHODS = [m for m, spec in METHODS.items() if spec.closed]


def test_real_case_has_the_199_areas(real_2010_2015) -> None:
    # the issue: "the 199 areas present in all three sources"
    tables = real_2010_2015.tables
    assert tables.n == 199
    assert real_2010_2015.how == {2010: "observed", 2015: "observed"}
    # every stock is finite; births and deaths are 5 years of WPP 2024 (world births 2010-14 ~ 700M+)
    assert np.isfinite(tables.start).all() and np.isfinite(tables.end).all()
    assert 6.5e8 < tables.births.sum() < 7.5e8


@pytest.mark.parametrize("method", ACCOUNT_METHODS)
def test_account_adds_up_to_both_stock_tables_by_birthplace(real_2010_2015, method: str) -> None:
    tables = real_2010_2015.tables
    r = estimate(tables, method)
    assert r.ipf.converged
    n = tables.n
    out_of = np.zeros((n, n))
    np.add.at(out_of, (r.bp_birthplace, r.bp_origin), r.bp_flow)
    into = np.zeros((n, n))
    np.add.at(into, (r.bp_birthplace, r.bp_destination), r.bp_flow)
    start = out_of + r.stayers + r.deaths + r.to_outside
    end = into + r.stayers + r.births + r.from_outside
    scale = tables.start.max()
    np.testing.assert_allclose(start, r.stock_start_used, atol=1e-9 * scale)
    np.testing.assert_allclose(end, r.stock_end_used, atol=1e-9 * scale)
    # the account frame carries the same numbers
    acc = r.account_frame()
    assert acc.value.sum() == pytest.approx(r.stock_start_used.sum() + r.births.sum() + r.from_outside.sum(),
                                            rel=1e-9)
    # the tables used keep each birthplace at one total at both dates (closed) or move the difference
    # to/from outside (open)
    if METHODS[method].closed:
        np.testing.assert_allclose(r.stock_start_used.sum(axis=1) - r.deaths.sum(axis=1),
                                   r.stock_end_used.sum(axis=1) - r.births.sum(axis=1), atol=1e-8 * scale)


def test_open_method_uses_the_published_tables(real_2010_2015) -> None:
    # da_min_open makes no world rescaling: the account adds up to the published stock tables, except
    # (a) where a native-born population came out negative and (b) where migest's "open" weights (moves
    # out of the system distributed like the END stocks but taken from the START table) would leave a
    # negative stock; both are reported, (b) with the number of persons set to zero.
    tables = real_2010_2015.tables
    r = estimate(tables, "da_min_open")
    ok = (np.diag(tables.start) >= 0) & (np.diag(tables.end) >= 0)
    cols = np.flatnonzero(ok)
    diff = (np.abs(r.stock_start_used[:, cols] - tables.start[:, cols]).sum()
            + np.abs(r.stock_end_used[:, cols] - tables.end[:, cols]).sum())
    clipped = r.adjustments.get("open_negative_set_to_zero", 0.0)
    # each person set to zero changes the start table once and the birthplace's end table once (the
    # end table is re-balanced to the start total of the birthplace)
    assert diff <= 2 * clipped * (1 + 1e-6) + 1e-3
    if clipped:
        assert any("set to zero" in w for w in r.warnings)
    assert clipped < 1e-4 * tables.start.sum()


@pytest.mark.parametrize("method", CLOSED_METHODS)
def test_closed_net_migration_is_population_change_minus_natural_increase(real_2010_2015, method: str) -> None:
    tables = real_2010_2015.tables
    r = estimate(tables, method)
    net = r.od.sum(axis=0) - r.od.sum(axis=1)
    pop_change = r.stock_end_used.sum(axis=0) - r.stock_start_used.sum(axis=0)
    natural = tables.births - tables.deaths
    np.testing.assert_allclose(net, pop_change - natural, atol=1e-6 * tables.start.sum(axis=0).max())
    # the populations used differ from the published ones only by the reported world rescaling of the
    # native-born (and, where foreign-born exceeded the population, the reported fix)
    gap = r.adjustments["world_balance_gap"]
    raw_change = tables.end.sum(axis=0) - tables.start.sum(axis=0)
    assert (pop_change - raw_change).sum() == pytest.approx(gap, rel=1e-6, abs=1.0)
    assert any("native-born rescaled" in w for w in r.warnings)
    assert net.sum() == pytest.approx(0, abs=1e-6 * tables.start.sum())


def test_method_totals_order_and_pseudo_bayes_magnitude(real_2010_2015) -> None:
    tables = real_2010_2015.tables
    totals = {m: estimate(tables, m).total for m in ("da_min_closed", "da_ind_closed", "da_pb_closed")}
    assert totals["da_min_closed"] < totals["da_pb_closed"] < totals["da_ind_closed"]
    # REFERENCE_VALUES.md: Azose & Raftery (2019, PNAS) pseudo-Bayes: 67-87 million movers per 5-year
    # period 1990-2015 (their inputs were IMS 2015 and WPP 2015; ours IMS 2019, WPP 2019/2024)
    assert 67e6 <= totals["da_pb_closed"] <= 87e6


def test_prior_is_honoured_on_real_data(real_2010_2015) -> None:
    # a distance-like prior (decaying with the gap between area indices). Note: a prior that only
    # multiplies whole rows or columns changes nothing -- IPF absorbs row and column factors.
    tables = real_2010_2015.tables
    idx = np.arange(tables.n)
    prior = 1.0 / (1.0 + np.abs(idx[:, None] - idx[None, :]))
    plain = estimate(tables, "da_min_closed")
    weighted = estimate(tables, "da_min_closed", seed=prior)
    assert weighted.ipf.converged
    assert not np.allclose(plain.od, weighted.od)
    np.testing.assert_allclose(weighted.stock_start_used, plain.stock_start_used, rtol=1e-8, atol=1e-3)
    np.testing.assert_allclose(weighted.stock_end_used, plain.stock_end_used, rtol=1e-8, atol=1e-3)


@pytest.mark.parametrize("method", ACCOUNT_METHODS)
def test_od_only_totals_equal_the_full_estimate(real_2010_2015, method: str) -> None:
    tables = real_2010_2015.tables
    full = estimate(tables, method)
    fast = estimate(tables, method, od_only=True)
    np.testing.assert_allclose(fast.od, full.od, rtol=1e-9, atol=1e-6)
    if method == "da_pb_closed":
        weights = full.parameters["pb_weight_independence"]
        np.testing.assert_allclose(list(fast.parameters["pb_weight_independence"].values()),
                                   [weights[a] for a in tables.areas], rtol=1e-9, atol=1e-12)


def test_shared_and_warm_started_preparations_change_nothing(real_2010_2015) -> None:
    tables = real_2010_2015.tables
    methods = ["da_min_closed", "da_pb_closed", "da_min_open"]
    for method, result in estimate_many(tables, methods).items():
        np.testing.assert_array_equal(result.od, estimate(tables, method).od)
    # similar tables (every foreign-born stock 3% higher at the end): warm-started from the published fit
    end = tables.end * np.where(np.eye(tables.n, dtype=bool), 1.0, 1.03)
    replicate = tables.with_values(tables.start, end, tables.births, tables.deaths)
    cold = prepare(replicate)
    warm = prepare(replicate, start=prepare(tables))
    assert cold.ipf.converged and warm.ipf.converged
    assert warm.ipf.iterations < cold.ipf.iterations
    scale = tables.start.max()
    np.testing.assert_allclose(warm.start, cold.start, rtol=1e-8, atol=1e-9 * scale)
    np.testing.assert_allclose(warm.end, cold.end, rtol=1e-8, atol=1e-9 * scale)
