"""A dataflow's published observations held in memory: public selections answered without a query.

The data API answers questions nobody asked before (issue 11, item 7: random country pairs, periods and
dataflows, p99 under 50 ms at 200 requests/s on two cores). On DuckDB one such selection costs 11-14 ms
of CPU on the full warehouse -- half of it scanning the dataflow's row groups for the key, half
planning the vintage rule's window -- which alone is more than two cores at that rate. Yet anonymous
readers all see the same rows: the **public, latest-vintage observations** of a dataflow. This module
reads them once per served snapshot (:meth:`PublishedTable.read`: one :class:`Selection`, through the
store's own SQL, :mod:`corridor.store.plain`) and keeps them as numpy columns, the text columns
dictionary-encoded (about 65 bytes an observation; every dataflow of the full warehouse, 1.35 million
observations, in about 87 MB).

Why the answer is the same as the warehouse's: the vintage rule partitions by series and observation key
(:data:`~corridor.store.selection.LATEST_PARTITION`), a correction replaces a dataset of its own series
(:meth:`Warehouse.write_dataset` refuses any other), and access is applied before the rule. So every
filter a selection can carry -- dimension codes, period codes, years, series, missing cells -- commutes
with the rule: filtering the rule's result gives the rule's result over the filtered rows. First/last N
(per :data:`~corridor.store.selection.PERIOD_PARTITION`, after the filters) is applied here to the
filtered rows as the SQL applies it. The rule itself is never restated. What cannot be answered here
goes to DuckDB as before (:meth:`PublishedTable.answers`): another access level, ``as_of`` datasets,
every vintage, another dataflow or a column not kept.

``tests/store/test_published.py`` compares :meth:`PublishedTable.select` with :meth:`Warehouse.select`
(frames equal, dtypes included) over hundreds of random selections of every shape on the real warehouse.

The rows are kept in :data:`~corridor.store.selection.ROW_ORDER`; within one dataflow its first key
column (``ref_area``) runs in contiguous blocks, so a selection of a few areas starts from their
blocks rather than from every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corridor.reference.dataflows import DIMENSION_COLUMNS
from corridor.store.selection import PERIOD_PARTITION, ROW_ORDER, Selection

if TYPE_CHECKING:
    import pandas as pd

    from corridor.store.warehouse import Warehouse

_PUBLIC = frozenset({"public"})
#: The column whose blocks a selection starts from (the first of ROW_ORDER after the dataflow).
_BLOCK_COLUMN = ROW_ORDER[1]
#: Areas read per statement: the vintage rule's window then sorts a part of the dataflow at a time (read
#: whole, MIG_FLOW's 474,000 rows took DuckDB's sort and Arrow's buffers past 700 MB of memory).
AREAS_PER_READ = 24
#: Rows per Arrow batch while reading (the text is encoded batch by batch: the plain strings of a whole
#: dataflow are never held at once).
READ_BATCH = 65_536


def _smallest_index_type(size: int) -> pa.DataType:
    return pa.int8() if size < 2**7 else pa.int16() if size < 2**15 else pa.int32()


@dataclass
class _Column:
    """One kept column: numbers as a numpy array (NaN / NaT where missing); text dictionary-encoded, as
    the narrowest integer indices into its values (with ``None`` one past the last, for a missing cell)."""

    data: np.ndarray
    values: np.ndarray | None = None
    index_of: dict[Any, int] | None = None

    @classmethod
    def of(cls, array: pa.Array) -> _Column:
        if not pa.types.is_dictionary(array.type):
            return cls(array.to_numpy(zero_copy_only=False))
        values = array.dictionary.to_pylist()
        indices = array.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
        narrow = np.int8 if len(values) < 2**7 else np.int16 if len(values) < 2**15 else np.int32
        return cls(indices.astype(narrow), np.array([*values, None], dtype=object),
                   {v: i for i, v in enumerate(values)})

    @property
    def indices(self) -> np.ndarray:
        assert self.values is not None, "a number column has no indices"
        return self.data

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The cells at ``rows``: text as an object array of ``str``/``None``, numbers as they are kept."""
        return self.data[rows] if self.values is None else self.values[self.data[rows]]

    def codes(self, wanted: Iterable[Any]) -> np.ndarray:
        """The dictionary indices of ``wanted`` (values not present are left out)."""
        assert self.index_of is not None
        return np.fromiter((self.index_of[w] for w in wanted if w in self.index_of), dtype=np.int64)


