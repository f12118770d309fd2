"""Each failure a new user met with real tables (issue 10), reproduced first, then checked fixed.

The tables are built in ``tmp_path`` from the real-data mirror: Eurostat's immigration by previous
residence (``observed_flows/...intra_eu.csv``; MANIFEST.md: Poland -> Germany 2023 = 56,023), the
World Bank 2017 matrix (Mexico -> USA 11,573,680) and UN DESA's 2019 origin-destination table.
Every refusal is checked to name the file and the row, column or mapping key, and to leave the
warehouse exactly as it was (``snapshot``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from corridor.errors import InputError
from corridor.sources.cells import parse_cells
from corridor.sources.fetch import sha256_of
from corridor.sources.user_table import ingest_user_table
from corridor.store.warehouse import Warehouse
from tests.store.test_warehouse import snapshot

EUROSTAT = "observed_flows/eurostat_immigration_prev_residence_intra_eu.csv"
BASE = {
    "title": "Immigration into Germany by previous residence (Eurostat, tidied copy)", "publisher": "Eurostat",
    "licence": "CC-BY-4.0", "concept": "international_migrant", "kind": "register", "dataflow": "MIG_FLOW_REG",
    "series": "test-eurostat-de", "vintage": "2024",
    "columns": {"residence": "geo", "previous_residence": "partner", "year": "year", "count": "value"},
    "codes": {"areas": "iso2"}, "aliases": "aliases.csv",
}


@pytest.fixture(scope="module")
def germany(mirror: Path) -> pd.DataFrame:
    """Immigration into Germany 2015-2023 by previous residence, as text (the copy writes 56023.0)."""
    table = pd.read_csv(mirror / EUROSTAT, dtype=str, keep_default_na=False)
    table = table[(table["geo"] == "DE")].reset_index(drop=True)
    assert table.loc[(table["partner"] == "PL") & (table["year"] == "2023"), "value"].tolist() == ["56023.0"]
    return table


def files(folder: Path, table: pd.DataFrame, name: str = "de.csv", **changes: object) -> tuple[Path, Path]:
    """The table as CSV and its mapping (BASE with ``changes``), with the alias file the mapping names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "aliases.csv").write_text("name,area\nUK,826\nOTHER,_X\n", encoding="utf-8")
    mapping = {**BASE, **changes}
    mapping = {k: v for k, v in mapping.items() if v is not None}
    (folder / "m.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    table.to_csv(folder / name, index=False)
    return folder / name, folder / "m.yaml"


def refused(warehouse: Path, table: Path, mapping: Path) -> str:
    before = snapshot(warehouse)
    with pytest.raises(InputError) as info, Warehouse.open(warehouse) as wh:
        ingest_user_table(wh, table, mapping)
    assert snapshot(warehouse) == before
    return str(info.value)


def stored(warehouse: Path, table: Path, mapping: Path, **key: str) -> pd.DataFrame:
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, table, mapping).dataset_id
        return wh.observations("MIG_FLOW_REG", dataset_id=dataset, **key)


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    Warehouse.open(path).close()
    return path


def line_of(table: pd.DataFrame, partner: str, year: str) -> int:
    """The CSV line of a row (header on line 1)."""
    return int(table.index[(table["partner"] == partner) & (table["year"] == year)][0]) + 2


# --- number formats ---------------------------------------------------------------------------------


def test_decimal_comma_was_misscaled_and_is_now_read_only_as_declared(germany: pd.DataFrame, warehouse: Path,
                                                                      tmp_path: Path) -> None:
    european = germany.assign(value=germany["value"].str.replace(".", ",", regex=False))  # 56023,0
    # the symptom: the old cell reader (still the catalogue layouts') drops the comma -> 560,230
    old, _ = parse_cells(pd.Series(["56023,0", "56023,00"]), file="de.csv", rows=[2, 3], columns=["value"] * 2)
    assert old.tolist() == [560_230, 5_602_300]
    # undeclared: refused, naming file, row and column; never a guess
    table, mapping = files(tmp_path / "a", european)
    message = refused(warehouse, table, mapping)
    assert message.startswith(f"file de.csv, row 2, column 'value': {len(european)} cell(s) do not read as "
                              "numbers under the declared format (whole numbers, no thousands separator")
    # declared: the right number
    table, mapping = files(tmp_path / "b", european, numbers={"decimal": ","})
    row = stored(warehouse, table, mapping, counterpart_area="616", time_period="2023")
    assert row["value"].tolist() == [56_023]


