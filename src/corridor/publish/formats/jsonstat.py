"""JSON-stat 2.0 dataset (https://json-stat.org/format/, version 2.0).

Dimensions: the dataflow's key dimensions, ``TIME_PERIOD`` (role ``time``) and ``DATASET_ID`` -- the
dataset each number comes from is a dimension, so figures of different sources or vintages for the
same key sit side by side and never overwrite each other. ``value`` and ``status`` (``OBS_STATUS``
codes) are sparse objects keyed by the cell's row-major index, as JSON-stat 2.0 allows; cells without
an observation are absent, a *missing* observation is ``null`` with its status. What JSON-stat has no
field for travels in ``extension``, keyed by the same index: ``CONF_STATUS``, ``UNIT_MEASURE``,
``UNIT_MULT``, ``LOWER``, ``UPPER``, ``INTERVAL``, ``OBS_METHOD``; ``extension.datasets`` holds the
provenance (publisher, title, licence, source address, sha256) of every dataset.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np

from corridor.publish.formats import DataResult, FormatWriter

_EXTENSION_COLUMNS = ("CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT", "LOWER", "UPPER", "INTERVAL", "OBS_METHOD",
                      "BASIS")
_PROVENANCE = ("title", "publisher", "series", "vintage", "edition", "licence", "source_url", "copy_of",
               "sha256", "concept", "kind", "access")


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


def build(result: DataResult) -> dict[str, Any]:
    """The JSON-stat 2.0 dataset as a dict."""
    frame = result.frame
    catalog = result.catalog
    dims = [*result.dimension_ids, "DATASET_ID"]
    if not frame.empty and frame.duplicated(dims).any():
        dims.append("OBS_METHOD")
    dimension: dict[str, Any] = {}
    positions: list[np.ndarray] = []
    sizes: list[int] = []
    key_dims = {d.id: d for d in result.flow.dimensions}
    for dim in dims:
        codes = list(dict.fromkeys(frame[dim].astype(str))) if not frame.empty else []
        if dim == "TIME_PERIOD":
            codes.sort()
        index = {c: i for i, c in enumerate(codes)}
        if dim in key_dims:
            names = catalog.codes_of(key_dims[dim])
            labels = {c: names.get(c, c) for c in codes}
        elif dim == "DATASET_ID":
            labels = {c: str(result.datasets.get(c, {}).get("title") or c) for c in codes}
        else:
            labels = {c: c for c in codes}
        dimension[dim] = {"label": dim.replace("_", " ").lower(),
                          "category": {"index": index, "label": labels}}
        positions.append(frame[dim].astype(str).map(index).to_numpy(dtype=np.int64) if not frame.empty
                         else np.zeros(0, dtype=np.int64))
        sizes.append(len(codes))
    flat = np.zeros(len(frame), dtype=np.int64)
    for pos, size in zip(positions, sizes, strict=True):
        flat = flat * size + pos
    keys = [str(int(i)) for i in flat]
    values = {k: _clean(v) for k, v in zip(keys, frame["OBS_VALUE"].tolist(), strict=True)}
    status = {k: s for k, s in zip(keys, frame["OBS_STATUS"].tolist(), strict=True) if s is not None}
    extension: dict[str, Any] = {}
    for col in _EXTENSION_COLUMNS:
        if col in frame.columns:
            entries = {k: _clean(v) for k, v in zip(keys, frame[col].tolist(), strict=True)}
            extension[col] = {k: v for k, v in entries.items() if v is not None}
    extension["datasets"] = {
        ds: {k: _clean(meta.get(k)) for k in _PROVENANCE if meta.get(k) is not None}
        for ds, meta in result.datasets.items()
    }
    extension["dataflow"] = {"id": result.flow.id, "name": result.flow.name, "key": result.flow.published_key,
                             "description": result.flow.description}
    sources = sorted({str(m.get("publisher")) for m in result.datasets.values() if m.get("publisher")})
    licences = sorted({str(m.get("licence")) for m in result.datasets.values() if m.get("licence")})
    roles: dict[str, list[str]] = {"time": ["TIME_PERIOD"]}
    geo = [d for d in ("REF_AREA", "COUNTERPART_AREA") if d in dims]
    if geo:
        roles["geo"] = geo
    return {
        "version": "2.0", "class": "dataset", "label": result.flow.name,
        "source": "; ".join(sources) or "corridor", "href": result.query_url or None,
        "updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": [result.flow.description, f"Licences: {', '.join(licences)}" if licences else "",
                 "OBS_STATUS codes in 'status'; CONF_STATUS, UNIT_MULT, LOWER/UPPER/INTERVAL in 'extension'"],
        "id": dims, "size": sizes, "role": roles, "dimension": dimension,
        "value": values, "status": status, "extension": extension,
    }


def write(result: DataResult) -> str:
    doc = build(result)
    if doc["href"] is None:
        del doc["href"]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


WRITER = FormatWriter(
    id="jsonstat", media_type="application/vnd.json-stat+json", extension="json", write=write,
    aliases=("application/json-stat+json",), description="JSON-stat 2.0 dataset",
)
