"""Parsing of SDMX REST data queries: the flow reference, the key and the query parameters.

Syntax follows the SDMX RESTful web services specification (SDMX 2.1 Section 7 and the SDMX REST
cheat sheet, ``sdmx-twg/sdmx-rest`` v1.5, "Data queries"):

* flow reference ``MIG_STOCK``, ``CORRIDOR,MIG_STOCK`` or ``CORRIDOR,MIG_STOCK,1.0`` (version ``latest``
  also accepted);
* key: one position per dimension of the published data structure, separated by ``.``, the last one
  ``SOURCE`` (the series; :data:`corridor.reference.dataflows.SOURCE_DIMENSION`); an empty position
  means every code, ``+`` separates alternatives (``840+124.484._T.undesa-ims``); a key without the
  ``SOURCE`` position means every source; the key ``all`` (or an empty key) selects everything;
* ``startPeriod`` / ``endPeriod``: ``YYYY``, ``YYYY-Sn``, ``YYYY-Qn``, ``YYYY-MM`` or ``YYYY-MM-DD``;
  an observation is returned when its whole period lies between the start of ``startPeriod`` and
  the end of ``endPeriod`` (``2010-2015``, mid-2010 to mid-2015, is inside 2010..2015);
* ``firstNObservations`` / ``lastNObservations``: per series (key and dataset), the first / last N
  observations in time;
* ``updatedAfter``: an ISO 8601 date or date-time (``2026-12-01``, ``2026-12-01T10:00:00Z``; no zone
  means UTC): only observations written after it (a dataset is written once, so an observation's last
  update is its dataset's ``ingested_at``).

Every error is an :class:`~corridor.publish.api.errors.ApiError` (400, or 404 for an unknown
dataflow) whose message names the part of the query that was wrong and what would be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from corridor.errors import InputError
from corridor.publish.api.errors import ApiError
from corridor.publish.api.visibility import View
from corridor.publish.structures import AGENCY, Catalog, codelist_id
from corridor.reference.areas import area_code
from corridor.reference.dataflows import SOURCE_DIMENSION, Dataflow, Dimension

_PERIOD = re.compile(
    r"^(?P<y>\d{4})(?:-(?:(?P<s>S[12])|(?P<q>Q[1-4])|(?P<m>0[1-9]|1[0-2])(?:-(?P<d>0[1-9]|[12]\d|3[01]))?"
    r"|A1?|(?P<y2>\d{4})))?$", re.ASCII
)
_COUNT = re.compile(r"^[0-9]{1,9}$")
_CODE = re.compile(r"^[A-Za-z0-9_@$\-]{1,40}$")
_SERIES = re.compile(r"^[A-Za-z0-9_@$\-]{1,80}$")
MAX_N = 10_000


def parse_flow_ref(text: str, catalog: Catalog, view: View | None = None) -> Dataflow:
    """The dataflow named by ``MIG_STOCK`` / ``CORRIDOR,MIG_STOCK`` / ``CORRIDOR,MIG_STOCK,1.0``.

    With a caller's ``view``, a dataflow it may not see is answered as an unknown one."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        agency, flow_id, version = AGENCY, parts[0], "latest"
    elif len(parts) == 2:
        agency, flow_id, version = parts[0], parts[1], "latest"
    elif len(parts) == 3:
        agency, flow_id, version = parts
    else:
        raise ApiError(400, f"flow reference {text!r} has {len(parts)} comma-separated parts; "
                            "write FLOW, AGENCY,FLOW or AGENCY,FLOW,VERSION (e.g. CORRIDOR,MIG_STOCK,1.0)")
    if agency not in (AGENCY, "all", "*", ""):
        raise ApiError(404, f"unknown agency {agency!r}: this service publishes agency {AGENCY} only")
    if version not in ("1.0", "latest", "*", "~", "+", ""):
        raise ApiError(404, f"unknown version {version!r} of dataflow {flow_id}: the only version is 1.0")
    flow = catalog.flows.get(flow_id.upper())
    if flow is None or (view is not None and not view.flow(flow.id)):
        shown = [f for f in catalog.flows if view is None or view.flow(f)]
        raise ApiError(404, f"unknown dataflow {flow_id!r}; dataflows: {', '.join(shown)}")
    return flow


def _area_alias(code: str) -> str | None:
    """M49 code for an ISO 3166 alpha-3 code, ``WORLD`` or an exact UN name, else None."""
    try:
        return area_code(code)
    except InputError:
        return None


