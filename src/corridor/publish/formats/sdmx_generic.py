"""SDMX-ML 2.1 generic data (SDMX 2.1 Section 3A, "SDMX-ML: Schema and documentation", GenericData
message), written by corridor batch by batch inside pysdmx's envelope, like the structure-specific form
(:mod:`.sdmx_ml`, :mod:`.sdmx_xml`).

The generic form names each dimension and attribute in ``<gen:Value id=... value=.../>`` elements, so
a reader needs no schema derived from the data structure; SDMX REST clients ask for it with
``Accept: application/vnd.sdmx.genericdata+xml;version=2.1`` (issue 11: it was answered 406). Byte for
byte what pysdmx writes wherever pysdmx writes well-formed XML (tests/publish_api/test_sdmx_ml_writer.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pysdmx.io.format import Format

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.formats.sdmx_xml import (
    ALL_DIMENSIONS,
    attribute_text,
    cells,
    envelope,
    key_columns,
    obs_attributes,
    obs_components,
    series_key,
    series_pieces,
    text_batches,
)

FORMAT = Format.DATA_SDMX_ML_2_1_GEN


def _values(part: pd.DataFrame, columns: list[str], keep_empty: bool = False) -> list[str]:
    """Each row's ``<gen:Value>`` elements of ``columns``; a missing value is left out unless
    ``keep_empty`` (a series key, which pysdmx writes whole)."""
    def value(column: str) -> list[str]:
        values = part[column].tolist()
        element = (lambda v: f'<gen:Value id="{column}" value="{attribute_text(v)}"/>')  # noqa: E731
        return [element(v) for v in values] if keep_empty else cells(values, element)
    if not columns:
        return [""] * len(part)
    return ["".join(row) for row in zip(*(value(c) for c in columns), strict=True)]


def _obs_value(part: pd.DataFrame, measure: str) -> list[str]:
    return cells(part[measure].tolist(), lambda v: f'<gen:ObsValue value="{attribute_text(v)}"/>')


def _attributes(part: pd.DataFrame, columns: list[str]) -> list[str]:
    """Each row's ``<gen:Attributes>`` block, or "" when it has no attribute value."""
    return [f"<gen:Attributes>{values}</gen:Attributes>" if values else "" for values in _values(part, columns)]


def chunks(result: DataResult) -> Iterator[str]:
    """The message: its envelope's opening, the observations a batch at a time, the closing."""
    opening, closing = envelope(result, FORMAT)
    yield opening
    dimension = result.dimension_at_observation
    if dimension == ALL_DIMENSIONS:
        key, measure = key_columns(result), obs_components(result, dimension)[1]
        attributes = obs_attributes(result)
        for part in text_batches(result.frame, list(result.frame.columns)):
            yield "".join([f"<gen:Obs><gen:ObsKey>{k}</gen:ObsKey>{v}{a}</gen:Obs>" for k, v, a in zip(
                _values(part, key), _obs_value(part, measure), _attributes(part, attributes), strict=True)])
    else:
        key = series_key(result, dimension)
        _, measure, *attributes = obs_components(result, dimension)

        def obs(part: pd.DataFrame) -> list[str]:
            at = cells(part[dimension].tolist(), lambda v: f'<gen:ObsDimension value="{attribute_text(v)}"/>')
            return [f"<gen:Obs>{d}{v}{a}</gen:Obs>" if d else "" for d, v, a in zip(
                at, _obs_value(part, measure), _attributes(part, attributes), strict=True)]

        yield from series_pieces(
            result, dimension,
            series_tags=lambda part: [f"<gen:Series><gen:SeriesKey>{k}</gen:SeriesKey>"
                                      for k in _values(part, key, keep_empty=True)],
            obs_elements=obs, close="</gen:Series>", empty=lambda tag: tag + "</gen:Series>")
    yield closing


def write(result: DataResult) -> str:
    return "".join(chunks(result))


WRITER = FormatWriter(
    id="sdmx-generic", media_type=FORMAT.value, extension="xml", write=write,
    aliases=("application/vnd.sdmx.genericdata+xml",),
    description="SDMX-ML 2.1 generic data (corridor's writer, checked against pysdmx)", stream=chunks,
)
