"""``corridor indicators``: the indicator registry, computing indicators into the warehouse, reading them.

``corridor indicators list`` prints the registry (docs/indicators.md is generated from it);
``corridor indicators compute`` writes the SDG 10.c.1 remittance-cost measures (``REMIT_COST_IND``);
``corridor indicators costs`` reads them for a sending or receiving country; ``corridor indicators
ratifications`` lists a treaty's status by state, by year or by migration role.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from corridor.cli.data import FormatOpt, WarehouseOpt
from corridor.cli.output import emit, emit_records
from corridor.config import warehouse_path
from corridor.reference.areas import area_code

#: ``indicators list``: columns (``formula`` and ``reference`` only with ``--format``); ``computable`` is a
#: flag, right-aligned in the table as pandas would (a boolean column counts as numeric there).
LIST_COLUMNS = ["id", "name", "dataflow", "measure", "dimension", "level", "location", "sign", "computable",
                "formula", "reference"]

app = typer.Typer(name="indicators", help="Development indicators: SDG 10.c remittance costs, treaty ratifications.",
                  no_args_is_help=True)


@app.command("list")
def list_cmd(fmt: FormatOpt = None) -> None:
    """Print the indicator registry: formula, balance-sheet position, sign and whether it is computable."""
    from corridor.indicators.registry import indicators

    rows = [{"id": i.id, "name": i.name, "dataflow": i.dataflow, "measure": i.measure,
             "dimension": i.dimension, "level": i.level, "location": i.location, "sign": i.sign,
             "computable": i.computable, "formula": i.formula, "reference": i.reference}
            for i in indicators().values()]
    columns = LIST_COLUMNS if fmt else LIST_COLUMNS[:-2]
    emit_records(columns, rows, fmt, numeric=("computable",), title="Indicator registry",
                 sources=["src/corridor/indicators/data/indicators.yaml (docs/indicators.md)"])


@app.command("compute")
def compute_cmd(
    weight_year: Annotated[str | None, typer.Option("--weight-year", help="Year of the bilateral remittances "
                                                    "used as weights (default: the latest held).")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Compute the SDG 10.c.1 remittance-cost measures from the warehouse and write them (REMIT_COST_IND)."""
    from corridor.indicators.write import remittance_cost_indicators
    from corridor.store.snapshots import publishing

    with publishing(warehouse_path(warehouse)) as wh:
        written = remittance_cost_indicators(wh, weight_year=weight_year)
    state = "written" if written.new else "already in the warehouse (same inputs and content)"
    print(f"REMIT_COST_IND: {written.rows} observations {state} as {written.dataset_id} "
          f"(inputs: {', '.join(written.inputs)})", file=sys.stderr)


