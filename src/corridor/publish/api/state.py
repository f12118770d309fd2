"""What the running service holds: the read-only warehouse, the structures, tokens, audit log, caches.

One DuckDB connection is opened read-only when the app starts; each worker thread gets its own
cursor (``con.cursor()``: DuckDB connections are not thread-safe, cursors are separate connections to
the same database). The warehouse does not change while it is served (DuckDB lets no writer in while
a reader holds the file), so the structures and the provenance table are read once and cached.

Routers reach the state with ``request.app.state.corridor`` (see :func:`get_state`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Request

from corridor.publish.api.index import PublicIndex
from corridor.publish.security import AuditLog, Principal, TokenStore
from corridor.publish.structures import Catalog
from corridor.store.warehouse import Warehouse


class ResponseCache:
    """A small thread-safe LRU cache of response bodies (public responses only)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        if self.size <= 0:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class ServiceState:
    """Everything a request needs, built once by :func:`corridor.publish.app.create_app`."""

    warehouse_path: Path
    root: Warehouse
    catalog: Catalog
    datasets: pd.DataFrame
    tokens: TokenStore
    audit: AuditLog
    cache: ResponseCache
    max_observations: int = 500_000
    index: PublicIndex | None = None
    _local: threading.local = field(default_factory=threading.local)

    @classmethod
    def open(cls, warehouse: str | Path, *, tokens: TokenStore, audit: AuditLog, cache_size: int = 256,
             max_observations: int = 500_000, memory_index: bool = True) -> ServiceState:
        path = Path(warehouse)
        root = Warehouse.open(path, read_only=True)
        catalog = Catalog.from_warehouse(root)
        datasets = root.datasets()
        return cls(warehouse_path=path, root=root, catalog=catalog, datasets=datasets, tokens=tokens,
                   audit=audit, cache=ResponseCache(cache_size), max_observations=max_observations,
                   index=PublicIndex() if memory_index else None)

    def warehouse(self) -> Warehouse:
        """A :class:`Warehouse` on this thread's own cursor of the shared read-only connection."""
        wh = getattr(self._local, "warehouse", None)
        if wh is None:
            wh = self.root.cursor()
            self._local.warehouse = wh
        return wh

    def new_warehouse(self) -> Warehouse:
        """A :class:`Warehouse` on a new cursor (for a background thread; close its ``con`` after)."""
        return self.root.cursor()

    def provenance(self, dataset_id: str) -> dict[str, Any]:
        rows = self._by_id.get(dataset_id)
        return dict(rows) if rows is not None else {}

    @property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        cached = self.__dict__.get("_by_id_cache")
        if cached is None:
            cached = {str(r["dataset_id"]): r for r in self.datasets.to_dict(orient="records")}
            self.__dict__["_by_id_cache"] = cached
        return cached

    def access_of(self, dataset_id: str) -> str:
        return str(self._by_id.get(dataset_id, {}).get("access") or "public")

    def close(self) -> None:
        self.root.close()

    def audit_request(self, request: Request, principal: Principal, *, decision: str, reason: str,
                      datasets: list[str]) -> None:
        self.audit.record(
            decision=decision, reason=reason, principal=principal,
            client=request.client.host if request.client else None, method=request.method,
            path=request.url.path, query=request.url.query, datasets=datasets,
        )


async def get_state(request: Request) -> ServiceState:
    return request.app.state.corridor


async def get_principal(request: Request) -> Principal:
    """The caller, from the ``Authorization`` header (401 for a bad or unknown token)."""
    return request.app.state.corridor.tokens.authenticate(request.headers.get("authorization"))
