"""Treaty ratification status tables (UN Treaty Collection, as tabulated per UN member state).

Layout ``un-treaty-status``: one CSV per treaty, one line per UN member state, in the format of
world-politics-datalab/humanrights-treaties-ratification-status (its README describes the variables):

* header ``iso2, member, state party, year ratification or accession, signatory, no action, status,
  note``;
* ``state party``, ``signatory``, ``no action``: 0 or 1, exactly one of them 1, agreeing with ``status``
  (``state party``, ``signatory`` or ``no action``); ``year ratification or accession``: a four-digit
  year, present exactly when the state is a party;
* ``iso2``: the ISO 3166 alpha-2 code (Namibia's is the string ``NA``: nothing is read as missing);
  ``member``: the state's name, resolved to M49 through the explicit alias table
  ``aliases_un_treaty_status.csv`` (an unknown name is an error listing it; nothing is guessed).

Which treaty, and the date of the status, come from the file name: the mirror's table
``hr_status_icmw.csv`` is the ICMW as of 2022 (:data:`KNOWN_TABLES`); any other table in this format is
named ``treaty_status_<TREATY>_<YYYY>.csv`` with a code of the ``TREATY`` codelist (ILO_C097,
ILO_C143, TIP_PROTOCOL, SOM_PROTOCOL...) and the year of the status (docs/indicators.md, "Treaty
tables"). A release may carry the repository's README beside the table; only the ``.csv`` is read.

Mapping: ``TREATY_STATUS`` (``ref_area`` state, ``topic`` treaty, ``time_period`` the status year,
value 2 party, 1 signatory, 0 no action) and ``TREATY_RATIFIED`` (one observation per state party,
``time_period`` = year of ratification or accession, value 1). ``OBS_STATUS = A``, unit ``PURE_NUMB``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import resolve_names
from corridor.reference.codes import codes
from corridor.sources.cells import check_header, check_unique
from corridor.sources.layouts import Parsed, layout
from corridor.sources.readers import read_csv_text

LAYOUT_ID = "un-treaty-status"
NAME_SOURCE = "un_treaty_status"
HEADER = ["iso2", "member", "state party", "year ratification or accession", "signatory", "no action",
          "status", "note"]
FLAGS = {"state party": 2, "signatory": 1, "no action": 0}
#: File names of known tables -> (TREATY code, year of the status).
KNOWN_TABLES: dict[str, tuple[str, str]] = {"hr_status_icmw.csv": ("ICMW", "2022")}
NAMED = re.compile(r"^treaty_status_(?P<treaty>[A-Za-z0-9_]+)_(?P<year>\d{4})\.csv$")


def treaty_of(name: str) -> tuple[str, str]:
    """``(TREATY code, status year)`` of a table file name (see the module docstring)."""
    if name in KNOWN_TABLES:
        return KNOWN_TABLES[name]
    m = NAMED.match(name)
    known = codes("TREATY")
    if not m or m.group("treaty").upper() not in known:
        raise InputError(
            f"cannot tell which treaty this table is: name it treaty_status_<TREATY>_<YYYY>.csv with "
            f"TREATY one of {', '.join(known)} and YYYY the year of the status", file=name)
    return m.group("treaty").upper(), m.group("year")


@layout(LAYOUT_ID)
def read(files: list[Path]) -> Parsed:
    """Read one treaty status table into ``TREATY_STATUS`` and ``TREATY_RATIFIED`` observation rows."""
    tables = [p for p in files if p.suffix.lower() == ".csv"]
    if len(tables) != 1:
        raise InputError(f"layout {LAYOUT_ID} reads exactly one .csv table, got {len(tables)} "
                         f"({', '.join(p.name for p in files) or 'none'})")
    path = tables[0]
    name = path.name
    treaty, year = treaty_of(name)
    table = read_csv_text(path)
    check_header([str(c).strip() for c in table.columns], HEADER, file=name, row=1)
    table.columns = HEADER
    if table.empty:
        raise InputError("no states after the header", file=name, row=2)
    table = table.apply(lambda col: col.str.strip())
    table["_row"] = np.arange(2, len(table) + 2)
    for column in ("iso2", "member"):
        bad = table[column] == ""
        if column == "iso2":
            bad |= ~table[column].str.fullmatch(r"[A-Z]{2}")
        _refuse(table, bad, name, column, f"{column} must be filled" + (" with two capital letters"
                                                                       if column == "iso2" else ""))
    check_unique(table, ["member"], file=name)
    check_unique(table, ["iso2"], file=name)
    for column in FLAGS:
        _refuse(table, ~table[column].isin(["0", "1"]), name, column, "must be 0 or 1")
    flags = table[list(FLAGS)].astype(int)
    _refuse(table, flags.sum(axis=1) != 1, name, "status", "exactly one of state party, signatory, no action is 1")
    flagged = flags.idxmax(axis=1)
    _refuse(table, flagged != table["status"].str.replace("signatory state", "signatory"), name, "status",
            "disagrees with the 0/1 columns")
    party = flagged == "state party"
    years = table["year ratification or accession"]
    _refuse(table, party & ~years.str.fullmatch(r"\d{4}"), name, "year ratification or accession",
            "a state party needs a four-digit year")
    _refuse(table, ~party & (years != ""), name, "year ratification or accession",
            "a year is given for a state that is not a party")
    _refuse(table, party & (years > year), name, "year ratification or accession",
            f"after the status year {year} (named in the file name)")
    areas = resolve_names(table["member"].unique(), NAME_SOURCE, file=name, column="member")
    ref = table["member"].map(areas)
    status = pd.DataFrame({"dataflow": "TREATY_STATUS", "ref_area": ref, "topic": treaty, "time_period": year,
                           "value": flagged.map(FLAGS).astype(float)})
    ratified = pd.DataFrame({"dataflow": "TREATY_RATIFIED", "ref_area": ref[party], "topic": treaty,
                             "time_period": years[party], "value": 1.0})
    obs = pd.concat([status, ratified], ignore_index=True).assign(
        obs_status="A", unit_measure="PURE_NUMB", method="published")
    counts = flagged.value_counts()
    notes = (f"{treaty} status in {year} for {len(table)} states: {counts.get('state party', 0)} parties, "
             f"{counts.get('signatory', 0)} signatories, {counts.get('no action', 0)} no action")
    return Parsed(obs, notes=notes)


def _refuse(table: pd.DataFrame, bad: pd.Series, name: str, column: str, reason: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{column} {table[column].iloc[i]!r}: {reason}", file=name,
                         row=int(table["_row"].iloc[i]), column=column)
