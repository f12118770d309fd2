"""Every area name and code in the real mirror files resolves through the alias tables.

This is the test that matters for ingest: an adapter fails on the first unmatched name, so each
distinct name of each source file is enumerated here independently of ``scripts/build_aliases.py``,
and where the file carries its own code for the name (UN DESA "Location code", WPP ``country_code``,
World Bank ISO alpha-3) the resolved code must agree with it.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from corridor.reference.areas import area_code, area_table, resolve_iso3, resolve_names, same_as

ROOT = Path(__file__).resolve().parents[2]


def _workbook_pairs(path: Path, sheets: list[str], header_rows: int) -> set[tuple[str, str]]:
    """(name as written, Location code) pairs in column B / D of a UN DESA workbook."""
    wb = openpyxl.load_workbook(path, read_only=True)
    pairs = set()
    for sheet in sheets:
        for row in list(wb[sheet].iter_rows(values_only=True))[header_rows:]:
            if row[1] is not None and row[3] not in (None, ""):
                pairs.add((str(row[1]), str(int(row[3]))))
    return pairs


def _assert_pairs(pairs: set[tuple[str, str]], source: str, file: str) -> None:
    codes = resolve_names({n for n, _ in pairs}, source, file=file)
    wrong = sorted((n, c, codes[n]) for n, c in pairs if codes[n] != c)
    assert not wrong, f"name resolves to a different code than the file states: {wrong[:10]}"


def test_undesa_ims_2019_od_every_name(mirror: Path) -> None:
    path = mirror / "undesa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    origins, dests = rows[0][2:], {r[1] for r in rows[1:]}
    # MANIFEST: 237 destinations (5 region aggregates) and 232 origin columns.
    assert len(dests) == 237 and len(origins) == 232
    o = resolve_names(origins, "undesa-ims-2019-od", file=path.name, column="(origin headers)")
    d = resolve_names(dests, "undesa-ims-2019-od", file=path.name, column="Dest")
    assert o["Mexico"] == "484" and d["United States of America"] == "840"
    # the five aggregates among destinations map to UN DESA sub-region codes, Micronesia != 583
    assert {d[n] for n in ("Caribbean", "Melanesia", "Micronesia", "Polynesia", "South America")} == {
        "915", "928", "954", "957", "931"}
    assert d["Micronesia (Fed. States of)"] == "583"


def test_undesa_ims_2019_totals_workbook(mirror: Path) -> None:
    path = mirror / "undesa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
    pairs = _workbook_pairs(path, [f"Table {i}" for i in range(1, 7)] + ["ANNEX"], 16)
    assert len({n for n, _ in pairs}) > 270
    _assert_pairs(pairs, "undesa-ims-2019-totals", path.name)
    # same spelling, different case, different code in this workbook (exact matching matters):
    got = resolve_names(["EUROPE", "Europe", "NORTHERN AMERICA", "Northern America"], "undesa_ims_2019")
    assert got == {"EUROPE": "917", "Europe": "908", "NORTHERN AMERICA": "918", "Northern America": "905"}


def test_undesa_ims_2020_workbook(mirror: Path) -> None:
    path = mirror / "undesa" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    pairs = _workbook_pairs(path, [f"Table {i}" for i in range(1, 7)], 11)
    assert len(pairs) >= 280
    assert ("   Mauritius*", "480") in pairs  # indentation and footnote asterisk as published
    _assert_pairs(pairs, "undesa-ims-2020-sex-destination", path.name)


def _matrix_names(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    names = [str(c) for c in rows[1][1:] if c is not None]
    for r in rows[2:]:
        if r[0] is None:
            break
        names.append(str(r[0]))
    return names


@pytest.mark.parametrize("fname", ["WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx",
                                   "WB_Bilateral_Remittance_Estimates_2017.xlsx"])
def test_worldbank_bilateral_every_name(mirror: Path, fname: str) -> None:
    path = mirror / "worldbank" / fname
    names = _matrix_names(path)
    got = resolve_names(set(names), "wb-bilateral-migration-2017", file=fname)
    assert got["Korea, Rep."] == "410" and got["Egypt, Arab Rep."] == "818"
    assert got["United States"] == "840" and got["Mexico"] == "484"
    if "Other North" in got:  # the migration matrix has the two residuals; never dropped
        assert (got["Other North"], got["Other South"], got["World"]) == ("WB_ON", "WB_OS", "900")
    else:
        assert got["WORLD"] == "900"


def test_worldbank_rpw_names_and_codes_agree(mirror: Path) -> None:
    path = mirror / "worldbank" / "36d1ed87-9a2d-41da-8eac-c1c25d45fa65_Data.csv"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    df = df[df["Series Code"] != ""]
    pairs = set(zip(df["Sending Countries Name"], df["Sending Countries Code"], strict=True)) | set(
        zip(df["Receiving Countries  Name"], df["Receiving Countries  Code"], strict=True))
    assert len(pairs) == 139  # distinct (name, code) pairs counted in this export (50 senders, 111 receivers)
    by_name = resolve_names({n for n, _ in pairs}, "wb-rpw-corridor-costs", file=path.name)
    by_code = resolve_iso3({c for _, c in pairs}, source="wb-rpw-corridor-costs", file=path.name)
    assert sorted(n for n, c in pairs if by_name[n] != by_code[c]) == []
    assert by_code["KSV"] == "412" and by_name["Netherlands-Antilles"] == "530"


def test_worldbank_wdi_names_and_codes_agree(mirror: Path) -> None:
    path = mirror / "worldbank" / "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv"
    df = pd.read_csv(path, skiprows=4, dtype=str, keep_default_na=False)
    assert len(df) == 266  # rows of the WDI export: 217 economies + 49 aggregates (World included)
    by_name = resolve_names(df["Country Name"], "wb-wdi-remittances-paid", file=path.name)
    by_code = resolve_iso3(df["Country Code"], source="wb-wdi-remittances-paid", file=path.name)
    mismatched = [(n, c) for n, c in zip(df["Country Name"], df["Country Code"], strict=True)
                  if by_name[n] != by_code[c]]
    assert mismatched == []
    assert by_code["WLD"] == "900" and by_code["CHI"] == "830" and by_code["XKX"] == "412"
    assert by_name["Sub-Saharan Africa"] == "WB_SSF"  # the World Bank aggregate, not SDG region 947


def test_unhcr_every_code(mirror: Path) -> None:
    path = mirror / "unhcr" / "unhcr_2020.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    codes = set(df["orig"]) | set(df["dest"])
    got = resolve_iso3(codes, source="unhcr-2020", file=path.name, column="orig/dest")
    assert len(got) == len(codes) == 216  # distinct orig/dest values counted in the file, blank included
    assert got[""] == "_X" and got["XXA"] == "XXA" and got["TIB"] == "UNHCR_TIB"
    assert got["ESH"] == "732" and got["VAT"] == "336"


@pytest.mark.parametrize("edition", ["wpp2019", "wpp2024"])
def test_wpp_every_location(mirror: Path, edition: str) -> None:
    path = mirror / edition / "UNlocations.txt"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    known = set(area_table()["m49"])
    assert sorted(set(df["country_code"]) - known) == []
    got = resolve_names(df["name"], "wpp", file=path.name, column="name")
    # names shared by two codes of equal membership resolve to the geographic code
    assert got["Europe"] == "908" and got["Northern America"] == "905"
    same = [(n, c) for n, c in zip(df["name"], df["country_code"], strict=True)
            if got[n] != c and same_as(c) != got[n]]
    assert same == []
    assert area_code("412") == "412"  # Kosovo, in WPP 2024


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_generated_tables_are_up_to_date(mirror: Path, tmp_path: Path) -> None:
    """The committed areas.csv and alias tables equal what the build scripts write from the mirror."""
    _load_script("build_areas").main(mirror, tmp_path)
    _load_script("build_aliases").main(mirror, tmp_path)
    data = ROOT / "src" / "corridor" / "reference" / "data"
    for made in sorted(tmp_path.glob("*.csv")):
        assert made.read_bytes() == (data / made.name).read_bytes(), f"{made.name} is stale: rerun scripts"
