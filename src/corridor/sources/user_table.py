"""A user's own table (CSV, TSV, Excel or Parquet; long or wide) read through a declared mapping file.

The mapping (:mod:`corridor.sources.mapping`, every key in ``docs/adding-a-source.md``) says what each
column or header row holds, how numbers are written, which code system each area column uses, which
labels are totals, the user's own aliases and the date whose boundaries the table is on. Reading goes:

1. the file -> header rows and body -> one entry per count cell (:mod:`.user_layout`);
2. counts under the declared number format and missing markers (:mod:`.numbers`), scale as
   ``UNIT_MULT``;
3. areas through the declared system, the user's aliases and the reference date (:mod:`.area_labels`);
   sex, age, direction and status labels through ``codes.*`` and their codelists (registered user age
   groups included);
4. keys unique, totals stored as totals and checked against their parts (:mod:`.totals`).

Any failure is an :class:`~corridor.errors.InputError` naming file, row, column (or mapping key) and the
reason, raised before anything is written. ``..``, ``-`` and blanks stay missing with their status.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from corridor.errors import InputError
from corridor.reference.codes import codes
from corridor.sources.area_labels import cell_dates, dated, read_aliases, resolve_labels
from corridor.sources.cells import check_unique
from corridor.sources.fetch import sha256_of
from corridor.sources.ingest import IngestReport
from corridor.sources.labels import by_unique, constant
from corridor.sources.mapping import Mapping, load_mapping
from corridor.sources.numbers import parse_counts
from corridor.sources.totals import TOTAL_CODES, check_totals
from corridor.sources.user_layout import Cells, read_grids, to_cells
from corridor.store.warehouse import DatasetMeta, Warehouse

__all__ = ["ingest_user_table", "load_mapping", "read_user_table"]

#: The observation column each area role fills, and the direction a residence role implies.
AREA_COLUMN = {"residence": "ref_area", "birthplace": "counterpart_area", "citizenship": "counterpart_area",
               "previous_residence": "counterpart_area", "next_residence": "counterpart_area"}
IMPLIED_DIRECTION = {"previous_residence": "IMM", "next_residence": "EMI"}
#: Dataflows whose observations are at a date (a year), never over a period.
AT_A_DATE = {"MIG_STOCK", "POP", "MIG_SHARE"}


def read_user_table(path: Path, mapping: Mapping, *, base: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Observations from a user's table according to its mapping, and the warnings of the totals check.

    ``base`` is the folder the mapping's relative paths (``aliases``) are read from; ``progress`` is
    told each step as it starts. A delimited text file is read, reshaped and coded a block of rows at a
    time (:func:`~corridor.sources.user_layout.read_grids`): every label becomes a category as soon as
    its block is read, so memory holds a few bytes per cell, not the table's text."""
    name = path.name
    say = progress or (lambda step: None)
    say(f"reading {name}")
    aliases = read_aliases((base or Path.cwd()) / mapping.aliases) if mapping.aliases else {}
    parts, rows, cells_seen = [], 0, 0
    for grid in read_grids(path, mapping):
        rows += len(grid.body)
        cells = to_cells(grid, mapping, file=name)
        del grid  # the block's text is no longer needed: its labels are categories now
        cells_seen += len(cells.raw)
        parts.append(_observations(cells, mapping, aliases, file=name))
        del cells
        say(f"{rows:,} rows read, {cells_seen:,} cells coded")
    obs = _concat(parts)
    del parts
    _release_arrow_memory()
    key = ["ref_area", "counterpart_area", "time_period", "sex", "age", "topic"]
    if mapping.identical_repeats == "keep_one":  # UN workbooks list an SDG region in two groupings
        obs = obs[~obs.duplicated([*key, "value", "obs_status"])]
    say("checking keys and totals")
    _check_unique(obs, key, file=name)
    warnings = check_totals(obs, mapping.totals, file=name)
    return obs.drop(columns=["_row", "_column"]), warnings


