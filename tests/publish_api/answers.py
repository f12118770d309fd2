"""An anonymous data answer as the routes fetch it, in-process, for tests that compare writers."""

from __future__ import annotations

from starlette.requests import Request

from corridor.publish.api.data import fetch
from corridor.publish.api.keys import build_query
from corridor.publish.formats import DataResult
from corridor.publish.security import ANONYMOUS


def request(path: str) -> Request:
    """A bare anonymous GET of ``path`` from the loopback address."""
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
                    "client": ("127.0.0.1", 1), "server": ("test", 80), "scheme": "http", "root_path": ""})


def answer(state, flow: str, key: str) -> DataResult:
    """The observations of ``/data/{flow}/{key}`` for an anonymous client, ready to be written."""
    return fetch(state, build_query(state.catalog, flow, key), ANONYMOUS, request(f"/data/{flow}/{key}"))
