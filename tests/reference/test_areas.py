"""Area look-ups, exact name resolution, historical areas and regions.

Reference codes: UN M49 ("Standard country or area codes for statistical use", UNSD) and ISO 3166-1;
numeric ISO codes equal M49 for countries (USA 840, MEX 484, AFG 004). Dissolution dates: UN
membership records (USSR 1991-12-26; SFR Yugoslavia 1992-04-27; South Sudan 2011-07-09...).
"""

from __future__ import annotations

import datetime as dt

import pytest

from corridor.errors import InputError, UnmatchedAreasError
from corridor.reference.aliases import code_aliases, name_aliases, normalise_name
from corridor.reference.areas import (
    alias_sources,
    area_code,
    area_name,
    area_table,
    historical_area,
    is_valid,
    iso3,
    members,
    region_of,
    resolve_iso3,
    resolve_names,
    successors,
)


@pytest.mark.parametrize(("iso", "m49"), [("USA", "840"), ("MEX", "484"), ("AFG", "4"), ("DEU", "276"),
                                           ("SSD", "728"), ("SDN", "729"), ("CUW", "531")])
def test_iso3_m49_round_trip(iso: str, m49: str) -> None:
    assert area_code(iso) == m49
    assert area_code(iso.lower()) == m49
    assert iso3(m49) == iso


def test_area_code_forms() -> None:
    assert area_code("WORLD") == "900" and area_code("World") == "900" and area_code("world") == "900"
    assert area_code("004") == "4" and area_code(4) == "4" and area_code(" 840 ") == "840"
    assert area_code("United States of America") == "840"
    assert area_code("Côte d'Ivoire") == "384"
    assert area_code("_X") == "_X" and area_code("WB_ON") == "WB_ON"
    assert area_name("840") == "United States of America"


@pytest.mark.parametrize("bad", ["", "Narnia", "999999", "US", "ZZZ", "united states of america"])
def test_area_code_rejects(bad: str) -> None:
    with pytest.raises(InputError):
        area_code(bad)


def test_no_fuzzy_matching_of_dissolved_states() -> None:
    # Popular converters map these to Czechia / Serbia; corridor keeps the dissolved states.
    assert area_code("Czechoslovakia") == "200" != area_code("Czechia")
    assert area_code("Serbia and Montenegro") == "891"
    assert area_code("CSK") == "200" and area_code("SUN") == "810" and area_code("YUG") == "890"
    with pytest.raises(InputError):
        area_code("Czechoslovak Republic")
    with pytest.raises(UnmatchedAreasError):
        resolve_names(["Czechoslovakia (former)"], "undesa_ims_2019")


def test_unmatched_lists_every_name() -> None:
    with pytest.raises(UnmatchedAreasError) as err:
        resolve_names(["Mexico", "Atlantis", "Narnia", "Atlantis"], "undesa-ims-2019-od",
                      file="od.csv", column="Dest")
    e = err.value
    assert e.names == ["Atlantis", "Narnia"]
    assert "Atlantis" in str(e) and "Narnia" in str(e) and "od.csv" in str(e) and "Dest" in str(e)
    with pytest.raises(UnmatchedAreasError) as err2:
        resolve_iso3(["USA", "QQQ", "XYZ"], file="u.csv", column="orig")
    assert err2.value.names == ["QQQ", "XYZ"]


def test_unknown_source_names_known_ones() -> None:
    with pytest.raises(InputError, match="undesa_ims_2019"):
        resolve_names(["Mexico"], "no-such-source")
    assert "worldbank_bilateral_2017" in alias_sources()


def test_normalisation_rule() -> None:
    assert normalise_name("   Mauritius*") == "Mauritius"
    assert normalise_name("  Polynesia*") == "Polynesia"
    assert normalise_name("Sudan 3") == "Sudan"
    assert normalise_name("OCEANIA ") == "OCEANIA"
    assert normalise_name("China,\u00a0Hong Kong SAR") == "China, Hong Kong SAR"
    assert normalise_name("Group of Twenty (G20)") == "Group of Twenty (G20)"
    assert normalise_name("G20") == "G20" and normalise_name("Sudan3") == "Sudan"
    assert normalise_name("Cyprus*12") == "Cyprus" and normalise_name("Mauritius* 4") == "Mauritius"
    assert normalise_name("900") == "900"
    assert normalise_name("Europe") != normalise_name("EUROPE")  # case is kept


