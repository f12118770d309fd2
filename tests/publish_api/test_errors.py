"""Bad input gets a 4xx whose message says what was wrong (never a 5xx)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("path", "status", "fragment"), [
    ("/data/MIG_STOCK/840.484", 400,
     "has 2 position(s) but dataflow MIG_STOCK has 4: REF_AREA.COUNTERPART_AREA.SEX.SOURCE"),
    ("/data/MIG_STOCK/840.484._T.undesa-ims._T", 400, "has 5 position(s)"),
    ("/data/MIG_STOCK/999.484._T", 400, "unknown code '999' for REF_AREA"),
    ("/data/MIG_STOCK/840.XYZ._T", 400, "unknown code 'XYZ' for COUNTERPART_AREA"),
    ("/data/MIG_STOCK/840.484.X", 400, "unknown code 'X' for SEX"),
    ("/data/MIG_STOCK/840+.484._T", 400, "empty code in position REF_AREA"),
    ("/data/MIG_STOCK/84%200.484._T", 400, "is not a code"),
    ("/data/MIG_STOCK/840.484._T?startPeriod=20x9", 400, "startPeriod='20x9' is not a period"),
    ("/data/MIG_STOCK/840.484._T?endPeriod=2019-13", 400, "endPeriod='2019-13' is not a period"),
    ("/data/MIG_STOCK/840.484._T?endPeriod=2019-02-30", 400, "is not a date"),
    ("/data/MIG_STOCK/840.484._T?startPeriod=2019&endPeriod=2010", 400, "is after endPeriod"),
    ("/data/MIG_STOCK/840.484._T?lastNObservations=-1", 400, "lastNObservations='-1' must be a whole number"),
    ("/data/MIG_STOCK/840.484._T?firstNObservations=x", 400, "firstNObservations='x'"),
    ("/data/MIG_STOCK/840.484._T?dimensionAtObservation=AGE", 400, "dimensionAtObservation='AGE'"),
    ("/data/MIG_STOCK/840.484._T?format=xlsx", 400, "unknown format 'xlsx'; formats: sdmx-ml, sdmx-generic"),
    # SDMX 2.1 REST: a feature of the standard that is not implemented is 501, a value outside it 400
    ("/data/MIG_STOCK/840.484._T?detail=serieskeysonly", 501, "detail=serieskeysonly is not implemented"),
    ("/data/MIG_STOCK/840.484._T?detail=everything", 400, "detail='everything' is not a detail"),
    ("/data/MIG_STOCK/840.484._T?includeHistory=true", 501, "includeHistory=true is not implemented"),
    ("/data/MIG_STOCK/840.484._T?startPeriode=2019", 400, "unknown query parameter(s) 'startPeriode'"),
    ("/data/MIG_STOCK/840.484._T?updatedAfter=yesterday", 400, "updatedAfter='yesterday' is not an ISO 8601"),
    ("/structure/dataflow?refrences=all", 400, "unknown query parameter(s) 'refrences'"),
    ("/structure/dataflow?detail=allstubs", 501, "detail=allstubs is not implemented"),
    ("/datasets?fromat=csv", 400, "unknown query parameter(s) 'fromat'"),
    ("/data/MIG_STOCK/all?format=csv", 413, "more than the limit of 100,000 observations per response"),
    ("/data/MIG_FLOW/?format=jsonstat", 413, "more than the limit of 100,000 observations per response"),
    ("/data/MIG_STOCK/840.484._T?asOf=undesa-ims-1066", 404, "unknown vintage 'undesa-ims-1066'"),
    ("/data/NO_SUCH_FLOW/840", 404, "unknown dataflow 'NO_SUCH_FLOW'; dataflows: MIG_STOCK"),
    ("/data/ECB,MIG_STOCK,1.0/840.484._T", 404, "unknown agency 'ECB'"),
    ("/data/CORRIDOR,MIG_STOCK,9.9/840.484._T", 404, "unknown version '9.9'"),
    ("/data/MIG_STOCK/840.484._T?startPeriod=1900&endPeriod=1901", 404, "no observations of MIG_STOCK match"),
    ("/structure/codelist/CL_NOPE", 404, "unknown codelist 'CL_NOPE'"),
    ("/structure/widget", 404, "unknown structure resource 'widget'"),
    ("/structure/dataflow/CORRIDOR/MIG_STOCK?references=cousins", 400, "references='cousins'"),
    ("/datasets/no-such-dataset", 404, "unknown dataset 'no-such-dataset'"),
    ("/datasets?format=parquet", 400, "unknown format 'parquet' for /datasets"),
    ("/no/such/page", 404, "no such resource"),
])
def test_bad_requests_say_what_was_wrong(server, path, status, fragment):
    response = server.get(path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert fragment in body["message"], body["message"]


def test_not_acceptable(server):
    response = server.get("/data/MIG_STOCK/840.484._T", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "offered: application/vnd.sdmx.structurespecificdata+xml;version=2.1" in response.json()["message"]
    old_csv = server.get("/data/MIG_STOCK/840.484._T",
                         headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0"})
    assert old_csv.status_code == 406  # SDMX-CSV 1.0 is not written


def test_bad_token_is_401_not_500(server):
    response = server.get("/data/MIG_STOCK/840.484._T", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401 and "Bearer" in response.json()["message"]
    response = server.get("/data/MIG_STOCK/840.484._T", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and "unknown, expired or revoked" in response.json()["message"]