def _normalise(code: str, dim: Dimension, catalog: Catalog) -> str | None:
    known = catalog.codes_of(dim)
    if code in known:
        return code
    if dim.codelist == "AREA":
        if code.isdigit() and code.lstrip("0") in known:
            return code.lstrip("0")
        alias = _area_alias(code)
        if alias is not None and alias in known:
            return alias
    upper = code.upper()
    if upper in known:
        return upper
    return None


def parse_key(key: str, flow: Dataflow, catalog: Catalog, view: View | None = None) -> dict[str, list[str] | None]:
    """Warehouse column -> codes asked for (``None`` = every code) for an SDMX key string.

    The key has one position per dimension of the published data structure
    (:attr:`Dataflow.published_dimensions`: the registry's dimensions, then ``SOURCE``, read from the
    column ``series``). A key without the ``SOURCE`` position -- the form before the source became a
    dimension -- means every source (documented default: such keys stay valid links). Codes are
    checked against the whole reference codelist (a code the caller may not see is accepted and
    selects nothing it may read, as a code without data does); a hint lists visible codes only.
    ``SOURCE`` is uncoded: a series without data the caller may read selects nothing."""
    dims = flow.published_dimensions
    selection: dict[str, list[str] | None] = {d.column: None for d in dims}
    key = key.strip()
    if key in ("", "all", "ALL", "*"):
        return selection
    positions = key.split(".")
    if len(positions) == len(flow.dimensions):
        positions.append("")  # no SOURCE position: every source
    if len(positions) != len(dims):
        raise ApiError(400, f"key {key!r} has {len(positions)} position(s) but dataflow {flow.id} has "
                            f"{len(dims)}: {flow.published_key} (SOURCE may be left out for every source; "
                            "leave a position empty for all codes, join codes with '+')")
    for dim, text in zip(dims, positions, strict=True):
        if text in ("", "*"):
            continue
        selection[dim.column] = _position_codes(text, dim, key, catalog, view)
    return selection


def key_series(selection: dict[str, list[str] | None]) -> tuple[dict[str, list[str] | None], list[str] | None]:
    """Split a parsed key into the dimension columns' codes and the ``SOURCE`` position's series."""
    rest = {column: codes for column, codes in selection.items() if column != SOURCE_DIMENSION.column}
    return rest, selection.get(SOURCE_DIMENSION.column)


def _position_codes(text: str, dim: Dimension, key: str, catalog: Catalog, view: View | None) -> list[str]:
    """The codes of one key position (``840+124``), normalised, or a 400 naming the position."""
    codes: list[str] = []
    for raw in text.split("+"):
        if not raw:
            raise ApiError(400, f"empty code in position {dim.id} of key {key!r} ('+' must join two codes)")
        if not (_CODE if dim.codelist else _SERIES).match(raw):
            raise ApiError(400, f"{raw!r} in position {dim.id} of key {key!r} is not a code "
                                "(letters, digits and _ only)")
        code = _normalise(raw, dim, catalog) if dim.codelist else raw
        if code is None:
            hint = " (areas are UN M49 numbers, e.g. 840; ISO alpha-3 also accepted)" \
                if dim.codelist == "AREA" else \
                f" (codes: {', '.join(_shown_codes(catalog, dim, view)[:20])})"
            raise ApiError(400, f"unknown code {raw!r} for {dim.id} in key {key!r}: not in codelist "
                                f"{codelist_id(dim.codelist)}{hint}")
        if code not in codes:
            codes.append(code)
    return codes


def _shown_codes(catalog: Catalog, dim: Dimension, view: View | None) -> list[str]:
    return [c for c in catalog.codes_of(dim) if view is None or view.code(dim.codelist, c)]


# -- periods ------------------------------------------------------------------------------------
def _bounds(match: re.Match[str]) -> tuple[date, date]:
    year = int(match["y"])
    if match["y2"]:
        # a span of years as the warehouse writes periods of flows: "2010-2015" = mid-2010 to mid-2015
        return date(year, 7, 1), date(int(match["y2"]), 6, 30)
    if match["s"]:
        half = int(match["s"][1])
        return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))
    if match["q"]:
        q = int(match["q"][1])
        start = date(year, 3 * q - 2, 1)
        end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
        return start, end - timedelta(days=1)
    if match["m"]:
        month = int(match["m"])
        if match["d"]:
            try:
                day = date(year, month, int(match["d"]))
            except ValueError as exc:
                raise ValueError(str(exc)) from exc
            return day, day
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return date(year, month, 1), end - timedelta(days=1)
    return date(year, 1, 1), date(year, 12, 31)