def _observations(cells: Cells, mapping: Mapping, aliases: dict[str, str], *, file: str) -> pd.DataFrame:
    """The observations of one block of cells: counts, periods and every coded dimension (categories)."""
    name = file
    obs = pd.DataFrame({"_row": cells.rows, "_column": cells.columns})
    obs["time_period"] = _periods(cells, mapping, file=name)
    obs["value"], obs["obs_status"] = _counts(cells, mapping, file=name)
    dates = cell_dates(obs["time_period"], mapping.reference_date)
    obs["counterpart_area"] = constant("_T", len(obs))
    for role, column in AREA_COLUMN.items():
        if role not in cells.labels:
            continue
        resolved = resolve_labels(
            cells.labels[role], mapping.codes.system(role), aliases=aliases, totals=mapping.totals.labels,
            total_code=TOTAL_CODES[column], names_source=mapping.codes.names_source,
            code_source=mapping.codes.code_source, file=name, column=cells.where[role])
        obs[column] = dated(resolved, dates, on_boundaries_of_date=mapping.reference_date is not None,
                            labels=cells.labels[role], row_of=lambda i, r=role: cells.row_of(r, i), file=name,
                            column=cells.where[role]).array
    obs["sex"] = _coded(cells, "sex", "SEX", mapping.codes.sex, mapping, file=name)
    age_labels = mapping.codes.age if isinstance(mapping.codes.age, dict) else {}
    as_written = cells.labels.get("age")
    if mapping.codes.age == "eurostat" and as_written is not None:
        cells.labels["age"] = _eurostat_age(as_written)
    obs["age"] = _coded(cells, "age", "AGE", age_labels, mapping, file=name, shown=as_written)
    obs["topic"] = _direction(cells, mapping, file=name)
    obs["dataflow"] = constant(mapping.dataflow, len(obs))
    obs["unit_mult"] = np.int8(round(math.log10(mapping.numbers.scale)))
    for column in obs.columns:  # every label column as categories (a few bytes per cell)
        if column not in ("_row", "value", "unit_mult") and not isinstance(obs[column].dtype, pd.CategoricalDtype):
            obs[column] = pd.Categorical(obs[column])
    return obs


def _release_arrow_memory() -> None:
    """Hand the memory Arrow's pool kept from reading the blocks back to the system (their text is gone)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Blocks of observations as one frame, categories merged (``pd.concat`` would turn categoricals
    with different categories into objects, one Python string per cell)."""
    if len(parts) == 1:
        return parts[0]
    out = {}
    for column in list(parts[0].columns):  # a column at a time, each block's copy dropped once merged
        pieces = [p.pop(column) for p in parts]
        if isinstance(pieces[0].dtype, pd.CategoricalDtype):
            out[column] = pd.Series(union_categoricals([pd.Categorical(p) for p in pieces], ignore_order=True))
        else:
            out[column] = pd.concat(pieces, ignore_index=True)
        del pieces
    return pd.DataFrame(out)


def _check_unique(obs: pd.DataFrame, key: list[str], *, file: str) -> None:
    """Keys unique: one integer per cell from the categories' codes (no strings hashed), and only the
    cells of a duplicated key looked at again to name their rows (:func:`cells.check_unique`)."""
    combined = np.zeros(len(obs), dtype=np.int64)
    span = 1
    for column in key:
        if isinstance(obs[column].dtype, pd.CategoricalDtype):  # the codes are there already (no hashing)
            codes, uniques = obs[column].cat.codes.to_numpy(), obs[column].cat.categories
        else:
            codes, uniques = pd.factorize(obs[column])
        span *= len(uniques) + 1
        if span >= 2**62:  # too many combinations for one integer: compare the labels themselves
            check_unique(obs.astype({c: object for c in key}), key, file=file)
            return
        combined = combined * (len(uniques) + 1) + codes
    ordered = np.sort(combined)  # sorted, a repeat sits beside its twin: 8 bytes a cell, no hash table
    if not (ordered[1:] == ordered[:-1]).any():
        return
    del ordered
    dup = pd.Series(combined).duplicated(keep=False).to_numpy()
    if dup.any():
        check_unique(obs[dup].astype({c: object for c in key}), key, file=file)


