"""Reads for the development pages: the balance sheet, ratifications, and a corridor's development side.

The indicator registry (:mod:`corridor.indicators.registry`) says where each indicator sits (development
dimension x level x location) and the expected sign of its effect; the values come from the warehouse
(``REMIT_COST_IND``, ``TREATY_STATUS``, ``TREATY_RATIFIED``, and for the corridor view ``MIG_STOCK``,
``MIG_FLOW``, ``REMIT``, ``REMIT_COST`` and the labour exchange's ``EXCH_*``). Every value carries its
dataset, status and what its interval is; a cell of the balance sheet without an indicator is listed
as a gap in the evidence.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor.indicators.registry import DIMENSIONS, LEVELS, LOCATIONS, Indicator, indicators
from corridor.reference.codes import codes
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..areas import area_name

#: Dataflows the development sections show themselves (the generic corridor panels leave them out).
SECTION_DATAFLOWS: tuple[str, ...] = ("REMIT_COST_IND", "TREATY_STATUS", "TREATY_RATIFIED", "INTEGRATION_GAP")
STATUS_TEXT = {2.0: "state party", 1.0: "signatory (not ratified)", 0.0: "no action"}
NO_INTERVAL = "no interval: derived from published figures without a stated sampling error"
BALANCE_COLUMNS = ["dimension", "level", "location", "indicator", "name", "value", "unit", "period",
                   "obs_status", "interval", "sign", "sign_reason", "reference", "dataset_id", "basis", "note"]
EXCHANGE_FLOWS = ("EXCH_VACANCY", "EXCH_PLACEMENT", "EXCH_VJ_RATIO", "EXCH_FILL_RATE")


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the latest period that has a value (all rows if none has one)."""
    known = frame[frame["value"].notna()]
    if known.empty:
        return frame.iloc[0:0]
    return known[known["time_period"] == known["time_period"].max()]


def _entry(ind: Indicator, **fields: Any) -> dict[str, Any]:
    row = {"dimension": ind.dimension, "level": ind.level, "location": ind.location, "indicator": ind.id,
           "name": ind.name, "sign": ind.sign, "sign_reason": ind.sign_reason, "reference": ind.reference,
           "value": None, "unit": None, "period": None, "obs_status": None, "interval": None,
           "dataset_id": None, "basis": None, "note": None}
    row.update(fields)
    return row


def _cost_entry(ind: Indicator, cost: pd.DataFrame) -> dict[str, Any]:
    """A remittance-cost indicator for ``m49`` as the receiving country (the migrants' origin)."""
    mine = cost[cost["topic"] == ind.measure]
    group = mine[mine["counterpart_area"] == "_T"]
    if not ind.computable:
        return _entry(ind, obs_status="L", note=f"not computable from the data here: {ind.limits}")
    if not group.empty:
        latest = _latest(group)
        if latest.empty:
            return _entry(ind, note="no value in any quarter", dataset_id=group["dataset_id"].iloc[0])
        r = latest.iloc[0]
        return _entry(ind, value=float(r.value), unit=r.unit_measure, period=r.time_period,
                      obs_status=r.obs_status, interval=NO_INTERVAL, dataset_id=r.dataset_id, basis=r.basis)
    corridors = mine[mine["counterpart_area"] != "_T"]
    latest = _latest(corridors)
    if latest.empty:
        return _entry(ind, note="no RPW corridor to this country in the warehouse")
    r = latest.iloc[0]
    senders = ", ".join(area_name(c) for c in sorted(latest["counterpart_area"]))
    return _entry(ind, period=r.time_period, dataset_id=r.dataset_id, obs_status=None,
                  note=f"a corridor measure: {len(latest)} corridor(s) to this country in {r.time_period} "
                       f"({senders}); see the corridor pages")


def _treaty_entry(ind: Indicator, status: pd.DataFrame, ratified: pd.DataFrame) -> dict[str, Any]:
    mine = status[status["topic"] == ind.measure]
    if mine.empty:
        return _entry(ind, note=f"no {ind.measure} status table in the warehouse")
    r = mine.sort_values("time_period").iloc[-1]
    year = ratified[ratified["topic"] == ind.measure]["time_period"]
    text = STATUS_TEXT.get(float(r.value), str(r.value))
    return _entry(ind, value=float(r.value), unit=r.unit_measure, period=r.time_period, obs_status=r.obs_status,
                  interval="none: a recorded legal status", dataset_id=r.dataset_id,
                  basis=text + (f" since {year.iloc[0]}" if not year.empty else ""))


