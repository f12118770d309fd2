"""Write the alias tables ``src/corridor/reference/data/aliases_<source>.csv`` and ``codes_<source>.csv``.

Run after ``scripts/build_areas.py``::

    .venv/bin/python scripts/build_aliases.py [MIRROR_DIR]

For every source it enumerates EVERY distinct area name in the mirror files and writes one row per
name. Where the file itself carries a code for the name (the UN DESA workbooks' M49 "Location code",
WPP's ``country_code``, the World Bank files' ISO alpha-3) that code is used and cross-checked; where
it does not (the IMS 2019 origin-destination CSV, the World Bank 2017 matrices) the name must be a UN
name or be listed in ``HAND`` below. Anything else stops the script with the list of names: nothing
is matched approximately. The written CSVs are committed and reviewed; the mirror files are not.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import openpyxl  # noqa: E402

from corridor.reference.aliases import normalise_name  # noqa: E402

DATA = ROOT / "src" / "corridor" / "reference" / "data"
OUT = [DATA]  # where write() puts the tables (tests point it at a temporary folder)

#: World Bank spellings (bilateral matrices 2017, WDI, Remittance Prices Worldwide), written by hand.
HAND_WORLDBANK = {
    "Bahamas, The": "44", "Bolivia": "68", "Congo, Dem. Rep.": "180", "Congo, Dem. Rep": "180",
    "Congo, Rep.": "178", "Cote d'Ivoire": "384", "Ivory Coast": "384", "Curacao": "531",
    "Czech Republic": "203", "Egypt, Arab Rep.": "818", "Faeroe Islands": "234", "Gambia, The": "270",
    "Hong Kong SAR, China": "344", "Iran, Islamic Rep.": "364", "Korea, Dem. Rep.": "408",
    "Korea, Dem. People's Rep.": "408", "Korea, Rep.": "410", "Kosovo": "412", "Kyrgyz Republic": "417",
    "Lao PDR": "418", "Lao, PDR": "418", "Macao SAR, China": "446", "Macedonia, FYR": "807",
    "Micronesia, Fed. Sts.": "583", "Moldova": "498", "Netherlands-Antilles": "530",
    "Slovak Republic": "703", "St. Kitts and Nevis": "659", "St. Lucia": "662",
    "St. Martin (French part)": "663", "St. Vincent and the Grenadines": "670", "Swaziland": "748",
    "Tanzania": "834", "Turkey": "792", "United States": "840", "Venezuela, RB": "862", "Vietnam": "704",
    "Virgin Islands (U.S.)": "850", "West Bank and Gaza": "275", "West Bank/Gaza Strip": "275",
    "Yemen, Rep.": "887", "Other North": "WB_ON", "Other South": "WB_OS", "World": "900", "WORLD": "900",
}
#: UN DESA names that differ from today's UN name (Türkiye since 2022) or carry accents differently.
HAND_UNDESA = {"Turkey": "792", "Turkiye": "792"}

#: Non-standard codes (not ISO 3166-1 alpha-3) per source.
CODES = {
    "unhcr": [
        ("", "_X", "blank origin/destination in the tidied file: UNHCR 'Various/unknown'"),
        ("XXA", "XXA", "stateless"),
        ("TIB", "UNHCR_TIB", "Tibetan"),
    ],
    "worldbank": [
        ("CHI", "830", "Channel Islands (World Bank code)"),
        ("XKX", "412", "Kosovo (ISO user-assigned range)"),
        ("KSV", "412", "Kosovo (Remittance Prices Worldwide)"),
        ("ANT", "530", "Netherlands Antilles (ISO 3166-3 former code)"),
        ("WLD", "900", "World"),
    ],
}


def read_csv(path: Path, **kw: str) -> list[dict[str, str]]:
    with path.open(encoding=kw.pop("encoding", "utf-8"), newline="") as f:
        return list(csv.DictReader(f, **kw))


def un_names() -> dict[str, str]:
    return {normalise_name(r["name"]): r["m49"] for r in read_csv(DATA / "areas.csv")}


def workbook_names(path: Path, sheets: list[str], header_rows: int) -> list[tuple[str, str]]:
    """(name, location code) pairs of a UN DESA workbook (column B name, column D code)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    pairs = []
    for sheet in sheets:
        for row in list(wb[sheet].iter_rows(values_only=True))[header_rows:]:
            name, code = row[1], row[3]
            if name is None or code is None or str(code).strip() == "":
                continue
            pairs.append((str(name), str(int(code))))
    return pairs


