"""How numbers are written and series are drawn, without a warehouse (issue 15, item 1).

What each test proves: a percentage keeps its decimals (the World Bank's USA -> Mexico cost of sending
US$200 in 2020-Q3 is 4.61%, Remittance Prices Worldwide; it must not read "5" beside a 3% target);
money carries its currency; missing stays "missing"; a series that skips a period (UNHCR's refugee
series has no 2019 row in the 2020 release) gets a gap row so its line breaks instead of joining 2018
to 2020; five-yearly series tick every five years.
"""

from __future__ import annotations

import altair as alt
import jsonschema

from corridor.publish.portal import charts
from corridor.publish.portal.rendering import interval, measure, num


def test_numbers_keep_the_precision_they_have():
    assert num(4.61) == "4.61" and num(2.85) == "2.85" and num(11_489_684) == "11,489,684"
    assert num(360.2189) == "360" and num(None) == '<span class="missing">missing</span>'
    assert num(float("nan")).startswith('<span class="missing">')
    assert num(0.0) == "0"  # a real zero is a zero; only NULL reads "missing"
    assert interval(128.2, 1_083_432.1, "bootstrap", 0).count("128") == 1


def test_units_are_written_with_every_value():
    assert measure(4.61, "PT") == "4.61%" and measure(3, "PT") == "3.0%"
    assert measure(30_019_187_026, "USD") == "US$\u00a030,019,187,026"
    assert measure(1_197_624, "PS") == "1,197,624"
    assert "missing" in measure(None, "USD")


def test_a_skipped_period_becomes_a_gap_not_a_join():
    rows = [{"series_label": "UNHCR", "t": float(y), "time_period": str(y), "value": 10.0} for y in
            (2016, 2017, 2018, 2020)]
    rows.append({"series_label": "IMS", "t": 2015.0, "time_period": "2015", "value": 1.0})
    rows.append({"series_label": "IMS", "t": 2019.0, "time_period": "2019", "value": 1.0})
    filled = charts.with_gaps(rows)
    gaps = [(r["series_label"], r["time_period"]) for r in filled if r.get("gap")]
    assert gaps == [("UNHCR", "2019")]  # IMS 2015 -> 2019 is a shorter step than its own, not a gap
    assert charts.series_step([1990, 1995, 2000, 2005, 2010, 2015, 2019]) == 5
    spec = charts.time_series([{"time_period": str(y), "value": 1.0, "series_label": "UNHCR"}
                               for y in (2016, 2017, 2018, 2020)], y_title="Refugees")
    assert charts.gap_periods(spec) == ["2019"]
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["mark"]["invalid"] == "break-paths-filter-domains"  # Vega-Lite breaks the path at NULL
    five = charts.time_series([{"time_period": str(y), "value": 1.0, "series_label": "IMS"}
                               for y in (1990, 1995, 2000)], y_title="Persons")
    assert five["layer"][0]["encoding"]["x"]["axis"]["tickMinStep"] == 5


def test_new_chart_specs_are_valid_vega_lite():
    schema = alt.vegalite.v6.schema.core.load_schema()
    rows = [{"time_period": "2010-2015", "value": 360.2, "lower": 128.2, "upper": 1_083_432.0,
             "series_label": "da_min_closed", "obs_status": "E", "interval": "bootstrap"},
            {"time_period": "2010-2015", "value": 901_907.0, "lower": 360.2, "upper": 1_812_739.0,
             "series_label": "da_pb_closed", "obs_status": "E", "interval": "bootstrap"}]
    jsonschema.validate(charts.interval_points(rows, y_title="Persons"), schema)
    world = charts.world_map([{"m49": "484", "name": "Mexico", "share": 0.94, "obs_status": "E"}], year="2020",
                             title="t")
    jsonschema.validate(world, schema)
    layers = world["layer"]
    assert len(layers) == 2 and "transform" in layers[1]  # every area grey underneath, figures on top
    assert layers[0]["encoding"]["color"]["scale"]["domain"] == [charts.NO_DATA_LABEL]
