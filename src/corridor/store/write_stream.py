"""How :meth:`~corridor.store.warehouse.Warehouse.write_dataset` streams a large dataset into DuckDB.

One ``INSERT`` reads an Arrow stream of validated chunks, so DuckDB writes its row groups to the file as
they fill; an ``INSERT`` per chunk kept the whole uncommitted dataset in memory (issue 10: 10 million
rows of a user's table, 3.9 GB). The checks that see the whole dataset (keys unique across chunks) and
the checkpoint that folds it into the file run under a lowered DuckDB ``memory_limit``: DuckDB's
grouping spills to disk beyond it (the DuckDB documentation, "Memory management": larger-than-memory
aggregates), where left alone it took 600 MB more for 10 million rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

#: DuckDB's memory while it checks a large dataset's keys across chunks and checkpoints it.
CHECK_MEMORY = "256MB"

_ARROW_TYPES = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "INTEGER": pa.int32()}


def arrow_schema(columns: dict[str, str]) -> pa.Schema:
    """The Arrow schema of a table's ``{column: SQL type ...}`` (VARCHAR, DOUBLE, INTEGER)."""
    return pa.schema([(name, _ARROW_TYPES[sql.split()[0]]) for name, sql in columns.items()])


def validated_stream(obs: pd.DataFrame, prepare: Callable[[pd.DataFrame], pd.DataFrame], first: pd.DataFrame,
                     failed: list[BaseException], schema: pa.Schema, chunk: int) -> pa.RecordBatchReader:
    """``obs`` as Arrow batches of ``chunk`` rows, each prepared and validated by ``prepare`` when DuckDB
    asks for it (``first`` is the first chunk, prepared already). A chunk that fails is kept in
    ``failed``: DuckDB reports it as an error of its own, and the caller raises the original.

    A text column that ``first`` holds as a categorical (a flow estimate's interval sentence: a few distinct
    sentences of 330 characters on 40k rows) goes to DuckDB as an Arrow dictionary, each sentence once; as
    strings, Arrow held a 13 MB copy of the column beside DuckDB's own (issue 9: the warehouse path's peak)."""
    schema = pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), f.type))
                        if f.type == pa.string() and isinstance(first[f.name].dtype, pd.CategoricalDtype) else f
                        for f in schema])

    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, max(len(obs), 1), chunk):
            try:
                frame = first if start == 0 else prepare(obs.iloc[start:start + chunk])
                table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            except BaseException as exc:
                failed.append(exc)
                raise
            del frame
            yield from table.to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())


def as_string(column: pd.Series) -> pd.Series:
    """A column as pandas ``string``; a categorical one by taking its few categories (one Arrow ``take``,
    not one Python string per cell: 4 s per million rows saved on a user's table)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = pd.array(column.cat.categories.astype(str), dtype="string")
        return pd.Series(labels.take(column.cat.codes.to_numpy(), allow_fill=True), index=column.index)
    return column.astype("string")


@contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's ``memory_limit`` lowered to ``limit`` inside the block (restored after)."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{before}'")


def duplicate_key(con: duckdb.DuckDBPyConnection, table: str, dataset_id: str, keys: str) -> pd.DataFrame:
    """One key shared by two rows of a dataset, with ``n`` (empty if none). Grouped by one 64-bit hash
    of the key first (a few bytes per row, where grouping by the text of seven columns took 1 GB for 10
    million rows); only the rows whose hashes collide are compared by their text."""
    return con.execute(
        f"WITH h AS (SELECT hash({keys}) AS h FROM {table} WHERE dataset_id = ? GROUP BY 1 HAVING count(*) > 1) "
        f"SELECT {keys}, count(*) AS n FROM {table} WHERE dataset_id = ? AND hash({keys}) IN (SELECT h FROM h) "
        f"GROUP BY {keys} HAVING count(*) > 1 LIMIT 1", [dataset_id, dataset_id]).df()
