"""Remittance costs against SDG target 10.c (indicator 10.c.1), from corridor averages.

Inputs are warehouse frames: ``REMIT_COST`` (World Bank Remittance Prices Worldwide, average total
cost of sending USD 200 per corridor and quarter, % of the amount sent; ``ref_area`` = receiving,
``counterpart_area`` = sending country) and ``REMIT`` (World Bank/KNOMAD bilateral remittance
estimates, US$ million, same orientation) as weights. Every output is one ``REMIT_COST_IND``
observation whose ``topic`` is the MEASURE code of the registry (``data/indicators.yaml``):

* per corridor and quarter: ``GAP_3`` and ``GAP_5`` (cost minus 3 or 5 points) and ``CHG_YOY`` (cost
  minus the cost four quarters earlier);
* per group (one sending country: ``ref_area = _T``; one receiving country: ``counterpart_area = _T``;
  all corridors: both ``_T``) and quarter: ``AVG_SIMPLE``, ``AVG_WEIGHTED`` (weights: the bilateral
  remittances of one year, stated in ``basis``), ``SHARE_CORR_GT5``, ``SHARE_MONEY_GT5``, ``N_CORR``;
* ``SMART`` for all corridors and each quarter: missing with ``OBS_STATUS = L``, because the Smart
  Remitter Target needs per-service data that a corridor-average file does not hold.

Definitions: UN SDG indicator 10.c.1 metadata (target: below 3% on average, no corridor above 5%);
World Bank, *Remittance Prices Worldwide Quarterly* (global average: simple; global weighted average:
corridor averages weighted by bilateral remittance flows). The World Bank's simple global average is
taken over *services*; the simple average here is over *corridor averages*, so the two differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATAFLOW = "REMIT_COST_IND"
METHOD = "indicator"
TARGET, CEILING = 3.0, 5.0
TOTAL = "_T"
SMART_REASON = ("not computable here: SmaRT averages the three cheapest qualifying services, which needs "
                "RPW per-service data; the corridor averages (ATCR.CORR) cannot give it")


def corridor_measures(costs: pd.DataFrame) -> pd.DataFrame:
    """``GAP_3``, ``GAP_5`` and ``CHG_YOY`` per corridor and quarter (known costs only)."""
    known = costs.loc[costs["value"].notna(), ["ref_area", "counterpart_area", "time_period", "value"]]
    parts = [known.assign(topic=f"GAP_{int(line)}", value=known["value"] - line,
                          basis=f"cost minus {line:g} points") for line in (TARGET, CEILING)]
    earlier = known.assign(time_period=lambda f: f["time_period"].str.slice(0, 4).astype(int).add(1).astype(str)
                           + f["time_period"].str.slice(4))
    change = known.merge(earlier, on=["ref_area", "counterpart_area", "time_period"], suffixes=("", "_before"))
    change = change.assign(value=change["value"] - change["value_before"], topic="CHG_YOY",
                           basis="cost minus the cost of the same quarter a year earlier")
    parts.append(change.drop(columns="value_before"))
    return pd.concat(parts, ignore_index=True)


def _groups(known: pd.DataFrame) -> list[pd.DataFrame]:
    """The corridors of each group, with the group's key in ``g_ref``/``g_cp``."""
    return [
        known.assign(g_ref=TOTAL, g_cp=known["counterpart_area"]),   # one sending country
        known.assign(g_ref=known["ref_area"], g_cp=TOTAL),           # one receiving country
        known.assign(g_ref=TOTAL, g_cp=TOTAL),                       # all corridors
    ]


