"""Plain CSV: one row per observation, lower-case column names as in the warehouse (docs/data-model.md),
the names of the areas, and the source and licence of every row so that a downloaded file carries
its provenance.

Text cells are neutralised against formula injection (OWASP, "CSV Injection"): a text cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so that a
spreadsheet shows it as text instead of running it. Numeric columns are left alone: ``-12.5`` in a
value column stays a number.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from corridor.publish.formats import BATCH, DataResult, FormatWriter, batches

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutral(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that starts like a formula prefixed by ``'`` (numeric columns as
    they are; a new frame when anything changes)."""
    out = frame
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        text = series.astype("string")
        if text.str.match(r"^[=+\-@\t\r]", na=False).any():
            if out is frame:
                out = frame.copy()
            out[column] = series.map(_neutral)
    return out


_RENAME = {"OBS_VALUE": "value", "OBS_METHOD": "method"}


def table(result: DataResult) -> pd.DataFrame:
    """The observations with readable names and provenance columns (used by csv and json)."""
    frame = result.frame.rename(columns={"SOURCE": "SERIES"})  # the key's SOURCE: the series id
    area_names = result.catalog.codes["CL_AREA"]
    columns: list[str] = []
    for dim in result.flow.dimensions:
        columns.append(dim.id)
        if dim.codelist == "AREA":
            frame[f"{dim.id}_NAME"] = frame[dim.id].map(area_names)
            columns.append(f"{dim.id}_NAME")
    columns.append("SERIES")
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


def chunks(result: DataResult) -> Iterator[str]:
    """The table :data:`~corridor.publish.formats.BATCH` rows at a time (the header with the first)."""
    frame = table(result)
    for start in batches(len(frame)) or range(1):
        part = neutralise(frame.iloc[start:start + BATCH])
        yield part.to_csv(index=False, header=start == 0, lineterminator="\n")


def write(result: DataResult) -> str:
    return "".join(chunks(result))


WRITER = FormatWriter(id="csv", media_type="text/csv", extension="csv", write=write,
                      aliases=(), description="plain CSV with names, source and licence", stream=chunks)
