"""SDMX-CSV 2.0 (SDMX 3.0 Section 3A "SDMX-CSV"), written by ``pysdmx`` from the dataflow's Schema.

Columns: ``STRUCTURE`` (``dataflow``), ``STRUCTURE_ID`` (``CORRIDOR:MIG_STOCK(1.0)``), ``ACTION``
(``I``), the key dimensions, ``TIME_PERIOD``, ``OBS_VALUE`` and every attribute. A missing value is an
empty ``OBS_VALUE`` with ``OBS_STATUS`` saying why. Text cells that start like a spreadsheet formula are
neutralised as in plain CSV (:func:`corridor.publish.formats.csv.neutralise`).
"""

from __future__ import annotations

from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.formats.csv import neutralise


def write(result: DataResult) -> str:
    dataset = PandasDataset(structure=result.catalog.schema(result.flow.id), data=neutralise(result.frame))
    return write_sdmx(dataset, Format.DATA_SDMX_CSV_2_0_0) or ""


WRITER = FormatWriter(
    id="sdmx-csv", media_type=Format.DATA_SDMX_CSV_2_0_0.value, extension="csv", write=write,
    aliases=("application/vnd.sdmx.data+csv",),
    description="SDMX-CSV 2.0 (pysdmx)",
)
