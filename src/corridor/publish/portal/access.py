"""How a page gets the warehouse: the app keeps one open :class:`Warehouse` on ``app.state.warehouse``;
each request reads through its own cursor (:meth:`Warehouse.cursor`: a DuckDB connection must not be
shared between threads, and FastAPI runs these page handlers in a thread pool)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import HTTPException, Request

from corridor.publish.api.state import request_state
from corridor.store.warehouse import Warehouse


def page_warehouse(request: Request) -> Iterator[Warehouse]:
    """FastAPI dependency: the snapshot this request leased, on a cursor of its own, closed after it."""
    shared: Warehouse | None = request_state(request).root
    if shared is None:
        raise HTTPException(503, "no warehouse is open: start the portal with `corridor serve --warehouse PATH`")
    wh = shared.cursor()
    try:
        yield wh
    finally:
        wh.close()
