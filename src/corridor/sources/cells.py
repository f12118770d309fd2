"""Reading published cells: numbers, missing-value tokens, and the errors bad cells deserve.

Publishers mark missing cells in their own ways. corridor keeps them *missing* (value NULL) with an
SDMX ``OBS_STATUS`` that says which kind, never zero:

======== ============ ===============================================================
token    OBS_STATUS   meaning (UN DESA / World Bank usage)
======== ============ ===============================================================
``..``   ``O``        not available
blank    ``O``        not available (empty cell)
``-``    ``M``        nil or not applicable (UN tables); kept missing, not read as 0
``NA``   ``O``        R's missing value, in files written from R (UNHCR tidied copy)
``x``    ``Q``        suppressed for confidentiality
======== ============ ===============================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor.errors import InputError

MISSING_TOKENS: dict[str, str] = {"..": "O", "": "O", "-": "M", "…": "O", "NA": "O", "x": "Q"}

TOKENS = pd.Index(list(MISSING_TOKENS), dtype=object)
TOKEN_STATUS = np.array(list(MISSING_TOKENS.values()), dtype=object)
BLANK = list(MISSING_TOKENS).index("")

#: Cell types that can hold a count (a bool is an int to Python, and is refused separately).
READABLE = (str, int, float, np.number)


@dataclass(frozen=True)
class WideCells:
    """The cells of a wide table's value columns, column after column (the order of pandas' ``melt``).

    ``row`` and ``column`` give, for every cell, the position of its row in the table and of its column
    in the value columns, so that whatever is known per row (an area, a line number) or per column (an
    origin, a year) is spread to the cells by one array look-up instead of melting strings.
    """

    raw: pd.Series
    row: np.ndarray
    column: np.ndarray

    def by_row(self, per_row: Sequence[object] | pd.Series | np.ndarray) -> np.ndarray:
        """A value per row of the table, repeated for each of its cells."""
        return np.asarray(per_row)[self.row]

    def by_column(self, per_column: Sequence[object] | pd.Series | np.ndarray) -> np.ndarray:
        """A value per value column, repeated for each of its cells."""
        return np.asarray(per_column, dtype=object)[self.column]


def wide_cells(table: pd.DataFrame, columns: Sequence[str]) -> WideCells:
    """The cells of ``columns`` of ``table`` (see :class:`WideCells`)."""
    n, k = len(table), len(columns)
    raw = (pd.concat([table[c] for c in columns], ignore_index=True) if k
           else pd.Series([], dtype=object))
    return WideCells(raw, np.tile(np.arange(n), k), np.repeat(np.arange(k), n))


def parse_cells(
    raw: pd.Series,
    *,
    file: str,
    rows: Sequence[int] | pd.Series,
    columns: Sequence[str] | pd.Series,
    status: str | pd.Series = "A",
    allow_negative: bool = False,
    sheet: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Parse raw cells into (value, obs_status).

    ``rows`` and ``columns`` give, for every cell, the row number and column header a person would
    see in the file, so that the first bad cell can be named. Numbers may be written with thousands
    separators. A negative count (unless ``allow_negative``) or text that is neither a number nor a
    missing token is an :class:`InputError`.

    Method (vectorised): the cells written exactly as a missing token, and empty cells, are found by
    one hash look-up; the others are read as numbers by one ``pd.to_numeric`` call (in C; a
    workbook's mixed cells first get one type test each, so that dates and booleans are refused);
    only the few left over — padded tokens, numbers with separators, bad text — are stripped and
    looked at one by one.
    """
    raw = raw.reset_index(drop=True)
    token = TOKENS.get_indexer(raw)  # position in MISSING_TOKENS, -1 for anything else
    token[raw.isna().to_numpy()] = BLANK  # None, NaN, NA: an empty cell
    values = np.full(len(raw), np.nan)
    unread = token < 0
    values[unread] = _plain_numbers(raw[unread])
    rest = np.flatnonzero(unread & np.isnan(values))
    if rest.size:
        text = raw.iloc[rest].astype(object).map(_stripped_text)
        token[rest] = TOKENS.get_indexer(text)
        numeric = token[rest] < 0
        values[rest[numeric]] = pd.to_numeric(
            text[numeric].map(_without_separators), errors="coerce"
        ).to_numpy(dtype="float64")
    values[np.isinf(values)] = np.nan  # 'inf' is not a count: refused as bad text below
    values += 0.0  # a published '-0' is a zero (IEEE: -0.0 + 0.0 == +0.0), never printed as '-0'
    is_token = token >= 0
    bad = np.isnan(values) & ~is_token
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{int(bad.sum())} cell(s) are neither numbers nor missing-value tokens "
            f"({', '.join(repr(t) for t in MISSING_TOKENS if t)}); first: {raw.iloc[i]!r}",
            file=file, row=int(_at(rows, i)), column=str(_at(columns, i)), sheet=sheet,
        )
    if not allow_negative:
        neg = values < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise InputError(
                f"{int(neg.sum())} negative count(s); first: {values[i]:g}",
                file=file, row=int(_at(rows, i)), column=str(_at(columns, i)), sheet=sheet,
            )
    if isinstance(status, pd.Series):
        obs_status = status.to_numpy(dtype=object, copy=True)
    else:
        obs_status = np.full(len(values), status, dtype=object)
    obs_status[is_token] = TOKEN_STATUS[token[is_token]]
    return pd.Series(values, dtype="float64"), pd.Series(obs_status, dtype="string")


