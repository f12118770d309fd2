"""The warehouse: one embedded DuckDB file holding datasets (provenance) and observations (SDMX shape).

The schema is documented in ``docs/data-model.md``. Two rules hold everywhere:

* **Atomic, idempotent writes.** :meth:`Warehouse.write_dataset` writes a dataset and all its
  observations in one transaction: either everything lands or nothing does (a process killed in the
  middle leaves the previous state, because DuckDB discards an uncommitted transaction on restart).
  Writing the same bytes again (same sha256 and layout) changes nothing.
* **Vintages are kept.** A new edition of a series never overwrites an older one; selections return the
  latest vintage of each series unless asked (``as_of``) for a given dataset. The rule is written once,
  in :mod:`corridor.store.selection`.

Only this package speaks SQL to the warehouse. Every write is validated against the reference
registries first (:mod:`corridor.store.validate`). Ibis and pandas load when a method needs them:
:meth:`Warehouse.rows` (:mod:`corridor.store.plain`) reads with DuckDB alone, for commands that start fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from corridor import __version__
from corridor.errors import CorridorError, InputError
from corridor.store.batch import batch as _batch
from corridor.store.compiled import compiled as _compiled
from corridor.store.plain import Rows, run, scale_frame, scale_rows
from corridor.store.selection import KEY_COLUMNS, Selection
from corridor.store.statements import parametrised

if TYPE_CHECKING:
    import pandas as pd

DATASET_COLUMNS: dict[str, str] = {
    "dataset_id": "VARCHAR PRIMARY KEY",
    "release_id": "VARCHAR",
    "layout": "VARCHAR",
    "series": "VARCHAR NOT NULL",
    "vintage": "VARCHAR NOT NULL",
    "publisher": "VARCHAR",
    "title": "VARCHAR",
    "edition": "VARCHAR",
    "licence": "VARCHAR",
    "source_url": "VARCHAR",
    "copy_of": "VARCHAR",
    "sha256": "VARCHAR",
    "file_name": "VARCHAR",
    "reference_dates": "VARCHAR",
    "concept": "VARCHAR",
    "kind": "VARCHAR",
    "access": "VARCHAR NOT NULL DEFAULT 'public'",
    "method": "VARCHAR",
    "parameters": "JSON",
    "inputs": "VARCHAR[]",
    "code_version": "VARCHAR",
    "ingested_at": "TIMESTAMP",
    "rows_accepted": "BIGINT",
    "rows_rejected": "BIGINT",
    "notes": "VARCHAR",
    "mapping_sha256": "VARCHAR",
    "replaces": "VARCHAR",
    "withdrawn_at": "TIMESTAMP",
    "withdrawn_reason": "VARCHAR",
}

#: The audit trail of changes to what the warehouse serves (one row per ingest, correction, withdrawal).
AUDIT_COLUMNS: dict[str, str] = {
    "logged_at": "TIMESTAMP NOT NULL",
    "action": "VARCHAR NOT NULL",
    "dataset_id": "VARCHAR NOT NULL",
    "detail": "VARCHAR",
    "code_version": "VARCHAR",
}

#: Dimensions of an observation. Together with dataset_id they identify it.
DIMENSIONS: tuple[str, ...] = KEY_COLUMNS

OBSERVATION_COLUMNS: dict[str, str] = {
    "dataset_id": "VARCHAR NOT NULL",
    "dataflow": "VARCHAR NOT NULL",
    "ref_area": "VARCHAR NOT NULL",
    "counterpart_area": "VARCHAR NOT NULL DEFAULT '_T'",
    "birthplace": "VARCHAR NOT NULL DEFAULT '_T'",
    "sex": "VARCHAR NOT NULL DEFAULT '_T'",
    "age": "VARCHAR NOT NULL DEFAULT '_T'",
    "time_period": "VARCHAR NOT NULL",
    "value": "DOUBLE",
    "lower": "DOUBLE",
    "upper": "DOUBLE",
    "interval": "VARCHAR",
    "obs_status": "VARCHAR NOT NULL",
    "conf_status": "VARCHAR NOT NULL DEFAULT 'F'",
    "unit_measure": "VARCHAR NOT NULL DEFAULT 'PS'",
    "unit_mult": "INTEGER NOT NULL DEFAULT 0",
    "method": "VARCHAR NOT NULL DEFAULT 'published'",
    "basis": "VARCHAR",
    "topic": "VARCHAR NOT NULL DEFAULT '_T'",
    "margin_error": "DOUBLE",
}

#: Default values for optional observation columns an adapter may leave out.
OBSERVATION_DEFAULTS: dict[str, Any] = {
    "counterpart_area": "_T", "birthplace": "_T", "sex": "_T", "age": "_T", "topic": "_T",
    "lower": None, "upper": None, "interval": None, "conf_status": "F",
    "unit_measure": "PS", "unit_mult": 0, "method": "published", "basis": None, "margin_error": None,
}


@dataclass
class DatasetMeta:
    """Provenance of one dataset (one row of ``datasets``; see docs/data-model.md)."""

    dataset_id: str
    series: str
    vintage: str
    release_id: str | None = None
    layout: str | None = None
    publisher: str | None = None
    title: str | None = None
    edition: str | None = None
    licence: str | None = None
    source_url: str | None = None
    copy_of: str | None = None
    sha256: str | None = None
    file_name: str | None = None
    reference_dates: str | None = None
    concept: str | None = None
    kind: str | None = None
    access: str = "public"
    method: str | None = None
    parameters: dict[str, Any] | None = None
    inputs: list[str] = field(default_factory=list)
    code_version: str = __version__
    notes: str | None = None
    mapping_sha256: str | None = None  # a user table: the sha256 of its mapping (sha256 is the file's)
    replaces: str | None = None  # a correction: the dataset of the same series it replaces


#: Rows validated and inserted at a time by :meth:`Warehouse.write_dataset` (memory stays bounded).
WRITE_CHUNK = 250_000



class WarehouseError(CorridorError):
    """The warehouse refused an operation (it is left unchanged)."""


class Warehouse:
    """An open warehouse file. Use :meth:`open`; close with :meth:`close` or a ``with`` block.

    The connection is private: observations are read with :meth:`select` (a
    :class:`~corridor.store.selection.Selection`) and the named reads below; writes go through
    :meth:`write_dataset`, which validates against the reference registries.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._ibis: Any = None
        self._batch = False  # inside :meth:`batch`: writes share its transaction

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False, threads: int | None = None,
             memory_limit: str | None = None) -> Warehouse:
        """Open (and, unless read-only, create) the warehouse at ``path``; ``threads`` and ``memory_limit``
        (``"512MB"``) bound DuckDB's work for every cursor of it (a server sets them, see docs/api.md)."""
        path = Path(path)
        if read_only and not path.exists():
            raise WarehouseError(
                f"no warehouse at {path}: run `corridor ingest` (or the README's main command) first"
            )
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
        con.execute("SET enable_progress_bar = false")  # stderr is the CLI's; DuckDB must not draw on it
        for name, value in (("threads", threads), ("memory_limit", memory_limit)):
            if value is not None:
                con.execute(f"SET {name} = ?", [value])
        wh = cls(con, path, read_only)
        if not read_only:
            wh._create_schema()
        else:
            wh._read_older_schema()
        return wh

    def _read_older_schema(self) -> None:
        """A warehouse written before a column existed (the provenance of corrections and withdrawals,
        a flow's ``margin_error``), opened read-only: a temporary view of each table adds the absent
        columns as NULL (nothing replaced, nothing withdrawn, no diagnostic recorded)."""
        catalog = self._con.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
        found: dict[str, set[str]] = {"datasets": set(), "observations": set()}
        for table, column in self._con.execute(  # one catalogue query (a command's start-up pays for it)
                "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name IN ('datasets', 'observations')").fetchall():
            found[table].add(column)
        for table, columns in (("datasets", DATASET_COLUMNS), ("observations", OBSERVATION_COLUMNS)):
            present = found[table]
            absent = [c for c in columns if c not in present]
            if not present or not absent:
                continue
            extra = ", ".join(f"NULL::{columns[c].split()[0]} AS {c}" for c in absent)
            self._con.execute(f'CREATE TEMP VIEW {table} AS SELECT *, {extra} FROM "{catalog}".main.{table}')

    def _create_schema(self) -> None:
        cols = ", ".join(f"{k} {v}" for k, v in DATASET_COLUMNS.items())
        self._con.execute(f"CREATE TABLE IF NOT EXISTS datasets ({cols})")
        cols = ", ".join(f"{k} {v}" for k, v in OBSERVATION_COLUMNS.items())
        self._con.execute(f"CREATE TABLE IF NOT EXISTS observations ({cols})")
        cols = ", ".join(f"{k} {v}" for k, v in AUDIT_COLUMNS.items())
        self._con.execute(f"CREATE TABLE IF NOT EXISTS audit ({cols})")
        for table, columns in (("observations", OBSERVATION_COLUMNS), ("datasets", DATASET_COLUMNS)):
            present = {r[0] for r in self._con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
            for column, ddl in columns.items():  # warehouses written before a column existed
                if column not in present:
                    self._con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {ddl.replace('NOT NULL ', '')}")

    def cursor(self) -> Warehouse:
        """The same warehouse on a new cursor (one per thread: DuckDB connections are not thread-safe)."""
        return Warehouse(self._con.cursor(), self.path, self.read_only)

    def close(self) -> None:
        self._con.close()

    def interrupt(self) -> None:
        """Stop the query running on this connection (it raises in the thread that runs it)."""
        self._con.interrupt()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------
    def find_by_sha(self, sha256: str, layout: str | None, mapping_sha256: str | None = None) -> str | None:
        """The dataset id already holding these bytes in this layout (and, for a user table, read with
        the same mapping), if any (idempotent ingest)."""
        rows = self._con.execute(  # fetchall: a half-read result would block the next query
            "SELECT dataset_id FROM datasets WHERE sha256 = ? AND layout IS NOT DISTINCT FROM ? "
            "AND mapping_sha256 IS NOT DISTINCT FROM ?",
            [sha256, layout, mapping_sha256],
        ).fetchall()
        return rows[0][0] if rows else None

    def write_dataset(self, meta: DatasetMeta, obs: pd.DataFrame, *, rows_rejected: int = 0) -> str:
        """Write a dataset and its observations atomically; return its id.

        Re-writing the same bytes (same ``sha256`` and ``layout``) is a no-op returning the existing
        id. A dataset id already used for *other* content is an error (ids are stable names).
        Observations are validated before anything is written (:mod:`corridor.store.validate`:
        registered dataflow, codes of every coded column, units, value present iff status is not
        missing, ``lower <= value <= upper``, no negative counts) and keys must be unique.
        """
        from corridor.store import write_stream as stream  # pandas and Arrow: loaded by writes only

        if self.read_only:
            raise WarehouseError(f"warehouse {self.path} is open read-only")
        if meta.sha256:
            existing = self.find_by_sha(meta.sha256, meta.layout, meta.mapping_sha256)
            if existing is not None:
                return existing
        if self._con.execute(
            "SELECT 1 FROM datasets WHERE dataset_id = ?", [meta.dataset_id]
        ).fetchall():
            raise WarehouseError(
                f"dataset id {meta.dataset_id!r} is already in the warehouse with other content; "
                "a new edition needs its own id (vintages are never overwritten)"
            )
        if meta.replaces is not None:
            self._check_replaceable(meta)
        from corridor.store.prepare import prepare_observations

        frame = prepare_observations(obs.iloc[:WRITE_CHUNK], meta)  # the first chunk fails before BEGIN
        record = asdict(meta)
        record["parameters"] = json.dumps(meta.parameters) if meta.parameters is not None else None
        record["ingested_at"] = datetime.now(UTC).replace(tzinfo=None)
        record["rows_accepted"] = len(obs)
        record["rows_rejected"] = rows_rejected
        names = list(DATASET_COLUMNS)
        values = [record.get(n) for n in names]
        failed: list[BaseException] = []
        if not self._batch:
            self._con.execute("BEGIN TRANSACTION")
        try:
            self._con.execute(
                f"INSERT INTO datasets ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                values,
            )
            cols = ", ".join(OBSERVATION_COLUMNS)
            # one INSERT over a stream of validated chunks: bounded memory (see corridor.store.write_stream)
            schema = stream.arrow_schema(OBSERVATION_COLUMNS)
            self._con.register("_incoming", stream.validated_stream(
                obs, lambda part: prepare_observations(part, meta), frame, failed, schema, WRITE_CHUNK))
            try:
                self._con.execute(f"INSERT INTO observations ({cols}) SELECT {cols} FROM _incoming")
            finally:
                self._con.unregister("_incoming")
            del frame
            if len(obs) > WRITE_CHUNK:
                self._check_unique_keys(meta.dataset_id)
            if meta.replaces is not None:
                self._audit("replace", meta.replaces, f"replaced by {meta.dataset_id}")
            self._audit("ingest", meta.dataset_id, f"{len(obs)} observations from {meta.file_name or meta.layout}")
            if not self._batch:
                self._con.execute("COMMIT")
        except BaseException as exc:
            if not self._batch:
                self._con.execute("ROLLBACK")
            if failed and failed[0] is not exc:  # a chunk's validation failed inside DuckDB's read of the stream
                raise failed[0] from None
            raise
        if len(obs) > WRITE_CHUNK and not self._batch:  # fold the new row groups in now, in bounded memory
            with stream.memory_limit(self._con, stream.CHECK_MEMORY):  # (left to closing, it took 600 MB for 10M rows)
                self._con.execute("CHECKPOINT")
        return meta.dataset_id

    def batch(self, *, checkpoint: bool = False) -> AbstractContextManager[Warehouse]:
        """Writes in one transaction, committed once, all or none (:func:`corridor.store.batch.batch`)."""
        return _batch(self, self._con, checkpoint=checkpoint)

    def _check_unique_keys(self, dataset_id: str) -> None:
        """Keys unique across the chunks of one dataset (each chunk was checked on its own)."""
        from corridor.store import write_stream as stream

        keys = ", ".join(KEY_COLUMNS)
        with stream.memory_limit(self._con, stream.CHECK_MEMORY):  # the grouping spills to disk beyond it
            found = stream.duplicate_key(self._con, "observations", dataset_id, keys)
        if not found.empty:
            first = found.iloc[0].drop("n").to_dict()
            raise WarehouseError(f"observations in {dataset_id} share a key, e.g. {first}")

    def _audit(self, action: str, dataset_id: str, detail: str) -> None:
        """One row of the audit trail (inside the caller's transaction)."""
        self._con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?)",
                          [datetime.now(UTC).replace(tzinfo=None), action, dataset_id, detail, __version__])

    def _check_replaceable(self, meta: DatasetMeta) -> None:
        import pandas as pd

        old = self.dataset(str(meta.replaces))
        if old is None:
            raise WarehouseError(f"dataset {meta.replaces!r} (to be replaced) is not in the warehouse")
        if old["series"] != meta.series:
            raise WarehouseError(f"a correction replaces a dataset of its own series: {meta.replaces!r} is in "
                                 f"series {old['series']!r}, the correction in {meta.series!r}")
        if not pd.isna(old["withdrawn_at"]):
            raise WarehouseError(f"dataset {meta.replaces!r} was withdrawn; it cannot be corrected")

    def current_dataset(self, series: str, file_name: str) -> str | None:
        """The dataset of ``series`` read from a file of this name that no correction has replaced and
        that is not withdrawn (what a corrected re-issue of the file replaces), if any."""
        rows = self._con.execute(
            "SELECT dataset_id FROM datasets d WHERE series = ? AND file_name = ? AND withdrawn_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM datasets r WHERE r.replaces = d.dataset_id) "
            "ORDER BY ingested_at DESC", [series, file_name]).fetchall()
        return rows[0][0] if rows else None

    def withdraw(self, dataset_ids: Sequence[str], reason: str) -> None:
        """Retract datasets from the latest view, atomically, keeping them (reachable by ``as_of``) and
        the reason in their provenance and in the audit trail."""
        if self.read_only:
            raise WarehouseError(f"warehouse {self.path} is open read-only")
        if not reason or not reason.strip():
            raise InputError("a withdrawal needs a reason (--reason)")
        import pandas as pd

        for dataset_id in dataset_ids:
            row = self.dataset(dataset_id)
            if row is None:
                raise InputError(f"no dataset {dataset_id!r} (`corridor datasets` lists them)")
            if not pd.isna(row["withdrawn_at"]):
                raise InputError(f"dataset {dataset_id!r} was already withdrawn ({row['withdrawn_reason']})")
        now = datetime.now(UTC).replace(tzinfo=None)
        self._con.execute("BEGIN TRANSACTION")
        try:
            for dataset_id in dataset_ids:
                self._con.execute("UPDATE datasets SET withdrawn_at = ?, withdrawn_reason = ? WHERE dataset_id = ?",
                                  [now, reason.strip(), dataset_id])
                self._audit("withdraw", dataset_id, reason.strip())
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    def audit_log(self) -> pd.DataFrame:
        """The audit trail, oldest first."""
        return self._con.execute("SELECT * FROM audit ORDER BY logged_at, dataset_id").df()

    def delete_dataset(self, dataset_id: str) -> None:
        """Remove a dataset and its observations in one transaction (used to replace estimates)."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            self._con.execute("DELETE FROM observations WHERE dataset_id = ?", [dataset_id])
            self._con.execute("DELETE FROM datasets WHERE dataset_id = ?", [dataset_id])
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    # -- provenance ------------------------------------------------------------------------------
    def datasets(self) -> pd.DataFrame:
        """All datasets with their provenance, newest first."""
        return self._con.execute(
            "SELECT * FROM datasets ORDER BY series, vintage DESC, ingested_at DESC"
        ).df()

    def dataset(self, dataset_id: str) -> dict[str, Any] | None:
        rows = self._con.execute("SELECT * FROM datasets WHERE dataset_id = ?", [dataset_id]).df()
        return None if rows.empty else rows.iloc[0].to_dict()

    def resolve_as_of(self, as_of: str) -> list[str]:
        """Dataset ids meant by ``as_of``: a dataset id or release id, else ``series:vintage``."""
        rows = self._con.execute(
            "SELECT dataset_id FROM datasets WHERE dataset_id = ? OR release_id = ?", [as_of, as_of]
        ).fetchall()
        if not rows and ":" in as_of:
            series, vintage = as_of.rsplit(":", 1)
            rows = self._con.execute(
                "SELECT dataset_id FROM datasets WHERE series = ? AND vintage = ?", [series, vintage]
            ).fetchall()
        if not rows:
            raise InputError(f"unknown vintage {as_of!r}: no dataset, release or series:vintage of that name "
                             "(`corridor datasets` lists them)")
        return [r[0] for r in rows]

    def export_parquet(self, folder: str | Path) -> dict[str, Path]:
        """Write ``observations`` and ``datasets`` to ``folder/<table>.parquet`` (replacing older copies).

        The files are what another engine (Spark, :mod:`corridor.store.engines`) reads; they are a
        snapshot of the warehouse at this moment, written with DuckDB's own ``COPY``.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        for table in ("observations", "datasets"):
            path = folder / f"{table}.parquet"
            quoted = str(path).replace("'", "''")
            self._con.execute(f"COPY {table} TO '{quoted}' (FORMAT parquet)")
            out[table] = path
        return out

    # -- selections ------------------------------------------------------------------------------
    def _tables(self) -> tuple[Any, Any]:
        """The two tables bound to this connection as Ibis tables (for running an expression of
        :mod:`.selection` directly, as the engine suite does on both engines)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self._con)
        return self._ibis.table("observations"), self._ibis.table("datasets")

    def _run(self, kind: str, sel: Selection, *args: Any) -> pd.DataFrame:
        """Run one read of ``sel``: SQL compiled once per selection *shape*, codes and numbers bound as
        parameters (:mod:`.statements`); rows through Arrow (faster than DuckDB's pandas conversion)."""
        sql, params = parametrised(_compiled, kind, sel, *args)
        return self._con.sql(sql, params=params).to_arrow_table().to_pandas()

    @staticmethod
    def prepare(sel: Selection, *, limit: int | None = None, columns: Sequence[str] | None = None) -> None:
        """Compile the statement of ``sel``'s shape now, as :meth:`select` would (a pre-warm; reads nothing)."""
        parametrised(_compiled, "rows", sel, limit, 0, tuple(dict.fromkeys(columns)) if columns is not None else None)

    def select(self, sel: Selection, *, scaled: bool = False, limit: int | None = None,
               offset: int = 0, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Observations of ``sel`` with their dataset's provenance columns (:data:`ROW_ORDER`).

        ``scaled`` multiplies value/lower/upper by ``10**unit_mult`` (and sets ``unit_mult`` to 0);
        ``limit``/``offset`` page through the rows in their fixed order; ``columns`` keeps only those
        columns (``unit_mult`` is added when ``scaled``).
        """
        if columns is not None:
            columns = tuple(dict.fromkeys([*columns, *(["unit_mult"] if scaled else [])]))
        frame = self._run("rows", sel, limit, offset, columns)
        return scale_frame(frame) if scaled else frame

    def frame(self, sel: Selection, *, scaled: bool = False, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`select` (all rows, same order and columns) read with DuckDB alone, without compiling an Ibis
        expression (:func:`corridor.store.plain.selection_sql`): for large reads in lean processes."""
        from corridor.store.plain import selection_sql

        if columns is not None:
            columns = tuple(dict.fromkeys([*columns, *(["unit_mult"] if scaled else [])]))
        sql, params = selection_sql(sel, list(OBSERVATION_COLUMNS), columns)
        frame = self._con.execute(sql, params).df()
        return scale_frame(frame) if scaled else frame

    def count(self, sel: Selection) -> int:
        """How many observations ``sel`` selects."""
        return int(self._run("count", sel).iloc[0, 0])

    def page(self, sel: Selection, *, limit: int, offset: int = 0) -> tuple[pd.DataFrame, int, list[str]]:
        """One page of ``sel`` (rows ``offset`` .. ``offset+limit``), the total and every dataset id used."""
        ids = self.distinct(sel, "dataset_id")
        return self.select(sel, limit=limit, offset=offset), self.count(sel), ids

    def distinct(self, sel: Selection, column: str) -> list[str]:
        """Distinct values of a column among the observations ``sel`` selects, sorted."""
        import pandas as pd

        values = self._run("distinct", sel, column)[column]
        return [str(v) for v in values if v is not None and not pd.isna(v)]

    def summary(self, sel: Selection, by: Sequence[str] = ("dataflow",)) -> pd.DataFrame:
        """Per group of ``by``: observations, datasets, first and last period of the selection."""
        return self._run("summary", sel, tuple(by))

    def totals(self, sel: Selection, by: Sequence[str]) -> pd.DataFrame:
        """Per group of ``by``: the sum of the selected values (``value``; NULL when every value is
        missing — a sum of missing cells is missing, never 0) and how many were summed (``n``)."""
        return self._run("totals", sel, tuple(by))

    def observations(
        self,
        dataflow: str | Sequence[str],
        *,
        series: str | Sequence[str] | None = None,
        dataset_id: str | Sequence[str] | None = None,
        start_period: str | int | None = None,
        end_period: str | int | None = None,
        as_of: str | None = None,
        latest: bool = True,
        scaled: bool = False,
        include_missing: bool = True,
        include_restricted: bool = False,
        columns: Sequence[str] | None = None,
        **filters: str | Sequence[str] | None,
    ) -> pd.DataFrame:
        """Shorthand for :meth:`select`: ``column=code(s)`` filters on dimension columns.

        ``latest`` applies the vintage rule; ``as_of`` (a dataset id, release id or
        ``series:vintage``) restricts to the datasets it names and applies the rule among them.
        ``columns`` returns only those observation or provenance columns (a large read then costs a
        fraction of the memory).
        """
        sel = self.observation_selection(dataflow, series=series, dataset_id=dataset_id, start_period=start_period,
                                         end_period=end_period, as_of=as_of, latest=latest,
                                         include_missing=include_missing, include_restricted=include_restricted,
                                         **filters)
        return self.select(sel, scaled=scaled, columns=columns)

    def observation_selection(self, dataflow: str | Sequence[str], *, series: str | Sequence[str] | None = None,
                              dataset_id: str | Sequence[str] | None = None, start_period: str | int | None = None,
                              end_period: str | int | None = None, as_of: str | None = None, latest: bool = True,
                              include_missing: bool = True, include_restricted: bool = False,
                              **filters: str | Sequence[str] | None) -> Selection:
        """The :class:`Selection` that :meth:`observations` reads (its arguments, ``as_of`` resolved)."""
        ids = dataset_id
        if as_of is not None:
            ids = self.resolve_as_of(as_of)
            if dataset_id is not None:
                wanted = {dataset_id} if isinstance(dataset_id, str) else set(dataset_id)
                ids = [i for i in ids if i in wanted]
        return Selection.of(
            dataflow, series=series, dataset_ids=ids, vintages="latest" if latest else "all",
            access=None if include_restricted else ("public",), start_year=start_period,
            end_year=end_period, include_missing=include_missing, **filters,
        )

    def arrow_reader(self, sel: Selection, *, columns: Sequence[str] | None = None,
                     batch_rows: int = 65_536) -> Any:
        """The rows of :meth:`select` (same order and columns, unscaled) as a ``pyarrow.RecordBatchReader``
        of ``batch_rows`` rows a batch, read with DuckDB alone (:func:`corridor.store.plain.selection_sql`):
        a large read that never holds the whole answer as pandas (:mod:`corridor.store.published`)."""
        from corridor.store.plain import selection_sql

        sql, params = selection_sql(sel, list(OBSERVATION_COLUMNS), columns)
        return self._con.sql(sql, params=params).to_arrow_reader(batch_rows)

    def rows(self, sel: Selection, *, scaled: bool = False, columns: Sequence[str] | None = None) -> Rows:
        """The rows of :meth:`select` as plain tuples (:class:`~corridor.store.plain.Rows`), read with
        DuckDB alone (no Ibis, no pandas: :mod:`corridor.store.plain`); ``scaled`` and ``columns`` as there."""
        if columns is not None and scaled:
            columns = tuple(dict.fromkeys([*columns, "unit_mult"]))
        found = run(self._con, sel, list(OBSERVATION_COLUMNS), columns)
        return scale_rows(found) if scaled else found
