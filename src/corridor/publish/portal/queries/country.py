"""``/country/{m49}``: what the country profile's sections read (see :mod:`..sections`)."""

from __future__ import annotations

import pandas as pd

from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import aggregate_codes, area_name, is_country
from .catalogue import CENSUS_QUESTION, IMS_SERIES, MIG_STOCK, REMIT_COST, WORLD, series_label


def stock_totals(wh: Warehouse, m49: str, direction: str) -> pd.DataFrame:
    """Immigrant (living in ``m49``) or emigrant (born in ``m49``) stock over time, one line per dataset.

    Every vintage is kept (``vintages="all"``) so revisions show as separate lines. Emigrants are the
    publisher's world row (REF_AREA 900) where it exists, else the sum over destination countries
    (then ``obs_status`` is ``E`` and ``method`` says it was summed).
    """
    if direction == "immigrants":
        frame = wh.select(Selection.of(MIG_STOCK, ref_area=m49, counterpart_area="_T", sex="_T", age="_T",
                                       vintages="all"), scaled=True)
    else:
        frame = wh.select(Selection.of(MIG_STOCK, counterpart_area=m49, sex="_T", age="_T", vintages="all"),
                          scaled=True)
        world = frame[frame["ref_area"] == WORLD]
        countries = frame[~frame["ref_area"].isin(aggregate_codes())]
        have = set(zip(world["dataset_id"], world["time_period"], strict=True))
        rest = countries[[(d, t) not in have for d, t in zip(countries["dataset_id"], countries["time_period"],
                                                             strict=True)]]
        if not rest.empty:
            keys = ["dataset_id", "time_period", "series", "vintage", "publisher", "concept", "licence"]
            summed = rest.groupby(keys, as_index=False, dropna=False).agg(
                value=("value", lambda s: s.sum(min_count=1)), n=("value", "size"))
            summed["obs_status"] = summed["value"].isna().map({True: "O", False: "E"})
            summed["method"] = "sum over " + summed["n"].astype(str) + " destinations"
            summed["lower"] = summed["upper"] = None
            summed["interval"] = None
            frame = pd.concat([world, summed], ignore_index=True)
        else:
            frame = world
    if frame.empty:
        return frame
    frame = frame.copy()
    frame["series_label"] = series_label(frame)
    return frame.sort_values(["dataset_id", "time_period"])


def top_partners(wh: Warehouse, m49: str, direction: str, n: int = 10) -> tuple[pd.DataFrame, str | None]:
    """Top origins of immigrants in ``m49`` (or destinations of its emigrants), latest IMS year.

    Uses the latest vintage of the UN DESA series that has origin detail; returns the rows (name,
    value, obs_status, dataset_id, m49) and the period shown.
    """
    side = {"ref_area": m49} if direction == "origins" else {"counterpart_area": m49}
    partner = "counterpart_area" if direction == "origins" else "ref_area"
    frame = wh.select(Selection.of(MIG_STOCK, series=IMS_SERIES, sex="_T", age="_T", **side), scaled=True)
    frame = frame[~frame[partner].isin(aggregate_codes()) & (frame[partner] != m49)]
    if frame.empty:
        return frame, None
    period = max(frame["time_period"])
    frame = frame[(frame["time_period"] == period)].dropna(subset=["value"])
    frame = frame.sort_values("value", ascending=False).head(n).copy()
    frame["m49"] = frame[partner]
    frame["name"] = frame[partner].map(area_name)
    return frame, period


def partner_totals(wh: Warehouse, flow: str, m49: str) -> pd.DataFrame:
    """Totals over partners per year for a bilateral dataflow (REFUGEES, ASYLUM_SEEKERS, REMIT):
    hosted in / received by ``m49`` and originating from / sent by ``m49``, one line per dataset."""
    parts = []
    for column, side in (("ref_area", "in"), ("counterpart_area", "from")):
        frame = wh.select(Selection.of(flow, **{column: m49}, sex="_T", age="_T"), scaled=True)
        other = "counterpart_area" if column == "ref_area" else "ref_area"
        # the publisher's own total (all partners _T, or the world row 900) wins over a sum of partners
        totals = frame[frame[other] == "_T"]
        if totals.empty:
            totals = frame[frame[other] == WORLD]
        detail = frame[frame[other].map(is_country)]
        if totals.empty and not detail.empty:
            keys = ["dataset_id", "time_period", "publisher", "licence", "concept"]
            totals = detail.groupby(keys, as_index=False, dropna=False).agg(
                value=("value", lambda s: s.sum(min_count=1)), partners=("value", "count"))
            totals["obs_status"] = totals["value"].isna().map({True: "O", False: "A"})
            totals["lower"] = totals["upper"] = None
            totals["interval"] = None
        if not totals.empty:
            parts.append(totals.assign(side=side))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def remittance_costs(wh: Warehouse, m49: str, n: int = 6) -> pd.DataFrame:
    """REMIT_COST corridors that send to or from ``m49`` (the ``n`` with most observations)."""
    frame = pd.concat([wh.select(Selection.of(REMIT_COST, ref_area=m49)),
                       wh.select(Selection.of(REMIT_COST, counterpart_area=m49))], ignore_index=True)
    frame = frame.drop_duplicates(["dataset_id", "ref_area", "counterpart_area", "time_period", "method"])
    if frame.empty:
        return frame
    frame["corridor"] = frame["counterpart_area"].map(area_name) + " → " + frame["ref_area"].map(area_name)
    keep = frame.dropna(subset=["value"]).groupby("corridor").size().sort_values(ascending=False).index[:n]
    return frame[frame["corridor"].isin(keep)].copy()


def census_answers(wh: Warehouse, m49: str) -> pd.DataFrame:
    """The recorded answers to the core census questions for ``m49`` (dataflow ``CENSUS_QUESTION``).

    One row per recorded source (the latest vintage of each source's series) and core topic: value 1
    answered / 0 not, ``basis`` the variable answering it, ``time_period`` the reference year and the
    dataset's ``kind`` (census, survey, register).
    """
    return wh.select(Selection.of(CENSUS_QUESTION, ref_area=m49))
