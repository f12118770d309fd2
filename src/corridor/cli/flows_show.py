"""``corridor flows show``: read stored flow estimates back, with their intervals, status and method.

::

    corridor flows show --origin Mexico --destination "United States" --period 2015-2020
    corridor flows show --origin MEX --destination USA --both-directions --format csv
    corridor flows show --origin India --period 2015-2020 --method da_pb_closed --top 10

Reads dataflow ``MIG_FLOW`` through the store's door (latest vintage of each method's series): every
method and period the warehouse holds unless ``--method``/``--period`` narrow it. Each row carries the
estimate, its ``lower``/``upper`` bounds and the ``interval`` text stored with it (what the interval is,
written by the estimator), its ``OBS_STATUS`` and dataset. Areas are typed as people name them
(:func:`corridor.reference.search.find_area`). Nothing here estimates: ``corridor flows estimate`` does.
Rows are read plain from the store (:meth:`corridor.store.warehouse.Warehouse.rows`): no pandas or Ibis
is loaded (issue 15: ``benchmarks/cli_startup.py``, ``tests/cli/test_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli.output import FormatOpt
from corridor.cli.records import Record, sort_rows, top_rows
from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

SHOW_COLUMNS = ["origin", "origin_name", "destination", "destination_name", "period", "sex", "method", "value",
                "lower", "upper", "obs_status", "interval", "dataset"]
#: Columns holding numbers (a readable table right-aligns them).
NUMERIC = ("value", "lower", "upper")


def flows_table(wh: Warehouse, *, origin: str | None, destination: str | None, period: str | None,
                method: str | None, sexes: list[str], both_directions: bool = False) -> list[Record]:
    """Stored flows (records keyed by :data:`SHOW_COLUMNS`) between area codes ``origin`` -> ``destination``
    (``None``: any country), and back with ``both_directions``; missing values kept (never 0). Read
    through :meth:`Warehouse.rows` (the store's selection and vintage rule, without pandas)."""
    from corridor.reference.areas import area_kind, area_name
    from corridor.store.selection import Selection

    pairs = [(origin, destination)] + ([(destination, origin)] if both_directions else [])
    obs: list[Record] = []
    for frm, to in pairs:
        obs += wh.rows(Selection.of("MIG_FLOW", counterpart_area=frm, ref_area=to, time_period=period, method=method,
                                    sex=sexes, birthplace="_T", age="_T"), scaled=True).records()
    if origin is None or destination is None:  # an open side lists countries, not regions
        obs = [r for r in obs if area_kind(r["ref_area"]) == "country" == area_kind(r["counterpart_area"])]
    out = [{
        "origin": r["counterpart_area"], "origin_name": area_name(r["counterpart_area"]),
        "destination": r["ref_area"], "destination_name": area_name(r["ref_area"]), "period": r["time_period"],
        "sex": r["sex"], "method": r["method"], "value": r["value"], "lower": r["lower"], "upper": r["upper"],
        "obs_status": r["obs_status"], "interval": r["interval"], "dataset": r["dataset_id"],
    } for r in obs if r["ref_area"] != r["counterpart_area"]]
    return sort_rows(out, [(c, True) for c in ("origin", "destination", "period", "sex", "method")])


def command(
    origin: Annotated[str | None, typer.Option(help="Country of origin: a name, ISO code or M49 number.")] = None,
    destination: Annotated[str | None, typer.Option(help="Country of destination, as --origin.")] = None,
    period: Annotated[str | None, typer.Option(help="A period such as 2015-2020 (default: every period).")]
    = None,
    method: Annotated[str | None, typer.Option(help="One method id, e.g. da_pb_closed (default: every one).")]
    = None,
    sex: Annotated[Literal["_T", "M", "F", "all"], typer.Option(help="_T, M, F or all.")] = "_T",
    both_directions: Annotated[bool, typer.Option("--both-directions",
                                                  help="Also the flows from destination to origin.")] = False,
    top: Annotated[int | None, typer.Option("--top", min=1,
                                            help="Keep the N largest flows of each period, method and sex.")] = None,
    fmt: FormatOpt = None,
    warehouse: Annotated[str | None, typer.Option(help="Warehouse file (default: CORRIDOR_WAREHOUSE or "
                                                       "var/corridor.duckdb).")] = None,
) -> None:
    """Stored flow estimates with their intervals, status and method (nothing is estimated)."""
    from corridor.cli.output import emit_records
    from corridor.config import warehouse_path
    from corridor.reference.search import find_area
    from corridor.store.warehouse import Warehouse

    if origin is None and destination is None:
        raise InputError("give --origin or --destination (or both)", column="--origin")
    if both_directions and (origin is None or destination is None):
        raise InputError("--both-directions needs --origin and --destination", column="--both-directions")
    path = warehouse_path(warehouse)
    if not path.exists():
        raise InputError("warehouse not found (ingest releases and estimate flows first)", file=str(path))
    codes = {"origin": find_area(origin) if origin else None,
             "destination": find_area(destination) if destination else None}
    sexes = ["_T", "M", "F"] if sex == "all" else [sex]
    with Warehouse.open(path, read_only=True) as wh:
        out = flows_table(wh, **codes, period=period, method=method, sexes=sexes, both_directions=both_directions)
    if top is not None:
        out = top_rows(out, top, ("period", "method", "sex"))
    if not out:
        typer.echo("no stored flow estimates match (run `corridor flows estimate --period ...` to make them)",
                   err=True)
    intervals = sorted({row["interval"] for row in out if row["interval"] is not None})
    columns = SHOW_COLUMNS if fmt else [c for c in SHOW_COLUMNS if c != "interval"]
    emit_records(columns, out, fmt, numeric=NUMERIC, title="Estimated migration flows (MIG_FLOW)",
                 sources=[f"interval: {text}" for text in intervals])
