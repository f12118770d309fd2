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

import numpy as np
import pandas as pd

from corridor.errors import InputError

MISSING_TOKENS: dict[str, str] = {"..": "O", "": "O", "-": "M", "…": "O", "NA": "O", "x": "Q"}


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
    """
    raw = raw.reset_index(drop=True)
    text = raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
    is_text = text.map(lambda v: isinstance(v, str))
    stripped = text.where(~is_text, text.astype("string").str.strip())
    token_status = stripped.map(lambda v: MISSING_TOKENS.get(v) if isinstance(v, str) else None)
    numeric_text = stripped.where(~is_text, stripped.astype("string").str.replace(",", "", regex=False))
    values = pd.to_numeric(numeric_text.where(token_status.isna()), errors="coerce")
    values = values.where(~np.isinf(values.astype("float64")))  # 'inf' is not a count: refuse it below
    bad = values.isna() & token_status.isna()
    rows = pd.Series(list(rows))
    columns = pd.Series(list(columns))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{int(bad.sum())} cell(s) are neither numbers nor missing-value tokens "
            f"({', '.join(repr(t) for t in MISSING_TOKENS if t)}); first: {raw.iloc[i]!r}",
            file=file, row=int(rows.iloc[i]), column=str(columns.iloc[i]), sheet=sheet,
        )
    if not allow_negative:
        neg = values < 0
        if neg.any():
            i = int(np.flatnonzero(neg.to_numpy())[0])
            raise InputError(
                f"{int(neg.sum())} negative count(s); first: {values.iloc[i]:g}",
                file=file, row=int(rows.iloc[i]), column=str(columns.iloc[i]), sheet=sheet,
            )
    base = status if isinstance(status, pd.Series) else pd.Series(status, index=values.index)
    obs_status = token_status.where(token_status.notna(), base.reset_index(drop=True))
    return values.astype("float64"), obs_status.astype("string")


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
