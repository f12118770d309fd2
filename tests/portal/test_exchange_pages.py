"""The labour mobility exchange in ``corridor serve``: its JSON API, the public statistics pages and a
worker's own page, over HTTP and in a real browser (Debian's chromium via Playwright).

The server is the real ``corridor serve`` in its own process, on a warehouse built by the real ingest
(UN DESA IMS 2019 origin-destination stocks, for the SYNTHETIC corridors) into which the exchange's
statistics and matching quality were published, and on a SQLite registry holding SYNTHETIC data on
real corridors plus the hand-made PH -> DE world of ``tests.exchange.seed`` (invented names). What is
checked: the pages show aggregates only, labelled SYNTHETIC, with the published figures; every role sees
only what it may (public, worker, another worker, employer, unknown token, forged cookie, a form posted
from another site), each refusal is audited and each read of a worker's record too; the token never
appears in an address and the session cookie is HttpOnly and SameSite=Strict. Screenshots go to
``test-artifacts/screenshots/exchange-*.png``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from corridor.exchange import bulk, db
from corridor.exchange.access import Principal
from corridor.exchange.codelists import esco
from corridor.exchange.crypto import Cipher
from corridor.exchange.market import load_market
from corridor.exchange.matching import match
from corridor.exchange.quality import outcome_evaluation, run_quality, time_to_match
from corridor.exchange.quality_publish import publish_quality
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import publish_statistics
from corridor.exchange.synthetic import corridors_from_stocks, generate, simulate_outcomes
from corridor.publish.portal.areas import area_name
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse
from tests.exchange.seed import build
from tests.portal.conftest import Visit
from tests.serving import corridor_serve
from tests.warehouses import ingested_warehouse

RUN = date(2026, 7, 1)
TOKENS = {"maria": "maria-token-0123456789", "ravi": "ravi-token-0123456789", "emp-a": "employer-token-0123",
          "pes-ph": "pes-token-0123456789", "auditor": "auditor-token-012345"}
RESIDENCE = "300"  # Greece: where Maria lives now, which no page may show
PERSONAL = ("Maria Testcase Santos", "maria.santos@example.test", "Ravi Exampleperson", "SYNTHETIC person")


class Site:
    def __init__(self, url: str, registry: Registry, world, tables: dict, maria_placement: int) -> None:
        self.url, self.registry, self.world, self.tables = url, registry, world, tables
        self.maria_placement = maria_placement

    def audit(self) -> list[dict]:
        return self.registry.audit_log(Principal("auditor"))


@pytest.fixture(scope="module")
def site(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    warehouse = ingested_warehouse(tmp_path_factory, "exchange_portal", ["undesa-ims-2019-od"], mirror)
    folder = tmp_path_factory.mktemp("exchange_serve")
    key = Fernet.generate_key()
    url = f"sqlite:///{folder / 'exchange.sqlite'}"
    engine = db.engine_for(url)
    db.upgrade(engine)
    reg = Registry(engine, Cipher(key))
    occupations = esco("1.1.1", mirror=str(mirror), cache_dir=str(folder / "cache"))
    with Warehouse.open(warehouse, read_only=True) as wh:
        corridors = corridors_from_stocks(wh, top=4)  # small: cell suppression is slow
    world = generate(corridors, occupations, n_jobseekers=400, n_vacancies=40, seed=5)
    for kind, records in (("agreement", world.agreements), ("employer", world.employers),
                          ("vacancy", world.vacancies), ("jobseeker", world.jobseekers)):
        bulk.load(reg, kind, records, actor="synthetic")
    w = build(reg)  # after the SYNTHETIC records, whose ids are fixed
    reg.update_jobseeker(Principal("worker", w.maria), w.maria, residence=RESIDENCE)
    market = load_market(reg, RUN)
    result = match(market, essential_skills=occupations.essential_skills)
    ids = reg.propose(result.matches, actor="test")
    [maria_placement] = [pid for pid, m in zip(ids, result.matches, strict=True) if m["jobseeker_id"] == w.maria]
    reg.move_placement("test", maria_placement, "offered")
    simulate_outcomes(reg, seed=5)
    report = {"run": run_quality(result, market), "time_to_match": time_to_match(reg),
              "score_vs_outcome": outcome_evaluation(reg)}
    with Warehouse.open(warehouse) as wh:
        publish_statistics(reg, wh, synthetic=True)
        publish_quality(report, wh, on=RUN.isoformat(), synthetic=True)
        tables = {flow: wh.select(Selection.of(flow)) for flow in ("EXCH_VACANCY", "EXCH_JOBSEEKER")}
    people = {"maria": Principal("worker", w.maria), "ravi": Principal("worker", w.ravi),
              "emp-a": Principal("employer", w.employer_a), "pes-ph": Principal("pes", w.pes_ph),
              "auditor": Principal("auditor")}
    tokens_file = folder / "exchange-tokens.json"
    tokens_file.write_text(json.dumps([{"sha256": hashlib.sha256(TOKENS[n].encode()).hexdigest(), "role": p.role,
                                        "subject_id": p.subject_id} for n, p in people.items()]))
    env = {"CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": str(folder / "audit.jsonl"), "CORRIDOR_EXCHANGE_DB": url,
           "CORRIDOR_EXCHANGE_KEY": key.decode(), "CORRIDOR_EXCHANGE_TOKENS": str(tokens_file)}
    with corridor_serve(warehouse, folder, env=env) as (base, _process):
        yield Site(base, reg, w, tables, maria_placement)
    engine.dispose()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _sign_in(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/labour-exchange/me/sign-in", data={"token": token})


# -- public statistics pages ---------------------------------------------------------------------------

def test_statistics_pages_show_published_aggregates_labelled_synthetic(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        pages = {path: client.get(path) for path in (
            "/labour-exchange", "/labour-exchange?flow=EXCH_JOBSEEKER&level=2",
            "/labour-exchange?flow=EXCH_TIME_TO_FILL", "/labour-exchange/corridor/608/276",
            "/labour-exchange/quality")}
    for path, response in pages.items():
        assert response.status_code == 200, path
        assert "SYNTHETIC DATA" in response.text, path
        for personal in PERSONAL:  # aggregates only: no name, no contact, no synthetic person
            assert personal not in response.text, (path, personal)
    # the heat map shows the published figure of the largest cell (destination x major group) of the quarter
    vac = site.tables["EXCH_VACANCY"]
    vac = vac[(vac["counterpart_area"] == "_T") & (vac["ref_area"] != "_T") & (vac["topic"].str.len() == 1)]
    latest = sorted(vac["time_period"].unique())[-1]
    assert f'<option value="{latest}" selected' in pages["/labour-exchange"].text  # the latest quarter first
    best = vac.dropna(subset=["value"]).sort_values("value").iloc[-1]
    with httpx.Client(base_url=site.url, timeout=60) as client:
        home = client.get(f"/labour-exchange?quarter={best['time_period']}").text
    row = re.search(rf'<th scope="row">{re.escape(area_name(best["ref_area"]))}</th>(.*?)</tr>', home)
    assert row is not None and f"{best['value']:,.0f}" in _text(row.group(1))
    # suppressed cells are named, never shown as zero
    assert "suppressed" in pages["/labour-exchange?flow=EXCH_JOBSEEKER&level=2"].text
    # the corridor page shows the PH -> DE nurses: 2 + 1 openings (seed) are below 5 and suppressed
    corridor = _text(pages["/labour-exchange/corridor/608/276"].text)
    assert "Philippines" in corridor and "Germany" in corridor
    quality = _text(pages["/labour-exchange/quality"].text)
    assert "Stable: the independent checker found no blocking pair" in quality
    assert "Brier" in quality and "Calibration" in quality


def test_the_exchange_api_is_served_by_corridor_serve(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        assert client.get(f"/exchange/agreements/{site.world.agreement}").json()["origin"] == "608"
        # writes reach the exchange (refused for the public by its rules, not by the read-only guard)
        assert client.post("/exchange/jobseekers", json=[]).status_code == 403
        assert client.post("/data/MIG_STOCK/all", json=[]).status_code == 405
        assert client.get(f"/exchange/jobseekers/{site.world.maria}").status_code == 403
        own = client.get(f"/exchange/jobseekers/{site.world.maria}",
                         headers={"Authorization": f"Bearer {TOKENS['maria']}"})
        assert own.status_code == 200 and own.json()["personal"]["name"] == "Maria Testcase Santos"
        stats = client.get("/exchange/statistics/EXCH_TIME_TO_FILL")
        assert stats.status_code == 200 and stats.headers.get("x-corridor-snapshot") is not None


# -- a worker's own page -------------------------------------------------------------------------------

def test_a_worker_signs_in_by_post_and_sees_only_their_own_page(site: Site) -> None:
    before = len(site.audit())
    with httpx.Client(base_url=site.url, timeout=60) as client:
        anonymous = client.get("/labour-exchange/me")
        assert anonymous.status_code == 200 and 'method="post"' in anonymous.text
        assert "Maria" not in anonymous.text
        signed = _sign_in(client, TOKENS["maria"])
        assert signed.status_code == 303 and TOKENS["maria"] not in signed.headers["location"]
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/labour-exchange/me" in cookie
        assert TOKENS["maria"] not in cookie
        page = client.get("/labour-exchange/me")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = _text(page.text)
    assert "Maria Testcase Santos" in text and "Ravi" not in text
    assert "Why this match" in text and "credentials" in text and "recognisable" in text
    assert "return ticket paid by employer" in text and "paid by employer" in text  # the agreement's guarantees
    assert f"Offer {site.maria_placement}" in text
    assert "Greece" not in text and f"<code>{RESIDENCE}</code>" not in page.text  # never where she lives
    reads = [a for a in site.audit()[before:] if a["allowed"] and a["entity_id"] == site.world.maria]
    assert {(a["role"], a["entity"]) for a in reads} >= {("worker", "jobseeker"), ("worker", "placements")}


def test_a_worker_reaches_their_own_fee_ledger_from_the_same_session(site: Site) -> None:
    """The ledger of issue 13 is on the worker's own session (no Authorization header in a browser)."""
    before = len(site.audit())
    with httpx.Client(base_url=site.url, timeout=60) as client:
        anonymous = client.get("/labour-exchange/me/ledger")
        assert anonymous.status_code == 200 and 'method="post"' in anonymous.text
        assert "My recruitment costs" not in anonymous.text
        _sign_in(client, TOKENS["maria"])
        assert 'href="/labour-exchange/me/ledger"' in client.get("/labour-exchange/me").text
        ledger = client.get("/labour-exchange/me/ledger")
    assert ledger.status_code == 200 and ledger.headers["cache-control"] == "no-store"
    assert "My recruitment costs" in ledger.text and f"Worker {site.world.maria}" in _text(ledger.text)
    reads = [a for a in site.audit()[before:] if a["allowed"] and a["entity_id"] == site.world.maria
             and a["role"] == "worker"]
    assert "ledger" in {a["entity"] for a in reads}  # the read of the ledger is audited


