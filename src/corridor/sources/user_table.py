"""A user's own table (CSV, Excel or Parquet) read through a small declared mapping file.

Mapping (YAML)::

    title: Census 2021, foreign-born population by country of birth
    publisher: Statistics Office of X
    licence: CC-BY-4.0
    vintage: "2021"            # edition label; default: today's date
    series: statx-census       # optional; default user:<file stem>
    concept: foreign_born      # id from the concept registry (required)
    kind: census               # census / register / survey / estimate
    dataflow: MIG_STOCK        # default MIG_STOCK
    sheet: Table 1             # Excel only
    skip_rows: 0
    columns:                   # which column holds what (count and residence required)
      residence: Country
      birthplace: Country of birth     # or  citizenship: ...
      sex: Sex
      age: Age
      year: Year
      count: Persons
      status: Flag             # optional OBS_STATUS per row
    constants:                 # values for dimensions the table does not have
      year: "2021"
    codes:
      areas: names             # m49 | iso3 | names
      names_source: undesa-ims-2019-od   # alias table used for names
      sex: {Total: _T, Males: M, Females: F}
      age: {"15-19": Y15T19}   # labels -> AGE codes (default: the labels must be AGE codes)

Unknown areas, unknown sex labels, negative or non-numeric counts and duplicate keys are errors that
name the file, row and column. ``..``, ``-`` and blanks stay missing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from corridor.errors import InputError
from corridor.reference.areas import area_code, resolve_iso3, resolve_names
from corridor.reference.codes import codes
from corridor.reference.concepts import concepts
from corridor.sources.cells import check_unique, parse_cells
from corridor.sources.ingest import IngestReport, combined_sha256
from corridor.sources.readers import open_workbook, read_csv_text, sheet_rows
from corridor.store.warehouse import DatasetMeta, Warehouse

ROLES = ("residence", "birthplace", "citizenship", "sex", "age", "year", "count", "status")


def load_mapping(path: Path) -> dict[str, Any]:
    """Read and check a mapping file."""
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the mapping: {exc}", file=str(path)) from exc
    if not isinstance(mapping, dict):
        raise InputError("the mapping must be a YAML mapping (key: value)", file=str(path))
    columns = mapping.get("columns") or {}
    unknown = sorted(set(columns) - set(ROLES))
    if unknown:
        raise InputError(f"unknown column role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}",
                         file=str(path))
    for role in ("residence", "count"):
        if role not in columns and role not in (mapping.get("constants") or {}):
            raise InputError(f"the mapping must say which column is {role!r}", file=str(path))
    if "birthplace" in columns and "citizenship" in columns:
        raise InputError("give birthplace or citizenship, not both", file=str(path))
    concept = mapping.get("concept")
    if concept not in concepts():
        raise InputError(f"concept {concept!r} is not in the concept registry "
                         f"({', '.join(sorted(concepts()))})", file=str(path))
    return mapping


def _read_table(path: Path, mapping: dict[str, Any]) -> tuple[pd.DataFrame, int]:
    """The table as strings, plus the file row number of its first data row."""
    skip = int(mapping.get("skip_rows", 0))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        table = read_csv_text(path, sep="\t" if suffix == ".tsv" else ",", skiprows=skip)
        return table, skip + 2
    if suffix in (".xlsx", ".xlsm"):
        sheet = mapping.get("sheet")
        wb = open_workbook(path)
        rows = sheet_rows(wb, sheet or wb.sheetnames[0], file=path.name)[skip:]
        if not rows:
            raise InputError("the sheet is empty", file=path.name, sheet=sheet)
        header = [str(c).strip() if c is not None else "" for c in rows[0]]
        return pd.DataFrame(rows[1:], columns=header).astype(object), skip + 2
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path).astype(object), 1
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise InputError(f"not a readable Parquet file: {exc}", file=path.name) from exc
    raise InputError(f"unsupported file type {suffix!r} (CSV, TSV, XLSX or Parquet)", file=path.name)


def _areas(values: pd.Series, how: str, mapping: dict[str, Any], *, file: str, column: str) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(r"^(\d+)\.0$", r"\1", regex=True)  # 840.0 (a float column) = 840
    if how == "names":
        source = mapping.get("codes", {}).get("names_source", "undesa-ims-2019-od")
        table = resolve_names(text.unique(), source, file=file, column=column)
    elif how == "iso3":
        table = resolve_iso3(text.unique(), file=file, column=column)
    elif how == "m49":
        table = {}
        for v in text.unique():
            try:
                table[v] = area_code(v)
            except InputError as exc:
                raise InputError(f"{exc.reason}", file=file, column=column) from None
    else:
        raise InputError(f"codes.areas must be m49, iso3 or names, not {how!r}", file=file)
    return text.map(table)


def _coded(raw: pd.Series, role: str, codelist: str, rows: pd.Series, mapping: dict[str, Any], *,
           file: str, column: str) -> pd.Series:
    """Labels of a coded dimension -> codes: through ``codes.<role>`` of the mapping, then the codelist.

    The first label that is neither mapped nor a code of ``codelist`` is an error naming its row.
    """
    labels = raw.astype(str).str.strip()
    table = {str(k): v for k, v in (mapping.get("codes", {}).get(role) or {}).items()}
    coded = labels.map(lambda label: table.get(label, label))
    valid = codes(codelist)
    bad = ~coded.isin(list(valid))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{role} {raw.iloc[i]!r} is not {'/'.join(valid)} and not in codes.{role}",
                         file=file, row=int(rows.iloc[i]), column=column)
    return coded


def read_user_table(path: Path, mapping: dict[str, Any]) -> pd.DataFrame:
    """Observations from a user's table according to its mapping."""
    name = path.name
    table, first_row = _read_table(path, mapping)
    columns: dict[str, str] = mapping.get("columns") or {}
    constants: dict[str, Any] = mapping.get("constants") or {}
    missing = [c for c in columns.values() if c not in table.columns]
    if missing:
        raise InputError(f"column(s) {', '.join(repr(m) for m in missing)} not in the table; it has "
                         f"{', '.join(repr(str(c)) for c in table.columns)}", file=name, row=first_row - 1)
    rows = pd.Series(np.arange(first_row, first_row + len(table)))
    table = table.reset_index(drop=True)

    def col(role: str) -> pd.Series | None:
        if role in columns:
            return table[columns[role]]
        if role in constants:
            return pd.Series([constants[role]] * len(table))
        return None

    how = mapping.get("codes", {}).get("areas", "m49")
    obs = pd.DataFrame({"_row": rows})
    obs["ref_area"] = _areas(col("residence"), how, mapping, file=name,
                             column=columns.get("residence", "residence"))
    other = "birthplace" if col("birthplace") is not None else "citizenship"
    counterpart = col(other)
    obs["counterpart_area"] = (_areas(counterpart, how, mapping, file=name, column=columns.get(other, other))
                               if counterpart is not None else "_T")
    sex = col("sex")
    if sex is not None:
        obs["sex"] = _coded(sex, "sex", "SEX", rows, mapping, file=name, column=columns.get("sex", "sex"))
    age = col("age")
    if age is not None:
        obs["age"] = _coded(age, "age", "AGE", rows, mapping, file=name, column=columns.get("age", "age"))
    else:
        obs["age"] = "_T"
    year = col("year")
    if year is None:
        raise InputError("the mapping gives neither a year column nor constants.year", file=name)
    years = year.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    bad = ~years.str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"year {year.iloc[i]!r} is not a four-digit year", file=name,
                         row=int(rows.iloc[i]), column=columns.get("year", "year"))
    obs["time_period"] = years
    status = col("status")
    if status is not None:
        status = _coded(status, "status", "OBS_STATUS", rows, mapping, file=name,
                        column=columns.get("status", "status"))
    count_col = columns.get("count", "count")
    values, obs_status = parse_cells(col("count").astype(object), file=name, rows=rows,
                                     columns=[count_col] * len(table),
                                     status=status.astype(str) if status is not None else "A")
    obs["value"], obs["obs_status"] = values.to_numpy(), obs_status.to_numpy()
    obs["dataflow"] = mapping.get("dataflow", "MIG_STOCK")
    keys = ["ref_area", "counterpart_area", "time_period"] + [k for k in ("sex", "age") if k in obs]
    check_unique(obs, keys, file=name)
    return obs.drop(columns=["_row"])


