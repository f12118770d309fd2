"""``GET /data/{flow}/{key}``: observations in SDMX REST form (SDMX 2.1 Section 7, "Data queries").

The query is validated (:mod:`.keys`), the warehouse is asked through
:meth:`corridor.store.warehouse.Warehouse.observations` (latest vintage of each series unless
``asOf`` names a dataset), periods and first/last-N are applied, access to restricted datasets is
checked and audited (:mod:`corridor.publish.security`), and the observations are written in the
negotiated format (:mod:`.negotiation`, :mod:`corridor.publish.formats`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from corridor.errors import InputError
from corridor.publish.api.errors import ApiError
from corridor.publish.api.keys import DataQuery, build_query, period_bounds
from corridor.publish.api.negotiation import choose_format
from corridor.publish.api.state import ServiceState, get_principal, get_state
from corridor.publish.formats import FORMATS, DataResult, FormatWriter
from corridor.publish.security import Principal
from corridor.publish.structures import ATTRIBUTES

router = APIRouter(tags=["data"])

_DOWNLOAD_FORMATS = {"csv", "sdmx-csv"}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Observations in the negotiated format",
          "content": {w.media_type: {} for w in FORMATS.values()}},
    400: {"description": "Malformed key, unknown code, bad period or parameter, unknown format"},
    401: {"description": "Restricted material asked for without a valid bearer token"},
    403: {"description": "The token lacks the role the material needs"},
    404: {"description": "Unknown dataflow or vintage, or no observation matches"},
    406: {"description": "No acceptable media type"},
    413: {"description": "Too many observations for one response"},
}


def _latest(frame: pd.DataFrame, state: ServiceState) -> pd.DataFrame:
    """Per series and observation key, the latest vintage (the warehouse's rule, applied after access
    filtering so that a refused newer vintage does not hide a readable older one)."""
    if frame.empty:
        return frame
    ingested = frame["dataset_id"].map(lambda ds: state.provenance(ds).get("ingested_at"))
    keys = ["series", "dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age", "time_period",
            "method"]
    ordered = frame.assign(_ingested=ingested).sort_values(["vintage", "_ingested"], ascending=False,
                                                          kind="stable")
    return ordered.drop_duplicates(keys).drop(columns="_ingested")


def _within_periods(frame: pd.DataFrame, query: DataQuery) -> pd.DataFrame:
    if frame.empty or (query.start is None and query.end is None):
        return frame
    bounds = frame["time_period"].map(period_bounds)
    keep = bounds.map(lambda b: b is not None
                      and (query.start is None or b[0] >= query.start)
                      and (query.end is None or b[1] <= query.end))
    return frame[keep.astype(bool)]


def _first_last(frame: pd.DataFrame, query: DataQuery) -> pd.DataFrame:
    if frame.empty or (query.first_n is None and query.last_n is None):
        return frame
    series = [d.column for d in query.flow.dimensions] + ["dataset_id"]
    start = frame["time_period"].map(lambda p: (period_bounds(p) or (pd.Timestamp.max.date(),))[0])
    ordered = frame.assign(_start=start).sort_values([*series, "_start"], kind="stable")
    parts = []
    grouped = ordered.groupby(series, sort=False, dropna=False)
    if query.first_n is not None:
        parts.append(grouped.head(query.first_n))
    if query.last_n is not None:
        parts.append(grouped.tail(query.last_n))
    return pd.concat(parts).drop_duplicates().drop(columns="_start")


def fetch(state: ServiceState, query: DataQuery, principal: Principal, request: Request) -> DataResult:
    """Run a validated query: access control, warehouse query, periods, first/last N."""
    wh = state.warehouse()
    include_restricted = bool(principal.roles)
    if query.as_of is not None:
        try:
            ids = wh.resolve_as_of(query.as_of)
        except InputError as exc:
            raise ApiError(404, f"asOf: {exc.reason}") from exc
        closed = [ds for ds in ids if state.access_of(ds) != "public"]
        if closed:
            refused = [ds for ds in closed if not principal.may_read(state.access_of(ds))]
            if refused:
                status = 403 if principal.authenticated else 401
                state.audit_request(request, principal, decision="refused", datasets=refused,
                                    reason=f"asOf names restricted dataset(s); HTTP {status}")
                what = ", ".join(f"{ds} ({state.access_of(ds)})" for ds in refused)
                advice = ("send 'Authorization: Bearer <token>' with a token holding that role"
                          if status == 401 else "your token does not hold the role it needs")
                challenge = {"WWW-Authenticate": 'Bearer realm="corridor"'} if status == 401 else None
                raise ApiError(status, f"asOf={query.as_of} is restricted material: {what}; {advice}",
                               headers=challenge)
            include_restricted = True
    filters: dict[str, Any] = {col: codes for col, codes in query.selection.items() if codes}
    filters.update(query.flow.fixed_columns())
    start_year = query.start.year if query.start else None
    end_year = query.end.year if query.end else None
    index = None
    if state.index is not None and query.as_of is None and not include_restricted:
        index = state.index.ready(query.flow.id, state.new_warehouse)
    if index is not None:
        frame = index.select(filters, start_year, end_year)
    else:
        frame = wh.observations(
            query.flow.id, **filters, start_period=start_year, end_period=end_year, as_of=query.as_of,
            latest=query.as_of is None and not include_restricted, include_restricted=include_restricted,
        )
    restricted_rows: list[str] = []
    if include_restricted and not frame.empty:
        access = frame["dataset_id"].map(state.access_of)
        readable = access.map(principal.may_read).astype(bool)
        frame = frame[readable]
        if query.as_of is None:
            frame = _latest(frame, state)
        restricted_rows = sorted(set(frame.loc[frame["dataset_id"].map(state.access_of) != "public",
                                               "dataset_id"]))
    if query.source:
        frame = frame[frame["series"].isin(query.source) | frame["dataset_id"].isin(query.source)
                      | frame["release_id"].isin(query.source)]
    frame = _first_last(_within_periods(frame, query), query)
    if frame.empty:
        raise ApiError(404, f"no observations of {query.flow.id} match key {query.key or 'all'!r} "
                            "with these parameters")
    if len(frame) > state.max_observations:
        raise ApiError(413, f"the query selects {len(frame):,} observations, more than the limit of "
                            f"{state.max_observations:,} per response: narrow the key or the periods")
    if restricted_rows:
        state.audit_request(request, principal, decision="granted", reason="data query returned restricted "
                            "observations", datasets=restricted_rows)
    return DataResult(
        catalog=state.catalog, flow=query.flow, frame=sdmx_frame(frame, query),
        datasets={ds: state.provenance(ds) for ds in frame["dataset_id"].unique()},
        query_url=str(request.url), dimension_at_observation=query.dimension_at_observation,
        extra={"restricted": bool(restricted_rows)},
    )


def sdmx_frame(frame: pd.DataFrame, query: DataQuery) -> pd.DataFrame:
    """Warehouse rows -> SDMX columns (key dimensions, TIME_PERIOD, OBS_VALUE, attributes), sorted."""
    out = pd.DataFrame(index=frame.index)
    for dim in query.flow.dimensions:
        out[dim.id] = frame[dim.column].astype(str)
    out["TIME_PERIOD"] = frame["time_period"].astype(str)
    out["OBS_VALUE"] = frame["value"].astype("float64")
    for att_id, column, _dtype, _desc in ATTRIBUTES:
        if column in frame.columns:
            out[att_id] = frame[column]
        else:
            out[att_id] = None
    out["UNIT_MULT"] = out["UNIT_MULT"].fillna(0).astype("int64")
    for col in ("LOWER", "UPPER"):
        out[col] = out[col].astype("float64")
    order = [d.id for d in query.flow.dimensions] + ["TIME_PERIOD", "DATASET_ID"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def _fetch_and_write(state: ServiceState, query: DataQuery, principal: Principal, request: Request,
                     writer: FormatWriter) -> tuple[bytes, bool]:
    result = fetch(state, query, principal, request)
    body = writer.write(result)
    return (body.encode("utf-8") if isinstance(body, str) else body), bool(result.extra.get("restricted"))


def _filename(query: DataQuery, extension: str) -> str:
    key = "".join(ch if ch.isalnum() or ch in "._+-" else "_" for ch in (query.key or "all"))[:80]
    return f"{query.flow.id}_{key or 'all'}.{extension}"


@dataclass
class DataParameters:
    """The query parameters of a data query (SDMX REST names)."""

    start_period: str | None
    end_period: str | None
    first_n: str | None
    last_n: str | None
    as_of: str | None
    dimension_at_observation: str | None
    detail: str | None
    source: str | None
    format: str | None


async def data_parameters(
    start_period: Annotated[str | None, Query(
        alias="startPeriod", description="YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM, YYYY-MM-DD")] = None,
    end_period: Annotated[str | None, Query(alias="endPeriod")] = None,
    first_n: Annotated[str | None, Query(alias="firstNObservations")] = None,
    last_n: Annotated[str | None, Query(alias="lastNObservations")] = None,
    as_of: Annotated[str | None, Query(alias="asOf",
                                       description="dataset id, release id or series:vintage")] = None,
    dimension_at_observation: Annotated[str | None, Query(alias="dimensionAtObservation")] = None,
    detail: Annotated[str | None, Query(description="accepted for SDMX clients: full (default) only")] = None,
    source: Annotated[str | None, Query(description="keep only these series or datasets, '+'-separated")]
    = None,
    format: Annotated[str | None, Query(description="sdmx-ml, sdmx-csv, jsonstat, csv, json")] = None,  # noqa: A002
) -> DataParameters:
    return DataParameters(start_period, end_period, first_n, last_n, as_of, dimension_at_observation, detail,
                          source, format)


@router.get("/data/{flow}/{key}", responses=_RESPONSES, summary="Observations of a dataflow selected by key")
async def get_data(
    request: Request, flow: str, key: str,
    params: DataParameters = Depends(data_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """Observations of ``flow`` for an SDMX key (``840.484._T``; empty position = all; ``+`` = or)."""
    return await serve_data(request, flow, key, "all", params, state, principal)


@router.get("/data/{flow}", responses=_RESPONSES, summary="All observations of a dataflow")
async def get_flow_data(
    request: Request, flow: str,
    params: DataParameters = Depends(data_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """Every observation of ``flow`` (the key ``all``)."""
    return await serve_data(request, flow, "all", "all", params, state, principal)


@router.get("/data/{flow}/{key}/{provider}", responses=_RESPONSES, include_in_schema=False)
async def get_provider_data(
    request: Request, flow: str, key: str, provider: str,
    params: DataParameters = Depends(data_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """The SDMX form with a data provider (``all`` or ``CORRIDOR``)."""
    return await serve_data(request, flow, key, provider, params, state, principal)


async def serve_data(request: Request, flow: str, key: str, provider: str, params: DataParameters,
                     state: ServiceState, principal: Principal) -> Response:
    """Validate, fetch (or take from the cache), write in the negotiated format.

    Validation and a cache hit run on the event loop; the warehouse query and the writer (blocking,
    CPU-bound) run in the thread pool, each thread on its own DuckDB cursor.
    """
    format = params.format  # noqa: A001
    detail = params.detail
    writer = choose_format(format, request.headers.get("accept"))
    if provider not in ("all", "CORRIDOR", "*"):
        raise ApiError(404, f"unknown data provider {provider!r}: the only provider is CORRIDOR")
    if detail not in (None, "", "full"):
        raise ApiError(400, f"detail={detail!r} is not supported: only detail=full")
    query = build_query(
        state.catalog, flow, key, start_period=params.start_period, end_period=params.end_period,
        first_n=params.first_n, last_n=params.last_n, as_of=params.as_of,
        dimension_at_observation=params.dimension_at_observation, source=params.source,
    )
    cache_key = (query.cache_key(), writer.id) if not principal.roles else None
    body = state.cache.get(cache_key) if cache_key else None
    if body is None:
        body, restricted = await run_in_threadpool(_fetch_and_write, state, query, principal, request, writer)
        if cache_key and not restricted:
            state.cache.put(cache_key, body)
    headers = {"Vary": "Accept, Authorization"}
    if writer.id in _DOWNLOAD_FORMATS or format:
        headers["Content-Disposition"] = f'inline; filename="{_filename(query, writer.extension)}"'
    return Response(content=body, media_type=writer.media_type, headers=headers)
