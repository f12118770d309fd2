"""``corridor microdata``: inspect, tabulate and derive migration measures from census/survey microdata."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from corridor.cli.microdata_protect import protect
from corridor.disclose.cube import add_margins
from corridor.errors import InputError
from corridor.microdata.derived import MEASURES, MeasureOptions, derive
from corridor.microdata.engines import ENGINES, connect, load_table, register_frame
from corridor.microdata.read import format_of, read_microdata, variable_names
from corridor.microdata.release import ReleaseSpec, TableSpec, record_release, run_release
from corridor.microdata.tabulate import VIRTUAL, add_labels, needed_columns, tabulate, weight_candidates
from corridor.microdata.variables import CORE_TOPICS, TOPIC_QUESTIONS, VariableMap, parse_map, suggest_roles

app = typer.Typer(
    name="microdata",
    help="Census and survey microdata: inspect a file, tabulate the core migration questions.",
    no_args_is_help=True,
)

FORMATS = ("csv", "json")
VIRTUAL_NAMES = ", ".join(VIRTUAL)


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    return engine


def _write(df: Any, out: Path | None, fmt: str = "csv") -> None:
    """The table alone: CSV (empty = missing) or JSON (a list of records, missing as null)."""
    if fmt == "json":
        text = df.astype(object).where(df.notna(), None).to_json(orient="records", indent=1) + "\n"
    else:
        text = df.to_csv(index=False, na_rep="", float_format=None)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; formats: {', '.join(FORMATS)}")


@app.command("inspect")
def inspect(
    file: Path = typer.Argument(..., help="CSV, Parquet, .sav, .dta, IPUMS .dat(.gz), .rda/.rds"),
    codebook: Path | None = typer.Option(None, "--codebook", help="IPUMS DDI codebook (.xml)"),
    map_: str | None = typer.Option(None, "--map", help="role=VARIABLE,... (overrides the suggested roles)"),
    fmt: Literal["text", "json"] = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Print variables, types, labels, missing counts and the core census topics the file can answer."""
    varmap = parse_map(map_)
    con = connect("duckdb")
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[Any, str]] = {}
    if format_of(file) in ("parquet", "csv"):
        table = load_table(con, file)  # scanned by DuckDB, never loaded whole
    else:
        df = read_microdata(file, codebook=codebook)
        labels, value_labels = df.attrs["variable_labels"], df.attrs["value_labels"]
        from corridor.microdata.engines import normalize_frame

        table = register_frame(con, normalize_frame(df), "microdata")
    varmap.check(table.columns, file=str(file))
    counts = table.aggregate(
        __records=table.count(), **{f"m{i}": table[c].isnull().sum() for i, c in enumerate(table.columns)}
    ).to_pandas().iloc[0]
    roles = suggest_roles(table.columns, labels)
    for role, var in varmap.roles.items():
        roles = {k: v for k, v in roles.items() if v != role}
        roles[var] = role
    variables = []
    for i, col in enumerate(table.columns):
        vl = value_labels.get(col, {})
        variables.append({
            "variable": col, "type": str(table[col].type()), "label": labels.get(col, ""),
            "missing": int(counts[f"m{i}"]), "role": roles.get(col, ""),
            "value_labels": {str(k): v for k, v in vl.items()},
        })
    topics = {}
    for letter, role in CORE_TOPICS.items():
        vars_ = [v for v, r in roles.items() if r == role]
        topics[letter] = {"topic_id": role, "question": TOPIC_QUESTIONS[letter], "variables": vars_}
    report = {"file": str(file), "records": int(counts["__records"]), "variables": variables,
              "core_topics": topics}
    if fmt == "json":
        sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
        return
    if fmt != "text":
        raise InputError(f"unknown --format {fmt!r}; formats: text, json")
    out = Console(width=160)
    out.print(f"{file}: {report['records']} records, {len(variables)} variables")
    t = Table("variable", "type", "label", "missing", "role", "value labels")
    for v in variables:
        vl = "; ".join(f"{k}={lab}" for k, lab in list(v["value_labels"].items())[:6])
        if len(v["value_labels"]) > 6:
            vl += f"; ... ({len(v['value_labels'])})"
        t.add_row(v["variable"], v["type"], v["label"], str(v["missing"]), v["role"], vl)
    out.print(t)
    out.print("Core census topics (UN P&R Rev. 2):")
    for letter, info in topics.items():
        answer = ", ".join(info["variables"]) if info["variables"] else "not answered"
        out.print(f"  {letter} {info['question']}: {answer}")


def _open(file: Path, codebook: Path | None, engine: str, spark_master: str,
          columns: list[str]) -> Any:
    con = connect(_engine(engine), spark_master=spark_master)
    return load_table(con, file, codebook=codebook, columns=columns)


