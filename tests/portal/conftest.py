"""Fixtures for the portal tests: the real warehouse, ``corridor serve`` on loopback, and chromium.

The warehouse is the session fixture ``loaded_warehouse`` (every catalogue release ingested from the
real mirror); while a checkout lacks it, the releases the pages need are ingested here with the real
adapters. The server is the real ``corridor serve`` (FastAPI app from ``corridor.publish.app``, uvicorn)
in its own process on a free loopback port. The browser is Debian's ``chromium`` driven by Playwright;
without it the browser tests skip locally and fail under CI (``CI=true``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from corridor.publish.portal.queries.catalogue import CENSUS_QUESTION
from corridor.reference.codes import codes
from corridor.store.warehouse import DatasetMeta, Warehouse
from tests.serving import corridor_serve

#: Releases the portal's pages draw on (used only when ``loaded_warehouse`` is not defined).
PORTAL_RELEASES = ("undesa-ims-2019-od", "undesa-ims-2019-totals", "undesa-ims-2020-sex-destination",
                   "wpp2019-population", "wpp2024-births-deaths", "wb-bilateral-migration-2017",
                   "wb-bilateral-remittances-2017", "wb-rpw-corridor-costs", "unhcr-2020",
                   "abel-2018-regional-flows")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def portal_warehouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                     mirror: Path) -> Path:
    """A copy of the real warehouse plus real flow estimates (so the chord has country flows).

    The estimates are corridor's own demographic-accounting runs (``da_min_closed`` and ``da_pb_closed``,
    2010-2015 and 2015-2020, both sexes, with the calibrated interval) on the ingested UN DESA stocks and WPP
    population, births and deaths, written by the flows package exactly as ``corridor flows estimate``
    writes them: two methods and two periods, so the panels' choice of period and method is tested.
    """
    from corridor.estimate.flows.store import estimate_into_warehouse

    path = tmp_path_factory.mktemp("portal") / "corridor.duckdb"
    try:
        shutil.copyfile(Path(request.getfixturevalue("loaded_warehouse")), path)
    except pytest.FixtureLookupError:
        from corridor.sources.ingest import ingest_release

        with Warehouse.open(path) as wh:
            for release_id in PORTAL_RELEASES:
                ingest_release(wh, release_id, mirror=mirror)
    with Warehouse.open(path) as wh:
        estimate_into_warehouse(wh, methods=["da_min_closed", "da_pb_closed"], periods=[(2010, 2015), (2015, 2020)],
                                sexes=["_T"])
        write_census_answers(wh, "ipums-cps-00160", ref_area="840", reference_year=2016, kind="survey",
                             answered={"C": "MIGRATE1"})
    return path


def write_census_answers(wh: Warehouse, source: str, *, ref_area: str, reference_year: int, kind: str,
                         answered: dict[str, str]) -> str:
    """Record which core census questions ``source`` answers, as dataflow ``CENSUS_QUESTION`` observations.

    The shape ``corridor.microdata.compliance.record_compliance`` writes (one dataset ``census:<source>``
    of kind ``kind``, one series per source; per core topic A..E value 1 answered / 0 not, the answering
    variable in ``basis``, TIME_PERIOD the reference year, method ``recorded``), written here through
    ``Warehouse.write_dataset`` so that the portal's tests do not depend on that module's version.
    The material: the real IPUMS CPS 2016 extract in the mirror carries MIGRATE1 (residence one year
    ago, core question C) and none of the other core questions.
    """
    topics = [code for code in codes("CORE_TOPIC") if code != "_T"]
    obs = pd.DataFrame({
        "dataflow": CENSUS_QUESTION, "ref_area": ref_area, "topic": topics, "time_period": str(reference_year),
        "value": [1.0 if t in answered else 0.0 for t in topics], "basis": [answered.get(t) for t in topics],
        "method": "recorded", "unit_measure": "PURE_NUMB", "obs_status": "A",
    })
    meta = DatasetMeta(dataset_id=f"census:{source}", series=f"census-questions/{source}",
                       vintage="20260101T000000", kind=kind, title=f"Core census questions answered by {source}",
                       publisher="corridor", method="recorded")
    return wh.write_dataset(meta, obs)


@pytest.fixture()
def wh(portal_warehouse: Path) -> Iterator[Warehouse]:
    with Warehouse.open(portal_warehouse, read_only=True) as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def portal_url(portal_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of ``corridor serve`` over the real warehouse, in its own process."""
    folder = tmp_path_factory.mktemp("portal_serve")
    env = {"CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": str(folder / "audit.jsonl")}
    with corridor_serve(portal_warehouse, folder, env=env) as (url, _process):
        yield url


class Visit:
    """A page in a fresh context that records every request it makes (to prove nothing leaves the host)."""

    def __init__(self, browser, base_url: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                           base_url=base_url)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, path: str):
        response = self.page.goto(path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        return response

    def wait_charts(self, timeout: float = 30_000) -> None:
        """Wait until every chart container is drawn (``data-state`` set by static/js/portal.js)."""
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('[data-vega],[data-chord]')]"
            ".every(el => el.dataset.state === 'rendered' || el.dataset.state === 'error')",
            timeout=timeout)
        failed = self.page.eval_on_selector_all("[data-state=error]", "els => els.map(e => e.id + ': ' + e.innerText)")
        assert not failed, failed

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base_url) or u.startswith("data:"))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def visit(browser, portal_url: str) -> Iterator[Visit]:
    v = Visit(browser, portal_url)
    yield v
    v.close()
