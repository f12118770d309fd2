"""Flows from a user's own stocks in the warehouse (``corridor flows estimate --period P --stocks DATASET``).

The issue's symptom: estimating flows from a user's own stock table worked only from files, after about
40 lines of pandas, and the results could not be loaded back. Here the user's table is real: an extract the
test cuts from the mirror's UN DESA International Migrant Stock 2019 origin-destination CSV (ten European
destinations, every origin, 2010 and 2015; MANIFEST.md), ingested through the gallery's mapping file
(docs/gallery/undesa-ims-2019-origin-destination.yaml) into a warehouse that holds the catalogue's WPP releases.

What each test proves:

* the command writes ``MIG_FLOW`` datasets of their own series whose provenance names the user's stock
  dataset, its series and vintage and the WPP inputs, with status E and the calibrated interval text; they are
  read back by ``corridor flows show`` and by the real HTTP API (``corridor serve``), beside -- not instead
  of -- other estimates;
* the numbers are those of the file path (``--stocks-start ... --births ...``) run on tables the test builds
  itself from the same stored stocks and WPP figures (native-born = population minus every foreign-born,
  births and deaths summed over 2010-2014): the two paths agree to 1e-9;
* the user's own native-born counts (``--native-born DATASET``, a long table ingested with its own mapping)
  that equal WPP population minus foreign-born reproduce the WPP estimate; native-born with an area the
  stocks lack and without one they have is an error naming the datasets and the areas missing from each
  side; the user's own births and deaths (WPP's figures written out) reproduce the WPP estimate too, and a
  year missing from them is an error naming the area; a period the stocks do not reach is an error naming
  the dataset and its years;
  after each error the warehouse is unchanged.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import flows as flows_cli
from corridor.errors import CorridorError, InputError
from corridor.estimate.flows.intervals import calibration, sentences
from corridor.estimate.flows.io import read_tables
from corridor.estimate.flows.methods import estimate
from corridor.sources.user_table import ingest_user_table
from corridor.store.warehouse import Warehouse
from tests.serving import corridor_serve
from tests.warehouses import ingested_warehouse

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
IMS_OD = "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
DESTINATIONS = ["Germany", "France", "Italy", "Spain", "Poland", "Romania", "Netherlands", "Belgium", "Austria",
                "Sweden"]
AREAS = ["276", "250", "380", "724", "616", "642", "528", "56", "40", "752"]
WPP = ["wpp2019-population", "wpp2024-births-deaths"]
#: a UN DESA release in the warehouse too (its totals): the catalogue's stock series is there, and not used
UNDESA = "undesa-ims-2019-totals"
NATIVE_MAPPING = """title: Native-born population (test table, WPP population minus UN DESA foreign-born)
publisher: corridor tests
licence: CC-BY-3.0-IGO
series: test-native-born
vintage: "2019"
concept: foreign_born
kind: estimate
columns: {residence: residence, birthplace: birthplace, year: year, count: count}
numbers: {decimal: "."}
codes: {areas: m49}
"""


@pytest.fixture(scope="module")
def user_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """WPP from the catalogue plus the user's extract of UN DESA stocks (path, stock dataset id)."""
    path = ingested_warehouse(tmp_path_factory, "user-stocks", [*WPP, UNDESA], mirror)
    raw = pd.read_csv(mirror / IMS_OD, dtype=str, keep_default_na=False)
    extract = raw[raw["Year"].isin(["2010", "2015"]) & raw["Dest"].isin(DESTINATIONS)]
    assert len(extract) == 20
    table = path.parent / "ims-extract.csv"
    extract.to_csv(table, index=False)
    with Warehouse.open(path) as wh:
        report = ingest_user_table(wh, table, GALLERY / "undesa-ims-2019-origin-destination.yaml")
    return path, report.dataset_id


