"""``/corridor/{origin}/{destination}``: one origin -> destination pair, every source side by side.

Every dataflow with data for the pair gets a panel (REF_AREA = destination, COUNTERPART_AREA = origin),
with one line per dataset (vintages included, so revisions show) and a table giving, for each number,
its dataset, status, interval and the dataset's concept (its definition of a migrant).
Query string: ``sex`` (``_T``, ``M``, ``F``). ``/corridor?origin=..&destination=..`` redirects.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from corridor.errors import InputError
from corridor.store.warehouse import Warehouse

from .. import charts
from ..access import page_warehouse
from ..areas import area_name, resolve_area
from ..concepts import concept
from ..queries import catalogue
from ..queries.corridor import corridor_observations
from ..rendering import render
from ..sections import view_of
from .recruitment import sdg1071_panel

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
    frame = corridor_observations(wh, origin_code, dest_code)
    panels = []
    sexes: list[str] = []
    if not frame.empty:
        sexes = sorted(frame["sex"].unique())
        shown = frame[(frame["sex"] == sex) & (frame["dataflow"] != "SDG_10_7_1")]  # its own section below
        for dataflow, group in shown.groupby("dataflow", sort=True):
            view = view_of(dataflow)
            group = group.sort_values(["dataset_id", "time_period"])
            ids = sorted(group["dataset_id"].unique())
            meta = {d["dataset_id"]: d for d in catalogue.datasets(wh, ids)}
            rows = charts.records(group, ["time_period", "value", "lower", "upper", "interval", "obs_status",
                                          "dataset_id", "series_label", "vintage", "method", "concept"])
            panels.append({
                "dataflow": dataflow, "view": view,
                "spec": charts.time_series([dict(r) for r in rows], y_title=view.value_title, width=760, height=260)
                if group["time_period"].nunique() > 1 else None,
                "pair": (origin_code, dest_code) if view.reverse else (dest_code, origin_code),
                "rows": rows,
                "datasets": [{**meta[i], "concept_info": concept(meta[i].get("concept"))} for i in ids if i in meta],
            })
    return render(request, "corridor.html", origin=origin_code, destination=dest_code,
                  origin_name=area_name(origin_code), destination_name=area_name(dest_code),
                  panels=panels, sex=sex, sexes=sexes, sdg1071=sdg1071_panel(wh, origin_code, dest_code))
