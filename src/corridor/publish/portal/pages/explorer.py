"""``/explore``: choose a dataflow and filters, see the observations, download them from the API.

Query string: ``flow`` (dataflow id), one parameter per key dimension of the flow (``ref_area``,
``counterpart_area``, ``sex``, ``age``, ``topic``, ``method``; empty = all), ``start`` / ``end`` (years),
``as_of`` (a dataset or release id: that vintage instead of the latest), ``page``.

The key of a flow is the dataflow registry's (:mod:`corridor.reference.dataflows`); the table is one
page of the store's selection of those filters (:mod:`..queries.explorer`), the selection the data API
makes for the same key, so the download links return the rows the table shows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from corridor.errors import InputError
from corridor.reference.dataflows import Dataflow, dataflows
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import WORLD, area_name
from ..queries import catalogue
from ..queries.catalogue import MIG_STOCK
from ..queries.explorer import explorer_selection, flow_datasets, observations_page
from ..rendering import render

router = APIRouter()
PAGE_SIZE = 100
#: Download formats offered: (format= value of the data API, label).
DOWNLOADS: tuple[tuple[str, str], ...] = (("csv", "CSV"), ("sdmx-csv", "SDMX-CSV 2.0"),
                                          ("jsonstat", "JSON-stat 2.0"), ("sdmx-ml", "SDMX-ML 2.1"))
DIMENSION_LABELS = {"ref_area": "Reference area", "counterpart_area": "Counterpart area", "sex": "Sex",
                    "age": "Age", "method": "Method", "birthplace": "Birthplace", "topic": "Topic"}


def public_vintage(wh: Warehouse, as_of: str) -> bool:
    """Whether ``as_of`` names a public dataset: an unknown vintage and a restricted one get the same
    answer on this page (which shows public observations only), so that neither the message nor the
    status tells whether an embargoed dataset of that name exists."""
    try:
        ids = wh.resolve_as_of(as_of)
    except InputError:
        return False
    return bool(catalogue.datasets(wh, ids))


def flow_dimensions(flow: Dataflow) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(SDMX id, warehouse column) of each key position, and the columns the registry holds at ``_T``.

    ``method`` is left out of the held columns: outside a METHOD dimension it is the OBS_METHOD attribute
    (``published``, ``workbook-sum``...), which the store checks against the METHOD codelist, not ``_T``.
    """
    fixed = flow.key_totals()
    return [(d.id, d.column) for d in flow.dimensions], fixed


@router.get("/explore", name="portal_explore")
def explore(request: Request, flow: str = Query(MIG_STOCK, pattern="^[A-Z][A-Z0-9_]{0,39}$"),
            ref_area: str = Query("", max_length=40), counterpart_area: str = Query("", max_length=40),
            sex: str = Query("", max_length=10), age: str = Query("", max_length=20),
            topic: str = Query("", max_length=10), method: str = Query("", max_length=60),
            start: str = Query("", pattern=r"^(\d{4})?$"), end: str = Query("", pattern=r"^(\d{4})?$"),
            as_of: str = Query("", max_length=200), page: int = Query(1, ge=1, le=100_000),
            wh: Warehouse = Depends(page_warehouse)):
    flows = catalogue.dataflow_summary(wh)
    available = list(flows["dataflow"])
    chosen = {"ref_area": ref_area, "counterpart_area": counterpart_area, "sex": sex, "age": age, "topic": topic,
              "method": method}
    context = {"flows": flows.to_dict("records"), "flow": flow, "start": start, "end": end,
               "as_of": as_of, "chosen": chosen, "labels": DIMENSION_LABELS, "area_name": area_name}
    if flow not in available:
        return render(request, "explore.html", status_code=404 if available else 200,
                      message=f"No dataflow {flow} in the warehouse." if available else "The warehouse is empty.",
                      dims=[], rows=[], total=0, view=None, **context)
    definition = dataflows()[flow]
    context["view"] = definition.view
    dims, fixed = flow_dimensions(definition)
    options = {column: catalogue.codes(wh, flow, column) for _, column in dims}
    if not any(column in request.query_params for _, column in dims) and WORLD in options.get("ref_area", []):
        # a fresh visit opens on the world totals; choosing "all" (an empty parameter) shows everything
        chosen["ref_area"] = WORLD
        if "_T" in options.get("counterpart_area", []):
            chosen["counterpart_area"] = "_T"
    filters = {**{column: chosen[column] for _, column in dims if chosen.get(column)}, **fixed}
    try:
        if as_of and not public_vintage(wh, as_of):
            raise InputError(f"no public vintage {as_of!r}: choose one of the vintages listed")
        sel = explorer_selection(wh, flow, filters, start=start or None, end=end or None, as_of=as_of or None)
    except InputError as exc:  # an unknown (or not public) vintage: one answer, naming no dataset
        return render(request, "explore.html", status_code=400, message=str(exc), dims=[], rows=[], total=0,
                      **context)
    shown, total, used = observations_page(wh, sel, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        page = pages
        shown, total, used = observations_page(wh, sel, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    key = ".".join(chosen.get(column, "") for _, column in dims)
    params = {k: v for k, v in (("startPeriod", start), ("endPeriod", end), ("asOf", as_of)) if v}
    downloads = [{"label": label, "format": fmt,
                  "href": f"/data/{flow}/{key or 'all'}?" + urlencode({**params, "format": fmt})}
                 for fmt, label in DOWNLOADS]

    def page_url(n: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        return "/explore?" + urlencode({**query, "page": n})

    return render(
        request, "explore.html", dims=dims, fixed=fixed, options=options, rows=shown.to_dict("records"),
        total=total, page=page, pages=pages, page_size=PAGE_SIZE, downloads=downloads, key=key,
        prev_url=page_url(page - 1) if page > 1 else None, next_url=page_url(page + 1) if page < pages else None,
        flow_datasets=flow_datasets(wh, flow), datasets=catalogue.datasets(wh, used),
        **context,
    )