@pytest.fixture()
def warehouse(user_warehouse: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "w.duckdb"
    shutil.copy(user_warehouse[0], path)
    return path, user_warehouse[1]


def corridor_flows(*args: str) -> str:
    """Run ``corridor flows ...`` in-process; an InputError is raised; returns stdout."""
    result = CliRunner().invoke(flows_cli.app, list(args))
    if isinstance(result.exception, CorridorError):
        raise result.exception
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def state(path: Path) -> tuple[list[str], int]:
    """Dataset ids and observation count: what must not change after an error."""
    with Warehouse.open(path, read_only=True) as wh:
        ids = sorted(wh.datasets()["dataset_id"])
        return ids, sum(len(wh.observations(f, latest=False)) for f in ("MIG_STOCK", "MIG_FLOW", "POP"))


def file_path_tables(path: Path, dataset: str, folder: Path) -> tuple[Path, ...]:
    """Stock, births and deaths CSVs for the file path, built here from the stored numbers: the diagonal is
    WPP population minus every foreign-born of the area; births and deaths summed over 2010-2014."""
    with Warehouse.open(path, read_only=True) as wh:
        stocks = wh.observations("MIG_STOCK", dataset_id=dataset, scaled=True)
        pop = wh.observations("POP", series="wpp-population", sex="_T", age="_T", scaled=True, ref_area=AREAS)
        vital = wh.observations(["BIRTHS", "DEATHS"], sex="_T", age="_T", scaled=True, ref_area=AREAS,
                                start_period=2010, end_period=2014)
    foreign = stocks[(stocks.counterpart_area != "_T") & (stocks.counterpart_area != stocks.ref_area)]
    files = []
    for year in (2010, 2015):
        rows = foreign[foreign.time_period == str(year)]
        inside = rows[rows.counterpart_area.isin(AREAS)]
        frame = pd.DataFrame({"origin": inside.counterpart_area, "destination": inside.ref_area,
                              "stock": inside.value.fillna(0.0)})
        all_foreign = rows.groupby("ref_area").value.sum()
        people = pop[pop.time_period == str(year)].set_index("ref_area").value
        native = pd.DataFrame({"origin": AREAS, "destination": AREAS,
                               "stock": [people[a] - all_foreign[a] for a in AREAS]})
        files.append(folder / f"s{year}.csv")
        pd.concat([frame, native]).to_csv(files[-1], index=False)
    for flow, column in (("BIRTHS", "births"), ("DEATHS", "deaths")):
        sums = vital[vital.dataflow == flow].groupby("ref_area").value.agg(["sum", "count"])
        assert (sums["count"] == 5).all() and len(sums) == len(AREAS)
        files.append(folder / f"{column}.csv")
        pd.DataFrame({"area": sums.index, column: sums["sum"]}).to_csv(files[-1], index=False)
    return tuple(files)


def stored_flows(path: Path, dataset_id: str) -> pd.Series:
    with Warehouse.open(path, read_only=True) as wh:
        obs = wh.observations("MIG_FLOW", dataset_id=dataset_id, birthplace="_T")
    return obs.set_index(["counterpart_area", "ref_area"])["value"]


def test_estimate_show_and_api_with_provenance(warehouse: tuple[Path, str], tmp_path: Path) -> None:
    path, dataset = warehouse
    corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--method", "da_min_closed",
                   "--warehouse", str(path))
    with Warehouse.open(path, read_only=True) as wh:
        ds = wh.datasets()
        rec = ds[ds["dataset_id"].str.startswith("est:flows:da_min_closed:2010-2015:_T:from:")].iloc[0]
        stock = wh.dataset(dataset)
        obs = wh.observations("MIG_FLOW", dataset_id=rec["dataset_id"])
    assert rec["series"] == "corridor-flows-da_min_closed-from-gallery-ims-2019-od"
    assert sorted(rec["inputs"]) == sorted([dataset, *WPP])
    assert f"stocks: user dataset {dataset} (series gallery-ims-2019-od, vintage 2019" in rec["notes"]
    assert "wpp2019-population" in rec["notes"] and "wpp2024-births-deaths" in rec["notes"]
    assert stock["vintage"] == "2019" and rec["kind"] == "estimate" and rec["method"] == "da_min_closed"
    assert len(obs) == 10 * 9 and set(obs["obs_status"]) == {"E"} and set(obs["time_period"]) == {"2010-2015"}
    assert set(obs["ref_area"]) == set(AREAS)
    # the default path's interval sentences: inside the calibration countries' reach, or saying it is not
    inside, outside = sentences(calibration(), "da_min_closed")
    assert set(obs["interval"]) <= {inside, outside} and inside in set(obs["interval"])
    assert ((obs["lower"] <= obs["value"]) & (obs["value"] <= obs["upper"])).all()
    pl_de = float(obs.loc[(obs.counterpart_area == "616") & (obs.ref_area == "276"), "value"].iloc[0])

    shown = corridor_flows("show", "--origin", "Poland", "--destination", "Germany", "--period", "2010-2015",
                           "--format", "csv", "--warehouse", str(path))
    rows = [r for r in csv.DictReader(io.StringIO(shown)) if r["dataset"] == rec["dataset_id"]]
    assert len(rows) == 1 and float(rows[0]["value"]) == pl_de and rows[0]["obs_status"] == "E"

    with corridor_serve(path, tmp_path) as (url, _):
        answer = httpx.get(f"{url}/data/MIG_FLOW/276.616._T.da_min_closed?format=csv&source={rec['series']}",
                           timeout=120)
    assert answer.status_code == 200, answer.text
    served = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(served) == 1 and float(served[0]["value"]) == pl_de
    assert served[0]["time_period"] == "2010-2015"


