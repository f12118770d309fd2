"""World Bank (KNOMAD) bilateral matrices 2017: migrant stocks and remittances.

Layout: a title in A1; row 2 holds the column areas (``destination (across) / origin (down)`` or
``receiving (across) / sending (down)``) and A3 down the row areas; a ``World``/``WORLD`` row and
column are Excel ``=SUM(...)`` formulas; notes follow a blank row. Area names are World Bank names,
resolved through the explicit alias table. The ``World`` totals are written as the workbook's own
formula defines them (sum of the matrix), with ``method = workbook-sum``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.reference.areas import resolve_names
from corridor.sources.cells import check_header, parse_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import open_workbook, sheet_rows

ALIAS_SOURCE = "wb-bilateral-2017"
WORLD_LABELS = {"world"}


def read_matrix(path: Path, *, sheet: str, corner: str, dataflow: str, unit: str, mult: int,
                across_is_ref_area: bool) -> Parsed:
    """Read one bilateral matrix sheet as observation rows (zeros kept: the publisher wrote them)."""
    name = path.name
    rows = sheet_rows(open_workbook(path), sheet, file=name)
    if len(rows) < 3:
        raise InputError("the sheet has fewer than three rows", file=name, sheet=sheet)
    head = rows[1]
    check_header([head[0]], [corner], file=name, row=2, sheet=sheet, what="corner label")
    col_names: list[str] = []
    for cell in head[1:]:
        if cell is None or str(cell).strip().lower() in WORLD_LABELS:
            break
        col_names.append(str(cell).strip())
    body: list[tuple[int, tuple]] = []
    for r_i, row in enumerate(rows[2:], start=3):
        label = row[0]
        if label is None or str(label).strip().lower() in WORLD_LABELS:
            break
        body.append((r_i, row))
    row_names = [str(r[0]).strip() for _, r in body]
    col_codes = resolve_names(col_names, ALIAS_SOURCE, file=name, column="(row 2 headers)")
    row_codes = resolve_names(row_names, ALIAS_SOURCE, file=name, column="A")
    # The grid row after row (a short row padded with empty cells); labels spread by repeat/tile.
    width, pad = len(col_names), (None,) * len(col_names)
    grid = np.empty((len(body), width), dtype=object)
    for i, (_, row) in enumerate(body):
        grid[i] = (tuple(row[1:width + 1]) + pad)[:width]
    values, status = parse_cells(pd.Series(grid.ravel(), dtype=object), file=name,
                                 rows=np.repeat([r_i for r_i, _ in body], width),
                                 columns=np.tile(np.array(col_names, dtype=object), len(body)),
                                 status="E", sheet=sheet)
    across = pd.Series(np.tile(np.array([col_codes[c] for c in col_names], dtype=object), len(body)))
    down = pd.Series(np.repeat(np.array([row_codes[r] for r in row_names], dtype=object), width))
    ref, counterpart = (across, down) if across_is_ref_area else (down, across)
    obs = pd.DataFrame({
        "dataflow": dataflow, "ref_area": ref, "counterpart_area": counterpart,
        "time_period": "2017", "value": values, "obs_status": status,
        "unit_measure": unit, "unit_mult": mult, "method": "published",
    })
    # The same area can appear under two World Bank names only by mistake: refuse it.
    dup = obs.duplicated(["ref_area", "counterpart_area"])
    if dup.any():
        first = obs.loc[dup].iloc[0]
        raise InputError(f"two names map to the same pair {first['counterpart_area']}->{first['ref_area']}",
                         file=name, sheet=sheet)
    known = obs[obs["value"].notna()]
    world = pd.concat([
        known.groupby("ref_area", as_index=False)["value"].sum().assign(counterpart_area="900"),
        known.groupby("counterpart_area", as_index=False)["value"].sum().assign(ref_area="900"),
        pd.DataFrame({"ref_area": ["900"], "counterpart_area": ["900"], "value": [known["value"].sum()]}),
    ], ignore_index=True)
    world = world.assign(dataflow=dataflow, time_period="2017", obs_status="E", unit_measure=unit,
                         unit_mult=mult, method="workbook-sum")
    return Parsed(pd.concat([obs, world], ignore_index=True),
                  notes="World row/column recomputed as the workbook's =SUM formulas define them")


@layout("wb-bilateral-matrix")
def read_migration(files: list[Path]) -> Parsed:
    path = only_file(files, "wb-bilateral-matrix")
    return read_matrix(path, sheet="Bilateral_Migration_2017", corner="destination (across) / origin (down)",
                       dataflow="MIG_STOCK", unit="PS", mult=0, across_is_ref_area=True)


@layout("wb-bilateral-remittances")
def read_remittances(files: list[Path]) -> Parsed:
    path = only_file(files, "wb-bilateral-remittances")
    return read_matrix(path, sheet="Bilateral_Remittances_2017", corner="receiving (across) / sending (down)",
                       dataflow="REMIT", unit="USD", mult=6, across_is_ref_area=True)
