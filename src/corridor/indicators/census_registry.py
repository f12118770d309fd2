"""A census-compliance registry a user can load: which core questions each census asked and tabulated.

File format (CSV, UTF-8, one line per census or survey; documented in docs/indicators.md):

    country,reference_year,source,kind,A,B,C,D,E
    Mexico,2010,mex-census-2010,census,T,N,T,N,N

* ``country``: M49 code, ISO 3166 alpha-3 code or UN name (resolved by
  :func:`corridor.reference.areas.area_code`; an unknown name is an error, never guessed);
* ``reference_year``: four digits; ``source``: a unique id of the census (its dataset's series);
  ``kind``: ``census``, ``survey`` or ``register``;
* ``A``..``E``: the five core questions of the UN Principles and Recommendations for Population and
  Housing Censuses, Rev. 2 (A place of birth, B duration of residence, C previous residence, D
  citizenship, E year of arrival), each ``T`` asked and tabulated, ``A`` asked but not tabulated, ``N``
  not asked. Every cell must be filled: an unknown answer is not a "no", so a registry that does not
  know leaves the census out rather than guessing.

The whole file is checked before anything is written (a bad cell is an error naming file, row and
column); each line is then recorded by :func:`corridor.microdata.compliance.record_compliance` as a
``CENSUS_QUESTION`` dataset (value 1 when asked), with the registry's statement (``asked and
tabulated`` or ``asked, not tabulated``, file and line) as the basis of each answer. Inclusion rates
per question and round: :func:`rates` (asked, from every recorded source of the chosen kinds;
tabulated, from registry statements).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.microdata.compliance import KINDS, inclusion_rates, record_compliance, records
from corridor.microdata.variables import CORE_TOPICS
from corridor.reference.areas import area_code
from corridor.sources.readers import read_csv_text
from corridor.store.warehouse import Warehouse

TOPICS = ("A", "B", "C", "D", "E")
HEADER = ["country", "reference_year", "source", "kind", *TOPICS]
ANSWERS = {"T": "asked and tabulated", "A": "asked, not tabulated", "N": None}


def read(path: Path) -> pd.DataFrame:
    """The registry, validated whole: one row per census with its M49 code and answers."""
    name = path.name
    table = read_csv_text(path)
    found = [str(c).strip() for c in table.columns]
    if found != HEADER:
        raise InputError(f"header is {','.join(found)}; expected {','.join(HEADER)}", file=name, row=1)
    table.columns = HEADER
    table = table.apply(lambda col: col.str.strip())
    if table.empty:
        raise InputError("no censuses after the header", file=name, row=2)
    rows = np.arange(2, len(table) + 2)

    def refuse(bad: pd.Series, column: str, reason: str) -> None:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{column} {table[column].iloc[i]!r}: {reason}", file=name, row=int(rows[i]),
                             column=column)

    refuse(~table["reference_year"].str.fullmatch(r"\d{4}"), "reference_year", "four digits")
    refuse(table["source"] == "", "source", "every census needs an id")
    refuse(table["source"].duplicated(), "source", "each census id once")
    refuse(~table["kind"].isin(KINDS), "kind", f"one of {', '.join(KINDS)}")
    for topic in TOPICS:
        refuse(~table[topic].isin(list(ANSWERS)), topic,
               "T (asked and tabulated), A (asked, not tabulated) or N (not asked); unknown answers are left out")
    codes = []
    for i, country in enumerate(table["country"]):
        try:
            codes.append(area_code(country))
        except InputError as exc:
            raise InputError(f"country {country!r}: {exc}", file=name, row=int(rows[i]), column="country") from None
    table["ref_area"] = codes
    table["line"] = rows
    return table


def load(wh: Warehouse, path: Path) -> list[str]:
    """Record every census of the registry (validated whole first); return the datasets now current."""
    table = read(path)
    ids = []
    for r in table.itertuples(index=False):
        varmap = {CORE_TOPICS[t]: f"{ANSWERS[getattr(r, t)]} (registry {path.name}, line {r.line})"
                  for t in TOPICS if ANSWERS[getattr(r, t)]}
        rec = record_compliance(wh, r.source, ref_area=r.ref_area, reference_year=int(r.reference_year), kind=r.kind,
                                varmap=varmap, file_name=path.name)
        ids.append(rec.dataset_id)
    return ids


def rates(wh: Warehouse, *, census_round: str | None = None, kinds: tuple[str, ...] = ("census",)) -> pd.DataFrame:
    """Per round and question: countries with a record, how many asked it (rate), how many tabulated it."""
    asked = inclusion_rates(wh, census_round=census_round, kinds=kinds)
    if asked.empty:
        return asked
    rec = records(wh, census_round=census_round)
    rec = rec[rec["kind"].isin(kinds)]
    tab = rec["variable"].fillna("").str.startswith(ANSWERS["T"])
    tabulated = rec[tab].groupby(["census_round", "topic"])["ref_area"].nunique().rename("countries_tabulating")
    out = asked.merge(tabulated.reset_index(), on=["census_round", "topic"], how="left")
    out["countries_tabulating"] = out["countries_tabulating"].fillna(0).astype("int64")
    return out
