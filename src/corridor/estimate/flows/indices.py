"""Summaries of an origin x destination flow table: region roll-ups, in/out/net/turnover, counter-flows,
and the migration intensity and impact measures of Bell, Blake, Boyle, Duke-Williams, Rees, Stillwell &
Hugo (2002, "Cross-national comparison of internal migration: issues and measures", JRSS A 165(3)
435-464):

* crude migration probability ``CMP = 100 * M / P`` (moves per 100 persons at risk; intensity);
* migration effectiveness index ``MEI = 100 * sum_i |D_i - O_i| / sum_i (D_i + O_i)`` (how much of the
  gross flow redistributes population; impact);
* aggregate net migration rate ``ANMR = 100 * 0.5 * sum_i |D_i - O_i| / P`` (= CMP * MEI / 100),

with ``D_i`` in-flows and ``O_i`` out-flows of area ``i``, ``M`` the total flow and ``P`` the population
at risk (by default the population at the start of the period).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from corridor.errors import InputError


def area_summary(od: np.ndarray, areas: Sequence[str]) -> pd.DataFrame:
    """``area, inflow, outflow, net, turnover`` (turnover = in + out) for every area."""
    od = _off_diagonal(od)
    inflow, outflow = od.sum(axis=0), od.sum(axis=1)
    return pd.DataFrame({"area": list(areas), "inflow": inflow, "outflow": outflow,
                         "net": inflow - outflow, "turnover": inflow + outflow})


def counter_flows(od: np.ndarray, areas: Sequence[str]) -> pd.DataFrame:
    """Each pair of areas once (``a < b`` in table order) with its flow, counter-flow, net and gross
    flow, and the counter-flow ratio ``min / max`` (1 = balanced exchange, 0 = one-way)."""
    od = _off_diagonal(od)
    i, j = np.triu_indices(od.shape[0], k=1)
    ab, ba = od[i, j], od[j, i]
    gross = ab + ba
    keep = gross > 0
    labels = np.asarray(list(areas), dtype=object)
    big, small = np.maximum(ab, ba), np.minimum(ab, ba)
    return pd.DataFrame({
        "area_a": labels[i[keep]], "area_b": labels[j[keep]],
        "flow_ab": ab[keep], "flow_ba": ba[keep], "net_ab": (ab - ba)[keep], "gross": gross[keep],
        "counter_flow_ratio": np.where(big > 0, small / np.where(big > 0, big, 1), 0)[keep],
    })


def bell_indices(od: np.ndarray, population: float | np.ndarray) -> dict[str, float]:
    """Crude migration probability, migration effectiveness index and aggregate net migration rate
    (Bell et al. 2002), in percent. ``population`` is the population at risk (a total or per area)."""
    od = _off_diagonal(od)
    pop = float(np.sum(population))
    if pop <= 0:
        raise InputError("population at risk must be positive")
    inflow, outflow = od.sum(axis=0), od.sum(axis=1)
    total = float(od.sum())
    net_abs = float(np.abs(inflow - outflow).sum())
    gross = float((inflow + outflow).sum())
    return {
        "total_flow": total,
        "population": pop,
        "crude_migration_probability": 100 * total / pop,
        "migration_effectiveness_index": 100 * net_abs / gross if gross > 0 else 0.0,
        "aggregate_net_migration_rate": 100 * 0.5 * net_abs / pop,
    }


def aggregate(od: np.ndarray, areas: Sequence[str], region: Mapping[str, str] | Callable[[str], str],
              *, keep_within: bool = False) -> tuple[np.ndarray, list[str]]:
    """Roll an area x area flow table up to regions; ``region`` maps an area to its region (a dict or a
    function). Flows between areas of one region are dropped (they are not moves between regions)
    unless ``keep_within``, which puts them on the diagonal."""
    lookup = region.get if isinstance(region, Mapping) else region
    codes = []
    for a in areas:
        r = lookup(a)
        if r is None:
            raise InputError(f"area {a!r} has no region in the mapping")
        codes.append(str(r))
    regions = sorted(set(codes), key=lambda c: (len(c), c))
    idx = np.array([regions.index(c) for c in codes])
    k = len(regions)
    o, d = np.nonzero(_off_diagonal(od))
    out = np.bincount(idx[o] * k + idx[d], weights=od[o, d], minlength=k * k).reshape(k, k)
    if not keep_within:
        np.fill_diagonal(out, 0)
    return out, regions


def region_scheme(scheme: str) -> Callable[[str], str]:
    """Region of an M49 area in an M49 or SDG scheme (``m49_region``, ``m49_subregion``, ``sdg_region``,
    ...), from :func:`corridor.reference.areas.region_of`."""
    from corridor.reference.areas import region_of

    return lambda area: region_of(area, scheme)


def _off_diagonal(od: np.ndarray) -> np.ndarray:
    od = np.asarray(od, dtype=float).copy()
    np.fill_diagonal(od, 0)
    return od
