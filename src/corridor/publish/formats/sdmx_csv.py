"""SDMX-CSV 2.0 (SDMX 3.0 Section 3A "SDMX-CSV"), written by corridor, byte for byte what ``pysdmx``
writes from the dataflow's Schema (tests/publish_api/test_sdmx_csv_writer.py checks it on real answers).

Columns: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` (``CORRIDOR:MIG_STOCK(1.0)``), ``ACTION``
(``I``), the key dimensions, ``TIME_PERIOD``, ``OBS_VALUE`` and every attribute. A missing value is an
empty ``OBS_VALUE`` with ``OBS_STATUS`` saying why, as pysdmx writes it: a missing value of a
*required* component is ``NaN`` (numeric) or ``#N/A`` (text), of an optional one an empty cell. Text
cells that start like a spreadsheet formula are neutralised as in plain CSV
(:func:`corridor.publish.formats.csv.neutralise`).

Why not pysdmx itself: it copies the frame, converts every cell through ``apply`` per column, casts
through Arrow strings and has pandas write the CSV -- a fixed cost of about 10 ms even for eight rows
(issue 11, item 7: "most of it is pysdmx writing SDMX-CSV"); here the cells go straight from the
columns' values to the ``csv`` module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pandas as pd
from pysdmx.io.format import Format
from pysdmx.model import DataType, Role

from corridor.publish.formats import BATCH, DataResult, FormatWriter, batches
from corridor.publish.formats.csv import FORMULA_START
from corridor.publish.structures import AGENCY, VERSION

#: pysdmx's numeric data types (their required missing cells are written ``NaN``, others ``#N/A``).
NUMERIC = frozenset({DataType.BIG_INTEGER, DataType.COUNT, DataType.DECIMAL, DataType.DOUBLE, DataType.FLOAT,
                     DataType.INTEGER, DataType.LONG, DataType.SHORT})
_ROLE_ORDER = {Role.DIMENSION: 0, Role.MEASURE: 1, Role.ATTRIBUTE: 2}


def _cells(values: list[object], required: bool, dtype: DataType | None, text: bool) -> list[str]:
    """One component's cells as pysdmx writes them: ``str(value)``; missing or empty -> the null
    representation when required, else an empty cell; text that starts like a formula gets ``'``."""
    empty = ("NaN" if dtype in NUMERIC else "#N/A") if required else ""
    out = []
    for value in values:
        if value is None or value != value or value == "":  # None, NaN / NA, empty text
            out.append(empty)
            continue
        cell = str(value)
        out.append("'" + cell if text and cell.startswith(FORMULA_START) else cell)
    return out


def chunks(result: DataResult) -> Iterator[str]:
    """The header line, then the rows :data:`~corridor.publish.formats.BATCH` at a time."""
    schema = result.catalog.schema(result.flow.id)
    frame = result.frame
    components = sorted((c for c in schema.components if c.id in frame.columns),
                        key=lambda c: _ROLE_ORDER.get(c.role, 3))  # stable: schema order within a role
    dtypes = frame.dtypes  # one look-up for every column (a frame's column costs ~20 us to get)
    text = [not pd.api.types.is_numeric_dtype(dtypes[c.id]) and not pd.api.types.is_bool_dtype(dtypes[c.id])
            for c in components]
    prefix = ("dataflow", f"{AGENCY}:{result.flow.id}({VERSION})", "I")
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", *(c.id for c in components)])
    for start in batches(len(frame)):
        part = frame.iloc[start:start + BATCH] if len(frame) > BATCH else frame
        columns = [_cells(part[c.id].tolist(), c.required, c.dtype, is_text)
                   for c, is_text in zip(components, text, strict=True)]
        out.writerows((*prefix, *row) for row in zip(*columns, strict=True))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not len(frame):
        yield buffer.getvalue()


def write(result: DataResult) -> str:
    return "".join(chunks(result))


WRITER = FormatWriter(
    id="sdmx-csv", media_type=Format.DATA_SDMX_CSV_2_0_0.value, extension="csv", write=write,
    aliases=("application/vnd.sdmx.data+csv",),
    description="SDMX-CSV 2.0 (corridor's writer, checked against pysdmx)", stream=chunks,
)
