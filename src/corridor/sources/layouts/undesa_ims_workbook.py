"""UN DESA International Migrant Stock workbooks by destination (IMS 2019 totals, IMS 2020).

Both editions publish the same tables in slightly different places:

* Table 1 — international migrant stock at mid-year by sex (persons)      -> ``MIG_STOCK``
* Table 2 — total population at mid-year by sex (thousands)               -> ``POP`` (unit_mult 3)
* Table 3 — migrant stock as a percentage of the total population         -> ``MIG_SHARE`` (percent)

Each sheet has a title row naming the sex blocks (both sexes / male / female), a row of years, then one
row per area with its M49 code ("Code" / "Location code") and UN DESA's "Type of data": ``B`` counts of
foreign-born, ``C`` of foreign citizens, ``R`` refugees added, ``I`` imputed (no data for the country).
The M49 code is taken from the workbook; rows without a code are headings and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import area_table
from corridor.sources.cells import check_header, parse_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import open_workbook, sheet_rows


@dataclass(frozen=True)
class Edition:
    """Where an edition keeps things (1-based spreadsheet rows)."""

    block_row: int     # row naming the sex blocks
    year_row: int      # row holding the years
    first_data_row: int
    header_row: int    # row with the fixed column headers
    header: tuple[str, ...]


IMS_2019 = Edition(block_row=15, year_row=16, first_data_row=17, header_row=15,
                   header=("Sort\norder", "Major area, region, country or area of destination", "Notes",
                           "Code"))
IMS_2020 = Edition(block_row=8, year_row=11, first_data_row=12, header_row=11,
                   header=("", "Region, development group, country or area", "Notes",
                           "Location code"))

TABLES = {  # sheet -> (dataflow, unit_measure, unit_mult, phrase the sheet's title must contain)
    "Table 1": ("MIG_STOCK", "PS", 0, "international migrant stock at mid-year"),
    "Table 2": ("POP", "PS", 3, "total population at mid-year"),
    "Table 3": ("MIG_SHARE", "PT", 0, "as a percentage of the total population"),
}

TYPE_OF_DATA = {"B": "foreign_born", "C": "foreign_citizen"}


def _basis(raw: object) -> tuple[str | None, bool]:
    """UN DESA 'type of data' -> (concept basis, imputed?)."""
    parts = str(raw or "").replace(",", " ").split()
    basis = "+".join(TYPE_OF_DATA[p] for p in parts if p in TYPE_OF_DATA) or None
    if basis and "R" in parts:
        basis += "+refugees"
    return basis, "I" in parts


def _sex_blocks(row: tuple, *, file: str, sheet: str, row_no: int) -> list[tuple[int, str]]:
    blocks = []
    for i, cell in enumerate(row):
        text = str(cell or "").lower()
        if "female" in text:
            blocks.append((i, "F"))
        elif "male" in text:
            blocks.append((i, "M"))
        elif "both sexes" in text:
            blocks.append((i, "_T"))
    if [s for _, s in blocks] != ["_T", "M", "F"]:
        raise InputError("expected three sex blocks (both sexes, male, female) in this row",
                         file=file, sheet=sheet, row=row_no)
    return blocks


def read_edition(path: Path, edition: Edition) -> Parsed:
    name = path.name
    wb = open_workbook(path)
    known = set(area_table()["m49"].astype(str))
    frames = []
    for sheet, (dataflow, unit, mult, phrase) in TABLES.items():
        rows = sheet_rows(wb, sheet, file=name)
        title = " ".join(str(c) for r in rows[: edition.header_row] for c in r if c).lower()
        if phrase not in title:
            raise InputError(f"the sheet's title does not mention {phrase!r}: not the expected table",
                             file=name, sheet=sheet)
        header = tuple("" if c is None else str(c) for c in rows[edition.header_row - 1][:5])
        check_header(header, edition.header, file=name, row=edition.header_row, sheet=sheet)
        # IMS 2019 Table 2 has no "Type of data" column; the others have it in column E.
        type_col = 4 if header[4].lower().startswith("type of data") else None
        blocks = _sex_blocks(rows[edition.block_row - 1], file=name, sheet=sheet, row_no=edition.block_row)
        years = rows[edition.year_row - 1]
        cells, row_nos, cols, codes, sexes, periods, statuses, bases = [], [], [], [], [], [], [], []
        width = blocks[1][0] - blocks[0][0]
        for r_i, row in enumerate(rows[edition.first_data_row - 1:], start=edition.first_data_row):
            code = row[3] if len(row) > 3 else None
            if code is None or str(code).strip() == "":
                continue
            try:
                code = str(int(code))
            except (TypeError, ValueError):
                raise InputError(f"location code {code!r} is not an M49 number", file=name,
                                 sheet=sheet, row=r_i, column="D") from None
            if code not in known:
                raise InputError(f"location code {code} ({row[1]!s}) is not in the M49 codelist",
                                 file=name, sheet=sheet, row=r_i, column="D")
            basis, imputed = _basis(row[type_col] if type_col is not None else None)
            for start, sex in blocks:
                for j in range(start, start + width):
                    year = years[j]
                    if year is None:
                        continue
                    cells.append(row[j] if j < len(row) else None)
                    row_nos.append(r_i)
                    cols.append(f"{sex} {year}")
                    codes.append(code)
                    sexes.append(sex)
                    periods.append(str(int(year)))
                    statuses.append("I" if imputed else "E")
                    bases.append(basis)
        values, status = parse_cells(pd.Series(cells, dtype=object), file=name, rows=row_nos,
                                     columns=cols, status=pd.Series(statuses), sheet=sheet)
        frames.append(pd.DataFrame({
            "dataflow": dataflow, "ref_area": codes, "sex": sexes, "time_period": periods,
            "value": values.to_numpy(), "obs_status": status.to_numpy(),
            "unit_measure": unit, "unit_mult": mult,
            "basis": bases if dataflow == "MIG_STOCK" else None,
        }))
    obs = pd.concat(frames, ignore_index=True)
    # IMS 2019 lists Oceania (909) twice, as an SDG region and as a continent, with the same figures:
    # identical repeats are kept once; a code repeated with different figures is an error.
    obs = obs.drop_duplicates(["dataflow", "ref_area", "sex", "time_period", "value", "obs_status"])
    dup = obs.duplicated(["dataflow", "ref_area", "sex", "time_period"])
    if dup.any():
        first = obs.loc[dup].iloc[0]
        raise InputError(f"area {first['ref_area']} appears twice in {first['dataflow']}", file=name)
    return Parsed(obs, notes="Tables 1-3; population in thousands (UNIT_MULT 3); "
                             "type of data kept per observation in `basis`; 'I' -> OBS_STATUS I")


@layout("undesa-ims-2019-totals")
def read_2019(files: list[Path]) -> Parsed:
    path = only_file(files, "undesa-ims-2019-totals")
    return read_edition(path, IMS_2019)


@layout("undesa-ims-2020-destination")
def read_2020(files: list[Path]) -> Parsed:
    path = only_file(files, "undesa-ims-2020-destination")
    return read_edition(path, IMS_2020)
