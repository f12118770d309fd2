"""Flows as differences of foreign-born stocks (the economists' approach).

``sd_drop_neg``: an increase in the stock born in ``i`` living in ``j`` is a flow ``i -> j``; decreases
are dropped (Bertoli & Fernandez-Huertas Moraga 2015). ``sd_rev_neg``: a decrease is read as a return
flow ``j -> i`` (Beine & Parsons 2015). Both follow migest 2.0.5 ``ffs_diff`` (native-born excluded)
and are described in Abel & Cohen (2019, Scientific Data 6:82). They ignore births, deaths and stayers,
so they have no demographic account.
"""

from __future__ import annotations

import numpy as np

from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables


def stock_difference(tables: StockTables, *, reverse_negative: bool) -> FlowResult:
    """Flows from differences in birthplace x residence stocks (native-born left out)."""
    m1 = tables.start.copy()
    m2 = tables.end.copy()
    np.fill_diagonal(m1, 0)
    np.fill_diagonal(m2, 0)
    y0 = m2 - m1
    inc = np.maximum(y0, 0)
    if not reverse_negative:
        od = inc.copy()
        np.fill_diagonal(od, 0)
        o, d = np.nonzero(od)
        bp = (o.astype(np.int32), o.astype(np.int32), d.astype(np.int32), od[o, d])
        method = "sd_drop_neg"
    else:
        ret = np.maximum(-y0, 0).T  # decrease of i-born in j -> flow j -> i
        od = inc + ret
        np.fill_diagonal(od, 0)
        oi, di = np.nonzero(inc)
        orr, dr = np.nonzero(ret)  # origin j, destination i = birthplace
        bp = (np.concatenate([oi, dr]).astype(np.int32), np.concatenate([oi, orr]).astype(np.int32),
              np.concatenate([di, dr]).astype(np.int32), np.concatenate([inc[oi, di], ret[orr, dr]]))
        method = "sd_rev_neg"
    return FlowResult(method=method, areas=list(tables.areas), od=od, bp_birthplace=bp[0],
                      bp_origin=bp[1], bp_destination=bp[2], bp_flow=bp[3],
                      parameters={"native_born": "excluded"})


def sd_drop_neg(tables: StockTables, **_: object) -> FlowResult:
    """Stock differencing, negative differences dropped."""
    return stock_difference(tables, reverse_negative=False)


def sd_rev_neg(tables: StockTables, **_: object) -> FlowResult:
    """Stock differencing, negative differences reversed into return flows."""
    return stock_difference(tables, reverse_negative=True)
