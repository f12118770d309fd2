"""The worker's ledger page and the corridor page's SDG 10.7.1 panel in a real chromium (Playwright), with
screenshots in test-artifacts/screenshots/.

The worker's page is served by the exchange's app (``create_exchange_app``) under uvicorn on a loopback
port, over a real SQLite registry; the SDG 10.7.1 panel by the real ``corridor serve`` over a warehouse
holding the real UN DESA 2019 origin-destination stocks and a SYNTHETIC ledger indicator for Philippines ->
Republic of Korea (labelled so in its dataset). What this proves: the worker sees their charges, the
violations and what they are owed, the corrections kept in the history, their periods and the estimate;
an employer gets a refusal page; the panel shows means and medians by breakdown with suppressed cells
marked, and nothing is fetched from outside the host."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
import uvicorn

from corridor.exchange import db
from corridor.exchange.access import Principal
from corridor.exchange.api import create_exchange_app
from corridor.exchange.crypto import Cipher
from corridor.exchange.ledger import Ledger
from corridor.exchange.recruiters import Recruiters
from corridor.exchange.registry import Registry
from corridor.exchange.sdg1071 import publish, summarise
from corridor.exchange.worker_view import record_periods
from corridor.store.warehouse import Warehouse
from tests.portal.conftest import Visit
from tests.recruitment.test_ledger_and_recruiters import RATE, _world
from tests.serving import corridor_serve, free_port
from tests.warehouses import ingested_warehouse


@pytest.fixture
def exchange_server(tmp_path: Path, key: bytes) -> Iterator[tuple[str, dict[str, int]]]:
    engine = db.engine_for(f"sqlite:///{tmp_path / 'ex.sqlite'}")
    db.upgrade(engine)
    reg = Registry(engine, Cipher(key))
    w = _world(reg)
    ledger = Ledger(reg)
    me = Principal("worker", w["worker"])
    fee = ledger.record(me, w["worker"], category="recruitment_fee", side="origin", jurisdiction="608",
                        payer="worker", payee="Agency A", amount=9000.0, on=date(2026, 3, 2), **RATE)
    ledger.correct(me, fee, amount=8000.0)  # US$160
    ledger.record("system", w["worker"], category="kickback", side="destination", jurisdiction="410",
                  payer="worker", payee="Broker B", amount=2500.0, on=date(2026, 5, 2), **RATE)  # US$50
    ledger.record("system", w["worker"], category="medical", side="origin", jurisdiction="608",
                  payer="employer", payee="Clinic", amount=3000.0, on=date(2026, 2, 20), **RATE)
    record_periods(ledger, w["worker"], "HOLZMANN-AB-DIRECT", {"EXAMPLE_A": 18, "EXAMPLE_B": 24})
    rec = Recruiters(reg)
    agency = rec.add_recruiter("Agency A", "agency", "608")
    rec.set_status(rec.add_licence(agency, "608", "L-1", "authority", date(2025, 1, 1)), "suspended",
                   date(2026, 3, 1), "complaint upheld")
    rec.record_act(w["placement"], agency, "contracted", "608", date(2026, 3, 2))
    tokens = {hashlib.sha256(b"me").hexdigest(): me,
              hashlib.sha256(b"emp").hexdigest(): Principal("employer", w["employer"])}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_exchange_app(reg, tokens), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the exchange app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", w
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_the_worker_sees_their_ledger_and_estimate(browser, exchange_server) -> None:
    url, w = exchange_server
    visit = Visit(browser, url)
    visit.context.set_extra_http_headers({"Authorization": "Bearer me"})
    try:
        visit.open(f"/exchange/worker/{w['worker']}")
        page = visit.page
        assert page.get_attribute("[data-owed]", "data-owed") == "210.0"  # 160 (employer's) + 50 (kickback)
        rows = page.locator("#charges tbody tr")
        assert rows.count() == 3
        text = page.inner_text("#charges")
        assert "The employer must pay this" in text and "Illegitimate cost: never allowed" in text
        assert "8,000.00 PHP" in text and "0.02 on 2026-03-01 (test rate)" in text
        assert "corrects entry 1" in page.inner_text("#history")
        assert page.inner_text("#estimate") == "928.0"
        assert "Licence suspended that day" in page.inner_text("#recruiters")
        visit.screenshot("worker-ledger")
        assert visit.outside_requests() == [] and visit.errors == []
    finally:
        visit.close()
    other = Visit(browser, url)
    other.context.set_extra_http_headers({"Authorization": "Bearer emp"})
    try:
        response = other.page.goto(f"/exchange/worker/{w['worker']}")
        assert response.status == 403 and "may not read ledger" in other.page.inner_text("#denied")
        other.screenshot("worker-ledger-refused")
    finally:
        other.close()


@pytest.fixture(scope="module")
def sdg_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = ingested_warehouse(tmp_path_factory, "sdg1071", ["undesa-ims-2019-od"], mirror)
    n = 60  # SYNTHETIC workers 608 -> 410, for the panel only
    rng = pd.Series(range(n))
    workers = pd.DataFrame({"worker": rng, "ref_area": "410", "counterpart_area": "608", "sex": "_T",
                            "isco1": (rng % 3 + 7).astype(str).where(rng < 57, "2"),
                            "sector": ["C", "F"] * (n // 2), "earnings_usd": 1500.0,
                            "cost_usd": (rng % 5) * 150.0})
    workers["ratio"] = workers["cost_usd"] / workers["earnings_usd"]
    with Warehouse.open(path) as wh:
        publish(wh, summarise(workers, min_cell=5), time_period="2026", source="ledger",
                title="SYNTHETIC ledger for the browser test", synthetic=True)
    return path


def test_the_corridor_page_shows_the_sdg_1071_panel(browser, sdg_warehouse: Path,
                                                     tmp_path: Path) -> None:
    with corridor_serve(sdg_warehouse, tmp_path, env={"CORRIDOR_TOKENS": ""}) as (url, _proc):
        visit = Visit(browser, url)
        try:
            visit.open("/corridor/608/410")
            panel = visit.page.locator("#SDG_10_7_1")
            assert panel.count() == 1 and "SYNTHETIC" in panel.inner_text()  # the dataset says what it is
            total = panel.locator("tr[data-topic='_T'] td").all_inner_texts()
            assert total[1] == "0.20"  # mean of 0, 0.1, 0.2, 0.3, 0.4 (each 12 workers)
            assert total[2] == "0.20"  # the weighted median
            assert "suppressed" in panel.locator("tr[data-topic='OCC_2']").inner_text().lower()  # 3 workers
            visit.wait_charts()
            visit.screenshot("corridor-sdg1071-panel")
            assert visit.outside_requests() == []
        finally:
            visit.close()
        # the same figures from the SDMX data API (served from the warehouse like every dataflow)
        api = httpx.get(f"{url}/data/SDG_10_7_1/410.608._T._T.sdg1071_mean+sdg1071_median?format=csv", timeout=30)
        assert api.status_code == 200
        got = pd.read_csv(io.StringIO(api.text))
        assert sorted(got["value"].round(6)) == [0.2, 0.2]
