"""The portal over HTTP (the real ``corridor serve`` process) and its building blocks on the real warehouse.

What each test proves is in its docstring. Figures: UN DESA IMS 2020 edition, world mid-2020 =
280,598,105 and mid-1990 = 152,986,157; IMS 2019 edition, Mexico-born in the USA 2019 = 11,489,684;
World Bank bilateral matrix 2017, Mexico -> USA 11,573,680 (shared/docs/REFERENCE_VALUES.md).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import jsonschema
import pytest

from corridor.publish.portal import STATIC_DIR, charts
from corridor.publish.portal.pages import balance, corridor_page, country, explorer, home, ratifications, sources
from corridor.publish.portal.queries import catalogue
from corridor.publish.portal.queries import country as country_queries
from corridor.publish.portal.queries import flows as flow_queries
from corridor.publish.portal.queries import home as home_queries
from corridor.publish.portal.queries import sources as sources_queries
from corridor.publish.portal.queries.catalogue import MIG_STOCK
from corridor.publish.portal.queries.corridor import corridor_observations
from corridor.publish.portal.queries.explorer import explorer_selection, observations_page
from corridor.publish.portal.sections import COUNTRY_SECTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal.md"
PAGES = ["/", "/country/484", "/country/840", "/corridor/484/840", "/explore", "/explore?flow=POP", "/sources"]


def _get(url: str, path: str, **kw) -> httpx.Response:
    return httpx.get(url + path, timeout=120, **kw)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_html_without_remote_addresses(portal_url, path):
    """Each page is served (200, HTML) and nothing in it would load from another host (offline use)."""
    response = _get(portal_url, path)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    loads = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert loads, "a page links something"
    remote = [u for u in loads if re.match(r"^(https?:)?//", u)]
    assert remote == [], remote


def test_bad_input_gets_a_4xx_page_with_a_reason(portal_url):
    """Unknown areas and malformed parameters are answered 4xx with a message, never 5xx."""
    r = _get(portal_url, "/country/99999")
    assert r.status_code == 404 and "99999" in r.text
    r = _get(portal_url, "/country?q=Atlantis")
    assert r.status_code == 404 and "Atlantis" in r.text
    r = _get(portal_url, "/country?q=Mexico", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/country/484"
    r = _get(portal_url, "/country/MEX", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/country/484"
    for path in ("/explore?flow=NOPE", "/explore?flow=MIG_STOCK&start=19x0", "/explore?flow=MIG_STOCK&page=0",
                 "/corridor/484/840?sex=Q", "/sources?area=abc", "/explore?flow=MIG_STOCK&as_of=no-such-vintage"):
        r = _get(portal_url, path)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])


def test_static_assets_are_the_recorded_versions(portal_url):
    """The vendored libraries and the map served at /static are byte-for-byte the files VERSIONS.md lists."""
    listed = (STATIC_DIR / "vendor" / "VERSIONS.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", listed, flags=re.M)
    assert len(rows) == 5
    for rel, sha in rows:
        body = _get(portal_url, f"/static/{rel}").content
        assert hashlib.sha256(body).hexdigest() == sha, rel
        assert (STATIC_DIR / "vendor" / "licenses").is_dir()


def test_world_share_uses_ims_latest_and_wpp2019(wh):
    """Home map figures: IMS 2020 world total over WPP 2019 world population, both named."""
    years = home_queries.map_years(wh)
    assert "2020" in years and "1990" in years
    frame, used = home_queries.migrant_share(wh, "2020")
    world = frame.set_index("m49").loc["900"]
    assert world["migrants"] == 280_598_105  # IMS 2020, world mid-2020
    # WPP 2019: world population 2020 = 7,794,798.7 thousand (MANIFEST.md)
    assert world["population"] == pytest.approx(7_794_798_700, rel=1e-6)
    assert world["dataset_id"] == "undesa-ims-2020-sex-destination"
    assert "wpp2019-population" in used


def test_explorer_page_matches_the_warehouse(wh):
    """The explorer's pages are slices of the store's selection, in its order, with its total and datasets."""
    filters = {"ref_area": "840", "age": "_T", "birthplace": "_T"}
    full = wh.observations(MIG_STOCK, **filters)
    sel = explorer_selection(wh, MIG_STOCK, filters)
    page, total, ids = observations_page(wh, sel, limit=100_000)
    assert total == len(full) == len(page)
    assert ids == sorted(full["dataset_id"].unique())
    key = ["dataset_id", "ref_area", "counterpart_area", "sex", "time_period"]
    assert sorted(map(tuple, page[key].to_numpy())) == sorted(map(tuple, full[key].to_numpy()))
    first, _, _ = observations_page(wh, sel, limit=10, offset=0)
    assert list(first["counterpart_area"]) == list(full["counterpart_area"].iloc[:10])
    later, again, _ = observations_page(wh, sel, limit=10, offset=25)
    assert again == total and list(later["counterpart_area"]) == list(full["counterpart_area"].iloc[25:35])
    older = explorer_selection(wh, MIG_STOCK, {"ref_area": "900", "counterpart_area": "_T"},
                               as_of="undesa-ims-2019-totals")
    rows, n_old, old_ids = observations_page(wh, older)
    assert n_old > 0 and set(rows["dataset_id"]) == {"undesa-ims-2019-totals"} and old_ids == ["undesa-ims-2019-totals"]


def test_corridor_reads_every_source(wh):
    """Mexico -> USA: UN DESA (2019 edition) and World Bank (2017) side by side, never merged."""
    frame = corridor_observations(wh, "484", "840")
    stock = frame[(frame["dataflow"] == "MIG_STOCK") & (frame["sex"] == "_T")]
    by = {(d, t): v for d, t, v in zip(stock["dataset_id"], stock["time_period"], stock["value"], strict=True)}
    assert by[("undesa-ims-2019-od", "2019")] == 11_489_684
    assert by[("wb-bilateral-migration-2017", "2017")] == 11_573_680


def test_vintage_revision_table(wh):
    """Sources page: IMS 2019 vs 2020 editions for the world, years both publish (1990-2015)."""
    rev = sources_queries.vintage_revisions(wh)
    assert list(rev["time_period"]) == ["1990", "1995", "2000", "2005", "2010", "2015"]
    assert rev.attrs["old"] == "2019" and rev.attrs["new"] == "2020"
    assert rev.set_index("time_period").loc["1990", "new"] == 152_986_157  # IMS 2020 edition, mid-1990


def test_chart_specs_are_valid_vega_lite(wh):
    """Every Vega-Lite spec the country page embeds validates against Altair's Vega-Lite schema."""
    import altair as alt

    schema = alt.vegalite.v6.schema.core.load_schema()
    specs = []
    for section in COUNTRY_SECTIONS:
        content = section.build(wh, "484") or {}
        for part in [content, *[v for v in content.values() if isinstance(v, dict)]]:
            if isinstance(part.get("spec"), dict):
                specs.append(part["spec"])
    frame, _ = home_queries.migrant_share(wh, "2020")
    specs.append(charts.world_map(charts.records(frame, ["m49", "name", "share", "migrants", "population",
                                                         "obs_status", "dataset_id", "pop_dataset_id"]),
                                  year="2020", title="t"))
    assert len(specs) >= 4
    for spec in specs:
        jsonschema.validate(spec, schema)
        assert spec["datasets"][charts.ROWS], "the chart carries its rows"