def test_historical_areas_have_validity_and_successors() -> None:
    t = area_table()
    hist = t[t["kind"] == "historical"]
    assert set(hist["m49"]) == {"810", "890", "891", "200", "736", "278", "530"}
    assert hist["valid_to"].notna().all() and hist["successors"].notna().all()
    assert successors("736") == ["729", "728"]
    assert successors("278") == ["276"]
    assert successors("530") == ["531", "534", "535"]
    assert successors("200") == ["203", "703"]
    assert len(successors("810")) == 15
    assert successors("840") == []
    # followed through Serbia and Montenegro to the areas valid in 2010
    assert successors("890", 2010) == ["70", "191", "499", "688", "705", "807"]
    assert successors("890", "1995-01-01") == ["70", "191", "705", "807", "891"]


def test_is_valid_dates() -> None:
    assert is_valid("736", "2011-07-01") and not is_valid("736", "2012")
    assert is_valid("810", 1990) and not is_valid("810", "1992-01-01")
    assert not is_valid("891", "2007") and is_valid("891", dt.date(2004, 1, 1))
    assert is_valid("728", 1990)  # current areas are valid on present-day boundaries at any date
    assert not is_valid("278", "1991")
    with pytest.raises(InputError):
        is_valid("840", "mid-2019")


def test_successors_and_alias_targets_exist() -> None:
    codes = set(area_table()["m49"])
    for s in area_table()["successors"].dropna():
        assert set(s.split()) <= codes
    for table in list(name_aliases().values()) + list(code_aliases().values()):
        assert set(table.values()) <= codes


def test_table_invariants() -> None:
    t = area_table()
    assert t["m49"].is_unique and t["name"].is_unique
    assert t["iso3"].dropna().is_unique
    assert set(t["kind"]) == {"country", "region", "group", "historical", "other"}
    countries = t[(t["kind"] == "country") & t["iso3"].notna()]
    assert len(countries) >= 249  # every ISO 3166-1 entry, plus Kosovo (XKX)
    assert t.loc["830", "iso3"] != t.loc["830", "iso3"]  # Channel Islands: no ISO code (NaN)
    assert t.index.name is None and t.merge(t[["m49"]], on="m49").shape[0] == len(t)


def test_regions() -> None:
    assert region_of("840", "sdg_region") == "1829"
    assert region_of("840", "m49_region") == "19"
    assert region_of("840", "m49_subregion") == "21"
    assert region_of("USA", "desa_region") == "905"
    assert region_of("404", "m49_intermediate") == "14"  # Kenya: Eastern Africa
    assert region_of("404", "m49_subregion") == "202" and region_of("404", "sdg_region") == "947"
    assert region_of("36", "sdg_region") == "927"
    assert region_of("729", "sdg_region") == "1833"
    with pytest.raises(InputError):
        region_of("840", "continent")
    with pytest.raises(InputError):
        region_of("900", "sdg_region")


def test_members() -> None:
    # SDG region Australia/New Zealand has exactly those two countries plus the Australian
    # external territories listed by M49 (Christmas, Cocos, Heard and McDonald, Norfolk).
    assert members("927") == ["36", "162", "166", "334", "554", "574"]
    assert members("53") == members("927")  # M49 code of the same sub-region
    assert "840" in members("1503") and "484" not in members("1503")  # WPP: high-income countries
    assert members("830") == ["680", "831", "832"]
    assert "736" not in members("912") and "736" in members("912", include_historical=True)
    assert len(members("900")) > 240
    # codes of equal membership give the same members (M49 19 Americas = UN DESA 5505)
    assert members("5505") == members("19") and members("903") == members("2")
    assert members("1834") == members("947")  # WPP 2024 and WPP 2019 codes of Sub-Saharan Africa


def test_docs_name_every_source_and_project_code() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "codelists.md").read_text(encoding="utf-8")
    for source in alias_sources() + sorted(code_aliases()):
        assert f"`{source}`" in text, source
    t = area_table()
    for code in t.loc[t["kind"] == "other", "m49"]:
        assert f"`{code}`" in text or f"| {code} |" in text, code
    for code in t.loc[t["kind"] == "historical", "m49"]:
        assert f"| {code} |" in text, code


def test_historical_area_follows_splits_only() -> None:
    # South Sudan seceded on 2011-07-09 (UN admission 2011-07-14); before that Sudan was part of 736.
    assert historical_area("729", 2005) == "736" and historical_area("728", "2010-12-31") == "736"
    assert historical_area("729", 2012) == "729"
    assert historical_area("688", 2000) == "891" and historical_area("688", 1985) == "890"
    assert historical_area("203", 1990) == "200" and historical_area("643", 1990) == "810"
    assert historical_area("531", 2000) == "530"
    assert historical_area("276", 1980) == "276"  # absorption (GDR into Germany) is not a split
    assert historical_area("840", 1990) == "840"
