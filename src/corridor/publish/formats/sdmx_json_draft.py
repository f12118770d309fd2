"""SDMX-JSON data in the pre-standard layout (``header``, ``structure``, ``dataSets`` at the top), media
type ``application/vnd.sdmx.draft-sdmx-json+json;version=1.0.0``: the layout several SDMX 2.1 services
served before SDMX-JSON 1.0 moved them under ``meta`` and ``data``, and the one ``sdmx1``'s SDMX-JSON
reader takes (``sdmx.reader.json``). Same content as :mod:`.sdmx_json`, only the envelope differs.
"""

from __future__ import annotations

from collections.abc import Iterator

from corridor.publish.formats import DataResult, FormatWriter
from corridor.publish.formats.sdmx_json import message

MEDIA_TYPE = "application/vnd.sdmx.draft-sdmx-json+json;version=1.0.0"


def chunks(result: DataResult) -> Iterator[str]:
    """The message in the draft layout, in pieces (:func:`.sdmx_json.message`)."""
    return message(result, draft=True)


def write(result: DataResult) -> str:
    return "".join(chunks(result))


WRITER = FormatWriter(
    id="sdmx-json-draft", media_type=MEDIA_TYPE, extension="json", write=write,
    description="SDMX-JSON data, pre-standard layout read by sdmx1",
    stream=chunks,
)