def test_docs_cover_every_page_and_section():
    """docs/portal.md names every page route and every country section (docs cannot fall behind)."""
    text = DOCS.read_text()
    paths = [route.path for page in (home, country, corridor_page, explorer, sources, balance, ratifications)
             for route in page.router.routes]
    assert len(paths) >= 7
    for path in paths:
        assert f"`{path}`" in text, path
    for section in COUNTRY_SECTIONS:
        assert f"`{section.id}`" in text, section.id


def test_flows_panel_says_when_no_estimates_are_loaded(request, wh):
    """Without country-level MIG_FLOW the panel says so; with corridor's estimates it has a chord matrix."""
    from corridor.store.warehouse import Warehouse

    flows = flow_queries.flows_for(wh, "484")
    assert flows is not None and flows["names"][0] == "Mexico" and len(flows["names"]) == 9
    assert any(v > 0 for row in flows["matrix"] for v in row)
    assert flows["interval"].startswith("90% prediction interval")
    try:
        plain = request.getfixturevalue("loaded_warehouse")
    except pytest.FixtureLookupError:
        pytest.skip("loaded_warehouse (without estimates) is not defined in this checkout")
    with Warehouse.open(plain, read_only=True) as bare:
        assert flow_queries.flows_for(bare, "484") is None  # Abel's flows are regional: no country chord
    section = next(s for s in COUNTRY_SECTIONS if s.id == "flows")
    assert "No flow estimates" in section.empty_message and "`corridor flows`" not in section.empty_message