@app.command("tabulate")
def tabulate_command(
    file: Path = typer.Argument(..., help="microdata file"),
    map_: str | None = typer.Option(None, "--map", help="role=VARIABLE,... e.g. region=db040,citizenship=pb220a"),
    by: str = typer.Option(..., "--by", help=f"roles or variables, comma-separated; also {VIRTUAL_NAMES}"),
    weight: str | None = typer.Option(None, "--weight", help="weight variable (or the role 'weight')"),
    unweighted: bool = typer.Option(False, "--unweighted", help="count records on purpose (no warning)"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark"),
    spark_master: str = typer.Option("local[2]", "--spark-master", help="Spark master URL (spark://host:7077)"),
    min_cell: int | None = typer.Option(None, "--min-cell", help="protect: cells with fewer records are "
                                        "sensitive; linked with earlier releases of the file, audited"),
    protection: float = typer.Option(30.0, "--protection", help="% of a sensitive cell an attacker must "
                                     "not get closer than"),
    method: str = typer.Option("suppression", "--method", help="suppression (audited) or cell-key"),
    margins: bool | None = typer.Option(None, "--margins/--no-margins", help="margin rows (_T); default: "
                                        "with --min-cell"),
    register: Path | None = typer.Option(None, "--register", help="release register (default "
                                         "var/disclosure/releases.json)"),
    codebook: Path | None = typer.Option(None, "--codebook", help="IPUMS DDI codebook (.xml)"),
    fmt: Literal["csv", "json"] = typer.Option("csv", "--format", help="csv or json"),
    out: Path | None = typer.Option(None, "--out", help="write here instead of standard output"),
    with_labels: bool = typer.Option(False, "--labels", help="add <by>_label columns (codebook labels)"),
) -> None:
    """Count records (n) and weighted persons (estimate) by --by; with --min-cell, a protected release."""
    _check_format(fmt)
    varmap = parse_map(map_)
    names = _split(by)
    if not names:
        raise InputError("--by needs at least one variable")
    if unweighted and weight is not None:
        raise InputError("--weight and --unweighted contradict each other: choose one")
    table = _open(file, codebook, engine, spark_master, needed_columns(names, varmap, weight))
    _warn_unweighted(file, codebook, weight, varmap, unweighted)
    if min_cell is not None:
        spec = ReleaseSpec(file=file, tables=[TableSpec(name="_".join(names), by=names, out=out)], map=map_,
                           weight=weight, unweighted=unweighted or (weight is None and "weight" not in varmap),
                           min_cell=min_cell, protection=protection, method=method,
                           margins=True if margins is None else margins, codebook=codebook, register=register,
                           engine=_engine(engine), spark_master=spark_master)
        ((_, result),) = run_release(spec)
    else:
        result = tabulate(table, names, varmap, weight=weight, file=str(file), unweighted=unweighted)
        if margins:
            result = add_margins(result, by=names, columns=[c for c in ("n", "estimate") if c in result])
            result["obs_status"] = result["obs_status"].fillna("A")
            result["conf_status"] = "F"
    if with_labels:
        result = _labelled(result, file, codebook, names, varmap)
    _write(result, out, fmt)
    if min_cell is not None:
        record_release(spec, [(spec.tables[0], result)])


def _labelled(result: Any, file: Path, codebook: Path | None, names: list[str], varmap: VariableMap) -> Any:
    value_labels: dict[str, Any] = {}
    if format_of(file) not in ("parquet", "csv"):
        plain = [varmap.resolve(n) for n in names if n not in VIRTUAL]
        value_labels = read_microdata(file, codebook=codebook, columns=plain).attrs["value_labels"]
    isco = None
    if "occupation" in names or "occupation_major" in names:
        from corridor.microdata.variables import isco08_labels

        isco = isco08_labels()
    return add_labels(result, names, varmap, value_labels, isco)


def _warn_unweighted(file: Path, codebook: Path | None, weight: str | None, varmap: VariableMap,
                     unweighted: bool) -> None:
    """Say so on standard error when a file with weights is tabulated without them by default."""
    if weight is not None or "weight" in varmap or unweighted:
        return
    found = weight_candidates(*variable_names(file, codebook))
    if found:
        Console(stderr=True).print(
            f"warning: {file.name} has weight variable(s) {', '.join(found)} but no --weight was given: "
            "the table counts sample records (column n, no estimate). Give --weight VAR for persons, or "
            "--unweighted to say this is intended.", highlight=False, soft_wrap=True)


@app.command("derive")
def derive_command(
    file: Path = typer.Argument(..., help="microdata file"),
    measure: str = typer.Option(..., "--measure", help=", ".join(MEASURES)),
    map_: str | None = typer.Option(None, "--map", help="role=VARIABLE,..."),
    by: str | None = typer.Option(None, "--by", help="disaggregation: roles, variables or virtual variables"),
    home: str | None = typer.Option(None, "--home", help="codes meaning this country (birth/citizenship)"),
    abroad: str | None = typer.Option(None, "--abroad", help="codes of residence_past_date meaning abroad"),
    reference_year: int | None = typer.Option(None, "--reference-year", help="census reference year"),
    weight: str | None = typer.Option(None, "--weight", help="weight variable (or the role 'weight')"),
    unweighted: bool = typer.Option(False, "--unweighted", help="count records on purpose (no warning)"),
    engine: str = typer.Option("duckdb", "--engine"),
    spark_master: str = typer.Option("local[2]", "--spark-master"),
    min_cell: int | None = typer.Option(None, "--min-cell"),
    codebook: Path | None = typer.Option(None, "--codebook"),
    fmt: Literal["csv", "json"] = typer.Option("csv", "--format", help="csv or json"),
    out: Path | None = typer.Option(None, "--out"),
) -> None:
    """A derived measure (foreign-born stock, recent arrivals, ...) with its concept, by groups."""
    _check_format(fmt)
    varmap = parse_map(map_)
    value_labels: dict[str, Any] = {}
    topic_vars = [varmap[r] for r in CORE_TOPICS.values() if r in varmap]
    if format_of(file) not in ("parquet", "csv") and topic_vars:  # codebook labels: abroad, NIU codes
        value_labels = read_microdata(file, codebook=codebook, columns=topic_vars).attrs["value_labels"]
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; measures: {', '.join(MEASURES)}")
    roles = [r for r in ("country_of_birth", "citizenship", "year_of_arrival", "duration_of_residence",
                         "residence_past_date") if r in varmap]
    table = _open(file, codebook, engine, spark_master, needed_columns(_split(by), varmap, weight, roles))
    _warn_unweighted(file, codebook, weight, varmap, unweighted)
    codes = _split(home)
    options = MeasureOptions(
        home={"country_of_birth": codes, "citizenship": codes},
        abroad=_split(abroad) if abroad else None,
        reference_year=reference_year,
        value_labels=value_labels,
    )
    result = derive(table, measure, varmap, by=_split(by), weight=weight, options=options,
                    min_cell=min_cell, file=str(file), unweighted=unweighted)
    _write(result, out, fmt)


def _file_roles(file: Path, codebook: Path | None, varmap: VariableMap) -> VariableMap:
    """The explicit --map, else the roles suggested from the file's variable names and labels."""
    if varmap.roles:
        return varmap
    if format_of(file) == "parquet":
        import pyarrow.parquet as pq

        names, labels = pq.read_schema(file).names, {}
    else:
        df = read_microdata(file, codebook=codebook)
        names, labels = list(df.columns), df.attrs["variable_labels"]
    roles: dict[str, str] = {}
    for var, role in suggest_roles(names, labels).items():
        roles.setdefault(role, var)  # first variable found per role
    return VariableMap(roles)


@app.command("compliance")
def compliance_command(
    file: Path = typer.Argument(..., help="microdata file"),
    area: str = typer.Option(..., "--area", help="country, M49 code (840)"),
    year: int = typer.Option(..., "--year", help="reference year of the data"),
    kind: str = typer.Option("census", "--kind", help="census, survey or register"),
    dataset_id: str | None = typer.Option(None, "--dataset-id", help="default: the file name"),
    map_: str | None = typer.Option(None, "--map", help="role=VARIABLE,... (default: suggested roles)"),
    codebook: Path | None = typer.Option(None, "--codebook"),
    warehouse: Path | None = typer.Option(None, "--warehouse", help="DuckDB warehouse file"),
) -> None:
    """Record which of the five core census questions the file answers; print the inclusion rates."""
    # the answers become a CENSUS_QUESTION dataset (a new vintage when they change): docs/microdata.md
    from corridor.config import warehouse_path
    from corridor.microdata.compliance import inclusion_rates, record_compliance
    from corridor.store.snapshots import publishing

    varmap = _file_roles(file, codebook, parse_map(map_))
    with publishing(warehouse_path(warehouse)) as wh:
        rec = record_compliance(wh, dataset_id or file.name, ref_area=area, reference_year=year, kind=kind,
                                varmap=varmap, file_name=file.name)
        rates = inclusion_rates(wh, census_round=rec.rows["census_round"].iloc[0], kinds=[kind])
    state = "recorded" if rec.created else "unchanged (same answers already recorded)"
    Console(stderr=True).print(f"{state}: {rec.dataset_id} (vintage {rec.vintage})", highlight=False)
    sys.stdout.write(rec.rows[["dataset_id", "source", "ref_area", "census_round", "kind", "topic", "topic_id",
                               "answered", "variable"]].to_csv(index=False))
    sys.stdout.write("\n" + rates.to_csv(index=False))


app.command("protect")(protect)
