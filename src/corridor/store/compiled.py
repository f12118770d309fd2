"""Selections compiled by Ibis to DuckDB SQL, once per distinct read (what :class:`Warehouse` runs).

The warehouse tables are unbound Ibis tables whose schema comes from the DDL of
:mod:`corridor.store.warehouse`, so a selection compiles without a connection and the SQL text is cached
(:func:`compiled`) and run on any cursor. Ibis is imported on the first compile, not with the warehouse.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from corridor.store.selection import Selection, distinct_expr, selection_expr, summary_expr, totals_expr


@cache
def _unbound_tables() -> tuple[Any, Any]:
    """The warehouse tables as unbound Ibis tables (schema from the DDL of :mod:`corridor.store.warehouse`):
    selections compile without a connection, so a compiled query can be cached and run on any cursor."""
    import ibis

    from corridor.store.warehouse import DATASET_COLUMNS, OBSERVATION_COLUMNS

    return (ibis.table(_schema(OBSERVATION_COLUMNS), name="observations"),
            ibis.table(_schema(DATASET_COLUMNS), name="datasets"))


_DUCKDB_TYPES = {"VARCHAR": "string", "DOUBLE": "float64", "INTEGER": "int32", "BIGINT": "int64",
                 "TIMESTAMP": "timestamp", "JSON": "json", "VARCHAR[]": "array<string>"}


def _schema(columns: dict[str, str]) -> dict[str, str]:
    return {name: _DUCKDB_TYPES[ddl.split()[0]] for name, ddl in columns.items()}


@lru_cache(maxsize=4096)
def compiled(kind: str, sel: Selection, *args: Any) -> str:
    """The DuckDB SQL of one read of ``sel`` (compiled by Ibis from :mod:`.selection`; cached)."""
    tables = _unbound_tables()
    if kind == "rows":
        limit, offset, columns = args
        expr = selection_expr(sel, *tables)
        if columns is not None:
            expr = expr.select(*columns)
        if limit is not None:
            expr = expr.limit(limit, offset=offset)
    elif kind == "count":
        expr = selection_expr(sel, *tables).count().as_table()
    elif kind == "distinct":
        expr = distinct_expr(sel, args[0], *tables)
    elif kind == "summary":
        expr = summary_expr(sel, *tables, by=args[0])
    elif kind == "totals":
        expr = totals_expr(sel, *tables, by=args[0])
    else:  # pragma: no cover - the methods above name every kind
        raise ValueError(kind)
    import ibis

    return str(ibis.to_sql(expr, dialect="duckdb"))
