"""Source-specific spellings of area names and codes (explicit alias tables, exact matching only).

Each source has a table ``data/aliases_<source>.csv`` (columns ``source, name, m49``) with every name
the source writes, and — where the source uses non-standard alpha-3 codes — ``data/codes_<source>.csv``
(columns ``source, code, m49``). Names are compared after :func:`normalise_name` and nothing else:
no case folding, no fuzzy matching (UN DESA's own workbooks use ``EUROPE`` and ``Europe`` for two
different codes).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib.resources import files

#: Trailing footnote marks that UN DESA and World Bank workbooks append to names: a run of asterisks
#: (with any digits after it: ``"Mauritius*"``, ``"Cyprus*12"``), digits glued to a lower-case letter,
#: ``)`` or ``.`` (``"Sudan3"``), or a 1-2 digit number after a space (``"Sudan 3"``). Digits after an
#: upper-case letter are kept (``"G20"``).
_FOOTNOTE = re.compile(r"(?:\s*\*+[0-9]*|(?<=[a-z).])[0-9]+|\s[0-9]{1,2})$")
_SPACES = re.compile(r"\s+")


def normalise_name(text: object) -> str:
    """The form in which a source's area name is looked up.

    The rule, applied in this order:

    1. Unicode NFC normalisation (so ``"Côte"`` typed with a combining accent equals the precomposed one);
    2. every run of whitespace (including no-break spaces and the indentation of UN workbooks)
       becomes one space, and leading/trailing whitespace is removed;
    3. trailing footnote marks are removed, repeatedly, trimming whitespace after each: a run of
       ``*`` (and digits after it), digits glued to a lower-case letter, ``)`` or ``.``, or a number of
       one or two digits after a space. Digits after an upper-case letter stay (``"G20"``).

    Case, accents and punctuation are kept: matching is exact after this rule.

    >>> normalise_name("   Mauritius*")
    'Mauritius'
    >>> normalise_name(" OCEANIA ")
    'OCEANIA'
    """
    s = unicodedata.normalize("NFC", str(text))
    s = _SPACES.sub(" ", s.replace("\u00a0", " ")).strip()
    while True:
        stripped = _FOOTNOTE.sub("", s).strip()
        if stripped == s or not stripped:
            return s
        s = stripped


def _data_files(prefix: str) -> dict[str, object]:
    folder = files("corridor.reference") / "data"
    found = {}
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(prefix) and name.endswith(".csv"):
            found[name[len(prefix) : -len(".csv")]] = entry
    return found


def _read(entry: object, key: str) -> dict[str, str]:
    table: dict[str, str] = {}
    with entry.open(encoding="utf-8", newline="") as f:  # type: ignore[attr-defined]
        for row in csv.DictReader(f):
            k = normalise_name(row[key]) if key == "name" else row[key].strip()
            if k in table and table[k] != row["m49"]:
                raise ValueError(f"{entry}: {row[key]!r} maps to both {table[k]} and {row['m49']}")
            table[k] = row["m49"]
    return table


@cache
def name_aliases() -> dict[str, dict[str, str]]:
    """``{source: {normalised name: m49}}`` from every ``aliases_<source>.csv``."""
    return {source: _read(entry, "name") for source, entry in sorted(_data_files("aliases_").items())}


@cache
def code_aliases() -> dict[str, dict[str, str]]:
    """``{source: {code: m49}}`` from every ``codes_<source>.csv`` (non-standard alpha-3 codes)."""
    return {source: _read(entry, "code") for source, entry in sorted(_data_files("codes_").items())}


#: Release ids of the catalogue (``sources/releases.yaml``) and short forms accepted for each table.
SOURCE_IDS = {
    "undesa-ims-2019-od": "undesa_ims_2019",
    "undesa-ims-2019-totals": "undesa_ims_2019",
    "undesa-ims-2020-sex-destination": "undesa_ims_2020",
    "wb-bilateral-2017": "worldbank_bilateral_2017",
    "wb-bilateral-migration-2017": "worldbank_bilateral_2017",
    "wb-bilateral-remittances-2017": "worldbank_bilateral_2017",
    "wb-rpw-corridor-costs": "worldbank_rpw",
    "wb-wdi-remittances-paid": "worldbank_wdi",
    "wpp2019-locations": "wpp", "wpp2024-locations": "wpp", "wpp2019": "wpp", "wpp2024": "wpp",
    "unhcr-2020": "unhcr",
}
#: The code table (``codes_<id>.csv``) each name table's source uses.
CODE_TABLE = {"worldbank_rpw": "worldbank", "worldbank_wdi": "worldbank",
              "worldbank_bilateral_2017": "worldbank"}


def canonical_source(source: str) -> str:
    """The alias-table id for a source or release id (``undesa-ims-2019-od`` -> ``undesa_ims_2019``)."""
    s = str(source).strip()
    return SOURCE_IDS.get(s, s.replace("-", "_"))


def sources() -> list[str]:
    """Source ids that have a name alias table."""
    return sorted(name_aliases())
