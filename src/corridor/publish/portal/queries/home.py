"""``/``: the world map (migrant share of the population) and the flows between world regions."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import area_name, is_country
from ..cache import per_warehouse
from .catalogue import IMS_SERIES, MIG_FLOW, MIG_STOCK, POP, WORLD, WPP_POP_SERIES


def _stock_totals(**filters: Any) -> Selection:
    """UN DESA IMS totals over origins, both sexes (latest vintage of the series)."""
    return Selection.of(MIG_STOCK, series=IMS_SERIES, counterpart_area="_T", sex="_T", age="_T", **filters)


def _population_totals(**filters: Any) -> Selection:
    """WPP population, both sexes and all ages (latest vintage of the series)."""
    return Selection.of(POP, series=WPP_POP_SERIES, sex="_T", age="_T", **filters)


@per_warehouse()
def map_years(wh: Warehouse) -> list[str]:
    """Years with both an IMS world total (all origins) and a WPP world population, newest first."""
    stock = set(wh.distinct(_stock_totals(ref_area=WORLD), "time_period"))
    population = set(wh.distinct(_population_totals(ref_area=WORLD), "time_period"))
    return sorted(stock & population, reverse=True)


@per_warehouse()
def migrant_share(wh: Warehouse, year: str) -> tuple[pd.DataFrame, list[str]]:
    """Migrant stock (IMS, latest vintage, all origins, both sexes) / population (WPP), percent.

    Returns one row per area (m49, name, migrants, population, share, obs_status, dataset_id,
    pop_dataset_id, vintage) and the dataset ids used. ``share`` is NULL when either part is missing.
    """
    stock = wh.select(_stock_totals(time_period=year), scaled=True)
    pop = wh.select(_population_totals(time_period=year), scaled=True)
    # one figure per area: the latest vintage (a published total beside a derived sum: the last ingested)
    stock = stock.sort_values(["vintage", "ingested_at"]).drop_duplicates("ref_area", keep="last")
    pop = pop.sort_values(["vintage", "ingested_at"]).drop_duplicates("ref_area", keep="last")
    merged = stock[["ref_area", "value", "obs_status", "dataset_id", "vintage"]].merge(
        pop[["ref_area", "value", "dataset_id"]].rename(columns={"value": "population",
                                                                 "dataset_id": "pop_dataset_id"}),
        on="ref_area", how="left",
    ).rename(columns={"ref_area": "m49", "value": "migrants"})
    merged["share"] = 100.0 * merged["migrants"] / merged["population"]
    merged["name"] = merged["m49"].map(area_name)
    used = sorted(set(merged["dataset_id"].dropna()) | set(merged["pop_dataset_id"].dropna()))
    return merged, used


@per_warehouse()
def regional_flows(wh: Warehouse) -> dict[str, Any] | None:
    """Published flows between world regions (e.g. Abel 2018), latest period, as a chord matrix.

    Rows whose two ends are both groupings (not countries) are used; flows within a region (between
    its countries) are kept on the diagonal, so the matrix sums to the publisher's total.
    """
    every = Selection.of(MIG_FLOW, vintages="all")
    ends = set(wh.distinct(every, "ref_area")) | set(wh.distinct(every, "counterpart_area"))
    groups = sorted(code for code in ends if not is_country(code) and code not in ("_T", WORLD))
    if not groups:
        return None
    frame = wh.select(Selection.of(MIG_FLOW, ref_area=groups, counterpart_area=groups, birthplace="_T", sex="_T",
                                   age="_T", include_missing=False), scaled=True)
    if frame.empty:
        return None
    dataset_id = sorted(frame["dataset_id"].unique())[0]
    frame = frame[frame["dataset_id"] == dataset_id]
    period = max(frame["time_period"])
    frame = frame[frame["time_period"] == period]
    areas = sorted(set(frame["ref_area"]) | set(frame["counterpart_area"]), key=area_name)
    index = {a: i for i, a in enumerate(areas)}
    matrix = [[0.0] * len(areas) for _ in areas]
    for origin, dest, value in zip(frame["counterpart_area"], frame["ref_area"], frame["value"], strict=True):
        matrix[index[origin]][index[dest]] += float(value)
    within = sum(matrix[i][i] for i in range(len(areas)))
    return {"names": [area_name(a) for a in areas], "matrix": matrix, "period": period,
            "dataset_id": dataset_id, "total": float(frame["value"].sum()), "within": within,
            "method": sorted(frame["method"].unique())[0],
            "statuses": sorted(frame["obs_status"].unique())}
