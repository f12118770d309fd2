"""``/sources``: every dataset with its provenance, the concept registry, and where sources disagree.

Disagreements are shown side by side, never merged: UN DESA's 2019 and 2020 vintages of the world
migrant stock for the years both publish, and the World Bank's 2017 bilateral matrix beside UN DESA's
figures for the same corridors. The calibration of the flow intervals (nominal against observed coverage of
register flows, out of sample; ``corridor.estimate.flows.calibration``) is drawn beside them. Query string:
``area`` (M49 code for the vintage comparison, default 900).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from corridor.estimate.flows.intervals import calibration, sentences
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import WORLD, area_name
from ..concepts import concept_registry
from ..queries import catalogue
from ..queries import sources as queries
from ..rendering import render

router = APIRouter()


def calibration_plot() -> tuple[dict, dict]:
    """Vega-Lite spec of the flow intervals' calibration (nominal level against the share of held-out register
    flows inside the interval, per method and cross-validation scheme, with the line of perfect calibration),
    and what the page says about it."""
    cal = calibration()
    rows = [{"method": r["method"], "scheme": r["scheme"], "nominal": float(level), "observed": cov}
            for r in cal["table"] for level, cov in r["coverage"].items()]
    diagonal = [{"nominal": v, "observed": v} for v in (0.4, 1.0)]
    axis = {"type": "quantitative", "scale": {"domain": [0.4, 1.0]}, "axis": {"format": "%"}}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 420, "height": 320,
        "layer": [
            {"data": {"values": diagonal}, "mark": {"type": "line", "color": "#888", "strokeDash": [4, 4]},
             "encoding": {"x": {"field": "nominal", **axis}, "y": {"field": "observed", **axis}}},
            {"data": {"values": rows}, "mark": {"type": "line", "point": True},
             "encoding": {
                 "x": {"field": "nominal", "title": "nominal level of the interval", **axis},
                 "y": {"field": "observed", "title": "register flows inside (out of sample)", **axis},
                 "color": {"field": "method", "type": "nominal", "title": "method"},
                 "strokeDash": {"field": "scheme", "type": "nominal", "title": "held out"},
                 "tooltip": [{"field": "method"}, {"field": "scheme"}, {"field": "nominal", "format": ".0%"},
                             {"field": "observed", "format": ".1%"}]}},
        ],
    }
    inside, outside = sentences(cal, "da_min_closed", cal["level"])
    meta = {"level": cal["level"], "pairs": cal["pairs"], "countries": len(cal["countries"]),
            "periods": ", ".join(cal["periods"]), "inside": inside, "outside": outside,
            "datasets": [d for d in cal["datasets"] if d.startswith("eurostat")]}
    return spec, meta


@router.get("/sources", name="portal_sources")
def sources(request: Request, area: str = Query(WORLD, pattern=r"^\d{1,4}$"),
            wh: Warehouse = Depends(page_warehouse)):
    area = str(int(area))
    revisions = queries.vintage_revisions(wh, area)
    comparison = queries.un_vs_worldbank(wh)
    datasets = catalogue.datasets(wh)
    used_concepts = {d.get("concept") for d in datasets}
    registry = concept_registry()
    calibration_spec, calibration_meta = calibration_plot()
    return render(
        request, "sources.html", datasets=datasets, flows=catalogue.dataflow_summary(wh).to_dict("records"),
        concepts=list(registry.values()), used_concepts=used_concepts,
        revisions=revisions.to_dict("records"), revision_meta=revisions.attrs,
        comparison=comparison.to_dict("records"), comparison_meta=comparison.attrs,
        area=area, area_name=area_name, calibration_spec=calibration_spec, calibration_meta=calibration_meta,
    )
