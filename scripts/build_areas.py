"""Build ``src/corridor/reference/data/areas.csv`` and ``area_groups.csv`` from UN DESA's location lists.

Run once (and again when a new WPP location list is published)::

    .venv/bin/python scripts/build_areas.py [MIRROR_DIR]

Inputs
------
* ``wpp2019/UNlocations.txt`` and ``wpp2024/UNlocations.txt`` from the data mirror (UN DESA Population
  Division, *World Population Prospects* location lists as shipped in the R packages wpp2019/wpp2024):
  names, M49 codes, UN DESA geographic regions (``reg_code``/``area_code``) and group memberships
  (``agcode_*`` columns: SDG regions, development groups, income groups, LLDC, SIDS, G20).
* Hand-written files in ``src/corridor/reference/data/`` (written by the project, reviewed by hand):
  ``iso3166.csv`` (M49 -> ISO 3166-1 alpha-3; ISO numeric codes equal M49 for countries),
  ``m49_regions.csv`` (the official M49 regions, sub-regions and intermediate regions, and the
  UN DESA code each corresponds to), ``areas_extra.csv`` (historical areas, areas outside WPP,
  project codes for non-areas) and ``areas_worldbank_groups.csv`` (World Bank aggregates).

The generated CSVs are committed; the mirror files are not. The script fails loudly if an input
contradicts an assumption (a country with two SDG regions, a duplicate name, ...).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "corridor" / "reference" / "data"

#: SDG regions as coded in WPP 2019 (agcode columns); WPP 2022+ re-coded three of them.
SDG_2019 = {"947", "1833", "921", "1832", "1830", "927", "1835", "1829"}
SDG_2024_TO_2019 = {"1834": "947", "1831": "921", "1836": "927"}
SDG_2024 = {"1834", "1833", "1831", "1832", "1830", "1836", "1835", "1829"}
#: Geographic (not grouping) aggregate codes that WPP places in agcode columns.
GEOGRAPHIC_AGCODES = SDG_2019 | SDG_2024 | {"917", "918", "5502"}

#: UN names restored with the diacritics of the UN M49 list (the WPP text files are ASCII).
NAME_OVERRIDES = {
    "384": "Côte d'Ivoire",
    "531": "Curaçao",
    "638": "Réunion",
    "652": "Saint Barthélemy",
    "792": "Türkiye",
    "663": "Saint Martin (French part)",
}
#: UN DESA reuses a few region names for a second code with the same membership. The canonical
#: table keeps names unique; the sources' own spellings stay in the alias tables.
DISAMBIGUATE = {
    "917": ("Europe (SDG regional grouping)", "908"),
    "918": ("Northern America (SDG regional grouping)", "905"),
    "1834": ("Sub-Saharan Africa (SDG region, WPP 2022+ code)", "947"),
    "1831": ("Central and Southern Asia (SDG region, WPP 2022+ code)", "921"),
    "1836": ("Australia/New Zealand (SDG region, WPP 2022+ code)", "927"),
    "1830": ("Latin America and the Caribbean (SDG region)", "904"),
}
EXTRA_SAME_AS = {"947": "202"}

COLUMNS = [
    "m49", "iso3", "name", "kind",
    "m49_region_code", "m49_region_name", "m49_subregion_code", "m49_subregion_name",
    "m49_intermediate_code", "m49_intermediate_name",
    "desa_region_code", "desa_region_name", "desa_subregion_code", "desa_subregion_name",
    "sdg_region_code", "sdg_region_name",
    "valid_from", "valid_to", "successors", "change", "same_as", "origin", "note",
]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def kind_of(row: dict[str, str]) -> str:
    code, ltype = row["country_code"], row["location_type"]
    if ltype == "4":
        return "country"
    if ltype in {"0", "2", "3"} or code in GEOGRAPHIC_AGCODES:
        return "region"
    return "group"


def main(mirror: Path, out_dir: Path = DATA) -> None:
    """Write ``areas.csv`` and ``area_groups.csv`` into ``out_dir`` (default: the package data folder)."""
    wpp19 = read_tsv(mirror / "wpp2019" / "UNlocations.txt")
    wpp24 = read_tsv(mirror / "wpp2024" / "UNlocations.txt")
    iso = {r["m49"]: r["iso3"] for r in read_csv(DATA / "iso3166.csv")}
    m49reg = {r["m49"]: r for r in read_csv(DATA / "m49_regions.csv")}
    desa_to_m49 = {r["desa_equivalent"]: r["m49"] for r in m49reg.values() if r["desa_equivalent"]}

    by_code: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for edition, rows in (("wpp2019", wpp19), ("wpp2024", wpp24)):
        for r in rows:
            by_code[r["country_code"]] = r  # 2024 wins for names present in both
            origin[r["country_code"]] = (
                "wpp2019+wpp2024" if r["country_code"] in origin and edition == "wpp2024" else edition
            )
    names = {c: r["name"] for c, r in by_code.items()}

    # SDG region of each country: from the 2019 agcode columns, else from 2024 (re-coded to 2019 codes).
    sdg: dict[str, str] = {}
    for rows, sdg_codes in ((wpp24, SDG_2024), (wpp19, SDG_2019)):
        for r in rows:
            if r["location_type"] != "4":
                continue
            hits = {v for k, v in r.items() if k.startswith("agcode_") and v in sdg_codes}
            if len(hits) != 1:
                raise SystemExit(f"{r['name']} ({r['country_code']}) has SDG regions {hits}")
            found = hits.pop()
            sdg[r["country_code"]] = SDG_2024_TO_2019.get(found, found)

    def desa_sub(r: dict[str, str]) -> str:
        if r["reg_code"] != "-1":
            return r["reg_code"]
        if r["country_code"] in {"36", "554"}:
            return "927"
        return r["area_code"]  # Northern America: region and sub-region coincide (905)

    out: dict[str, dict[str, str]] = {}
    sub_to_region: dict[str, str] = {}
    sub_to_sdg: dict[str, set[str]] = {}
    for code, r in by_code.items():
        kind = kind_of(r)
        row = dict.fromkeys(COLUMNS, "")
        row.update(m49=code, iso3=iso.get(code, ""), name=NAME_OVERRIDES.get(code, r["name"]), kind=kind,
                   origin=origin[code])
        if code in DISAMBIGUATE:
            row["name"], row["same_as"] = DISAMBIGUATE[code]
        if kind == "country":
            sub = desa_sub(r)
            row["desa_subregion_code"], row["desa_region_code"] = sub, r["area_code"]
            row["sdg_region_code"] = sdg[code]
            sub_to_region[sub] = r["area_code"]
            sub_to_sdg.setdefault(sub, set()).add(sdg[code])
        out[code] = row
    for sub, sdgs in sub_to_sdg.items():
        if len(sdgs) != 1:
            raise SystemExit(f"DESA sub-region {sub} spans SDG regions {sdgs}")

    for r in read_csv(DATA / "areas_extra.csv"):
        code = r["m49"]
        row = out.get(code) or dict.fromkeys(COLUMNS, "")
        row.update(m49=code, iso3=iso.get(code, ""), name=r["name"], kind=r["kind"],
                   valid_from=r["valid_from"], valid_to=r["valid_to"], successors=r["successors"], change=r["change"],
                   note=r["note"], origin="project" if code not in out else row["origin"])
        if code == "736":
            row["iso3"] = ""  # SDN means 729 since 2011; see note
        if r["same_as"]:
            row["same_as"] = r["same_as"]
        sub = r["desa_subregion_code"] or row["desa_subregion_code"]
        if sub:
            row["desa_subregion_code"] = sub
            row["desa_region_code"] = sub_to_region[sub]
            row["sdg_region_code"] = next(iter(sub_to_sdg[sub]))
        out[code] = row

    for r in m49reg.values():
        row = dict.fromkeys(COLUMNS, "")
        row.update(m49=r["m49"], name=r["name"], kind="region", same_as=r["desa_equivalent"],
                   origin="m49", note=f"Official UN M49 {r['level']}; same membership as UN DESA code "
                   f"{r['desa_equivalent']}.")
        if r["level"] == "subregion":
            row["m49_region_code"] = r["parent"]
        elif r["level"] == "intermediate":
            row["m49_subregion_code"] = r["parent"]
            row["m49_region_code"] = m49reg[r["parent"]]["parent"]
        out[r["m49"]] = row
    for code, alt in EXTRA_SAME_AS.items():
        out[code]["same_as"] = alt

    for r in read_csv(DATA / "areas_worldbank_groups.csv"):
        row = dict.fromkeys(COLUMNS, "")
        row.update(m49=r["code"], name=f"{r['name']} (World Bank aggregate)", kind="group",
                   origin="worldbank",
                   note=f"World Bank WDI aggregate {r['wb_code']}; composition as the World Bank defines it.")
        out[r["code"]] = row

    # Official M49 geography of every area with a UN DESA sub-region.
    for code, row in out.items():
        sub = row["desa_subregion_code"]
        if not sub or row["kind"] not in {"country", "historical", "other"}:
            continue
        official = desa_to_m49[sub]
        level = m49reg[official]["level"]
        if level == "intermediate":
            row["m49_intermediate_code"] = official
            official = m49reg[official]["parent"]
        row["m49_subregion_code"] = official
        row["m49_region_code"] = m49reg[official]["parent"]
        if code in {"831", "832", "680"}:
            row["m49_intermediate_code"] = "830"

    # UN DESA sub-region rows: their UN DESA region and the official M49 parents of their equivalent.
    for sub, region in sub_to_region.items():
        row = out[sub]
        row["desa_region_code"] = region
        official = m49reg[desa_to_m49[sub]]
        if official["level"] == "intermediate":
            row["m49_subregion_code"] = official["parent"]
            row["m49_region_code"] = m49reg[official["parent"]]["parent"]
        else:
            row["m49_region_code"] = official["parent"]

    def plain(code: str) -> str:
        if code in m49reg:
            return m49reg[code]["name"].split(" (M49")[0]
        return out[code]["name"] if code in out else names[code]

    for row in out.values():
        for col in ("m49_region", "m49_subregion", "m49_intermediate", "desa_region", "desa_subregion",
                    "sdg_region"):
            c = row[f"{col}_code"]
            if c:
                row[f"{col}_name"] = plain(c)

    seen: dict[str, str] = {}
    for code, row in out.items():
        if row["name"] in seen:
            raise SystemExit(f"duplicate name {row['name']!r}: {seen[row['name']]} and {code}")
        seen[row["name"]] = code

    def sort_key(code: str) -> tuple[int, int, str]:
        return (0, int(code), "") if code.isdigit() else (1, 0, code)

    with (out_dir / "areas.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for code in sorted(out, key=sort_key):
            w.writerow(out[code])

    with (out_dir / "area_groups.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["group", "member", "vintage"])
        for edition, rows in (("wpp2019", wpp19), ("wpp2024", wpp24)):
            for r in rows:
                if r["location_type"] != "4":
                    continue
                for k, v in r.items():
                    if k.startswith("agcode_") and v != "-1":
                        w.writerow([v, r["country_code"], edition])
    print(f"wrote {len(out)} areas to {out_dir / 'areas.csv'}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        mirror_dir = Path(sys.argv[1])
    else:
        sys.path.insert(0, str(ROOT / "src"))
        from corridor.config import mirror_dir as _mirror_dir

        found = _mirror_dir()
        if found is None:
            raise SystemExit("mirror not found: pass its folder or set CORRIDOR_MIRROR")
        mirror_dir = found
    main(mirror_dir)