def test_decimal_point_must_be_declared_too(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table, mapping = files(tmp_path / "a", germany)  # 56023.0 with no numbers section
    assert "do not read as numbers" in refused(warehouse, table, mapping)
    table, mapping = files(tmp_path / "b", germany, numbers={"decimal": "."})
    assert stored(warehouse, table, mapping, counterpart_area="616", time_period="2023")["value"].tolist() == [56_023]


@pytest.mark.parametrize(("written", "numbers"), [
    ("56.023", {"thousands": ".", "decimal": ","}),   # German print
    ("56 023", {"thousands": " "}),                    # French print
    ("56,023", {"thousands": ","}),                    # English print
    ("56'023,00", {"thousands": "'", "decimal": ","}),  # Swiss print
])
def test_thousands_separators(written: str, numbers: dict, germany: pd.DataFrame, warehouse: Path,
                              tmp_path: Path) -> None:
    table = germany.assign(value=germany["value"].str.replace(".0", "", regex=False))
    i = line_of(table, "PL", "2023") - 2
    table.loc[i, "value"] = written
    path, mapping = files(tmp_path / "ok", table, numbers=numbers)
    assert stored(warehouse, path, mapping, counterpart_area="616", time_period="2023")["value"].tolist() == [56_023]
    # the same text under the plain default is refused at its row, never read as 56.023 or 56
    path, mapping = files(tmp_path / "bad", table)
    message = refused(warehouse, path, mapping)
    assert message.startswith(f"file de.csv, row {i + 2}, column 'value': 1 cell(s) do not read as numbers")
    assert repr(written) in message


def test_scale_is_kept_as_unit_mult(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    thousands = germany.assign(value=(germany["value"].astype(float) / 1000).map(lambda v: f"{v:.3f}"))
    path, mapping = files(tmp_path, thousands, numbers={"decimal": ".", "scale": 1000})
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, path, mapping).dataset_id
        row = wh.observations("MIG_FLOW_REG", dataset_id=dataset, counterpart_area="616", time_period="2023",
                              scaled=True)
    assert row["value"].round(6).tolist() == [56_023]


# --- the mapping is checked by a schema -------------------------------------------------------------


@pytest.mark.parametrize(("change", "expected"), [
    ({"decimal": ","}, "key 'decimal': unknown key at the top level; did you mean numbers.decimal?"),
    ({"sep": ";"}, "key 'sep': unknown key at the top level; did you mean numbers.thousands?"),
    ({"numbers": {"sep": ","}}, "key 'numbers.sep': unknown key"),
    ({"colums": {"count": "value"}}, "key 'colums': unknown key"),
    ({"dataflow": "MIG_FLOWS"}, "key 'dataflow': Value error, 'MIG_FLOWS' is not a registered dataflow"),
    ({"skip_rows": "two"}, "key 'skip_rows': Input should be a valid integer"),
    ({"numbers": {"decimal": ";"}}, "key 'numbers.decimal': Input should be '.' or ','"),
    ({"codes": {"areas": "iso4"}}, "key 'codes.areas"),
])
def test_unknown_keys_and_bad_values_name_the_key(change: dict, expected: str, germany: pd.DataFrame,
                                                  warehouse: Path, tmp_path: Path) -> None:
    table, mapping = files(tmp_path, germany, numbers={"decimal": "."})
    doc = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    doc.update(change)
    mapping.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert refused(warehouse, table, mapping).startswith(f"file {mapping}: {expected}")


# --- areas --------------------------------------------------------------------------------------------


def test_iso2_and_the_users_own_aliases(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    # without the alias file, Eurostat's UK and the copy's OTHER are listed, and the message points the
    # user to their own alias file (not to the package's data files)
    table, mapping = files(tmp_path / "a", germany, numbers={"decimal": "."}, aliases=None)
    message = refused(warehouse, table, mapping)
    assert message.startswith("file de.csv, column 'partner': 2 area name(s) not in the alias tables for "
                              "ISO 3166-1 alpha-2: 'OTHER'; 'UK'.")
    assert "mapping key 'aliases'" in message and "src/corridor" not in message
    table, mapping = files(tmp_path / "b", germany, numbers={"decimal": "."})
    rows = stored(warehouse, table, mapping, time_period="2023")
    assert set(rows["ref_area"]) == {"276"} and {"826", "_X", "616", "642"} <= set(rows["counterpart_area"])


def test_a_bad_alias_file_names_its_row(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table, mapping = files(tmp_path, germany, numbers={"decimal": "."})
    (tmp_path / "aliases.csv").write_text("name,area\nUK,826\nOTHER,Elsewhere\n", encoding="utf-8")
    message = refused(warehouse, table, mapping)
    assert message.startswith(f"file {tmp_path / 'aliases.csv'}, row 3, column 'area': unknown area 'Elsewhere'")


def test_m49_columns_take_numbers_only(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    # the symptom: area_code (what the M49 mode used) accepts alpha-3 codes and names as well
    from corridor.reference.areas import area_code

    assert area_code("DEU") == area_code("276") == "276"
    coded = germany.assign(geo="276", partner=np.where(germany["partner"] == "PL", "POL", "616"))
    table, mapping = files(tmp_path, coded, numbers={"decimal": "."}, codes={"areas": "m49"}, aliases=None)
    message = refused(warehouse, table, mapping)
    assert message.startswith("file de.csv, column 'partner': 1 area name(s) not in the alias tables for "
                              "UN M49 (numbers only): 'POL'")


def test_alpha3_with_a_sources_own_codes(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    # The World Bank writes CHI (Channel Islands) and KSV (Kosovo): not ISO codes, in its code table.
    table = pd.DataFrame({"residence": ["GBR", "GBR", "GBR"], "birthplace": ["CHI", "KSV", "unknown"],
                          "year": "2017", "count": ["1", "2", "3"]})
    mapping = {**BASE, "dataflow": "MIG_STOCK", "concept": "foreign_born", "kind": "census",
               "columns": {"residence": "residence", "birthplace": "birthplace", "year": "year", "count": "count"},
               "codes": {"areas": "iso3"}}
    (tmp_path / "aliases.csv").write_text("name,area\nunknown,_X\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    table.to_csv(tmp_path / "t.csv", index=False)
    message = refused(warehouse, tmp_path / "t.csv", tmp_path / "m.yaml")
    assert "'CHI'; 'KSV'" in message
    mapping["codes"]["code_source"] = "worldbank"
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, tmp_path / "t.csv", tmp_path / "m.yaml").dataset_id
        rows = wh.observations("MIG_STOCK", dataset_id=dataset)
    assert sorted(rows["counterpart_area"]) == ["412", "830", "_X"]  # Kosovo 412 (project), Channel Is. 830


def test_names_follow_the_reference_date(warehouse: Path, tmp_path: Path) -> None:
    # "Sudan" in a table on the boundaries of 2000 is the former Sudan (736), not today's (729);
    # the USSR after its dissolution (1991-12-26) is refused
    table = pd.DataFrame({"residence": ["Sudan", "Sudan", "Union of Soviet Socialist Republics"],
                          "year": ["2000", "2015", "1990"], "count": ["1", "2", "3"]})
    mapping = {**BASE, "dataflow": "MIG_STOCK", "concept": "foreign_born", "kind": "census",
               "columns": {"residence": "residence", "year": "year", "count": "count"},
               "codes": {"areas": "names", "names_source": "undesa-ims-2019-od"}, "aliases": None}
    mapping = {k: v for k, v in mapping.items() if v is not None}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    table.to_csv(tmp_path / "t.csv", index=False)
    with Warehouse.open(tmp_path / "plain.duckdb") as wh:  # the symptom: present-day Sudan in 2000
        dataset = ingest_user_table(wh, tmp_path / "t.csv", tmp_path / "m.yaml").dataset_id
        assert wh.observations("MIG_STOCK", dataset_id=dataset, time_period="2000")["ref_area"].tolist() == ["729"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({**mapping, "reference_date": "row"}), encoding="utf-8")
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, tmp_path / "t.csv", tmp_path / "m.yaml").dataset_id
        rows = wh.observations("MIG_STOCK", dataset_id=dataset).set_index("time_period")["ref_area"]
    assert rows.to_dict() == {"2000": "736", "2015": "729", "1990": "810"}
    table.loc[2, "year"] = "2019"
    table.to_csv(tmp_path / "t.csv", index=False)
    message = refused(warehouse, tmp_path / "t.csv", tmp_path / "m.yaml")
    assert message == ("file t.csv, row 4, column 'residence': 'Union of Soviet Socialist Republics' is area 810 "
                       "(Union of Soviet Socialist Republics), which did not exist at 2019 (see docs/codelists.md "
                       "for validity dates and successors)")


# --- totals -------------------------------------------------------------------------------------------


def test_totals_row_and_column_are_totals_and_checked(mirror: Path, warehouse: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    gallery = Path(__file__).resolve().parents[2] / "docs" / "gallery" / "worldbank-matrix-2017.yaml"
    plain = yaml.safe_load(gallery.read_text(encoding="utf-8"))
    del plain["totals"]
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(plain), encoding="utf-8")
    source = mirror / "worldbank/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"
    with Warehouse.open(tmp_path / "plain.duckdb") as wh:  # the symptom: "World" stored as a birthplace
        dataset = ingest_user_table(wh, source, tmp_path / "plain.yaml").dataset_id
        usa = wh.observations("MIG_STOCK", dataset_id=dataset, ref_area="840", counterpart_area="900")
        assert usa["value"].tolist() == [47_493_736]
        assert wh.observations("MIG_STOCK", dataset_id=dataset, ref_area="840", counterpart_area="_T").empty
    # a World cell that disagrees with its column (the USA's total raised by 1,000)
    book = load_workbook(source)
    sheet = book["Bilateral_Migration_2017"]
    header = [c.value for c in sheet[2]]
    col = header.index("United States") + 1
    world_row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "World")
    sheet.cell(world_row, col).value = 47_494_736
    damaged = tmp_path / "matrix.xlsx"
    book.save(damaged)
    message = refused(warehouse, damaged, gallery)
    assert message.startswith(f"file matrix.xlsx, row {world_row}, column 'United States': 1 total(s) of "
                              "counterpart_area differ from the sum of their parts by more than the tolerance "
                              "(absolute 0.5, relative 0); first: total 4.74947e+07 vs sum 4.74937e+07")
    # within a stated tolerance it is stored, and the difference is kept in the dataset's notes
    loose = yaml.safe_load(gallery.read_text(encoding="utf-8"))
    loose["totals"].update({"on_mismatch": "warn"})
    (tmp_path / "loose.yaml").write_text(yaml.safe_dump(loose), encoding="utf-8")
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, damaged, tmp_path / "loose.yaml").dataset_id
        assert "1 total(s) of counterpart_area differ" in wh.dataset(dataset)["notes"]


def test_total_label_and_code_in_a_long_table(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    year = germany[germany["year"] == "2023"]
    parts = year["value"].astype(float)
    total = pd.DataFrame({"partner": ["Total"], "geo": ["DE"], "year": ["2023"], "value": [f"{parts.sum():.1f}"]})
    table, mapping = files(tmp_path, pd.concat([year, total]), numbers={"decimal": "."},
                           totals={"labels": ["Total"]})
    row = stored(warehouse, table, mapping, counterpart_area="_T")
    assert row["value"].tolist() == [parts.sum()]


# --- periods, provenance ----------------------------------------------------------------------------------


def test_period_flows(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    # a five-year sum written as a period, 2015-2019 (register flows over a period)
    years = germany[germany["year"].between("2015", "2019")].assign(value=lambda t: t["value"].astype(float))
    period = years.groupby(["partner", "geo"], as_index=False)["value"].sum().assign(year="2015-2019")
    table, mapping = files(tmp_path / "a", period, numbers={"decimal": "."})
    rows = stored(warehouse, table, mapping, counterpart_area="616")
    assert rows["time_period"].tolist() == ["2015-2019"]
    stock = {"dataflow": "MIG_STOCK", "concept": "foreign_born", "kind": "census",
             "columns": {"residence": "geo", "birthplace": "partner", "year": "year", "count": "value"}}
    table, mapping = files(tmp_path / "b", period, numbers={"decimal": "."}, **stock)
    assert refused(warehouse, table, mapping).startswith("file de.csv, row 2, column 'year': year '2015-2019' "
                                                         "is not a four-digit year")


def test_sha256_is_the_files_and_copy_of_is_kept(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    copy = "LuminescentBulb/intra-eu-migration @ 954b1bb : dashboard/public/data/immigration_bilateral_total.csv"
    table, mapping = files(tmp_path, germany, numbers={"decimal": "."}, copy_of=copy)
    with Warehouse.open(warehouse) as wh:
        report = ingest_user_table(wh, table, mapping)
        meta = wh.dataset(report.dataset_id)
        assert not ingest_user_table(wh, table, mapping).created  # the same file, the same mapping
        # the same file read with another mapping is another dataset (the mapping's sha256 is kept too)
        doc = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        (tmp_path / "m2.yaml").write_text(yaml.safe_dump({**doc, "series": "test-eurostat-de-2"}), encoding="utf-8")
        assert ingest_user_table(wh, table, tmp_path / "m2.yaml").created
    assert meta["sha256"] == sha256_of(table) and meta["copy_of"] == copy
    assert meta["mapping_sha256"] and meta["mapping_sha256"] != meta["sha256"]


def test_unknown_age_says_how_to_register_it(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    by_age = germany.assign(age="Y15-64")
    table, mapping = files(tmp_path, by_age, numbers={"decimal": "."},
                           columns={**BASE["columns"], "age": "age"}, codes={"areas": "iso2", "age": "eurostat"})
    message = refused(warehouse, table, mapping)
    assert message.startswith("file de.csv, row 2, column 'age': age 'Y15-64' is not a AGE code")
    assert "corridor register" in message


def test_register_flows_need_a_direction(germany: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    columns = {"residence": "geo", "citizenship": "partner", "year": "year", "count": "value"}
    table, mapping = files(tmp_path / "a", germany, numbers={"decimal": "."}, columns=columns)
    assert "register flows need a direction" in refused(warehouse, table, mapping)
    table, mapping = files(tmp_path / "b", germany, numbers={"decimal": "."}, columns=columns,
                           constants={"direction": "IMM"})
    assert set(stored(warehouse, table, mapping)["topic"]) == {"IMM"}
