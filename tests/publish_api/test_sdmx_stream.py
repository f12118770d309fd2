"""Large data answers are streamed, written batch by batch while they are sent (issue 11, item 4).

* through the running server, an answer of more than ``STREAM_ROWS`` observations in SDMX-CSV, CSV,
  JSON, SDMX-JSON or SDMX-ML (both forms) comes chunked (no ``Content-Length``) and holds the same
  observations as the same query written whole (in-process, on the same warehouse); a small answer
  is sent whole (with its length) as before;
* the 413 limit still holds, counted before any byte is sent;
* in-process, the streaming writers hold less than the whole text at once: the peak of memory while
  the pieces are consumed (``tracemalloc``) is a fraction of the body's size, while writing it whole
  needs at least the body.

The streamed query: every remittance estimate of the World Bank's bilateral remittance matrix
(``/data/REMIT/all``, about 46,000 observations in the test warehouse).
"""

from __future__ import annotations

import io
import json
import re
import tracemalloc

import pandas as pd
import pytest

from corridor.publish.formats import FORMATS, STREAM_ROWS, byte_stream
from tests.publish_api.answers import answer

BIG = "/data/REMIT/all"
STREAMING = ("sdmx-csv", "csv", "json", "sdmx-json", "sdmx-json-draft", "sdmx-ml", "sdmx-generic")
#: an SDMX-ML header's message id and preparation time differ between two messages
_VOLATILE = re.compile(r"<mes:(ID|Prepared)>[^<]*</mes:\1>")


@pytest.fixture(scope="module")
def state(service_state):
    return service_state


@pytest.fixture(scope="module")
def big(state):
    result = answer(state, "REMIT", "all")
    assert len(result.frame) > STREAM_ROWS
    return result


def _without_meta(text: str) -> dict:
    doc = json.loads(text)
    for envelope in ("meta", "header", "query"):
        doc.pop(envelope, None)
    return doc


@pytest.mark.parametrize("fmt", STREAMING)
def test_large_answers_are_streamed(server, big, fmt):
    response = server.get(f"{BIG}?format={fmt}")
    assert response.status_code == 200, response.text[:300]
    assert "content-length" not in response.headers and response.headers["transfer-encoding"] == "chunked"
    whole = FORMATS[fmt].write(big)
    if fmt in ("sdmx-ml", "sdmx-generic"):
        assert _VOLATILE.sub("", response.text) == _VOLATILE.sub("", whole)
    elif fmt.endswith("csv"):
        assert response.text == whole
        assert len(pd.read_csv(io.StringIO(response.text))) == len(big.frame)
    else:
        assert _without_meta(response.text) == _without_meta(whole)


def test_small_answers_are_sent_whole(server):
    response = server.get("/data/REMIT/484.840?format=sdmx-csv")
    assert response.status_code == 200 and int(response.headers["content-length"]) == len(response.content)


def test_the_limit_is_counted_first(server):
    response = server.get("/data/MIG_FLOW/all?format=sdmx-csv")
    assert response.status_code == 413 and "100,000 observations" in response.text


def _peaks(writer, result) -> tuple[int, int, int, int]:
    """Peak traced memory while the pieces are consumed (and dropped), peak while the text is written
    whole, the body's size in bytes and the largest piece."""
    size = largest = 0
    tracemalloc.start()
    try:
        for piece in byte_stream(writer, result):
            size += len(piece)
            largest = max(largest, len(piece))
            del piece
        _, streamed = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        whole = writer.write(result)
        _, written = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == len(whole.encode("utf-8"))
    return streamed, written, size, largest


@pytest.mark.parametrize("fmt", ["sdmx-csv", "csv", "sdmx-ml"])  # json too, but tracemalloc makes it slow
def test_streaming_does_not_hold_the_body(big, fmt):
    streamed, written, size, largest = _peaks(FORMATS[fmt], big)
    assert written >= size  # writing it whole holds the whole text (and more)
    assert streamed < written - size / 2, (streamed, written, size)
    assert largest < size / 4  # sent in pieces of about one batch


def test_sdmx_json_streams_in_pieces(big):
    """SDMX-JSON's structure needs every value first (its index arrays are most of the memory: the
    body is compact), then the observations go out a batch at a time."""
    streamed, written, size, largest = _peaks(FORMATS["sdmx-json"], big)
    assert largest < size / 3 and streamed <= written


def test_head_of_a_streamed_answer(server):
    import httpx

    response = httpx.head(server.url + f"{BIG}?format=sdmx-csv", timeout=60)
    assert response.status_code == 200 and response.content == b""
    assert server.get("/data/REMIT/484.840?format=csv").status_code == 200  # the server is fine after it
