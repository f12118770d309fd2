"""Release tables from one microdata file: tabulate, protect together, audit, write all or nothing.

A *release specification* (YAML, documented in ``docs/disclosure.md``) names the file, how its
variables map to roles, the weight (or ``unweighted: true``), the protection rule and method, and the
tables::

    file: ../shared/data/microdata/eusilc13puf.rda   # relative to the specification's folder
    map: {region: db040, citizenship: pb220a, sex: rb090, age: age}
    weight: rb050
    min_cell: 10
    protection: 30          # % of a primary cell's value an attacker must not get closer than
    method: suppression     # or cell-key (ONS cell key perturbation, chosen explicitly)
    margins: true           # publish the margin rows (_T)
    tables:
      - {name: region_sex_citizenship, by: [region, sex, citizenship], out: rsc.csv}
      - {name: region_citizenship_age, by: [region, citizenship, age_group_broad], out: rca.csv}

With ``suppression`` the tables, and every table an earlier release published from the same file
(the register, :mod:`corridor.disclose.register`), are protected as one linked system and audited by
the attacker's LP (:func:`corridor.disclose.release.protect_release`); a refused release writes
nothing. With ``cell-key`` every table is perturbed with the same record keys (the same cell gets the
same noise in every table: ONS cell key method), so no audit of additivity applies. Outputs are written
to temporary files and renamed into place only when every table is ready; the register is updated last.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from corridor.disclose.cell_key import perturb_table
from corridor.disclose.register import Register, ReleasedTable, file_sha256
from corridor.disclose.release import ReleaseTable, protect_release
from corridor.errors import InputError
from corridor.microdata.engines import connect, load_table
from corridor.microdata.tabulate import code_text, group_keys, needed_columns, tabulate
from corridor.microdata.variables import VariableMap, parse_map

METHODS = ("suppression", "cell-key")
SPEC_KEYS = {"file", "codebook", "map", "weight", "unweighted", "min_cell", "protection", "method",
             "margins", "register", "tables"}
TABLE_KEYS = {"name", "by", "out"}


@dataclass
class TableSpec:
    """One table of a release: a name, the ``--by`` variables, where to write it (``None``: stdout)."""

    name: str
    by: list[str]
    out: Path | None = None


@dataclass
class ReleaseSpec:
    """Everything a release needs (see the module docstring for the YAML form)."""

    file: Path
    tables: list[TableSpec]
    map: str | None = None
    weight: str | None = None
    unweighted: bool = False
    min_cell: int = 10
    protection: float = 30.0
    method: str = "suppression"
    margins: bool = True
    codebook: Path | None = None
    register: Path | None = None
    engine: str = "duckdb"
    spark_master: str = "local[2]"


def load_spec(path: str | Path) -> ReleaseSpec:
    """Read and validate a release specification; an unknown key or a bad value names the key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the release specification: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("a release specification is a mapping (file:, tables:, ...)", file=str(path))
    unknown = sorted(set(data) - SPEC_KEYS)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; keys: {', '.join(sorted(SPEC_KEYS))}",
                         file=str(path))
    for key in ("file", "tables"):
        if key not in data:
            raise InputError(f"missing key {key!r}", file=str(path))
    base = path.parent
    mapping = data.get("map")
    if isinstance(mapping, dict):
        mapping = ",".join(f"{k}={v}" for k, v in mapping.items())
    elif mapping is not None and not isinstance(mapping, str):
        raise InputError("key 'map': a mapping role: VARIABLE (or 'role=VAR,...')", file=str(path))
    if not isinstance(data["tables"], list) or not data["tables"]:
        raise InputError("key 'tables': a non-empty list of {name, by, out}", file=str(path))
    tables = []
    for i, t in enumerate(data["tables"], start=1):
        if not isinstance(t, dict) or set(t) - TABLE_KEYS or "by" not in t:
            raise InputError(f"key 'tables' item {i}: expected name, by (list), out; got {t!r}",
                             file=str(path))
        by = t["by"] if isinstance(t["by"], list) else [p.strip() for p in str(t["by"]).split(",")]
        tables.append(TableSpec(name=str(t.get("name") or "_".join(by)), by=[str(b) for b in by],
                                out=base / t["out"] if t.get("out") else None))
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise InputError(f"key 'tables': table names repeat ({', '.join(names)})", file=str(path))

    def number(key: str, kind: type, default: Any) -> Any:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or kind is int and value != int(value):
            raise InputError(f"key {key!r}: expected a number{' (whole)' if kind is int else ''}, got {value!r}",
                             file=str(path))
        return kind(value)

    for key in ("unweighted", "margins"):
        if key in data and not isinstance(data[key], bool):
            raise InputError(f"key {key!r}: expected true or false, got {data[key]!r}", file=str(path))
    spec = ReleaseSpec(
        file=base / str(data["file"]), tables=tables, map=mapping, weight=data.get("weight"),
        unweighted=bool(data.get("unweighted", False)), min_cell=number("min_cell", int, 10),
        protection=number("protection", float, 30.0), method=str(data.get("method", "suppression")),
        margins=bool(data.get("margins", True)),
        codebook=base / data["codebook"] if data.get("codebook") else None,
        register=base / data["register"] if data.get("register") else None)
    check_spec(spec, where=str(path))
    return spec


