"""``/sources``: every dataset with its provenance, the concept registry, and where sources disagree.

Disagreements are shown side by side, never merged: UN DESA's 2019 and 2020 vintages of the world
migrant stock for the years both publish, and the World Bank's 2017 bilateral matrix beside UN DESA's
figures for the same corridors. Query string: ``area`` (M49 code for the vintage comparison, default 900).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import WORLD, area_name
from ..concepts import concept_registry
from ..queries import catalogue
from ..queries import sources as queries
from ..rendering import render

router = APIRouter()


@router.get("/sources", name="portal_sources")
def sources(request: Request, area: str = Query(WORLD, pattern=r"^\d{1,4}$"),
            wh: Warehouse = Depends(page_warehouse)):
    area = str(int(area))
    revisions = queries.vintage_revisions(wh, area)
    comparison = queries.un_vs_worldbank(wh)
    datasets = catalogue.datasets(wh)
    used_concepts = {d.get("concept") for d in datasets}
    registry = concept_registry()
    return render(
        request, "sources.html", datasets=datasets, flows=catalogue.dataflow_summary(wh).to_dict("records"),
        concepts=list(registry.values()), used_concepts=used_concepts,
        revisions=revisions.to_dict("records"), revision_meta=revisions.attrs,
        comparison=comparison.to_dict("records"), comparison_meta=comparison.attrs,
        area=area, area_name=area_name,
    )
