"""What the running service holds: a published snapshot of the warehouse, its structures, tokens, audit
log, caches -- and how it moves to a newer snapshot without stopping.

A :class:`ServiceState` is built over one immutable snapshot (:mod:`corridor.store.snapshots`),
opened read-only; each worker thread gets its own cursor (DuckDB connections are not thread-safe,
cursors are separate connections to the same database). A snapshot never changes, so the
structures, the provenance table, the memory index and the response caches of a state are read once
and kept: they belong to that state and go with it.

:class:`LiveState` holds the state being served. A watcher thread looks at the snapshot pointer
every :data:`POLL_SECONDS`; when a newer snapshot is published it builds a whole new state beside
the old one (requests keep being answered from the old one meanwhile), then swaps one reference
under a lock. Each request *leases* the state it starts on (:meth:`LiveState.lease`, taken by the
app's middleware for the whole request, body included), so a retired state is closed only when its
last request has finished; a request never sees two states, nor a cache of a retired one.

Routers reach the request's state with :func:`get_state` (a FastAPI dependency) or
:func:`request_state`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Request

from corridor.publish.api.answer_files import AnswerFiles
from corridor.publish.api.errors import ApiError
from corridor.publish.api.index import PublicIndex
from corridor.publish.api.visibility import Visibility
from corridor.publish.security import ANONYMOUS, AuditLog, Principal, TokenStore
from corridor.publish.structures import Catalog
from corridor.reference.user_codes import refresh_if_changed
from corridor.store.snapshots import WarehouseBusy, current_snapshot, publish_snapshot, snapshot_dir
from corridor.store.warehouse import Warehouse, WarehouseError

log = logging.getLogger("corridor.serve")

#: How often the watcher looks at the snapshot pointer (one ``stat`` call).
POLL_SECONDS = 0.5
#: Default budget of each response cache, and the response limits (413 beyond them).
DEFAULT_CACHE_BYTES = 64 * 2**20
MAX_OBSERVATIONS = 100_000
MAX_RESPONSE_BYTES = 64 * 2**20
#: DuckDB's threads per server process: one, so that concurrent queries (each on its own cursor, in
#: its own worker thread) and uvicorn workers do not oversubscribe the cores; a data query is small.
DUCKDB_THREADS = 1
#: DuckDB's memory per server process (beyond it, sorts and windows spill to disk; a query result being
#: materialised cannot spill). 128 MB kept two workers under 1 GB under a hostile client (issue 11), but
#: the portal's explorer, which reads a whole selection once and pages it from a cache, then failed on
#: ``MIG_FLOW`` (474k rows with their interval sentences) with an out-of-memory error: 256 MB reads it.
DUCKDB_MEMORY = "256MB"
#: The ASGI scope key under which the app's middleware puts the request's leased state.
SCOPE_KEY = "corridor.state"
#: The ASGI scope key holding the method the client sent (HEAD is routed as GET, logged as HEAD).
METHOD_KEY = "corridor.method"


def _bytes_of(value: Any) -> int:
    """Bytes a cached value holds: its ``bytes`` parts, plus a small fixed cost for anything else."""
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(_bytes_of(v) for v in value)
    return 256  # an ASGI start message, a media type ...


class ResponseCache:
    """A thread-safe LRU cache of response bodies (public responses only), bounded by the bytes it holds
    (issue 11: a cache of 256 *entries* grew a worker by 660 MB with five full dumps). A value larger
    than a quarter of the budget is not kept at all, so that one dump cannot empty the cache."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        if self.max_bytes <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: Any) -> None:
        size = _bytes_of(value)
        if self.max_bytes <= 0 or size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, (_value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class ServiceState:
    """Everything a request needs over one snapshot, built by :meth:`open` (see the module docstring)."""

    warehouse_path: Path
    root: Warehouse
    catalog: Catalog
    datasets: pd.DataFrame
    tokens: TokenStore
    audit: AuditLog
    cache: ResponseCache
    #: which dataflows and codes each caller may see (:mod:`.visibility`)
    visibility: Visibility
    #: observations per response at most (more: 413 naming the limit)
    max_observations: int = 100_000
    #: bytes per response body at most (more: 413 naming the limit)
    max_bytes: int = 64 * 2**20
    index: PublicIndex | None = None
    #: whole responses of anonymous GET requests (:class:`corridor.publish.app.HttpCache`)
    http_cache: ResponseCache = field(default_factory=lambda: ResponseCache(0))
    #: large anonymous answers kept on disk (:mod:`.answer_files`; ``None`` when caching is off)
    answer_files: AnswerFiles | None = None
    #: set when the state closes: its background work (:func:`corridor.publish.api.prewarm.start`) stops
    closing: threading.Event = field(default_factory=threading.Event)
    #: the background thread reading into the memory index, and the cursor it reads on (stopped at close)
    background: threading.Thread | None = None
    background_cursor: Warehouse | None = None
    #: the snapshot file this state reads (``root.path``)
    snapshot: Path | None = None
    #: requests holding this state (:meth:`LiveState.lease`)
    leases: int = 0
    _local: threading.local = field(default_factory=threading.local)

    @classmethod
    def open(cls, snapshot: str | Path, *, tokens: TokenStore, audit: AuditLog, cache_bytes: int = DEFAULT_CACHE_BYTES,
             max_observations: int = MAX_OBSERVATIONS, max_bytes: int = MAX_RESPONSE_BYTES, memory_index: bool = True,
             warehouse: str | Path | None = None) -> ServiceState:
        """A state over the file ``snapshot``, opened read-only (``warehouse``: the file it was
        published from, for display; default ``snapshot`` itself)."""
        path = Path(snapshot)
        root = Warehouse.open(path, read_only=True, threads=DUCKDB_THREADS, memory_limit=DUCKDB_MEMORY)
        try:
            catalog = Catalog.from_warehouse(root)
            datasets = root.datasets()
            visibility = Visibility.of_warehouse(root, catalog.flows)
        except BaseException:
            root.close()
            raise
        return cls(warehouse_path=Path(warehouse) if warehouse is not None else path, root=root,
                   catalog=catalog, datasets=datasets, tokens=tokens, audit=audit,
                   cache=ResponseCache(cache_bytes), visibility=visibility, max_observations=max_observations,
                   max_bytes=max_bytes, index=PublicIndex() if memory_index else None,
                   http_cache=ResponseCache(cache_bytes), answer_files=AnswerFiles() if cache_bytes > 0 else None,
                   snapshot=path)

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

    def visible_flows(self, principal: Principal) -> list[str]:
        """Ids of the dataflows ``principal`` may see, in registry order (:mod:`.visibility`)."""
        return [f for f in self.catalog.flows if self.visibility.flow_visible(f, principal)]

    def close(self) -> None:
        """Stop the background work on this state (interrupting its query), then close the connection
        (DuckDB refuses to close one a cursor is reading on) and remove the answer files."""
        self.closing.set()
        cursor, thread = self.background_cursor, self.background
        if cursor is not None:
            cursor.interrupt()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=60)
        self.root.close()
        if self.answer_files is not None:
            self.answer_files.close()

    def audit_request(self, request: Request, principal: Principal, *, decision: str, reason: str,
                      datasets: list[str]) -> None:
        """Append one entry to the audit log; if it cannot be written, answer 503 (fail closed: no
        restricted material leaves unaudited)."""
        try:
            self.audit.record(
                decision=decision, reason=reason, principal=principal, client=client_of(request),
                method=request.scope.get(METHOD_KEY, request.method), path=request.url.path,
                query=request.url.query, datasets=datasets,
            )
        except OSError as exc:
            log.error("audit log %s cannot be written: %r", self.audit.path, exc)
            raise ApiError(503, "the audit log cannot be written, so restricted material is not served now; "
                                "try again later") from exc