def matrix_names(path: Path) -> list[str]:
    """Names down column A and across row 2 of a World Bank 2017 bilateral matrix."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    across = [c for c in rows[1][1:] if c is not None]
    down = []
    for r in rows[2:]:
        if r[0] is None:
            break  # a blank row ends the matrix; notes follow
        down.append(r[0])
    return [str(n) for n in across + down]


def resolve(names: list[str], hand: dict[str, str], un: dict[str, str], what: str) -> dict[str, str]:
    out, missing = {}, []
    for n in names:
        key = normalise_name(n)
        code = hand.get(key) or un.get(key)
        if code is None:
            missing.append(n)
        out[key] = code
    if missing:
        raise SystemExit(f"{what}: no mapping for {sorted(set(missing))}")
    return out


def add(table: dict[str, str], key: str, code: str, what: str) -> None:
    if table.get(key, code) != code:
        raise SystemExit(f"{what}: {key!r} maps to both {table[key]} and {code}")
    table[key] = code


def write(source: str, table: dict[str, str], kind: str = "name") -> None:
    path = OUT[0] / (f"aliases_{source}.csv" if kind == "name" else f"codes_{source}.csv")
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", kind, "m49"])
        for key in sorted(table):
            w.writerow([source, key, table[key]])
    print(f"{path.name}: {len(table)} rows")


def main(mirror: Path, out_dir: Path = DATA) -> None:
    """Write every alias and code table into ``out_dir`` (default: the package data folder)."""
    OUT[0] = out_dir
    un = un_names()
    iso = {r["iso3"]: r["m49"] for r in read_csv(DATA / "areas.csv") if r["iso3"]}

    # UN DESA International Migrant Stock 2019: totals workbook (names with codes) + OD CSV.
    ims19: dict[str, str] = {}
    wb19 = mirror / "undesa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
    for name, code in workbook_names(wb19, [f"Table {i}" for i in range(1, 7)] + ["ANNEX"], 16):
        add(ims19, normalise_name(name), code, "undesa_ims_2019 workbook")
    od = mirror / "undesa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    with od.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    od_names = sorted(set(rows[0][2:]) | {r[1] for r in rows[1:]})
    for key, code in resolve(od_names, {**HAND_UNDESA, **ims19}, un, "IMS 2019 OD").items():
        add(ims19, key, code, "undesa_ims_2019 OD")
    write("undesa_ims_2019", ims19)

    ims20: dict[str, str] = {}
    wb20 = mirror / "undesa" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    for name, code in workbook_names(wb20, [f"Table {i}" for i in range(1, 7)], 11):
        add(ims20, normalise_name(name), code, "undesa_ims_2020 workbook")
    write("undesa_ims_2020", ims20)

    # WPP location lists: names with codes. A few names are used for two codes with the same
    # membership (917/908 "Europe"...): the name maps to the older, geographic code.
    wpp: dict[str, str] = {}
    ambiguous_pref = {"Europe": "908", "Northern America": "905", "Sub-Saharan Africa": "947",
                      "Central and Southern Asia": "921", "Australia/New Zealand": "927",
                      "Latin America and the Caribbean": "904"}
    for edition in ("wpp2019", "wpp2024"):
        for r in read_csv(mirror / edition / "UNlocations.txt", delimiter="\t"):
            key = normalise_name(r["name"])
            add(wpp, key, ambiguous_pref.get(key, r["country_code"]), edition)
    write("wpp", wpp)

    # World Bank bilateral migration and remittance matrices 2017.
    wb_names: list[str] = []
    for fname in (
        "WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx",
        "WB_Bilateral_Remittance_Estimates_2017.xlsx",
    ):
        wb_names += matrix_names(mirror / "worldbank" / fname)
    write("worldbank_bilateral_2017", resolve(sorted(set(wb_names)), HAND_WORLDBANK, un, "WB bilateral"))

    groups = {r["wb_code"]: r["code"] for r in read_csv(DATA / "areas_worldbank_groups.csv")}
    wb_codes = {c: m for c, m, _ in CODES["worldbank"]} | groups

    def by_code(code: str) -> str | None:
        return wb_codes.get(code) or iso.get(code)

    # World Bank Remittance Prices Worldwide (names and ISO-like codes on both sides).
    rpw: dict[str, str] = {}
    for r in read_csv(mirror / "worldbank" / "36d1ed87-9a2d-41da-8eac-c1c25d45fa65_Data.csv",
                      encoding="utf-8-sig"):
        if not r["Series Code"]:
            continue
        for n_col, c_col in (("Sending Countries Name", "Sending Countries Code"),
                             ("Receiving Countries  Name", "Receiving Countries  Code")):
            name, code = r[n_col], r[c_col]
            key = normalise_name(name)
            m49 = resolve([name], HAND_WORLDBANK, un, "RPW")[key]
            if by_code(code) != m49:
                raise SystemExit(f"RPW: {name!r} -> {m49} by name but {code} -> {by_code(code)} by code")
            add(rpw, key, m49, "worldbank_rpw")
    write("worldbank_rpw", rpw)

    # World Development Indicators API CSV: names with codes; aggregates map to WB_* codes.
    wdi: dict[str, str] = {}
    with (mirror / "worldbank" / "API_BM.TRF.PWKR.CD.DT_DS2_en_csv_v2_3012027.csv").open(
        encoding="utf-8-sig", newline=""
    ) as f:
        lines = f.readlines()[4:]
    for r in csv.DictReader(lines):
        name, code = r["Country Name"], r["Country Code"]
        m49 = by_code(code)
        if m49 is None:
            raise SystemExit(f"WDI: no code for {code} ({name})")
        key = normalise_name(name)
        by_name = HAND_WORLDBANK.get(key) or un.get(key)
        if by_name is not None and by_name != m49 and not m49.startswith("WB_"):
            raise SystemExit(f"WDI: {name!r} -> {by_name} by name but {code} -> {m49} by code")
        add(wdi, key, m49, "worldbank_wdi")
    write("worldbank_wdi", wdi)

    for source, rows_ in CODES.items():
        table = {c: m for c, m, _ in rows_}
        if source == "worldbank":
            table |= groups
        write(source, table, kind="code")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        mirror_dir = Path(sys.argv[1])
    else:
        from corridor.config import mirror_dir as _mirror_dir

        found = _mirror_dir()
        if found is None:
            raise SystemExit("mirror not found: pass its folder or set CORRIDOR_MIRROR")
        mirror_dir = found
    main(mirror_dir)