@app.command("gaps")
def gaps_cmd(
    file: Annotated[str, typer.Argument(help="EU-SILC public-use file (R data, as eusilc13puf.rda).")],
    area: Annotated[str, typer.Option("--area", help="Country surveyed (name, ISO3 or M49).")],
    year: Annotated[str, typer.Option("--year", help="Reference year of the survey.")],
    write: Annotated[bool, typer.Option("--write", help="Also write INTEGRATION_GAP into the warehouse.")] = False,
    fmt: FormatOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Migrant-native gaps (employment, education, income, poverty) with the design-based SE of each gap."""
    from corridor.indicators import integration_eusilc
    from corridor.indicators.write import integration_gaps
    from corridor.store.snapshots import publishing

    code = area_code(area)
    obs = integration_eusilc.observations(integration_eusilc.read(file), area=code, year=year)
    cols = ["topic", "sex", "age", "value", "lower", "upper", "unit_measure", "obs_status", "basis"]
    emit(obs[cols].rename(columns={"topic": "measure", "value": "gap"}), fmt,
         title=f"Integration gaps, migrants minus natives ({file})",
         sources=[integration_eusilc.BASIS, str(obs["interval"].dropna().iloc[0]) if obs["interval"].notna().any()
                  else "no interval"])
    if write:
        with publishing(warehouse_path(warehouse)) as wh:
            written = integration_gaps(wh, file, area=code, year=year)
        print(f"INTEGRATION_GAP: {written.rows} observations as {written.dataset_id}", file=sys.stderr)


@app.command("census-load")
def census_load_cmd(
    file: Annotated[str, typer.Argument(help="Census-compliance registry CSV (docs/indicators.md).")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Load a registry of which core census questions each census asked and tabulated (checked whole first)."""
    from pathlib import Path

    from corridor.indicators.census_registry import load
    from corridor.store.snapshots import publishing

    with publishing(warehouse_path(warehouse)) as wh:
        ids = load(wh, Path(file))
    print(f"CENSUS_QUESTION: {len(ids)} census(es) recorded from {file}: {', '.join(ids)}", file=sys.stderr)


@app.command("census")
def census_cmd(
    census_round: Annotated[str | None, typer.Option("--round", help="Census round, e.g. 2010.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="census, survey, register (default census).")] = None,
    fmt: FormatOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Inclusion rates of the five core census questions per round, with the counts they rest on."""
    from corridor.indicators.census_registry import rates
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        frame = rates(wh, census_round=census_round, kinds=tuple(kind or ("census",)))
    emit(frame, fmt, title="Core census questions: inclusion per round",
         sources=["CENSUS_QUESTION datasets (recorded sources and loaded registries)",
                  "UN Principles and Recommendations for Population and Housing Censuses, Rev. 2"])


@app.command("costs")
def costs_cmd(
    sending: Annotated[str | None, typer.Option("--sending", help="Sending country (name, ISO3 or M49).")] = None,
    receiving: Annotated[str | None, typer.Option("--receiving", help="Receiving country.")] = None,
    measure: Annotated[list[str] | None, typer.Option("--measure", help="MEASURE code(s), e.g. AVG_WEIGHTED.")] = None,
    quarter: Annotated[str | None, typer.Option("--quarter", help="One quarter, e.g. 2019-Q3.")] = None,
    fmt: FormatOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Remittance-cost measures for a corridor, a sending or receiving country (both omitted: the world)."""
    from corridor.store.selection import Selection
    from corridor.store.warehouse import Warehouse

    sel = Selection.of("REMIT_COST_IND", access=None,
                       ref_area=area_code(receiving) if receiving else "_T",
                       counterpart_area=area_code(sending) if sending else "_T",
                       **({"topic": measure} if measure else {}))
    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        frame = wh.select(sel)
    if quarter:
        frame = frame[frame["time_period"] == quarter]
    cols = ["ref_area", "counterpart_area", "topic", "time_period", "value", "unit_measure", "obs_status",
            "basis", "dataset_id"]
    out = frame[cols].rename(columns={"ref_area": "receiving", "counterpart_area": "sending", "topic": "measure"})
    emit(out.sort_values(["measure", "time_period"]).reset_index(drop=True), fmt,
         title="Remittance costs against SDG 10.c (REMIT_COST_IND)",
         sources=sorted(set(frame["title"].dropna())) + ["formulas: docs/indicators.md"])


@app.command("ratifications")
def ratifications_cmd(
    treaty: Annotated[str, typer.Option("--treaty", help="TREATY code (ICMW, ILO_C097, ILO_C143, ...).")] = "ICMW",
    view: Annotated[str, typer.Option("--view", help="states, years (parties by year) or roles "
                                      "(states by net migration role and status).")] = "states",
    fmt: FormatOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """A treaty's status by state, the number of parties by year, or states by migration role."""
    from corridor.errors import InputError
    from corridor.indicators.treaties import ratifications
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse_path(warehouse), read_only=True) as wh:
        result = ratifications(wh, treaty.upper())
    if view == "states":
        frame = result.states
    elif view == "years":
        import pandas as pd

        by_year = result.parties_by_year()
        frame = pd.DataFrame({"year": by_year.index, "parties": by_year.to_numpy()})
    elif view == "roles":
        frame = result.by_role().reset_index()
    else:
        raise InputError(f"--view {view!r}: use states, years or roles", column="--view")
    emit(frame, fmt, title=f"{result.treaty}: status in {result.status_year}",
         sources=[f"treaty status table ({', '.join(sorted(set(result.states['dataset_id'])))})",
                  f"roles: {result.role_source}"])
