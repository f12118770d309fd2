"""Published figures read back from the warehouse after the real ingest (the foundation's proof).

Reference values: ../shared/docs/REFERENCE_VALUES.md (UN DESA IMS 2019 and 2020, World Bank 2017) and
../shared/data/MANIFEST.md (WPP 2019, WPP 2024).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from corridor.store.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh(loaded_warehouse: Path):
    with Warehouse.open(loaded_warehouse, read_only=True) as w:
        yield w


def value(wh: Warehouse, dataflow: str, **filters: str) -> float:
    frame = wh.observations(dataflow, **filters)
    assert len(frame) == 1, frame
    return float(frame["value"].iloc[0])


def test_world_stock_mid_2020_ims_2020(wh: Warehouse) -> None:
    # IMS 2020, Table 1: world, mid-2020 = 280,598,105; mid-1990 = 152,986,157; USA 2020 = 50,632,836
    assert value(wh, "MIG_STOCK", ref_area="900", counterpart_area="_T", sex="_T", time_period="2020") == 280_598_105
    assert value(wh, "MIG_STOCK", ref_area="900", counterpart_area="_T", sex="_T", time_period="1990") == 152_986_157
    assert value(wh, "MIG_STOCK", ref_area="840", counterpart_area="_T", sex="_T", time_period="2020") == 50_632_836


def test_mexico_born_in_usa_2019_ims_2019(wh: Warehouse) -> None:
    # IMS 2019 origin-destination: Mexico-born living in the USA, 2019 = 11,489,684
    assert value(wh, "MIG_STOCK", ref_area="840", counterpart_area="484", time_period="2019") == 11_489_684


def test_world_bank_2017_mexico_to_usa_and_world(wh: Warehouse) -> None:
    # World Bank bilateral matrix 2017: Mexico -> USA 11,573,680; world 266,143,792
    assert value(wh, "MIG_STOCK", ref_area="840", counterpart_area="484", time_period="2017") == 11_573_680
    assert value(wh, "MIG_STOCK", ref_area="900", counterpart_area="900", time_period="2017") == 266_143_792


def test_2015_world_total_differs_between_vintages_and_both_can_be_queried(wh: Warehouse) -> None:
    latest = wh.observations("MIG_STOCK", ref_area="900", counterpart_area="_T", sex="_T", time_period="2015")
    assert latest["dataset_id"].tolist() == ["undesa-ims-2020-sex-destination"]
    v2020 = float(latest["value"].iloc[0])
    v2019 = value(wh, "MIG_STOCK", ref_area="900", counterpart_area="_T", sex="_T", time_period="2015",
                  as_of="undesa-ims-2019-totals")
    # Read off the two UN workbooks (IMS 2020 Table 1 and IMS 2019 Table 1, WORLD, 2015)
    assert v2020 == 247_958_644
    assert v2019 == 248_861_296
    assert v2019 != v2020


def test_wpp_figures(wh: Warehouse) -> None:
    # MANIFEST.md: WPP 2019 world 2020 (M+F) = 7,794,798.7 thousand; WPP 2024 world births 2023 =
    # 132,110.3 thousand, deaths 61,651.6 thousand; USA net migration 2023 = 1,322.668 thousand
    pop = value(wh, "POP", ref_area="900", sex="_T", age="_T", time_period="2020", as_of="wpp2019-population")
    assert pop == pytest.approx(7_794_798.7, abs=0.05)
    # Both WPP 2019 and IMS 2020 (Table 2) publish it: two series, side by side, never merged
    both = wh.observations("POP", ref_area="900", sex="_T", age="_T", time_period="2020")
    assert sorted(both["series"]) == ["undesa-ims", "wpp-population"]
    assert value(wh, "BIRTHS", ref_area="900", time_period="2023") == pytest.approx(132_110.3, abs=0.05)
    assert value(wh, "DEATHS", ref_area="900", time_period="2023") == pytest.approx(61_651.6, abs=0.05)
    assert value(wh, "NET_MIG", ref_area="840", time_period="2023", as_of="wpp2024-net-migration") == \
        pytest.approx(1_322.668, abs=1e-3)
    scaled = wh.observations("POP", ref_area="900", sex="_T", age="_T", time_period="2020", scaled=True,
                             as_of="wpp2019-population")
    assert float(scaled["value"].iloc[0]) == pytest.approx(7_794_798_700, rel=1e-7)


def _outside_look(wh: Warehouse, sql: str) -> list[tuple]:
    """Ask the warehouse file with DuckDB directly: an independent look from outside corridor's store."""
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_missing_cells_stay_missing(wh: Warehouse) -> None:
    # MANIFEST.md: the IMS 2019 OD CSV has 341 '..' cells and 4 '-' cells
    od = _outside_look(wh, "SELECT obs_status, count(*), count(value) FROM observations "
                           "WHERE dataset_id = 'undesa-ims-2019-od' AND obs_status IN ('O', 'M') GROUP BY 1 ORDER BY 1")
    assert od == [("M", 4, 0), ("O", 341, 0)]


def test_every_observation_points_to_a_dataset_with_provenance(wh: Warehouse) -> None:
    orphans = _outside_look(wh, "SELECT count(*) FROM observations o LEFT JOIN datasets d USING (dataset_id) "
                                "WHERE d.dataset_id IS NULL")[0][0]
    assert orphans == 0
    ds = wh.datasets()
    assert ds[["sha256", "licence", "publisher", "concept", "series", "vintage"]].notna().all().all()
    assert (ds["sha256"].str.len() == 64).all()


def _cli(*args: str, warehouse: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "corridor.cli.main", *args, "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cli_stock_csv_as_documented(loaded_warehouse: Path) -> None:
    out = _cli("stock", "--destination", "USA", "--origin", "MEX", "--year", "2019", "--format", "csv",
               warehouse=loaded_warehouse)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["destination", "destination_name", "origin", "origin_name", "sex", "year", "value",
                             "lower", "upper", "obs_status", "conf_status", "concept", "dataset", "vintage"]
    assert [(r["destination"], r["origin"], r["value"], r["dataset"]) for r in rows] == [
        ("840", "484", "11489684", "undesa-ims-2019-od")]
    world = list(csv.DictReader(io.StringIO(_cli("stock", "--destination", "WORLD", "--year", "2015",
                                                  "--vintage", "undesa-ims-2019-totals", "--format", "csv",
                                                  warehouse=loaded_warehouse))))
    assert [(r["origin"], r["value"], r["vintage"]) for r in world] == [("", "248861296", "2019")]
    human = _cli("stock", "--destination", "WORLD", "--year", "2020", warehouse=loaded_warehouse)
    assert "280,598,105" in human and "Source: undesa-ims-2020-sex-destination" in human