def test_other_roles_and_forgeries_are_refused_and_audited(site: Site) -> None:
    before = len(site.audit())
    with httpx.Client(base_url=site.url, timeout=60) as client:
        employer = _sign_in(client, TOKENS["emp-a"])
        assert employer.status_code == 403 and "set-cookie" not in employer.headers
        assert _sign_in(client, "not-a-token").status_code == 401
        client.cookies.set("corridor_exchange_session", "a" * 64 + ".9999999999.b", path="/labour-exchange/me")
        forged = client.get("/labour-exchange/me")
        assert "Maria" not in forged.text and 'name="token"' in forged.text
        client.cookies.clear()
        foreign = client.post("/labour-exchange/me/sign-in", data={"token": TOKENS["maria"]},
                              headers={"Origin": "https://elsewhere.example"})
        assert foreign.status_code == 403
    with httpx.Client(base_url=site.url, timeout=60) as ravi:
        assert _sign_in(ravi, TOKENS["ravi"]).status_code == 303
        page = ravi.get("/labour-exchange/me")
        assert "Ravi Exampleperson" in page.text and "Maria" not in page.text
        # Ravi cannot consent for Maria's placement
        assert ravi.post(f"/labour-exchange/me/share/{site.maria_placement}").status_code == 403
    refused = [(a["role"], a["action"], a["reason"]) for a in site.audit()[before:] if not a["allowed"]]
    assert ("employer", "sign-in", "the worker's page is for workers only") in refused
    assert ("public", "sign-in", "unknown token") in refused
    assert ("worker", "share", "only the worker concerned can consent") in refused


