"""Public selections answered from memory: each dataflow's published observations, and a cache of answers.

Which rows a selection means is decided in the store; this module never filters rows itself. It holds,
per dataflow, the store's :class:`~corridor.store.published.PublishedTable` -- the public, latest-vintage
observations kept in memory, from which the store answers any public latest selection of the dataflow
without a query (built in the background after start, :func:`corridor.publish.api.prewarm.start`, or at
once with ``--preload``) -- and for the other public selections (``asOf``) it keeps the frames
:meth:`Warehouse.select` returned, keyed by the
selection (a frozen, hashable dataclass) and the columns read, least recently used first out, bounded
by the total number of rows and of bytes kept (issue 11: under distinct queries a row bound alone let
a worker keep up to a million rows of every provenance column). A served warehouse does not change
(it is opened read-only, and a newly published one gets a new service state and a new cache), so a
selection's answer is fixed and can be kept.

Only selections readable by everyone (``access == {"public"}``) are kept: the answers of token
holders, which may hold restricted rows, are read from the warehouse each time, as before.

The cache also keeps, per dataflow, the distinct ``TIME_PERIOD`` codes of the dataflow (every vintage
and access level: a superset used only to turn an SDMX period range into the list of period codes a
selection filters on; it returns no observations itself).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from corridor.reference.dataflows import Dataflow
from corridor.store.published import PublishedTable
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

#: Rows kept at most, over every cached selection (the whole of MIG_STOCK is ~440,000 rows).
DEFAULT_MAX_ROWS = 1_000_000
#: Bytes kept at most (pandas' count of the frames' memory), over every cached selection.
DEFAULT_MAX_BYTES = 128 * 2**20
_PUBLIC = frozenset({"public"})


def key_selection(flow: Dataflow, key: Mapping[str, Sequence[str] | None] | None = None, *,
                  access: Iterable[str] | None = ("public",), **options: Any) -> Selection:
    """The selection an API key means: the key's codes per column (``None``: every code), the columns
    outside the key at ``_T`` (``Dataflow.key_totals``), and ``options``
    passed on to :meth:`Selection.of` (``dataset_ids``, ``series``, ``time_period``, ``first_n`` ...)."""
    filters: dict[str, Any] = {column: codes for column, codes in (key or {}).items() if codes}
    filters.update(flow.key_totals())
    return Selection.of(flow.id, access=access, **filters, **options)


def periods_selection(flow_id: str) -> Selection:
    """Every observation of a dataflow, any vintage and access level: the source of its period codes."""
    return Selection.of(flow_id, vintages="all", access=None)


class PublicIndex:
    """Thread-safe LRU cache of public selections' results (see the module docstring).

    Callers must not modify a frame they get: the same object is handed to every hit.
    """

    def __init__(self, max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._frames: OrderedDict[tuple[Selection, tuple[str, ...] | None], tuple[pd.DataFrame, int]] = OrderedDict()
        self._rows = 0
        self._bytes = 0
        self._periods: dict[str, tuple[str, ...]] = {}
        self._published: dict[str, PublishedTable] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def cacheable(sel: Selection) -> bool:
        return sel.access == _PUBLIC

    def select(self, wh: Warehouse, sel: Selection, *, limit: int | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
        """``wh.select(sel, columns=columns)``, from the cache when this selection was read before.

        ``limit``: read at most that many rows from the warehouse (a frame of ``limit`` rows may be cut
        short, and is not kept); a cached answer is returned whole."""
        columns = tuple(columns) if columns is not None else None
        if not self.cacheable(sel):
            return wh.select(sel, limit=limit, columns=columns)
        table = self.published_for(sel, columns)
        if table is not None:
            self.hits += 1
            return table.select(sel, limit=limit, columns=columns)
        key = (sel, columns)
        with self._lock:
            item = self._frames.get(key)
            if item is not None:
                self._frames.move_to_end(key)
                self.hits += 1
                return item[0]
            self.misses += 1
        frame = wh.select(sel, limit=limit, columns=columns)
        if limit is None or len(frame) < limit:
            self._keep(key, frame)
        return frame

    def holds(self, sel: Selection, columns: Sequence[str] | None = None) -> bool:
        """Whether the answer to ``sel`` (read with ``columns``) is kept (a kept answer is within the limit)."""
        with self._lock:
            return (sel, tuple(columns) if columns is not None else None) in self._frames

    def published_for(self, sel: Selection, columns: Sequence[str] | None) -> PublishedTable | None:
        """The published table that answers ``sel`` read with ``columns`` exactly, if one is built."""
        if len(sel.dataflows) != 1:
            return None
        table = self._published.get(sel.dataflows[0])
        return table if table is not None and table.answers(sel, columns) else None

    def count(self, wh: Warehouse, sel: Selection) -> int:
        """``wh.count(sel)``, from the published table when one answers ``sel``."""
        table = self._published.get(sel.dataflows[0]) if len(sel.dataflows) == 1 else None
        return table.count(sel) if table is not None and table.answers(sel, table.columns) else wh.count(sel)

    def publish(self, wh: Warehouse, flow_id: str, columns: Sequence[str]) -> PublishedTable:
        """Read ``flow_id``'s published observations (``columns`` of them) into memory now; later
        public latest selections of it are answered from them."""
        found = self._published.get(flow_id)
        if found is None or not set(columns) <= set(found.columns):
            found = PublishedTable.read(wh, flow_id, columns)
            with self._lock:
                self._published[flow_id] = found
        return found

    @property
    def published(self) -> dict[str, PublishedTable]:
        """The published tables built so far, by dataflow."""
        return dict(self._published)

    def _keep(self, key: tuple[Selection, tuple[str, ...] | None], frame: pd.DataFrame) -> None:
        size = int(frame.memory_usage(deep=True).sum())
        if len(frame) > self.max_rows or size > self.max_bytes:
            return
        with self._lock:
            if key in self._frames:
                return
            self._frames[key] = (frame, size)
            self._rows += len(frame)
            self._bytes += size
            while self._rows > self.max_rows or self._bytes > self.max_bytes:
                _, (dropped, dropped_size) = self._frames.popitem(last=False)
                self._rows -= len(dropped)
                self._bytes -= dropped_size

    def periods(self, wh: Warehouse, flow_id: str) -> tuple[str, ...]:
        """Every ``TIME_PERIOD`` code of a dataflow in the warehouse (any vintage, any access)."""
        found = self._periods.get(flow_id)
        if found is None:
            found = tuple(wh.distinct(periods_selection(flow_id), "time_period"))
            with self._lock:
                self._periods[flow_id] = found
        return found

    def build(self, wh: Warehouse, flow_id: str, columns: Sequence[str]) -> PublishedTable:
        """Read ``flow_id``'s published observations into memory now, with the dataflow's periods
        (``--preload``); ``columns`` as the data route reads them."""
        self.periods(wh, flow_id)
        return self.publish(wh, flow_id, columns)

    @property
    def rows(self) -> int:
        """Rows currently kept."""
        return self._rows

    @property
    def bytes(self) -> int:
        """Bytes currently kept (pandas' count)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)
