"""Fair-recruitment pages: the worker's own ledger page, and the SDG 10.7.1 panel of the corridor page.

``GET /exchange/worker/{jobseeker_id}`` (served by the exchange's app, ``create_exchange_app``, with its
bearer tokens): the worker's charges with the ILO category, who paid and received, amount in its currency
and in US dollars with the rate's date and source, each violation and what the worker is owed, the
corrections kept in the history, then their social-security periods and the benefit estimate. Only the
worker, their public employment service and the auditor get it (403 otherwise); every view is audited by
the ledger. The page is self-contained (no script, no asset from elsewhere): it must work on any phone.

:func:`sdg1071_panel` reads dataflow ``SDG_10_7_1`` for one corridor through the store's selection door
for ``templates/sections/sdg1071.html``: statistic by breakdown, suppressed cells shown as such, each
figure with its dataset.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request

from corridor.exchange.access import AccessDenied, Principal
from corridor.exchange.api import principal
from corridor.exchange.fee_rules import ilo_rules
from corridor.exchange.ledger import Ledger
from corridor.exchange.worker_view import worker_view
from corridor.reference.codes import codes
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

from ..rendering import render

router = APIRouter(include_in_schema=False)
STAT_ORDER = ["sdg1071_mean", "sdg1071_median", "sdg1071_mean_nz", "sdg1071_median_nz", "sdg1071_rom"]
#: Column heads of the panel (the METHOD codelist gives the full definition as the heading's title).
STAT_HEADS = {"sdg1071_mean": "Mean", "sdg1071_median": "Median", "sdg1071_mean_nz": "Mean, workers who paid",
              "sdg1071_median_nz": "Median, workers who paid", "sdg1071_rom": "Mean cost / mean earnings"}


@router.get("/exchange/worker/{jobseeker_id}", name="worker_ledger")
def worker_ledger(jobseeker_id: int, request: Request, who: Principal = Depends(principal)):
    registry = getattr(request.app.state, "exchange_registry", None)
    if registry is None:
        return render(request, "error.html", status_code=503, title="No exchange registry",
                      message="This server has no labour exchange registry (CORRIDOR_EXCHANGE_DB).")
    ledger = Ledger(registry, getattr(request.app.state, "fee_rules", None))
    try:
        view = worker_view(ledger, who, jobseeker_id)
    except AccessDenied as exc:
        return render(request, "worker_ledger.html", status_code=403, denied=str(exc), view=None)
    names = {c: spec["name"] for c, spec in ilo_rules().categories.items()}
    return render(request, "worker_ledger.html", view=view, names=names, worker=jobseeker_id, denied=None)


def sdg1071_panel(wh: Warehouse, origin: str, destination: str) -> dict[str, Any] | None:
    """SDG 10.7.1 for destination ``destination`` and origin ``origin`` (all sexes), or None without data."""
    rows = wh.select(Selection.of("SDG_10_7_1", ref_area=destination, counterpart_area=origin, sex="_T"))
    if rows.empty:
        return None
    labels = codes("RC_BREAKDOWN")
    methods = codes("METHOD")
    tables = []
    for (dataset, period), part in rows.groupby(["dataset_id", "time_period"], sort=True):
        wide = part.pivot_table(index="topic", columns="method", values="value", aggfunc="first", dropna=False)
        status = part.pivot_table(index="topic", columns="method", values="obs_status", aggfunc="first")
        order = ["_T"] + sorted(t for t in wide.index if t != "_T")
        stats = [m for m in STAT_ORDER if m in wide.columns]
        body = [{"topic": t, "label": labels.get(t, t),
                 "cells": [{"value": wide.at[t, m], "status": status.at[t, m] if t in status.index else None}
                           for m in stats]} for t in order if t in wide.index]
        tables.append({"dataset_id": dataset, "period": period, "title": part["title"].iloc[0],
                       "stats": [(m, STAT_HEADS[m], methods.get(m, m)) for m in stats],
                       "rows": body, "series": part["series"].iloc[0], "interval": part["interval"].dropna().iloc[0]
                       if part["interval"].notna().any() else None})
    return {"tables": tables, "missing": int(pd.isna(rows["value"]).sum())}
