"""One tabulation code path, two engines: DuckDB and Spark (local mode) give identical tables.

Counts must be equal exactly; weighted sums within rtol 1e-12 (summation order differs between
engines, DESIGN.md section 6). Runs on the real EU-SILC file (read by pyreadr, registered on each
engine) and on a synthetic census in Parquet (scanned by each engine).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor.microdata.derived import MeasureOptions, derive
from corridor.microdata.engines import connect, load_table
from corridor.microdata.tabulate import tabulate
from corridor.microdata.variables import parse_map

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame, floats: tuple[str, ...] = ("estimate",)) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        if col in floats:
            x, y = a[col].astype("float64").to_numpy(), b[col].astype("float64").to_numpy()
            assert np.array_equal(np.isnan(x), np.isnan(y)), col
            np.testing.assert_allclose(x, y, rtol=1e-12, err_msg=col)
        else:
            assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), col


def test_eusilc_citizenship_by_sex_same_on_duckdb_and_spark(spark_con, eusilc: Path) -> None:
    vm = parse_map("citizenship=pb220a,sex=rb090,age=age,weight=rb050")
    duck = connect("duckdb")
    by = ["citizenship", "sex", "age_group_broad"]
    cols = ["pb220a", "rb090", "age", "rb050"]
    a = tabulate(load_table(duck, eusilc, name="silc", columns=cols), by, vm, weight="weight")
    b = tabulate(load_table(spark_con, eusilc, name="silc", columns=cols), by, vm, weight="weight")
    assert_same_table(a, b)
    assert a["n"].sum() == 13_513  # MANIFEST: 13,513 persons


def test_synthetic_census_same_on_duckdb_and_spark(spark_con, synthetic_census: Path) -> None:
    vm = parse_map("country_of_birth=country_of_birth,sex=sex,age=age,year_of_arrival=year_of_arrival,"
                   "citizenship=citizenship,weight=weight")
    by = ["country_of_birth", "sex", "age_group", "period_of_arrival"]
    duck = connect("duckdb")
    a = tabulate(load_table(duck, synthetic_census, name="syn"), by, vm, weight="weight")
    b = tabulate(load_table(spark_con, synthetic_census, name="syn"), by, vm, weight="weight")
    assert_same_table(a, b)
    assert a["n"].sum() == 200_000
    opts = MeasureOptions(home={"citizenship": [276]})
    fa = derive(load_table(duck, synthetic_census, name="syn2"), "foreign_citizen", vm, by=["sex"], options=opts)
    fb = derive(load_table(spark_con, synthetic_census, name="syn2"), "foreign_citizen", vm, by=["sex"],
                options=opts)
    assert_same_table(fa, fb, floats=("estimate", "population", "share"))


def test_suppressed_tables_identical(spark_con, cps: Path) -> None:
    vm = parse_map("age=AGE")
    duck = connect("duckdb")
    by = ["MIGRATE1", "age_group_broad"]
    cols = ["MIGRATE1", "AGE", "ASECWT"]
    a = tabulate(load_table(duck, cps, name="cps", columns=cols), by, vm, weight="ASECWT", min_cell=10)
    b = tabulate(load_table(spark_con, cps, name="cps", columns=cols), by, vm, weight="ASECWT", min_cell=10)
    assert_same_table(a, b)
    assert (a["conf_status"] != "F").any()
