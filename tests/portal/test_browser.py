"""The portal in a real browser (Debian's chromium, headless, via Playwright) against ``corridor serve``.

What each test proves: the page loads (HTTP 200, no script error), every chart on it is drawn with data
(SVG present with marks), the page's controls change what is shown (state in the URL), downloads
return the rows the table shows, and the browser fetches nothing from any other host. Each test saves a
full-page screenshot under ``test-artifacts/screenshots/``.

Reference figures come from the publishers' releases (see ``shared/docs/REFERENCE_VALUES.md``):
UN DESA IMS 2019, Mexico-born living in the USA in 2019: 11,489,684; World Bank bilateral matrix
2017, Mexico -> USA: 11,573,680; UN DESA IMS 2020, world 2020: 280,598,105; Abel (2018) regional flows
2010-15: 36,458,734.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

pytestmark = pytest.mark.browser


def _svg_marks(page, selector: str) -> int:
    """Number of drawn marks (paths, symbols, rects) inside the chart's SVG."""
    return page.eval_on_selector(
        selector, "el => el.querySelectorAll('svg path, svg rect, svg circle, svg line').length")


def test_home_map_renders_and_year_is_in_the_url(visit):
    visit.open("/")
    visit.wait_charts()
    page = visit.page
    # 177 map shapes in world-atlas 110m; a drawn choropleth has a path per country
    assert _svg_marks(page, "#world-map") > 150
    fills = page.eval_on_selector("#world-map",
                                  "el => [...el.querySelectorAll('path')].map(p => p.getAttribute('fill'))")
    # grey (#d5d9e0 = rgb(213, 217, 224)) marks a country without a figure
    coloured = sum(1 for f in fills if f and f.replace(" ", "") not in ("#d5d9e0", "rgb(213,217,224)", "none",
                                                                       "transparent"))
    assert coloured > 100, "most countries should be coloured by their share, not grey (no data)"
    # every area of the geometry is drawn: a grey layer under all of them (legend "no data"), so areas
    # without a figure (Greenland, Taiwan, Kosovo, Antarctica ...) show grey instead of vanishing
    features = page.evaluate("async () => (await (await fetch('/static/geo/countries-110m.json')).json())"
                             ".objects.countries.geometries.length")
    under = page.eval_on_selector("#world-map", "el => [...el.querySelectorAll('g.layer_0_marks path')]"
                                                ".map(p => p.getAttribute('fill'))")
    assert len(under) == features == 177 and set(under) == {"#d5d9e0"}
    on_top = page.eval_on_selector("#world-map", "el => el.querySelectorAll('g.layer_1_marks path').length")
    assert 150 < on_top < features  # the areas with a figure; the rest stay grey
    legend = page.eval_on_selector("#world-map", "el => [...el.querySelectorAll('.role-legend text')]"
                                                 ".map(t => t.textContent)")
    assert "no data" in legend
    # an imputed figure (OBS_STATUS I; IMS 2020 imputes Eritrea, Somalia, Western Sahara ...) is outlined red
    if page.eval_on_selector("select[name=year]", "s => s.value") == "2020":
        red = page.eval_on_selector("#world-map", "el => [...el.querySelectorAll('g.layer_1_marks path')]"
                                                  ".filter(p => p.getAttribute('stroke') === '#b3261e').length")
        assert red >= 3
    # percentages keep a decimal (2.85% must not read "3" against a 3% target)
    shares = page.eval_on_selector_all("main .grid table.data tbody td:nth-child(2)", "cs => cs.map(c => c.innerText)")
    assert shares and all(re.fullmatch(r"\d+\.\d+%", s) for s in shares), shares
    assert re.search(r"Share of world population\s+\d+\.\d+%", page.inner_text("main"))
    text = page.inner_text("main")
    assert "UN DESA International Migrant Stock" in text and "World Population Prospects 2019" in text
    year = page.eval_on_selector("select[name=year]", "s => s.value")
    assert year in text
    # IMS 2020 edition, world mid-2020: 280,598,105 (REFERENCE_VALUES.md)
    if year == "2020":
        assert "280,598,105" in text
    # Abel (2018) regional flows, 2010-2015 total 36,458,734 (REFERENCE_VALUES.md), drawn as a chord
    assert "36,458,734" in text
    assert page.eval_on_selector("#regional-chord", "el => el.querySelectorAll('path.ribbon').length") > 9
    visit.screenshot("home")
    # the year selector changes the map and puts the year in the URL
    other = page.eval_on_selector("select[name=year]", "s => [...s.options].map(o => o.value).at(-1)")
    with page.expect_navigation():
        page.select_option("select[name=year]", other)
    assert f"year={other}" in page.url
    visit.wait_charts()
    assert f"mid-{other}" in page.inner_text("main")
    visit.screenshot(f"home-{other}")
    assert visit.outside_requests() == []
    assert visit.errors == []


