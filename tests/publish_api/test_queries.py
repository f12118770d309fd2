"""SDMX REST key syntax, query parameters, content negotiation, structures and provenance, against the
running server and the real UN DESA releases.

Reference figures: UN DESA IMS 2019 (origin and destination), mid-2019: Mexico-born in the USA
11,489,684; Mexico-born in Canada 85,825 (IMS 2019, Table 1, Canada row, Mexico column).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

MEXICANS_IN_USA_2019 = 11_489_684  # UN DESA IMS 2019 origin-destination
MEXICANS_IN_CANADA_2019 = 85_825  # UN DESA IMS 2019 origin-destination, Canada row, Mexico column


def _csv(response) -> pd.DataFrame:
    assert response.status_code == 200, response.text
    return pd.read_csv(io.StringIO(response.text), dtype={"ref_area": str, "counterpart_area": str,
                                                          "time_period": str})


def test_or_and_wildcard_positions(server):
    both = _csv(server.get("/data/MIG_STOCK/840+124.484._T?startPeriod=2019&endPeriod=2019&format=csv"))
    undesa = both[both["dataset_id"] == "undesa-ims-2019-od"].set_index("ref_area")["value"]
    assert undesa.to_dict() == {"124": MEXICANS_IN_CANADA_2019, "840": MEXICANS_IN_USA_2019}
    everywhere = _csv(server.get("/data/MIG_STOCK/.484._T?lastNObservations=1&format=csv"))
    od = everywhere[everywhere["dataset_id"] == "undesa-ims-2019-od"]
    assert od["ref_area"].is_unique and len(od) > 150  # one latest observation per destination
    assert set(od["time_period"]) == {"2019"}
    assert od.set_index("ref_area").loc["840", "value"] == MEXICANS_IN_USA_2019


def test_full_flow_reference_and_iso3_codes(server):
    by_m49 = _csv(server.get("/data/CORRIDOR,MIG_STOCK,1.0/840.484._T?format=csv"))
    by_iso = _csv(server.get("/data/MIG_STOCK/USA.MEX._T?format=csv"))
    pd.testing.assert_frame_equal(by_m49, by_iso)
    assert by_m49["ref_area_name"].iloc[0] == "United States of America"


def test_first_n_and_periods(server):
    first = _csv(server.get("/data/MIG_STOCK/840.484._T?firstNObservations=2&format=csv&source=undesa-ims"))
    assert list(first["time_period"]) == ["1990", "1995"]
    window = _csv(server.get("/data/MIG_STOCK/840.484._T?startPeriod=2000-01&endPeriod=2010-Q4&format=csv"
                             "&source=undesa-ims"))
    assert list(window["time_period"]) == ["2000", "2005", "2010"]


def test_every_observation_carries_status_and_dataset(server):
    frame = _csv(server.get("/data/MIG_STOCK/840.._T?startPeriod=2019&format=csv"))
    assert frame["obs_status"].notna().all() and frame["conf_status"].notna().all()
    assert frame["dataset_id"].notna().all() and frame["licence"].notna().all()


def test_missing_is_not_zero(server):
    """IMS 2019 (origin-destination) prints '-' for Albania-born in Montenegro before 2010 and '..' for
    Slovenia's 1990 figures by origin: they come back without a value, flagged M and O."""
    dash = _csv(server.get("/data/MIG_STOCK/499.8._T?endPeriod=2005&format=csv&source=undesa-ims-2019-od"))
    assert dash["value"].isna().all() and set(dash["obs_status"]) == {"M"}
    dots = server.get("/data/MIG_STOCK/705.20._T?endPeriod=1990&format=json&source=undesa-ims-2019-od").json()
    (obs,) = dots["observations"]
    assert obs["value"] is None and obs["obs_status"] == "O"


def test_other_dataflows_answer(server):
    structure = server.get("/structure/dataflow?format=json").json()
    flows = {f["id"] for f in structure["Dataflow"]}
    assert {"MIG_STOCK", "MIG_FLOW"} <= flows
    for flow, key in (("POP", "840._T._T"), ("REFUGEES", "840.")):
        if flow in flows:
            frame = _csv(server.get(f"/data/{flow}/{key}?lastNObservations=1&format=csv"))
            assert len(frame) >= 1


