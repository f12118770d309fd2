"""``GET /availableconstraint/{flow}/{key}/{provider}/{componentID}``: which codes a data query would
find (SDMX 2.1 REST, section "Data availability": an SDMX-ML 2.1 structure message holding one
``ContentConstraint`` of type ``Actual`` with a cube region of the available values).

The query is read like a data query (:func:`corridor.publish.api.keys.build_query`: key, startPeriod,
endPeriod, the caller's view) and becomes the same selection (:func:`.data.query_selection`, so the
caller's access levels and the vintage rule apply); the store answers the distinct codes of each key
dimension, ``SOURCE`` (the series) included (``componentID`` = one dimension id, or ``all``) and the
number of observations, in the same heavy or light lane as a data query (:mod:`.limits`). ``mode``:
``exact`` (default); ``available`` is 501 (not implemented). Written by ``pysdmx``
(``AvailabilityConstraint``, written as a content constraint in SDMX-ML 2.1).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.model import AvailabilityConstraint, ConstraintAttachment, CubeKeyValue, CubeRegion, CubeValue, Organisation
from pysdmx.model.message import Header
from starlette.concurrency import run_in_threadpool

from corridor.publish.api.data import _period_codes, check_parameters, is_heavy, query_selection, readable_levels
from corridor.publish.api.errors import TOKEN_RESPONSES, ApiError
from corridor.publish.api.keys import DataQuery, build_query
from corridor.publish.api.state import ServiceState, get_principal, get_state
from corridor.publish.security import Principal
from corridor.publish.structures import AGENCY, VERSION

router = APIRouter(tags=["data"])
MEDIA = Format.STRUCTURE_SDMX_ML_2_1.value
PARAMETERS = ("startPeriod", "endPeriod", "mode", "references")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **TOKEN_RESPONSES,
    200: {"description": "An SDMX-ML 2.1 structure message with the available codes (a ContentConstraint)"},
    400: {"description": "Malformed key, unknown code, bad period or parameter"},
    404: {"description": "Unknown dataflow or component, or nothing available"},
    501: {"description": "mode=available or references other than none"},
}


def _available(state: ServiceState, query: DataQuery, principal: Principal, component: str) -> AvailabilityConstraint:
    wh = state.warehouse()
    periods = _period_codes(state, wh, query)
    sel = query_selection(query, readable_levels(principal), periods=periods)
    count = wh.count(sel) if periods != () else 0
    if count == 0:
        raise ApiError(404, f"no observations of {query.flow.id} match key {query.key or 'all'!r} with these "
                            "parameters")
    dims = [d for d in query.flow.published_dimensions if component in ("all", d.id)]
    values = [CubeKeyValue(id=d.id, values=[CubeValue(value=v) for v in wh.distinct(sel, d.column)]) for d in dims]
    if component in ("all", "TIME_PERIOD"):
        periods_found = wh.distinct(sel, "time_period")
        values.append(CubeKeyValue(id="TIME_PERIOD", values=[CubeValue(value=v) for v in periods_found]))
    urn = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={AGENCY}:{query.flow.id}({VERSION})"
    return AvailabilityConstraint(constraint_attachment=ConstraintAttachment(data_provider=None, dataflows=[urn]),
                                  cube_region=CubeRegion(key_values=values), obs_count=count)


@router.get("/availableconstraint/{flow}", responses=_RESPONSES, include_in_schema=False)
@router.get("/availableconstraint/{flow}/{key}", responses=_RESPONSES, include_in_schema=False)
@router.get("/availableconstraint/{flow}/{key}/{provider}", responses=_RESPONSES, include_in_schema=False)
@router.get("/availableconstraint/{flow}/{key}/{provider}/{component}", responses=_RESPONSES,
            summary="The codes a data query would find (SDMX data availability)")
async def available_constraint(
    request: Request, flow: str, key: str = "all", provider: str = "all", component: str = "all",
    start_period: Annotated[str | None, Query(alias="startPeriod")] = None,
    end_period: Annotated[str | None, Query(alias="endPeriod")] = None,
    mode: Annotated[str | None, Query(description="exact (default); available: 501")] = None,
    references: Annotated[str | None, Query(description="none (default); others: 501")] = None,
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """An SDMX-ML 2.1 structure message with the codes of each dimension that the query would find."""
    check_parameters(request, PARAMETERS)
    query = build_query(state.catalog, flow, key, start_period=start_period, end_period=end_period,
                        view=state.visibility.view(principal))
    if provider not in ("all", AGENCY, "*"):
        raise ApiError(404, f"unknown data provider {provider!r}: the only provider is {AGENCY}")
    allowed = ["all", "TIME_PERIOD", *(d.id for d in query.flow.published_dimensions)]
    if component not in allowed:
        raise ApiError(404, f"unknown component {component!r} of {query.flow.id}; components: {', '.join(allowed)}")
    if mode not in (None, "", "exact"):
        if mode == "available":
            raise ApiError(501, "mode=available is not implemented; mode=exact gives the codes of the query")
        raise ApiError(400, f"mode={mode!r}: use exact or available")
    if references not in (None, "", "none"):
        raise ApiError(501, f"references={references} is not implemented for availability; only none")
    async with request.app.state.limits.slot(request, heavy=is_heavy(query)):  # the lanes of /data (.limits)
        constraint = await run_in_threadpool(_available, state, query, principal, component)
    header = Header(sender=Organisation(id=AGENCY, name="corridor"))
    body = write_sdmx([constraint], Format.STRUCTURE_SDMX_ML_2_1, header=header, prettyprint=False) or ""
    return Response(content=body.encode("utf-8"), media_type=MEDIA, headers={"Vary": "Authorization"})