def test_country_profile_charts_and_sections(visit):
    visit.open("/country/484")
    visit.wait_charts()
    page = visit.page
    assert page.inner_text("h1") == "Mexico"
    for chart in ("#stocks-immigrants", "#stocks-emigrants", "#partners-destinations", "#refugees-chart",
                  "#remit_cost-chart"):
        assert _svg_marks(page, chart) > 10, chart
    text = page.inner_text("main")
    # emigrants born in Mexico: the top destination is the United States
    first = page.inner_text("#partners table.data tbody tr:first-child td:first-child")
    assert "United States" in first
    assert "Status" in text and "undesa-ims" in text
    # flows: corridor's own estimates, drawn as a chord with their intervals; the panel chose the most
    # recent period and the headline method by rule and says so (not the oldest dataset by id)
    rule = page.inner_text("#flows-rule")
    assert "2015-2020" in rule and "da_pb_closed" in rule and "Azose & Raftery" in rule
    assert "90% prediction interval" in page.inner_text("#flows-interval")
    assert page.eval_on_selector("#flows-chord", "el => el.querySelectorAll('path.ribbon').length") >= 8
    assert page.eval_on_selector("#flows-chord", "el => el.querySelectorAll('path.group').length") == 9
    usa = page.inner_text("#flows-table tbody tr:has(td:nth-child(2):text-is('United States of America'))")
    assert "da_min_closed" in usa and "methods disagree" in usa  # 280 against about 800,000
    assert "lower bound" in page.inner_text("#flows-caveats")
    # remittances: every money value carries its currency; the emigrant headline is marked as a computed sum
    money = page.eval_on_selector_all("#remittances .kpi .value", "vs => vs.map(v => v.innerText)")
    assert money and all(v.startswith("US$") for v in money), money
    assert "computed: sum over" in page.inner_text("#stocks")
    visit.screenshot("country-484")
    # the reader switches period and method; the choice is in the URL and the page says it was chosen
    with page.expect_navigation():
        page.select_option("#flows-choice select[name=flow_period]", "2010-2015")
    with page.expect_navigation():
        page.select_option("#flows-choice select[name=flow_method]", "da_min_closed")
    assert "flow_period=2010-2015" in page.url and "flow_method=da_min_closed" in page.url
    visit.wait_charts()
    assert "Showing 2010-2015, method da_min_closed, as chosen" in page.inner_text("#flows-rule")
    assert "Persons (da_min_closed)" in page.inner_text("#flows-table thead")
    assert visit.outside_requests() == []
    assert visit.errors == []


