"""``GET /data/{flow}/{key}``: observations in SDMX REST form (SDMX 2.1 Section 7, "Data queries").

The query is validated (:mod:`.keys`) and becomes ONE :class:`~corridor.store.selection.Selection`
(:func:`query_selection`): the key's codes, the access levels the caller may read (``public`` and the
roles its token holds; every level for ``admin``), the datasets ``asOf`` names, the series ``source``
names, the period codes inside ``startPeriod``/``endPeriod`` and first/last N. Which rows that means --
the vintage rule after access, first/last N per series -- is decided by the store alone
(:mod:`corridor.store.selection`); answers to public selections are kept in a memory cache
(:mod:`.index`). A dataflow, code or vintage the caller may not read is answered as an unknown one
(:mod:`.visibility`); naming a restricted dataset in ``asOf`` and every answer holding restricted rows
are audited (:mod:`corridor.publish.security`); the observations are written in the
negotiated format (:mod:`.negotiation`, :mod:`corridor.publish.formats`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from corridor.errors import InputError
from corridor.process_memory import release_free_heap
from corridor.publish.api.answer_files import SPILL_BYTES, pieces_of
from corridor.publish.api.errors import TOKEN_RESPONSES, ApiError
from corridor.publish.api.index import key_selection, periods_selection
from corridor.publish.api.keys import DataQuery, build_query, period_bounds
from corridor.publish.api.limits import Limits
from corridor.publish.api.negotiation import choose_format
from corridor.publish.api.rollup import parse_roll_up, rolled, widened
from corridor.publish.api.state import ServiceState, get_principal, get_state
from corridor.publish.formats import FORMATS, STREAM_ROWS, DataResult, FormatWriter, byte_stream
from corridor.publish.security import ADMIN_ROLE, PUBLIC, Principal
from corridor.reference.dataflows import ATTRIBUTES, DIMENSION_COLUMNS
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

router = APIRouter(tags=["data"])

_DOWNLOAD_FORMATS = {"csv", "sdmx-csv"}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **TOKEN_RESPONSES,
    200: {"description": "Observations in the negotiated format",
          "content": {w.media_type: {} for w in FORMATS.values()}},
    400: {"description": "Malformed key, unknown code, bad period or parameter, unknown format"},
    404: {"description": "Unknown dataflow or vintage (or one the caller may not read), or no observation "
                         "matches"},
    406: {"description": "No acceptable media type"},
    413: {"description": "Too many observations for one response"},
    501: {"description": "A parameter value the standard defines but this service does not implement "
                         "(detail other than full, includeHistory=true)"},
    503: {"description": "The server is busy: the query waited too long for a slot"},
}


#: The warehouse columns an answer is written from: a projected read, so that the provenance text
#: (titles, licences, publishers: :meth:`ServiceState.provenance` holds them per dataset) is neither
#: carried through the query nor converted per row.
ANSWER_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys((
    "dataset_id", "series", *DIMENSION_COLUMNS, "time_period", "value",  # series: the SOURCE dimension
    *(column for column, _, _ in ATTRIBUTES.values()), "access", "ingested_at")))


def readable_levels(principal: Principal) -> frozenset[str] | None:
    """The access levels ``principal`` may read (:meth:`Principal.may_read`); ``None``: every level."""
    if ADMIN_ROLE in principal.roles:
        return None
    return frozenset({PUBLIC, *principal.roles})


def _within(period: str, query: DataQuery) -> bool:
    """Whether the whole period lies between the start of ``startPeriod`` and the end of ``endPeriod``."""
    bounds = period_bounds(period)
    return bounds is not None and (query.start is None or bounds[0] >= query.start) \
        and (query.end is None or bounds[1] <= query.end)


def _period_codes(state: ServiceState, wh: Warehouse, query: DataQuery) -> tuple[str, ...] | None:
    """The dataflow's ``TIME_PERIOD`` codes inside the query's periods (``None``: no period bounds).

    SDMX periods (``2019-Q3``, a flow period ``2010-2015``) are compared as date ranges here, and the
    selection then filters on the codes that qualify."""
    if query.start is None and query.end is None:
        return None
    if state.index is not None:
        candidates = state.index.periods(wh, query.flow.id)
    else:
        candidates = tuple(wh.distinct(periods_selection(query.flow.id), "time_period"))
    return tuple(p for p in candidates if _within(p, query))


def _sources(state: ServiceState, query: DataQuery) -> tuple[tuple[str, ...] | None, frozenset[str] | None]:
    """``source=``: the series it names (directly or through a dataset or release id), and -- when it
    names datasets or releases -- the dataset ids to keep of those series' answer."""
    if not query.source:
        return None, None
    table = state.datasets
    series: list[str] = []
    datasets: set[str] = set()
    named_series = set(query.source) & set(table["series"])
    for token in query.source:
        if token in named_series:
            series.append(token)
            continue
        rows = table[(table["dataset_id"] == token) | (table["release_id"] == token)]
        datasets.update(rows["dataset_id"])
        series.extend(rows["series"])
    if datasets:
        datasets.update(table.loc[table["series"].isin(named_series), "dataset_id"])
    return tuple(dict.fromkeys(series)), (frozenset(datasets) if datasets else None)


