"""Concept definitions for the portal (which definition of "migrant" a dataset uses).

Reads the project's concept registry (``corridor.reference.concepts``; its data file
``reference/data/concepts.yaml``). The registry's public surface was still settling while the portal
was written, so this module accepts the shapes it may take: a ``concept_table()`` frame, a
``CONCEPTS`` mapping, or the YAML file itself. When none is there the page says so.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_YAML = Path(__file__).resolve().parents[2] / "reference" / "data" / "concepts.yaml"


def _normalise(entry: Any, concept_id: str | None = None) -> dict[str, Any]:
    if hasattr(entry, "__dataclass_fields__"):
        entry = {k: getattr(entry, k) for k in entry.__dataclass_fields__}
    if not isinstance(entry, dict):
        entry = {"definition": str(entry)}
    out = dict(entry)
    out.setdefault("id", concept_id or out.get("concept_id") or out.get("concept"))
    out.setdefault("name", out.get("label") or out.get("title") or out["id"])
    out.setdefault("definition", out.get("description") or "")
    return out


@lru_cache(maxsize=1)
def concept_registry() -> dict[str, dict[str, Any]]:
    """Concept id -> {id, name, definition, ...}; empty when no registry is installed."""
    try:
        module = importlib.import_module("corridor.reference.concepts")
    except ImportError:
        module = None
    if module is not None:
        for attr in ("concept_table", "concepts", "load_concepts", "registry"):
            fn = getattr(module, attr, None)
            if callable(fn):
                try:
                    got = fn()
                except Exception:  # noqa: BLE001 - fall back to the next shape
                    continue
                if hasattr(got, "to_dict") and hasattr(got, "columns"):
                    key = "id" if "id" in got.columns else got.columns[0]
                    return {str(r[key]): _normalise(r, str(r[key])) for r in got.to_dict("records")}
                if isinstance(got, dict):
                    return {str(k): _normalise(v, str(k)) for k, v in got.items()}
                if isinstance(got, list):
                    items = [_normalise(v) for v in got]
                    return {str(i["id"]): i for i in items}
        table = getattr(module, "CONCEPTS", None)
        if isinstance(table, dict):
            return {str(k): _normalise(v, str(k)) for k, v in table.items()}
    if _YAML.exists():
        data = yaml.safe_load(_YAML.read_text()) or {}
        items = data.get("concepts", data) if isinstance(data, dict) else data
        if isinstance(items, dict):
            return {str(k): _normalise(v, str(k)) for k, v in items.items()}
        if isinstance(items, list):
            norm = [_normalise(v) for v in items]
            return {str(i["id"]): i for i in norm}
    return {}


def concept(concept_id: str | None) -> dict[str, Any] | None:
    if not concept_id:
        return None
    return concept_registry().get(concept_id) or {"id": concept_id, "name": concept_id.replace("_", " "),
                                                  "definition": ""}
