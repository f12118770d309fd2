"""World Development Indicators, one indicator in the World Bank's bulk CSV (``API_<code>_DS2_en_csv``).

Layout ``wb-wdi-indicator``:

* UTF-8 with a byte-order mark. Four preamble lines: ``"Data Source","World Development Indicators",``,
  a blank line, ``"Last Updated Date","YYYY-MM-DD",``, a blank line;
* line 5 is the header ``Country Name, Country Code, Indicator Name, Indicator Code``, then one column
  per year (``1960`` ... ``2020``, consecutive), and an empty trailing column (every line ends with a comma);
* one line per economy or aggregate; an empty cell is a year without data (kept missing, ``OBS_STATUS O``).

``Country Code`` is an ISO 3166 alpha-3 code or a World Bank code (``CHI`` Channel Islands, ``XKX``
Kosovo; aggregates ``WLD`` World, ``EUU``, ``HIC``, ``SSF``...). Codes are resolved only through
:func:`corridor.reference.areas.resolve_iso3` with the World Bank code table (``codes_worldbank.csv``):
``WLD`` -> 900 (the one aggregate with an M49 equivalent), the other aggregates -> the explicit project
codes ``WB_<code>`` that :mod:`corridor.reference` defines (kind ``group``; composition as the World Bank
defines it). A code the table does not know is an error listing every unknown code — nothing is dropped
silently. ``Country Name`` is cross-checked against the ``worldbank_wdi`` alias table, so a file whose
name and code columns disagree is refused.

Indicators this layout reads (:data:`INDICATORS`): ``BM.TRF.PWKR.CD.DT``, "Personal remittances, paid
(current US$)" -> dataflow ``REMIT_PAID``, ``unit_measure = USD``, ``unit_mult = 0``. The figures are
balance-of-payments data the World Bank compiles from IMF statistics (IMF BPM6 items "personal
transfers" and "compensation of employees", debit); stored as published, ``OBS_STATUS = A``,
``ref_area`` = the paying economy, ``counterpart_area = _T`` (to all countries), ``time_period = YYYY``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.sources.cells import (
    check_header,
    check_unique,
    codes_agreeing_with_names,
    column_letter,
    parse_cells,
    wide_cells,
)
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

LAYOUT_ID = "wb-wdi-indicator"
CODE_SOURCE = "worldbank"
NAME_SOURCE = "worldbank_wdi"
PREAMBLE_LINES = 4
HEADER_LINE = PREAMBLE_LINES + 1
NAME, CODE, IND_NAME, IND_CODE = "Country Name", "Country Code", "Indicator Name", "Indicator Code"
HEADER = [NAME, CODE, IND_NAME, IND_CODE]
#: Indicator code -> (dataflow, unit_measure, unit_mult).
INDICATORS: dict[str, tuple[str, str, int]] = {
    "BM.TRF.PWKR.CD.DT": ("REMIT_PAID", "USD", 0),
}


@layout(LAYOUT_ID)
def read(files: list[Path]) -> Parsed:
    """Read one WDI bulk CSV as observation rows of its indicator's dataflow (see the module docstring)."""
    path = only_file(files, LAYOUT_ID)
    name = path.name
    table = read_csv_text(path, skiprows=PREAMBLE_LINES, skip_blank_lines=False)
    updated = _check_preamble(path)
    headers = [str(c).strip() for c in table.columns]
    check_header(headers, HEADER, file=name, row=HEADER_LINE)
    years, trailing = _year_columns(headers, name)
    table.columns = headers
    _check_field_counts(path, headers)
    table["_row"] = np.arange(HEADER_LINE + 1, HEADER_LINE + 1 + len(table))
    if table.empty:
        raise InputError("no data lines after the header", file=name, row=HEADER_LINE + 1)
    for column in trailing:
        filled = table[column].str.strip() != ""
        if filled.any():
            i = int(np.flatnonzero(filled.to_numpy())[0])
            raise InputError("a value in the untitled last column (shifted line?)", file=name,
                             row=int(table["_row"].iloc[i]), column=column_letter(headers.index(column)))
    for column in (CODE, IND_CODE):
        table[column] = table[column].str.strip()
        empty = table[column] == ""
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise InputError(f"empty {column}", file=name, row=int(table["_row"].iloc[i]), column=column)
    unknown = ~table[IND_CODE].isin(INDICATORS)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"indicator {table[IND_CODE].iloc[i]!r} is not one this layout reads ({', '.join(INDICATORS)})",
            file=name, row=int(table["_row"].iloc[i]), column=IND_CODE,
        )
    check_unique(table, [IND_CODE, CODE], file=name)
    areas = _areas(table, name)

    cells = wide_cells(table, years)  # year after year, as melt would give them
    values, status = parse_cells(cells.raw, file=name, rows=cells.by_row(table["_row"]),
                                 columns=cells.by_column(years), status="A")
    dataflow, unit, mult = (table[IND_CODE].map({k: v[i] for k, v in INDICATORS.items()}) for i in range(3))
    obs = pd.DataFrame({
        "dataflow": cells.by_row(dataflow),
        "ref_area": cells.by_row(table[CODE].map(areas)),
        "counterpart_area": "_T",
        "time_period": cells.by_column(years),
        "value": values.to_numpy(),
        "obs_status": status.to_numpy(),
        "unit_measure": cells.by_row(unit),
        "unit_mult": cells.by_row(mult),
        "method": "published",
    })
    groups = sorted(c for c in table[CODE].unique() if areas[c].startswith("WB_"))
    notes = (
        f"WDI {', '.join(sorted(table[IND_CODE].unique()))}, {years[0]}-{years[-1]}, {len(table)} lines: "
        f"{len(table) - len(groups)} economies or M49 areas (WLD -> 900) and {len(groups)} World Bank "
        f"aggregates as WB_* codes; empty cells kept missing (O); last updated {updated}"
    )
    return Parsed(obs, notes=notes)


