"""The labour mobility exchange's public statistics pages (issue 12, items 4 and 5).

* ``/labour-exchange``: an occupation x country heat map of one exchange dataflow (openings by
  destination, jobseekers by origin, placements, openings per jobseeker, fill rate, time to fill) for
  a quarter, ISCO-08 major or sub-major groups; the corridors with published figures.
* ``/labour-exchange/corridor/{origin}/{destination}``: a corridor's supply (the origin's jobseekers)
  and demand (openings the destination offers that origin) by occupation, with placements, the ratio,
  fill rate and time to fill.
* ``/labour-exchange/quality``: matching quality (``EXCH_MATCH_QUALITY``): fill rate, share matched,
  time to match, the independent checker's verdict, and the held-out evaluation of the score against
  completion (Spearman, AUC, Brier, calibration); fill rate and time to fill by quarter.

Aggregates only, from the warehouse (after disclosure control); every figure names its dataset and
status; SYNTHETIC data are labelled as such. Query strings carry the page state.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from corridor.errors import InputError
from corridor.reference.codes import codes
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import area_name, resolve_area
from ..charts import records
from ..rendering import render
from . import exchange_data as data

router = APIRouter()


@router.get("/labour-exchange", name="exchange_home")
def exchange_home(request: Request, wh: Warehouse = Depends(page_warehouse),
                  flow: str = Query("EXCH_VACANCY", description="dataflow shown in the heat map"),
                  quarter: str = Query("", description="quarter, e.g. 2026-Q1 (default: the latest)"),
                  level: int = Query(1, ge=1, le=2, description="ISCO-08 digits: 1 major, 2 sub-major groups")):
    if flow not in data.HEAT_FLOWS:
        return render(request, "error.html", status_code=404, title="Unknown exchange dataflow",
                      message=f"{flow!r} is not one of {', '.join(data.HEAT_FLOWS)}")
    quarters = data.quarters(wh)
    quarter = quarter or (quarters[0] if quarters else "")
    title, unit, digits = data.heat_view(flow)
    role = data.HEAT_FLOWS[flow]
    cells = data.heat_cells(wh, flow, quarter, level)
    columns, rows = data.heat_table(cells)
    datasets = sorted(cells["dataset_id"].dropna().unique())
    return render(request, "exchange_stats.html", flow=flow, quarter=quarter, digits=digits,
                  flows={f: (data.heat_view(f)[0], r) for f, r in data.HEAT_FLOWS.items()},
                  quarters=quarters, level=level, title=title, role=role, unit=unit,
                  spec=data.heat_spec(cells, title=f"{title}, by {role} and occupation, {quarter}", unit=unit)
                  if not cells.empty else None,
                  columns=[(c, data.occupation_label(c)) for c in columns], rows=rows, datasets=datasets,
                  suppressed=int((cells["obs_status"] == "Q").sum()), corridors=data.corridors(wh),
                  synthetic=data.is_synthetic(data.flow_frame(wh, flow)))


@router.get("/labour-exchange/corridor/{origin}/{destination}", name="exchange_corridor")
def exchange_corridor(request: Request, origin: str, destination: str, wh: Warehouse = Depends(page_warehouse),
                      quarter: str = Query("", description="quarter (default: the latest)")):
    try:
        origin_code, dest_code = resolve_area(origin), resolve_area(destination)
    except InputError as exc:
        return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))
    if (origin_code, dest_code) != (origin, destination):
        return RedirectResponse(f"/labour-exchange/corridor/{origin_code}/{dest_code}", status_code=303)
    quarters = data.quarters(wh, origin_code, dest_code)
    quarter = quarter or (quarters[0] if quarters else "")
    table = data.corridor_table(wh, origin_code, dest_code, quarter)
    names = {"origin_name": area_name(origin_code), "destination_name": area_name(dest_code)}
    rows = records(table, list(table.columns))
    datasets = sorted({r[k] for r in rows for k in r if k.endswith("_dataset") and r[k]})
    return render(request, "exchange_corridor.html", origin=origin_code, destination=dest_code, **names,
                  quarter=quarter, quarters=quarters, rows=rows, datasets=datasets,
                  spec=data.supply_demand_spec(table, title=f"Supply and demand by occupation, {quarter}")
                  if len(table) else None,
                  synthetic=data.is_synthetic(data.flow_frame(wh, "EXCH_VACANCY")))


@router.get("/labour-exchange/quality", name="exchange_quality")
def exchange_quality(request: Request, wh: Warehouse = Depends(page_warehouse)) -> Response:
    frame = data.flow_frame(wh, "EXCH_MATCH_QUALITY")
    run = frame["time_period"].max() if len(frame) else None
    frame = frame[frame["time_period"] == run]
    measures = {r["topic"]: r for r in records(frame, ["topic", "value", "obs_status", "unit_measure", "dataset_id"])}
    labels = codes("EXCH_QUALITY")
    calibration = [{"quintile": i, "predicted": (measures.get(f"PRED_{i}") or {}).get("value"),
                    "observed": (measures.get(f"CALIB_{i}") or {}).get("value"),
                    "status": (measures.get(f"CALIB_{i}") or {}).get("obs_status")} for i in range(1, 6)]
    by_quarter = {}
    for flow in ("EXCH_FILL_RATE", "EXCH_TIME_TO_FILL"):
        f = data.flow_frame(wh, flow)
        f = f[(f["ref_area"] == "_T") & (f["counterpart_area"] == "_T") & (f["topic"] == "_T")]
        by_quarter[flow] = records(f.sort_values("time_period"), ["time_period", "value", "lower", "upper",
                                                                  "interval", "obs_status", "dataset_id"])
    return render(request, "exchange_quality.html", run=run, measures=measures, labels=labels,
                  calibration=calibration, by_quarter=by_quarter,
                  spec=data.calibration_spec(calibration) if any(c["observed"] is not None for c in calibration)
                  else None, datasets=sorted(frame["dataset_id"].unique()), synthetic=data.is_synthetic(frame))