def test_flows_panel_picks_period_and_method_by_rule_and_can_switch(wh):
    """The panel shows the most recent period with the headline method (pseudo-Bayes), says why, and takes
    the reader's choice; an unknown choice falls back to the rule and says so (issue 15, item 1).

    Figures: corridor's own estimates in this warehouse (conftest.portal_warehouse): Mexico -> USA
    2010-2015 is 360 persons under the minimum method and about 902,000 under pseudo-Bayes (the issue's
    reading); such a corridor is flagged, with the other method's figure beside it."""
    flows = flow_queries.flows_for(wh, "484")
    choice = flows["choice"]
    assert (choice.period, choice.method, choice.by_rule) == ("2015-2020", "da_pb_closed", True)
    assert choice.periods == ("2015-2020", "2010-2015") and choice.methods == ("da_pb_closed", "da_min_closed")
    assert "Azose & Raftery" in choice.reason and "lower bound" in choice.reason
    assert flows["dataset_id"].startswith("est:flows:da_pb_closed:2015-2020:_T@")
    picked = flow_queries.flows_for(wh, "484", period="2010-2015", method="da_min_closed")
    assert (picked["period"], picked["method"], picked["choice"].by_rule) == ("2010-2015", "da_min_closed", False)
    row = next(r for r in picked["rows"] if (r["counterpart_area"], r["ref_area"]) == ("484", "840"))
    assert round(row["value"]) == 360 and row["lower"] <= row["value"] <= row["upper"]
    assert row["others"]["da_pb_closed"] == pytest.approx(901_907, rel=0.01) and row["disagree"]
    assert "da_min_closed" in picked["caveats"] and "lower bound" in picked["caveats"]["da_min_closed"]
    fallback = flow_queries.flows_for(wh, "484", period="1890-1895", method="no_such_method")
    assert (fallback["period"], fallback["method"]) == ("2015-2020", "da_pb_closed")
    assert any("1890-1895" in note for note in fallback["choice"].notes)


def test_corridor_panels_follow_the_reader(wh):
    """Corridor page order: stock and flow first, then remittances and their cost, then refugees (item 6)."""
    flows = ["REFUGEES", "REMIT_COST", "ASYLUM_SEEKERS", "MIG_FLOW", "REMIT", "MIG_STOCK", "POP"]
    assert sorted(flows, key=corridor_page.reading_order) == ["MIG_STOCK", "MIG_FLOW", "REMIT", "REMIT_COST",
                                                               "REFUGEES", "ASYLUM_SEEKERS", "POP"]


def test_restricted_datasets_never_reach_the_pages(tmp_path, mirror):
    """A restricted (embargoed) vintage in the warehouse is invisible to every portal query.

    Material: the real IMS 2020 release, plus its United States rows written again as an embargoed later
    vintage of the same series (so, if access were ignored, it would win as "latest").
    """
    from corridor.sources.ingest import ingest_release
    from corridor.store.warehouse import DatasetMeta, Warehouse

    path = tmp_path / "restricted.duckdb"
    with Warehouse.open(path) as wh:
        ingest_release(wh, "undesa-ims-2020-sex-destination", mirror=mirror)
        rows = wh.observations(MIG_STOCK, ref_area="840")
        obs = rows[["dataflow", "ref_area", "counterpart_area", "sex", "age", "time_period", "value",
                    "obs_status"]].assign(value=rows["value"] + 1)
        wh.write_dataset(DatasetMeta(dataset_id="test-embargoed", series="undesa-ims", vintage="2099",
                                     access="embargoed", title="TEST ONLY: embargoed"), obs)
    with Warehouse.open(path, read_only=True) as wh:
        sel = explorer_selection(wh, MIG_STOCK, {"ref_area": "840", "counterpart_area": "_T"})
        page, total, ids = observations_page(wh, sel)
        assert total > 0 and set(page["dataset_id"]) == {"undesa-ims-2020-sex-destination"}
        assert ids == ["undesa-ims-2020-sex-destination"]
        assert 50_632_836 in set(page.loc[page["time_period"] == "2020", "value"])  # IMS 2020, USA 2020
        assert "test-embargoed" not in {d["dataset_id"] for d in catalogue.datasets(wh)}
        assert "test-embargoed" not in set(corridor_observations(wh, "_T", "840")["dataset_id"])
        assert sources_queries.vintage_revisions(wh, "840").empty  # one public vintage only: nothing to compare
        assert "test-embargoed" not in set(country_queries.stock_totals(wh, "840", "immigrants")["dataset_id"])
        assert catalogue.codes(wh, MIG_STOCK, "ref_area")  # codes come from public datasets
        embargoed_only = explorer_selection(wh, MIG_STOCK, {"ref_area": "840"}, as_of="test-embargoed")
        assert observations_page(wh, embargoed_only)[1] == 0  # naming the vintage does not open it
