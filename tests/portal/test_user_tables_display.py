"""Users' tables on the portal, in a real chromium (issue 10, build items 1 and 2).

The warehouse is built here from the real mirror (MANIFEST.md) through the real paths: UN DESA's 2019
origin-destination stocks, WPP population, births and deaths, corridor's own flow estimates on them
(``da_pb_closed``, 2015-2020, as ``corridor flows estimate`` writes them), Eurostat's register flows
release, and two users' tables read through the gallery's mapping files (docs/gallery/): Eurostat's
immigration by previous residence *by age* (``MIG_FLOW_REG``, with Eurostat's broad age groups
registered as user age groups) and the World Bank's 2017 bilateral matrix (``MIG_STOCK``), which is
then withdrawn with ``Warehouse.withdraw`` (what ``corridor withdraw DATASET --reason`` runs).

* **Withdrawal** (symptom: the country page drew a withdrawn dataset as one more revision line, and
  nothing on the portal said it was withdrawn): the USA's page draws no line of it and names it as
  withdrawn with date and reason; its entry under /sources says so; the corridor Mexico -> USA lists it
  as withdrawn, not among its sources; the API's latest figures leave it out.
* **Register flows beside estimates** (symptom: register counts appeared under "Estimated migration
  flows", without direction or age): Romania -> Spain shows the estimated flows and, next to them, the
  observed register counts, each labelled as what it is. MANIFEST.md: Romania -> Spain 2023 = 43,480
  (Eurostat's release, all ages); the by-age file's own Y15-64 row for 2023 is 36,603 and its 20-24 row
  3,562 (``observed_flows/eurostat_immigration_prev_residence_intra_eu_by_age.csv``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corridor.reference.user_codes import register
from corridor.sources.ingest import ingest_release
from corridor.sources.user_table import ingest_user_table
from corridor.store.warehouse import Warehouse
from tests.portal.conftest import Visit
from tests.serving import corridor_serve
from tests.sources.user_reference import forget_codes, user_reference

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
BY_AGE = "observed_flows/eurostat_immigration_prev_residence_intra_eu_by_age.csv"
WB_MATRIX = "worldbank/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"
RELEASES = ("undesa-ims-2019-od", "undesa-ims-2019-totals", "wpp2019-population", "wpp2024-births-deaths",
            "eurostat-immigration-prev-residence")
REASON = "a user's copy of the World Bank matrix, superseded by the catalogue release"


@pytest.fixture(scope="module")
def site(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from corridor.estimate.flows.store import estimate_into_warehouse

    folder = tmp_path_factory.mktemp("user-tables-display")
    reference = folder / "reference"
    path = folder / "corridor.duckdb"
    with user_reference(reference):
        register(GALLERY / "eurostat-age-groups.yaml")
        forget_codes()
        with Warehouse.open(path) as wh:
            for release_id in RELEASES:
                ingest_release(wh, release_id, mirror=mirror)
            estimate_into_warehouse(wh, methods=["da_pb_closed"], periods=[(2015, 2020)], sexes=["_T"])
            by_age = ingest_user_table(wh, mirror / BY_AGE, GALLERY / "eurostat-immigration-by-age.yaml")
            matrix = ingest_user_table(wh, mirror / WB_MATRIX, GALLERY / "worldbank-matrix-2017.yaml")
            wh.withdraw([matrix.dataset_id], REASON)
    env = {"CORRIDOR_USER_REFERENCE": str(reference), "CORRIDOR_TOKENS": "",
           "CORRIDOR_AUDIT_LOG": str(folder / "audit.jsonl")}
    with corridor_serve(path, folder, env=env) as (url, _):
        yield {"url": url, "by_age": by_age.dataset_id, "withdrawn": matrix.dataset_id}


@pytest.fixture()
def page(browser, site: dict[str, str]) -> Iterator[Visit]:
    v = Visit(browser, site["url"])
    yield v
    v.close()


def withdrawn_text() -> str:
    return f"withdrawn on {dt.datetime.now(dt.UTC).date().isoformat()}: {REASON}"


def test_withdrawn_dataset_is_named_not_drawn_on_the_country_page(page: Visit, site: dict[str, str]) -> None:
    page.open("/country/840")
    page.wait_charts()
    note = page.page.locator(f'#stocks .withdrawn[data-dataset="{site["withdrawn"]}"]').first
    assert withdrawn_text() in note.inner_text()
    specs = page.page.evaluate("() => [...document.querySelectorAll('#stocks [data-vega]')]"
                               ".map(el => document.getElementById(el.dataset.spec).textContent).join(' ')")
    assert "undesa-ims" in specs and site["withdrawn"] not in specs  # the lines drawn: UN DESA's, not its
    sources = page.page.locator("#stocks p.source").all_inner_texts()
    assert not any(site["withdrawn"] in s for s in sources), sources  # not among the lines' sources
    latest = page.page.locator("#stocks .kpi").all_inner_texts()
    assert latest and not any(site["withdrawn"] in k for k in latest)
    page.screenshot("user-table-withdrawn-country")


def test_withdrawn_dataset_entry_under_sources(page: Visit, site: dict[str, str]) -> None:
    page.open("/sources")
    entry = page.page.locator(f'article.dataset.withdrawn[id="ds-{site["withdrawn"]}"]')
    assert entry.count() == 1
    assert withdrawn_text() in entry.inner_text()
    assert page.page.locator(f'article.dataset.withdrawn[id="ds-{site["by_age"]}"]').count() == 0


def test_withdrawn_dataset_leaves_the_corridor_and_the_latest_figures(page: Visit, site: dict[str, str]) -> None:
    page.open("/corridor/484/840")
    note = page.page.locator(f'.withdrawn[data-dataset="{site["withdrawn"]}"]')
    assert withdrawn_text() in note.inner_text()
    assert site["withdrawn"] not in page.page.locator("#MIG_STOCK").inner_text()
    answer = httpx.get(site["url"] + "/data/MIG_STOCK/840.484._T?format=csv", timeout=120)
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and site["withdrawn"] not in {r["dataset_id"] for r in rows}


def test_withdrawn_vintage_is_labelled_in_the_explorer(page: Visit, site: dict[str, str]) -> None:
    """The explorer's vintage list still offers the withdrawn dataset (asOf reaches its record), but says
    it is withdrawn, with date and reason (it was listed like any other vintage)."""
    page.open("/explore?flow=MIG_STOCK")
    option = page.page.locator(f'select[name="as_of"] option[value="{site["withdrawn"]}"]')
    assert option.count() == 1 and withdrawn_text() in option.inner_text()
    kept = page.page.locator('select[name="as_of"] option[value="undesa-ims-2019-od"]').inner_text()
    assert "withdrawn" not in kept


def test_register_flows_beside_estimates_romania_spain(page: Visit, site: dict[str, str]) -> None:
    page.open("/corridor/642/724")
    page.wait_charts()
    order = page.page.locator("#corridor-order a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert order.index("#MIG_FLOW_REG") == order.index("#MIG_FLOW") + 1, order  # side by side
    estimates = page.page.locator("#MIG_FLOW")
    assert "Estimated" in estimates.locator("h2").inner_text()
    assert "never added together" in estimates.locator("#estimates-vs-observed").inner_text()
    observed = page.page.locator("#MIG_FLOW_REG")
    assert "Observed register counts, not estimates" in observed.inner_text()
    assert observed.locator("[data-vega]").get_attribute("data-state") == "rendered"
    row = observed.locator("#register-all-ages tr", has_text="2023")
    assert row.count() == 1  # one direction, one dataset, all ages: the release's row
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "immigration recorded by Spain"
    assert cells[2].replace(",", "").replace("\u202f", "") == "43480"  # MANIFEST.md
    ages = observed.locator(f'table.register-by-age[data-dataset="{site["by_age"]}"]')
    assert ages.count() == 1
    assert ages.locator('tr[data-age="Y15T64"] td').nth(1).inner_text().replace(",", "") == "36603"
    assert ages.locator('tr[data-age="Y20T24"] td').nth(1).inner_text().replace(",", "") == "3562"
    assert "2023" in observed.locator("h3", has_text="By age").inner_text()
    # the estimated panel's numbers are the estimates alone: no register dataset among them
    assert site["by_age"] not in estimates.inner_text()
    assert "eurostat-immigration-prev-residence" not in estimates.inner_text()
    page.screenshot("user-table-register-beside-estimates")