def test_corridor_sources_side_by_side(visit):
    visit.open("/corridor/484/840")
    visit.wait_charts()
    page = visit.page
    text = page.inner_text("main")
    assert "11,489,684" in text  # UN DESA IMS 2019: Mexico-born in the USA, 2019
    assert "11,573,680" in text  # World Bank 2017 bilateral matrix: Mexico -> USA
    assert "undesa-ims-2019-od" in text and "wb-bilateral-migration-2017" in text
    assert _svg_marks(page, "#chart-MIG_STOCK") > 10
    # the reader's order: stock and flow, then remittances and their cost, then refugees; definitions once
    order = page.eval_on_selector_all("main section.card", "ss => ss.map(s => s.id)")
    assert order[:4] == ["MIG_STOCK", "MIG_FLOW", "REMIT", "REMIT_COST"] and order[-1] == "definitions"
    assert order.index("REFUGEES") > order.index("REMIT_COST")
    terms = page.eval_on_selector_all("#definitions dt", "ds => ds.map(d => d.id)")
    assert terms and len(terms) == len(set(terms)) and page.locator("text=Concept:").count() == 0
    links = page.eval_on_selector_all("#MIG_STOCK a[href^='#concept-']", "as => as.map(a => a.getAttribute('href'))")
    assert links and all(link[1:] in terms for link in links)
    # estimated flows: one point per period and method with its interval as an error bar, methods in the
    # legend (not hashed dataset ids)
    bars = page.eval_on_selector("#chart-MIG_FLOW", "el => el.querySelectorAll('g.mark-rule.role-mark line').length")
    assert bars == 4  # 2 periods x 2 methods in this warehouse
    legend = page.eval_on_selector("#chart-MIG_FLOW", "el => [...el.querySelectorAll('.role-legend-label text')]"
                                                      ".map(t => t.textContent)")
    assert legend == ["da_min_closed", "da_pb_closed"]
    assert "lower bound" in page.inner_text("#MIG_FLOW") and "90% prediction interval" in page.inner_text("#MIG_FLOW")
    # money and percentages: a currency on every remittance; the cost keeps its decimals (World Bank RPW,
    # USA -> Mexico 2019-Q3: 4.61%, REFERENCE_VALUES.md)
    remit = page.eval_on_selector_all("#REMIT table.data tbody td:nth-child(2)", "cs => cs.map(c => c.innerText)")
    assert remit and all(v.startswith("US$") for v in remit), remit
    costs = page.eval_on_selector_all("#REMIT_COST table.data tbody tr", "rs => rs.map(r => r.innerText)")
    assert any(r.startswith("2019-Q3") and "4.61%" in r for r in costs)
    cost_values = page.eval_on_selector_all("#REMIT_COST table.data tbody td:nth-child(2)",
                                            "cs => cs.map(c => c.innerText)")
    assert all(re.fullmatch(r"\d+\.\d+%", v) for v in cost_values if v != "missing"), cost_values
    visit.screenshot("corridor-484-840")
    # no source in the warehouse splits this corridor by sex: the choice is offered but disabled
    disabled = page.eval_on_selector_all("select[name=sex] option",
                                         "os => os.filter(o => o.disabled).map(o => o.value)")
    assert set(disabled) == {"M", "F"}
    # the reverse corridor holds the money sent home: remittances from the USA to Mexico
    visit.open("/corridor/840/484")
    visit.wait_charts()
    assert "REMIT" not in page.inner_text("main") or "received by the migrants' origin" in page.inner_text("main")
    assert visit.outside_requests() == []
    assert visit.errors == []


