"""Commands on releases and the warehouse: fetch, ingest, datasets, run (``corridor stock`` is in
:mod:`corridor.cli.stock`). Libraries are imported inside the commands, so that parsing the command
line (``--help``) does not wait for pandas, DuckDB or Ibis."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli.common import stderr_console as err  # made on first use (rich loads then)
from corridor.cli.output import FormatOpt

if TYPE_CHECKING:  # imported where they are used: `corridor --help` must not wait for them
    from rich.console import Console
    from rich.progress import Progress

    from corridor.sources.ingest import IngestReport
    from corridor.store.warehouse import Warehouse

MirrorOpt = Annotated[
    str | None, typer.Option("--mirror", help="Mirror folder (default: CORRIDOR_MIRROR or ../shared/data).")
]
WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="Warehouse file (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)."),
]

#: Releases the main job ingests, in order (everything in the catalogue that has a layout).
def ingestible() -> list[str]:
    from corridor.sources.catalogue import releases

    return [r.id for r in releases().values() if r.layout]


def fetch_cmd(
    release_ids: Annotated[list[str] | None, typer.Argument(help="Release ids (default: all).")] = None,
    mirror: MirrorOpt = None,
    offline: Annotated[bool, typer.Option(help="Never download; mirror or cache only.")] = False,
) -> None:
    """Fetch releases from the mirror or their official address; verify checksums; cache them."""
    from corridor.sources.catalogue import releases
    from corridor.sources.fetch import fetch

    ids = release_ids or list(releases())
    with _progress() as progress:
        task = progress.add_task("fetching", total=len(ids))
        for rid in ids:
            progress.update(task, description=f"fetch {rid}")
            paths = fetch(rid, mirror=mirror, allow_download=not offline)
            progress.advance(task)
            progress.console.print(f"[green]ok[/] {rid}: {', '.join(p.name for p in paths)} (sha256 verified)")


def ingest_cmd(
    target: Annotated[list[str], typer.Argument(help="Release id(s), or a file path with --layout / --mapping.")],
    layout: Annotated[str | None, typer.Option("--layout", help="Layout or release id of a file's layout.")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="Mapping YAML for a user's own table.")] = None,
    replaces: Annotated[str | None, typer.Option(
        "--replaces", help="A user table: the dataset (of the same series) this corrected file replaces; "
        "default: the dataset read from a file of the same name in the series.")] = None,
    vintage: Annotated[str | None, typer.Option("--vintage", help="Vintage label for a file.")] = None,
    mirror: MirrorOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Ingest releases (by id) or files (with --layout or --mapping) into the warehouse, atomically."""
    from corridor.config import warehouse_path
    from corridor.errors import InputError
    from corridor.sources.ingest import ingest_file
    from corridor.store.snapshots import publishing

    with publishing(warehouse_path(warehouse)) as wh:
        if mapping is not None:
            from corridor.sources.user_table import ingest_user_table

            for path in target:  # each table is its own dataset; all are checked, none skipped
                progress = _progress_line() if err().is_terminal else None  # a pipe or a log gets the result only
                _say(ingest_user_table(wh, Path(path), mapping, replaces=replaces, progress=progress))
                notes = wh.dataset(_last_dataset(wh, Path(path)))["notes"]
                if isinstance(notes, str) and notes:
                    err().print(f"[yellow]warning[/] {notes}", highlight=False)
        elif replaces is not None:
            raise InputError("--replaces is for a user's table (with --mapping)")
        elif layout is not None:
            _say(ingest_file(wh, [Path(t) for t in target], layout=layout, vintage=vintage))
        else:
            _ingest_releases(wh, target, mirror=mirror)


def _progress_line() -> Callable[[str], None]:
    """A progress printer for a long ingest: seconds since it started, then the step, on stderr."""
    started = time.perf_counter()
    return lambda step: err().print(f"[dim]{time.perf_counter() - started:6.1f} s[/] {step}", highlight=False)


def _last_dataset(wh: Warehouse, path: Path) -> str:
    frame = wh.datasets()
    return str(frame[frame["file_name"] == path.name].sort_values("ingested_at").iloc[-1]["dataset_id"])


