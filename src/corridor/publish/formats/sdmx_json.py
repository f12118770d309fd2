"""SDMX-JSON 1.0 data message (the JSON format of SDMX 2.1 REST; SDMX Technical Working Group,
``sdmx-json`` "data-message/docs/1-sdmx-json-field-guide.md", version 1.0), written by corridor.

A message has ``meta`` (id, prepared, sender) and ``data``: a ``structure`` that lists every component
with the values *used in this message* (dimensions with their ``keyPosition`` in the data structure;
attributes with their relationship) and ``dataSets`` whose observations are keyed by value indices:
``"0:3:1:0:5": [value, attribute indices...]``. With ``dimensionAtObservation=AllDimensions`` (the
default) every dimension is at observation level; naming a dimension keeps it at observation level and
groups the others into ``series`` (``dimensionAtObservation=TIME_PERIOD``: time series).

Conventions of this writer:

* the key is the published data structure's (``SOURCE``, the series, last; then ``TIME_PERIOD``), so
  each key holds one observation;
* a missing value is ``null`` with its ``OBS_STATUS`` (missing is never zero);
* coded attributes (``OBS_STATUS``, ``CONF_STATUS``, ``UNIT_MEASURE``, ``OBS_METHOD``) give code and
  name; ``DATASET_ID`` gives the dataset id (``name``) and its title (``description``); other
  attributes (bounds, unit multiplier, interval wording) are uncoded, their text in ``name``; an
  attribute no observation carries is left out;
* the structure links the dataflow and data structure by URN.

The same content in the pre-standard layout that SDMX-JSON services served before version 1.0
(``header``, ``structure`` and ``dataSets`` at the top; media type
``application/vnd.sdmx.draft-sdmx-json+json``) is what ``sdmx1``'s reader takes (:mod:`.sdmx_json_draft`).

:func:`chunks` writes the message piece by piece: the structure first (it needs every value used, so
the whole answer must be known), then the observations :data:`BATCH` rows at a time, so a large
answer can be streamed without one string of the whole message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from corridor.publish.formats import BATCH, DataResult, FormatWriter, batches
from corridor.publish.structures import AGENCY, VERSION, codelist_id
from corridor.reference.dataflows import ATTRIBUTES, CONCEPT_NAMES

SCHEMA = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/1.0/"
          "sdmx-json-data-schema.json")
MEDIA_TYPE = "application/vnd.sdmx.data+json;version=1.0.0"
_URN = "urn:sdmx:org.sdmx.infomodel.datastructure"


def _dimension_values(result: DataResult, dim_id: str, uniques: list[str]) -> list[dict[str, str]]:
    """``[{id, name}]`` of the values one dimension takes, named from its codelist (SOURCE: the series'
    publisher; TIME_PERIOD: the period itself)."""
    flow_dims = {d.id: d for d in result.flow.dimensions}
    if dim_id in flow_dims:
        names = result.catalog.codes_of(flow_dims[dim_id])
    elif dim_id == "SOURCE":
        names = {str(meta.get("series")): f"{meta.get('series')} ({meta.get('publisher')})"
                 for meta in result.datasets.values()}
    else:
        names = {}
    return [{"id": code, "name": str(names.get(code, code))} for code in uniques]


def _attribute_values(result: DataResult, att_id: str, uniques: list[Any]) -> list[dict[str, str]]:
    codelist = ATTRIBUTES[att_id][1]
    if codelist:
        names = result.catalog.codes.get(codelist_id(codelist), {})
        return [{"id": str(v), "name": str(names.get(str(v), v))} for v in uniques]
    if att_id == "DATASET_ID":
        # uncoded (dataset ids such as 'est:flows:...' are not SDMX ids): the id, with the title beside it
        return [{"name": str(v), "description": str(result.datasets.get(str(v), {}).get("title") or v)}
                for v in uniques]
    return [{"name": str(v)} for v in uniques]


def _factorize(column: pd.Series, sort: bool) -> tuple[np.ndarray, list[Any]]:
    """Index of each row's value among the distinct values (``-1`` for a missing one), and those values."""
    codes, uniques = pd.factorize(column, sort=sort, use_na_sentinel=True)
    return codes, list(uniques)


def _dims(result: DataResult) -> tuple[list[str], list[str]]:
    """(series-level, observation-level) dimension ids in data structure order."""
    every = result.dimension_ids
    at_obs = result.dimension_at_observation
    if at_obs in ("AllDimensions", None, "") or at_obs not in every:
        return [], every
    return [d for d in every if d != at_obs], [at_obs]


def _component(dim_id: str, position: int, values: list[dict[str, str]]) -> dict[str, Any]:
    return {"id": dim_id, "name": CONCEPT_NAMES.get(dim_id, dim_id), "keyPosition": position, "values": values}


def _keys(codes: list[np.ndarray], index: Iterable[int]) -> list[str]:
    """``"i:j:k"`` keys of the rows ``index`` from the index arrays of the dimensions at one level."""
    columns = [arr.tolist() for arr in codes] if len(codes) > 1 else None
    if columns is None:
        only = codes[0] if codes else None
        return [str(only[i]) if only is not None else "" for i in index]
    return [":".join(str(col[i]) for col in columns) for i in index]


def _obs_value(frame: pd.DataFrame) -> list[float | None]:
    values = frame["OBS_VALUE"].astype("float64")
    return [None if v != v else v for v in values.tolist()]  # NaN -> null (a missing value)


