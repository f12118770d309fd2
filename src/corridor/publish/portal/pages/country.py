"""``/country/{m49}``: a country profile built from the registered sections (:mod:`..sections`).

``/country?q=Mexico`` (the search box) redirects to ``/country/484``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from corridor.errors import InputError
from corridor.reference.search import AmbiguousArea
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import area_name, resolve_area
from ..cache import per_warehouse
from ..queries.catalogue import areas_in_use
from ..rendering import render
from ..sections import COUNTRY_SECTIONS

router = APIRouter()


@router.get("/country", name="portal_country_search")
def country_search(request: Request, q: str = Query("", description="a name as people write it, an ISO code or M49")):
    try:
        code = resolve_area(q)
    except AmbiguousArea as exc:
        return render(request, "candidates.html", title="Which area?", text=q, candidates=exc.candidates)
    except InputError as exc:
        return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))
    return RedirectResponse(f"/country/{code}", status_code=303)


@router.get("/country/{m49}", name="portal_country")
def country(request: Request, m49: str, wh: Warehouse = Depends(page_warehouse),
            flow_period: str | None = Query(None, pattern=r"^\d{4}-\d{4}$", description="flows panel: period"),
            flow_method: str | None = Query(None, pattern=r"^[a-z_]{2,40}$", description="flows panel: method")):
    if not (m49.isascii() and m49.isdigit()):  # "²".isdigit() is True, int("²") fails
        try:
            code = resolve_area(m49)
        except InputError as exc:
            return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))
        if not (code.isascii() and code.isdigit()):  # an office's own area (U_...): never shown as a country
            return render(request, "error.html", status_code=404, title=area_name(code),
                          message=f"{area_name(code)} ({code}) is an area registered by a user, not a country "
                                  "(corridor register): it has no country profile and is never drawn or compared "
                                  "as a country; the data explorer and the API serve its figures, and corridor "
                                  "stock --roll-up sums user areas into their country, marked.")
        return RedirectResponse(f"/country/{code}", status_code=303)
    m49 = str(int(m49))
    if m49 not in areas_in_use(wh):
        return render(request, "error.html", status_code=404, title="No data for this area",
                      message=f"The warehouse holds no observations for M49 area {m49} ({area_name(m49)}).")
    options = (("flow_period", flow_period), ("flow_method", flow_method))
    return render(request, "country.html", m49=m49, name=area_name(m49), sections=country_sections(wh, m49, options),
                  area_name=area_name)


@per_warehouse(maxsize=256)
def country_sections(wh: Warehouse, m49: str, options: tuple[tuple[str, str | None], ...] = ()) -> list[dict]:
    """The registered sections' content for one country (kept while the warehouse file is unchanged);
    ``options`` are the query-string choices, each passed to the sections that declare it."""
    given = dict(options)
    sections = []
    for section in COUNTRY_SECTIONS:
        content = section.build(wh, m49, **{name: given.get(name) for name in section.options})
        if content is None and section.empty_message is None:
            continue
        sections.append({"id": section.id, "title": section.title, "template": section.template,
                         "content": content, "empty": section.empty_message})
    return sections