def withdraw_cmd(
    dataset: Annotated[list[str], typer.Argument(help="Dataset id(s), release id or series:vintage.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (kept in its provenance).")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Withdraw datasets from the latest view (kept for as_of; the reason kept and audited), atomically."""
    from corridor.config import warehouse_path
    from corridor.store.snapshots import publishing

    with publishing(warehouse_path(warehouse)) as wh:
        ids = [i for name in dataset for i in wh.resolve_as_of(name)]
        wh.withdraw(ids, reason)
    for i in ids:
        err().print(f"[green]withdrawn[/] {i}: {reason}", highlight=False)


def register_cmd(
    declaration: Annotated[Path, typer.Argument(help="YAML declaring user areas and/or age groups.")],
) -> None:
    """Register an office's own geographies and age groups (docs/adding-a-source.md, section 4)."""
    from corridor.reference.user_codes import register

    target = register(declaration)
    err().print(f"[green]registered[/] {declaration} as {target}", highlight=False)


def datasets_cmd(fmt: FormatOpt = None, warehouse: WarehouseOpt = None) -> None:
    """List the datasets in the warehouse with their provenance."""
    from corridor.cli.output import emit
    from corridor.config import warehouse_path
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        frame = wh.datasets()
    if fmt is None:
        frame = frame[["dataset_id", "vintage", "licence", "concept", "kind", "rows_accepted",
                       "rows_rejected", "sha256", "withdrawn_reason"]].assign(
            sha256=lambda f: f["sha256"].str[:12], withdrawn_reason=lambda f: f["withdrawn_reason"].fillna(""))
        frame = frame.rename(columns={"withdrawn_reason": "withdrawn"})
    elif fmt == "csv":  # a list per cell: the ids '+'-separated (as the API's source=), not numpy's repr
        frame = frame.assign(inputs=frame["inputs"].map(lambda ids: "" if ids is None else "+".join(ids)))
    emit(frame, fmt, title="Datasets")


def run_cmd(
    mirror: MirrorOpt = None,
    warehouse: WarehouseOpt = None,
    serve: Annotated[bool, typer.Option(help="Serve the portal when done.")] = True,
    flows: Annotated[bool, typer.Option(help="Estimate flows for every period (see MAIN_JOB_FLOW_METHODS).")] = True,
    vintage: Annotated[list[str] | None, typer.Option(
        "--vintage", help="Flows: pin an input series to an earlier vintage (series:vintage, release or dataset "
        "id; repeatable). Default: the latest vintage of each series.")] = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """The main job: fetch every release, build the warehouse, print a summary, serve the portal."""
    from corridor.config import mirror_dir, warehouse_path
    from corridor.store.snapshots import publishing
    from corridor.store.warehouse import Warehouse

    path = warehouse_path(warehouse)
    root = mirror_dir(mirror)
    err().print(f"mirror: {root}  warehouse: {path}")
    ids = ingestible()
    with _stage("ingest"), publishing(path) as wh:
        _ingest_releases(wh, ids, mirror=mirror, stages=True)
    if flows:
        with _stage("flows"):
            _estimate_flows(path, vintage=vintage or [])
    with _stage("summary"), Warehouse.open(path, read_only=True) as wh:
        _summary(wh)
    if serve:
        from corridor.cli.serve import command as serve_command

        serve_command(host=host, port=port, warehouse=str(path))


#: The flow estimates the main job makes (both sexes, every five-year period the stocks allow): the
#: minimum-migration and pseudo-Bayes estimates bracket the published range (see docs/methods-flows.md).
MAIN_JOB_FLOW_METHODS = ("da_min_closed", "da_pb_closed")


def _estimate_flows(path: Path, *, vintage: list[str]) -> None:
    """Estimate flows into the warehouse, reading the inputs once; a (method, period) already estimated
    from the same input datasets is skipped, so a newer edition of an input series is estimated anew."""
    from corridor.estimate.flows.store import PERIODS, estimate_into_warehouse, read_inputs
    from corridor.store.snapshots import publishing

    with publishing(path) as wh:
        data = read_inputs(wh, ("_T",), vintage=vintage)
        have = {(d.split("@")[0], tuple(sorted(i))) for d, i in wh.datasets()[["dataset_id", "inputs"]]
                .itertuples(index=False) if d.startswith("est:flows:") and i is not None}
        todo = [(m, p) for p in PERIODS for m in MAIN_JOB_FLOW_METHODS
                if (f"est:flows:{m}:{p[0]}-{p[1]}:_T", tuple(data.inputs["_T"])) not in have]
        if not todo:
            err().print("[dim]unchanged[/] flow estimates: already in the warehouse from the same inputs")
            return
        with _progress() as progress:
            task = progress.add_task(f"flows from {', '.join(data.inputs['_T'])}", total=len(todo))

            def say(rec: dict) -> None:
                progress.advance(task)
                progress.console.print(f"[green]estimated[/] {rec['dataset_id']}: {rec['total']:,.0f} movers")

            periods = [p for p in PERIODS if any(q == p for _, q in todo)]
            methods = [m for m in MAIN_JOB_FLOW_METHODS if any(n == m for n, _ in todo)]
            estimate_into_warehouse(wh, methods=methods, periods=periods, sexes=["_T"],
                                    source_inputs=data, on_estimate=say)


#: The series flow estimates are written under (``corridor-flows-<method>``, see estimate/flows/store.py).
FLOW_SERIES_PREFIX = "corridor-flows-"


def _summary(wh: Warehouse) -> None:
    """Datasets, the world migrant stock of each source and the movers of each flow estimate.

    Everything is read through selections (latest vintage of each series); movers are the sum of the
    origin-destination cells (both sexes, all birthplaces) of each method and period, summed in the
    warehouse (estimates hold no stayer cells: ``estimate/flows/store.observations_frame``).
    """
    from rich.console import Console

    from corridor.cli.output import emit
    from corridor.store.selection import Selection

    datasets = wh.datasets()
    emit(datasets[["dataset_id", "vintage", "rows_accepted", "concept"]], None, title="Warehouse")
    world = wh.observations("MIG_STOCK", ref_area="900", counterpart_area="_T", sex="_T")
    latest = world.sort_values("time_period").groupby("dataset_id").tail(1)
    out = Console()
    for row in latest.itertuples():
        out.print(f"World migrant stock {row.time_period}: {row.value:,.0f} ({row.dataset_id})")
    series = sorted(s for s in datasets["series"].unique() if str(s).startswith(FLOW_SERIES_PREFIX))
    if not series:
        return
    totals = wh.totals(Selection.of("MIG_FLOW", series=series, access=None, sex="_T", birthplace="_T"),
                       by=("time_period", "method"))
    for row in totals.itertuples():
        out.print(f"Estimated movers {row.time_period} ({row.method}): {row.value:,.0f}")


def _ingest_releases(wh: Warehouse, ids: list[str], *, mirror: str | None, stages: bool = False) -> None:
    """Ingest catalogue releases one after the other, with a progress bar and a line per release
    (and, with ``stages``, the main job's timing lines ``stage fetch ID`` and ``stage ingest ID``)."""
    from corridor.sources.ingest import ingest_release

    with _progress() as progress:
        task = progress.add_task("ingest", total=len(ids))
        for rid in ids:
            progress.update(task, description=f"ingest {rid}")
            report = ingest_release(wh, rid, mirror=mirror)
            progress.advance(task)
            _say(report, progress.console)
            if stages:
                _stage_line(f"fetch {rid}", report.fetch_seconds, progress.console)
                _stage_line(f"ingest {rid}", report.seconds, progress.console)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """Time a stage of the main job; print ``stage NAME: S s`` (wall seconds) when it ends."""
    start = time.perf_counter()
    yield
    _stage_line(name, time.perf_counter() - start)


def _stage_line(name: str, seconds: float, console: Console | None = None) -> None:
    """One timing line, never wrapped (``benchmarks/main_job.py`` reads them)."""
    (console or err()).print(f"stage {name}: {seconds:.2f} s", soft_wrap=True, highlight=False, markup=False)


def _say(report: IngestReport, console: Console | None = None) -> None:
    console = console or err()
    if report.created:
        console.print(f"[green]ingested[/] {report.dataset_id}: {report.rows_accepted:,} observations "
                      f"({report.rows_rejected:,} rejected) in {report.seconds:.1f} s")
    else:
        console.print(f"[dim]unchanged[/] {report.dataset_id}: same bytes already in the warehouse")


def _progress() -> Progress:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err(), transient=True)


def register(app: typer.Typer) -> None:
    """Attach these commands to the top-level app (see corridor.cli.main.COMMAND_GROUPS)."""
    app.command("fetch")(fetch_cmd)
    app.command("ingest")(ingest_cmd)
    app.command("datasets")(datasets_cmd)
    app.command("withdraw")(withdraw_cmd)
    app.command("register")(register_cmd)
    app.command("run")(run_cmd)
