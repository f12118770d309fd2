"""UNHCR refugees and asylum-seekers by origin and country of asylum (tidied CSV).

Layout: ``year,orig,dest,refugees,asylum_seekers`` with ISO alpha-3 codes (UNHCR's own codes for a
few non-ISO entries, mapped through the alias table). Country of asylum = ``REF_AREA``, origin =
``COUNTERPART_AREA``; end-of-year counts (OBS_STATUS A, UNHCR registers and government figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corridor.reference.areas import resolve_iso3
from corridor.sources.cells import check_header, check_unique, parse_cells
from corridor.sources.layouts import Parsed, layout, only_file
from corridor.sources.readers import read_csv_text

COLUMNS = ["year", "orig", "dest", "refugees", "asylum_seekers"]
DATAFLOWS = {"refugees": "REFUGEES", "asylum_seekers": "ASYLUM_SEEKERS"}


@layout("unhcr-refugees")
def read(files: list[Path]) -> Parsed:
    path = only_file(files, "unhcr-refugees")
    name = path.name
    table = read_csv_text(path)
    check_header(list(table.columns), COLUMNS, file=name, row=1)
    table["_row"] = np.arange(2, len(table) + 2)
    check_unique(table, ["year", "orig", "dest"], file=name)
    years, _ = parse_cells(table["year"], file=name, rows=table["_row"], columns=["year"] * len(table))
    codes = resolve_iso3(pd.concat([table["orig"], table["dest"]]).str.strip().unique(), file=name,
                         column="orig/dest", source="unhcr")
    frames = []
    for column, dataflow in DATAFLOWS.items():
        values, status = parse_cells(table[column], file=name, rows=table["_row"],
                                     columns=[column] * len(table))
        frames.append(pd.DataFrame({
            "dataflow": dataflow,
            "ref_area": table["dest"].str.strip().map(codes),
            "counterpart_area": table["orig"].str.strip().map(codes),
            "time_period": years.astype(int).astype(str),
            "value": values, "obs_status": status,
        }))
    obs = pd.concat(frames, ignore_index=True)
    return Parsed(obs, notes="end-of-year figures; ISO alpha-3 codes mapped to M49")
