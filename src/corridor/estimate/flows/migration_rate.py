"""Flows from migration rates (Dennett 2016), scaled to a given world total.

Dennett (2016, "Estimating an annual time series of global migration flows: an alternative methodology
for using migrant stock data", in *Global Dynamics*, Wiley, 125-142) takes the foreign-born stocks at the
start of the period as the pattern of flows: the flow ``i -> j`` is the share of the i-born living in
``j`` among all foreign-born stocks, times the world total of moves ``M`` (migest 2.0.5 ``ffs_rates``,
method "dennett"; ``mig_rate`` in Abel & Cohen 2019).

``M`` must come from elsewhere. When it is not given, corridor uses migest's documented example:
the sum over areas of the absolute net migration, net migration being population change minus natural
increase (births minus deaths).
"""

from __future__ import annotations

import numpy as np

from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables


def default_global_total(tables: StockTables) -> float:
    """Sum of |net migration| over areas; net = population change - (births - deaths)."""
    net = tables.end.sum(axis=0) - tables.start.sum(axis=0) - (tables.births - tables.deaths)
    return float(np.abs(net).sum())


def mig_rate(tables: StockTables, *, global_total: float | None = None, **_: object) -> FlowResult:
    """Dennett's migration-rate method: ``M * P_ij / sum(P)`` over the foreign-born start stocks."""
    p = tables.start.copy()
    np.fill_diagonal(p, 0)
    total = default_global_total(tables) if global_total is None else float(global_total)
    s = p.sum()
    od = p * (total / s) if s > 0 else np.zeros_like(p)
    o, d = np.nonzero(od)
    return FlowResult(method="mig_rate", areas=list(tables.areas), od=od,
                      bp_birthplace=o.astype(np.int32), bp_origin=o.astype(np.int32),
                      bp_destination=d.astype(np.int32), bp_flow=od[o, d],
                      parameters={"global_total": total,
                                  "global_total_source": "given" if global_total is not None
                                  else "sum of |population change - natural increase|"})
