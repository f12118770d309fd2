"""Derived measures with their concepts, on the real CPS and EU-SILC files.

References: 30 CPS persons abroad one year earlier (MANIFEST.md); EU-SILC citizenship categories
AT / EU / Other (simPop documentation of eusilc13puf). Other expected figures are recomputed with
pandas from the file itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.microdata.derived import MEASURES, MeasureOptions, derive
from corridor.microdata.engines import connect, load_table
from corridor.microdata.read import read_microdata
from corridor.microdata.variables import parse_map


@pytest.fixture(scope="module")
def duck():
    return connect("duckdb")


def test_residence_abroad_one_year_ago_cps(duck, cps: Path) -> None:
    t = load_table(duck, cps, name="cps")
    labels = read_microdata(cps, columns=["MIGRATE1"]).attrs["value_labels"]
    vm = parse_map("residence_past_date=MIGRATE1,age=AGE,weight=ASECWT")
    out = derive(t, "residence_abroad_past_date", vm, options=MeasureOptions(value_labels=labels))
    row = out.iloc[0]
    assert row["concept"] == "residence_abroad_past_date"
    assert row["n"] == 30  # MANIFEST: 30 abroad
    # MIGRATE1 0 = "NIU" (not in universe: infants) is no answer, not "did not live abroad"
    df = read_microdata(cps, columns=["MIGRATE1", "ASECWT"])
    assert row["missing_n"] == int((df["MIGRATE1"] == 0).sum())
    assert row["population_n"] == 10_883 - row["missing_n"]
    assert row["estimate"] == pytest.approx(df.loc[df["MIGRATE1"] == 6, "ASECWT"].sum(), rel=1e-12)
    assert row["share"] == pytest.approx(row["estimate"] / df.loc[df["MIGRATE1"] != 0, "ASECWT"].sum())
    by_age = derive(t, "residence_abroad_past_date", vm, by=["age_group_broad"],
                    options=MeasureOptions(value_labels=labels))
    assert by_age["n"].sum() == 30


def test_foreign_citizen_stock_eusilc_by_sex_and_education(duck, eusilc: Path) -> None:
    t = load_table(duck, eusilc, name="silc")
    vm = parse_map("citizenship=pb220a,sex=rb090,age=age,education=pe040,weight=rb050")
    opts = MeasureOptions(home={"citizenship": ["AT"]})
    out = derive(t, "foreign_citizen", vm, by=["sex"], options=opts)
    df = read_microdata(eusilc, columns=["pb220a", "rb090", "rb050"])
    for sex, row in out.set_index("sex").iterrows():
        mine = df[df["rb090"] == sex]
        foreign = mine["pb220a"].isin(["EU", "Other"])
        assert row["n"] == int(foreign.sum())
        assert row["estimate"] == pytest.approx(mine.loc[foreign, "rb050"].sum(), rel=1e-12)
        assert row["missing_n"] == int(mine["pb220a"].isna().sum())
    assert out["n"].sum() == 469 + 688  # EU + Other citizens (the file's pb220a counts)
    by_edu = derive(t, "foreign_citizen", vm, by=["education"], options=opts)
    assert by_edu["n"].sum() == 469 + 688
    assert set(by_edu["concept"]) == {"foreign_citizen"}


def test_recent_arrivals_and_foreign_born_on_synthetic_census(duck, synthetic_census: Path) -> None:
    t = load_table(duck, synthetic_census, name="syn")
    vm = parse_map("country_of_birth=country_of_birth,year_of_arrival=year_of_arrival,sex=sex,age=age")
    opts = MeasureOptions(home={"country_of_birth": [276]}, reference_year=2021)
    fb = derive(t, "foreign_born", vm, by=["sex"], options=opts)
    r5 = derive(t, "recent_arrival_5y", vm, by=["sex"], options=opts)
    r1 = derive(t, "recent_arrival_1y", vm, by=["sex"], options=opts)
    import pandas as pd

    df = pd.read_parquet(synthetic_census)
    assert fb["n"].sum() == int((df["country_of_birth"] != 276).sum())
    assert r5["n"].sum() == int(df["year_of_arrival"].between(2016, 2021).sum())
    assert r1["n"].sum() == int(df["year_of_arrival"].between(2020, 2021).sum())
    assert (r1["n"] <= r5["n"]).all() and (r5["n"] <= fb["n"]).all()
    # the year of arrival is asked of the foreign-born only: natives are "no answer", not "no"
    assert r5["population_n"].sum() == fb["n"].sum()


def test_measure_errors(duck, eusilc: Path) -> None:
    t = load_table(duck, eusilc, name="silc_e")
    vm = parse_map("citizenship=pb220a")
    with pytest.raises(InputError, match="home codes for citizenship"):
        derive(t, "foreign_citizen", vm)
    with pytest.raises(InputError, match="needs the role 'country_of_birth'"):
        derive(t, "foreign_born", vm, options=MeasureOptions(home={"country_of_birth": ["AT"]}))
    with pytest.raises(InputError, match="unknown measure"):
        derive(t, "emigrants", vm)
    assert {m.concept for m in MEASURES.values()} >= {"foreign_born", "foreign_citizen"}
