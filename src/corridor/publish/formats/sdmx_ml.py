"""SDMX-ML 2.1 structure-specific data (SDMX 2.1 Section 3A, "SDMX-ML: Schema and documentation"),
written by ``pysdmx`` from the dataflow's Schema.

Observations are flat (``dimensionAtObservation=AllDimensions``) unless the query names a dimension
(``TIME_PERIOD`` gives one ``Series`` element per key). The message header names CORRIDOR as sender.
"""

from __future__ import annotations

from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Organisation
from pysdmx.model.message import Header

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.structures import AGENCY


def write_ml(result: DataResult, fmt: Format) -> str:
    """SDMX-ML 2.1 data message ``fmt`` (structure-specific or generic) of the result, by pysdmx."""
    dataset = PandasDataset(structure=result.catalog.schema(result.flow.id), data=result.frame)
    # no Source element: pysdmx writes it unescaped (an '&' in a query URL breaks the XML) and sdmx1
    # does not read it
    header = Header(sender=Organisation(id=AGENCY, name="corridor"))
    text = write_sdmx(dataset, fmt, header=header, prettyprint=False,
                      dimension_at_observation=result.dimension_at_observation) or ""
    return text


def write(result: DataResult) -> str:
    return write_ml(result, Format.DATA_SDMX_ML_2_1_STR)


WRITER = FormatWriter(
    id="sdmx-ml", media_type=Format.DATA_SDMX_ML_2_1_STR.value, extension="xml", write=write,
    aliases=("application/vnd.sdmx.structurespecificdata+xml", "application/xml", "text/xml"),
    description="SDMX-ML 2.1 structure-specific (pysdmx)",
)
