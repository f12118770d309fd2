"""Reading counts written in a declared number format (never guessed) and the user's missing markers.

Offices write ``21 969,5``, ``21.969`` or ``21,969``; the same text means different numbers under
different conventions, so the format is *declared* in the mapping (``numbers.decimal``,
``numbers.thousands``) and every text cell must read under it exactly (default: whole numbers, no
separators at all):

* a number is an optional sign, digits — in groups of three separated by the declared thousands
  separator, or ungrouped — and, when a decimal separator is declared, optionally that separator
  followed by digits (none declared: whole numbers only);
* anything else that is not one of the declared missing markers is an error naming file, row and
  column (so ``21969,0`` under ``decimal: "."`` is refused, never read as 219,690);
* cells that already are numbers (a workbook's or a Parquet file's numeric cells) are taken as they
  are; booleans and dates are refused.

Method: one regular expression over the text cells (vectorised by pandas' ``str.fullmatch``), then one
``pd.to_numeric`` over the cells with their separators normalised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.sources.mapping import Numbers

#: Cell types that can hold a count (a bool is an int to Python, and is refused separately).
NUMERIC = (int, float, np.integer, np.floating)


def number_pattern(fmt: Numbers) -> str:
    """The regular expression a text cell must match under ``fmt`` (RE2 and Python syntax alike)."""
    digits = r"\d+"
    if fmt.thousands is not None:
        digits = rf"(?:\d{{1,3}}(?:[{fmt.thousands}]\d{{3}})+|\d+)"
    fraction = "" if fmt.decimal is None else rf"(?:[{fmt.decimal}]\d+)?"
    return rf"[+-]?{digits}{fraction}"


def describe(fmt: Numbers) -> str:
    """The declared format in words (for messages)."""
    sep = "no thousands separator" if fmt.thousands is None else f"thousands separator {fmt.thousands!r}"
    if fmt.decimal is None:
        return f"whole numbers, {sep}; a decimal separator must be declared in numbers.decimal"
    return f"decimal separator {fmt.decimal!r}, {sep}"


def parse_counts(raw: pd.Series, fmt: Numbers, *, file: str, rows: np.ndarray, columns: Sequence[object],
                 sheet: str | None = None, allow_negative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(values, statuses)`` of the cells: a float (NaN when missing) and an OBS_STATUS (``A`` or the
    marker's status). ``rows``/``columns`` name each cell as a person sees it in the file."""
    raw = raw.reset_index(drop=True)
    if isinstance(raw.dtype, pd.StringDtype) or str(raw.dtype) in ("str", "string[pyarrow]"):
        values, status, bad = _text_counts(raw, fmt)  # a text file's column: in Arrow, in C++
        return _checked(raw, values, status, bad, file=file, rows=rows, columns=columns, sheet=sheet,
                        allow_negative=allow_negative, fmt=fmt)
    n = len(raw)
    values = np.full(n, np.nan)
    status = np.full(n, "A", dtype=object)
    bad = np.zeros(n, dtype=bool)
    if not pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != object:
        raw = raw.astype(object).where(raw.notna(), None)  # a string column (Parquet): as text cells
    if raw.dtype != object:  # a numeric column (Parquet): nulls are empty cells
        values[:] = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    else:
        cells = raw.to_numpy()
        kinds = pd.Series(cells).map(type)
        is_num = kinds.isin(NUMERIC).to_numpy() & ~kinds.eq(bool).to_numpy()
        is_text = kinds.eq(str).to_numpy()
        empty = pd.isna(raw).to_numpy() & ~is_num
        values[is_num] = pd.to_numeric(pd.Series(cells[is_num]), errors="coerce").to_numpy(dtype="float64")
        bad |= ~(is_num | is_text | empty)
        if is_text.any():
            text = pd.Series(cells[is_text], dtype=object).str.strip()
            marker = text.map(fmt.missing)
            known = marker.notna().to_numpy()
            idx = np.flatnonzero(is_text)
            status[idx[known]] = marker[known].to_numpy()
            rest = text[~known]
            ok = rest.str.fullmatch(number_pattern(fmt)).fillna(False).to_numpy(dtype=bool)
            plain = rest[ok]
            if fmt.thousands is not None:
                plain = plain.str.replace(fmt.thousands, "", regex=False)
            if fmt.decimal not in (None, "."):
                plain = plain.str.replace(fmt.decimal, ".", regex=False)
            values[idx[~known][ok]] = pd.to_numeric(plain).to_numpy(dtype="float64")
            bad[idx[~known][~ok]] = True
    return _checked(raw, values, status, bad, file=file, rows=rows, columns=columns, sheet=sheet,
                    allow_negative=allow_negative, fmt=fmt)


def _text_counts(raw: pd.Series, fmt: Numbers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, statuses and bad cells of a column of text, with Arrow compute kernels (RE2 regex)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pc.utf8_trim_whitespace(pa.array(raw, type=pa.string(), from_pandas=True))
    markers = pa.array(list(fmt.missing), type=pa.string())
    which = pc.index_in(cells, value_set=markers).to_numpy(zero_copy_only=False)
    is_marker = ~np.isnan(which.astype(float))
    empty = pc.is_null(cells).to_numpy(zero_copy_only=False)
    ok = pc.fill_null(pc.match_substring_regex(cells, f"^(?:{number_pattern(fmt)})$"), False)
    plain = cells
    if fmt.thousands is not None:
        plain = pc.replace_substring(plain, fmt.thousands, "")
    if fmt.decimal == ",":
        plain = pc.replace_substring(plain, ",", ".")
    values = pc.cast(pc.if_else(ok, plain, pa.scalar(None, pa.string())), pa.float64()).to_numpy(
        zero_copy_only=False).astype("float64", copy=True)
    status = np.full(len(raw), "A", dtype=object)
    statuses = np.array(list(fmt.missing.values()), dtype=object)
    status[is_marker] = statuses[which[is_marker].astype(int)]
    bad = ~(ok.to_numpy(zero_copy_only=False) | is_marker | empty)
    return values, status, bad


def _checked(raw: pd.Series, values: np.ndarray, status: np.ndarray, bad: np.ndarray, *, file: str,
             rows: np.ndarray, columns: Sequence[object], sheet: str | None, allow_negative: bool,
             fmt: Numbers) -> tuple[np.ndarray, np.ndarray]:
    """Refuse bad and negative cells (naming the first), then mark blanks missing."""
    if (np.isinf(values) & ~bad).any():
        bad |= np.isinf(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        markers = ", ".join(repr(m) for m in fmt.missing)
        raise InputError(f"{int(bad.sum())} cell(s) do not read as numbers under the declared format "
                         f"({describe(fmt)}) and are not missing markers ({markers}); first: {raw.iloc[i]!r}",
                         file=file, row=int(rows[i]), column=str(columns[i]), sheet=sheet)
    if not allow_negative:
        neg = values < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise InputError(f"{int(neg.sum())} negative count(s); first: {values[i]:g}", file=file,
                             row=int(rows[i]), column=str(columns[i]), sheet=sheet)
    values += 0.0  # '-0' is a zero
    blank = np.isnan(values) & (status == "A")  # an empty cell (None, NaN, a null in Parquet)
    status[blank] = fmt.missing.get("", "O")
    return values, status