def _counts(cells: Cells, mapping: Mapping, *, file: str) -> tuple[np.ndarray, np.ndarray]:
    values, status = parse_counts(cells.raw, mapping.numbers, file=file, rows=cells.rows, columns=cells.columns)
    if "status" in cells.labels:
        given = _coded(cells, "status", "OBS_STATUS", mapping.codes.status, mapping, file=file).to_numpy()
        present = ~np.isnan(values)
        status = np.where(present, given, status)
    return values, status


def _periods(cells: Cells, mapping: Mapping, *, file: str) -> pd.Series:
    """``YYYY`` (a year, or a date in it) or ``YYYY-YYYY`` (a period, for flows: 1990-2000)."""
    raw = cells.labels["year"]

    def normalise(text: pd.Series) -> pd.Series:
        text = text.str.replace(r"^(\d{4})\.0$", r"\1", regex=True)
        return text.str.replace(r"^(\d{4})\s*[-/–]\s*(\d{4})$", r"\1-\2", regex=True)

    text = by_unique(raw, normalise)
    bad = [t for t in text.categories if not _is_period(t, mapping.dataflow)]
    if bad:
        i = int(np.flatnonzero(np.asarray(text == bad[0]))[0])
        what = ("a four-digit year" if mapping.dataflow in AT_A_DATE
                else "a four-digit year or a period YYYY-YYYY (start before end)")
        raise InputError(f"year {raw.iloc[i]!r} is not {what}", file=file, row=cells.row_of('year', i),
                         column=cells.where["year"])
    return pd.Series(text)


def _is_period(text: str, flow: str) -> bool:
    if len(text) == 4 and text.isdigit():
        return True
    parts = text.split("-")
    return (flow not in AT_A_DATE and len(parts) == 2 and all(len(p) == 4 and p.isdigit() for p in parts)
            and parts[0] < parts[1])


def _coded(cells: Cells, role: str, codelist: str, table: dict[str, str], mapping: Mapping, *,
           file: str, shown: pd.Series | None = None) -> pd.Series:
    """Labels of a coded dimension -> codes: ``codes.<role>``, the totals labels, then the codelist itself.

    The first label that is none of these is an error naming its row and column and the valid codes."""
    n = len(cells.raw)
    if role not in cells.labels:
        return pd.Series(constant("_T", n))
    lookup = {**{label: "_T" for label in mapping.totals.labels}, **{str(k): str(v) for k, v in table.items()}}
    valid = codes(codelist)
    coded = by_unique(cells.labels[role], lambda labels: labels.map(lambda label: lookup.get(label, label)))
    bad = [code for code in coded.categories if code not in valid]
    if bad:
        i = int(np.flatnonzero(np.asarray(coded == bad[0]))[0])
        raise InputError(f"{role} {(shown if shown is not None else cells.labels[role]).iloc[i]!r} is not a "
                         f"{codelist} code "
                         f"({'/'.join(list(valid)[:12])}{'...' if len(valid) > 12 else ''}) and not in "
                         f"codes.{role}" + (" (register your own age groups: corridor register)"
                                            if codelist == "AGE" else ""),
                         file=file, row=cells.row_of(role, i), column=cells.where[role])
    return pd.Series(coded)


