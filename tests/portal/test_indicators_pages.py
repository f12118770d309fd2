"""The development pages in a real browser: balance sheet, corridor view, ratification map.

Served by the real ``corridor serve`` over a copy of the portal's real warehouse (every catalogue
release, the ICMW treaty table and WPP 2024 net migration included) with the SDG 10.c.1 indicators
computed into it by ``corridor.indicators``; driven by Debian's chromium through Playwright. Each test
checks figures against the warehouse or the source file, that nothing is fetched from outside the
host, and leaves a full-page screenshot under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.indicators.write import remittance_cost_indicators
from corridor.sources.ingest import ingest_release
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse
from tests.portal.conftest import Visit
from tests.serving import corridor_serve

NEEDED = ("treaty-status-icmw", "wpp2024-net-migration", "wb-rpw-corridor-costs", "wb-bilateral-remittances-2017")


@pytest.fixture(scope="module")
def indicators_portal(portal_warehouse: Path, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("indicators_portal") / "corridor.duckdb"
    shutil.copyfile(portal_warehouse, path)
    with Warehouse.open(path) as wh:
        for release_id in NEEDED:  # no-ops where the portal's warehouse already holds them (same bytes)
            ingest_release(wh, release_id, mirror=mirror)
        remittance_cost_indicators(wh)
    return path


@pytest.fixture(scope="module")
def url(indicators_portal: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("indicators_serve")
    env = {"CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": str(folder / "audit.jsonl")}
    with corridor_serve(indicators_portal, folder, env=env) as (base, _process):
        yield base


@pytest.fixture()
def v(browser, url: str) -> Iterator[Visit]:
    visit = Visit(browser, url)
    yield visit
    visit.close()


def _latest(path: Path, flow: str, **filters: str) -> tuple[str, float]:
    with Warehouse.open(path, read_only=True) as wh:
        frame = wh.select(Selection.of(flow, **filters))
    frame = frame[frame["value"].notna()]
    row = frame.sort_values("time_period").iloc[-1]
    return row.time_period, float(row.value)


def test_balance_sheet_shows_values_signs_and_gaps_and_downloads(v: Visit, indicators_portal: Path) -> None:
    v.open("/balance/484")
    page = v.page
    assert page.inner_text("h1") == "Development balance sheet: Mexico"
    cells = page.eval_on_selector_all("td.cell", "els => els.map(e => e.dataset.cell)")
    assert len(cells) == 36 and len(set(cells)) == 36                       # 4 dimensions x 3 levels x 3 locations
    gaps = page.eval_on_selector_all("td.cell.gap", "els => els.length")
    assert f"{gaps} of 36 cells have no indicator" in page.inner_text(".lede")
    assert gaps > 0
    weighted = page.inner_text("[data-indicator=remit_cost_avg_weighted]")
    quarter, value = _latest(indicators_portal, "REMIT_COST_IND", ref_area="484", counterpart_area="_T",
                             topic="AVG_WEIGHTED")
    assert f"{value:.2f}" in weighted and quarter in weighted and "2017" in weighted   # weights and their year
    assert "Expected sign: negative" in weighted and "Remittance Prices Worldwide" in weighted
    treaty = page.inner_text("[data-indicator=treaty_icmw_party]")
    assert "state party since 1999" in treaty                                   # hr_status_icmw.csv: Mexico 1999
    assert "not computable" in page.inner_text("[data-indicator=remit_cost_smart]")
    v.screenshot("balance-484")
    with page.expect_download() as download:
        page.click("#balance-download")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert {(r["dimension"], r["level"], r["location"]) for r in rows} == {tuple(c.split("/")) for c in cells}
    assert sum(1 for r in rows if r["note"].startswith("gap in the evidence")) == gaps
    got = next(r for r in rows if r["indicator"] == "remit_cost_avg_weighted")
    assert float(got["value"]) == pytest.approx(value) and got["dataset_id"].startswith("ind:remittance-costs@")
    assert v.outside_requests() == [] and v.errors == []


def test_corridor_view_puts_costs_remittances_and_rights_side_by_side(v: Visit, indicators_portal: Path) -> None:
    v.open("/corridor/484/840")
    v.wait_charts()
    section = v.page.inner_text("#development")
    quarter, cost = _latest(indicators_portal, "REMIT_COST", ref_area="484", counterpart_area="840")
    assert quarter == "2020-Q3" and f"{cost:,.2f}" in section                    # RPW USA -> Mexico 2020Q3: 4.18
    assert "GAP_3" in section and "GAP_5" in section and "CHG_YOY" in section
    assert "11,489,684" in section                                   # UN DESA IMS 2019: Mexico-born in the USA
    assert "wb-bilateral-remittances-2017" in section
    treaties = v.page.inner_text("#development-treaties")
    assert "Mexico" in treaties and "state party since 1999" in treaties
    assert "United States of America" in treaties and "no action" in treaties
    # the generic panels no longer mix the indicator measures into one series
    assert v.page.query_selector("section#REMIT_COST_IND") is None
    v.screenshot("corridor-development-484-840")
    assert v.outside_requests() == [] and v.errors == []


def test_ratification_map_and_roles(v: Visit) -> None:
    v.open("/ratifications?treaty=ICMW")
    v.wait_charts()
    page = v.page
    assert page.inner_text("#count-parties") == "57"                            # hr_status_icmw.csv: 57 parties
    assert page.eval_on_selector("#ratification-map", "el => el.querySelectorAll('path').length") > 100
    roles = page.inner_text("#treaty-roles")
    assert "net emigration" in roles and "net immigration" in roles and "2012-2021" in roles
    mexico = page.inner_text("#treaty-states tr:has(a[href='/country/484'])")
    assert "1999" in mexico and "net emigration" in mexico                       # WPP 2024: Mexico loses people
    v.screenshot("ratifications-icmw")
    v.open("/country/608")
    assert "state party since 1995" in page.inner_text("#development")           # the Philippines
    assert v.outside_requests() == [] and v.errors == []
