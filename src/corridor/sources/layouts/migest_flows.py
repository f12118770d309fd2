"""Abel (2018) estimated migration flows between 9 world regions, as shipped in the R package migest.

Layout ``migest-reg-flow`` (migest ``inst/imr/reg_flow.csv``): a CSV with the columns
``year0,orig_reg,dest_reg,flow``; one row per origin region x destination region x 5-year period,
``year0`` the first year of the period (1960, 1965, ..., 2010), ``flow`` the number of people who
moved from ``orig_reg`` to ``dest_reg`` during the period. The diagonal (``Africa -> Africa``) holds
moves *between countries of the same region* and is part of the published world total.

The figures are Abel's *minimum migration* estimates (flows from changes in bilateral stocks, closed
demographic accounting with the stayer assumption): Abel, G. J. (2018), "Estimates of Global
Bilateral Migration Flows by Gender between 1960 and 2015", International Migration Review 52(3),
809-852, https://doi.org/10.1177/0197918317749208. They are published estimates, so they are stored
as they are with ``OBS_STATUS = E`` and ``method = abel2018_min``.

Regions: Abel's 9 regions are not UN M49 regions ("Eastern Europe & Central Asia" cuts across M49
Europe and Asia) and the file gives only their labels, so they get explicit project codes ``ABEL_*`` listed in
:data:`REGION_CODES` (and in ``docs/sources-worldbank-rpw-wdi-migest.md``). A label outside that table
is an error; nothing is matched approximately.

Mapping: ``ref_area`` = destination region, ``counterpart_area`` = origin region, ``time_period`` =
``<year0>-<year0+5>`` (mid-year to mid-year), ``unit_measure = PS``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.sources.cells import check_header, check_unique, parse_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

LAYOUT_ID = "migest-reg-flow"
METHOD = "abel2018_min"
HEADER = ["year0", "orig_reg", "dest_reg", "flow"]
PERIOD_YEARS = 5

#: Abel (2018) region label -> project area code (not M49: these groupings have no M49 equivalent).
REGION_CODES: dict[str, str] = {
    "Africa": "ABEL_AFRICA",
    "Eastern Asia": "ABEL_EASTERN_ASIA",
    "Eastern Europe & Central Asia": "ABEL_EASTERN_EUROPE_CENTRAL_ASIA",
    "Europe": "ABEL_EUROPE",
    "Latin America & Caribbean": "ABEL_LATIN_AMERICA_CARIBBEAN",
    "Northern America": "ABEL_NORTHERN_AMERICA",
    "Oceania": "ABEL_OCEANIA",
    "Southern Asia": "ABEL_SOUTHERN_ASIA",
    "Western Asia": "ABEL_WESTERN_ASIA",
}


@layout(LAYOUT_ID)
def read(files: list[Path]) -> Parsed:
    """Read Abel's regional flow table into ``MIG_FLOW`` observations (see the module docstring)."""
    path = only_file(files, LAYOUT_ID)
    name = path.name
    table = read_csv_text(path, skip_blank_lines=False)
    check_header(list(table.columns), HEADER, file=name, row=1)
    if table.shape[1] != len(HEADER):
        raise InputError(f"{table.shape[1]} columns, expected exactly {len(HEADER)} ({','.join(HEADER)})",
                         file=name, row=1)
    if table.empty:
        raise InputError("no data rows after the header", file=name, row=2)
    table["_row"] = np.arange(2, len(table) + 2)  # line numbers as a person counts them
    _check_field_counts(path, len(HEADER))

    year0 = table["year0"].str.strip()
    bad_year = ~year0.str.fullmatch(r"(19|20)\d\d")
    if bad_year.any():
        i = int(np.flatnonzero(bad_year.to_numpy())[0])
        raise InputError(f"year0 {table['year0'].iloc[i]!r} is not a year", file=name,
                         row=int(table["_row"].iloc[i]), column="year0")
    start = year0.astype(int)
    table["time_period"] = start.astype(str) + "-" + (start + PERIOD_YEARS).astype(str)

    for column in ("orig_reg", "dest_reg"):
        labels = table[column].str.strip()
        unknown = ~labels.isin(REGION_CODES)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(
                f"{labels[unknown].nunique()} region label(s) not among Abel's 9 regions, first "
                f"{table[column].iloc[i]!r}; known: {', '.join(REGION_CODES)}",
                file=name, row=int(table["_row"].iloc[i]), column=column,
            )
        table[column] = labels
    check_unique(table, ["year0", "orig_reg", "dest_reg"], file=name)

    _check_all_pairs(table, name)

    blank = table["flow"].str.strip() == ""
    if blank.any():  # Abel's table has a number in every cell: an empty one means a damaged line
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError("empty flow; this layout has a number in every row (truncated or edited line?)",
                         file=name, row=int(table["_row"].iloc[i]), column="flow")
    values, status = parse_cells(table["flow"], file=name, rows=table["_row"], columns=["flow"] * len(table),
                                 status="E")
    obs = pd.DataFrame({
        "dataflow": "MIG_FLOW",
        "ref_area": table["dest_reg"].map(REGION_CODES).to_numpy(),
        "counterpart_area": table["orig_reg"].map(REGION_CODES).to_numpy(),
        "time_period": table["time_period"].to_numpy(),
        "value": values.to_numpy(),
        "obs_status": status.to_numpy(),
        "unit_measure": "PS",
        "method": METHOD,
    })
    periods = sorted(table["time_period"].unique())
    return Parsed(obs, notes=(
        f"Abel (2018) minimum-migration flows between 9 regions (project codes ABEL_*), "
        f"{len(periods)} periods {periods[0]} ... {periods[-1]}; published estimates (OBS_STATUS E); "
        "the diagonal is movement between countries of the same region"))


def _check_field_counts(path: Path, expected: int) -> None:
    """Every line must have the header's number of fields: a short line is a truncated line, not a
    missing cell (pandas would quietly pad it with blanks)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        for fields in reader:
            if len(fields) != expected:
                raise InputError(
                    f"{len(fields)} field(s) on this line, expected {expected} (truncated or edited line?)",
                    file=path.name, row=reader.line_num,
                    column=HEADER[len(fields)] if len(fields) < expected else None,
                )


def _check_all_pairs(table: pd.DataFrame, name: str) -> None:
    """Abel publishes every origin x destination pair for every period; a missing pair means lost rows."""
    n_regions = len(REGION_CODES)
    counts = table.groupby("time_period").size()
    short = counts[counts != n_regions * n_regions]
    if not short.empty:
        period = short.index[0]
        seen = set(zip(*(table.loc[table["time_period"] == period, c] for c in ("orig_reg", "dest_reg")),
                       strict=True))
        lost = [f"{o} -> {d}" for o in REGION_CODES for d in REGION_CODES if (o, d) not in seen]
        raise InputError(
            f"period {period} has {int(short.iloc[0])} origin-destination rows, expected "
            f"{n_regions * n_regions} (9 x 9); missing: {'; '.join(lost[:5]) or 'none'} (truncated file?)",
            file=name, column="year0",
        )
