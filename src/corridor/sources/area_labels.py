"""Area labels of a user's table -> area codes: declared code system, the user's aliases, dates.

Each area column is written in one declared system (``codes.areas``): ``m49`` (numbers only — an
alpha-3 code or a name in an M49 column is an error, not quietly accepted), ``iso2`` (ISO 3166-1
alpha-2), ``iso3`` (alpha-3, plus a source's own codes with ``codes.code_source``: ``worldbank``
``CHI``, ``KSV``, ``WLD``...), ``names`` (a release's alias table, then the UN names) or ``user`` (the
codes, names and aliases of registered user geographies, :mod:`corridor.reference.user_codes`).
Before any of them, the user's own alias file (``aliases:``, a CSV ``name,area``) is looked up, and
the labels declared as totals (``totals.labels``, and ``_T`` always) become the total.

Dates (DESIGN.md §3, dissolved states keep their own codes): with ``reference_date`` the table is on
the boundaries of that date (or, ``row``, of each row's year) and an area is the one that existed
then (:func:`corridor.reference.areas.historical_area`: "Sudan" in 2000 is the former Sudan, 736).
Whatever the mapping says, an area used at a date outside its validity (the USSR in 2019, a user
area before its ``valid_from``) is an error naming the row and column.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError, UnmatchedAreasError
from corridor.reference.areas import area_code, area_name, historical_area, is_valid, resolve_iso2, resolve_iso3
from corridor.reference.areas import resolve_names as resolve_release_names
from corridor.reference.user_codes import USER_PREFIX, user_area_aliases
from corridor.sources.labels import by_unique, constant

TOTAL = "_T"


class UnknownAreaLabels(UnmatchedAreasError):
    """Labels that neither the declared code system nor the user's alias file knows (all listed)."""

    def __init__(self, names: Iterable[str], *, file: str, column: str, system: str) -> None:
        self.names = sorted(set(names))
        listed = "; ".join(repr(n) for n in self.names)
        InputError.__init__(
            self, f"{len(self.names)} area name(s) not in the alias tables for {system}: {listed}. "
            "Give their areas in your own alias file (mapping key 'aliases': a CSV with columns name,area) "
            "or register your own geography (corridor register); corridor never matches names approximately.",
            file=file, column=column)


def read_aliases(path: Path) -> dict[str, str]:
    """The user's alias file: ``{label: area code}``; each area is checked (file, row, column named)."""
    if not path.exists():
        raise InputError("no such alias file (mapping key 'aliases')", file=str(path))
    users = user_area_aliases()
    out: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"name", "area"} <= set(reader.fieldnames):
            raise InputError("an alias file has the columns name,area", file=str(path), row=1)
        for i, row in enumerate(reader, start=2):
            target = (row["area"] or "").strip()
            if target in users:
                code = users[target]
            elif target.startswith(USER_PREFIX) and target in users.values():
                code = target
            else:
                try:
                    code = area_code(target)
                except InputError as exc:
                    raise InputError(exc.reason, file=str(path), row=i, column="area") from None
            name = row["name"]
            if name in out and out[name] != code:
                raise InputError(f"{name!r} is given twice with different areas", file=str(path), row=i,
                                 column="name")
            out[name] = code
    return out


def _by_system(labels: list[str], system: str, *, names_source: str, code_source: str | None, file: str,
               column: str) -> dict[str, str]:
    if system == "names":
        return resolve_release_names(labels, names_source, file=file, column=column)
    if system == "iso3":
        return resolve_iso3(labels, file=file, column=column, source=code_source)
    if system == "iso2":
        return resolve_iso2(labels, file=file, column=column)
    if system == "user":
        users = user_area_aliases()
        missing = [label for label in labels if label not in users]
        if missing:
            raise UnmatchedAreasError(missing, file=file, column=column, source="registered user areas")
        return {label: users[label] for label in labels}
    out, bad = {}, []
    for label in labels:  # m49: numbers only
        text = label[:-2] if label.endswith(".0") else label
        if text.isdigit():
            try:
                out[label] = area_code(text)
                continue
            except InputError:
                pass
        bad.append(label)
    if bad:
        raise UnmatchedAreasError(bad, file=file, column=column, source="UN M49 (numbers only)")
    return out


def resolve_labels(labels: pd.Series, system: str, *, aliases: dict[str, str], totals: Iterable[str],
                   total_code: str, names_source: str, code_source: str | None, file: str,
                   column: str) -> pd.Series:
    """Area code of every cell's label (see the module docstring)."""
    totals = {TOTAL, *totals}

    def resolve(unique: pd.Series) -> list[str]:
        table: dict[str, str] = {}
        rest = []
        for label in unique:
            if label in totals:
                table[label] = total_code
            elif label in aliases:
                table[label] = aliases[label]
            else:
                rest.append(label)
        if rest:
            try:
                table.update(_by_system(rest, system, names_source=names_source, code_source=code_source,
                                        file=file, column=column))
            except UnmatchedAreasError as exc:
                raise UnknownAreaLabels(exc.names, file=file, column=column, system=_system_name(system)) from None
        return [table[label] for label in unique]

    return pd.Series(by_unique(labels, resolve))


def _system_name(system: str) -> str:
    return {"m49": "UN M49 (numbers only)", "iso2": "ISO 3166-1 alpha-2", "iso3": "ISO 3166-1 alpha-3",
            "names": "the release's names", "user": "registered user areas"}[system]


def dated(codes: pd.Series, dates: pd.Series, *, on_boundaries_of_date: bool, labels: pd.Series,
          row_of: Callable[[int], int], file: str, column: str) -> pd.Series:
    """Codes adjusted to the areas of each cell's date (when the table is on the boundaries of its date)
    and checked for validity at that date; an area outside its validity is an error naming the row."""
    code_ids, code_values = pd.factorize(codes)
    date_ids, date_values = pd.factorize(dates)
    pair_ids, pairs = pd.factorize(code_ids.astype(np.int64) * len(date_values) + date_ids)
    out = []
    for k, pair in enumerate(pairs):
        code, date = code_values[pair // len(date_values)], date_values[pair % len(date_values)]
        if code in (TOTAL, "900") or code.startswith("_"):
            out.append(code)
            continue
        now = historical_area(code, date) if on_boundaries_of_date and not code.startswith(USER_PREFIX) else code
        if not is_valid(now, date):
            i = int(np.flatnonzero(pair_ids == k)[0])
            raise InputError(f"{labels.iloc[i]!r} is area {now} ({area_name(now)}), which did not exist at "
                             f"{date} (see docs/codelists.md for validity dates and successors)",
                             file=file, row=row_of(i), column=column)
        out.append(now)
    again, results = pd.factorize(np.asarray(out, dtype=object))
    return pd.Series(pd.Categorical.from_codes(again[pair_ids], categories=pd.Index(results, dtype=object)))


def cell_dates(periods: pd.Series, reference_date: _dt.date | str | None) -> pd.Series:
    """The date each cell's areas are checked at: the mapping's reference date, else the (first) year."""
    if isinstance(reference_date, _dt.date):
        return pd.Series(constant(reference_date.isoformat(), len(periods)))
    return pd.Series(by_unique(periods, lambda text: text.str[:4]))