def test_same_numbers_as_the_file_path(warehouse: tuple[Path, str], tmp_path: Path) -> None:
    path, dataset = warehouse
    s0, s1, births, deaths = file_path_tables(path, dataset, tmp_path)
    from_files = estimate(read_tables(s0, s1, births, deaths), "da_min_closed")
    corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--method", "da_min_closed",
                   "--warehouse", str(path))
    with Warehouse.open(path, read_only=True) as wh:
        ids = [d for d in wh.datasets()["dataset_id"] if ":from:" in d]
    stored = stored_flows(path, ids[0])
    expected = from_files.od_frame().set_index(["origin", "destination"])["flow"]
    assert len(expected) == len(stored) == 90
    np.testing.assert_allclose(stored.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_users_native_born_reproduce_wpp_and_mismatches_name_the_areas(warehouse: tuple[Path, str],
                                                                       tmp_path: Path) -> None:
    path, dataset = warehouse
    s0, s1, _, _ = file_path_tables(path, dataset, tmp_path)
    native = pd.concat([pd.read_csv(f, dtype={"origin": str, "destination": str}).assign(year=y)
                        for f, y in ((s0, 2010), (s1, 2015))])
    native = native[native.origin == native.destination]
    table = tmp_path / "native.csv"
    mapping = tmp_path / "native.yaml"
    mapping.write_text(NATIVE_MAPPING, encoding="utf-8")

    # native-born for Portugal (620), which the stocks lack, and none for Sweden (752), which they have: the
    # error names both sides; nothing written
    extra = pd.DataFrame({"origin": ["620"], "destination": ["620"], "stock": [9_000_000.0], "year": [2010]})
    pd.concat([native[native.origin != "752"], extra]).rename(
        columns={"destination": "residence", "origin": "birthplace", "stock": "count"}).to_csv(table, index=False)
    with Warehouse.open(path) as wh:
        mismatched = ingest_user_table(wh, table, mapping).dataset_id
    before = state(path)
    with pytest.raises(InputError) as error:
        corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--native-born", mismatched,
                       "--warehouse", str(path))
    assert (f"1 area(s) of stocks {dataset} missing from native-born {mismatched}: 752; "
            f"1 area(s) of native-born {mismatched} missing from stocks {dataset}: 620") in str(error.value)
    # a period the stocks do not reach: names the dataset and its years
    with pytest.raises(InputError, match=rf"stocks dataset {dataset} has no stocks for 2020 \(period 2015-2020\): "
                                         "its years are 2010, 2015"):
        corridor_flows("estimate", "--period", "2015-2020", "--stocks", dataset, "--warehouse", str(path))
    # a vintage of the UN DESA series, which --stocks replaces, is refused rather than ignored
    with pytest.raises(InputError, match="--vintage pins undesa-ims, whose stocks --stocks replaces"):
        corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--vintage", "undesa-ims:2019",
                       "--warehouse", str(path))
    assert state(path) == before

    native.rename(columns={"destination": "residence", "origin": "birthplace", "stock": "count"}).to_csv(
        table, index=False)
    with Warehouse.open(path) as wh:  # same series and file name: a correction replacing the table above
        exact = ingest_user_table(wh, table, mapping).dataset_id
    corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--native-born", exact,
                   "--method", "da_min_closed", "--warehouse", str(path))
    corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--method", "da_min_closed",
                   "--warehouse", str(path))
    with Warehouse.open(path, read_only=True) as wh:
        ds = wh.datasets().set_index("dataset_id")
    ours = [d for d in ds.index if ":from:" in d and exact in ds.loc[d, "inputs"]]
    wpp = [d for d in ds.index if ":from:" in d and "wpp2019-population" in ds.loc[d, "inputs"]]
    assert len(ours) == len(wpp) == 1
    assert f"native-born: user dataset {exact}" in ds.loc[ours[0], "notes"]
    np.testing.assert_allclose(stored_flows(path, ours[0]).sort_index().to_numpy(),
                               stored_flows(path, wpp[0]).sort_index().to_numpy(), rtol=1e-9)


