"""Independent clients read what the running server writes, and get the published figures.

* SDMX-ML 2.1 structure-specific and SDMX-CSV 2.0 are parsed by ``sdmx1`` (``sdmx.read_sdmx``) with the
  data structure definition fetched from ``/structure/datastructure``;
* JSON-stat 2.0 is parsed by ``pyjstat`` (an independent JSON-stat reader).

Reference figures (docs REFERENCE_VALUES.md, from the UN DESA releases themselves):
IMS 2019 origin-destination: Mexico-born living in the USA, mid-2019 = 11,489,684;
IMS 2020: world, mid-2020 = 280,598,105; mid-1990 = 152,986,157; USA 2020 = 50,632,836.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sdmx
from pyjstat import pyjstat

MEXICANS_IN_USA_2019 = 11_489_684  # UN DESA IMS 2019 (origin and destination), Table 1
WORLD_2020 = 280_598_105  # UN DESA IMS 2020, Table 1, WORLD, 2020
WORLD_1990_IMS2020 = 152_986_157  # UN DESA IMS 2020, Table 1, WORLD, 1990
USA_2020 = 50_632_836  # UN DESA IMS 2020, Table 1, United States of America, 2020


@pytest.fixture(scope="module")
def dsd(server):
    response = server.get("/structure/datastructure/CORRIDOR/DSD_MIG_STOCK")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    message = sdmx.read_sdmx(io.BytesIO(response.content))
    return message.structure["DSD_MIG_STOCK"]


def _sdmx1_frame(message) -> pd.DataFrame:
    frame = sdmx.to_pandas(message.data[0], attributes="o")
    return frame.reset_index()


def test_sdmx_ml_read_by_sdmx1(server, dsd):
    response = server.get("/data/MIG_STOCK/840.484._T?startPeriod=2019&endPeriod=2019",
                          headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
    frame = _sdmx1_frame(sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd))
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["REF_AREA"], row["COUNTERPART_AREA"], row["SEX"], row["TIME_PERIOD"]) == ("840", "484", "_T", "2019")
    assert row["value"] == MEXICANS_IN_USA_2019
    assert row["OBS_STATUS"] == "E"  # UN DESA's stocks are estimates
    assert row["CONF_STATUS"] == "F"
    assert row["DATASET_ID"] == "undesa-ims-2019-od"


def test_sdmx_ml_series_form_read_by_sdmx1(server, dsd):
    """dimensionAtObservation=TIME_PERIOD gives series; sdmx1 reads the same figure."""
    response = server.get("/data/MIG_STOCK/840.484._T?dimensionAtObservation=TIME_PERIOD&format=sdmx-ml")
    assert response.status_code == 200, response.text
    frame = _sdmx1_frame(sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd))
    undesa = frame[frame["DATASET_ID"] == "undesa-ims-2019-od"].set_index("TIME_PERIOD")["value"]
    assert undesa["2019"] == MEXICANS_IN_USA_2019
    assert list(undesa.index) == ["1990", "1995", "2000", "2005", "2010", "2015", "2019"]


def test_sources_side_by_side(server, dsd):
    """UN DESA and the World Bank answer for the same corridor; each keeps its own dataset id."""
    response = server.get("/data/MIG_STOCK/840.484._T?startPeriod=2017&endPeriod=2019&format=sdmx-csv")
    assert response.status_code == 200, response.text
    frame = _sdmx1_frame(sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd, format="csv"))
    values = dict(zip(frame["DATASET_ID"] + "/" + frame["TIME_PERIOD"], frame["value"], strict=True))
    assert values["undesa-ims-2019-od/2019"] == MEXICANS_IN_USA_2019
    if "wb-bilateral-migration-2017/2017" in values:  # present when every release is loaded
        assert values["wb-bilateral-migration-2017/2017"] == 11_573_680  # World Bank matrix 2017 (REFERENCE_VALUES.md)


def test_sdmx_csv_read_by_sdmx1(server, dsd):
    response = server.get("/data/MIG_STOCK/900.._T?startPeriod=2020&endPeriod=2020",
                          headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    assert response.text.startswith("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,COUNTERPART_AREA,SEX,SOURCE,TIME_PERIOD,"
                                    "OBS_VALUE,OBS_STATUS,CONF_STATUS")
    message = sdmx.read_sdmx(io.BytesIO(response.content), structure=dsd, format="csv")
    frame = _sdmx1_frame(message)
    world = frame[(frame["REF_AREA"] == "900") & (frame["COUNTERPART_AREA"] == "_T")]
    assert len(world) == 1
    assert world.iloc[0]["value"] == WORLD_2020
    assert world.iloc[0]["DATASET_ID"] == "undesa-ims-2020-sex-destination"


def test_jsonstat_read_by_pyjstat(server):
    response = server.get("/data/MIG_STOCK/840+900._T._T?format=jsonstat")
    assert response.status_code == 200, response.text
    frame = pyjstat.Dataset.read(response.text).write("dataframe", naming="id")
    frame = frame.dropna(subset=["value"])
    latest = frame[frame["DATASET_ID"] == "undesa-ims-2020-sex-destination"].set_index(
        ["REF_AREA", "TIME_PERIOD"])["value"]
    assert latest[("900", "2020")] == WORLD_2020
    assert latest[("900", "1990")] == WORLD_1990_IMS2020
    assert latest[("840", "2020")] == USA_2020
    doc = response.json()
    assert doc["version"] == "2.0" and doc["class"] == "dataset"
    assert set(doc["status"].values()) <= {"A", "E", "O", "M"}
    assert doc["extension"]["datasets"]["undesa-ims-2020-sex-destination"]["licence"] == "CC-BY-3.0-IGO"


def test_as_of_returns_the_earlier_vintage(server, dsd):
    """IMS 2019 and IMS 2020 give different figures for the world in 2015 (the 2020 edition revised it)."""
    latest = server.get("/data/MIG_STOCK/900.._T?startPeriod=2015&endPeriod=2015&format=csv")
    earlier = server.get("/data/MIG_STOCK/900.._T?startPeriod=2015&endPeriod=2015&format=sdmx-csv"
                         "&asOf=undesa-ims-2019-totals")
    assert latest.status_code == 200 and earlier.status_code == 200, earlier.text
    latest_frame = pd.read_csv(io.StringIO(latest.text), dtype={"ref_area": str, "counterpart_area": str})
    world_latest = latest_frame[latest_frame["counterpart_area"] == "_T"]
    assert list(world_latest["dataset_id"]) == ["undesa-ims-2020-sex-destination"]
    old = _sdmx1_frame(sdmx.read_sdmx(io.BytesIO(earlier.content), structure=dsd, format="csv"))
    old_world = old[old["COUNTERPART_AREA"] == "_T"]
    assert list(old_world["DATASET_ID"]) == ["undesa-ims-2019-totals"]
    assert old_world.iloc[0]["value"] != world_latest.iloc[0]["value"]
    # both are about a quarter of a billion: a revision, not a different quantity
    assert 240e6 < old_world.iloc[0]["value"] < 250e6
    assert 240e6 < world_latest.iloc[0]["value"] < 250e6
