"""Plain CSV: one row per observation, lower-case column names as in the warehouse (docs/data-model.md),
the names of the areas, and the source and licence of every row so that a downloaded file carries
its provenance.
"""

from __future__ import annotations

import pandas as pd

from corridor.publish.formats import DataResult, FormatWriter

_RENAME = {"OBS_VALUE": "value", "OBS_METHOD": "method"}


def table(result: DataResult) -> pd.DataFrame:
    """The observations with readable names and provenance columns (used by csv and json)."""
    frame = result.frame.copy()
    area_names = result.catalog.codes["CL_AREA"]
    columns: list[str] = []
    for dim in result.flow.dimensions:
        columns.append(dim.id)
        if dim.codelist == "AREA":
            frame[f"{dim.id}_NAME"] = frame[dim.id].map(area_names)
            columns.append(f"{dim.id}_NAME")
    if "METHOD" in columns and "OBS_METHOD" in frame.columns:  # MIG_FLOW: the method is a dimension
        frame = frame.drop(columns=["OBS_METHOD"])
    rest = [c for c in frame.columns if c not in columns and not c.endswith("_NAME")]
    frame = frame[columns + rest]

    def meta(field: str) -> pd.Series:
        return frame["DATASET_ID"].map(lambda ds: result.datasets.get(ds, {}).get(field))

    frame["SOURCE"] = meta("publisher").fillna("") + ": " + meta("title").fillna("")
    frame["LICENCE"] = meta("licence")
    frame["VINTAGE"] = meta("vintage")
    frame["CONCEPT"] = meta("concept")
    return frame.rename(columns=lambda c: _RENAME.get(c, c).lower())


def write(result: DataResult) -> str:
    return table(result).to_csv(index=False, lineterminator="\n")


WRITER = FormatWriter(id="csv", media_type="text/csv", extension="csv", write=write,
                      aliases=(), description="plain CSV with names, source and licence")
