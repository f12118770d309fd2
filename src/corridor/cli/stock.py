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
``--sort`` orders by value (largest first) or name. Heavy libraries are imported when the command runs,
not when the command line is parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli.output import FormatOpt

if TYPE_CHECKING:
    import pandas as pd

WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="Warehouse file (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)."),
]

STOCK_COLUMNS = ["destination", "destination_name", "origin", "origin_name", "sex", "year", "value", "lower",
                 "upper", "obs_status", "conf_status", "concept", "dataset", "vintage"]
SEXES = ("_T", "M", "F")
#: ``--sort`` keys: value (largest first), or a name column (A to Z), then the source and year.
SORTS = {"value": (["value"], [False]), "destination": (["destination_name"], [True]),
         "origin": (["origin_name"], [True]), "year": (["year"], [True])}


def _area(text: str | None, default: str | None) -> str | None:
    from corridor.reference.search import find_area

    return find_area(text) if text else default


def stock_table(wh, *, destination: str | None, origin: str | None, year: str | None, sexes: list[str],
                vintage: str | None, aggregates: bool, roll_up: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``corridor stock`` (columns :data:`STOCK_COLUMNS`, and ``rollup`` with ``roll_up``) and
    their source lines.

    ``destination``/``origin`` are area codes (``None``: every area; ``_T``: all origins). Without
    ``aggregates``, a side left open lists countries (and dissolved states) only. With ``roll_up``, user
    areas are summed into the area asked for (or, on an open side, into their M49 area) and marked
    (:func:`corridor.store.rollup.roll_up`), beside the official rows of that area.
    """
    import pandas as pd

    from corridor.reference.areas import area_name, area_table
    from corridor.store.rollup import roll_up as rolled_up
    from corridor.store.rollup import user_descendants

    def with_parts(code: str | None) -> str | list[str] | None:
        return code if code in (None, "_T") or not roll_up else [code, *user_descendants(code)]

    obs = wh.observations("MIG_STOCK", ref_area=with_parts(destination), counterpart_area=with_parts(origin),
                          sex=sexes, time_period=str(year) if year else None, as_of=vintage)
    if roll_up:
        obs = rolled_up(rolled_up(obs, "ref_area", destination), "counterpart_area",
                        None if origin == "_T" else origin)
    if not aggregates:
        kinds = dict(zip(area_table()["m49"].astype(str), area_table()["kind"].astype(str), strict=True))
        countries = {code for code, kind in kinds.items() if kind in ("country", "historical")}
        if destination is None:
            obs = obs[obs["ref_area"].isin(countries)]
        if origin is None:
            obs = obs[obs["counterpart_area"].isin(countries)]

    def name(code: object) -> str:
        return "" if code == "_T" else area_name(str(code))

    out = pd.DataFrame({
        "destination": obs["ref_area"], "destination_name": obs["ref_area"].map(name),
        "origin": obs["counterpart_area"].replace("_T", ""), "origin_name": obs["counterpart_area"].map(name),
        "sex": obs["sex"], "year": obs["time_period"], "value": obs["value"], "lower": obs["lower"],
        "upper": obs["upper"], "obs_status": obs["obs_status"], "conf_status": obs["conf_status"],
        "concept": obs["basis"].fillna(obs["concept"]), "dataset": obs["dataset_id"], "vintage": obs["vintage"],
        **({"rollup": obs["rollup"]} if roll_up else {}),
    }, columns=[*STOCK_COLUMNS, *(["rollup"] if roll_up else [])])
    sources = [f"{d}: {t} ({p}; {lic})" for d, t, p, lic in
               obs[["dataset_id", "title", "publisher", "licence"]].drop_duplicates().itertuples(index=False)]
    return out.reset_index(drop=True), sources


def arrange(frame: pd.DataFrame, *, sort: str | None, top: int | None) -> pd.DataFrame:
    """Order the rows (``sort``: a key of :data:`SORTS`) and keep the ``top`` largest values of each
    dataset, year and sex (missing values last, never counted as 0)."""
    if top is not None:
        frame = frame.sort_values("value", ascending=False, na_position="last", kind="stable")
        frame = frame.groupby(["dataset", "year", "sex"], sort=False, dropna=False).head(top)
        sort = sort or "value"
    if sort is not None:
        columns, ascending = SORTS[sort]
        frame = frame.sort_values(["dataset", "year", "sex", *columns], ascending=[True, True, True, *ascending],
                                  na_position="last", kind="stable")
    return frame.reset_index(drop=True)


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
    from corridor.cli.output import emit
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
        out["value"] = out["value"].map(
            lambda v: "" if v != v else f"{v:.0f}" if float(v).is_integer() else repr(v)
        )
    emit(out, fmt, title=dataflow("MIG_STOCK").name, sources=sources)
