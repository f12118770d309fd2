"""Plain JSON: the dataflow, the provenance of every dataset, and a list of observation records
(``null`` for a missing value, with its ``obs_status``)."""

from __future__ import annotations

import json
from typing import Any

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.formats.csv import table
from corridor.publish.formats.jsonstat import _PROVENANCE, _clean


def build(result: DataResult) -> dict[str, Any]:
    frame = table(result).drop(columns=["source", "licence", "vintage", "concept"])
    records = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return {
        "dataflow": {"id": result.flow.id, "name": result.flow.name, "key": result.flow.key_template,
                     "description": result.flow.description},
        "query": result.query_url,
        "datasets": {ds: {k: _clean(meta.get(k)) for k in _PROVENANCE}
                     for ds, meta in result.datasets.items()},
        "count": len(records),
        "observations": records,
    }


def write(result: DataResult) -> str:
    return json.dumps(build(result), ensure_ascii=False, separators=(",", ":"))


WRITER = FormatWriter(id="json", media_type="application/json", extension="json", write=write,
                      description="plain JSON records with provenance")
