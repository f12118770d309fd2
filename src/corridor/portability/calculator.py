"""Old-age benefits under totalisation: EU Regulation 883/2004 and agreements that vary it.

For a person with insurance periods under several schemes (``periods``: scheme id -> periods in the
schemes' common unit; a key without a formula in the data still counts for aggregation), each scheme's
institution computes (Regulation (EC) No 883/2004):

* **art. 6, aggregation**: entitlement is checked on the total of all periods (``min_periods`` of the
  scheme against the aggregated total) when the agreement provides totalisation;
* **art. 52(1)(a), the independent benefit**: the scheme's own formula on its own periods, only if they
  alone meet its qualifying period;
* **art. 52(1)(b), the pro-rata benefit**: (i) the *theoretical amount* -- the formula on all periods as if
  completed under that scheme -- times (ii) own periods / all periods;
* **art. 52(3)**: the person receives the *higher* of the independent and the pro-rata benefit;
* **art. 57, periods under one year**: a scheme under which the periods total less than one year pays
  no benefit (unless they alone give entitlement); the other schemes count those periods for the
  theoretical amount (art. 57(2): "for the purposes of Article 52(1)(b)(i)") and not in the fraction
  (ii) -- our reading, which is what the older Regulation 1408/71 art. 48(2) said in so many words
  ("with the exception of subparagraph (b)") and which keeps the short periods from being lost;
* **agreements that differ** (``data/agreements.yaml``): no totalisation (independent benefits only), no
  short-period rule, the *maximum-period clause* (where the total exceeds the maximum a scheme counts
  for a full benefit, that maximum replaces the total in the fraction), or the *direct method* (each
  party pays its formula on its own periods once aggregation gives entitlement; a flat part in the
  proportion own periods / a reference period where the agreement names one).

Every result lists the article behind each number (``steps``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from corridor.errors import InputError
from corridor.portability.agreements import Agreement
from corridor.portability.formulas import amount

PER_YEAR = {"years": 1.0}


@dataclass
class SchemeResult:
    """One scheme's answer; amounts in the scheme's currency and period (monthly, weekly)."""

    scheme: str
    own_periods: float
    independent: float | None = None
    theoretical: float | None = None
    fraction: float | None = None
    pro_rata: float | None = None
    benefit: float | None = None
    basis: str = ""
    steps: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
        r["fraction"] = None if self.fraction is None else round(self.fraction, 6)
        return r


def _one_year(scheme: dict[str, Any] | None) -> float:
    if scheme is None:
        return 1.0
    return float(scheme.get("per_year", 1.0)) if scheme.get("unit") == "contributions" else 1.0


def _direct(scheme: dict[str, Any], own: float, ag: Agreement, ctx: dict[str, Any]) -> float:
    ref = ag.flat_reference_periods.get(scheme["id"])
    if ref is not None and scheme["type"] == "flat_plus_accrual":
        counted = min(own, scheme.get("max_periods") or math.inf)
        return (scheme["base"] * scheme["flat_share"] * min(own / ref, 1.0)
                + scheme["base"] * scheme["rate_per_period"] * counted)
    return amount(scheme, own, ctx)


def calculate(periods: dict[str, float], agreement: Agreement, schemes: dict[str, dict[str, Any]],
              context: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Each scheme's benefit for ``periods`` under ``agreement`` (module docstring); ``context`` gives
    per scheme what its formula needs (``working_years``, ``reference_earnings``, ``points_per_period``)."""
    context = context or {}
    bad = {k: v for k, v in periods.items() if not isinstance(v, int | float) or v < 0 or math.isnan(v)}
    if bad:
        raise InputError(f"insurance periods must be numbers >= 0: {bad}")
    total = float(sum(periods.values()))
    results: dict[str, SchemeResult] = {}
    short = set()
    for sid, own in periods.items():
        scheme = schemes.get(sid)
        r = results[sid] = SchemeResult(sid, float(own))
        if scheme is None:
            r.basis = "periods only (no formula for this scheme in the data): counted for aggregation (art. 6)"
            continue
        ctx = context.get(sid, {})
        if own >= scheme["min_periods"] and own > 0:
            r.independent = amount(scheme, own, ctx)
            r.steps.append(f"art. 52(1)(a): independent benefit on {own:g} own periods = {r.independent:.2f}")
        else:
            r.steps.append(f"art. 52(1)(a): {own:g} own periods < qualifying {scheme['min_periods']:g}: "
                           "no independent benefit")
        if agreement.short_periods and own < _one_year(scheme) and r.independent is None:
            short.add(sid)
            r.steps.append("art. 57(1): periods under one year give no benefit from this scheme; the others "
                           "count them for the theoretical amount")
    short_total = sum(periods[s] for s in short)
    for sid, r in results.items():
        scheme = schemes.get(sid)
        if scheme is None or sid in short:
            r.benefit = None if scheme is None else 0.0
            continue
        ctx = context.get(sid, {})
        if not agreement.totalisation or total < scheme["min_periods"]:
            if agreement.totalisation:
                r.steps.append(f"art. 6: aggregated {total:g} periods < qualifying {scheme['min_periods']:g}")
            r.benefit, r.basis = (r.independent or 0.0), "independent" if r.independent else "none"
            continue
        r.steps.append(f"art. 6: aggregated periods {total:g} >= qualifying {scheme['min_periods']:g}")
        if agreement.method == "direct":
            r.pro_rata = _direct(scheme, r.own_periods, agreement, ctx)
            r.steps.append(f"{agreement.id} (direct method): own formula on own periods = {r.pro_rata:.2f}")
        else:
            r.theoretical = amount(scheme, total, ctx)
            denominator = total - sum(periods[s] for s in short if s != sid)
            clause = ""
            if agreement.max_period_in_ratio and scheme.get("max_periods") and denominator > scheme["max_periods"]:
                denominator = float(scheme["max_periods"])
                clause = f" (maximum-period clause of {agreement.id}: {denominator:g})"
            r.fraction = min(r.own_periods / denominator, 1.0)
            r.pro_rata = r.theoretical * r.fraction
            r.steps.append(f"art. 52(1)(b)(i): theoretical amount on {total:g} periods = {r.theoretical:.2f}")
            r.steps.append(f"art. 52(1)(b)(ii): x {r.own_periods:g}/{denominator:g}{clause}"
                           + (f", short periods {short_total:g} left out (art. 57(2))" if short_total else "")
                           + f" = {r.pro_rata:.2f}")
        if (r.independent or 0.0) > r.pro_rata:
            r.benefit, r.basis = r.independent, "independent (higher, art. 52(3))"
        else:
            r.benefit, r.basis = r.pro_rata, ("direct" if agreement.method == "direct"
                                              else "pro-rata (higher or equal, art. 52(3))")
    paid = [r.benefit for r in results.values() if r.benefit is not None]
    return {"agreement": agreement.id, "method": agreement.method, "total_periods": total,
            "schemes": [r.as_dict() for r in results.values()],
            "total_benefit": round(sum(paid), 2) if paid else None}
