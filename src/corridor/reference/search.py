"""Finding an area as people name it: "United States", "UK", "UAE", "Vietnam", "mex", "Cote d'Ivoire".

For the portal's search box and the command line, where a person types, not a source file (sources go
through their own alias tables, exactly: :func:`corridor.reference.areas.resolve_names`). The rule, in
this order; the first step that matches decides:

1. what :func:`~corridor.reference.areas.area_code` accepts: an M49 number (``484``, ``004``), ``WORLD``,
   a project code (``ABEL_EUROPE``), an ISO 3166-1 alpha-3 code in any case (``mex``), an exact UN name;
2. an ISO 3166-1 alpha-2 code, any case (``mx``; from ``data/search_names.csv``);
3. a name, compared *folded* (:func:`fold`: accents, case and punctuation ignored) against every name
   corridor knows for an area: the UN names of ``data/areas.csv``, every source's alias table
   (``data/aliases_*.csv``) and the everyday names of ``data/search_names.csv`` ("Russia", "UK");
4. the beginning of such a name (``"Viet"``, ``"United Arab"``), or of one of its words.

A step that finds one area answers it. A step that finds several raises :class:`AmbiguousArea` with the
candidates (``"Korea"``: the Republic of Korea and the Democratic People's Republic of Korea), never a
silent choice; nothing found raises :class:`~corridor.errors.InputError`. Nothing is matched by
similarity (edit distance), so "Sudan" never becomes "South Sudan" and "Czechoslovakia" (200) never
becomes Czechia.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from corridor.errors import InputError
from corridor.reference.aliases import name_aliases
from corridor.reference.areas import area_code, area_name, area_rows

#: At most this many candidates are listed for an ambiguous or partial name.
MAX_CANDIDATES = 12
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """``text`` for comparison: accents removed (NFKD, combining marks dropped), case folded, every run
    of punctuation and space one space (``"Côte d’Ivoire"`` -> ``"cote d ivoire"``)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NOT_WORD.sub(" ", bare).strip()


class AmbiguousArea(InputError):
    """A name that fits several areas; ``candidates`` lists them (code, UN name)."""

    def __init__(self, text: str, candidates: list[tuple[str, str]]) -> None:
        self.text = text
        self.candidates = candidates
        listed = "; ".join(f"{name} ({code})" for code, name in candidates)
        super().__init__(f"{text!r} fits {len(candidates)} areas: {listed}. Type more of the name or an M49 code")


@dataclass(frozen=True)
class _Index:
    alpha2: dict[str, str]
    names: dict[str, frozenset[str]]  # folded name -> codes


def _search_names() -> list[dict[str, str]]:
    with (files("corridor.reference") / "data" / "search_names.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def _index() -> _Index:
    names: dict[str, set[str]] = {}

    def add(name: object, code: object) -> None:
        key = fold(name)
        if key and str(code):
            names.setdefault(key, set()).add(str(code))

    for code, row in area_rows().items():  # the area table's rows, without pandas
        add(row["name"], code)
    for aliases in name_aliases().values():
        for name, code in aliases.items():
            add(name, code)
    alpha2 = {}
    for row in _search_names():
        add(row["name"], row["m49"])
        if row["alpha2"]:
            alpha2[row["alpha2"].upper()] = row["m49"]
    return _Index(alpha2, {k: frozenset(v) for k, v in names.items()})


def _one_or_ambiguous(text: str, codes: set[str] | frozenset[str]) -> str:
    if len(codes) == 1:
        return next(iter(codes))
    ranked = sorted(codes, key=lambda c: area_name(c))[:MAX_CANDIDATES]
    raise AmbiguousArea(text, [(c, area_name(c)) for c in ranked])


def find_area(text: str) -> str:
    """The M49 code of the one area ``text`` names, by the rule of the module docstring.

    >>> find_area("United States"), find_area("UK"), find_area("uae"), find_area("Vietnam")
    ('840', '826', '784', '704')
    >>> find_area("Cote d'Ivoire"), find_area("mex"), find_area("Russia")
    ('384', '484', '643')

    Raises :class:`AmbiguousArea` (with the candidates) or :class:`InputError` (nothing matches).
    """
    typed = str(text).strip()
    if not typed:
        raise InputError("type a country: a name, an ISO code or an M49 number")
    if typed.isdigit():
        return area_code(typed)
    try:  # WORLD, a project code (ABEL_EUROPE), an alpha-3 code in any case, an exact UN name
        return area_code(typed)
    except InputError:
        pass
    index = _index()
    if typed.isalpha() and len(typed) == 2 and typed.upper() in index.alpha2:
        return index.alpha2[typed.upper()]
    key = fold(typed)
    if not key:
        raise InputError(f"{typed!r} holds no letters or digits to search for")
    if key in index.names:
        return _one_or_ambiguous(typed, index.names[key])
    starts = {c for name, codes in index.names.items() if name.startswith(key) for c in codes}
    if not starts:
        words = f" {key}"
        starts = {c for name, codes in index.names.items() if words in f" {name}" for c in codes}
    if not starts:
        raise InputError(f"no area is called {typed!r} (nor starts so): try its UN name, an ISO code or an "
                         "M49 number")
    return _one_or_ambiguous(typed, starts)