class PublishedTable:
    """The public, latest-vintage observations of one dataflow, in memory (see the module docstring)."""

    def __init__(self, flow_id: str, table: pa.Table) -> None:
        self.flow_id = flow_id
        self.columns: tuple[str, ...] = tuple(table.schema.names)
        self._data = {name: _Column.of(table.column(name).combine_chunks()) for name in table.schema.names}
        self.rows = table.num_rows
        block = self._data[_BLOCK_COLUMN]
        cuts = np.flatnonzero(np.diff(block.indices)) + 1
        starts = np.concatenate(([0], cuts)).astype(np.int64) if self.rows else np.empty(0, np.int64)
        stops = np.concatenate((cuts, [self.rows])).astype(np.int64) if self.rows else np.empty(0, np.int64)
        self._blocks: dict[int, tuple[int, int]] = {}
        for code, lo, hi in zip(block.indices[starts].tolist(), starts.tolist(), stops.tolist(), strict=True):
            if code in self._blocks:  # not contiguous: the rows are not in ROW_ORDER (never, by read())
                raise ValueError(f"{flow_id}: {_BLOCK_COLUMN} {block.values[code]!r} is not one block")
            self._blocks[code] = (lo, hi)
        self._time_rank: np.ndarray | None = None
        self._years: np.ndarray | None = None
        self._present: np.ndarray | None = None

    @classmethod
    def read(cls, wh: Warehouse, flow_id: str, columns: Sequence[str]) -> PublishedTable:
        """Read the public latest observations of ``flow_id`` (``columns`` of them, which must include
        the key columns) from ``wh``, encoding the text batch by batch."""
        keep = tuple(dict.fromkeys((*columns, *(c for c in (*DIMENSION_COLUMNS, "dataset_id", "series",
                                                             "time_period", "value") if c not in columns))))
        areas = wh.distinct(Selection.of(flow_id), _BLOCK_COLUMN)  # sorted: the blocks in ROW_ORDER
        schema: pa.Schema | None = None
        batches = []
        for start in range(0, max(len(areas), 1), AREAS_PER_READ):
            part = Selection.of(flow_id, **{_BLOCK_COLUMN: areas[start:start + AREAS_PER_READ]}) if areas \
                else Selection.of(flow_id)
            reader = wh.arrow_reader(part, columns=keep, batch_rows=READ_BATCH)
            schema = reader.schema
            for batch in reader:
                arrays = [pc.dictionary_encode(col) if pa.types.is_string(col.type) else col for col in batch.columns]
                batches.append(pa.RecordBatch.from_arrays(arrays, names=batch.schema.names))
        assert schema is not None
        if batches:
            table = pa.Table.from_batches(batches).unify_dictionaries()
        else:
            table = pa.table({f.name: pa.array([], type=pa.dictionary(pa.int32(), f.type) if pa.types.is_string(f.type)
                                                else f.type) for f in schema})
        return cls(flow_id, table)

    @property
    def nbytes(self) -> int:
        """Memory held by the columns (the text's few distinct values not counted)."""
        return sum(c.data.nbytes for c in self._data.values())

    # -- which selections ----------------------------------------------------------------------
    def answers(self, sel: Selection, columns: Sequence[str] | None) -> bool:
        """Whether ``sel`` (read with ``columns``) is answered here exactly: a public, latest-vintage
        selection of this dataflow alone, without ``dataset_ids``, of columns kept here."""
        return (sel.access == _PUBLIC and sel.vintages == "latest" and sel.dataset_ids is None
                and sel.dataflows == (self.flow_id,) and columns is not None and set(columns) <= set(self.columns))

    # -- the rows ----------------------------------------------------------------------------------
    def positions(self, sel: Selection) -> np.ndarray:
        """Row positions of ``sel``'s answer, in :data:`ROW_ORDER` (``sel`` must be :meth:`answers`-able)."""
        filters = dict(sel.filters)
        block = self._data[_BLOCK_COLUMN]
        if _BLOCK_COLUMN in filters:
            spans = sorted(self._blocks[c] for c in block.codes(filters.pop(_BLOCK_COLUMN)) if c in self._blocks)
            rows = np.concatenate([np.arange(lo, hi) for lo, hi in spans]) if spans else np.empty(0, np.int64)
        else:
            rows = np.arange(self.rows)
        if sel.series is not None:
            filters["series"] = sel.series
        for column, codes in filters.items():
            if not len(rows):
                break
            col = self._data[column]
            assert col.indices is not None
            rows = rows[np.isin(col.indices[rows], col.codes(codes))]
        if sel.start_year is not None or sel.end_year is not None:
            years = self._period_years()[self._data["time_period"].indices[rows]]
            keep = ~np.isnan(years)
            if sel.start_year is not None:
                keep &= years >= sel.start_year
            if sel.end_year is not None:
                keep &= years <= sel.end_year
            rows = rows[keep]
        if not sel.include_missing:
            rows = rows[self._value_present()[rows]]
        if (sel.first_n is not None or sel.last_n is not None) and len(rows):
            rows = self._first_last(rows, sel.first_n, sel.last_n)
        return rows

    def select(self, sel: Selection, *, limit: int | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
        """What ``wh.select(sel, limit=limit, columns=columns)`` returns, from memory."""
        rows = self.positions(sel)
        if limit is not None:
            rows = rows[:limit]
        return self.frame(rows, columns if columns is not None else self.columns)

    def count(self, sel: Selection) -> int:
        """What ``wh.count(sel)`` returns."""
        return len(self.positions(sel))

    def take(self, rows: np.ndarray, columns: Sequence[str]) -> dict[str, np.ndarray]:
        """The ``columns`` of the rows at ``rows`` as numpy arrays (text: ``str``/``None`` objects)."""
        return {name: self._data[name].take(rows) for name in columns}

    def frame(self, rows: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
        """The rows at ``rows`` as the warehouse returns them (the same dtypes as :meth:`Warehouse.select`)."""
        import pandas as pd

        return pd.DataFrame({name: pd.array(cells, dtype="str") if self.is_text(name) else cells
                             for name, cells in self.take(rows, columns).items()})

    def is_text(self, column: str) -> bool:
        """Whether ``column`` holds text (kept dictionary-encoded)."""
        return self._data[column].values is not None

    # -- helpers -------------------------------------------------------------------------------------
    def _period_years(self) -> np.ndarray:
        """Per ``time_period`` dictionary entry, its first four characters as a year (NaN when they are
        not one: ``TRY_CAST`` in the SQL), and NaN for a missing period."""
        if self._years is None:
            values = self._data["time_period"].values
            assert values is not None  # its last entry stands for a missing period
            self._years = np.array([_year(v) for v in values[:-1]] + [np.nan], dtype=float)
        return self._years

    def _value_present(self) -> np.ndarray:
        if self._present is None:
            self._present = ~np.isnan(self._data["value"].data)
        return self._present

    def _first_last(self, rows: np.ndarray, first_n: int | None, last_n: int | None) -> np.ndarray:
        """Keep the first/last N periods of each series (:data:`PERIOD_PARTITION`: dataset and key
        without the period), periods ordered as text (DuckDB's ``ORDER BY time_period``)."""
        if self._time_rank is None:
            values = self._data["time_period"].values
            assert values is not None
            known = len(values) - 1  # the last entry stands for a missing period: it sorts last, as NULL does
            order = sorted(range(known), key=lambda i: values[i])
            rank = np.empty(known + 1, dtype=np.int64)
            rank[order] = np.arange(known)
            rank[known] = known
            self._time_rank = rank
        group_columns = [c for c in PERIOD_PARTITION if c != "dataflow"]
        keys = [self._data[c].indices[rows] for c in group_columns]
        time = self._time_rank[self._data["time_period"].indices[rows]]
        order = np.lexsort((time, *reversed(keys)))
        starts = np.ones(len(rows), dtype=bool)
        starts[1:] = np.any([k[order][1:] != k[order][:-1] for k in keys], axis=0) if keys else False
        group = np.cumsum(starts) - 1
        first_of_group = np.flatnonzero(starts)
        sizes = np.diff(np.append(first_of_group, len(rows)))
        up = np.arange(len(rows)) - first_of_group[group]
        down = sizes[group] - 1 - up
        keep = np.zeros(len(rows), dtype=bool)
        if first_n is not None:
            keep |= up < first_n
        if last_n is not None:
            keep |= down < last_n
        return np.sort(rows[order][keep])


def _year(period: Any) -> float:
    text = str(period)[:4]
    try:
        return float(int(text.strip()))
    except ValueError:
        return float("nan")
