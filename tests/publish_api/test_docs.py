"""docs/api.md cannot fall behind the code (Datasette's habit): every route, dataflow, format, data
parameter and codelist the service offers is named in it."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from corridor.publish.api import availability, data, datasets, structure
from corridor.publish.formats import FORMATS
from corridor.publish.structures import codelist_id
from corridor.reference.codes import codelists
from corridor.reference.dataflows import dataflows

DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_route_is_documented():
    for router in (data.router, structure.router, datasets.router, availability.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                stem = re.sub(r"\{[^}]+\}.*", "", route.path).rstrip("/")
                assert f"`GET {stem}" in DOC or f"`{stem}" in DOC, route.path


def test_every_dataflow_format_and_parameter_is_documented():
    for flow in dataflows().values():
        assert f"| `{flow.id}` | `{flow.key_template}` |" in DOC, flow.id
    for writer in FORMATS.values():
        assert f"`{writer.id}`" in DOC and writer.media_type in DOC, writer.id
    for route in data.router.routes:
        for param in route.dependant.query_params:
            assert f"`{param.alias}`" in DOC, param.alias
    for name in codelists():
        assert f"`{codelist_id(name)}`" in DOC, name
    for option in ("--host", "--port", "--warehouse", "--tokens", "--audit-log", "--workers", "--cache-size",
                   "--memory-index", "--preload"):
        assert option in DOC, option
