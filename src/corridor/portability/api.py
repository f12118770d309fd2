"""The portability JSON API: the agreements registry and the benefit calculator (no personal data kept).

``GET /portability/agreements`` lists the registry; ``GET /portability/calculate?agreement=EU-883&
period=EXAMPLE_A:18&period=EXAMPLE_B:24&context=IE_SPC_2024.working_years:34`` answers as
``corridor portability calculate`` does (400 naming the bad parameter).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from corridor.errors import InputError
from corridor.portability.agreements import load_agreements
from corridor.portability.calculator import calculate
from corridor.portability.formulas import load_schemes

router = APIRouter(prefix="/portability", tags=["portability"])


def _pairs(items: list[str], what: str) -> dict[str, float]:
    out = {}
    for item in items:
        key, _, value = item.rpartition(":")
        try:
            out[key] = float(value)
        except ValueError:
            raise HTTPException(400, f"{what} {item!r}: write NAME:NUMBER") from None
        if not key:
            raise HTTPException(400, f"{what} {item!r}: write NAME:NUMBER")
    return out


@router.get("/agreements", summary="Social security agreements: parties, branches, rules, validity, source")
def get_agreements() -> list[dict]:
    return [{"id": a.id, "title": a.title, "branches": list(a.branches), "totalisation": a.totalisation,
             "export": a.export, "method": a.method, "short_periods": a.short_periods,
             "max_period_in_ratio": a.max_period_in_ratio, "valid_from": a.valid_from.isoformat(),
             "valid_to": a.valid_to.isoformat() if a.valid_to else None,
             "parties": [{"code": c, "from": f.isoformat() if f else None, "to": t.isoformat() if t else None}
                         for c, f, t in a.parties], "source": a.source}
            for a in load_agreements().values()]


@router.get("/calculate", summary="Benefits under totalisation (Regulation 883/2004 art. 6, 52, 57)")
def get_calculate(agreement: str, period: list[str] = Query(...), context: list[str] = Query([])) -> dict:
    known = load_agreements()
    if agreement not in known:
        raise HTTPException(400, f"unknown agreement {agreement!r}")
    ctx: dict[str, dict[str, float]] = {}
    for key, value in _pairs(context, "context").items():
        scheme, _, name = key.partition(".")
        ctx.setdefault(scheme, {})[name] = value
    try:
        return calculate(_pairs(period, "period"), known[agreement], load_schemes(), ctx)
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None
