"""``/balance/{m49}``: a country's development balance sheet; ``/balance/{m49}.csv`` downloads it.

The frame is the UN Migration and Development Series' "balance sheet approach": four development
dimensions (income, savings and wealth; reduced risk and vulnerability; access to services;
empowerment) x three levels (household, community, country) x three locations (origin, transit,
destination). Each registered indicator (docs/indicators.md) sits in its cell with its value, the
expected sign of its effect (with the reason and the reference), its uncertainty and its source; a
cell without an indicator is shown as a gap in the evidence, not hidden.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from corridor.errors import InputError
from corridor.store.warehouse import Warehouse

from ..access import page_warehouse
from ..areas import area_name, resolve_area
from ..queries import catalogue
from ..queries.indicators import balance_sheet, balance_table, country_treaties
from ..rendering import render
from ..sections import CountrySection, register_section

router = APIRouter()


@router.get("/balance/{m49}.csv", name="portal_balance_csv")
def balance_csv(m49: str, wh: Warehouse = Depends(page_warehouse)) -> Response:
    """The balance sheet as CSV: one row per indicator entry and one per empty cell (a gap)."""
    try:
        code = resolve_area(m49)
    except InputError as exc:
        return Response(str(exc) + "\n", status_code=404, media_type="text/plain")
    table = balance_table(wh, code)
    table.insert(0, "ref_area", code)
    return Response(table.to_csv(index=False, lineterminator="\n"), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="balance-sheet-{code}.csv"'})


@router.get("/balance/{m49}", name="portal_balance")
def balance(request: Request, m49: str, wh: Warehouse = Depends(page_warehouse)):
    try:
        code = resolve_area(m49)
    except InputError as exc:
        return render(request, "error.html", status_code=404, title="Area not found", message=str(exc))
    if code != m49:
        return RedirectResponse(f"/balance/{code}", status_code=303)
    sheet = balance_sheet(wh, code)
    return render(request, "balance.html", m49=code, name=area_name(code), sheet=sheet,
                  datasets=catalogue.datasets(wh, sheet["datasets"]))


def build_development(wh: Warehouse, m49: str) -> dict:
    """Country profile panel: the country's treaty status and the way to its balance sheet."""
    return {"m49": m49, "treaties": country_treaties(wh, [m49])}


register_section(CountrySection("development", "Development and migrants' rights", "sections/development_country.html",
                                build_development))