def _gap_entry(ind: Indicator, gaps: pd.DataFrame) -> dict[str, Any]:
    """A migrant-native gap of ``m49`` (both sexes, all ages; the latest survey year)."""
    mine = gaps[(gaps["topic"] == ind.measure) & (gaps["sex"] == "_T") & (gaps["age"] == "_T")]
    if mine.empty:
        return _entry(ind, note="no survey microdata of this country has been analysed (corridor indicators gaps)")
    r = mine.sort_values("time_period").iloc[-1]
    return _entry(ind, value=None if r.value != r.value else float(r.value), unit=r.unit_measure,
                  period=r.time_period, obs_status=r.obs_status, dataset_id=r.dataset_id, basis=r.basis,
                  interval=None if r.value != r.value else f"[{r.lower:,.2f}, {r.upper:,.2f}] {r.interval}")


def balance_entries(wh: Warehouse, m49: str) -> list[dict[str, Any]]:
    """One row per registered indicator for country ``m49`` (value, status, source, or why it is empty)."""
    gaps = wh.select(Selection.of("INTEGRATION_GAP", ref_area=m49))
    cost = wh.select(Selection.of("REMIT_COST_IND", ref_area=m49))
    status = wh.select(Selection.of("TREATY_STATUS", ref_area=m49))
    ratified = wh.select(Selection.of("TREATY_RATIFIED", ref_area=m49))
    rows = []
    for ind in indicators().values():
        if ind.dataflow == "REMIT_COST_IND":
            rows.append(_cost_entry(ind, cost))
        elif ind.dataflow == "INTEGRATION_GAP":
            rows.append(_gap_entry(ind, gaps))
        elif ind.dataflow == "TREATY_STATUS":
            rows.append(_treaty_entry(ind, status, ratified))
        else:
            rows.append(_entry(ind, note=f"no reader for dataflow {ind.dataflow} on this page yet"))
    return rows


def balance_sheet(wh: Warehouse, m49: str) -> dict[str, Any]:
    """The 4 x 3 x 3 frame: for each dimension, a level x location grid of indicator entries; gaps counted."""
    entries = balance_entries(wh, m49)
    grid = []
    gaps = 0
    for dim, dim_name in DIMENSIONS.items():
        rows = []
        for level in LEVELS:
            cells = []
            for location in LOCATIONS:
                here = [e for e in entries if (e["dimension"], e["level"], e["location"]) == (dim, level, location)]
                gaps += not here
                cells.append({"location": location, "entries": here})
            rows.append({"level": level, "cells": cells})
        grid.append({"dimension": dim, "name": dim_name, "rows": rows})
    return {"grid": grid, "entries": entries, "gaps": gaps, "cells": len(DIMENSIONS) * len(LEVELS) * len(LOCATIONS),
            "datasets": sorted({e["dataset_id"] for e in entries if e["dataset_id"]})}


def balance_table(wh: Warehouse, m49: str) -> pd.DataFrame:
    """The balance sheet as a flat table: every indicator entry, and one row per empty cell (a gap)."""
    sheet = balance_sheet(wh, m49)
    rows = list(sheet["entries"])
    for block in sheet["grid"]:
        for row in block["rows"]:
            for cell in row["cells"]:
                if not cell["entries"]:
                    rows.append({"dimension": block["dimension"], "level": row["level"], "location": cell["location"],
                                 "note": "gap in the evidence: no indicator registered for this cell"})
    frame = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    order = {k: i for i, k in enumerate(DIMENSIONS)}
    return frame.sort_values(["dimension", "level", "location"], key=lambda s: s.map(
        order if s.name == "dimension" else {k: i for i, k in enumerate(LEVELS if s.name == "level" else LOCATIONS)}),
        kind="stable").reset_index(drop=True)


def treaty_map_rows(wh: Warehouse, treaty: str) -> tuple[list[dict[str, Any]], str | None, list[str]]:
    """Per state: status text, year of ratification; the status year and the datasets read."""
    status = wh.select(Selection.of("TREATY_STATUS", topic=treaty))
    if status.empty:
        return [], None, []
    year = status["time_period"].max()
    status = status[status["time_period"] == year]
    ratified = wh.select(Selection.of("TREATY_RATIFIED", topic=treaty, dataset_ids=sorted(set(status["dataset_id"]))))
    years = dict(zip(ratified["ref_area"], ratified["time_period"], strict=True))
    rows = [{"m49": a, "name": area_name(a), "status": STATUS_TEXT[float(v)], "year": years.get(a), "dataset_id": d}
            for a, v, d in zip(status["ref_area"], status["value"], status["dataset_id"], strict=True)]
    return rows, year, sorted(set(status["dataset_id"]))


