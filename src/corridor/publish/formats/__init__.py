"""Output formats of the data API, registered in one table: format id -> :class:`FormatWriter`.

Each format is a module exposing ``WRITER``; the built-in formats go through the same registry an
added one would (Datasette's renderers habit): to add a format, write a module and list it in
:data:`FORMAT_MODULES`.

A writer may also write in pieces (``FormatWriter.stream``, batches of :data:`BATCH` rows): the data API
streams answers of more than :data:`STREAM_ROWS` observations through it (:func:`byte_stream`).

A writer receives a :class:`DataResult`: the dataflow, the observations as an SDMX-shaped frame
(columns = key dimensions with ``SOURCE`` last, ``TIME_PERIOD``, ``OBS_VALUE``, then the attributes of
``corridor.reference.dataflows.ATTRIBUTES``), and the provenance of every dataset they come from.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor.publish.structures import Catalog
from corridor.reference.dataflows import Dataflow


@dataclass
class DataResult:
    """Observations of one data query, ready to be written."""

    catalog: Catalog
    flow: Dataflow
    frame: pd.DataFrame
    datasets: dict[str, dict[str, Any]]
    query_url: str = ""
    dimension_at_observation: str = "AllDimensions"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dimension_ids(self) -> list[str]:
        """The key of the published data structure (``SOURCE`` last) and ``TIME_PERIOD``."""
        return [d.id for d in self.flow.published_dimensions] + ["TIME_PERIOD"]


@dataclass(frozen=True)
class FormatWriter:
    """One output format: its id (``format=``), media type, accepted aliases and writer function."""

    id: str
    media_type: str
    extension: str
    write: Callable[[DataResult], bytes | str]
    aliases: tuple[str, ...] = ()
    description: str = ""
    #: the same text in pieces, for a streamed response (``None``: :attr:`write` only)
    stream: Callable[[DataResult], Iterator[str]] | None = None

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


#: Answers of more observations than this are streamed by writers that can (``FormatWriter.stream``):
#: written batch by batch while they are sent, never held whole in memory (issue 11, items 4 and 5).
STREAM_ROWS = 10_000
#: Rows per batch of a streaming writer.
BATCH = 5_000
#: Size of the byte pieces a streamed answer is sent in.
PIECE_BYTES = 256 * 1024


def batches(rows: int) -> range:
    """Start offsets of the :data:`BATCH`-row batches of ``rows`` rows."""
    return range(0, rows, BATCH)


def byte_stream(writer: FormatWriter, result: DataResult) -> Iterator[bytes]:
    """``writer``'s text of ``result`` as UTF-8 pieces of about :data:`PIECE_BYTES` (the writer's
    chunks joined until a piece is that large), for a streamed response."""
    assert writer.stream is not None
    pending: list[bytes] = []
    size = 0
    for text in writer.stream(result):
        data = text.encode("utf-8")
        pending.append(data)
        size += len(data)
        if size >= PIECE_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


FORMAT_MODULES: tuple[str, ...] = (
    "corridor.publish.formats.sdmx_ml",
    "corridor.publish.formats.sdmx_generic",
    "corridor.publish.formats.sdmx_csv",
    "corridor.publish.formats.jsonstat",
    "corridor.publish.formats.csv",
    "corridor.publish.formats.json",
    "corridor.publish.formats.sdmx_json",
    "corridor.publish.formats.sdmx_json_draft",
)


def _load() -> dict[str, FormatWriter]:
    registry: dict[str, FormatWriter] = {}
    for name in FORMAT_MODULES:
        writer: FormatWriter = importlib.import_module(name).WRITER
        registry[writer.id] = writer
    return registry


#: format id -> writer, in order of preference when a client accepts anything (SDMX-ML first, as
#: the SDMX REST specification makes SDMX-ML the default data format).
FORMATS: dict[str, FormatWriter] = _load()
DEFAULT_FORMAT = "sdmx-ml"