def query_selection(query: DataQuery, access: frozenset[str] | None, *, dataset_ids: list[str] | None = None,
                    series: tuple[str, ...] | None = None, periods: tuple[str, ...] | None = None) -> Selection:
    """The one selection a validated query means: its key, the access levels the caller may read,
    the datasets ``asOf`` names, the series ``source`` names (and the key's ``SOURCE``), the period
    codes inside its periods (``None``: no period bounds) and first/last N."""
    extra: dict[str, Any] = {} if periods is None else {"time_period": periods}
    if query.key_series is not None:  # the key's SOURCE position, within what source= names
        series = tuple(s for s in (query.key_series if series is None else series) if s in query.key_series)
    return key_selection(query.flow, query.selection, access=access, dataset_ids=dataset_ids, series=series,
                         first_n=query.first_n, last_n=query.last_n, **extra)


def unknown_vintage(as_of: str) -> ApiError:
    """The one answer to an ``asOf`` that names nothing the caller may read: unknown and forbidden
    vintages look the same, and no dataset id is listed (``GET /datasets`` lists what it may read)."""
    return ApiError(404, f"asOf: unknown vintage {as_of!r}: no dataset, release or series:vintage of that name "
                         "that you may read; GET /datasets lists them")


def _check_as_of(state: ServiceState, wh: Warehouse, query: DataQuery, principal: Principal,
                 request: Request) -> list[str] | None:
    """The dataset ids ``asOf`` names that the caller may read; 404 (:func:`unknown_vintage`) when
    there are none. Naming a dataset the caller may not read is written to the audit log."""
    if query.as_of is None:
        return None
    try:
        ids = wh.resolve_as_of(query.as_of)
    except InputError as exc:
        raise unknown_vintage(query.as_of) from exc
    refused = [ds for ds in ids if not principal.may_read(state.access_of(ds))]
    if refused:
        state.audit_request(request, principal, decision="refused", datasets=refused,
                            reason="asOf names restricted dataset(s); answered as an unknown vintage")
    readable = [ds for ds in ids if ds not in refused]
    if not readable:
        raise unknown_vintage(query.as_of)
    return readable


def too_many(state: ServiceState) -> ApiError:
    """413 naming the limit (issue 11: /data/MIG_STOCK/all answered 118 MB of CSV)."""
    return ApiError(413, f"the query selects more than the limit of {state.max_observations:,} observations per "
                         "response: narrow the key (a country, a sex) or the periods (startPeriod, endPeriod, "
                         "lastNObservations)")


def _ingested_after(ingested: pd.Series, moment: datetime) -> pd.Series:
    """Rows whose dataset was written after ``moment`` (``ingested_at`` is stored in UTC)."""
    stamps = pd.to_datetime(ingested, utc=True)
    return stamps > pd.Timestamp(moment)


#: An answer's rows as numpy columns, one per warehouse column (text: ``str`` objects; see :func:`fetch`).
Columns = dict[str, np.ndarray]


def _columns(frame: pd.DataFrame) -> Columns:
    return {column: frame[column].to_numpy() for column in frame.columns}


def _kept(columns: Columns, mask: np.ndarray) -> Columns:
    return {column: values[mask] for column, values in columns.items()}


