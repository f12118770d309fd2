"""Bad input: each case gives a message naming file, row/column and reason, exits non-zero, and leaves
the warehouse exactly as it was. The damaged files are made from the real releases in the mirror."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from corridor.sources.ingest import ingest_file, ingest_release
from corridor.store.warehouse import Warehouse
from tests.store.test_warehouse import snapshot

OD = "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
IMS2020 = "undesa/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


@pytest.fixture(scope="module")
def base(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one real release, built once; tests work on copies of it."""
    path = tmp_path_factory.mktemp("bad") / "base.duckdb"
    with Warehouse.open(path) as wh:
        ingest_release(wh, "undesa-ims-2020-sex-destination", mirror=mirror)
    return path


@pytest.fixture()
def warehouse(base: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(base, copy)
    return copy


def cli_ingest(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", "ingest", *args, "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=300)


def od_lines(mirror: Path) -> list[str]:
    return (mirror / OD).read_text(encoding="utf-8").splitlines(keepends=True)


def assert_refused(warehouse: Path, before: tuple, path: Path, layout: str, *fragments: str) -> None:
    done = cli_ingest(warehouse, str(path), "--layout", layout)
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(warehouse) == before


def test_wrong_header(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    lines[0] = lines[0].replace("Year,Dest", "Jahr,Dest", 1)
    bad = tmp_path / "od.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od",
                   "file od.csv", "row 1", "column 'A'", "expected 'Year', found 'Jahr'")


def test_unknown_area_names_are_all_listed(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    lines[1] = lines[1].replace("Burundi", "Burundia", 1)
    lines[0] = lines[0].replace("Czechia", "Czech Rep.", 1)
    bad = tmp_path / "od.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od", "file od.csv",
                   "not in the alias tables")
    # both unmatched names appear (one per column checked first: Dest); then the header
    done = cli_ingest(warehouse, str(bad), "--layout", "undesa-ims-2019-od")
    assert "'Burundia'" in done.stderr


def test_negative_count(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    cells = lines[1].split(",")
    cells[2] = "-5"
    lines[1] = ",".join(cells)
    bad = tmp_path / "od.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od",
                   "row 2", "column 'Afghanistan'", "negative count")


def test_non_numeric_count(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    cells = lines[3].split(",")
    cells[3] = "12o"
    lines[3] = ",".join(cells)
    bad = tmp_path / "od.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od",
                   "row 4", "column 'Albania'", "neither numbers nor missing-value tokens", "'12o'")


def test_duplicate_key(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    lines.insert(3, lines[1])
    bad = tmp_path / "od.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od",
                   "duplicate key (Year=1990, Dest=Burundi) on rows 2, 4")


def test_wrong_encoding(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    text = (mirror / OD).read_text(encoding="utf-8")
    bad = tmp_path / "od.csv"
    bad.write_bytes(text.encode("utf-16"))
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2019-od",
                   "file od.csv", "not valid utf-8-sig text")
    latin = tmp_path / "od_latin1.csv"
    latin.write_bytes(text.encode("latin-1", errors="replace"))  # 'Côte d'Ivoire' etc. become Latin-1
    assert_refused(warehouse, snapshot(warehouse), latin, "undesa-ims-2019-od",
                   "file od_latin1.csv", "row 1", "not valid utf-8-sig text")


def test_wrong_sheet(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(mirror / IMS2020)
    wb["Table 1"].title = "Tabelle 1"
    bad = tmp_path / "ims.xlsx"
    wb.save(bad)
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2020-sex-destination",
                   "file ims.xlsx", "no sheet 'Table 1'", "'Tabelle 1'")


def test_wrong_header_in_workbook(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(mirror / IMS2020)
    wb["Table 1"]["D11"] = "ISO code"
    bad = tmp_path / "ims.xlsx"
    wb.save(bad)
    assert_refused(warehouse, snapshot(warehouse), bad, "undesa-ims-2020-sex-destination",
                   "sheet 'Table 1'", "row 11", "column 'D'", "expected 'Location code', found 'ISO code'")


def test_truncated_and_corrupt_workbook(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    data = (mirror / IMS2020).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    assert_refused(warehouse, snapshot(warehouse), cut, "undesa-ims-2020-sex-destination",
                   "file cut.xlsx", "not a readable Excel workbook")
    # a zip whose sheet XML is damaged
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(mirror / IMS2020) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            payload = src.read(item.filename)
            if item.filename.endswith("sheet2.xml"):
                payload = payload[: len(payload) // 3]
            dst.writestr(item, payload)
    done = cli_ingest(warehouse, str(broken), "--layout", "undesa-ims-2020-sex-destination")
    assert done.returncode == 2 and "broken.xlsx" in done.stderr, done.stderr


def test_reingesting_the_same_bytes_is_a_no_op(mirror: Path, warehouse: Path) -> None:
    before = snapshot(warehouse)
    with Warehouse.open(warehouse) as wh:
        report = ingest_file(wh, [mirror / IMS2020], layout="undesa-ims-2020-sex-destination")
    assert not report.created and report.dataset_id == "undesa-ims-2020-sex-destination"
    assert snapshot(warehouse) == before


def test_a_newer_copy_of_a_known_layout_becomes_a_new_vintage(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    lines = od_lines(mirror)
    lines = [lines[0]] + [ln for ln in lines[1:] if ln.startswith("2019,")]
    newer = tmp_path / "od_2019_only.csv"
    newer.write_text("".join(lines), encoding="utf-8")
    done = cli_ingest(warehouse, str(newer), "--layout", "undesa-ims-2019-od")
    assert done.returncode == 0, done.stderr
    with Warehouse.open(warehouse, read_only=True) as wh:
        ds = wh.datasets().set_index("dataset_id")
        new_id = [d for d in ds.index if d.startswith("undesa-ims-2019-od@")]
        assert len(new_id) == 1
        assert ds.loc[new_id[0], "series"] == "undesa-ims"
        assert ds.loc[new_id[0], "vintage"].startswith("2019+")
        mex = wh.observations("MIG_STOCK", ref_area="840", counterpart_area="484", time_period="2019")
        assert mex["value"].tolist() == [11_489_684]
        assert mex["dataset_id"].tolist() == new_id
