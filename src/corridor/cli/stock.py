"""``corridor stock``: international migrant stock from every source that has it, in one command.

Everyday questions answered directly::

    corridor stock --origin Mexico --year 2019 --top 10        # top 10 destinations of Mexican emigrants
    corridor stock --destination WORLD --year 2020 --sex all   # world stock, both sexes, men and women
    corridor stock --destination USA --origin MEX --format csv
    corridor stock --destination Scotland --origin "United Kingdom" --roll-up   # user areas summed, marked

Areas are typed as people name them (:func:`corridor.reference.search.find_area`: "United States",
"UK", ISO codes, M49 numbers); an ambiguous name is an error listing the candidates. Every row names
its areas beside their codes. Regions and groupings (UN DESA regions, World Bank aggregates, the world
row) are left out of a listing over partners unless ``--aggregates`` is given, so that summing the rows
does not count people twice. ``--top N`` keeps the N largest rows of each source, year and sex;
``--sort`` orders by value (largest first) or name. The command reads plain rows from the store
(:meth:`corridor.store.warehouse.Warehouse.rows`) and never loads pandas or Ibis (issue 15:
start-up measured by ``benchmarks/cli_startup.py``, the import graph held by ``tests/cli/test_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli.output import FormatOpt
from corridor.cli.records import Record, sort_rows, top_rows

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="Warehouse file (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)."),
]

STOCK_COLUMNS = ["destination", "destination_name", "origin", "origin_name", "sex", "year", "value", "lower",
                 "upper", "obs_status", "conf_status", "concept", "dataset", "vintage"]
#: Columns holding numbers (a readable table right-aligns them).
NUMERIC = ("value", "lower", "upper")
SEXES = ("_T", "M", "F")
#: ``--sort`` keys: value (largest first), or a name column (A to Z), then the source and year.
SORTS = {"value": (["value"], [False]), "destination": (["destination_name"], [True]),
         "origin": (["origin_name"], [True]), "year": (["year"], [True])}
#: Area kinds listed over an open side without ``--aggregates``: countries and dissolved states.
LISTED_KINDS = ("country", "historical")


def _area(text: str | None, default: str | None) -> str | None:
    from corridor.reference.search import find_area

    return find_area(text) if text else default


def stock_table(wh: Warehouse, *, destination: str | None, origin: str | None, year: str | None,
                sexes: list[str], vintage: str | None, aggregates: bool,
                roll_up: bool = False) -> tuple[list[Record], list[str]]:
    """The rows of ``corridor stock`` (records keyed by :data:`STOCK_COLUMNS`, and ``rollup`` with
    ``roll_up``) and their source lines.

    ``destination``/``origin`` are area codes (``None``: every area; ``_T``: all origins). Without
    ``aggregates``, a side left open lists countries (and dissolved states) only. Read through
    :meth:`Warehouse.rows` (the store's selection and vintage rule, without pandas). With ``roll_up``,
    user areas are summed into the area asked for (or, on an open side, into their M49 area) and marked
    (:func:`corridor.store.rollup.roll_up`, which works on pandas: only this option loads it), beside the
    official rows of that area.
    """
    from corridor.reference.areas import area_kind, area_name

    if roll_up:
        obs = _rolled_up(wh, destination=destination, origin=origin, year=year, sexes=sexes, vintage=vintage)
    else:
        sel = wh.observation_selection("MIG_STOCK", ref_area=destination, counterpart_area=origin, sex=sexes,
                                       time_period=str(year) if year else None, as_of=vintage)
        obs = wh.rows(sel).records()
    if not aggregates:
        for side, chosen in (("ref_area", destination), ("counterpart_area", origin)):
            if chosen is None:
                obs = [r for r in obs if area_kind(r[side]) in LISTED_KINDS]

    def name(code: str) -> str:
        return "" if code == "_T" else area_name(code)

    out = [{
        "destination": r["ref_area"], "destination_name": name(r["ref_area"]),
        "origin": "" if r["counterpart_area"] == "_T" else r["counterpart_area"],
        "origin_name": name(r["counterpart_area"]), "sex": r["sex"], "year": r["time_period"], "value": r["value"],
        "lower": r["lower"], "upper": r["upper"], "obs_status": r["obs_status"], "conf_status": r["conf_status"],
        "concept": r["concept"] if r["basis"] is None else r["basis"], "dataset": r["dataset_id"],
        "vintage": r["vintage"], **({"rollup": r["rollup"]} if roll_up else {}),
    } for r in obs]
    cited = dict.fromkeys((r["dataset_id"], r["title"], r["publisher"], r["licence"]) for r in obs)
    sources = [f"{d}: {t} ({p}; {lic})" for d, t, p, lic in cited]
    return out, sources


def _rolled_up(wh: Warehouse, *, destination: str | None, origin: str | None, year: str | None,
               sexes: list[str], vintage: str | None) -> list[Record]:
    """The stock rows of the areas asked for and of the user areas inside them, with the user areas summed
    into those areas (:func:`corridor.store.rollup.roll_up`); missing values as ``None``."""
    from corridor.store.rollup import roll_up as rolled_up
    from corridor.store.rollup import user_descendants

    def with_parts(code: str | None) -> str | list[str] | None:
        return code if code in (None, "_T") else [code, *user_descendants(code)]

    obs = wh.observations("MIG_STOCK", ref_area=with_parts(destination), counterpart_area=with_parts(origin),
                          sex=sexes, time_period=str(year) if year else None, as_of=vintage)
    obs = rolled_up(rolled_up(obs, "ref_area", destination), "counterpart_area", None if origin == "_T" else origin)
    return obs.astype(object).where(obs.notna(), None).to_dict("records")


def arrange(rows: list[Record], *, sort: str | None, top: int | None) -> list[Record]:
    """Order the rows (``sort``: a key of :data:`SORTS`) and keep the ``top`` largest values of each
    dataset, year and sex (missing values last, never counted as 0)."""
    if top is not None:
        rows = top_rows(rows, top, ("dataset", "year", "sex"))
        sort = sort or "value"
    if sort is not None:
        columns, ascending = SORTS[sort]
        rows = sort_rows(rows, [("dataset", True), ("year", True), ("sex", True),
                                *zip(columns, ascending, strict=True)])
    return rows


def _csv_value(value: float | None) -> str:
    """A count as CSV text: whole numbers without ``.0``, missing empty."""
    if value is None or value != value:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else repr(value)


def command(
    destination: Annotated[str | None, typer.Option(
        help="Residence: a name ('United States'), ISO code, M49 number or WORLD (omit: every country).")] = None,
    origin: Annotated[str | None, typer.Option(
        help="Birthplace/citizenship, as --destination (omit: the total over all origins).")]
    = None,
    year: Annotated[str | None, typer.Option(help="Reference year (mid-year).")] = None,
    sex: Annotated[Literal["_T", "M", "F", "all"], typer.Option(
        help="_T (both sexes), M, F, or all (the three in one table).")] = "_T",
    top: Annotated[int | None, typer.Option("--top", min=1,
                                            help="Keep the N largest values of each source, year and sex.")] = None,
    sort: Annotated[Literal["value", "destination", "origin", "year"] | None, typer.Option(
        "--sort", help="value (largest first), destination, origin or year.")] = None,
    aggregates: Annotated[bool, typer.Option(
        "--aggregates", help="Also list regions and groupings (UN DESA regions, World Bank aggregates).")] = False,
    vintage: Annotated[str | None, typer.Option(help="Dataset or release id of an earlier vintage.")] = None,
    roll_up: Annotated[bool, typer.Option(
        "--roll-up", help="Sum registered user areas (Scotland, census zones) into the area asked for, or their "
        "M49 area; marked in a rollup column, beside the official rows.")] = False,
    fmt: FormatOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """International migrant stock, from every source that has it (latest vintage of each)."""
    from corridor.cli.output import emit_records
    from corridor.config import warehouse_path
    from corridor.reference.dataflows import dataflow
    from corridor.store.warehouse import Warehouse

    sexes = list(SEXES) if sex == "all" else [sex]
    dest_code, origin_code = _area(destination, None), _area(origin, "_T")
    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        out, sources = stock_table(wh, destination=dest_code, origin=origin_code, year=year, sexes=sexes,
                                   vintage=vintage, aggregates=aggregates, roll_up=roll_up)
    out = arrange(out, sort=sort, top=top)
    if fmt == "csv":
        out = [{**row, "value": _csv_value(row["value"])} for row in out]
    title = None if fmt else dataflow("MIG_STOCK").name  # the registry (YAML) is read for the table's title only
    columns = [*STOCK_COLUMNS, *(["rollup"] if roll_up else [])]
    emit_records(columns, out, fmt, numeric=NUMERIC, title=title, sources=sources)