def _table_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all("#results tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyjstat calls its own deprecated helper
def test_explorer_filters_change_the_table_and_downloads_match(visit):
    visit.open("/explore?flow=MIG_STOCK")
    page = visit.page
    before = page.inner_text("#row-count")
    # choose: residence United States, origin Mexico
    page.select_option("select[name=ref_area]", "840")
    page.select_option("select[name=counterpart_area]", "484")
    with page.expect_navigation():
        page.click("#explore-form button[type=submit]")
    assert "ref_area=840" in page.url and "counterpart_area=484" in page.url
    after = page.inner_text("#row-count")
    assert after != before
    rows = _table_rows(page)
    assert rows and all(r[0].startswith("United States") and r[1] == "Mexico" for r in rows)
    shown = {(r[3], r[4].replace(",", "")) for r in rows}
    assert ("2019", "11489684") in shown  # UN DESA IMS 2019 (REFERENCE_VALUES.md)
    assert "CC-BY-3.0-IGO" in page.inner_text("main")  # licence text of the UN DESA datasets
    visit.screenshot("explore-840-484")
    # the CSV download holds exactly the rows of the table
    with page.expect_download() as info:
        page.click("a[data-format=csv]")
    body = open(info.value.path(), encoding="utf-8").read()
    table = list(csv.DictReader(io.StringIO(body)))
    assert len(table) == int(after.split()[0].replace(",", ""))
    assert {r["ref_area"] for r in table} == {"840"} and {r["counterpart_area"] for r in table} == {"484"}
    values = {(r["time_period"], float(r["value"])) for r in table if r["value"]}
    assert ("2019", 11489684.0) in values
    assert {r["licence"] for r in table} >= {"CC-BY-3.0-IGO"}  # the licence travels with every row
    # SDMX-CSV 2.0: same rows, STRUCTURE columns first
    with page.expect_download() as info:
        page.click("a[data-format=sdmx-csv]")
    sdmx = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert len(sdmx) == len(table)
    assert sdmx[0]["STRUCTURE"] and sdmx[0]["STRUCTURE_ID"].endswith("MIG_STOCK(1.0)")
    # JSON-stat 2.0: read with pyjstat (an independent reader); the same non-missing values
    with page.expect_download() as info:
        page.click("a[data-format=jsonstat]")
    from pyjstat import pyjstat

    cube = pyjstat.Dataset.read(open(info.value.path(), encoding="utf-8").read()).write("dataframe")
    cube = cube.dropna(subset=["value"])
    assert len(cube) == len([r for r in table if r["value"]])
    assert 11489684.0 in set(cube["value"].astype(float))
    assert visit.outside_requests() == []
    assert visit.errors == []


def test_explorer_pages_and_other_dataflows(visit):
    visit.open("/explore?flow=MIG_STOCK&ref_area=&counterpart_area=&sex=_T")
    page = visit.page
    count = int(page.inner_text("#row-count").split()[0].replace(",", ""))
    assert count > 1000
    assert len(_table_rows(page)) == 100
    with page.expect_navigation():
        page.click("text=next →")
    assert "page=2" in page.url and len(_table_rows(page)) == 100
    visit.screenshot("explore-all-page2")
    with page.expect_navigation():
        page.select_option("select[name=flow]", "POP")
    assert "flow=POP" in page.url and "Population" in page.inner_text("main")


def test_sources_page_shows_disagreements(visit):
    visit.open("/sources")
    page = visit.page
    revisions = page.inner_text("#revisions")
    assert "1990" in revisions and "152,986,157" in revisions  # IMS 2020 edition, world mid-1990
    un_wb = page.inner_text("#un-wb")
    assert "Mexico → United States" in un_wb and "11,573,680" in un_wb
    datasets = page.inner_text("#datasets")
    for dataset_id in ("undesa-ims-2019-od", "undesa-ims-2020-sex-destination", "wb-bilateral-migration-2017",
                       "wpp2019-population"):
        assert dataset_id in datasets
    assert "foreign_born" in page.inner_text("#concepts")
    visit.screenshot("sources")
    assert visit.outside_requests() == []
    assert visit.errors == []


def test_country_census_questions_when_recorded(visit):
    """The census panel appears where a compliance record exists (USA: CPS 2016 answers question C only)."""
    visit.open("/country/840")
    visit.wait_charts()
    census = visit.page.inner_text("#census-table")
    assert "ipums-cps-00160" in census and "MIGRATE1" in census
    assert census.count("not asked") == 4
    visit.screenshot("country-840")
    visit.open("/country/484")
    assert visit.page.query_selector("#census") is None  # nothing recorded for Mexico: no panel
    assert visit.errors == []


def test_a_gap_in_a_series_is_drawn_as_a_gap(visit):
    """UNHCR's 2020 release has no 2019 row: the refugees line breaks there instead of joining 2018 to 2020."""
    visit.open("/country/840")
    visit.wait_charts()
    page = visit.page
    segments = page.eval_on_selector("#refugees-chart", "el => [...el.querySelectorAll('g.mark-line path')]"
                                                        ".map(p => (p.getAttribute('d') || '').split('M').length - 1)")
    assert segments and all(n >= 2 for n in segments), segments  # each line is two pieces
    assert "2019" in page.inner_text("#refugees .gaps")
    assert visit.errors == []


@pytest.mark.parametrize(("typed", "m49", "name"), [
    ("United States", "840", "United States of America"), ("Vietnam", "704", "Viet Nam"),
    ("UK", "826", "United Kingdom"), ("UAE", "784", "United Arab Emirates"),
])
def test_search_finds_countries_as_people_name_them(visit, typed, m49, name):
    visit.open("/")
    page = visit.page
    page.fill("#jump-area", typed)
    with page.expect_navigation():
        page.press("#jump-area", "Enter")
    assert page.url.endswith(f"/country/{m49}") and page.inner_text("h1") == name
    assert visit.errors == []


def test_an_ambiguous_search_offers_candidates(visit):
    visit.open("/")
    page = visit.page
    page.fill("#jump-area", "Korea")
    with page.expect_navigation():
        page.press("#jump-area", "Enter")
    links = page.eval_on_selector_all("#candidates a", "as => as.map(a => [a.getAttribute('href'), a.innerText])")
    assert links == [["/country/408", "Dem. People's Republic of Korea"], ["/country/410", "Republic of Korea"]]
    visit.screenshot("search-korea")
