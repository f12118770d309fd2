"""``/corridor/{origin}/{destination}``: one origin -> destination pair, every source side by side.

Every dataflow with data for the pair gets a panel (REF_AREA = destination, COUNTERPART_AREA = origin),
in the order a reader asks (:data:`READING_ORDER`: stock and flow, then remittances and their cost, then
refugees), with one line per dataset (vintages included, so revisions show) and a table giving, for each
number, its unit, dataset, status, interval and the dataset's concept (its definition of a migrant). Estimated
flows are one point per period and method with the stored interval as an error bar. Each concept is
defined once, at the end of the page, and every panel links to it.
Query string: ``sex`` (``_T``, ``M``, ``F``). ``/corridor?origin=..&destination=..`` redirects.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from corridor.errors import InputError
from corridor.store.warehouse import Warehouse

from .. import charts
from ..access import page_warehouse
from ..areas import area_name, resolve_area
from ..concepts import concept
from ..queries import catalogue
from ..queries import flows as flow_queries
from ..queries.catalogue import ASYLUM_SEEKERS, MIG_FLOW, MIG_STOCK, REFUGEES, REMIT, REMIT_COST
from ..queries.corridor import MIG_FLOW_REG, corridor_observations, register_flows
from ..queries.flows import corridor_flows
from ..queries.indicators import corridor_development
from ..rendering import render
from ..sections import view_of
from .recruitment import sdg1071_panel
from .register_panel import register_panel

router = APIRouter()


@router.get("/corridor", name="portal_corridor_search")
def corridor_search(request: Request, origin: str = Query(""), destination: str = Query("")):
    try:
        return RedirectResponse(f"/corridor/{resolve_area(origin)}/{resolve_area(destination)}", status_code=303)
    except InputError as exc:
        return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))


@router.get("/corridor/{origin}/{destination}", name="portal_corridor")
def corridor(request: Request, origin: str, destination: str,
             sex: str = Query("_T", pattern="^(_T|M|F)$", description="_T both sexes, M, F"),
             wh: Warehouse = Depends(page_warehouse)):
    try:
        origin_code, dest_code = resolve_area(origin), resolve_area(destination)
    except InputError as exc:
        return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))
    if (origin_code, dest_code) != (origin, destination):
        return RedirectResponse(f"/corridor/{origin_code}/{dest_code}?sex={sex}", status_code=303)
    frame, withdrawn = catalogue.split_withdrawn(wh, corridor_observations(wh, origin_code, dest_code))
    register, withdrawn_register = catalogue.split_withdrawn(wh, register_flows(wh, origin_code, dest_code))
    withdrawn += [w for w in withdrawn_register if w not in withdrawn]
    panels = []
    sexes: list[str] = sorted(set(frame["sex"] if not frame.empty else ()) | set(register["sex"] if not
                                                                                  register.empty else ()))
    if not frame.empty:
        shown = frame[frame["sex"] == sex]
        for dataflow in shown["dataflow"].unique():
            panels.append(_panel(wh, dataflow, shown[shown["dataflow"] == dataflow], origin_code, dest_code))
    if not register.empty:
        observed = register_panel(wh, register[register["sex"] == sex], origin_code, dest_code)
        if observed is not None:
            panels.append(observed)
    panels.sort(key=lambda p: reading_order(p["dataflow"]))
    observed_beside = any(p["dataflow"] == MIG_FLOW_REG for p in panels)
    definitions: dict[str, object] = {}
    for panel in panels:
        panel["observed_beside"] = observed_beside
        for d in panel["datasets"]:
            if d["concept_info"] is not None:
                definitions.setdefault(d["concept_info"].id, d["concept_info"])
    return render(request, "corridor.html", origin=origin_code, destination=dest_code,
                  origin_name=area_name(origin_code), destination_name=area_name(dest_code),
                  panels=panels, sex=sex, sexes=sexes, definitions=definitions, withdrawn=withdrawn,
                  development=corridor_development(wh, origin_code, dest_code),
                  sdg1071=sdg1071_panel(wh, origin_code, dest_code))


#: The order a reader asks in: the stock and the flow for the pair (estimated, then observed in registers,
#: beside each other), then the money sent home and its cost, then refugees and asylum seekers; anything
#: else after them, by id.
READING_ORDER: tuple[str, ...] = (MIG_STOCK, MIG_FLOW, MIG_FLOW_REG, REMIT, REMIT_COST, REFUGEES, ASYLUM_SEEKERS)


def reading_order(dataflow: str) -> tuple[int, str]:
    """Sort key of a dataflow's panel on the corridor page (:data:`READING_ORDER`, then by id)."""
    return (READING_ORDER.index(dataflow) if dataflow in READING_ORDER else len(READING_ORDER), dataflow)


def _panel(wh: Warehouse, dataflow: str, group: pd.DataFrame, origin: str, destination: str) -> dict:
    """One dataflow's panel: chart, rows (each with its unit), the datasets and their concepts."""
    view = view_of(dataflow)
    estimated = dataflow == MIG_FLOW
    if estimated:  # one point per period and method, with its stored interval as an error bar
        group = corridor_flows(group)
        group = group.assign(series_label=group["method"])
    group = group.sort_values(["dataset_id", "time_period"])
    ids = sorted(group["dataset_id"].unique())
    meta = {d["dataset_id"]: d for d in catalogue.datasets(wh, ids)}
    rows = charts.records(group, ["time_period", "value", "lower", "upper", "interval", "obs_status", "unit_measure",
                                  "dataset_id", "series_label", "vintage", "method", "concept"])
    several = group["time_period"].nunique() > 1
    if estimated:
        spec = charts.interval_points([dict(r) for r in rows], y_title=view.value_title, width=760, height=260)
    else:
        spec = charts.time_series([dict(r) for r in rows], y_title=view.value_title, width=760, height=260) \
            if several else None
    return {
        "dataflow": dataflow, "template": "sections/corridor_panel.html", "view": view, "spec": spec,
        "estimated": estimated,
        "pair": (origin, destination) if view.reverse else (destination, origin),
        "rows": rows, "intervals": sorted({r["interval"] for r in rows if r.get("interval")}),
        "methods": {m: flow_queries.METHOD_CAVEATS[m] for m in group["method"].unique()
                    if m in flow_queries.METHOD_CAVEATS} if estimated else {},
        "datasets": [{**meta[i], "concept_info": concept(meta[i].get("concept"))} for i in ids if i in meta],
    }
