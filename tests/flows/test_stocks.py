"""Stock preparation: common reference dates by interpolation and flagged extrapolation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.estimate.flows.stocks import StockSource, value_at


def test_interpolation_and_extrapolation() -> None:
    series = {2015: np.array([100.0, 0.0, 50.0]), 2019: np.array([120.0, 10.0, 50.0])}
    mid, how = value_at(series, 2017)
    assert how == "interpolated"
    np.testing.assert_allclose(mid, [110, 5, 50])
    ext, how = value_at(series, 2020)
    assert how == "extrapolated"
    # exponential growth of the last interval: 120 * (120/100)^(1/4); a cell that was zero is carried
    assert ext[0] == pytest.approx(120 * 1.2 ** 0.25)
    assert ext[1] == pytest.approx(10.0) and ext[2] == pytest.approx(50.0)
    obs, how = value_at(series, 2015)
    assert how == "observed"


def test_tables_flag_extrapolated_dates_and_derive_native_born() -> None:
    stocks = pd.DataFrame({"birthplace": ["a", "b", "a", "b"], "residence": ["b", "a", "b", "a"],
                           "year": [2015, 2015, 2019, 2019], "value": [10.0, np.nan, 14.0, 5.0]})
    population = pd.DataFrame({"area": ["a", "b", "a", "b"], "year": [2015, 2015, 2020, 2020],
                               "value": [1000.0, 500.0, 1100.0, 520.0]})
    vital = pd.DataFrame({"area": ["a", "b"] * 5, "year": sorted([2015, 2016, 2017, 2018, 2019] * 2),
                          "value": 1.0})
    prepared = StockSource(stocks, population, vital, vital).tables((2015, 2020))
    t = prepared.tables
    assert prepared.how == {2015: "observed", 2020: "extrapolated"}
    assert t.areas == ["a", "b"]
    # native-born of b at 2015 = population 500 - foreign-born (a-born 10) = 490; '..' for b-born in a
    assert t.start[1, 1] == pytest.approx(490) and t.start[1, 0] == 0
    assert t.status_start[1, 0] == "M" and t.status_end[0, 1] == "E"
    np.testing.assert_allclose(t.births, [5, 5])
    with pytest.raises(InputError, match="births missing"):
        StockSource(stocks, population, vital[vital.year < 2019], vital).tables((2015, 2020))
