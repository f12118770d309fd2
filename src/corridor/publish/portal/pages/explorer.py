"""``/explore``: choose a dataflow and filters, see the observations, download them from the API.

Query string: ``flow`` (dataflow id), one parameter per key dimension of the flow (``ref_area``,
``counterpart_area``, ``sex``, ``age``, ``method``; empty = all), ``start`` / ``end`` (years),
``as_of`` (a dataset or release id: that vintage instead of the latest), ``page``.

The table applies the same selection as the data API (the flow's key dimensions, with the warehouse
columns outside the key held at ``_T``, as :mod:`corridor.publish.structures` defines them), so the
download links return the rows the table shows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from corridor.errors import InputError
from corridor.store.warehouse import Warehouse

from .. import queries
from ..access import page_warehouse
from ..areas import area_name
from ..rendering import render
from ..sections import view_of

router = APIRouter()
PAGE_SIZE = 100
#: Download formats offered: (format= value of the data API, label).
DOWNLOADS: tuple[tuple[str, str], ...] = (("csv", "CSV"), ("sdmx-csv", "SDMX-CSV 2.0"),
                                          ("jsonstat", "JSON-stat 2.0"), ("sdmx-ml", "SDMX-ML 2.1"))
DIMENSION_LABELS = {"ref_area": "Reference area", "counterpart_area": "Counterpart area", "sex": "Sex",
                    "age": "Age", "method": "Method", "birthplace": "Birthplace"}


def flow_dimensions(flow: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(SDMX id, warehouse column) of each key position, and the columns held at ``_T``."""
    try:
        from corridor.publish.structures import FLOW_DEFINITIONS, generic_flow
    except ImportError:  # the API package not installed: use the data model's generic key
        dims = [("REF_AREA", "ref_area"), ("COUNTERPART_AREA", "counterpart_area"), ("SEX", "sex"), ("AGE", "age")]
        return dims, {}
    definition = FLOW_DEFINITIONS.get(flow) or generic_flow(flow)
    return [(d.id, d.column) for d in definition.dimensions], definition.fixed_columns()


@router.get("/explore", name="portal_explore")
def explore(request: Request, flow: str = Query("MIG_STOCK", pattern="^[A-Z][A-Z0-9_]{0,39}$"),
            ref_area: str = Query("", max_length=40), counterpart_area: str = Query("", max_length=40),
            sex: str = Query("", max_length=10), age: str = Query("", max_length=20),
            method: str = Query("", max_length=60),
            start: str = Query("", pattern=r"^(\d{4})?$"), end: str = Query("", pattern=r"^(\d{4})?$"),
            as_of: str = Query("", max_length=200), page: int = Query(1, ge=1, le=100_000),
            wh: Warehouse = Depends(page_warehouse)):
    flows = queries.dataflows(wh)
    available = list(flows["dataflow"])
    chosen = {"ref_area": ref_area, "counterpart_area": counterpart_area, "sex": sex, "age": age, "method": method}
    context = {"flows": flows.to_dict("records"), "flow": flow, "view": view_of(flow), "start": start, "end": end,
               "as_of": as_of, "chosen": chosen, "labels": DIMENSION_LABELS, "area_name": area_name}
    if flow not in available:
        return render(request, "explore.html", status_code=404 if available else 200,
                      message=f"No dataflow {flow} in the warehouse." if available else "The warehouse is empty.",
                      dims=[], rows=[], total=0, **context)
    dims, fixed = flow_dimensions(flow)
    options = {column: queries.codes(wh, flow, column) for _, column in dims}
    if not any(column in request.query_params for _, column in dims) and "900" in options.get("ref_area", []):
        # a fresh visit opens on the world totals; choosing "all" (an empty parameter) shows everything
        chosen["ref_area"] = ref_area = "900"
        if "_T" in options.get("counterpart_area", []):
            chosen["counterpart_area"] = counterpart_area = "_T"
    filters = {column: chosen[column] for _, column in dims if chosen.get(column)}

    def fetch(n: int):
        return queries.observations_page(wh, flow, {**filters, **fixed}, start=start or None, end=end or None,
                                         as_of=as_of or None, limit=PAGE_SIZE, offset=(n - 1) * PAGE_SIZE)

    try:
        shown, total = fetch(page)
    except InputError as exc:  # an unknown vintage: say which ones exist
        return render(request, "explore.html", status_code=400, message=str(exc), dims=[], rows=[], total=0,
                      **context)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        page = pages
        shown, total = fetch(page)
    key = ".".join(chosen.get(column, "") for _, column in dims)
    params = {k: v for k, v in (("startPeriod", start), ("endPeriod", end), ("asOf", as_of)) if v}
    downloads = [{"label": label, "format": fmt,
                  "href": f"/data/{flow}/{key or 'all'}?" + urlencode({**params, "format": fmt})}
                 for fmt, label in DOWNLOADS]
    flow_datasets = wh.con.execute(
        """SELECT DISTINCT d.dataset_id, d.release_id, d.vintage FROM datasets d JOIN observations o USING (dataset_id)
           WHERE o.dataflow = ? AND d.access = 'public' ORDER BY d.dataset_id""", [flow]).fetchall()

    def page_url(n: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        return "/explore?" + urlencode({**query, "page": n})

    return render(
        request, "explore.html", dims=dims, fixed=fixed, options=options, rows=shown.to_dict("records"),
        total=total, page=page, pages=pages, page_size=PAGE_SIZE, downloads=downloads, key=key,
        prev_url=page_url(page - 1) if page > 1 else None, next_url=page_url(page + 1) if page < pages else None,
        flow_datasets=flow_datasets, datasets=queries.datasets(wh, shown.attrs["dataset_ids"]),
        **context,
    )
