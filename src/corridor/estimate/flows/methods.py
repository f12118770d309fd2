"""The flow-estimation methods, by the ids Abel & Cohen (2019) use, in one table.

Every method takes a :class:`~corridor.estimate.flows.tables.StockTables` and keyword parameters and
returns a :class:`~corridor.estimate.flows.result.FlowResult`. Adding a method is adding a row here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from corridor.estimate.flows.demographic_accounting import Prepared, da_ind_closed, da_min, prepare
from corridor.estimate.flows.migration_rate import mig_rate
from corridor.estimate.flows.pseudo_bayes import da_pb_closed
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.stock_differencing import sd_drop_neg, sd_rev_neg
from corridor.estimate.flows.tables import StockTables
from corridor.estimate.flows.validate import validate_tables


@dataclass(frozen=True)
class Method:
    id: str
    function: Callable[..., FlowResult]
    description: str
    reference: str
    #: has a full demographic account (births, deaths, stayers, outside)
    account: bool
    #: net migration equals population change minus natural increase for every area
    closed: bool
    #: accepts a prior (seed) matrix
    prior: bool


METHODS: dict[str, Method] = {m.id: m for m in (
    Method("sd_drop_neg", sd_drop_neg, "stock differencing, negative differences dropped",
           "Abel & Cohen 2019; Bertoli & Fernandez-Huertas Moraga 2015", False, False, False),
    Method("sd_rev_neg", sd_rev_neg, "stock differencing, negative differences as return flows",
           "Abel & Cohen 2019; Beine & Parsons 2015", False, False, False),
    Method("mig_rate", mig_rate, "migration-rate method scaled to a world total",
           "Dennett 2016; Abel & Cohen 2019", False, False, False),
    Method("da_min_closed", partial(da_min, closed=True),
           "demographic accounting, minimum migration (stayers), closed system",
           "Abel & Sander 2014; Abel 2018", True, True, True),
    Method("da_min_open", partial(da_min, closed=False),
           "demographic accounting, minimum migration (stayers), open system", "Abel 2013",
           True, False, True),
    Method("da_ind_closed", da_ind_closed, "demographic accounting, independence (no stayer assumption)",
           "Azose & Raftery 2019; Abel & Cohen 2019", True, True, True),
    Method("da_pb_closed", da_pb_closed,
           "pseudo-Bayesian combination of minimum and independence estimates",
           "Azose & Raftery 2019", True, True, True),
)}


def estimate(tables: StockTables, method: str, *, allow_ill_posed: bool = False, **params: Any) -> FlowResult:
    """Run ``method`` (an id from :data:`METHODS`) on ``tables``, after
    :func:`~corridor.estimate.flows.validate.validate_tables` (invalid input raises; ill-posed input raises
    unless ``allow_ill_posed``, and then the result's ``status`` is ``ill_posed``). A fit whose IPF did not
    converge has ``status = "not_converged"`` and its ``margin_error``.

    ``od_only=True`` (demographic-accounting methods) keeps only the origin x destination totals: no flows
    by birthplace, no account -- faster."""
    try:
        spec = METHODS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}") from None
    checked = validate_tables(tables, seed=params.get("seed") if spec.prior else None,
                              allow_ill_posed=allow_ill_posed)
    result = _run(spec, tables, method, **params)
    result.flags = list(checked.ill_posed)
    if checked.ill_posed:
        result.status = "ill_posed"
    if result.ipf is not None and not result.ipf.converged:
        result.flags.append(f"IPF margins not met (largest relative margin error {result.ipf.max_rel_error:.2e})")
        result.status = result.status if checked.ill_posed else "not_converged"
    return result


def _run(spec: Method, tables: StockTables, method: str, **params: Any) -> FlowResult:
    if not spec.prior:
        params.pop("seed", None)
    if method != "mig_rate":
        params.pop("global_total", None)
    if not spec.account:
        for key in ("integer", "rtol", "max_iter", "od_only", "prepared"):
            params.pop(key, None)
    if spec.closed:
        for key in OPEN_PARAMETERS:
            params.pop(key, None)
    return spec.function(tables, **params)


#: parameters of the demographic preparation (:func:`~corridor.estimate.flows.demographic_accounting.prepare`)
PREPARE_PARAMETERS = ("integer", "rtol", "max_iter")
#: parameters of the open system only (``da_min_open``)
OPEN_PARAMETERS = ("open_method", "clip")


def preparations(tables: StockTables, methods: Sequence[str], *, start: Mapping[bool, Prepared] | None = None,
                 **params: Any) -> dict[bool, Prepared]:
    """The demographic preparation (:func:`~corridor.estimate.flows.demographic_accounting.prepare`) the
    demographic-accounting ones among ``methods`` start from, once per system (closed: True, open: False).

    It depends only on the tables and the IPF parameters, so methods of one system share it; ``start``
    (the preparations of similar tables) gives its IPF fits their starting point."""
    kwargs = {k: params[k] for k in PREPARE_PARAMETERS if k in params}
    open_kwargs = {k: params[k] for k in OPEN_PARAMETERS if k in params}
    systems = dict.fromkeys(METHODS[m].closed for m in methods if m in METHODS and METHODS[m].account)
    return {closed: prepare(tables, closed=closed, start=(start or {}).get(closed), **kwargs,
                            **({} if closed else open_kwargs)) for closed in systems}


def estimate_many(tables: StockTables, methods: Sequence[str], *, prepared: Mapping[bool, Prepared] | None = None,
                  **params: Any) -> dict[str, FlowResult]:
    """Run several methods on the same tables, as :func:`estimate` would one by one, the
    demographic-accounting methods of one system sharing one preparation (:func:`preparations`;
    ``prepared``: those already made for these tables). The input is validated first, once."""
    validate_tables(tables, seed=params.get("seed"), allow_ill_posed=bool(params.get("allow_ill_posed")))
    shared = prepared if prepared is not None else preparations(tables, methods, **params)
    out: dict[str, FlowResult] = {}
    for method in methods:
        spec = METHODS.get(method)
        extra = {"prepared": shared[spec.closed]} if spec is not None and spec.account else {}
        out[method] = estimate(tables, method, **params, **extra)
    return out
