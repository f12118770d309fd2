"""Roll-ups of an office's own areas into their parent, on real data: Scotland's census country of birth.

The table (mirror: ``microdata/countryOfBirth_Scotland_5_Census.csv``, MANIFEST.md; gallery table 6) has
822 census zones down and the census's birthplace groups across; the gallery's declaration registers the
zones within Scotland and Scotland, England, Wales and "Rest of UK" within the United Kingdom (M49 826).
The World Bank 2017 bilateral matrix (gallery table 1) is ingested beside it as the official figure for
the United Kingdom.

What each test proves (expected values are pandas sums over the raw file, independent of corridor):

* UK-born people living in Scotland, per census, are the sum of the England, Scotland, Wales and Rest-of-UK
  columns over every zone; the row is marked with the areas summed on both sides;
* Ireland-born people "in the United Kingdom" from the census are a marked roll-up that says which
  registered areas of the UK it does not cover, shown beside the World Bank's own UK figure, which is left
  as published; without ``--roll-up`` the census never appears under the UK;
* a missing part makes the roll-up missing (never a smaller sum), and a table that holds both Scotland
  and its zones is not counted twice;
* the portal has no country page for a user area (it answered a redirect loop before); the command line
  prints the marked roll-up, and the API answers it with ``rollUp=true`` (csv, json) beside the official row.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pandas as pd
import pytest

from corridor.cli.stock import stock_table
from corridor.sources.user_table import ingest_user_table
from corridor.store.rollup import ROLLUP, roll_up
from corridor.store.warehouse import Warehouse
from tests.serving import corridor_serve
from tests.sources.user_reference import forget_codes, scotland_geography, user_reference

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
SCOTLAND = "microdata/countryOfBirth_Scotland_5_Census.csv"
WB_2017 = "worldbank/WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx"
NATIONS = ["England", "Scotland", "Wales", "Rest of UK"]
UK_MARK = "computed roll-up of user areas U_UK-REST, U_E92000001, U_S92000003, U_W92000004 into 826"


@pytest.fixture(scope="module")
def raw(mirror: Path) -> pd.DataFrame:
    return pd.read_csv(mirror / SCOTLAND, dtype={"zone": str, "censusYear": str})


@pytest.fixture(scope="module")
def census(mirror: Path, raw: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory):
    """(folder, reference folder, warehouse path, census dataset id); the reference stays registered only
    inside the tests' own ``user_reference`` blocks."""
    folder = tmp_path_factory.mktemp("rollup")
    geography = scotland_geography(raw, folder, GALLERY)
    reference = folder / "reference"
    with user_reference(reference):
        from corridor.reference.user_codes import register

        register(geography)
        forget_codes()
        with Warehouse.open(folder / "w.duckdb") as wh:
            dataset = ingest_user_table(wh, mirror / SCOTLAND, GALLERY / "scotland-census-country-of-birth.yaml")
            ingest_user_table(wh, mirror / WB_2017, GALLERY / "worldbank-matrix-2017.yaml")
    return folder, reference, folder / "w.duckdb", dataset.dataset_id


def table(census, **kw) -> pd.DataFrame:
    _, reference, path, _ = census
    with user_reference(reference), Warehouse.open(path, read_only=True) as wh:
        out, _ = stock_table(wh, year=None, sexes=["_T"], vintage=None, aggregates=False, **kw)
    return pd.DataFrame(out)  # records (the command's plain rows) as a frame, for the sums below


def test_uk_born_in_scotland_is_the_sum_of_the_four_nations(census, raw: pd.DataFrame) -> None:
    rows = table(census, destination="U_S92000003", origin="826", roll_up=True).set_index("year")
    expected = raw.groupby("censusYear")[NATIONS].sum().sum(axis=1)
    assert sorted(rows.index) == ["1971", "1981", "1991", "2001", "2011"]
    for year, value in expected.items():
        assert abs(rows.loc[year, "value"] - value) < 1e-6 * value
    assert (rows["dataset"] == census[3]).all() and set(rows["obs_status"]) == {"A"}
    mark = rows.loc["2011", ROLLUP]
    assert "... (822 areas) into U_S92000003" in mark and mark.endswith(UK_MARK)
    assert "not covered" not in mark  # the four nations are every registered area of the UK


