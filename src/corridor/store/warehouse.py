"""The warehouse: one embedded DuckDB file holding datasets (provenance) and observations (SDMX shape).

The schema is documented in ``docs/data-model.md``. Two rules hold everywhere:

* **Atomic, idempotent writes.** :meth:`Warehouse.write_dataset` writes a dataset and all its
  observations in one transaction: either everything lands or nothing does (a process killed in the
  middle leaves the previous state, because DuckDB discards an uncommitted transaction on restart).
  Writing the same bytes again (same sha256 and layout) changes nothing.
* **Vintages are kept.** A new edition of a series never overwrites an older one; queries return the
  latest vintage of each series unless asked (``as_of``) for a given dataset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from corridor import __version__
from corridor.errors import CorridorError, InputError

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
}

#: Dimensions of an observation, in key order. Together with dataset_id they identify it.
DIMENSIONS: tuple[str, ...] = (
    "dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age", "time_period", "method",
)

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
}

#: Default values for optional observation columns an adapter may leave out.
OBSERVATION_DEFAULTS: dict[str, Any] = {
    "counterpart_area": "_T", "birthplace": "_T", "sex": "_T", "age": "_T",
    "lower": None, "upper": None, "interval": None, "conf_status": "F",
    "unit_measure": "PS", "unit_mult": 0, "method": "published", "basis": None,
}

MISSING_STATUSES = frozenset({"O", "M", "L", "Q"})


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


class WarehouseError(CorridorError):
    """The warehouse refused an operation (it is left unchanged)."""


class Warehouse:
    """An open warehouse file. Use :meth:`open`; close with :meth:`close` or a ``with`` block."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Warehouse:
        """Open (and, unless read-only, create) the warehouse at ``path``."""
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
        wh = cls(con, path, read_only)
        if not read_only:
            wh._create_schema()
        return wh

    def _create_schema(self) -> None:
        cols = ", ".join(f"{k} {v}" for k, v in DATASET_COLUMNS.items())
        self.con.execute(f"CREATE TABLE IF NOT EXISTS datasets ({cols})")
        cols = ", ".join(f"{k} {v}" for k, v in OBSERVATION_COLUMNS.items())
        self.con.execute(f"CREATE TABLE IF NOT EXISTS observations ({cols})")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------
    def find_by_sha(self, sha256: str, layout: str | None) -> str | None:
        """The dataset id already holding these bytes in this layout, if any (idempotent ingest)."""
        row = self.con.execute(
            "SELECT dataset_id FROM datasets WHERE sha256 = ? AND layout IS NOT DISTINCT FROM ?",
            [sha256, layout],
        ).fetchone()
        return row[0] if row else None

    def write_dataset(self, meta: DatasetMeta, obs: pd.DataFrame, *, rows_rejected: int = 0) -> str:
        """Write a dataset and its observations atomically; return its id.

        Re-writing the same bytes (same ``sha256`` and ``layout``) is a no-op returning the existing
        id. A dataset id already used for *other* content is an error (ids are stable names).
        Observations are checked before anything is written: required columns, codes of status,
        duplicate keys, missing values flagged, negative counts.
        """
        if self.read_only:
            raise WarehouseError(f"warehouse {self.path} is open read-only")
        if meta.sha256:
            existing = self.find_by_sha(meta.sha256, meta.layout)
            if existing is not None:
                return existing
        if self.con.execute(
            "SELECT 1 FROM datasets WHERE dataset_id = ?", [meta.dataset_id]
        ).fetchone():
            raise WarehouseError(
                f"dataset id {meta.dataset_id!r} is already in the warehouse with other content; "
                "a new edition needs its own id (vintages are never overwritten)"
            )
        frame = _prepare_observations(obs, meta)
        record = asdict(meta)
        record["parameters"] = json.dumps(meta.parameters) if meta.parameters is not None else None
        record["ingested_at"] = datetime.now(UTC).replace(tzinfo=None)
        record["rows_accepted"] = len(frame)
        record["rows_rejected"] = rows_rejected
        names = list(DATASET_COLUMNS)
        values = [record.get(n) for n in names]
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"INSERT INTO datasets ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                values,
            )
            self.con.register("_incoming", frame)
            cols = ", ".join(OBSERVATION_COLUMNS)
            self.con.execute(f"INSERT INTO observations ({cols}) SELECT {cols} FROM _incoming")
            self.con.unregister("_incoming")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return meta.dataset_id

    def delete_dataset(self, dataset_id: str) -> None:
        """Remove a dataset and its observations in one transaction (used to replace estimates)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute("DELETE FROM observations WHERE dataset_id = ?", [dataset_id])
            self.con.execute("DELETE FROM datasets WHERE dataset_id = ?", [dataset_id])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    # -- reading ---------------------------------------------------------------------------------
    def datasets(self) -> pd.DataFrame:
        """All datasets with their provenance, newest first."""
        return self.con.execute(
            "SELECT * FROM datasets ORDER BY series, vintage DESC, ingested_at DESC"
        ).df()

    def dataset(self, dataset_id: str) -> dict[str, Any] | None:
        rows = self.con.execute("SELECT * FROM datasets WHERE dataset_id = ?", [dataset_id]).df()
        return None if rows.empty else rows.iloc[0].to_dict()

    def resolve_as_of(self, as_of: str) -> list[str]:
        """Dataset ids meant by ``as_of``: a dataset id, a release id, or ``series:vintage``."""
        if ":" in as_of and not as_of.startswith(("user:", "est:")):
            series, vintage = as_of.split(":", 1)
            rows = self.con.execute(
                "SELECT dataset_id FROM datasets WHERE series = ? AND vintage = ?", [series, vintage]
            ).fetchall()
        else:
            rows = self.con.execute(
                "SELECT dataset_id FROM datasets WHERE dataset_id = ? OR release_id = ?", [as_of, as_of]
            ).fetchall()
        if not rows:
            known = ", ".join(r[0] for r in self.con.execute(
                "SELECT dataset_id FROM datasets ORDER BY dataset_id").fetchall())
            raise InputError(f"unknown vintage {as_of!r}; datasets in the warehouse: {known or 'none'}")
        return [r[0] for r in rows]

    def observations(
        self,
        dataflow: str | Sequence[str],
        *,
        ref_area: str | Sequence[str] | None = None,
        counterpart_area: str | Sequence[str] | None = None,
        birthplace: str | Sequence[str] | None = None,
        sex: str | Sequence[str] | None = None,
        age: str | Sequence[str] | None = None,
        time_period: str | Sequence[str] | None = None,
        start_period: str | int | None = None,
        end_period: str | int | None = None,
        method: str | Sequence[str] | None = None,
        dataset_id: str | Sequence[str] | None = None,
        series: str | Sequence[str] | None = None,
        as_of: str | None = None,
        latest: bool = True,
        scaled: bool = False,
        include_missing: bool = True,
        include_restricted: bool = False,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Observations with their dataset's provenance columns.

        Filters take one code or a list. ``start_period``/``end_period`` compare the first year of
        ``time_period``. ``latest`` keeps, for each series and observation key, only the latest
        vintage; ``as_of`` restricts to the datasets it names instead. ``scaled`` multiplies
        value/lower/upper by ``10**unit_mult`` (and sets ``unit_mult`` to 0). ``columns`` returns
        only those observation or provenance columns (a large read costs a fraction of the memory).
        """
        where: list[str] = []
        params: list[Any] = []

        def add(column: str, codes: str | Sequence[str] | None) -> None:
            if codes is None:
                return
            items = [codes] if isinstance(codes, str) else list(codes)
            where.append(f"o.{column} IN ({', '.join('?' for _ in items)})")
            params.extend(str(c) for c in items)

        add("dataflow", dataflow)
        add("ref_area", ref_area)
        add("counterpart_area", counterpart_area)
        add("birthplace", birthplace)
        add("sex", sex)
        add("age", age)
        add("time_period", time_period)
        add("method", method)
        add("dataset_id", dataset_id)
        if series is not None:
            items = [series] if isinstance(series, str) else list(series)
            where.append(f"d.series IN ({', '.join('?' for _ in items)})")
            params.extend(items)
        if start_period is not None:
            where.append("TRY_CAST(left(o.time_period, 4) AS INTEGER) >= ?")
            params.append(int(str(start_period)[:4]))
        if end_period is not None:
            where.append("TRY_CAST(left(o.time_period, 4) AS INTEGER) <= ?")
            params.append(int(str(end_period)[:4]))
        if not include_missing:
            where.append("o.value IS NOT NULL")
        if not include_restricted:
            where.append("d.access = 'public'")
        if as_of is not None:
            ids = self.resolve_as_of(as_of)
            add("dataset_id", ids)
            latest = False
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        keys = ", ".join(f"o.{d}" for d in DIMENSIONS)
        qualify = (
            f"QUALIFY row_number() OVER (PARTITION BY d.series, {keys} "
            "ORDER BY d.vintage DESC, d.ingested_at DESC) = 1"
            if latest else ""
        )
        sql = f"""
            SELECT {_projection(columns, scaled)}
            FROM observations o JOIN datasets d USING (dataset_id)
            {clause}
            {qualify}
            ORDER BY o.dataflow, o.ref_area, o.counterpart_area, o.sex, o.age, o.time_period,
                     d.series, d.vintage
        """
        frame = self.con.execute(sql, params).df()
        if scaled and not frame.empty:
            factor = 10.0 ** frame["unit_mult"].astype(float)
            for col in ("value", "lower", "upper"):
                if col in frame.columns:
                    frame[col] = frame[col] * factor
            frame["unit_mult"] = 0
        return frame