def treaty_names() -> dict[str, str]:
    """TREATY code -> name (the codelist)."""
    return codes("TREATY")


def country_treaties(wh: Warehouse, areas: list[str]) -> list[dict[str, Any]]:
    """Each area's status under each treaty of the latest table: status, year joined, as-of year, dataset."""
    status = wh.select(Selection.of("TREATY_STATUS", ref_area=areas))
    ratified = wh.select(Selection.of("TREATY_RATIFIED", ref_area=areas))
    names = treaty_names()
    out = []
    for area in areas:
        for treaty, group in status[status["ref_area"] == area].groupby("topic"):
            r = group.sort_values("time_period").iloc[-1]
            year = ratified[(ratified["ref_area"] == area) & (ratified["topic"] == treaty)]["time_period"]
            out.append({"area": area, "name": area_name(area), "treaty": treaty, "treaty_name": names[treaty],
                        "status": STATUS_TEXT[float(r.value)], "year": year.iloc[0] if not year.empty else None,
                        "as_of": r.time_period, "dataset_id": r.dataset_id, "obs_status": r.obs_status})
    return out


def _obs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = ["time_period", "value", "lower", "upper", "interval", "obs_status", "unit_measure", "unit_mult",
            "dataset_id", "method", "basis", "topic"]
    out = frame[[c for c in cols if c in frame.columns]].astype(object)
    return out.where(out.notna(), None).to_dict("records")


def corridor_development(wh: Warehouse, origin: str, destination: str) -> dict[str, Any]:
    """The development side of one corridor (migrants from ``origin`` in ``destination``), side by side.

    Stock (latest period of each dataset), flows (latest period, each method with its interval), the
    cost of sending money from destination to origin (latest RPW quarter, its gap to 3% and 5%, its
    change over a year), remittances (latest year), the labour exchange's statistics where present, and
    both countries' treaty status. Each part is a list of observations with dataset and status.
    """
    def latest_per_dataset(frame: pd.DataFrame, by: str = "dataset_id") -> pd.DataFrame:
        known = frame[frame["value"].notna()]
        if known.empty:
            return known
        last = known.groupby(by)["time_period"].transform("max")
        return known[known["time_period"] == last]

    stock = wh.select(Selection.of("MIG_STOCK", ref_area=destination, counterpart_area=origin, sex="_T"), scaled=True)
    flow = wh.select(Selection.of("MIG_FLOW", ref_area=destination, counterpart_area=origin, sex="_T",
                                  birthplace="_T"), scaled=True)
    cost = wh.select(Selection.of("REMIT_COST", ref_area=origin, counterpart_area=destination))
    cost_ind = wh.select(Selection.of("REMIT_COST_IND", ref_area=origin, counterpart_area=destination))
    remit = wh.select(Selection.of("REMIT", ref_area=origin, counterpart_area=destination), scaled=True)
    exch = wh.select(Selection.of(EXCHANGE_FLOWS, ref_area=destination, counterpart_area=origin, topic="_T"))
    cost_latest = _latest(cost)
    quarter = cost_latest["time_period"].iloc[0] if not cost_latest.empty else None
    measures = cost_ind[cost_ind["time_period"] == quarter] if quarter else cost_ind.iloc[0:0]
    treaties = country_treaties(wh, [origin, destination])
    status = wh.select(Selection.of("TREATY_STATUS", ref_area=[origin, destination]))
    return {
        "stock": _obs(latest_per_dataset(stock)),
        "flow": _obs(latest_per_dataset(flow, by="method")),  # one estimate per method: its latest period
        "cost": _obs(cost_latest), "cost_measures": _obs(measures), "cost_quarter": quarter,
        "remit": _obs(latest_per_dataset(remit)),
        "exchange": [{**o, "dataflow": f} for f, g in exch.groupby("dataflow") for o in _obs(latest_per_dataset(g))],
        "treaties": treaties,
        "treaty_names": treaty_names(),
        "datasets": sorted(set().union(*(set(f["dataset_id"])
                                         for f in (stock, flow, cost, cost_ind, remit, exch, status) if not f.empty))),
    }
