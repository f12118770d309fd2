"""Plain JSON: the dataflow, the provenance of every dataset, and a list of observation records
(``null`` for a missing value, with its ``obs_status``). Written in pieces (:func:`chunks`): the head,
then the records :data:`~corridor.publish.formats.BATCH` at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd

from corridor.publish.formats import BATCH, DataResult, FormatWriter, batches
from corridor.publish.formats.csv import table
from corridor.publish.formats.jsonstat import _PROVENANCE, _clean

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _head(result: DataResult, count: int) -> dict[str, Any]:
    return {
        "dataflow": {"id": result.flow.id, "name": result.flow.name, "key": result.flow.published_key,
                     "description": result.flow.description},
        "query": result.query_url,
        "datasets": {ds: {k: _clean(meta.get(k)) for k in _PROVENANCE}
                     for ds, meta in result.datasets.items()},
        "count": count,
    }


def _frame(result: DataResult) -> pd.DataFrame:
    return table(result).drop(columns=["source", "licence", "vintage", "concept"])


def build(result: DataResult) -> dict[str, Any]:
    frame = _frame(result)
    return {**_head(result, len(frame)), "observations": _records(frame)}


def chunks(result: DataResult) -> Iterator[str]:
    """The same text as :func:`write`, in pieces."""
    frame = _frame(result)
    yield _dumps(_head(result, len(frame)))[:-1] + ',"observations":['
    for start in batches(len(frame)):
        yield ("," if start else "") + _dumps(_records(frame.iloc[start:start + BATCH]))[1:-1]
    yield "]}"


def write(result: DataResult) -> str:
    return _dumps(build(result))


WRITER = FormatWriter(id="json", media_type="application/json", extension="json", write=write,
                      description="plain JSON records with provenance", stream=chunks)
