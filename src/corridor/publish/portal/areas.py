"""Area names and kinds for the portal, read from the area reference (:mod:`corridor.reference.areas`).

The portal only *displays* names; codes are UN M49 numbers (plus the project codes of
``reference/data/areas.csv``, such as Abel's flow regions ``ABEL_*``) throughout. Names come from the
``AREA`` codelist (:func:`corridor.reference.codes.codes`, which adds ``_T``); which codes are countries
comes from the ``kind`` column of the area table (``country``; regions, groups, historical and other
codes are not drawn as countries). Every area code in the warehouse is in that codelist (the store
validates writes), so a code without a name can only come from a visitor's URL: it is shown as it is.
"""

from __future__ import annotations

from corridor.reference.areas import area_table
from corridor.reference.codes import codes
from corridor.reference.search import find_area

from .cache import per_reference

#: UN M49 code of the world (UN DESA aggregate 900), the row publishers give world totals in.
WORLD = "900"


@per_reference
def _names() -> dict[str, str]:
    return codes("AREA")


@per_reference
def _kinds() -> dict[str, str]:
    table = area_table()
    return dict(zip(table["m49"].astype(str), table["kind"].astype(str), strict=True))


def area_name(code: object) -> str:
    """Display name of an area code (the AREA codelist's label); the code itself when it is not an area."""
    text = str(code)
    return _names().get(text, text)


@per_reference
def aggregate_codes() -> frozenset[str]:
    """Area codes that are not countries (regions, groups, historical and other codes, and ``_T``)."""
    return frozenset({"_T"} | {code for code, kind in _kinds().items() if kind != "country"})


def is_country(code: object) -> bool:
    """True for the code of a country or area (kind ``country`` in the area table)."""
    return _kinds().get(str(code)) == "country"


def resolve_area(text: str) -> str:
    """An area code from what a visitor typed: an M49 code, an ISO code, a UN, source or everyday name,
    or the beginning of one (:func:`corridor.reference.search.find_area`).

    A name that fits several areas raises :class:`~corridor.reference.search.AmbiguousArea` (the page
    lists the candidates); nothing found raises :class:`~corridor.errors.InputError` (the page answers
    404 with the message). Nothing is matched by similarity, so "Sudan" never silently becomes "South Sudan".
    """
    return find_area(text)
