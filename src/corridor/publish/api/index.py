"""An in-memory index of the public, latest-vintage observations of each dataflow.

The warehouse cannot change while it is served (a read-only DuckDB file keeps writers out), so the
answer of :meth:`Warehouse.observations(flow, latest=True)` for a whole dataflow is fixed. It is read
once per dataflow, on the first query that needs it, and kept with the row positions of each
``ref_area``: a query for one country then costs a dictionary look-up and a few vectorised
comparisons instead of a scan of the observations table.

Filtering after the latest-vintage selection gives the same rows as filtering before it, because
every filter is on a column of the observation key (the warehouse picks the latest vintage per
series *and key*). Queries with ``asOf`` or from a token holding roles (restricted material) go to
the warehouse directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from corridor.store.warehouse import Warehouse


class FlowIndex:
    """All public latest-vintage observations of one dataflow, with row positions by ``ref_area``."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame.reset_index(drop=True)
        codes = self.frame["ref_area"].astype(str).to_numpy()
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        bounds = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1], True])
        self.rows = {str(sorted_codes[bounds[i]]): order[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)}
        self.first_year = pd.to_numeric(self.frame["time_period"].astype(str).str[:4],
                                        errors="coerce").to_numpy()
        # key columns as numpy arrays, converted once (converting a column per query costs more than
        # the whole query)
        self.columns = {c: self.frame[c].to_numpy(dtype=object)
                        for c in ("counterpart_area", "birthplace", "sex", "age", "method", "dataflow")
                        if c in self.frame.columns}

    def select(self, filters: dict[str, Any], start_year: int | None, end_year: int | None) -> pd.DataFrame:
        """Rows matching ``column -> code or codes`` filters and the first-year bounds."""
        areas = filters.get("ref_area")
        if areas is not None:
            areas = [areas] if isinstance(areas, str) else list(areas)
            parts = [self.rows[a] for a in areas if a in self.rows]
            positions = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        else:
            positions = np.arange(len(self.frame))
        mask = np.ones(len(positions), dtype=bool)
        for column, codes in filters.items():
            if column == "ref_area" or codes is None:
                continue
            column_values = self.columns.get(column)
            if column_values is None:
                column_values = self.frame[column].to_numpy(dtype=object)
            values = column_values[positions]
            if isinstance(codes, str):
                mask &= values == codes
            else:
                mask &= np.isin(values, np.asarray(list(codes), dtype=object))
        if start_year is not None or end_year is not None:
            years = self.first_year[positions]
            if start_year is not None:
                mask &= years >= start_year
            if end_year is not None:
                mask &= years <= end_year
        return self.frame.iloc[positions[mask]]


class PublicIndex:
    """:class:`FlowIndex` per dataflow, built in a background thread on first demand (thread-safe).

    Until a dataflow's index is ready, :meth:`observations` returns ``None`` and the caller asks the
    warehouse, so no request waits for a build (reading a large dataflow takes seconds).
    """

    def __init__(self) -> None:
        self._flows: dict[str, FlowIndex] = {}
        self._building: set[str] = set()
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()

    def build(self, wh: Warehouse, dataflow: str) -> FlowIndex:
        """Build (or return) the index of ``dataflow`` now, in the calling thread."""
        index = self._flows.get(dataflow)
        if index is None:
            index = FlowIndex(wh.observations(dataflow, latest=True, include_restricted=False))
            self._flows[dataflow] = index
        return index

    def _build_in_background(self, wh: Warehouse, dataflow: str) -> None:
        try:
            self.build(wh, dataflow)
        except Exception as exc:  # noqa: BLE001 - keep serving from the warehouse; remember why
            self._failed[dataflow] = repr(exc)
        finally:
            with self._lock:
                self._building.discard(dataflow)
            wh.con.close()

    def ready(self, dataflow: str, open_cursor: Callable[[], Warehouse] | None = None) -> FlowIndex | None:
        """The index if built; otherwise start building it (with a warehouse from ``open_cursor``)."""
        index = self._flows.get(dataflow)
        if index is not None or open_cursor is None or dataflow in self._failed:
            return index
        with self._lock:
            if dataflow in self._building:
                return None
            self._building.add(dataflow)
        threading.Thread(target=self._build_in_background, args=(open_cursor(), dataflow),
                         name=f"index-{dataflow}", daemon=True).start()
        return None

    def observations(self, wh: Warehouse, dataflow: str, *, start_period: int | None = None,
                     end_period: int | None = None, **filters: str | Sequence[str] | None) -> pd.DataFrame:
        """Same rows as ``wh.observations(dataflow, latest=True, **filters)`` for public data (builds the
        index in this thread if needed)."""
        return self.build(wh, dataflow).select(filters, start_period, end_period)
