"""The gallery (docs/gallery.md): six real public tables ingested through their mapping files, end to end.

Every table is read from the real-data mirror as its publisher (or the public repository named in
MANIFEST.md) issued it; nothing is copied into the repository. The mapping files are the ones in
``docs/gallery/`` that ``docs/gallery.md`` shows (checked below, so the page cannot drift). Each
table goes through :func:`ingest_user_table` (the ingest the CLI runs) into a fresh warehouse and is
read back through the store's selections; what each test asserts comes from MANIFEST.md or from an
independent reader of the same file (the catalogue's own adapter), as each test says.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from corridor.reference.areas import area_table
from corridor.sources.layouts import get_layout
from corridor.sources.user_table import ingest_user_table
from corridor.store.warehouse import Warehouse
from tests.sources.user_reference import forget_codes, scotland_geography, user_reference

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "gallery"
SCOTLAND = "microdata/countryOfBirth_Scotland_5_Census.csv"


def ingest(tmp_path: Path, table: Path, mapping: str) -> tuple[Warehouse, str]:
    wh = Warehouse.open(tmp_path / "w.duckdb")
    report = ingest_user_table(wh, table, GALLERY / mapping)
    assert report.created
    return wh, report.dataset_id


def value(wh: Warehouse, flow: str = "MIG_STOCK", **key: str) -> float:
    rows = wh.observations(flow, **key)
    assert len(rows) == 1, rows
    return float(rows["value"].iloc[0])


def test_every_gallery_file_is_shown_in_gallery_md() -> None:
    page = (ROOT / "docs" / "gallery.md").read_text(encoding="utf-8")
    files = sorted(GALLERY.iterdir())
    assert len([f for f in files if f.suffix == ".yaml" and "geography" not in f.name
                and "age-groups" not in f.name]) >= 5
    for path in files:
        assert path.read_text(encoding="utf-8").strip() in page, f"{path.name} differs from docs/gallery.md"


def test_world_bank_matrix_with_world_row_and_column(mirror: Path, tmp_path: Path) -> None:
    # MANIFEST.md: Mexico -> USA 11,573,680; world 266,143,792. The World row and column are stored as
    # totals (REF_AREA 900, COUNTERPART_AREA _T), so the USA's total is found as a total.
    path = mirror / "worldbank/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"
    wh, dataset = ingest(tmp_path, path, "worldbank-matrix-2017.yaml")
    with wh:
        assert value(wh, ref_area="840", counterpart_area="484") == 11_573_680
        assert value(wh, ref_area="900", counterpart_area="_T") == 266_143_792
        usa_total = value(wh, ref_area="840", counterpart_area="_T")
        parts = wh.observations("MIG_STOCK", ref_area="840", counterpart_area=None)
        assert usa_total == parts.loc[parts["counterpart_area"] != "_T", "value"].sum()
        assert wh.observations("MIG_STOCK", counterpart_area="900").empty  # "World" is no birthplace
        ours = wh.observations("MIG_STOCK", dataset_id=dataset)
        meta = wh.dataset(dataset)
    # every cell equals what the catalogue's own adapter reads from the same workbook
    official = get_layout("wb-bilateral-matrix")([path]).observations
    merged = ours.merge(official, on=["ref_area", "counterpart_area"], suffixes=("", "_adapter"))
    assert len(merged) >= 214 * 214
    same = (merged["value"] == merged["value_adapter"]) | (merged["value"].isna() & merged["value_adapter"].isna())
    assert same.all()
    assert meta["copy_of"].startswith("hbenveniste/mig-scenarios @ 38feb36")
    # the stored sha256 is the file's (MANIFEST.md: 69aaf6ac711f7ba7...)
    assert meta["sha256"].startswith("69aaf6ac711f7ba7")


def test_undesa_origin_destination_csv_one_column_per_origin(mirror: Path, tmp_path: Path) -> None:
    path = mirror / "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    wh, dataset = ingest(tmp_path, path, "undesa-ims-2019-origin-destination.yaml")
    with wh:
        # MANIFEST.md: Mexico-born in the USA, 2019 = 11,489,684; 341 '..' and 4 '-' cells
        assert value(wh, ref_area="840", counterpart_area="484", time_period="2019") == 11_489_684
        ours = wh.observations("MIG_STOCK", dataset_id=dataset)
    assert len(ours) == 1659 * 232
    assert (ours["obs_status"] == "M").sum() == 4 and (ours["obs_status"] == "O").sum() == 341
    official = get_layout("undesa-ims-od")([path]).observations
    key = ["ref_area", "counterpart_area", "time_period"]
    merged = ours.merge(official, on=key, suffixes=("", "_adapter"))
    assert len(merged) == len(official)
    same = (merged["value"] == merged["value_adapter"]) | (merged["value"].isna() & merged["value_adapter"].isna())
    assert same.all()


def test_undesa_2020_workbook_with_sex_and_year_header_rows(mirror: Path, tmp_path: Path) -> None:
    # MANIFEST.md: World 2020 280,598,105; 1990 152,986,157; USA 2020 50,632,836
    path = mirror / "undesa/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    wh, _ = ingest(tmp_path, path, "undesa-ims-2020-by-sex.yaml")
    with wh:
        assert value(wh, ref_area="900", sex="_T", time_period="2020") == 280_598_105
        assert value(wh, ref_area="900", sex="_T", time_period="1990") == 152_986_157
        assert value(wh, ref_area="840", sex="_T", time_period="2020") == 50_632_836
        # both sexes = males + females: checked at ingest (totals.check: [sex]); here once more
        m, f = (value(wh, ref_area="840", sex=s, time_period="2020") for s in ("M", "F"))
        assert m + f == 50_632_836


def test_eurostat_register_flows_by_previous_residence_iso2(mirror: Path, tmp_path: Path) -> None:
    # MANIFEST.md: Poland -> Germany 2023 = 56,023; Romania -> Germany 73,651; Romania -> Spain 43,480
    path = mirror / "observed_flows/eurostat_immigration_prev_residence_intra_eu.csv"
    wh, dataset = ingest(tmp_path, path, "eurostat-immigration.yaml")
    with wh:
        flow = "MIG_FLOW_REG"
        assert value(wh, flow, ref_area="276", counterpart_area="616", time_period="2023", topic="IMM") == 56_023
        assert value(wh, flow, ref_area="276", counterpart_area="642", time_period="2023") == 73_651
        assert value(wh, flow, ref_area="724", counterpart_area="642", time_period="2023") == 43_480
        # the copy's UK (ISO: GB) through the user's alias file; OTHER is "other / unknown" (_X)
        assert not wh.observations(flow, ref_area="826").empty
        assert not wh.observations(flow, counterpart_area="_X").empty
        rows = wh.observations(flow, dataset_id=dataset)
        assert wh.observations("MIG_FLOW", dataset_id=dataset).empty  # never under estimated flows
    assert len(rows) == 11_958 and set(rows["topic"]) == {"IMM"}


def test_eurostat_by_age_with_registered_age_groups(mirror: Path, tmp_path: Path) -> None:
    # MANIFEST.md: the five-year groups of Poland -> Germany 2023 sum to the total, 56,023
    path = mirror / "observed_flows/eurostat_immigration_prev_residence_intra_eu_by_age.csv"
    with user_reference(tmp_path / "reference"):
        from corridor.reference.user_codes import register

        register(GALLERY / "eurostat-age-groups.yaml")
        forget_codes()
        wh, dataset = ingest(tmp_path, path, "eurostat-immigration-by-age.yaml")
        with wh:
            rows = wh.observations("MIG_FLOW_REG", dataset_id=dataset, ref_area="276", counterpart_area="616",
                                   time_period="2023")
            all_rows = len(wh.observations("MIG_FLOW_REG", dataset_id=dataset))
    assert all_rows == 138_200
    ages = rows.set_index("age")["value"]
    five_year = [a for a in ages.index if a.startswith("Y") and a not in ("Y0T14", "Y15T64", "Y65T_", "Y85T_")]
    assert len(five_year) == 20 and ages[five_year].sum() == 56_023  # Y_LT5 ... Y95-99 (no 100+ row)
    assert ages["Y15T64"] == 50_566  # Eurostat's Y15-64 row, stored under its own registered group
    assert "_U" in ages.index  # UNK: age unknown


def test_scottish_census_zones_as_a_user_geography(mirror: Path, tmp_path: Path) -> None:
    path = mirror / SCOTLAND
    raw = pd.read_csv(path, dtype={"zone": str, "censusYear": str})
    geography = scotland_geography(raw, tmp_path, GALLERY)
    with user_reference(tmp_path / "reference"):
        from corridor.reference.user_codes import register

        register(geography)
        forget_codes()
        areas = area_table()
        assert areas.loc["U_5601AD", "parent"] == "U_S92000003"
        assert areas.loc["U_S92000003", "parent"] == "826" and areas.loc["U_S92000003", "kind"] == "user"
        wh, dataset = ingest(tmp_path, path, "scotland-census-country-of-birth.yaml")
        with wh:
            rows = wh.observations("MIG_STOCK", dataset_id=dataset)
    assert len(rows) == 822 * 5 * 14
    assert set(rows["ref_area"].str[:2]) == {"U_"}  # zones, never labelled as the United Kingdom
    assert "826" not in set(rows["ref_area"]) | set(rows["counterpart_area"])
    # Scotland-born per census = the column summed over zones in the file (an independent pandas sum)
    scots = rows[rows["counterpart_area"] == "U_S92000003"].groupby("time_period")["value"].sum()
    expected = raw.groupby("censusYear")["Scotland"].sum()
    assert (scots - expected).abs().max() < 1e-6
    assert set(rows.loc[rows["counterpart_area"].str.match(r"^\d"), "counterpart_area"]) == {"372", "356", "586"}


@pytest.mark.slow  # CLI subprocesses
def test_cli_register_ingest_and_stock_find_the_total(mirror: Path, tmp_path: Path) -> None:
    # The symptom: `corridor stock --destination X` did not find a table's total ("World" was a
    # birthplace). Through the command line as a user runs it: register (the gallery's age groups,
    # to show the command), ingest the World Bank matrix with its mapping, ask for the USA's total.
    import csv
    import io
    import os
    import subprocess
    import sys

    env = {**os.environ, "CORRIDOR_USER_REFERENCE": str(tmp_path / "reference"), "COLUMNS": "200"}

    def corridor(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "corridor.cli.main", *args], capture_output=True, text=True,
                              timeout=600, env=env)

    warehouse = str(tmp_path / "w.duckdb")
    done = corridor("register", str(GALLERY / "eurostat-age-groups.yaml"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reference" / "eurostat-age-groups.yaml").exists()
    done = corridor("ingest", str(mirror / "worldbank/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"),
                    "--mapping", str(GALLERY / "worldbank-matrix-2017.yaml"), "--warehouse", warehouse)
    assert done.returncode == 0, done.stderr
    done = corridor("stock", "--destination", "USA", "--format", "csv", "--warehouse", warehouse)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["destination"], r["origin"], r["year"], r["value"]) for r in rows] == [("840", "", "2017", "47493736")]