PROVENANCE_COLUMNS = ("series", "vintage", "concept", "release_id", "licence", "publisher", "kind", "title")


def _projection(columns: Sequence[str] | None, scaled: bool) -> str:
    """The SELECT list of :meth:`Warehouse.observations` (every column, or the ones asked for)."""
    if columns is None:
        return "o.*, " + ", ".join(f"d.{c}" for c in PROVENANCE_COLUMNS)
    wanted = list(dict.fromkeys([*columns, *(["unit_mult"] if scaled else [])]))
    unknown = [c for c in wanted if c not in OBSERVATION_COLUMNS and c not in PROVENANCE_COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}")
    return ", ".join(f"o.{c}" if c in OBSERVATION_COLUMNS else f"d.{c}" for c in wanted)


def _prepare_observations(obs: pd.DataFrame, meta: DatasetMeta) -> pd.DataFrame:
    """Fill defaults, check codes and keys; raise before anything is written."""
    frame = obs.copy()
    frame["dataset_id"] = meta.dataset_id
    for column, default in OBSERVATION_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = default
    for column in ("dataflow", "ref_area", "time_period", "obs_status"):
        if column not in frame.columns:
            raise WarehouseError(f"observations for {meta.dataset_id} lack the column {column!r}")
    for column in ("dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age",
                   "time_period", "obs_status", "conf_status", "unit_measure", "method", "basis"):
        frame[column] = frame[column].astype("string")
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype("float64")
    for column in ("lower", "upper"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["unit_mult"] = frame["unit_mult"].astype("int32")
    missing = frame["value"].isna()
    unflagged = missing & ~frame["obs_status"].isin(MISSING_STATUSES)
    if unflagged.any():
        raise WarehouseError(
            f"{int(unflagged.sum())} missing value(s) in {meta.dataset_id} without a missing status "
            "(O, M, L or Q): missing must never pass for a number"
        )
    dup = frame.duplicated(list(DIMENSIONS), keep=False)
    if dup.any():
        first = frame.loc[dup, list(DIMENSIONS)].iloc[0].to_dict()
        raise WarehouseError(
            f"{int(dup.sum())} observations in {meta.dataset_id} share a key, e.g. {first}"
        )
    return frame[list(OBSERVATION_COLUMNS)]