def _eurostat_age(labels: pd.Series) -> pd.Series:
    """Eurostat's age labels in SDMX CL_AGE notation: ``Y15-19`` -> ``Y15T19``, ``Y_GE65`` -> ``Y65T_``,
    ``Y_LT5`` -> ``Y0T4``, ``UNK`` -> ``_U``, ``TOTAL`` -> ``_T`` (Eurostat's codelist AGE)."""

    def convert(text: pd.Series) -> pd.Series:
        out = text.str.replace(r"^Y(\d+)-(\d+)$", r"Y\1T\2", regex=True)
        out = out.str.replace(r"^Y_GE(\d+)$", r"Y\1T_", regex=True)
        below = out.str.extract(r"^Y_LT(\d+)$")[0]
        out = out.where(below.isna(), "Y0T" + (below.astype(float) - 1).astype("Int64").astype(str))
        return out.replace({"UNK": "_U", "TOTAL": "_T"})

    return pd.Series(by_unique(labels, convert))


def _direction(cells: Cells, mapping: Mapping, *, file: str) -> pd.Series:
    """FLOW_DIRECTION of each cell (``topic``): a direction column, or the one a residence role implies."""
    implied = IMPLIED_DIRECTION.get(mapping.counterpart_role or "")
    if "direction" in cells.labels:
        coded = _coded(cells, "direction", "FLOW_DIRECTION", mapping.codes.direction, mapping, file=file)
        if implied is not None and (coded != implied).any():
            raise InputError(f"{mapping.counterpart_role} implies direction {implied}, the direction column says "
                             "otherwise", file=file, column=cells.where["direction"])
        return coded
    if mapping.dataflow == "MIG_FLOW_REG" and implied is None:
        raise InputError("key 'columns': register flows need a direction column (or constants.direction: IMM/EMI) "
                         "or previous_residence/next_residence", file=file)
    return pd.Series(constant(implied or "_T", len(cells.raw)))


def mapping_sha256(mapping_path: Path, mapping: Mapping) -> str:
    """The identity of how a file was read: the mapping's bytes and those of the alias file it names."""
    parts = [sha256_of(mapping_path)]
    if mapping.aliases:
        parts.append(sha256_of(mapping_path.parent / mapping.aliases))
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()


def ingest_user_table(wh: Warehouse, path: Path, mapping_path: Path, *, replaces: str | None = None,
                      progress: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest a user's table with its mapping (atomic; the same file read with the same mapping twice is a
    no-op). A file of the same name already ingested in the same series is a correction: the new dataset
    replaces it (``replaces`` names another dataset of the series instead)."""
    start = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping = load_mapping(mapping_path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    sha, how = sha256_of(path), mapping_sha256(mapping_path, mapping)
    existing = wh.find_by_sha(sha, "user-table", how)
    if existing is not None:
        row = wh.dataset(existing)
        return IngestReport(existing, int(row["rows_accepted"]), 0, False, time.perf_counter() - start)
    obs, warnings = read_user_table(path, mapping, base=mapping_path.parent, progress=progress)
    series = mapping.series or f"user:{path.stem}"
    meta = DatasetMeta(
        dataset_id=f"user:{path.stem}@{hashlib.sha256(f'{sha} {how}'.encode()).hexdigest()[:12]}",
        series=series, vintage=str(mapping.vintage or time.strftime("%Y-%m-%d")),
        layout="user-table", publisher=mapping.publisher, title=mapping.title or path.name,
        licence=mapping.licence, source_url=mapping.source_url, copy_of=mapping.copy_of, sha256=sha,
        mapping_sha256=how, file_name=path.name, concept=mapping.concept, kind=mapping.kind,
        access=mapping.access, method="user-table", parameters=mapping.model_dump(mode="json", by_alias=True),
        reference_dates=", ".join(sorted(map(str, obs["time_period"].unique()))),
        notes="; ".join(warnings) or None,
        replaces=replaces or wh.current_dataset(series, path.name),
    )
    if progress is not None:
        progress(f"validating and writing {len(obs):,} observations")
    dataset_id = wh.write_dataset(meta, obs)
    return IngestReport(dataset_id, len(obs), 0, True, time.perf_counter() - start)