# -- in a real browser ---------------------------------------------------------------------------------

@pytest.fixture()
def exchange_visit(browser, site: Site) -> Iterator[Visit]:
    v = Visit(browser, site.url)
    yield v
    v.close()


@pytest.mark.browser
def test_statistics_pages_in_a_browser(exchange_visit: Visit) -> None:
    v = exchange_visit
    v.open("/labour-exchange?level=2&quarter=2026-Q1")  # the SYNTHETIC vacancies were posted in 2026-Q1 and Q2
    v.wait_charts()
    marks = v.page.eval_on_selector("#exchange-heatmap", "el => el.querySelectorAll('svg path, svg rect').length")
    cells = v.page.eval_on_selector_all("#heat-table tbody td", "tds => tds.filter(td => td.innerText.trim() !== "
                                        "'none').length")
    assert cells > 5 and marks >= cells  # every published or suppressed cell is drawn
    assert "SYNTHETIC DATA" in v.page.inner_text("#synthetic-banner")
    v.screenshot("exchange-heatmap")
    with v.page.expect_navigation():
        v.page.select_option("select[name=flow]", "EXCH_JOBSEEKER")
    assert "flow=EXCH_JOBSEEKER" in v.page.url
    v.wait_charts()
    v.page.click("#corridors a >> nth=0")
    v.wait_charts()
    assert "supply and demand" in v.page.inner_text("h1")
    v.screenshot("exchange-corridor")
    v.open("/labour-exchange/quality")
    v.wait_charts()
    assert v.page.eval_on_selector("#exchange-calibration", "el => el.querySelectorAll('svg path').length") > 3
    v.screenshot("exchange-quality")
    assert v.outside_requests() == [] and v.errors == []