def group_measures(costs: pd.DataFrame, weights: pd.DataFrame, weight_year: str) -> pd.DataFrame:
    """Simple and weighted averages, shares above 5% and counts per group and quarter.

    ``weights``: ``ref_area``, ``counterpart_area``, ``value`` (US$ million, one year: ``weight_year``).
    A corridor without a positive weight counts in the simple measures only; a group with no weighted
    corridor gets a missing weighted average and money share (``OBS_STATUS = O``) that says so.
    """
    known = costs.loc[costs["value"].notna(), ["ref_area", "counterpart_area", "time_period", "value"]]
    w = weights.loc[weights["value"].notna() & (weights["value"] > 0), ["ref_area", "counterpart_area", "value"]]
    known = known.merge(w.rename(columns={"value": "w"}), on=["ref_area", "counterpart_area"], how="left")
    known["w"] = known["w"].fillna(0.0)
    stacked = pd.concat(_groups(known), ignore_index=True)
    stacked["above"] = stacked["value"] > CEILING
    stacked["wx"] = stacked["w"] * stacked["value"]
    stacked["w_above"] = np.where(stacked["above"], stacked["w"], 0.0)
    stacked["weighted"] = stacked["w"] > 0
    g = stacked.groupby(["g_ref", "g_cp", "time_period"], sort=True).agg(
        n=("value", "size"), mean=("value", "mean"), n_above=("above", "sum"), w=("w", "sum"),
        wx=("wx", "sum"), w_above=("w_above", "sum"), n_w=("weighted", "sum"),
    ).reset_index()
    key = g[["g_ref", "g_cp", "time_period"]].rename(columns={"g_ref": "ref_area", "g_cp": "counterpart_area"})
    has_w = g["w"] > 0
    wbasis = ("weights: World Bank/KNOMAD bilateral remittances " + weight_year + " (US$ million); "
              + g["n_w"].astype(int).astype(str) + " of " + g["n"].astype(str) + " corridors weighted, total "
              + g["w"].round(1).astype(str) + " US$ million")
    nowt = f"no corridor in the group has a {weight_year} bilateral remittance estimate above zero"
    parts = [
        key.assign(topic="AVG_SIMPLE", value=g["mean"], basis=g["n"].astype(str) + " corridor averages"),
        key.assign(topic="N_CORR", value=g["n"].astype(float), basis="corridors with a cost this quarter"),
        key.assign(topic="SHARE_CORR_GT5", value=100.0 * g["n_above"] / g["n"],
                   basis=g["n_above"].astype(int).astype(str) + " of " + g["n"].astype(str) + " corridors above 5%"),
        key.assign(topic="AVG_WEIGHTED", value=np.where(has_w, g["wx"] / g["w"].where(has_w), np.nan),
                   basis=np.where(has_w, wbasis, nowt)),
        key.assign(topic="SHARE_MONEY_GT5", value=np.where(has_w, 100.0 * g["w_above"] / g["w"].where(has_w), np.nan),
                   basis=np.where(has_w, wbasis, nowt)),
    ]
    return pd.concat(parts, ignore_index=True)


def smart_missing(costs: pd.DataFrame) -> pd.DataFrame:
    """``SMART`` for all corridors, one missing observation per quarter, saying why."""
    quarters = sorted(costs["time_period"].unique())
    return pd.DataFrame({"ref_area": TOTAL, "counterpart_area": TOTAL, "time_period": quarters,
                         "topic": "SMART", "value": np.nan, "basis": SMART_REASON})


def observations(costs: pd.DataFrame, weights: pd.DataFrame, weight_year: str) -> pd.DataFrame:
    """Every ``REMIT_COST_IND`` observation (see the module docstring), in the warehouse shape."""
    obs = pd.concat([corridor_measures(costs), group_measures(costs, weights, weight_year),
                     smart_missing(costs)], ignore_index=True)
    missing = obs["value"].isna()
    obs["obs_status"] = np.where(obs["topic"] == "SMART", "L", np.where(missing, "O", "A"))
    obs["unit_measure"] = np.where(obs["topic"] == "N_CORR", "PURE_NUMB", "PT")
    return obs.assign(dataflow=DATAFLOW, method=METHOD, unit_mult=0, conf_status="F")