def parts(result: DataResult) -> tuple[dict[str, Any], dict[str, Any], Iterator[str]]:
    """The message's header (``meta``), ``structure`` and the observation text of its one data set.

    The observation text is produced in pieces (``"key":[...]`` members of ``observations`` or
    ``series``, comma-separated), ready to be placed inside a ``dataSets[0]`` object by the envelope."""
    frame = result.frame
    series_dims, obs_dims = _dims(result)
    positions = {d: i for i, d in enumerate(result.dimension_ids)}
    codes: dict[str, np.ndarray] = {}
    dimensions: dict[str, list[dict[str, Any]]] = {"dataSet": [], "series": [], "observation": []}
    for level, dims in (("series", series_dims), ("observation", obs_dims)):
        for dim in dims:
            codes[dim], uniques = _factorize(frame[dim].astype(str), sort=dim == "TIME_PERIOD")
            dimensions[level].append(_component(dim, positions[dim], _dimension_values(result, dim, uniques)))
    attributes: list[dict[str, Any]] = []
    att_codes: list[np.ndarray] = []
    for att_id in ATTRIBUTES:
        if att_id not in frame.columns:
            continue
        column = frame[att_id]
        column = column.where(column.notna(), None)
        found, uniques = _factorize(column.astype(object), sort=False)
        if not uniques:
            continue  # no observation carries it
        att_codes.append(found)
        attributes.append({"id": att_id, "name": CONCEPT_NAMES.get(att_id, att_id),
                           "relationship": {"primaryMeasure": "OBS_VALUE"},
                           "values": _attribute_values(result, att_id, uniques)})
    flow = result.flow
    structure = {
        "links": [{"rel": "dataflow", "urn": f"{_URN}.Dataflow={AGENCY}:{flow.id}({VERSION})"},
                  {"rel": "structure", "urn": f"{_URN}.DataStructure={AGENCY}:{flow.dsd_id}({VERSION})"}],
        "name": flow.name, "description": flow.description,
        "dimensions": dimensions,
        "attributes": {"dataSet": [], "series": [], "observation": attributes},
    }
    meta = {"id": f"IREF{uuid.uuid4().hex[:16].upper()}", "test": False,
            "prepared": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "contentLanguages": ["en"],
            "sender": {"id": AGENCY, "name": "corridor"}}
    return meta, structure, _observations(frame, [codes[d] for d in series_dims], [codes[d] for d in obs_dims],
                                          att_codes)


def _members(frame: pd.DataFrame, obs_codes: list[np.ndarray], att_codes: list[np.ndarray],
             index: np.ndarray) -> str:
    """``"key":[value, attribute indices...]`` of the rows ``index``, comma-separated."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    keys = _keys([arr[index] for arr in obs_codes], range(len(index)))
    values = _obs_value(frame.iloc[index])
    attrs = [[None if c < 0 else c for c in arr[index].tolist()] for arr in att_codes]
    rows = zip(keys, values, *attrs, strict=True)
    return ",".join(f'"{row[0]}":{dumps(list(row[1:]))}' for row in rows)


def _observations(frame: pd.DataFrame, series_codes: list[np.ndarray], obs_codes: list[np.ndarray],
                  att_codes: list[np.ndarray]) -> Iterator[str]:
    """``"observations":{...}`` (flat) or ``"series":{"k":{"observations":{...}}, ...}``, in pieces of
    :data:`~corridor.publish.formats.BATCH` rows (flat) or one series."""
    if not series_codes:
        yield '"observations":{'
        for start in batches(len(frame)):
            index = np.arange(start, min(start + BATCH, len(frame)))
            yield ("," if start else "") + _members(frame, obs_codes, att_codes, index)
        yield "}"
        return
    yield '"series":{'
    # one series' rows may be apart when the observation dimension is not the last: group them first
    keys = _keys(series_codes, range(len(frame)))
    groups = pd.Series(keys).groupby(keys, sort=False).indices
    for number, (key, index) in enumerate(groups.items()):
        members = _members(frame, obs_codes, att_codes, index)
        yield ("," if number else "") + f'"{key}":{{"attributes":[],"observations":{{{members}}}}}'
    yield "}"


def message(result: DataResult, *, draft: bool = False) -> Iterator[str]:
    """The message in pieces: SDMX-JSON 1.0 (``meta``, ``data.structure``, ``data.dataSets``) or, with
    ``draft``, the pre-standard layout (``header``, ``structure``, ``dataSets`` at the top)."""
    meta, structure, pieces = parts(result)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    if draft:
        yield f'{{"header":{dumps(meta)},"structure":{dumps(structure)},"dataSets":['
    else:
        yield f'{{"meta":{dumps({"schema": SCHEMA, **meta})},"data":{{"structure":{dumps(structure)},"dataSets":['
    yield f'{{"action":"Information","links":{dumps(structure["links"][:1])},'
    yield from pieces
    yield "}]}" if draft else "}]}}"


def chunks(result: DataResult) -> Iterator[str]:
    """The SDMX-JSON 1.0 message, in pieces."""
    return message(result)


def write(result: DataResult) -> str:
    return "".join(chunks(result))


WRITER = FormatWriter(
    id="sdmx-json", media_type=MEDIA_TYPE, extension="json", write=write,
    aliases=("application/vnd.sdmx.data+json",),
    description="SDMX-JSON 1.0 data message (corridor's writer, checked against the SDMX-JSON schema)",
    stream=chunks,
)
