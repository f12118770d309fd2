"""Plain reads: a :class:`~corridor.store.selection.Selection` as one DuckDB SQL statement, rows as tuples.

For the commands that answer one question and exit (``corridor stock``, ``corridor flows show``):
neither Ibis nor pandas is loaded (together they cost most of a second of start-up, issue 15), the
statement runs on the warehouse's DuckDB connection with bound parameters (no value is ever written
into the SQL text), and the rows come back as Python tuples with their column names and DuckDB types.

The statement spells the selection the way :func:`corridor.store.selection.selection_expr` does, from the
same data of that module (``KEY_COLUMNS``, ``LATEST_PARTITION``, ``LATEST_ORDER``, ``PERIOD_PARTITION``,
``PROVENANCE_COLUMNS``, ``ROW_ORDER``) and in the same steps:

1. the datasets the reader may see: access level, series, dataset ids (access *before* the rule);
2. the observations of the selected dataflows with the dimension filters and the time range (the first
   four characters of ``time_period`` as a year), joined to those datasets;
3. with ``vintages="latest"``, the vintage rule: a dataset replaced by a visible correction is left out
   whole, a withdrawn dataset unless the selection names its datasets, then per ``LATEST_PARTITION``
   the first row by ``LATEST_ORDER`` descending (``row_number``);
4. missing cells dropped when asked, then the first/last N periods per ``PERIOD_PARTITION``;
5. rows in ``ROW_ORDER``.

``tests/cli/test_plain_reads.py`` runs both spellings on the real warehouse (and on a warehouse with a
correction, a withdrawal and a restricted dataset) and checks that they return the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from corridor.store.selection import (
    LATEST_ORDER,
    LATEST_PARTITION,
    PERIOD_PARTITION,
    PROVENANCE_COLUMNS,
    ROW_ORDER,
    Selection,
)


@dataclass(frozen=True)
class Rows:
    """The rows of a read: column names, their DuckDB type names, one tuple per row (NULL is None)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class _Params:
    """Placeholders and their values, in the order they appear in the statement."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def within(self, column: str, values: Sequence[Any]) -> str:
        if not values:
            return "FALSE"  # nothing asked for: nothing matches (``IN ()`` is not SQL)
        self.values.extend(values)
        return f"{column} IN ({', '.join('?' for _ in values)})"

    def value(self, value: Any) -> str:
        self.values.append(value)
        return "?"


def _where(preds: list[str]) -> str:
    return f" WHERE {' AND '.join(preds)}" if preds else ""


def selection_sql(sel: Selection, observation_columns: Sequence[str],
                  columns: Sequence[str] | None = None) -> tuple[str, list[Any]]:
    """The DuckDB statement of ``sel`` and its parameters (steps in the module docstring).

    ``observation_columns``: the columns of the ``observations`` table, in order (the rows carry them,
    then :data:`PROVENANCE_COLUMNS`); ``columns``: keep only these, in this order.
    """
    p = _Params()
    prov_preds = [] if sel.access is None else [p.within("access", sorted(sel.access))]
    if sel.series is not None:
        prov_preds.append(p.within("series", list(sel.series)))
    if sel.dataset_ids is not None:
        prov_preds.append(p.within("dataset_id", list(sel.dataset_ids)))
    prov = ", ".join(("dataset_id", *PROVENANCE_COLUMNS, "replaces", "withdrawn_at"))
    steps = [f"visible AS (SELECT {prov} FROM datasets{_where(prov_preds)})"]

    preds = [p.within("o.dataflow", list(sel.dataflows))]
    preds += [p.within(f"o.{column}", list(codes)) for column, codes in sel.filters]
    if sel.dataset_ids is not None:
        preds.append(p.within("o.dataset_id", list(sel.dataset_ids)))
    year = "TRY_CAST(SUBSTRING(o.time_period, 1, 4) AS BIGINT)"
    if sel.start_year is not None:
        preds.append(f"{year} >= {p.value(sel.start_year)}")
    if sel.end_year is not None:
        preds.append(f"{year} <= {p.value(sel.end_year)}")
    joined = ", ".join([*(f"o.{c}" for c in observation_columns),
                        *(f"v.{c}" for c in (*PROVENANCE_COLUMNS, "replaces", "withdrawn_at"))])
    steps.append(f"joined AS (SELECT {joined} FROM observations AS o JOIN visible AS v "
                 f"ON o.dataset_id = v.dataset_id{_where(preds)})")
    last = "joined"
    if sel.vintages == "latest":
        kept = ["dataset_id NOT IN (SELECT replaces FROM visible WHERE replaces IS NOT NULL)"]
        if sel.dataset_ids is None:
            kept.append("withdrawn_at IS NULL")
        window = (f"PARTITION BY {', '.join(LATEST_PARTITION)} "
                  f"ORDER BY {', '.join(f'{c} DESC' for c in LATEST_ORDER)}")
        steps.append(f"ranked AS (SELECT *, row_number() OVER ({window}) AS _rank FROM joined{_where(kept)})")
        steps.append("latest AS (SELECT * EXCLUDE (_rank) FROM ranked WHERE _rank = 1)")
        last = "latest"
    missing = "" if sel.include_missing else " WHERE value IS NOT NULL"
    steps.append(f"chosen AS (SELECT * EXCLUDE (replaces, withdrawn_at) FROM {last}{missing})")
    last = "chosen"
    if sel.first_n is not None or sel.last_n is not None:
        group = ", ".join(PERIOD_PARTITION)
        steps.append(f"periods AS (SELECT *, row_number() OVER (PARTITION BY {group} ORDER BY time_period) - 1 "
                     f"AS _up, row_number() OVER (PARTITION BY {group} ORDER BY time_period DESC) - 1 AS _down "
                     "FROM chosen)")
        ends = []
        if sel.first_n is not None:
            ends.append(f"_up < {p.value(sel.first_n)}")
        if sel.last_n is not None:
            ends.append(f"_down < {p.value(sel.last_n)}")
        steps.append(f"ends AS (SELECT * EXCLUDE (_up, _down) FROM periods WHERE {' OR '.join(ends)})")
        last = "ends"
    out = ", ".join(columns) if columns is not None else "*"
    sql = f"WITH {', '.join(steps)} SELECT {out} FROM {last} ORDER BY {', '.join(ROW_ORDER)}"
    return sql, p.values


def run(con: Any, sel: Selection, observation_columns: Sequence[str],
        columns: Sequence[str] | None = None) -> Rows:
    """Run :func:`selection_sql` on a DuckDB connection (or cursor) and return its :class:`Rows`."""
    sql, params = selection_sql(sel, observation_columns, columns)
    result = con.execute(sql, params)
    names = tuple(d[0] for d in result.description)
    types = tuple(str(d[1]) for d in result.description)
    return Rows(names, types, result.fetchall())


def scale_rows(found: Rows) -> Rows:
    """``value``, ``lower`` and ``upper`` times ``10 ** unit_mult``, and ``unit_mult`` then 0 (what
    :func:`scale_frame` does to a frame): the persons of a table published in thousands."""
    if not found.rows:
        return found
    at = {c: i for i, c in enumerate(found.columns)}
    scale = [at[c] for c in ("value", "lower", "upper") if c in at]
    out = []
    for row in found.rows:
        cells, factor = list(row), 10.0 ** float(row[at["unit_mult"]])
        for i in scale:
            cells[i] = None if cells[i] is None else cells[i] * factor
        cells[at["unit_mult"]] = 0
        out.append(tuple(cells))
    return Rows(found.columns, found.types, out)


def scale_frame(frame: Any) -> Any:
    """:func:`scale_rows` on a pandas frame (changed in place and returned)."""
    if frame.empty:
        return frame
    factor = 10.0 ** frame["unit_mult"].astype(float)
    for col in ("value", "lower", "upper"):
        if col in frame.columns:
            frame[col] = frame[col] * factor
    frame["unit_mult"] = 0
    return frame
