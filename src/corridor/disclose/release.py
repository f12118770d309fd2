"""Protect every table released from one file together, audit the set, and refuse what leaks.

A release is a set of frequency tables (optionally with weighted totals) tabulated from one microdata
file, each published with all its margins, plus the tables an earlier release already published from
the same file (:mod:`corridor.disclose.register`). The steps:

1. every new table gets its margin rows (``_T``), so that margins can be suppressed like any cell;
2. the whole set is protected as one linked system by primary (minimum frequency) and secondary
   suppression (:func:`corridor.disclose.tables.suppress_linked`, Fischetti & Salazar-González 2001):
   a cell shared by two tables is one cell, and the earlier tables keep their pattern (what they
   published stays published, what they hid stays hidden);
3. the independent LP audit (:mod:`corridor.disclose.audit`) plays the attacker against *everything*
   published from the file — new and earlier tables, with unpublished margins as unknowns — in the
   counts and in the weighted totals; if any suppressed cell's feasible interval is narrower than its
   protection requirement (primary cells: ``protection`` % of the value, at least one record, on each
   side; every suppressed cell: not recoverable), :class:`ReleaseRefused` is raised naming the cells,
   and nothing may be written.

Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, §4.4 (linked tables, audit).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor.disclose.audit import audit
from corridor.disclose.cube import TOTAL, add_margins
from corridor.disclose.tables import ExactBudget, suppress_linked
from corridor.errors import CorridorError

#: The exact model's budget in a release: a command should answer in tens of seconds; past the
#: budget the pattern is finished greedily (still fully protected, a little more is hidden).
RELEASE_BUDGET = ExactBudget(seconds=30.0, mip_gap=0.01)


@dataclass
class ReleaseTable:
    """One table of a release: its interior cells (``by`` columns as text codes, counts and totals).

    ``suppressed`` is ``None`` for a new table; for a table an earlier release published it is the set
    of cell codes (over ``by``, margins as ``_T``) that release hid.
    """

    name: str
    by: list[str]
    cells: pd.DataFrame
    suppressed: set[tuple[str, ...]] | None = None
    margins: bool | None = None  # published with its margin rows (None: as the release says)


class ReleaseRefused(CorridorError):
    """The audit found cells an attacker could recover or narrow: nothing of the release is written."""

    def __init__(self, cells: pd.DataFrame) -> None:
        self.cells = cells
        listed = "; ".join(
            f"{r.table} {r.cell} ({r.column}: true {r.true_value:g}, attacker interval "
            f"[{r.lower:g}, {r.upper:g}], {r.reason})" for r in cells.head(20).itertuples())
        more = f" and {len(cells) - 20} more" if len(cells) > 20 else ""
        super().__init__(f"disclosure audit refused the release, nothing written: {len(cells)} suppressed "
                         f"cell(s) insufficiently protected: {listed}{more}")


def protect_release(
    tables: Sequence[ReleaseTable],
    *,
    min_cell: int,
    protection: float = 30.0,
    count: str = "n",
    value: str | None = "estimate",
    margins: bool = True,
) -> list[pd.DataFrame]:
    """Protect and audit ``tables`` together; return the published new tables (earlier ones omitted).

    ``value`` is the weighted column (``None`` for a count-only table). With ``margins=False`` the new
    tables are protected with their margins as cells and published without the margin rows (hiding
    more only shrinks what an attacker knows); the audit treats the unpublished margins as unknowns.
    An earlier table keeps its margins as it was published (the register records it with them).
    """
    columns = [count] + ([value] if value and value != count else [])
    full = []
    for t in tables:
        cells = t.cells[~t.cells[t.by].astype(str).isin([TOTAL]).any(axis=1)]
        full.append(add_margins(cells, by=t.by, columns=columns))
    with_margins = [margins if t.margins is None else t.margins for t in tables]
    # an earlier table's cells: 1 suppressed then, 0 published then, -1 not published because its
    # margins were not (a margin the attacker can still add up: free to publish now or not)
    released = [None if t.suppressed is None else
                np.array([1 if tuple(map(str, k)) in t.suppressed else (-1 if not m and TOTAL in map(str, k)
                                                                        else 0)
                          for k in f[t.by].itertuples(index=False, name=None)], dtype=np.int8)
                for t, f, m in zip(tables, full, with_margins, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unprotectable cells: the audit below reports them, by name
        published = suppress_linked(full, by=[t.by for t in tables], count=count, value=value or count,
                                    min_cell=min_cell, protection=protection, released=released,
                                    budget=RELEASE_BUDGET)
    for i, t in enumerate(tables):  # protected with margins as cells; published without them
        if not with_margins[i]:
            interior = ~published[i][t.by].astype(str).isin([TOTAL]).any(axis=1).to_numpy()
            published[i] = published[i][interior].reset_index(drop=True)
    refused = audit_release(published, full, tables, columns, count=count, protection=protection)
    if len(refused):
        raise ReleaseRefused(refused)
    return [p for p, t in zip(published, tables, strict=True) if t.suppressed is None]


def audit_release(published: Sequence[pd.DataFrame], original: Sequence[pd.DataFrame],
                  tables: Sequence[ReleaseTable], columns: Sequence[str], *, count: str = "n",
                  protection: float = 30.0) -> pd.DataFrame:
    """The audit of a whole release: one row per insufficiently protected cell and column."""
    by = [t.by for t in tables]
    rows = []
    for col in columns:
        result = audit([p[t.by + [col, "conf_status"]] for p, t in zip(published, tables, strict=True)],
                       [o[t.by + [col]] for o, t in zip(original, tables, strict=True)],
                       by=by, value=col, protection=protection, floor=1.0 if col == count else 0.0)
        for v in result.violations.itertuples():
            cell = {d: c for d, c in v.cell if c != TOTAL or any(d in b for b in by)}
            rows.append({"table": _table_of(v.cell, tables), "cell": cell, "column": col,
                         "conf_status": v.conf_status, "true_value": v.true_value, "lower": v.lower,
                         "upper": v.upper, "reason": v.reason})
    return pd.DataFrame(rows, columns=["table", "cell", "column", "conf_status", "true_value", "lower",
                                       "upper", "reason"])


def _table_of(cell: tuple, tables: Sequence[ReleaseTable]) -> str:
    """The first table holding ``cell`` (dimensions it lacks are at their total)."""
    codes = dict(cell)
    for t in tables:
        if all(codes[d] == TOTAL for d in codes if d not in t.by):
            return t.name
    return tables[0].name