def _read(state: ServiceState, wh: Warehouse, query: DataQuery, sel: Selection,
          roll_up: bool) -> Columns | pd.DataFrame:
    """The rows of ``sel``: as numpy columns from the dataflow's published observations in memory when
    they answer it (:mod:`corridor.store.published`), else as a frame from the selection cache or DuckDB
    (and always as a frame for a roll-up, which works on pandas); 413 past the limit."""
    table = state.index.published_for(sel, ANSWER_COLUMNS) if state.index is not None else None
    if table is not None and not roll_up:
        rows = table.positions(sel)
        if len(rows) > state.max_observations:
            raise too_many(state)
        return table.take(rows, ANSWER_COLUMNS)
    kept = state.index is not None and state.index.holds(sel, ANSWER_COLUMNS)
    if is_heavy(query) and not kept and (state.index.count(wh, sel) if state.index is not None
                                         else wh.count(sel)) > state.max_observations:
        raise too_many(state)  # counted first: a whole dataflow is refused before a row is read
    cap = state.max_observations + 1  # never read more than one row past the limit
    frame = state.index.select(wh, sel, limit=cap, columns=ANSWER_COLUMNS) if state.index is not None \
        else wh.select(sel, limit=cap, columns=ANSWER_COLUMNS)
    if len(frame) > state.max_observations:
        raise too_many(state)
    return frame


def fetch(state: ServiceState, query: DataQuery, principal: Principal, request: Request, *,
          roll_up: bool = False) -> DataResult:
    """Run a validated query: ``asOf`` access check, one selection, audit of restricted rows; with
    ``roll_up``, user areas summed into the areas asked for and marked (:mod:`.rollup`).

    The rows travel as numpy columns (:data:`Columns`) to the one pandas frame the writers take
    (:func:`sdmx_frame`): a frame costs about half a millisecond to build and to read whatever its size,
    which for the typical answer of a few rows was most of a request."""
    asked, query = query, (widened(query) if roll_up else query)
    wh = state.warehouse()
    ids = _check_as_of(state, wh, query, principal, request)
    series, keep_datasets = _sources(state, query)
    periods = _period_codes(state, wh, query)
    columns: Columns = {column: np.empty(0, dtype=object) for column in ANSWER_COLUMNS}
    if periods != ():  # else no period of the dataflow lies inside startPeriod..endPeriod
        sel = query_selection(query, readable_levels(principal), dataset_ids=ids, series=series, periods=periods)
        found = _read(state, wh, query, sel, roll_up)
        if not isinstance(found, pd.DataFrame):
            columns = found
        else:
            frame = found
            if keep_datasets is not None and not frame.empty:
                frame = frame[frame["dataset_id"].isin(keep_datasets)]
                keep_datasets = None
            if roll_up and not frame.empty:
                frame = rolled(frame, asked)
            columns = _columns(frame)
    if keep_datasets is not None:
        columns = _kept(columns, np.isin(columns["dataset_id"], list(keep_datasets)))
    if query.updated_after is not None and len(columns["dataset_id"]):
        columns = _kept(columns, _ingested_after(pd.Series(columns["ingested_at"]), query.updated_after).to_numpy())
    if not len(columns["dataset_id"]):
        raise ApiError(404, f"no observations of {query.flow.id} match key {query.key or 'all'!r} "
                            "with these parameters")
    restricted_rows = sorted(set(columns["dataset_id"][columns["access"] != PUBLIC].tolist()))
    if restricted_rows:
        state.audit_request(request, principal, decision="granted", reason="data query returned restricted "
                            "observations", datasets=restricted_rows)
    return DataResult(
        catalog=state.catalog, flow=query.flow, frame=sdmx_frame(columns, query),
        datasets={ds: state.provenance(ds) for ds in dict.fromkeys(columns["dataset_id"].tolist())},
        query_url=str(request.url), dimension_at_observation=query.dimension_at_observation,
        extra={"restricted": bool(restricted_rows)},
    )


def _text(values: np.ndarray) -> Any:
    """A text column as pandas keeps it (``str``; ``NaN`` where missing), from numpy cells."""
    return pd.array(values, dtype="str")


