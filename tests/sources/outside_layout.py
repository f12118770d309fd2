"""A layout defined outside the corridor package, as a user's or another project's module would be.

It reads a small bilateral table (``destination,origin,year,persons``, areas as M49 codes) with the same
cell rules as the built-in layouts, and is registered by the tests explicitly (:func:`register_here`)
or, written into a temporary distribution, through the ``corridor.layouts`` entry-point group.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.sources.cells import check_header, parse_cells
from corridor.sources.layouts import Parsed, only_file, register
from corridor.sources.readers import read_csv_text

LAYOUT_ID = "test-outside-bilateral"
HEADER = ["destination", "origin", "year", "persons"]


def read(files: list[Path]) -> Parsed:
    """Read ``destination,origin,year,persons`` rows into ``MIG_STOCK`` observations."""
    path = only_file(files, LAYOUT_ID)
    table = read_csv_text(path)
    check_header(list(table.columns), HEADER, file=path.name, row=1)
    rows = np.arange(2, len(table) + 2)
    values, status = parse_cells(table["persons"], file=path.name, rows=rows,
                                 columns=["persons"] * len(table), status="A")
    return Parsed(pd.DataFrame({
        "dataflow": "MIG_STOCK", "ref_area": table["destination"].str.strip(),
        "counterpart_area": table["origin"].str.strip(), "time_period": table["year"].str.strip(),
        "value": values.to_numpy(), "obs_status": status.to_numpy(),
    }), notes="outside layout (tests/sources/outside_layout.py)")


def register_here() -> None:
    """Register this module's layout explicitly (what a user's code does before ingesting)."""
    register(LAYOUT_ID, read)
