"""Roll-ups, in/out/net/turnover, counter-flows and Bell et al. (2002) indices."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.estimate.flows import estimate
from corridor.estimate.flows.indices import (
    aggregate,
    area_summary,
    bell_indices,
    counter_flows,
    region_scheme,
)

from .test_migest_examples import AREAS, E0


def test_bell_indices_on_e0() -> None:
    # hand derivation from migest e0's flows (REFERENCE_VALUES.md): total 150, population 3000;
    # in/out A 55/50, B 20/60, C 75/20, D 0/20 -> sum|net| 120, gross 300
    od = estimate(E0, "da_min_closed").od
    got = bell_indices(od, E0.start.sum())
    assert got["crude_migration_probability"] == pytest.approx(5.0)
    assert got["migration_effectiveness_index"] == pytest.approx(40.0)
    assert got["aggregate_net_migration_rate"] == pytest.approx(2.0)
    # Bell et al.: ANMR = CMP * MEI / 100
    assert got["aggregate_net_migration_rate"] == pytest.approx(
        got["crude_migration_probability"] * got["migration_effectiveness_index"] / 100)


def test_area_summary_and_counter_flows_on_e0() -> None:
    od = estimate(E0, "da_min_closed").od
    s = area_summary(od, AREAS).set_index("area")
    assert s.loc["C", "inflow"] == pytest.approx(75) and s.loc["C", "outflow"] == pytest.approx(20)
    assert s.net.sum() == pytest.approx(0) and s.turnover.sum() == pytest.approx(300)
    c = counter_flows(od, AREAS).set_index(["area_a", "area_b"])
    # A -> C 50, C -> A 10
    assert c.loc[("A", "C"), "gross"] == pytest.approx(60)
    assert c.loc[("A", "C"), "counter_flow_ratio"] == pytest.approx(0.2)


def test_region_roll_up_on_real_data(real_2010_2015) -> None:
    tables = real_2010_2015.tables
    od = estimate(tables, "da_min_closed").od
    between, regions = aggregate(od, tables.areas, region_scheme("sdg_region"))
    within, _ = aggregate(od, tables.areas, region_scheme("sdg_region"), keep_within=True)
    assert len(regions) == 8  # the eight SDG regions
    assert within.sum() == pytest.approx(od.sum())
    assert np.trace(within) == pytest.approx(within.sum() - between.sum())
    m49, names = aggregate(od, tables.areas, region_scheme("m49_region"))
    assert sorted(names) == sorted(["2", "19", "142", "150", "9"])
    assert m49.sum() < od.sum()