VITAL_MAPPING = """title: {flow} (test table, WPP 2024 figures written out by the test)
publisher: corridor tests
licence: CC-BY-3.0-IGO
series: test-{series}
vintage: "2024"
concept: vital_events
dataflow: {flow}
columns: {{residence: area, year: year, count: value}}
numbers: {{decimal: "."}}
codes: {{areas: m49}}
"""


def test_users_births_and_deaths(warehouse: tuple[Path, str], tmp_path: Path) -> None:
    # the user's own BIRTHS and DEATHS tables (here WPP 2024's figures for the ten areas, 2010-2014, written out
    # and ingested through a mapping) reproduce the WPP estimate; a year missing for one area is an error
    path, dataset = warehouse
    with Warehouse.open(path, read_only=True) as wh:
        vital = wh.observations(["BIRTHS", "DEATHS"], sex="_T", age="_T", scaled=True, ref_area=AREAS,
                                start_period=2010, end_period=2014)
    ids = {}
    for flow in ("BIRTHS", "DEATHS"):
        rows = vital[vital.dataflow == flow]
        if flow == "DEATHS":  # Sweden's deaths of 2012 left out
            rows = rows[~((rows.ref_area == "752") & (rows.time_period == "2012"))]
        table, mapping = tmp_path / f"{flow.lower()}.csv", tmp_path / f"{flow.lower()}.yaml"
        pd.DataFrame({"area": rows.ref_area, "year": rows.time_period, "value": rows.value}).to_csv(table, index=False)
        mapping.write_text(VITAL_MAPPING.format(flow=flow, series=flow.lower()), encoding="utf-8")
        with Warehouse.open(path) as wh:
            ids[flow] = ingest_user_table(wh, table, mapping).dataset_id
    before = state(path)
    with pytest.raises(InputError, match=r"deaths missing for some of the years 2010-2014 in 752"):
        corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--births", ids["BIRTHS"],
                       "--deaths", ids["DEATHS"], "--warehouse", str(path))
    assert state(path) == before
    deaths = vital[vital.dataflow == "DEATHS"]
    table = tmp_path / "deaths.csv"  # the corrected table (same series and file name: replaces the first)
    pd.DataFrame({"area": deaths.ref_area, "year": deaths.time_period, "value": deaths.value}).to_csv(
        table, index=False)
    with Warehouse.open(path) as wh:
        ids["DEATHS"] = ingest_user_table(wh, table, tmp_path / "deaths.yaml").dataset_id
    for extra in (["--births", ids["BIRTHS"], "--deaths", ids["DEATHS"]], []):
        corridor_flows("estimate", "--period", "2010-2015", "--stocks", dataset, "--method", "da_min_closed",
                       "--warehouse", str(path), *extra)
    with Warehouse.open(path, read_only=True) as wh:
        ds = wh.datasets().set_index("dataset_id")
    ours = [d for d in ds.index if ":from:" in d and ids["BIRTHS"] in ds.loc[d, "inputs"]]
    wpp = [d for d in ds.index if ":from:" in d and "wpp2024-births-deaths" in ds.loc[d, "inputs"]]
    assert len(ours) == len(wpp) == 1 and ids["DEATHS"] in ds.loc[ours[0], "inputs"]
    assert f"births: user dataset {ids['BIRTHS']}" in ds.loc[ours[0], "notes"]
    np.testing.assert_allclose(stored_flows(path, ours[0]).sort_index().to_numpy(),
                               stored_flows(path, wpp[0]).sort_index().to_numpy(), rtol=1e-9)