def sdmx_frame(rows: pd.DataFrame | Columns, query: DataQuery) -> pd.DataFrame:
    """Warehouse rows -> SDMX columns (key dimensions, TIME_PERIOD, OBS_VALUE, attributes), sorted.

    Built in one constructor call from numpy columns (a column added at a time cost a fixed ~1 ms each
    per request), and sorted only when the rows are not in order already (the store returns them in key
    order, which for most dataflows is this order too)."""
    cols = _columns(rows) if isinstance(rows, pd.DataFrame) else rows
    columns: dict[str, Any] = {dim.id: _text(cols[dim.column].astype(str))  # SOURCE: the series
                               for dim in query.flow.published_dimensions}
    columns["TIME_PERIOD"] = _text(cols["time_period"].astype(str))
    columns["OBS_VALUE"] = cols["value"].astype("float64")
    for att_id, (column, _codelist, _description) in ATTRIBUTES.items():
        values = cols.get(column)
        columns[att_id] = None if values is None else _text(values) if values.dtype == object else values
    mult = np.asarray(cols["unit_mult"], dtype="float64")
    columns["UNIT_MULT"] = np.where(np.isnan(mult), 0, mult).astype("int64")
    for col in ("LOWER", "UPPER"):
        columns[col] = np.asarray(columns[col], dtype="float64")
    if "rollup" in cols:  # rollUp=true: the mark of each computed roll-up (csv, json)
        columns["ROLLUP"] = _text(cols["rollup"])
    order = [d.id for d in query.flow.published_dimensions] + ["TIME_PERIOD", "DATASET_ID"]
    out = pd.DataFrame(columns)
    if not _in_order(columns, order):
        out = out.sort_values(order, kind="stable").reset_index(drop=True)
    return out


def _in_order(columns: dict[str, Any], order: list[str], at_most: int = 5_000) -> bool:
    """Whether the rows (at most ``at_most``; more are sorted anyway) are already sorted by the text
    columns ``order``: then a stable sort would return them as they are."""
    rows = len(columns[order[0]])
    if rows < 2:
        return True
    if rows > at_most:
        return False
    lists = [list(columns[c]) for c in order]
    if not all(isinstance(v, str) for values in lists for v in values):
        return False
    keys = list(zip(*lists, strict=True))
    return all(a <= b for a, b in zip(keys, keys[1:], strict=False))


def _fetch_and_write(state: ServiceState, query: DataQuery, principal: Principal, request: Request,
                     writer: FormatWriter, roll_up: bool = False) -> tuple[bytes | Iterator[bytes], bool]:
    try:
        return _written(state, fetch(state, query, principal, request, roll_up=roll_up), writer)  # 413 first
    finally:
        if is_heavy(query):  # a whole dataflow: its frame's and writer's freed memory goes back to the system
            release_free_heap()


def _written(state: ServiceState, result: DataResult, writer: FormatWriter) -> tuple[bytes | Iterator[bytes], bool]:
    """The answer's body (streamed past :data:`STREAM_ROWS` rows, by writers that can) and whether it holds
    restricted rows."""
    if writer.stream is not None and len(result.frame) > STREAM_ROWS:  # written while sent, not cached
        return byte_stream(writer, result), bool(result.extra.get("restricted"))
    return _write(state, result, writer)


def _write(state: ServiceState, result: DataResult, writer: FormatWriter) -> tuple[bytes, bool]:
    body = writer.write(result)
    data = body.encode("utf-8") if isinstance(body, str) else body
    if len(data) > state.max_bytes:
        raise ApiError(413, f"the answer is {len(data) / 2**20:,.1f} MB in {writer.id}, more than the limit of "
                            f"{state.max_bytes / 2**20:,.0f} MB per response: narrow the key or the periods")
    return data, bool(result.extra.get("restricted"))


#: Reference areas a query may name and still be answered on the event loop from memory (:func:`on_loop`).
ON_LOOP_AREAS = 4
#: Rows an answer selected on the event loop may have and still be written there (more: in a thread).
ON_LOOP_ROWS = 1_000


