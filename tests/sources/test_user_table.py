"""A user's own table (CSV, Excel, Parquet) with a mapping file, on real data.

The "own table" is a long slice of the real UN DESA IMS 2019 origin-destination table in the mirror
(``undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv``): four destinations (USA, Montenegro,
Kuwait, Barbados) x 232 origins x 7 years, reshaped to ``residence,birthplace,sex,year,count`` with
the UN's own names (resolved through ``names_source: undesa-ims-2019-od``), read through the mapping
in ``examples/own-table-mapping.yaml``. The slice holds the table's real missing cells: ``-`` (Montenegro,
Albania-born, 1990-2005) and ``..`` (Kuwait, Barbados).

What this proves: the CLI ingests it (``corridor ingest own.csv --mapping ...``) and ``corridor stock``
gives the published figure back (Mexico-born in the USA 2019 = 11,489,684, MANIFEST.md); every value
equals what the catalogue's own adapter reads from the same cells; the datasets row carries title,
licence, concept and the mapping as parameters; the same file twice is a no-op; the Excel and Parquet
versions give the same observations; ``..``/``-``/blank stay missing (O/M/O), never zero; and each bad
input names file, row, column and reason and leaves the warehouse as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from corridor.errors import InputError, UnmatchedAreasError
from corridor.sources.layouts import get_layout
from corridor.sources.mapping import Mapping
from corridor.sources.user_table import ingest_user_table, load_mapping
from corridor.sources.user_table import read_user_table as read_with_warnings
from corridor.store.warehouse import Warehouse
from tests.store.test_warehouse import snapshot

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "examples" / "own-table-mapping.yaml"
OD = "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
DESTINATIONS = ["United States of America", "Montenegro", "Kuwait", "Barbados"]
USA, MEXICO, MONTENEGRO, ALBANIA, KUWAIT = "840", "484", "499", "8", "414"


@pytest.fixture(scope="module")
def own_table(mirror: Path) -> pd.DataFrame:
    """The long slice of the real OD table, as text (row i of the frame is line i + 2 of the CSV)."""
    wide = pd.read_csv(mirror / OD, dtype=str, keep_default_na=False)
    wide = wide[wide["Dest"].isin(DESTINATIONS)]
    long = wide.melt(id_vars=["Year", "Dest"], var_name="birthplace", value_name="count")
    long = long.rename(columns={"Dest": "residence", "Year": "year"}).assign(sex="Both sexes")
    return long[["residence", "birthplace", "sex", "year", "count"]].reset_index(drop=True)


def read_user_table(path: Path, mapping: Mapping) -> pd.DataFrame:
    """The observations alone (no totals in these tables, so no warnings)."""
    obs, warnings = read_with_warnings(path, mapping)
    assert warnings == []
    return obs


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def write_mapping(path: Path, **changes: object) -> Path:
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(mapping.get(key), dict):
            mapping[key] = {**mapping[key], **value}
        else:
            mapping[key] = value
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def own_csv(own_table: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(own_table, tmp_path_factory.mktemp("own") / "own.csv")


def cells(frame: pd.DataFrame, ref_area: str, counterpart: str, year: str) -> pd.Series:
    row = frame[(frame["ref_area"] == ref_area) & (frame["counterpart_area"] == counterpart)
                & (frame["time_period"] == year)]
    assert len(row) == 1, row
    return row.iloc[0]


# --- the good path ----------------------------------------------------------------------------------


def test_example_mapping_is_valid() -> None:
    mapping = load_mapping(MAPPING)
    assert mapping.concept == "mixed_foreign_born_or_citizen"
    assert mapping.codes.names_source == "undesa-ims-2019-od"


def test_values_equal_the_catalogue_adapter_on_the_same_cells(own_csv: Path, own_table: pd.DataFrame,
                                                              mirror: Path) -> None:
    obs = read_user_table(own_csv, load_mapping(MAPPING))
    assert len(obs) == len(own_table) == 4 * 7 * 232
    # MANIFEST.md: Mexico-born in the USA, 2019 = 11,489,684
    assert cells(obs, USA, MEXICO, "2019")["value"] == 11_489_684
    official = get_layout("undesa-ims-od")([mirror / OD]).observations
    official = official[official["ref_area"].isin(obs["ref_area"].unique())]
    key = ["ref_area", "counterpart_area", "time_period"]
    both = obs.merge(official, on=key, how="outer", suffixes=("", "_official"), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"].head()
    same_value = (both["value"] == both["value_official"]) | (both["value"].isna() & both["value_official"].isna())
    assert same_value.all(), both.loc[~same_value, key + ["value", "value_official"]].head()
    # missing cells carry the same status; the adapter flags UN figures as estimates (E), a user's
    # table is taken as given (A) unless its mapping names a status column
    missing = both["value"].isna()
    assert (both.loc[missing, "obs_status"] == both.loc[missing, "obs_status_official"]).all()
    assert set(both.loc[~missing, "obs_status"]) == {"A"}


def test_missing_cells_stay_missing_with_their_status(own_table: pd.DataFrame, tmp_path: Path) -> None:
    table = own_table.copy()
    usa_2019_mexico = table.index[(table["residence"] == "United States of America")
                                  & (table["birthplace"] == "Mexico") & (table["year"] == "2019")][0]
    table.loc[usa_2019_mexico, "count"] = ""  # a blank cell
    obs = read_user_table(write_csv(table, tmp_path / "own.csv"), load_mapping(MAPPING))
    blank = cells(obs, USA, MEXICO, "2019")
    assert pd.isna(blank["value"]) and blank["obs_status"] == "O"
    # the real "-" of the UN table: Montenegro, Albania-born, 1990 (MANIFEST.md: 4 "-" cells)
    dash = cells(obs, MONTENEGRO, ALBANIA, "1990")
    assert pd.isna(dash["value"]) and dash["obs_status"] == "M"
    # the real ".." cells: 5 in Kuwait's rows, 21 in Barbados's (counted in the mirror file)
    dots = obs[(obs["ref_area"] == KUWAIT) & obs["value"].isna()]
    assert len(dots) == 5 and set(dots["obs_status"]) == {"O"}
    assert int(obs["value"].isna().sum()) == 1 + 4 + 5 + 21
    assert not (obs.loc[obs["value"].isna(), "obs_status"] == "A").any()
    # and a real zero stays a zero with status A
    zero = obs[obs["value"] == 0]
    assert len(zero) > 0 and set(zero["obs_status"]) == {"A"}


def test_excel_and_parquet_give_the_same_observations(own_table: pd.DataFrame, own_csv: Path,
                                                      tmp_path: Path) -> None:
    mapping = load_mapping(MAPPING)
    from_csv = read_user_table(own_csv, mapping)
    # Excel as a person would type it: numbers as numbers, the missing tokens as text, year a number
    typed = own_table.assign(
        year=own_table["year"].astype(int),
        count=own_table["count"].map(lambda v: v if v in ("..", "-", "") else int(v)),
    )
    xlsx = tmp_path / "own.xlsx"
    typed.to_excel(xlsx, index=False, sheet_name="Stock")
    from_xlsx = read_user_table(xlsx, mapping.model_copy(update={"sheet": "Stock"}))
    parquet = tmp_path / "own.parquet"
    own_table.to_parquet(parquet, index=False)
    from_parquet = read_user_table(parquet, mapping)
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    pd.testing.assert_frame_equal(from_parquet, from_csv)
    # a Parquet count column of numbers with nulls: same values; nulls are missing "not available" (O)
    numeric = own_table.assign(count=pd.to_numeric(own_table["count"], errors="coerce"))
    numeric.to_parquet(tmp_path / "numeric.parquet", index=False)
    from_numeric = read_user_table(tmp_path / "numeric.parquet", mapping)
    pd.testing.assert_series_equal(from_numeric["value"], from_csv["value"])
    assert set(from_numeric.loc[from_numeric["value"].isna(), "obs_status"]) == {"O"}


def corridor(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", *args], capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.slow  # three CLI subprocesses (~35 s on the shared machine)
def test_cli_ingest_then_stock_gives_the_figure_back_with_provenance(own_csv: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    done = corridor("ingest", str(own_csv), "--mapping", str(MAPPING), "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    assert "ingested user:own@" in done.stderr and "6,496 observations" in done.stderr
    done = corridor("stock", "--destination", "USA", "--origin", "MEX", "--year", "2019", "--format", "csv",
                    "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 1, done.stdout
    row = rows[0]
    # MANIFEST.md: Mexico-born in the USA, 2019 = 11,489,684
    assert (row["destination"], row["origin"], row["sex"], row["year"], row["value"]) == (
        USA, MEXICO, "_T", "2019", "11489684")
    assert row["obs_status"] == "A"
    assert row["concept"] == "mixed_foreign_born_or_citizen"
    assert row["dataset"].startswith("user:own@") and row["vintage"] == "2019"
    with Warehouse.open(warehouse, read_only=True) as wh:
        ds = wh.dataset(row["dataset"])
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    assert ds["title"] == mapping["title"]
    assert ds["licence"] == "CC-BY-3.0-IGO"
    assert ds["publisher"] == mapping["publisher"]
    assert ds["concept"] == "mixed_foreign_born_or_citizen" and ds["kind"] == "estimate"
    assert ds["series"] == "own-ims-slice" and ds["layout"] == "user-table"
    assert ds["file_name"] == "own.csv" and len(ds["sha256"]) == 64
    assert ds["rows_accepted"] == 6496 and ds["rows_rejected"] == 0
    assert ds["reference_dates"] == "1990, 1995, 2000, 2005, 2010, 2015, 2019"
    parameters = ds["parameters"] if isinstance(ds["parameters"], dict) else json.loads(ds["parameters"])
    assert {k: parameters[k] for k in mapping if k not in ("columns", "codes")} == {
        k: v for k, v in mapping.items() if k not in ("columns", "codes")}
    assert parameters["columns"] == mapping["columns"]
    assert parameters["codes"]["sex"] == mapping["codes"]["sex"]
    before = snapshot(warehouse)
    again = corridor("ingest", str(own_csv), "--mapping", str(MAPPING), "--warehouse", str(warehouse))
    assert again.returncode == 0, again.stderr
    assert f"unchanged {row['dataset']}: same bytes already in the warehouse" in " ".join(again.stderr.split())
    assert snapshot(warehouse) == before


@pytest.fixture(scope="module")
def base(own_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding the own table once, built in-process; tests work on copies of it."""
    path = tmp_path_factory.mktemp("user-base") / "base.duckdb"
    with Warehouse.open(path) as wh:
        report = ingest_user_table(wh, own_csv, MAPPING)
    assert report.created and report.rows_accepted == 6496
    return path


