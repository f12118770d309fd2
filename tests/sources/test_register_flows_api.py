"""Users' register flows with age, through the real HTTP API (``corridor serve`` in its own process).

The symptom of the issue: 138,466 age-specific rows of a user's flow table could not be reached in
the API, and register counts appeared under "Estimated migration flows". Here the real Eurostat
by-age table (mirror, MANIFEST.md) is ingested as ``MIG_FLOW_REG`` with Eurostat's broad groups
registered as user age groups, and read back by key — REF_AREA.COUNTERPART_AREA.DIRECTION.SEX.AGE —
from a server started with the same user reference folder. MANIFEST.md: Poland -> Germany 2023 =
56,023, the sum of its five-year groups; the Y15-64 row is 50,566 (the file's own figure).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from corridor.reference.user_codes import register
from corridor.sources.user_table import ingest_user_table
from corridor.store.warehouse import Warehouse
from tests.serving import corridor_serve
from tests.sources.user_reference import forget_codes, user_reference

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
BY_AGE = "observed_flows/eurostat_immigration_prev_residence_intra_eu_by_age.csv"


@pytest.fixture(scope="module")
def server(mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("register-api")
    reference = folder / "reference"
    with user_reference(reference):
        register(GALLERY / "eurostat-age-groups.yaml")
        forget_codes()
        with Warehouse.open(folder / "w.duckdb") as wh:
            ingest_user_table(wh, mirror / BY_AGE, GALLERY / "eurostat-immigration-by-age.yaml")
    with corridor_serve(folder / "w.duckdb", folder, env={"CORRIDOR_USER_REFERENCE": str(reference)}) as (url, _):
        yield url


def rows(url: str, path: str) -> list[dict[str, str]]:
    answer = httpx.get(url + path, timeout=120)
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_age_groups_of_register_flows_by_key(server: str) -> None:
    found = rows(server, "/data/MIG_FLOW_REG/276.616.IMM._T.Y15T64?startPeriod=2023&endPeriod=2023&format=csv")
    assert len(found) == 1
    assert float(found[0]["value"]) == 50_566 and found[0]["time_period"] == "2023"
    assert (found[0]["direction"], found[0]["age"], found[0]["concept"]) == ("IMM", "Y15T64", "international_migrant")
    five_year = rows(server, "/data/MIG_FLOW_REG/276.616.IMM._T.?startPeriod=2023&endPeriod=2023&format=csv")
    ages = {r["age"]: float(r["value"]) for r in five_year}
    broad = {"Y0T14", "Y15T64", "Y65T_", "Y85T_", "_U"}
    assert sum(v for a, v in ages.items() if a not in broad) == 56_023
    assert "_U" in ages  # age unknown is served as such


def test_register_flows_are_not_estimated_flows(server: str) -> None:
    answer = httpx.get(server + "/data/MIG_FLOW/276.616?format=csv", timeout=120)
    assert answer.status_code == 404 or not list(csv.DictReader(io.StringIO(answer.text)))
