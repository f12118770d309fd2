"""Opening published files safely: text encodings and workbooks, with errors that name the file."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd

from corridor.errors import InputError

#: What openpyxl raises on a truncated or damaged workbook.
BROKEN_WORKBOOK = (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError, EOFError)


def read_csv_text(path: Path, *, sep: str = ",", skiprows: int = 0, encoding: str = "utf-8-sig",
                  **kwargs: object) -> pd.DataFrame:
    """Read a delimited text file as strings (nothing converted, nothing treated as NA)."""
    try:
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skiprows=skiprows,
                           encoding=encoding, **kwargs)
    except UnicodeDecodeError as exc:
        line = _line_of_offset(path, exc.start)
        raise InputError(
            f"not valid {encoding} text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8", file=path.name, row=line,
        ) from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot parse as delimited text: {exc}", file=path.name) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError("the file is empty", file=path.name) from exc


def _line_of_offset(path: Path, offset: int) -> int:
    with open(path, "rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def open_workbook(path: Path):  # -> openpyxl.Workbook
    """Open an .xlsx read-only, turning a truncated or corrupt file into an :class:`InputError`."""
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except BROKEN_WORKBOOK as exc:
        raise InputError(
            f"not a readable Excel workbook (truncated or corrupt?): {exc}", file=path.name
        ) from exc


def sheet_rows(workbook, sheet: str, *, file: str) -> list[tuple]:
    """All rows of a sheet as tuples; a missing sheet is an error listing the sheets there are."""
    if sheet not in workbook.sheetnames:
        raise InputError(
            f"no sheet {sheet!r}; the workbook has {', '.join(repr(s) for s in workbook.sheetnames)}",
            file=file,
        )
    try:
        return list(workbook[sheet].iter_rows(values_only=True))
    except BROKEN_WORKBOOK as exc:
        raise InputError(f"cannot read the sheet (corrupt workbook?): {exc}", file=file,
                         sheet=sheet) from exc