def check_spec(spec: ReleaseSpec, *, where: str | None = None) -> None:
    """Values a release cannot run with: unknown method, a weight with ``unweighted``, min_cell < 1."""
    if spec.method not in METHODS:
        raise InputError(f"unknown method {spec.method!r}; methods: {', '.join(METHODS)}", file=where)
    if spec.unweighted and spec.weight:
        raise InputError("weight and unweighted contradict each other: choose one", file=where)
    if spec.min_cell < 1:
        raise InputError(f"min_cell must be at least 1, got {spec.min_cell}", file=where)
    if not 0 <= spec.protection <= 100:
        raise InputError(f"protection is a percentage (0-100), got {spec.protection}", file=where)
    if spec.method == "cell-key" and spec.weight:
        raise InputError("cell-key perturbation perturbs counts: tabulate unweighted (no weight)", file=where)


def run_release(spec: ReleaseSpec) -> list[tuple[TableSpec, pd.DataFrame]]:
    """Tabulate and protect every table of ``spec``; return them (nothing is written here)."""
    check_spec(spec)
    varmap = parse_map(spec.map)
    sha = file_sha256(spec.file)
    register = Register.load(spec.register)
    known = register.method(sha)
    if known is not None and known != spec.method:
        raise InputError(f"{spec.file.name} was released with {known}; a later release must use the same "
                         f"method (not {spec.method})", file=str(register.path))
    if spec.method == "cell-key":
        return _cell_key(spec, varmap)
    prior = register.prior(sha)
    weight = None if spec.unweighted else (spec.weight or varmap.get("weight"))
    if weight is None:  # protect with the weighted totals an earlier release published, if any
        weight = next((p.weight for p in prior if p.weight), None)
    names = [b for t in spec.tables for b in t.by] + [b for p in prior for b in p.by]
    roles_of = [varmap] + [parse_map(p.map) for p in prior]
    cols = list(dict.fromkeys(c for vm in roles_of for c in needed_columns(names, vm, weight)))
    con = connect(spec.engine, spark_master=spec.spark_master)
    table = load_table(con, spec.file, codebook=spec.codebook, columns=cols)
    sets = [ReleaseTable(t.name, t.by, tabulate(table, t.by, varmap, weight=weight, unweighted=weight is None,
                                                file=str(spec.file))) for t in spec.tables]
    sets += [ReleaseTable(p.name, p.by, tabulate(table, p.by, parse_map(p.map), weight=weight,
                                                 unweighted=weight is None, file=str(spec.file)),
                          suppressed=set(p.suppressed), margins=p.margins) for p in prior]
    published = protect_release(sets, min_cell=spec.min_cell, protection=spec.protection,
                                value="estimate" if weight else None, margins=spec.margins)
    out = []
    for t, pub in zip(spec.tables, published, strict=True):
        if spec.unweighted or (weight and not (spec.weight or varmap.get("weight"))):
            pub = pub.drop(columns=["estimate"], errors="ignore")
        pub.attrs["weighting"] = "unweighted" if "estimate" not in pub.columns else "weighted"
        out.append((t, pub))
    return out


def _cell_key(spec: ReleaseSpec, varmap: VariableMap) -> list[tuple[TableSpec, pd.DataFrame]]:
    """Every table perturbed from the same records and record keys (ONS cell key method)."""
    names = list(dict.fromkeys(b for t in spec.tables for b in t.by))
    con = connect(spec.engine, spark_master=spec.spark_master)
    table = load_table(con, spec.file, codebook=spec.codebook, columns=needed_columns(names, varmap))
    keys, labels = group_keys(table, names, varmap, file=str(spec.file))
    records = table.select(**keys).to_pandas()
    for name in names:
        label = labels[name]
        records[name] = [code_text(v) if label is str or pd.isna(v) else label(v) for v in records[name]]
    out = []
    for t in spec.tables:
        pub = perturb_table(records, by=t.by, threshold=spec.min_cell, totals=spec.margins)
        pub.attrs["weighting"] = "unweighted"
        out.append((t, pub))
    return out


def write_release(spec: ReleaseSpec, tables: list[tuple[TableSpec, pd.DataFrame]]) -> None:
    """Write every table with an ``out`` (all or none: temporary files renamed at the end), then
    record the release in the register."""
    temps: list[tuple[Path, Path]] = []
    try:
        for t, df in tables:
            if t.out is None:
                continue
            t.out.parent.mkdir(parents=True, exist_ok=True)
            tmp = t.out.with_name(f".{t.out.name}.tmp")
            tmp.write_text(df.to_csv(index=False, na_rep=""), encoding="utf-8")
            temps.append((tmp, t.out))
    except OSError as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the release: {exc}") from exc
    for tmp, final in temps:
        os.replace(tmp, final)
    record_release(spec, tables)


def record_release(spec: ReleaseSpec, tables: list[tuple[TableSpec, pd.DataFrame]]) -> None:
    """Add the released tables (their suppressed cells' codes, never values) to the register."""
    register = Register.load(spec.register)
    weight = None if spec.unweighted else spec.weight
    entries = []
    for t, df in tables:
        hidden = df[df["conf_status"] != "F"][t.by].astype(str)
        entries.append(ReleasedTable(name=t.name, by=list(t.by), map=spec.map, weight=weight,
                                     min_cell=spec.min_cell, protection=spec.protection, released_at="",
                                     suppressed=list(hidden.itertuples(index=False, name=None)),
                                     margins=spec.margins))
    register.record(file_sha256(spec.file), spec.file.name, spec.method, entries)
