"""corridor's SDMX-ML 2.1 writers (structure-specific and generic) give, byte for byte, what ``pysdmx``
writes wherever pysdmx writes well-formed XML, and well-formed XML where it does not (issue 11, item 7:
a writer of our own for the hot formats, checked against pysdmx and sdmx1 output).

Real answers of every public dataflow of the test warehouse, flat and in series (by time and by another
dimension). pysdmx 1.20 breaks an element on any apostrophe (it writes ``repr()`` of each value, then
turns every ``'`` into ``"``), and every flow estimate's interval sentence has one ("the period's
calendar years"); for the byte comparison the apostrophes are replaced by a typographic one in the frame
both writers get. The real text, apostrophe included, is then checked on its own: it parses, and sdmx1
and lxml read back exactly the answer's values.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime

import lxml.etree as etree
import pandas as pd
import pytest
import sdmx
from pysdmx.io import write_sdmx
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Organisation
from pysdmx.model.message import Header

from corridor.publish.formats import sdmx_generic, sdmx_ml
from corridor.publish.formats.sdmx_xml import attribute_text
from corridor.publish.structures import AGENCY
from tests.publish_api.answers import answer

QUERIES = [("MIG_STOCK", "840.._T"), ("MIG_STOCK", "900.._T"), ("MIG_FLOW", ".484._T.da_pb_closed"),
           ("MIG_FLOW", "840..."), ("POP", "484.._T"), ("MIG_SHARE", "all"), ("NET_MIG", "484._T"),
           ("REMIT", "484+840."), ("REFUGEES", "840.")]
WRITERS = {"structure-specific": sdmx_ml, "generic": sdmx_generic}
#: the header's message id and preparation time differ between two messages
_VOLATILE = re.compile(r"<mes:(ID|Prepared)>[^<]*</mes:\1>")
MES = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message}"


@pytest.fixture(scope="module")
def state(service_state):
    return service_state


def _pysdmx(result, module) -> str:
    header = Header(sender=Organisation(id=AGENCY, name="corridor"))
    return write_sdmx(PandasDataset(structure=result.catalog.schema(result.flow.id), data=result.frame.copy()),
                      module.FORMAT, header=header, prettyprint=False,
                      dimension_at_observation=result.dimension_at_observation) or ""


@pytest.mark.parametrize("form", list(WRITERS))
@pytest.mark.parametrize("at", ["AllDimensions", "TIME_PERIOD", "REF_AREA"])
@pytest.mark.parametrize(("flow", "key"), QUERIES)
def test_same_bytes_as_pysdmx(state, flow, key, at, form):
    result = answer(state, flow, key)
    result.frame = result.frame.replace("'", "\u2019", regex=True)  # where pysdmx's XML is well-formed
    result.dimension_at_observation = at
    ours = WRITERS[form].write(result)
    assert len(result.frame) > 0
    assert _VOLATILE.sub("", ours) == _VOLATILE.sub("", _pysdmx(result, WRITERS[form])), (flow, key, at, form)


@pytest.mark.parametrize("form", list(WRITERS))
def test_interval_sentences_survive(state, form):
    """The real flow answer (an apostrophe in every interval sentence) is well-formed XML and carries
    each sentence whole."""
    result = answer(state, "MIG_FLOW", ".484._T.da_pb_closed")
    assert result.frame["INTERVAL"].str.contains("'").all()
    root = etree.fromstring(WRITERS[form].write(result).encode("utf-8"))
    if form == "structure-specific":
        read = [obs.get("INTERVAL") for obs in root.iter("Obs")]
    else:
        read = [v.get("value") for v in root.iter("{*}Value") if v.get("id") == "INTERVAL"]
    assert read == result.frame["INTERVAL"].tolist()


def test_read_by_sdmx1(server):
    """sdmx1 reads the running server's flow estimates in SDMX-ML with the published DSD: values and
    interval sentences as the CSV gives them."""
    dsd = sdmx.read_sdmx(io.BytesIO(server.get("/structure/datastructure/CORRIDOR/DSD_MIG_FLOW").content))
    body = server.get("/data/MIG_FLOW/724.642._T.da_pb_closed?format=sdmx-ml")
    assert body.status_code == 200, body.text[:300]
    frame = sdmx.to_pandas(sdmx.read_sdmx(io.BytesIO(body.content), structure=dsd.structure["DSD_MIG_FLOW"]).data[0],
                           attributes="o").reset_index()
    plain = pd.read_csv(io.BytesIO(server.get("/data/MIG_FLOW/724.642._T.da_pb_closed?format=sdmx-csv").content))
    by_period = plain.set_index("TIME_PERIOD")
    assert len(frame) == len(by_period) > 0
    for row in frame.itertuples():
        assert row.value == pytest.approx(by_period.loc[row.TIME_PERIOD, "OBS_VALUE"], rel=1e-12)
        assert row.INTERVAL == by_period.loc[row.TIME_PERIOD, "INTERVAL"]
        assert "period's calendar years" in row.INTERVAL


HARD = 'a & b < c > d "quoted" it\'s \\ back\nline\ttab\rcr\x01 nbsp\u00a0 end'


@pytest.mark.parametrize("form", list(WRITERS))
def test_any_text_round_trips(state, form):
    """Synthetic text (labelled: set on a real answer) with every character XML attributes make hard:
    lxml reads back the same text; a control character XML 1.0 cannot hold becomes U+FFFD."""
    result = answer(state, "MIG_FLOW", ".484._T.da_pb_closed")
    result.frame = result.frame.copy()
    result.frame.loc[0, "INTERVAL"] = HARD
    root = etree.fromstring(WRITERS[form].write(result).encode("utf-8"))
    if form == "structure-specific":
        first = next(root.iter("Obs")).get("INTERVAL")
    else:
        first = next(v.get("value") for v in root.iter("{*}Value") if v.get("id") == "INTERVAL")
    assert first == HARD.replace("\x01", "\ufffd")


@pytest.mark.parametrize("form", list(WRITERS))
def test_each_message_has_its_own_id_and_time(state, form):
    """The envelope is written once per dataflow and form; each message still gets a new id and the
    time it was prepared (UTC, to the second)."""
    result = answer(state, "MIG_STOCK", "840.484._T")
    first, second = (etree.fromstring(WRITERS[form].write(result).encode("utf-8")) for _ in range(2))
    ids = [next(root.iter(f"{MES}ID")).text for root in (first, second)]
    assert ids[0] != ids[1] and all(uuid.UUID(i) for i in ids)
    prepared = datetime.strptime(next(second.iter(f"{MES}Prepared")).text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - prepared).total_seconds()) < 60


def test_attribute_text():
    assert attribute_text('x&"y"<z>') == "x&amp;&quot;y&quot;&lt;z&gt;"
    assert attribute_text("it's") == "it's"  # legal inside a double-quoted attribute
    assert attribute_text("a\nb\tc") == "a&#10;b&#9;c"