@pytest.fixture()
def warehouse(base: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(base, copy)
    return copy


def test_same_file_twice_is_a_no_op(own_csv: Path, warehouse: Path, tmp_path: Path) -> None:
    before = snapshot(warehouse)
    with Warehouse.open(warehouse) as wh:
        report = ingest_user_table(wh, own_csv, MAPPING)
    assert not report.created
    assert snapshot(warehouse) == before
    # the same bytes under another name are the same dataset too (identity is the sha256)
    renamed = shutil.copyfile(own_csv, tmp_path / "copy.csv")
    with Warehouse.open(warehouse) as wh:
        assert not ingest_user_table(wh, Path(renamed), MAPPING).created
    assert snapshot(warehouse) == before


# --- bad input: message names file, row, column, reason; the warehouse is unchanged -------------------


def refused(warehouse: Path, table: Path, mapping: Path = MAPPING) -> str:
    before = snapshot(warehouse)
    with pytest.raises(InputError) as info, Warehouse.open(warehouse) as wh:
        ingest_user_table(wh, table, mapping)
    assert snapshot(warehouse) == before
    return str(info.value)


def row_of(table: pd.DataFrame, residence: str, birthplace: str, year: str) -> int:
    """Index into the frame of one cell's row (its CSV line is index + 2)."""
    return int(table.index[(table["residence"] == residence) & (table["birthplace"] == birthplace)
                           & (table["year"] == year)][0])


def test_unknown_area_names_are_all_listed(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table = own_table.copy()
    table.loc[row_of(table, "Kuwait", "Mexico", "2019"), "birthplace"] = "Mejico"
    table.loc[row_of(table, "Barbados", "Albania", "1990"), "birthplace"] = "Atlantis"
    table.loc[row_of(table, "Barbados", "Chile", "1995"), "birthplace"] = "Atlantis"
    before = snapshot(warehouse)
    with pytest.raises(UnmatchedAreasError) as info, Warehouse.open(warehouse) as wh:
        ingest_user_table(wh, write_csv(table, tmp_path / "own.csv"), MAPPING)
    assert snapshot(warehouse) == before
    assert info.value.names == ["Atlantis", "Mejico"]
    message = str(info.value)
    assert message.startswith("file own.csv, column 'birthplace': 2 area name(s) not in the alias tables")
    assert "'Atlantis'; 'Mejico'" in message


def test_unknown_sex_label(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table = own_table.copy()
    i = row_of(table, "Kuwait", "India", "2010")
    table.loc[i, "sex"] = "Both"
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"))
    assert message == (f"file own.csv, row {i + 2}, column 'sex': sex 'Both' is not a SEX code (_T/M/F/_U) "
                       "and not in codes.sex")


def test_negative_count(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table = own_table.copy()
    i = row_of(table, "United States of America", "Mexico", "2019")
    table.loc[i, "count"] = "-11489684"
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"))
    assert message == f"file own.csv, row {i + 2}, column 'count': 1 negative count(s); first: -1.14897e+07"


def test_non_numeric_count(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    table = own_table.copy()
    i = row_of(table, "Montenegro", "Serbia", "2015")
    table.loc[i, "count"] = "about 2000"
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"))
    assert message.startswith(f"file own.csv, row {i + 2}, column 'count': 1 cell(s) do not read as "
                              "numbers under the declared format")
    assert "first: 'about 2000'" in message


def test_duplicate_key(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    i = row_of(own_table, "Barbados", "Guyana", "2019")
    table = pd.concat([own_table, own_table.loc[[i]]], ignore_index=True)
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"))
    last = len(table) - 1
    assert message.startswith(f"file own.csv, row {i + 2}: duplicate key (ref_area=52, counterpart_area=328, "
                              "time_period=2019, sex=_T, age=_T, topic=_T)")  # M49: Barbados 52, Guyana 328
    assert message.endswith(f"on rows {i + 2}, {last + 2}")


def test_mapping_names_a_column_not_in_the_table(own_csv: Path, warehouse: Path, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "own.yaml", columns={"count": "persons"})
    message = refused(warehouse, own_csv, mapping)
    assert message == ("file own.csv, row 1: column(s) 'persons' not in the table; it has 'residence', "
                       "'birthplace', 'sex', 'year', 'count'")


def test_unknown_concept(own_csv: Path, warehouse: Path, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path / "own.yaml", concept="migrant")
    message = refused(warehouse, own_csv, mapping)
    assert message.startswith(f"file {mapping}: key 'concept': Value error, 'migrant' is not in the concept registry (")
    assert "foreign_born" in message and "foreign_citizen" in message


def test_bad_input_through_the_cli_exits_2_with_one_line(own_table: pd.DataFrame, warehouse: Path,
                                                         tmp_path: Path) -> None:
    table = own_table.copy()
    i = row_of(table, "Kuwait", "Egypt", "2000")
    table.loc[i, "count"] = "-3"
    before = snapshot(warehouse)
    done = corridor("ingest", str(write_csv(table, tmp_path / "own.csv")), "--mapping", str(MAPPING),
                    "--warehouse", str(warehouse))
    assert done.returncode == 2
    assert " ".join(done.stderr.split()) == (
        f"error: file own.csv, row {i + 2}, column 'count': 1 negative count(s); first: -3")
    assert snapshot(warehouse) == before


def test_m49_codes_from_a_float_parquet_column(own_csv: Path, tmp_path: Path) -> None:
    # The same table with M49 codes instead of names, written as pandas writes integer columns that
    # hold a null: floats (840.0). The codes are codes, whatever the column type.
    mapping = load_mapping(MAPPING)
    by_name = read_user_table(own_csv, mapping)
    coded = pd.read_csv(own_csv, dtype=str, keep_default_na=False).assign(
        residence=by_name["ref_area"].astype(float), birthplace=by_name["counterpart_area"].astype(float))
    coded.to_parquet(tmp_path / "coded.parquet", index=False)
    assert coded["residence"].dtype == "float64"
    m49 = mapping.model_copy(update={"codes": mapping.codes.model_copy(update={"areas": "m49"})})
    from_codes = read_user_table(tmp_path / "coded.parquet", m49)
    pd.testing.assert_frame_equal(from_codes, by_name)


def test_non_finite_count_is_refused(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    # "inf" parses as a number (float('inf')) but is no count of persons: it must be refused like text.
    table = own_table.copy()
    i = row_of(table, "Kuwait", "India", "2019")
    table.loc[i, "count"] = "inf"
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"))
    assert message.startswith(f"file own.csv, row {i + 2}, column 'count': 1 cell(s) do not read as numbers")


def test_excel_errors_name_sheet_row_and_the_sheets_there_are(own_table: pd.DataFrame, warehouse: Path,
                                                               tmp_path: Path) -> None:
    i = row_of(own_table, "Montenegro", "Serbia", "2019")
    table = own_table.assign(
        year=own_table["year"].astype(int),
        count=own_table["count"].map(lambda v: v if v in ("..", "-", "") else int(v)).astype(object),
    )
    table.loc[i, "count"] = -7
    xlsx = tmp_path / "own.xlsx"
    table.to_excel(xlsx, index=False, sheet_name="Stock")
    # the row a person sees in the spreadsheet: header on row 1, so frame row i is sheet row i + 2
    message = refused(warehouse, xlsx, write_mapping(tmp_path / "own.yaml", sheet="Stock"))
    assert message == f"file own.xlsx, row {i + 2}, column 'count': 1 negative count(s); first: -7"
    message = refused(warehouse, xlsx, write_mapping(tmp_path / "wrong.yaml", sheet="Table 1"))
    assert message == "file own.xlsx: no sheet 'Table 1'; the workbook has 'Stock'"


def test_bad_mapping_files(own_csv: Path, warehouse: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    assert refused(warehouse, own_csv, broken).startswith(f"file {broken}: cannot read the mapping:")
    no_count = write_mapping(tmp_path / "nocount.yaml", columns={"residence": "residence"})
    no_count.write_text(no_count.read_text(encoding="utf-8").replace("  count: count\n", ""), encoding="utf-8")
    assert refused(warehouse, own_csv, no_count) == (
        f"file {no_count}: key '(top level)': Value error, say which column is 'count'")
    role = write_mapping(tmp_path / "role.yaml", columns={"persons": "count"})
    assert refused(warehouse, own_csv, role).startswith(f"file {role}: key 'columns.persons': unknown role")
    missing = tmp_path / "absent.csv"
    assert refused(warehouse, missing) == f"file {missing}: no such file"


def test_several_tables_with_one_mapping_are_not_silently_dropped(own_table: pd.DataFrame, tmp_path: Path) -> None:
    # `corridor ingest a.csv b.csv --mapping m.yaml` must ingest both or refuse; ingesting a.csv and
    # ignoring b.csv without a word loses the user's data.
    from typer.testing import CliRunner

    from corridor.cli.main import app

    a = write_csv(own_table[own_table["residence"] == "Kuwait"], tmp_path / "a.csv")
    b = write_csv(own_table[own_table["residence"] == "Barbados"], tmp_path / "b.csv")
    warehouse = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(a), str(b), "--mapping", str(MAPPING),
                                      "--warehouse", str(warehouse)])
    if result.exit_code == 0:
        with Warehouse.open(warehouse, read_only=True) as wh:
            files = sorted(wh.datasets()["file_name"])
        assert files == ["a.csv", "b.csv"], f"exit 0 but only {files} ingested"
    else:
        assert isinstance(result.exception, InputError) and "b.csv" in str(result.exception)


def test_status_column_takes_only_obs_status_codes(own_table: pd.DataFrame, warehouse: Path,
                                                   tmp_path: Path) -> None:
    # columns.status gives each row's OBS_STATUS; a code outside SDMX CL_OBS_STATUS (codelists.yaml)
    # would be stored as if it meant something. It must be refused, naming file, row and column.
    table = own_table.assign(flag="E")
    i = row_of(table, "Kuwait", "Nepal", "2015")
    table.loc[i, "flag"] = "Z"
    mapping = write_mapping(tmp_path / "own.yaml", columns={"status": "flag"})
    good = table.assign(flag="E")
    with Warehouse.open(tmp_path / "ok.duckdb") as wh:  # real codes are kept per row
        ingest_user_table(wh, write_csv(good, tmp_path / "good.csv"), mapping)
        stored = wh.observations("MIG_STOCK", ref_area=KUWAIT, counterpart_area="524", time_period="2015")
    assert stored["obs_status"].tolist() == ["E"]
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"), mapping)
    assert message.startswith(f"file own.csv, row {i + 2}, column 'flag': ")
    assert "'Z'" in message


def test_age_labels_must_be_age_codes(own_table: pd.DataFrame, warehouse: Path, tmp_path: Path) -> None:
    # age is a coded dimension (AGE codelist: _T, Y0T4 ... Y100T_, Y_LT18, Y15T24); free text such as
    # "15-19" must be refused (or mapped in the mapping), never stored as a new age code.
    mapping = write_mapping(tmp_path / "own.yaml", columns={"age": "age"})
    ok = read_user_table(write_csv(own_table.assign(age="Y15T19"), tmp_path / "ok.csv"), load_mapping(mapping))
    assert set(ok["age"]) == {"Y15T19"}
    table = own_table.assign(age="Y15T19")
    i = row_of(table, "Barbados", "Jamaica", "2010")
    table.loc[i, "age"] = "15-19"
    message = refused(warehouse, write_csv(table, tmp_path / "own.csv"), mapping)
    assert message.startswith(f"file own.csv, row {i + 2}, column 'age': ")
    assert "'15-19'" in message