def _check_preamble(path: Path) -> str:
    """The four lines before the header: data source and last-updated date. Returns the date."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = [row for _, row in zip(range(PREAMBLE_LINES), csv.reader(fh), strict=False)]
    lines += [[]] * (PREAMBLE_LINES - len(lines))
    expect = {1: ("Data Source", "World Development Indicators"), 3: ("Last Updated Date", None)}
    for line_no, (label, value) in expect.items():
        row = lines[line_no - 1]
        got = row[0].strip() if row else ""
        if got != label:
            raise InputError(
                f"expected {label!r} as the WDI preamble, found {got!r} — is this a WDI bulk CSV?",
                file=path.name, row=line_no, column="A",
            )
        if value is not None and (len(row) < 2 or row[1].strip() != value):
            raise InputError(f"the data source is {row[1] if len(row) > 1 else ''!r}, not {value!r}",
                             file=path.name, row=line_no, column="B")
    for line_no in (2, 4):
        if any(cell.strip() for cell in lines[line_no - 1]):
            raise InputError("expected a blank line in the WDI preamble", file=path.name, row=line_no)
    updated = lines[2][1].strip() if len(lines[2]) > 1 else ""
    return updated or "(not stated)"


def _year_columns(headers: list[str], name: str) -> tuple[list[str], list[str]]:
    """The consecutive year columns after the fixed ones, and the untitled trailing column(s)."""
    years: list[str] = []
    trailing: list[str] = []
    for j, header in enumerate(headers[len(HEADER):], start=len(HEADER)):
        untitled = header == "" or header.startswith("Unnamed:")
        if untitled and j == len(headers) - 1:
            trailing.append(header)
            continue
        if not (header.isdigit() and len(header) == 4):
            raise InputError(f"column header {header!r} is not a year", file=name, row=HEADER_LINE,
                             column=column_letter(j))
        if years and int(header) != int(years[-1]) + 1:
            raise InputError(f"year {header} follows {years[-1]}: the year columns must be consecutive",
                             file=name, row=HEADER_LINE, column=column_letter(j))
        years.append(header)
    if not years:
        raise InputError("no year columns after the four fixed columns", file=name, row=HEADER_LINE)
    return years, trailing


def _check_field_counts(path: Path, headers: list[str]) -> None:
    """From the header on, every line has the header's number of fields: a short line is a truncated
    line, not empty cells, although pandas would quietly pad it with blanks."""
    expected = len(headers)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for fields in reader:
            if reader.line_num < HEADER_LINE or not fields:
                continue
            if len(fields) != expected:
                raise InputError(
                    f"{len(fields)} field(s) on this line, expected {expected} (truncated or edited line?)",
                    file=path.name, row=reader.line_num,
                    column=headers[len(fields)] if len(fields) < expected else None,
                )


def _areas(table: pd.DataFrame, name: str) -> dict[str, str]:
    """Area codes from ``Country Code``, cross-checked with ``Country Name`` (misaligned columns)."""
    return codes_agreeing_with_names(table, code_col=CODE, name_col=NAME, file=name,
                                     code_source=CODE_SOURCE, name_source=NAME_SOURCE)