@pytest.mark.parametrize(("accept", "media"), [
    ("application/vnd.sdmx.data+csv;version=2.0.0", "application/vnd.sdmx.data+csv;version=2.0.0"),
    ("application/vnd.sdmx.structurespecificdata+xml;version=2.1",
     "application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
    ("application/vnd.json-stat+json", "application/vnd.json-stat+json"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("application/json", "application/json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
    ("text/plain;q=0.5, application/json;q=0.9", "application/json"),
])
def test_content_negotiation(server, accept, media):
    response = server.get("/data/MIG_STOCK/840.484._T?startPeriod=2019", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media


def test_format_parameter_wins_over_accept(server):
    response = server.get("/data/MIG_STOCK/840.484._T?format=csv", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "filename=" in response.headers["content-disposition"]


def test_codelists_and_structures(server):
    import sdmx

    areas = sdmx.read_sdmx(io.BytesIO(server.get("/structure/codelist/CL_AREA").content)).codelist["CL_AREA"]
    assert str(areas["840"].name) == "United States of America"
    assert str(areas["900"].name) == "World"
    for cl in ("CL_SEX", "CL_OBS_STATUS", "CL_CONF_STATUS", "CL_METHOD"):
        response = server.get(f"/structure/codelist/CORRIDOR/{cl}/1.0")
        assert response.status_code == 200, (cl, response.text)
        message = sdmx.read_sdmx(io.BytesIO(response.content))
        assert cl in message.codelist
    status = sdmx.read_sdmx(io.BytesIO(server.get("/structure/codelist/CL_OBS_STATUS").content))
    assert str(status.codelist["CL_OBS_STATUS"]["E"].name) == "Estimated value"
    flow = sdmx.read_sdmx(io.BytesIO(server.get("/structure/dataflow/CORRIDOR/MIG_STOCK").content))
    assert "MIG_STOCK" in flow.dataflow
    dsd = sdmx.read_sdmx(io.BytesIO(server.get("/structure/datastructure/CORRIDOR/DSD_MIG_FLOW").content))
    dims = [d.id for d in dsd.structure["DSD_MIG_FLOW"].dimensions.components]
    assert dims == ["REF_AREA", "COUNTERPART_AREA", "SEX", "METHOD", "SOURCE", "TIME_PERIOD"]
    as_json = server.get("/structure/datastructure/CORRIDOR/DSD_MIG_STOCK?format=sdmx-json")
    assert as_json.status_code == 200 and as_json.json()["data"]["dataStructures"][0]["id"] == "DSD_MIG_STOCK"


def test_datasets_provenance(server):
    body = server.get("/datasets").json()
    records = {d["dataset_id"]: d for d in body["datasets"]}
    od = records["undesa-ims-2019-od"]
    assert od["licence"] == "CC-BY-3.0-IGO"
    assert od["sha256"].startswith("5aa066f9666b2cab")  # MANIFEST.md, first 16 hex digits
    assert od["concept"] == "mixed_foreign_born_or_citizen" and od["vintage"] == "2019"
    assert od["series"] == "undesa-ims" and od["publisher"].startswith("United Nations")
    as_csv = server.get("/datasets?format=csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "undesa-ims-2020-sex-destination" in as_csv.text
    one = server.get("/datasets/undesa-ims-2019-totals").json()["datasets"][0]
    assert one["release_id"] == "undesa-ims-2019-totals"


def test_openapi_and_docs_have_no_remote_assets(server):
    spec = server.get("/openapi.json").json()
    assert "/data/{flow}/{key}" in spec["paths"] and "/datasets" in spec["paths"]
    docs = server.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text


def test_portal_is_served_by_the_same_process_without_remote_assets(server):
    import re

    if server.get("/openapi.json").json()["paths"].get("/country/{m49}") is None and \
            server.get("/country/840").status_code == 404:
        pytest.skip("the portal (corridor.publish.portal) is not installed")
    first = server.get("/country/840")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    remote = re.findall(r'(?:src|href)\s*=\s*["\'](?:https?:)?//', first.text)
    assert not remote, remote[:5]
    again = server.get("/country/840")  # served from the page cache: same page
    assert again.text == first.text
