"""The engines tabulation runs on: DuckDB (embedded, default) and Apache Spark, both through Ibis.

The tabulation itself (:mod:`corridor.microdata.tabulate`) is one Ibis expression; this module only
opens a backend and hands it a table:

- Parquet and CSV files are *scanned by the engine* (``read_parquet`` / ``read_csv``): they are never
  loaded into a pandas frame, so a 100-million-person census is tabulated in bounded memory.
- SPSS, Stata, IPUMS fixed-width and R files have no engine reader; they go through
  :func:`corridor.microdata.read.read_microdata` (only the needed columns) and are registered as an
  in-memory table. These formats are small in practice; convert big ones to Parquet first.

Spark runs in local mode by default (``local[2]``); pass a cluster URL (``spark://host:7077``) for real
use. Spark needs Java 17 or 21: when ``JAVA_HOME`` is unset the OpenJDK 17 install is used, and
``SPARK_LOCAL_IP`` defaults to ``127.0.0.1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from corridor.errors import InputError
from corridor.microdata.read import format_of, read_microdata
from corridor.spark import spark_session

ENGINES = ("duckdb", "spark")
def connect(engine: str = "duckdb", *, spark_master: str = "local[2]") -> Any:
    """An Ibis backend: ``duckdb`` (in-memory, embedded) or ``spark`` (PySpark at ``spark_master``)."""
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise InputError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")


def normalize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Make a frame read by a library engine-ready, with the same column types every engine sees.

    Categoricals (R factors) become their values (numbers when every level is a number, else text);
    floats holding only whole numbers and NaN (SPSS numbers) become nullable integers.
    """
    out = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = pd.Series(s.cat.categories)
            numeric = pd.to_numeric(levels, errors="coerce")
            if numeric.notna().all() and (numeric % 1 == 0).all():
                s = pd.to_numeric(s.astype("string"), errors="coerce").astype("Int64")
            else:
                s = s.astype("string")
        elif pd.api.types.is_float_dtype(s.dtype):
            v = s.dropna()
            if len(v) and (v % 1 == 0).all() and v.abs().max() < 2**53:
                s = s.astype("Int64")
        elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            s = s.astype("string")
        out[str(col)] = s
    return pd.DataFrame(out)


def register_frame(con: Any, df: pd.DataFrame, name: str) -> Any:
    """Register an in-memory frame as table ``name`` on an Ibis backend and return the Ibis table.

    Done with the engines' own calls (DuckDB ``register`` of an Arrow table, Spark
    ``createDataFrame`` + temporary view): Ibis 12's ``create_table`` for in-memory data emits SQL
    that sqlglot 30 renders wrongly (``DROP VIEW IF EXISTS`` without a name).
    """
    import pyarrow as pa

    arrow = pa.Table.from_pandas(df, preserve_index=False)
    if con.name == "duckdb":
        con.con.register(name, arrow)
    elif con.name == "pyspark":
        con._session.createDataFrame(arrow).createOrReplaceTempView(name)
    else:  # pragma: no cover - only the two engines above are offered
        raise InputError(f"engine {con.name!r} is not supported")
    return con.table(name)


def load_table(
    con: Any,
    path: str | Path,
    *,
    codebook: str | Path | None = None,
    columns: Sequence[str] | None = None,
    name: str = "microdata",
) -> Any:
    """An Ibis table over a microdata file on backend ``con`` (Parquet/CSV scanned, others read)."""
    path = Path(path)
    fmt = format_of(path)
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if fmt in ("parquet", "csv"):
        reader = con.read_parquet if fmt == "parquet" else con.read_csv
        try:  # the engine's own scanner: any failure of it is a file it cannot read
            table = reader(str(path), table_name=name)
        except Exception as exc:
            raise InputError(f"cannot read as {fmt}: {type(exc).__name__}: {exc}", file=str(path)) from exc
    else:  # read_microdata names the file in its own errors; corridor's conversion is not wrapped
        table = register_frame(con, normalize_frame(read_microdata(path, codebook=codebook, columns=columns)),
                               name)
    if columns is not None:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(
                f"variable(s) not in the file: {', '.join(missing)}; available: {', '.join(table.columns)}",
                file=str(path),
            )
    return table