def test_roll_up_into_the_uk_is_marked_and_shown_beside_the_official_figure(census, raw: pd.DataFrame) -> None:
    plain = table(census, destination="826", origin="372")
    assert len(plain) == 1 and plain.iloc[0]["dataset"] != census[3] and plain.iloc[0]["year"] == "2017"
    official = plain.iloc[0]
    rows = table(census, destination="826", origin="372", roll_up=True)
    wb = rows[rows["year"] == "2017"]
    assert len(wb) == 1 and wb.iloc[0]["value"] == official["value"] and pd.isna(wb.iloc[0][ROLLUP])
    rolled = rows[rows["dataset"] == census[3]].set_index("year")
    expected = raw.groupby("censusYear")["Irish Republic"].sum()
    assert len(rolled) == 5
    for year, value in expected.items():
        assert abs(rolled.loc[year, "value"] - value) < 1e-6 * value
    assert rolled[ROLLUP].str.endswith("registered user areas in 826 not covered: U_UK-REST, U_E92000001, "
                                       "U_W92000004").all()


def test_missing_part_and_no_double_count(census) -> None:
    _, reference, path, dataset = census
    with user_reference(reference), Warehouse.open(path, read_only=True) as wh:
        real = wh.observations("MIG_STOCK", dataset_id=dataset, counterpart_area="372", time_period="2011")
        scotland = roll_up(real, "ref_area", "U_S92000003")
        assert len(scotland) == 1 and scotland.iloc[0]["ref_area"] == "U_S92000003"
        total = scotland.iloc[0]["value"]
        # a table holding Scotland beside its zones: the zones lie in Scotland and are not summed again
        both = roll_up(pd.concat([real, scotland.drop(columns=[ROLLUP])], ignore_index=True), "ref_area", "826")
        assert len(both) == 1 and both.iloc[0]["value"] == total
        assert both.iloc[0][ROLLUP].startswith("computed roll-up of user areas U_S92000003 into 826")
        # one zone missing (the real rows with one value removed by this test): the roll-up is missing
        holed = real.copy()
        holed.loc[holed["ref_area"] == "U_5601AD", "value"] = None
        missing = roll_up(holed, "ref_area", "U_S92000003").iloc[0]
    assert pd.isna(missing["value"]) and missing["obs_status"] == "O"
    assert "missing because part(s) are missing: U_5601AD" in missing[ROLLUP]


@pytest.mark.slow  # a CLI subprocess and a server
def test_command_line_and_portal(census, tmp_path: Path) -> None:
    folder, reference, path, _ = census
    env = {**os.environ, "CORRIDOR_USER_REFERENCE": str(reference)}
    done = subprocess.run([sys.executable, "-m", "corridor.cli.main", "stock", "--destination", "Scotland",
                           "--origin", "United Kingdom", "--roll-up", "--format", "csv", "--warehouse", str(path)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 5 and all(r["rollup"].endswith(UK_MARK) for r in rows)
    with corridor_serve(path, tmp_path, env={"CORRIDOR_USER_REFERENCE": str(reference)}) as (url, _):
        page = httpx.get(f"{url}/country/Scotland", follow_redirects=True, timeout=60)
        ireland = httpx.get(f"{url}/country/372", timeout=60)
        plain = httpx.get(f"{url}/data/MIG_STOCK/826.372._T?format=csv", timeout=60)
        api = httpx.get(f"{url}/data/MIG_STOCK/826.372._T?format=csv&rollUp=true", timeout=60)
        scots = httpx.get(f"{url}/data/MIG_STOCK/U_S92000003.826._T?format=json&rollUp=true", timeout=60)
        refused = httpx.get(f"{url}/data/MIG_STOCK/826.372._T?format=sdmx-ml&rollUp=true", timeout=60)
    assert page.status_code == 404 and "is an area registered by a user, not a country" in page.text
    assert ireland.status_code == 200 and "Census zone" not in ireland.text and "Scotland" not in ireland.text
    # the API: the World Bank's UK row as published; with rollUp the census roll-up beside it, marked
    assert plain.status_code == 200 and len(list(csv.DictReader(io.StringIO(plain.text)))) == 1
    assert api.status_code == 200, api.text
    served = list(csv.DictReader(io.StringIO(api.text)))
    official = [r for r in served if not r["rollup"]]
    marked = [r for r in served if r["rollup"]]
    assert [r["value"] for r in official] == [next(csv.DictReader(io.StringIO(plain.text)))["value"]]
    assert len(marked) == 5 and all("not covered: U_UK-REST, U_E92000001, U_W92000004" in r["rollup"]
                                    for r in marked)
    assert {r["time_period"] for r in marked} == {"1971", "1981", "1991", "2001", "2011"}
    assert scots.status_code == 200 and UK_MARK in scots.text and "(822 areas) into U_S92000003" in scots.text
    assert refused.status_code == 400 and "rollUp=true is answered in csv or json" in refused.text