@pytest.mark.browser
def test_a_worker_signs_in_in_a_browser_and_other_roles_cannot(exchange_visit: Visit, site: Site) -> None:
    v = exchange_visit
    page = v.page
    v.open("/labour-exchange/me")
    page.fill("#token", TOKENS["emp-a"])
    with page.expect_navigation():
        page.click("#signin button[type=submit]")
    assert "employer tokens cannot sign in" in page.inner_text("#signin-message")
    v.screenshot("exchange-worker-refused-employer")
    assert v.errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
    v.errors.clear()  # the refusal above is the one error expected
    page.fill("#token", TOKENS["maria"])
    with page.expect_navigation():
        page.click("#signin button[type=submit]")
    assert page.inner_text("#worker-name") == "Maria Testcase Santos"
    assert page.url.endswith("/labour-exchange/me") and TOKENS["maria"] not in page.url
    assert all(TOKENS["maria"] not in u for u in v.requests)
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script reads the session
    assert page.locator(f"#placement-{site.maria_placement} table.rules tbody tr").count() >= 5
    assert "Greece" not in page.inner_text("main")
    v.screenshot("exchange-worker-page")
    # the public statistics pages do not receive the session cookie (Path=/labour-exchange/me)
    cookies = v.context.cookies()
    assert [c["path"] for c in cookies] == ["/labour-exchange/me"] and cookies[0]["httpOnly"]
    assert cookies[0]["sameSite"] == "Strict"
    with page.expect_navigation():
        page.click("#sign-out")
    assert page.locator("#token").count() == 1 and "Maria" not in page.inner_text("main")
    v.screenshot("exchange-worker-signed-out")
    assert v.outside_requests() == [] and v.errors == []
