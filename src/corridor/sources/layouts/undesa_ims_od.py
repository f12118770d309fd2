"""UN DESA International Migrant Stock, origin x destination, as a tidy CSV.

Layout (IMS 2019 clean CSV): columns ``Year``, ``Dest`` (UN name of the destination, including a few
region aggregates), then one column per origin (UN names). Cells are counts of persons at mid-year;
``..`` and ``-`` are missing (see :mod:`corridor.sources.cells`). Destination = ``REF_AREA``,
origin = ``COUNTERPART_AREA`` (place of birth, or of citizenship where the UN used citizenship).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import resolve_names
from corridor.sources.cells import check_header, check_unique, parse_cells, wide_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

ALIAS_SOURCE = "undesa-ims-2019-od"


@layout("undesa-ims-od")
def read(files: list[Path]) -> Parsed:
    path = only_file(files, "undesa-ims-od")
    name = path.name
    table = read_csv_text(path)
    check_header(list(table.columns[:2]), ["Year", "Dest"], file=name, row=1)
    if table.shape[1] < 3:
        raise InputError("no origin columns after Year, Dest", file=name, row=1)
    table["_row"] = np.arange(2, len(table) + 2)  # line numbers as a person counts them
    years = pd.to_numeric(table["Year"], errors="coerce")
    if years.isna().any():
        i = int(np.flatnonzero(years.isna().to_numpy())[0])
        raise InputError(f"year {table['Year'].iloc[i]!r} is not a year", file=name,
                         row=int(table["_row"].iloc[i]), column="Year")
    table["Year"] = years.astype(int).astype(str)
    check_unique(table, ["Year", "Dest"], file=name)
    origins = [c for c in table.columns if c not in ("Year", "Dest", "_row")]
    dest_codes = resolve_names(table["Dest"].str.strip(), ALIAS_SOURCE, file=name, column="Dest")
    origin_codes = resolve_names([o.strip() for o in origins], ALIAS_SOURCE, file=name,
                                 column="(origin headers)")
    cells = wide_cells(table, origins)  # origin after origin, as melt would give them
    values, status = parse_cells(cells.raw, file=name, rows=cells.by_row(table["_row"]),
                                 columns=cells.by_column(origins), status="E")
    obs = pd.DataFrame({
        "dataflow": "MIG_STOCK",
        "ref_area": cells.by_row(table["Dest"].str.strip().map(dest_codes)),
        "counterpart_area": cells.by_column([origin_codes[o.strip()] for o in origins]),
        "time_period": cells.by_row(table["Year"]),
        "value": values.to_numpy(),
        "obs_status": status.to_numpy(),
    })
    return Parsed(obs, notes="UN DESA estimates at mid-year (OBS_STATUS E); '..' -> O, '-' -> M")