def serving_snapshot(warehouse: str | Path) -> Path:
    """The snapshot a server starting now reads: the warehouse's committed state, published now if it
    changed since the last snapshot (or none was made, e.g. by library writes); when a writer holds
    the warehouse, the last published snapshot (the writer publishes a newer one when it ends)."""
    try:
        return publish_snapshot(warehouse).path
    except WarehouseBusy as busy:
        current = current_snapshot(warehouse)
        if current is None:
            raise WarehouseError(f"{busy}, and no snapshot of it has been published yet "
                                 f"(in {snapshot_dir(warehouse)}): start the server when that command has "
                                 "ended") from busy
        log.warning("%s; serving the last published snapshot %s", busy, current.name)
        return current


class LiveState:
    """The :class:`ServiceState` being served, replaced by a newer one when a snapshot is published.

    ``build(snapshot)`` makes a complete state over a snapshot file (including any index preloading).
    :meth:`refresh` switches to the snapshot ``CURRENT`` names if it is not the one served; the
    watcher thread (:meth:`start`) calls it when the pointer file changes.
    """

    def __init__(self, warehouse: str | Path, build: Callable[[Path], ServiceState], *,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.warehouse = Path(warehouse)
        self.poll_seconds = poll_seconds
        self._build = build
        self._lock = threading.Lock()  # guards the reference and the lease counts
        self._refreshing = threading.Lock()  # one refresh at a time (watcher, or a caller of check)
        self._pointer = snapshot_dir(self.warehouse) / "CURRENT"
        self._seen = self._pointer_stat()
        self._current = build(serving_snapshot(self.warehouse))
        self._retired: list[ServiceState] = []
        self._failed: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: (snapshot name, seconds from noticing the pointer to the swap) of every switch
        self.switches: list[tuple[str, float]] = []

    @property
    def current(self) -> ServiceState:
        """The state new requests get."""
        return self._current

    @contextmanager
    def lease(self) -> Iterator[ServiceState]:
        """The current state, kept open until the ``with`` block ends (one per request)."""
        with self._lock:
            state = self._current
            state.leases += 1
        try:
            yield state
        finally:
            with self._lock:
                state.leases -= 1
                idle = state.leases == 0 and state in self._retired
            if idle:
                self._close_retired()

    def refresh(self, *, rebuild: bool = False) -> bool:
        """Serve the snapshot ``CURRENT`` names if it is newer than the one served; True if switched.
        With ``rebuild``, build a new state even over the same snapshot (the reference changed).

        The new state is built completely before the swap; if building it fails, the old state stays
        and that snapshot is not tried again (the error is logged).
        """
        with self._refreshing:
            return self._refresh(rebuild=rebuild)

    def _refresh(self, *, rebuild: bool = False) -> bool:
        noticed = time.perf_counter()
        snapshot = current_snapshot(self.warehouse) or self._current.snapshot
        served = self._current.snapshot
        if snapshot is None or (snapshot == served and not rebuild) or snapshot.name in self._failed:
            return False
        try:
            state = self._build(snapshot)
        except Exception as exc:  # noqa: BLE001 - keep serving the old snapshot; say why
            self._failed[snapshot.name] = repr(exc)
            log.error("cannot serve snapshot %s, still serving %s: %r", snapshot.name,
                      served.name if served else "?", exc)
            return False
        with self._lock:
            old, self._current = self._current, state
            self._retired.append(old)
        self.switches.append((snapshot.name, time.perf_counter() - noticed))
        log.info("serving snapshot %s (was %s)", snapshot.name, served.name if served else "?")
        self._close_retired()
        return True

    def _close_retired(self) -> None:
        """Close retired states no request holds (a close refused because a background thread is
        still reading is retried at the next look)."""
        with self._lock:  # claim them, so that two threads never close the same state
            idle = [s for s in self._retired if s.leases == 0]
            self._retired = [s for s in self._retired if s.leases != 0]
        for state in idle:
            try:
                state.close()
            except Exception as exc:  # noqa: BLE001 - e.g. DuckDB refusing while a cursor is busy
                log.debug("retired state %s not closed yet: %r", state.snapshot, exc)
                with self._lock:
                    self._retired.append(state)

    def _pointer_stat(self) -> tuple[int, int, int] | None:
        try:
            st = self._pointer.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def check(self) -> bool:
        """One look of the watcher: refresh when the pointer file changed since the last look, rebuild
        when an office registered its own codes since (:func:`~corridor.reference.user_codes.refresh_if_changed`:
        the structures and caches of a state hold codelists)."""
        seen = self._pointer_stat()
        switched = False
        if refresh_if_changed():
            switched = self.refresh(rebuild=True)
        if seen != self._seen:
            switched = self.refresh()
            self._seen = seen  # only once looked at: a look that raised is made again next time
        self._close_retired()
        return switched

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive a bad look
                log.exception("snapshot watcher")

    def start(self) -> None:
        """Start the watcher thread (the app's lifespan does; idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._watch, name="snapshot-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the watcher thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def clear_answer_files(self) -> None:
        """Remove every state's answer files (:meth:`.answer_files.AnswerFiles.clear`; the server is stopping:
        uvicorn re-raises SIGTERM once its lifespan has ended, so nothing runs at the interpreter's exit)."""
        with self._lock:
            states = [self._current, *self._retired]
        for state in states:
            if state.answer_files is not None:
                state.answer_files.clear()

    def close(self) -> None:
        """Stop watching and close every state."""
        self.stop()
        with self._lock:
            states = [self._current, *self._retired]
            self._retired = []
        for state in states:
            state.close()


def request_state(request: Request) -> ServiceState:
    """The state this request leased (put in its scope by the app's middleware)."""
    return request.scope[SCOPE_KEY]


async def get_state(request: Request) -> ServiceState:
    """FastAPI dependency: the request's :class:`ServiceState`."""
    return request_state(request)


def client_of(request: Request) -> str | None:
    """The client's address (as the server sees it)."""
    return request.client.host if request.client else None


async def get_principal(request: Request) -> Principal:
    """The caller, from the ``Authorization`` header.

    A bad token (malformed, unknown, expired, revoked) is answered 401 and written to the audit log;
    a client that sent too many of them recently gets 429 with ``Retry-After`` before its token is
    even looked at (:class:`corridor.publish.security.FailureLimiter`)."""
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    state = request_state(request)
    limiter = state.tokens.limiter
    client = client_of(request) or "?"
    wait = limiter.retry_after(client)
    if wait:
        raise ApiError(429, f"too many refused bearer tokens from this address; try again in {wait} s",
                       headers={"Retry-After": str(wait)})
    try:
        return state.tokens.authenticate(header)
    except ApiError as refused:
        limiter.failed(client)
        state.audit_request(request, ANONYMOUS, decision="refused", reason=f"bad bearer token: {refused.message}",
                            datasets=[])
        raise
