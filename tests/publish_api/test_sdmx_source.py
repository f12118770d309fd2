"""``sdmx1`` uses the running server as a plain SDMX 2.1 source: only the base URL, no custom code.

SDMX 2.1 REST puts the structure resource first (``/dataflow/{agency}/{id}/{version}``), and ``sdmx1``
builds those paths from a source definition of ``id`` (the agency), ``url`` and ``name`` alone. The
test reads every structure query a client makes (all dataflows; one dataflow, its data structure with
``references=all``; a codelist; the concept scheme) and data queries by key string and by key dict,
with ``startPeriod``/``endPeriod`` and ``lastNObservations``.

Reference figures (docs REFERENCE_VALUES.md, from the UN DESA releases themselves): IMS 2019
origin-destination, Mexico-born living in the USA, mid-2019 = 11,489,684; IMS 2020, United States,
mid-2020 = 50,632,836.
"""

from __future__ import annotations

import pytest
import sdmx
from sdmx.source import add_source

from corridor.reference.codes import codes

MEXICANS_IN_USA_2019 = 11_489_684  # UN DESA IMS 2019 (origin and destination), Table 1
USA_2020 = 50_632_836  # UN DESA IMS 2020, Table 1, United States of America, 2020


@pytest.fixture(scope="module")
def client(server) -> sdmx.Client:
    add_source({"id": "CORRIDOR", "url": server.url, "name": "corridor (test server)"}, override=True)
    return sdmx.Client("CORRIDOR")


def test_structures_through_a_plain_source(client):
    flows = client.dataflow().dataflow
    assert "MIG_STOCK" in flows and "MIG_FLOW" in flows
    assert "MIG_FLOW_REG" not in flows  # exists only in restricted data (test_access.py)
    message = client.datastructure("DSD_MIG_STOCK", params={"references": "all"})
    dsd = message.structure["DSD_MIG_STOCK"]
    assert [d.id for d in dsd.dimensions] == ["REF_AREA", "COUNTERPART_AREA", "SEX", "SOURCE", "TIME_PERIOD"]
    assert "MIG_STOCK" in message.dataflow and "CL_AREA" in message.codelist
    sex = client.codelist("CL_SEX").codelist["CL_SEX"]
    assert {c.id: str(c.name) for c in sex} == codes("SEX")
    concepts = client.conceptscheme("CS_CORRIDOR").concept_scheme["CS_CORRIDOR"]
    assert "REF_AREA" in concepts


def test_data_through_a_plain_source(client):
    message = client.data("MIG_STOCK", key="840.484._T", params={"startPeriod": "2019", "endPeriod": "2019"})
    series = sdmx.to_pandas(message.data[0], attributes="o").reset_index()
    (row,) = series.to_dict("records")
    assert (row["REF_AREA"], row["COUNTERPART_AREA"], row["TIME_PERIOD"]) == ("840", "484", "2019")
    assert row["value"] == MEXICANS_IN_USA_2019 and row["DATASET_ID"] == "undesa-ims-2019-od"
    by_dict = client.data("MIG_STOCK", key={"REF_AREA": "840", "COUNTERPART_AREA": "_T", "SEX": "_T"},
                          params={"lastNObservations": 1})
    frame = sdmx.to_pandas(by_dict.data[0], attributes="o").reset_index()
    latest = frame[frame["DATASET_ID"] == "undesa-ims-2020-sex-destination"]
    assert list(latest["TIME_PERIOD"]) == ["2020"] and latest["value"].item() == USA_2020


def test_source_dimension_through_a_plain_source(client):
    """The client builds keys from the data structure, SOURCE included (issue 11: unique keys)."""
    message = client.data("POP", key={"REF_AREA": "840", "SEX": "_T", "AGE": "_T", "SOURCE": "wpp-population"},
                          params={"startPeriod": "2020", "endPeriod": "2020"})
    frame = sdmx.to_pandas(message.data[0]).reset_index()
    assert list(frame["SOURCE"]) == ["wpp-population"] and list(frame["TIME_PERIOD"]) == ["2020"]
    both = client.data("POP", key={"REF_AREA": "840", "SEX": "_T", "AGE": "_T"},
                       params={"startPeriod": "2020", "endPeriod": "2020"})
    keys = sdmx.to_pandas(both.data[0]).index
    assert keys.is_unique and sorted(keys.get_level_values("SOURCE")) == ["undesa-ims", "wpp-population"]