def _plain_numbers(raw: pd.Series) -> np.ndarray:
    """Every cell that is a number, or text that reads as one as it stands; NaN for the others.

    A text column is converted in one call. A column of mixed cells (a workbook's) is first sorted by
    type, so that a date or a boolean is refused as a count instead of being read as its number.
    """
    if raw.dtype != object:
        return pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64", copy=True)
    cells = raw.to_numpy()
    readable = np.fromiter((isinstance(v, READABLE) and not isinstance(v, bool) for v in cells),
                           dtype=bool, count=len(cells))
    kept = pd.Series(np.where(readable, cells, None), dtype=object)
    return pd.to_numeric(kept, errors="coerce").to_numpy(dtype="float64", copy=True)


def _stripped_text(cell: object) -> object:
    """A text cell without surrounding blanks; any other cell as it is (it can only be refused)."""
    return cell.strip() if isinstance(cell, str) else cell


def _without_separators(cell: object) -> object:
    """A text cell without thousands separators (``1,234`` -> ``1234``); None for any other cell."""
    return cell.replace(",", "") if isinstance(cell, str) else None


def _at(items: Sequence[object] | pd.Series, i: int) -> object:
    """The ``i``-th item of a per-cell sequence (a Series by position), read only to name a bad cell."""
    return items.iloc[i] if isinstance(items, pd.Series) else items[i]


def check_header(found: Sequence[object], expected: Sequence[object], *, file: str, row: int,
                 sheet: str | None = None, what: str = "header") -> None:
    """Raise an :class:`InputError` naming the first column whose header is not the expected one."""
    for i, want in enumerate(expected):
        got = found[i] if i < len(found) else None
        norm_got = str(got).strip().lower() if got is not None else ""
        if norm_got != str(want).strip().lower():
            raise InputError(
                f"unexpected {what}: expected {want!r}, found {got!r} — is this the right file/sheet "
                "for this layout?",
                file=file, row=row, column=column_letter(i), sheet=sheet,
            )


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def codes_agreeing_with_names(frame: pd.DataFrame, *, code_col: str, name_col: str, file: str,
                              code_source: str, name_source: str) -> dict[str, str]:
    """Area codes from a code column, cross-checked against the name column beside it.

    Both columns are resolved through their explicit tables (``resolve_iso3`` with the source's own
    codes, ``resolve_names`` with its alias table); a row whose name and code mean different areas
    (misaligned columns, a publisher's slip) is an error naming that row.
    """
    from corridor.reference.areas import resolve_iso3, resolve_names

    codes = resolve_iso3(frame[code_col].unique(), source=code_source, file=file, column=code_col)
    by_name = resolve_names(frame[name_col].unique(), name_source, file=file, column=name_col)
    clash = frame[name_col].map(by_name) != frame[code_col].map(codes)
    if clash.any():
        row = frame.loc[clash].iloc[0]
        raise InputError(
            f"the name {row[name_col]!r} (area {by_name[row[name_col]]}) and the code {row[code_col]!r} "
            f"(area {codes[row[code_col]]}) disagree", file=file, row=int(row["_row"]), column=code_col,
        )
    return codes


def check_unique(frame: pd.DataFrame, keys: list[str], *, file: str, row_col: str = "_row",
                 sheet: str | None = None) -> None:
    """Raise an :class:`InputError` naming the rows of the first duplicate key."""
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        same = frame.loc[dup & (frame[keys] == first[keys]).all(axis=1), row_col].tolist()
        key = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InputError(
            f"duplicate key ({key}) on rows {', '.join(str(r) for r in same[:5])}",
            file=file, row=int(same[0]), sheet=sheet,
        )
