"""``/sources``: where sources disagree (vintages of one series; UN DESA beside the World Bank)."""

from __future__ import annotations

import pandas as pd

from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import aggregate_codes, area_name
from ..cache import per_warehouse
from .catalogue import IMS_SERIES, MIG_STOCK, WB_SERIES, WORLD, datasets, split_withdrawn


@per_warehouse()
def vintage_revisions(wh: Warehouse, area: str = WORLD) -> pd.DataFrame:
    """IMS totals (all origins, both sexes) of ``area``, oldest and newest vintage, for the years both publish."""
    frame = wh.select(Selection.of(MIG_STOCK, series=IMS_SERIES, ref_area=area, counterpart_area="_T", sex="_T",
                                   age="_T", vintages="all"))
    frame, _ = split_withdrawn(wh, frame)  # a withdrawn edition is no revision of anything
    if frame.empty:
        return frame
    frame = frame.sort_values("ingested_at")
    wide = frame.pivot_table(index="time_period", columns="vintage", values="value", aggfunc="first")
    wide = wide.dropna()
    if wide.shape[1] < 2:
        return pd.DataFrame()
    old, new = sorted(wide.columns)[0], sorted(wide.columns)[-1]
    out = wide[[old, new]].reset_index()
    out.columns = ["time_period", "old", "new"]
    out["difference"] = out["new"] - out["old"]
    out["percent"] = 100.0 * out["difference"] / out["old"]
    out.attrs["old"], out.attrs["new"] = old, new
    out.attrs["datasets"] = {v: sorted(frame.loc[frame["vintage"] == v, "dataset_id"].unique()) for v in (old, new)}
    return out


@per_warehouse()
def un_vs_worldbank(wh: Warehouse, n: int = 15) -> pd.DataFrame:
    """The ``n`` largest World Bank corridors (its latest public vintage) beside UN DESA's figures for
    2015 and 2019/2020 (latest vintage of the IMS series).

    The World Bank matrix is small (about 47,000 cells): it is selected whole and ranked in pandas.
    """
    wb_ids = [d["dataset_id"] for d in datasets(wh) if d["series"] == WB_SERIES and not d["withdrawn"]]  # newest first
    if not wb_ids:
        return pd.DataFrame()
    wb = wh.select(Selection.of(MIG_STOCK, dataset_ids=wb_ids[0], sex="_T", age="_T", vintages="all",
                                include_missing=False))
    skip = aggregate_codes()
    wb = wb[~wb["ref_area"].isin(skip) & ~wb["counterpart_area"].isin(skip)]
    wb = wb.sort_values("value", ascending=False, kind="stable").head(n)
    wb = wb[["ref_area", "counterpart_area", "value", "dataset_id", "obs_status"]].reset_index(drop=True)
    if wb.empty:
        return pd.DataFrame()
    un = wh.select(Selection.of(MIG_STOCK, series=IMS_SERIES, ref_area=list(wb["ref_area"].unique()),
                                counterpart_area=list(wb["counterpart_area"].unique()), sex="_T", age="_T"))
    un_wide = un.pivot_table(index=["ref_area", "counterpart_area"], columns="time_period", values="value",
                             aggfunc="first")
    years = [y for y in ("2015", "2019", "2020") if y in un_wide.columns]
    out = wb.rename(columns={"value": "wb_2017", "dataset_id": "wb_dataset"})
    out = out.merge(un_wide[years].reset_index(), on=["ref_area", "counterpart_area"], how="left")
    out["origin"] = out["counterpart_area"].map(area_name)
    out["destination"] = out["ref_area"].map(area_name)
    out.attrs["un_years"] = years
    out.attrs["un_datasets"] = sorted(un["dataset_id"].unique())
    return out