@lru_cache(maxsize=4096)
def period_bounds(period: str) -> tuple[date, date] | None:
    """First and last day of an observation's ``TIME_PERIOD`` (None if it is not a period)."""
    match = _PERIOD.match(period)
    if match is None:
        return None
    try:
        return _bounds(match)
    except ValueError:
        return None


def parse_period(text: str, name: str) -> tuple[date, date]:
    """Bounds of a ``startPeriod``/``endPeriod`` parameter, or a 400 saying what is accepted."""
    match = _PERIOD.match(text.strip())
    if match is None or match["y2"]:
        raise ApiError(400, f"{name}={text!r} is not a period: write YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM or "
                            "YYYY-MM-DD (e.g. 2019, 2019-Q3, 2019-07)")
    try:
        return _bounds(match)
    except ValueError as exc:
        raise ApiError(400, f"{name}={text!r} is not a date: {exc}") from exc


@dataclass
class DataQuery:
    """A validated data query."""

    flow: Dataflow
    key: str
    selection: dict[str, list[str] | None]
    start: date | None = None
    end: date | None = None
    first_n: int | None = None
    last_n: int | None = None
    as_of: str | None = None
    dimension_at_observation: str = "AllDimensions"
    source: list[str] = field(default_factory=list)
    updated_after: datetime | None = None
    #: the series of the key's ``SOURCE`` position (``None``: every source)
    key_series: list[str] | None = None

    def cache_key(self) -> tuple[object, ...]:
        return (self.flow.id, tuple((k, tuple(v) if v else None) for k, v in self.selection.items()),
                self.start, self.end, self.first_n, self.last_n, self.as_of, self.dimension_at_observation,
                tuple(self.source), self.updated_after, tuple(self.key_series or ()))


def parse_updated_after(text: str | None) -> datetime | None:
    """``updatedAfter`` as an aware UTC datetime (a date alone: 00:00 UTC), or a 400 saying what is accepted."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if not value.isascii():
            raise ValueError("not ASCII")
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, f"updatedAfter={text!r} is not an ISO 8601 date or date-time (e.g. 2026-12-01 or "
                            "2026-12-01T10:00:00Z)") from exc
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not _COUNT.match(value.strip()) or int(value) < 1:  # ASCII digits only: "²".isdigit() is True
        raise ApiError(400, f"{name}={value!r} must be a whole number of observations of at least 1")
    n = int(value)
    if n > MAX_N:
        raise ApiError(400, f"{name}={value!r} is more than {MAX_N}")
    return n


def build_query(
    catalog: Catalog, flow_ref: str, key: str, *, start_period: str | None = None,
    end_period: str | None = None, first_n: str | None = None, last_n: str | None = None,
    as_of: str | None = None, dimension_at_observation: str | None = None, source: str | None = None,
    view: View | None = None, updated_after: str | None = None,
) -> DataQuery:
    """Validate every part of a data query; raise :class:`ApiError` naming the first thing wrong (and,
    with the caller's ``view``, nothing it may not see)."""
    flow = parse_flow_ref(flow_ref, catalog, view)
    selection, series = key_series(parse_key(key, flow, catalog, view))
    start = parse_period(start_period, "startPeriod")[0] if start_period else None
    end = parse_period(end_period, "endPeriod")[1] if end_period else None
    if start and end and start > end:
        raise ApiError(400, f"startPeriod={start_period} is after endPeriod={end_period}")
    dim_obs = dimension_at_observation or "AllDimensions"
    allowed = ["AllDimensions", "TIME_PERIOD", *(d.id for d in flow.published_dimensions)]
    if dim_obs not in allowed:
        raise ApiError(400, f"dimensionAtObservation={dim_obs!r} is not a dimension of {flow.id}; "
                            f"use one of {', '.join(allowed)}")
    if as_of is not None:
        as_of = as_of.strip()
        if not as_of or len(as_of) > 200:
            raise ApiError(400, "asOf must name a dataset id or release id (e.g. undesa-ims-2019-totals)")
    sources = [s for s in (source or "").split("+") if s]
    return DataQuery(
        flow=flow, key=key, selection=selection, start=start, end=end,
        first_n=_count(first_n, "firstNObservations"), last_n=_count(last_n, "lastNObservations"),
        as_of=as_of, dimension_at_observation=dim_obs, source=sources,
        updated_after=parse_updated_after(updated_after), key_series=series,
    )
