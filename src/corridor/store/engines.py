"""The same selections on Apache Spark: the warehouse's tables exported to Parquet and read by Spark.

A :class:`~corridor.store.selection.Selection` compiles to one Ibis expression
(:func:`~corridor.store.selection.selection_expr`); :class:`SparkWarehouse` runs that expression on
an Ibis PySpark backend over a Parquet snapshot of ``observations`` and ``datasets``
(:meth:`Warehouse.export_parquet <corridor.store.warehouse.Warehouse.export_parquet>`). It has the
read methods of :class:`~corridor.store.warehouse.Warehouse` that make sense on a snapshot
(``select``, ``count``, ``page``, ``distinct``, ``summary``) and returns the same frames, so the
tables corridor serves can be selected on Spark when they outgrow one machine, with the same answer
(``tests/store/test_selection_engines.py`` runs one suite over both engines).

Spark is started by :func:`corridor.spark.spark_session` (one session per master URL,
Java 17, ``SPARK_LOCAL_IP``); ``local[2]`` by default, a cluster URL for real use.

Two gaps of Ibis 12's PySpark backend are worked around here and declared in the suite, so a fix
upstream is noticed: ``limit(n, offset=k)`` leaks its helper row-number column (``ValueError``), so
:meth:`SparkWarehouse.page` numbers the rows in :data:`~corridor.store.selection.ROW_ORDER` itself;
``order_by(...).distinct()`` returns duplicates, so distinct values are taken before ordering (in
:mod:`corridor.store.selection`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from corridor.errors import InputError
from corridor.spark import spark_session
from corridor.store.plain import scale_frame
from corridor.store.selection import ROW_ORDER, Selection, distinct_expr, selection_expr, summary_expr
from corridor.store.warehouse import Warehouse

#: Engines a selection runs on.
ENGINES: tuple[str, ...] = ("duckdb", "spark")
_VIEWS = itertools.count()


class SparkWarehouse:
    """A Parquet snapshot of a warehouse, read by Spark. Make one with :meth:`from_warehouse` or :meth:`open`."""

    def __init__(self, folder: str | Path, *, master: str = "local[2]") -> None:
        self.path = Path(folder)
        for table in ("observations", "datasets"):
            if not (self.path / f"{table}.parquet").exists():
                raise InputError(f"no {table}.parquet in {self.path}: export the warehouse first "
                                 "(SparkWarehouse.from_warehouse)")
        self._con = ibis.pyspark.connect(spark_session(master))
        n = next(_VIEWS)  # temporary view names are per Spark session: one pair per snapshot
        self._obs = self._con.read_parquet(str(self.path / "observations.parquet"), table_name=f"observations_{n}")
        self._datasets = self._con.read_parquet(str(self.path / "datasets.parquet"), table_name=f"datasets_{n}")

    @classmethod
    def open(cls, folder: str | Path, *, master: str = "local[2]") -> SparkWarehouse:
        """Read a snapshot written earlier by :meth:`Warehouse.export_parquet`."""
        return cls(folder, master=master)

    @classmethod
    def from_warehouse(cls, wh: Warehouse, folder: str | Path, *, master: str = "local[2]") -> SparkWarehouse:
        """Export ``wh``'s tables to ``folder`` (Parquet) and read them on Spark at ``master``."""
        wh.export_parquet(folder)
        return cls(folder, master=master)

    def _tables(self) -> tuple[ir.Table, ir.Table]:
        return self._obs, self._datasets

    def select(self, sel: Selection, *, scaled: bool = False, limit: int | None = None,
               offset: int = 0) -> pd.DataFrame:
        """Observations of ``sel`` with provenance, as :meth:`Warehouse.select` returns them."""
        expr = selection_expr(sel, *self._tables()) if limit is None else _page_expr(sel, self, limit, offset)
        frame = _like_duckdb(expr.execute())
        return scale_frame(frame) if scaled else frame

    def count(self, sel: Selection) -> int:
        """How many observations ``sel`` selects."""
        return int(selection_expr(sel, *self._tables()).count().execute())

    def page(self, sel: Selection, *, limit: int, offset: int = 0) -> tuple[pd.DataFrame, int, list[str]]:
        """One page of ``sel``, the total and every dataset id used (as :meth:`Warehouse.page`).

        Two Spark jobs: the page, and the rows per dataset (whose sum is the total)."""
        table = selection_expr(sel, *self._tables())
        per_dataset = table.group_by("dataset_id").aggregate(rows=table.count()).execute()
        return (self.select(sel, limit=limit, offset=offset), int(per_dataset["rows"].sum()),
                sorted(str(v) for v in per_dataset["dataset_id"]))

    def distinct(self, sel: Selection, column: str) -> list[str]:
        """Distinct values of a column among the observations ``sel`` selects, sorted."""
        values = distinct_expr(sel, column, *self._tables()).execute()[column]
        return [str(v) for v in values if v is not None and not pd.isna(v)]

    def summary(self, sel: Selection, by: Sequence[str] = ("dataflow",)) -> pd.DataFrame:
        """Per group of ``by``: observations, datasets, first and last period of the selection."""
        return summary_expr(sel, *self._tables(), by=by).execute()


def on_engine(wh: Warehouse, engine: str, *, folder: str | Path | None = None,
              master: str = "local[2]") -> Warehouse | SparkWarehouse:
    """``wh`` itself for ``duckdb``; for ``spark`` a :class:`SparkWarehouse` over its export to ``folder``."""
    if engine == "duckdb":
        return wh
    if engine == "spark":
        if folder is None:
            raise InputError("engine 'spark' needs a folder for the Parquet snapshot of the warehouse")
        return SparkWarehouse.from_warehouse(wh, folder, master=master)
    raise InputError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")


def _page_expr(sel: Selection, store: SparkWarehouse, limit: int, offset: int) -> ir.Table:
    """Rows ``offset`` .. ``offset+limit`` of ``sel`` in :data:`ROW_ORDER`, numbered by a window."""
    table = selection_expr(sel, *store._tables())
    numbered = table.mutate(_row=ibis.row_number().over(ibis.window(order_by=list(ROW_ORDER))))
    page = numbered.filter(numbered._row >= offset, numbered._row < offset + limit)
    return page.order_by(list(ROW_ORDER)).drop("_row")


def _like_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Spark's frame with DuckDB's column types (Spark gives ``ingested_at`` in nanoseconds, DuckDB in
    microseconds, the warehouse's resolution)."""
    if "ingested_at" in frame.columns:
        frame["ingested_at"] = frame["ingested_at"].astype("datetime64[us]")
    return frame
