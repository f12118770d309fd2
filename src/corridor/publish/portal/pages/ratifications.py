"""``/ratifications``: which states are party to a treaty on migrants' rights, as a world map and by role.

Map: ``TREATY_STATUS`` of the latest status table (state party, signatory, no action; states outside
the table grey). Table: states by migration role (net immigration or net emigration from UN WPP net
migration, :func:`corridor.indicators.treaties.ratifications`) and status. Query string: ``treaty``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt
from fastapi import APIRouter, Depends, Query, Request

from corridor.errors import InputError
from corridor.indicators.treaties import ratifications as by_role
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..charts import FONT, GEOMETRY_URL
from ..queries import catalogue
from ..queries.indicators import STATUS_TEXT, treaty_map_rows, treaty_names
from ..rendering import render

router = APIRouter()
STATUS_COLOURS = {"state party": "#1b7837", "signatory (not ratified)": "#a6dba0", "no action": "#c2a5cf"}


@lru_cache(maxsize=8)
def _map_template(title: str, width: int) -> str:
    lookup = alt.LookupData(alt.NamedData("rows"), key="m49", fields=["name", "status", "year", "role", "dataset_id"])
    chart = alt.Chart(alt.topo_feature(GEOMETRY_URL, "countries")).transform_calculate(
        m49="datum.id ? '' + toNumber(datum.id) : ''", map_name="datum.properties.name",
    ).transform_lookup(lookup="m49", from_=lookup).mark_geoshape(stroke="#ffffff", strokeWidth=0.4).encode(
        color=alt.condition("isValid(datum.status)", alt.Color(
            "status:N", title="Status (grey: not in the table)",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
            legend=alt.Legend(orient="bottom", direction="horizontal")), alt.value("#d5d9e0")),
        tooltip=[alt.Tooltip("map_name:N", title="Map area"), alt.Tooltip("name:N", title="State (M49)"),
                 alt.Tooltip("status:N", title="Status"), alt.Tooltip("year:N", title="Ratified or acceded"),
                 alt.Tooltip("role:N", title="Migration role (WPP net migration)"),
                 alt.Tooltip("dataset_id:N", title="Dataset")],
    ).project(type="equalEarth").properties(width=width, height=int(width * 0.5), title=title)
    return json.dumps(chart.configure(font=FONT).configure_view(stroke=None).to_dict(validate=False))


def treaty_map(rows: list[dict[str, Any]], *, title: str, width: int = 900) -> dict[str, Any]:
    """Vega-Lite choropleth of treaty status by M49 code (rows: m49, name, status, year, role, dataset_id)."""
    spec = json.loads(_map_template(title, width))
    spec["datasets"] = {"rows": rows}
    return spec


@router.get("/ratifications", name="portal_ratifications")
def ratifications(request: Request, treaty: str = Query("ICMW", description="TREATY code"),
                  wh: Warehouse = Depends(page_warehouse)):
    names = treaty_names()
    if treaty not in names:
        return render(request, "error.html", status_code=404, title="Unknown treaty",
                      message=f"unknown treaty {treaty!r}; known: {', '.join(names)}")
    rows, year, dataset_ids = treaty_map_rows(wh, treaty)
    context: dict[str, Any] = {"treaty": treaty, "treaty_name": names[treaty], "treaties": names, "year": year,
                               "rows": rows, "datasets": catalogue.datasets(wh, dataset_ids), "spec": None}
    if rows:
        try:
            result = by_role(wh, treaty, access=("public",))
        except InputError:
            result = None
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUS_TEXT.values()}
        roles = dict(zip(result.states["ref_area"], result.states["role"], strict=True)) if result else {}
        for row in rows:
            row["role"] = roles.get(row["m49"], "unknown")
        context.update(
            spec=treaty_map(rows, title=f"{names[treaty]}: status in {year}"), counts=counts,
            roles=result.by_role().reset_index().to_dict("records") if result else None,
            role_source=result.role_source if result else None,
            by_year=result.parties_by_year().to_dict() if result else None,
        )
    return render(request, "ratifications.html", **context)