def on_loop(state: ServiceState, query: DataQuery, principal: Principal, roll_up: bool) -> bool:
    """Whether the query is answered at once on the event loop, without a thread or a slot: an
    anonymous query of the latest vintages for a few reference areas of a dataflow whose published
    observations are in memory -- a few hundred microseconds to select, about a millisecond to write
    (a thread hop and a slot cost as much again, and under load the hop is what queues)."""
    if principal.roles or query.as_of is not None or roll_up or state.index is None \
            or query.flow.id not in state.index.published:
        return False
    first = next(iter(query.selection.values()), None)
    return first is not None and len(first) <= ON_LOOP_AREAS


async def _holding(slot: AsyncExitStack, pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A streamed answer's pieces (written in a thread), its slot released when the last has been sent or
    the client has gone: a stream is work like any other, and many at once must queue as dumps do."""
    try:
        async for piece in iterate_in_threadpool(pieces):
            yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:  # a client gone: the writer (and an answer file's copy) end now, not at collection
            close()
        await slot.aclose()


def _keep(state: ServiceState, key: Any, body: bytes | Iterator[bytes]) -> bytes | Iterator[bytes]:
    """Keep an anonymous answer without restricted rows for the next request: in memory when small, in a
    file when large or streamed (:mod:`.answer_files`); returns the body to send."""
    if isinstance(body, bytes) and (len(body) <= SPILL_BYTES or state.answer_files is None):
        state.cache.put(key, body)
    elif isinstance(body, bytes):
        state.answer_files.put(key, body)  # type: ignore[union-attr]
    elif state.answer_files is not None:
        return state.answer_files.tee(key, body)
    return body


def is_heavy(query: DataQuery) -> bool:
    """Whether a query may read up to a whole dataflow: its first key position (the reference area) is
    open and it asks for no first/last N (:mod:`.limits` gives such queries their own lane)."""
    first = next(iter(query.selection.values()), None)
    return first is None and query.first_n is None and query.last_n is None


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
    updated_after: str | None = None
    include_history: str | None = None
    roll_up: str | None = None


async def data_parameters(
    start_period: Annotated[str | None, Query(
        alias="startPeriod", description="YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM, YYYY-MM-DD")] = None,
    end_period: Annotated[str | None, Query(alias="endPeriod")] = None,
    first_n: Annotated[str | None, Query(alias="firstNObservations")] = None,
    last_n: Annotated[str | None, Query(alias="lastNObservations")] = None,
    as_of: Annotated[str | None, Query(alias="asOf",
                                       description="dataset id, release id or series:vintage")] = None,
    dimension_at_observation: Annotated[str | None, Query(alias="dimensionAtObservation")] = None,
    detail: Annotated[str | None, Query(description="full (default); serieskeysonly, dataonly, nodata: 501")]
    = None,
    updated_after: Annotated[str | None, Query(
        alias="updatedAfter", description="ISO 8601 date or date-time: observations written after it")] = None,
    include_history: Annotated[str | None, Query(
        alias="includeHistory", description="false (default); true: 501 (asOf reads earlier vintages)")] = None,
    source: Annotated[str | None, Query(description="keep only these series or datasets, '+'-separated")]
    = None,
    format: Annotated[str | None, Query(description="sdmx-ml, sdmx-generic, sdmx-csv, sdmx-json, jsonstat, csv, "
                                                     "json")] = None,  # noqa: A002
    roll_up: Annotated[str | None, Query(
        alias="rollUp", description="true: also user areas (corridor register) summed into the areas asked for "
        "(or their M49 area), marked in a rollup column, beside the official rows; csv and json only")] = None,
) -> DataParameters:
    return DataParameters(start_period, end_period, first_n, last_n, as_of, dimension_at_observation, detail,
                          source, format, updated_after, include_history, roll_up)


#: Query parameters of a data query (SDMX 2.1 REST names, and corridor's ``asOf``, ``source``, ``format``).
DATA_PARAMETERS = ("startPeriod", "endPeriod", "firstNObservations", "lastNObservations", "asOf",
                   "dimensionAtObservation", "detail", "source", "format", "updatedAfter", "includeHistory",
                   "rollUp")
#: ``detail`` values the standard defines that are not implemented (501), beside ``full``.
UNIMPLEMENTED_DETAIL = ("serieskeysonly", "dataonly", "nodata")


def check_parameters(request: Request, known: tuple[str, ...]) -> None:
    """400 for a query parameter the endpoint does not take (a misspelt ``startPeriod`` used to be
    ignored silently, returning everything)."""
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        raise ApiError(400, f"unknown query parameter(s) {', '.join(repr(u[:40]) for u in unknown[:5])}; "
                            f"this endpoint takes {', '.join(known)}")


def _check_detail(params: DataParameters) -> None:
    detail = params.detail
    if detail in UNIMPLEMENTED_DETAIL:
        raise ApiError(501, f"detail={detail} is not implemented; only detail=full")
    if detail not in (None, "", "full"):
        raise ApiError(400, f"detail={detail!r} is not a detail of SDMX 2.1 data queries: full, dataonly, "
                            "serieskeysonly, nodata (only full is implemented)")
    history = (params.include_history or "").strip().lower()
    if history == "true":
        raise ApiError(501, "includeHistory=true is not implemented: ask for an earlier vintage with asOf")
    if history not in ("", "false"):
        raise ApiError(400, f"includeHistory={params.include_history!r} must be true or false")


@router.get("/data/{flow}/{key}", responses=_RESPONSES, summary="Observations of a dataflow selected by key")
async def get_data(
    request: Request, flow: str, key: str,
    params: DataParameters = Depends(data_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """Observations of ``flow`` for an SDMX key (``840.484._T``; empty position = all; ``+`` = or)."""
    return await serve_data(request, flow, key, "all", params, state, principal)


@router.get("/data/{flow}/", include_in_schema=False)  # docs' `/data/MIG_FLOW/?...` answered an empty 307
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
    CPU-bound) run in the thread pool, each thread on its own DuckDB cursor, after taking a slot of
    the heavy or light lane (:mod:`.limits`).
    """
    format = params.format  # noqa: A001
    check_parameters(request, DATA_PARAMETERS)
    writer = choose_format(format, request.headers.get("accept"))
    if provider not in ("all", "CORRIDOR", "*"):
        raise ApiError(404, f"unknown data provider {provider!r}: the only provider is CORRIDOR")
    query = build_query(
        state.catalog, flow, key, start_period=params.start_period, end_period=params.end_period,
        first_n=params.first_n, last_n=params.last_n, as_of=params.as_of,
        dimension_at_observation=params.dimension_at_observation, source=params.source,
        view=state.visibility.view(principal), updated_after=params.updated_after,
    )
    _check_detail(params)  # after the flow and key: an unknown dataflow is 404 whatever else is asked
    roll_up = parse_roll_up(params.roll_up, writer.id)
    cache_key = (query.cache_key(), writer.id, roll_up) if not principal.roles else None
    headers = {"Vary": "Accept, Authorization"}
    if writer.id in _DOWNLOAD_FORMATS or format:
        headers["Content-Disposition"] = f'inline; filename="{_filename(query, writer.extension)}"'
    body = state.cache.get(cache_key) if cache_key else None
    kept = state.answer_files.open(cache_key) if body is None and cache_key and state.answer_files else None
    if kept is not None:  # a large answer written before: sent from its file
        return StreamingResponse(pieces_of(kept), media_type=writer.media_type, headers=headers)
    if body is None:
        limits: Limits = request.app.state.limits
        async with AsyncExitStack() as held:
            if on_loop(state, query, principal, roll_up):  # selected from memory here; written here when small
                result = fetch(state, query, principal, request)
                if len(result.frame) <= ON_LOOP_ROWS:
                    body, restricted = _written(state, result, writer)
                else:
                    await held.enter_async_context(limits.slot(request, heavy=False))
                    body, restricted = await run_in_threadpool(_written, state, result, writer)
            else:
                await held.enter_async_context(limits.slot(request, heavy=is_heavy(query)))
                body, restricted = await run_in_threadpool(_fetch_and_write, state, query, principal, request,
                                                           writer, roll_up)
            if cache_key and not restricted:
                body = _keep(state, cache_key, body)
            if not isinstance(body, bytes):  # written while sent: the slot is held until the last piece
                body = _holding(held.pop_all(), body)
    if not isinstance(body, bytes):
        return StreamingResponse(body, media_type=writer.media_type, headers=headers)
    return Response(content=body, media_type=writer.media_type, headers=headers)