def ingest_user_table(wh: Warehouse, path: Path, mapping_path: Path) -> IngestReport:
    """Ingest a user's table with its mapping (atomic; same bytes and mapping twice = no-op)."""
    import time

    if not path.exists():
        raise InputError("no such file", file=str(path))
    start = time.perf_counter()
    mapping = load_mapping(mapping_path)
    # identity = the table's bytes and the mapping's bytes, whatever the files are called
    sha = hashlib.sha256(f"{combined_sha256([path])} {combined_sha256([mapping_path])}".encode()).hexdigest()
    layout = "user-table"
    existing = wh.find_by_sha(sha, layout)
    if existing is not None:
        row = wh.dataset(existing)
        return IngestReport(existing, int(row["rows_accepted"]), 0, False, time.perf_counter() - start)
    obs = read_user_table(path, mapping)
    meta = DatasetMeta(
        dataset_id=f"user:{path.stem}@{sha[:12]}",
        series=mapping.get("series") or f"user:{path.stem}",
        vintage=str(mapping.get("vintage") or time.strftime("%Y-%m-%d")),
        layout=layout, publisher=mapping.get("publisher"), title=mapping.get("title") or path.name,
        licence=mapping.get("licence"), source_url=mapping.get("source_url"), sha256=sha,
        file_name=path.name, concept=mapping["concept"], kind=mapping.get("kind"),
        access=mapping.get("access", "public"), method=layout, parameters=mapping,
        reference_dates=", ".join(sorted(obs["time_period"].unique())),
    )
    dataset_id = wh.write_dataset(meta, obs)
    return IngestReport(dataset_id, len(obs), 0, True, time.perf_counter() - start)
