"""Area names for the portal, from the project's area reference (``corridor.reference.areas``).

The portal only *displays* names; the codes are UN M49 numbers throughout. While the reference module
is not installed, names fall back to the world map's own names (world-atlas, Natural Earth) so the
pages still read; the code is shown whenever no name is known.
"""

from __future__ import annotations

import json
from functools import lru_cache

from corridor.errors import InputError

from .rendering import STATIC_DIR

#: UN M49 aggregates the portal must never draw as countries (world, continents, SDG and income
#: groups; M49 standard, https://unstats.un.org/unsd/methodology/m49/). Used only when the area
#: reference cannot say which codes are countries.
_AGGREGATE_NAMES: dict[str, str] = {
    "900": "World", "901": "More developed regions", "902": "Less developed regions",
    "941": "Least developed countries", "934": "Less developed regions, excluding least developed countries",
    "948": "Less developed regions, excluding China", "1503": "High-income countries",
    "1517": "Middle-income countries", "1500": "Low-income countries", "1502": "Upper-middle-income countries",
    "1501": "Lower-middle-income countries", "903": "Africa", "935": "Asia", "908": "Europe",
    "904": "Latin America and the Caribbean", "905": "Northern America", "909": "Oceania",
    "947": "Sub-Saharan Africa", "1833": "Northern Africa and Western Asia",
    "921": "Central and Southern Asia", "1832": "Eastern and South-Eastern Asia",
    "927": "Australia and New Zealand", "1835": "Oceania (excluding Australia and New Zealand)",
    "1": "World", "2": "Africa", "9": "Oceania", "19": "Americas", "142": "Asia", "150": "Europe",
    "5": "South America", "11": "Western Africa", "13": "Central America", "14": "Eastern Africa",
    "15": "Northern Africa", "17": "Middle Africa", "18": "Southern Africa", "21": "Northern America",
    "29": "Caribbean", "30": "Eastern Asia", "34": "Southern Asia", "35": "South-eastern Asia",
    "39": "Southern Europe", "53": "Australia and New Zealand", "54": "Melanesia", "57": "Micronesia",
    "61": "Polynesia", "143": "Central Asia", "145": "Western Asia", "151": "Eastern Europe",
    "154": "Northern Europe", "155": "Western Europe", "202": "Sub-Saharan Africa",
    "419": "Latin America and the Caribbean", "_T": "All areas",
}


def _reference_table():
    try:
        from corridor.reference import areas as reference  # written alongside the portal
    except ImportError:
        return None
    try:
        return reference.area_table()
    except Exception:  # noqa: BLE001 - a reference still being built must not take the portal down
        return None


@lru_cache(maxsize=1)
def _atlas_names() -> dict[str, str]:
    topo = json.loads((STATIC_DIR / "geo" / "countries-110m.json").read_text())
    out: dict[str, str] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        if geom.get("id"):
            out[str(int(geom["id"]))] = geom["properties"]["name"]
    return out


@lru_cache(maxsize=1)
def area_names() -> dict[str, str]:
    """M49 code -> display name (reference table first, then map names, then known aggregates)."""
    names = dict(_AGGREGATE_NAMES)
    names.update(_atlas_names())
    table = _reference_table()
    if table is not None and "m49" in table and "name" in table:
        for code, name in zip(table["m49"].astype(str), table["name"], strict=False):
            if isinstance(name, str) and name:
                names[code] = name
    return names


@lru_cache(maxsize=1)
def aggregate_codes() -> frozenset[str]:
    """Codes that are groups of countries, not countries (never bars or map shapes)."""
    codes = set(_AGGREGATE_NAMES)
    table = _reference_table()
    if table is not None:
        for column in ("is_aggregate", "aggregate"):
            if column in table:
                codes |= set(table.loc[table[column].astype(bool), "m49"].astype(str))
        if "kind" in table:
            codes |= set(table.loc[table["kind"].astype(str) != "country", "m49"].astype(str))
    return frozenset(codes)


@lru_cache(maxsize=1)
def _project_codes() -> dict[str, str]:
    """Names of project codes that are not M49 (e.g. Abel's flow regions ``ABEL_*``), from their layouts."""
    try:
        from corridor.sources.layouts.migest_flows import REGION_CODES
    except ImportError:
        return {}
    return {code: label for label, code in REGION_CODES.items()}


def area_name(code: object) -> str:
    """Display name of an M49 (or project) code; the code itself when no name is known."""
    text = str(code)
    name = area_names().get(text) or _project_codes().get(text)
    return name or text


def is_country(code: object) -> bool:
    """True for an M49 code of a country or area (not a region, group or project grouping)."""
    text = str(code)
    return text.isdigit() and text not in aggregate_codes()


def resolve_area(text: str) -> str:
    """An M49 code from what a visitor typed: a code, an ISO alpha-3 code or an exact name.

    Raises :class:`InputError` (the page answers 404 with the message) when nothing matches; no fuzzy
    matching, so "Sudan" never silently becomes "South Sudan".
    """
    text = text.strip()
    if text.isdigit():
        return str(int(text))
    try:
        from corridor.reference.areas import area_code
    except ImportError:
        area_code = None
    if area_code is not None:
        try:
            return area_code(text)
        except Exception:  # noqa: BLE001 - fall through to the name match below
            pass
    wanted = text.casefold()
    for code, name in area_names().items():
        if name.casefold() == wanted:
            return code
    raise InputError(f"no area called {text!r}: give an M49 code (e.g. 484), an ISO alpha-3 code or an exact name")
