"""``/``: world map of international migrants as a share of the population.

Numerator: UN DESA International Migrant Stock, latest vintage, all origins, both sexes (MIG_STOCK,
COUNTERPART_AREA ``_T``). Denominator: UN World Population Prospects population, latest edition in the
warehouse (POP, totals over sex and age; the page names the edition). Query string: ``year``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from corridor.store.warehouse import Warehouse

from .. import charts
from ..access import page_warehouse
from ..areas import WORLD, area_name, is_country
from ..queries import catalogue
from ..queries import home as queries
from ..rendering import render

router = APIRouter()


@router.get("/", name="portal_home")
def home(request: Request, year: str | None = Query(None, description="reference year (mid-year)"),
         wh: Warehouse = Depends(page_warehouse)):
    years = queries.map_years(wh)
    context: dict = {"years": years, "year": None, "spec": None}
    if years:
        chosen = year if year in years else years[0]
        frame, used = queries.migrant_share(wh, chosen)
        used_datasets = catalogue.datasets(wh, used)
        rows = frame[frame["m49"].map(is_country)].dropna(subset=["share"])
        world = frame[frame["m49"] == WORLD]
        context.update(
            year=chosen, requested=year, datasets=used_datasets,
            pop_editions=sorted({d["vintage"] for d in used_datasets if d["series"] == catalogue.WPP_POP_SERIES}),
            spec=charts.world_map(
                charts.records(frame, ["m49", "name", "share", "migrants", "population", "obs_status",
                                       "dataset_id", "pop_dataset_id"]),
                year=chosen, title=f"International migrants as a share of the population, mid-{chosen}"),
            world=world.iloc[0].to_dict() if not world.empty else None,
            top=rows[rows["population"] >= 1_000_000].sort_values("share", ascending=False).head(10)
            .to_dict("records"),
            n_areas=int(rows["m49"].nunique()),
        )
    regional = queries.regional_flows(wh)
    if regional:
        context["regional"] = regional
        context["regional_chord"] = charts.chord(regional["names"], regional["matrix"], period=regional["period"],
                                                 dataset_id=regional["dataset_id"],
                                                 title=f"Flows between regions, {regional['period']}")
        context["regional_datasets"] = catalogue.datasets(wh, [regional["dataset_id"]])
    context["flows"] = catalogue.dataflow_summary(wh).to_dict("records")
    return render(request, "home.html", area_name=area_name, **context)
