"""National benefit formulas as data: each scheme of ``data/schemes.yaml`` names a formula type here.

One function per type (a table of capabilities, not a chain of ``if``): each takes the scheme's
parameters, the periods to compute on (in the scheme's unit) and the context of the person (reference
earnings, points, the years of their working life) and returns the monthly (or, for weekly schemes,
weekly) amount. ``max_periods`` is never applied here: the legislation's own cap is part of each formula
(e.g. ``full_periods``), the agreement's maximum-period clause belongs to the calculator.

==========================  ===========================================================================
type                        amount
==========================  ===========================================================================
``accrual``                 ``base`` if periods >= ``full_periods``, else ``base x rate_per_period x periods``
``flat_plus_accrual``       ``base x flat_share + base x rate_per_period x min(periods, max_periods)``
``earnings_related``        ``accrual_rate x reference_earnings x min(periods, max_periods)``
``points``                  ``points x point_value`` (points per period from the context when pro-rated)
``yearly_average_bands``    the band of the yearly average (periods / working years) -> rate
==========================  ===========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from corridor.errors import InputError

SCHEMES_FILE = Path(__file__).with_name("data") / "schemes.yaml"
Formula = Callable[[dict[str, Any], float, dict[str, Any]], float]


def _accrual(p: dict[str, Any], periods: float, ctx: dict[str, Any]) -> float:
    if p.get("full_periods") is not None and periods >= p["full_periods"]:
        return float(p["base"])
    return p["base"] * p["rate_per_period"] * periods


def _flat_plus_accrual(p: dict[str, Any], periods: float, ctx: dict[str, Any]) -> float:
    counted = min(periods, p.get("max_periods") or math.inf)
    return p["base"] * p["flat_share"] + p["base"] * p["rate_per_period"] * counted


def _earnings_related(p: dict[str, Any], periods: float, ctx: dict[str, Any]) -> float:
    if "reference_earnings" not in ctx:
        raise InputError(f"scheme {p['id']}: an earnings-related benefit needs reference_earnings")
    return p["accrual_rate"] * ctx["reference_earnings"] * min(periods, p.get("max_periods") or math.inf)


def _points(p: dict[str, Any], periods: float, ctx: dict[str, Any]) -> float:
    per_period = ctx.get("points_per_period", p.get("points_per_period"))
    if per_period is None:
        raise InputError(f"scheme {p['id']}: a points benefit needs points_per_period")
    return per_period * min(periods, p.get("max_periods") or math.inf) * p["point_value"]


def _yearly_average_bands(p: dict[str, Any], periods: float, ctx: dict[str, Any]) -> float:
    years = ctx.get("working_years")
    if not years:
        raise InputError(f"scheme {p['id']}: the yearly average needs working_years (entry into insurance "
                         "to pension age)")
    average = periods / years
    if p.get("round_average") == "half_up":
        average = math.floor(average + 0.5)
    for band in p["bands"]:
        if average >= band["from"] and (band.get("to") is None or average <= band["to"]):
            return float(band["rate"])
    raise InputError(f"scheme {p['id']}: no rate for a yearly average of {average} in this file's bands "
                     f"({', '.join(str(b['from']) + '-' + str(b.get('to') or '') for b in p['bands'])})")


FORMULAS: dict[str, Formula] = {
    "accrual": _accrual, "flat_plus_accrual": _flat_plus_accrual, "earnings_related": _earnings_related,
    "points": _points, "yearly_average_bands": _yearly_average_bands,
}


def check_scheme(scheme_id: str, spec: dict[str, Any], where: str) -> dict[str, Any]:
    if spec.get("type") not in FORMULAS:
        raise InputError(f"{where}: scheme {scheme_id}: type {spec.get('type')!r} is not one of {sorted(FORMULAS)}")
    if spec.get("min_periods") is None or not spec.get("source"):
        raise InputError(f"{where}: scheme {scheme_id}: min_periods and source are required")
    return {"id": scheme_id, "unit": "years", **spec}


def load_schemes(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The shipped schemes, and those of ``path`` (same shape; its entries win)."""
    data = _shipped()
    if path is not None:
        try:
            extra = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read schemes: {exc}") from None
        data = {**data, **{str(k): check_scheme(str(k), v, str(path)) for k, v in extra.items()}}
    return data


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(SCHEMES_FILE.read_text(encoding="utf-8"))
    return {str(k): check_scheme(str(k), v, str(SCHEMES_FILE)) for k, v in raw.items()}


def amount(scheme: dict[str, Any], periods: float, ctx: dict[str, Any] | None = None) -> float:
    """The scheme's benefit on ``periods`` (its own formula, nothing else)."""
    return FORMULAS[scheme["type"]](scheme, periods, ctx or {})
