"""World Bank Remittance Prices Worldwide (RPW), corridor costs, as a DataBank CSV export.

Layout ``wb-rpw-databank``: the CSV that World Bank DataBank writes for the database "Remittance
Prices Worldwide (Corridors)" with countries down and quarters across:

* UTF-8 with a byte-order mark; line 1 is the header ``Sending Countries Name, Sending Countries Code,
  Series Name, Series Code, Receiving Countries Name, Receiving Countries Code`` (DataBank writes two
  spaces in ``Receiving Countries  Name``; runs of spaces are read as one), then one column per quarter
  headed ``2011Q1 [YR2011Q1]`` (quarters are not contiguous: RPW was half-yearly until 2013);
* one line per sending x receiving corridor that has any data (not the full cross product);
* ``..`` marks a quarter without a survey (kept missing, ``OBS_STATUS = O``);
* a footer: blank lines (all fields empty), then ``Data from database: ...`` and ``Last Updated: ...``.
  The footer is recognised by its content, not by counting lines, and it is *required*: a DataBank
  export always ends with it, so a file without it is treated as truncated (an error naming the last
  line) rather than read short.

The one series read is ``ATCR.CORR``, "Average Total Cost to remit in corridor": the average, over the
providers surveyed in the corridor that quarter, of the total cost of sending the equivalent of USD 200,
in percent of the amount sent (fee + exchange-rate margin; SDG indicator 10.c.1). Method: World Bank,
*Remittance Prices Worldwide* methodology, https://remittanceprices.worldbank.org/. Averages can be
negative where the exchange-rate margin is negative (a customer rate better than the interbank rate);
RPW publishes such values and they are kept as published (counted in the notes).

Mapping: ``dataflow = REMIT_COST``, ``ref_area`` = receiving country, ``counterpart_area`` = sending
country (both from the ISO alpha-3 code columns through :func:`corridor.reference.areas.resolve_iso3`
with the World Bank code table, which adds ``KSV`` Kosovo and ``ANT`` Netherlands Antilles; the name
columns are cross-checked against the ``worldbank_rpw`` alias table), ``time_period = 2011-Q1``,
``unit_measure = PT``, ``OBS_STATUS = A``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.sources.cells import (
    check_header,
    check_unique,
    codes_agreeing_with_names,
    parse_cells,
    wide_cells,
)
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

LAYOUT_ID = "wb-rpw-databank"
CODE_SOURCE = "worldbank"
NAME_SOURCE = "worldbank_rpw"
SEND_NAME, SEND_CODE = "Sending Countries Name", "Sending Countries Code"
SERIES_NAME, SERIES_CODE = "Series Name", "Series Code"
RECV_NAME, RECV_CODE = "Receiving Countries Name", "Receiving Countries Code"
HEADER = [SEND_NAME, SEND_CODE, SERIES_NAME, SERIES_CODE, RECV_NAME, RECV_CODE]
#: Series this layout knows -> (dataflow, unit_measure).
SERIES = {"ATCR.CORR": ("REMIT_COST", "PT")}
QUARTER = re.compile(r"^(\d{4})Q([1-4]) \[YR\1Q\2\]$")
FOOTER_LABELS = ("Data from database:", "Last Updated:")


@layout(LAYOUT_ID)
def read(files: list[Path]) -> Parsed:
    """Read an RPW DataBank export into ``REMIT_COST`` observations (see the module docstring)."""
    path = only_file(files, LAYOUT_ID)
    name = path.name
    table = read_csv_text(path, skip_blank_lines=False)
    table.columns = [" ".join(str(c).split()) for c in table.columns]
    check_header(list(table.columns), HEADER, file=name, row=1)
    periods = _period_columns(list(table.columns[len(HEADER):]), name)
    _check_field_counts(path, list(table.columns))
    table["_row"] = np.arange(2, len(table) + 2)  # line numbers as a person counts them

    body, footer = _split_footer(table, name)
    if body.empty:
        raise InputError("no data lines between the header and the footer", file=name, row=2)
    for column in (SEND_CODE, RECV_CODE, SERIES_CODE):
        _require_filled(body, column, name)
    series = body[SERIES_CODE].str.strip()
    unknown = ~series.isin(SERIES)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(f"series {series.iloc[i]!r} is not one this layout reads ({', '.join(SERIES)})",
                         file=name, row=int(body["_row"].iloc[i]), column=SERIES_CODE)
    for column in (SEND_CODE, RECV_CODE):
        body[column] = body[column].str.strip()
    check_unique(body, [SERIES_CODE, SEND_CODE, RECV_CODE], file=name)

    send = _areas(body, SEND_CODE, SEND_NAME, name)
    recv = _areas(body, RECV_CODE, RECV_NAME, name)
    cells = wide_cells(body, list(periods))  # quarter after quarter, as melt would give them
    values, status = parse_cells(cells.raw, file=name, rows=cells.by_row(body["_row"]),
                                 columns=cells.by_column(list(periods)), status="A", allow_negative=True)
    series_code = body[SERIES_CODE].str.strip()
    obs = pd.DataFrame({
        "dataflow": cells.by_row(series_code.map({k: v[0] for k, v in SERIES.items()})),
        "ref_area": cells.by_row(body[RECV_CODE].map(recv)),
        "counterpart_area": cells.by_row(body[SEND_CODE].map(send)),
        "time_period": cells.by_column(list(periods.values())),
        "value": values.to_numpy(),
        "obs_status": status.to_numpy(),
        "unit_measure": cells.by_row(series_code.map({k: v[1] for k, v in SERIES.items()})),
        "method": "published",
    })
    negative = int((obs["value"] < 0).sum())
    notes = [
        f"RPW average total cost of sending USD 200 (% of amount sent), {body[SEND_CODE].nunique()} "
        f"sending x {body[RECV_CODE].nunique()} receiving countries in {len(body)} corridors, "
        f"{min(periods.values())} ... {max(periods.values())}; '..' kept missing (O)",
        f"{negative} negative average(s) kept as published (negative exchange-rate margin)"
        if negative else "",
        *footer,
    ]
    return Parsed(obs, notes="; ".join(n for n in notes if n))


def _period_columns(headers: list[str], name: str) -> dict[str, str]:
    """``{"2011Q1 [YR2011Q1]": "2011-Q1", ...}``; any other header after the six fixed ones is an error."""
    if not headers:
        raise InputError("no quarter columns after the six fixed columns", file=name, row=1)
    out: dict[str, str] = {}
    for header in headers:
        m = QUARTER.match(header)
        if not m:
            raise InputError(f"column header {header!r} is not a DataBank quarter like '2011Q1 [YR2011Q1]'",
                             file=name, row=1, column=header)
        out[header] = f"{m.group(1)}-Q{m.group(2)}"
    return out


def _check_field_counts(path: Path, headers: list[str]) -> None:
    """Every line has the header's number of fields (DataBank pads even its footer lines): a short line
    is a truncated line, not missing cells, although pandas would quietly pad it with blanks."""
    expected = len(headers)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for fields in reader:
            if fields and len(fields) != expected:
                raise InputError(
                    f"{len(fields)} field(s) on this line, expected {expected} (truncated or edited line?)",
                    file=path.name, row=reader.line_num,
                    column=headers[len(fields)] if len(fields) < expected else None,
                )


def _split_footer(table: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Separate the data lines from DataBank's footer (trailing blank lines and labelled lines)."""
    cells = table.drop(columns="_row")
    blank = (cells.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()
    first = cells.iloc[:, 0].str.strip()
    labelled = (first.str.startswith(FOOTER_LABELS) & (cells.iloc[:, 1:] == "").all(axis=1)).to_numpy()
    end = len(table)
    while end > 0 and (blank[end - 1] or labelled[end - 1]):
        end -= 1
    footer = [first.iloc[i] for i in range(end, len(table)) if labelled[i]]
    if not any(f.startswith(FOOTER_LABELS[0]) for f in footer):
        raise InputError(
            "the file does not end with DataBank's footer ('Data from database: ...', 'Last Updated: ...'); "
            "an export always has it, so this file is probably truncated",
            file=name, row=int(table["_row"].iloc[-1]) if len(table) else 1,
        )
    body = table.iloc[:end].copy()
    inner = np.flatnonzero(blank[:end] | labelled[:end])
    if inner.size:
        raise InputError("blank or footer line inside the data (two exports pasted together?)", file=name,
                         row=int(body["_row"].iloc[inner[0]]))
    return body, footer


def _require_filled(body: pd.DataFrame, column: str, name: str) -> None:
    empty = body[column].str.strip() == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError(f"empty {column}", file=name, row=int(body["_row"].iloc[i]), column=column)


def _areas(body: pd.DataFrame, code_col: str, name_col: str, name: str) -> dict[str, str]:
    """Area codes from the alpha-3 column, cross-checked with the name column (misaligned columns)."""
    return codes_agreeing_with_names(body, code_col=code_col, name_col=name_col, file=name,
                                     code_source=CODE_SOURCE, name_source=NAME_SOURCE)
