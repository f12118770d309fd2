"""SDMX-ML 2.1 generic data (SDMX 2.1 Section 3A, "SDMX-ML: Schema and documentation", GenericData
message), written by ``pysdmx`` like the structure-specific form (:mod:`.sdmx_ml`).

The generic form names each dimension and attribute in ``Value id=... value=...`` elements, so a reader
needs no schema derived from the data structure; SDMX REST clients ask for it with
``Accept: application/vnd.sdmx.genericdata+xml;version=2.1`` (issue 11: it was answered 406).
"""

from __future__ import annotations

from pysdmx.io.format import Format

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.formats.sdmx_ml import write_ml


def write(result: DataResult) -> str:
    return write_ml(result, Format.DATA_SDMX_ML_2_1_GEN)


WRITER = FormatWriter(
    id="sdmx-generic", media_type=Format.DATA_SDMX_ML_2_1_GEN.value, extension="xml", write=write,
    aliases=("application/vnd.sdmx.genericdata+xml",),
    description="SDMX-ML 2.1 generic data (pysdmx)",
)
