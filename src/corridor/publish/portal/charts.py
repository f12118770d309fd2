"""Chart specifications for the portal: Vega-Lite (written with Altair) and chord-diagram data for d3.

Every spec carries its data inline (``alt.Data(values=...)``) except the world geometry, which the
browser loads from this server (``/static/geo/countries-110m.json``). Tooltips always name the
dataset and the observation status; estimates draw their interval as a band and the tooltip says
what the interval is. Missing values are *not* drawn (a gap, never a zero); pages list them.

Colours: ColorBrewer/Tableau schemes chosen for colour-vision deficiency (``yellowgreenblue`` for the
map, ``tableau10`` for categories), with shapes doubling colour for status.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd

from .rendering import OBS_STATUS_LABELS

GEOMETRY_URL = "/static/geo/countries-110m.json"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, DejaVu Sans, sans-serif"
#: Thresholds (percent of population) for the world map; a quantized scale reads better than a
#: continuous one when shares run from 0.1% to 88%.
SHARE_THRESHOLDS = [1, 2.5, 5, 10, 20, 40]
SDG_REMITTANCE_COST_TARGET = 3.0  # SDG target 10.c: reduce transaction costs to less than 3%

_CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 600, "gridColor": "#e6e9ef",
             "domainColor": "#9aa5b5", "tickColor": "#9aa5b5", "labelColor": "#3a4452", "titleColor": "#1d2430"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom", "direction": "vertical",
               "labelLimit": 420},
    "title": {"fontSize": 14, "anchor": "start", "fontWeight": 600},
    "range": {"category": {"scheme": "tableau10"}},
}


ROWS = "rows"  #: name of the dataset every template reads; the rows are put in ``datasets`` per request


def _with_rows(template: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A cached spec template (JSON text) with this request's rows as its named dataset."""
    spec = json.loads(template)
    spec["datasets"] = {ROWS: rows}
    return spec


def _spec(chart: alt.TopLevelMixin, validate: bool = False) -> dict[str, Any]:
    spec = chart.configure(**{k: v for k, v in _CONFIG.items() if k not in ("axis", "legend", "title",
                                                                            "range", "view")}) \
        .configure_axis(**_CONFIG["axis"]).configure_legend(**_CONFIG["legend"]) \
        .configure_title(**_CONFIG["title"]).configure_view(**_CONFIG["view"]) \
        .configure_range(**_CONFIG["range"])
    return spec.to_dict(validate=validate)


def period_position(period: str) -> float | None:
    """A number on a time axis for an SDMX ``TIME_PERIOD``: ``2019``, ``2011-Q3``, ``2010-2015`` (start)."""
    text = str(period)
    if m := re.fullmatch(r"(\d{4})", text):
        return float(m.group(1))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        return int(m.group(1)) + (int(m.group(2)) - 1) / 4
    if m := re.fullmatch(r"(\d{4})-(\d{4})", text):
        return float(m.group(1))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return int(m.group(1)) + (int(m.group(2)) - 1) / 12
    return None


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """JSON-safe records (NaN -> null) of the named columns that exist."""
    cols = [c for c in columns if c in frame.columns]
    return [{c: _clean(v) for c, v in zip(cols, row, strict=True)} for row in frame[cols].itertuples(index=False)]


def _status_label(code: Any) -> str:
    return f"{code} · {OBS_STATUS_LABELS.get(str(code), 'unknown')}" if code else "—"


def world_map(rows: list[dict[str, Any]], *, year: str, title: str, width: int = 900) -> dict[str, Any]:
    """Choropleth of migrant stock as a share of population (percent), by M49 code.

    ``rows``: m49, name, share, migrants, population, obs_status, dataset_id, pop_dataset_id.
    Countries without a figure are drawn grey (missing is not zero).
    """
    for row in rows:
        row["status"] = _status_label(row.get("obs_status"))
    return _with_rows(_world_map_template(year, title, width), rows)


#: Fill of an area without a figure (missing, not zero) and the legend entry that says so.
NO_DATA_FILL = "#d5d9e0"
NO_DATA_LABEL = "no data"
#: Outline of an area by the status of its figure: estimated, imputed and the rest look different.
STATUS_STROKES = {"E": ("#ffffff", 0.4), "I": ("#b3261e", 1.6)}


@lru_cache(maxsize=64)
def _world_map_template(year: str, title: str, width: int) -> str:
    """Two layers over every area of the geometry: all areas in grey (legend "no data") underneath, the
    areas with a figure coloured on top (their outline by status), so that no area is left undrawn.

    One layer with a conditional colour would not do: Vega-Lite drops the marks whose quantitative field is
    NULL (its ``invalid`` mode "filter"), so areas without a figure would vanish instead of showing grey.
    """
    lookup = alt.LookupData(
        alt.NamedData(ROWS), key="m49",
        fields=["name", "share", "migrants", "population", "status", "obs_status", "dataset_id", "pop_dataset_id"],
    )
    base = alt.Chart(alt.topo_feature(GEOMETRY_URL, "countries")).transform_calculate(
        m49="datum.id ? '' + toNumber(datum.id) : ''", map_name="datum.properties.name",
        no_data=f"'{NO_DATA_LABEL}'",
    ).transform_lookup(lookup="m49", from_=lookup).transform_calculate(
        href="datum.m49 && isValid(datum.name) ? '/country/' + datum.m49 : null")
    tooltip = [
        alt.Tooltip("map_name:N", title="Map area"),
        alt.Tooltip("name:N", title="Area (M49)"),
        alt.Tooltip("share:Q", title="Migrants, % of population", format=".2f"),
        alt.Tooltip("migrants:Q", title=f"International migrants, {year}", format=",.0f"),
        alt.Tooltip("population:Q", title=f"Population, {year}", format=",.0f"),
        alt.Tooltip("status:N", title="Status (migrants)"),
        alt.Tooltip("dataset_id:N", title="Dataset (migrants)"),
        alt.Tooltip("pop_dataset_id:N", title="Dataset (population)"),
    ]
    every_area = base.mark_geoshape(stroke="#ffffff", strokeWidth=0.4).encode(
        color=alt.Color("no_data:N", scale=alt.Scale(domain=[NO_DATA_LABEL], range=[NO_DATA_FILL]),
                        legend=alt.Legend(title="Areas without a figure", orient="bottom")),
        tooltip=tooltip[:2], href="href:N",
    )
    strokes = [f"datum.obs_status === '{code}' ? '{colour}'" for code, (colour, _) in STATUS_STROKES.items()]
    widths = [f"datum.obs_status === '{code}' ? {width}" for code, (_, width) in STATUS_STROKES.items()]
    figures = base.transform_filter("isValid(datum.share)").transform_calculate(
        outline=" : ".join(strokes) + " : '#ffffff'", outline_width=" : ".join(widths) + " : 0.4",
    ).mark_geoshape().encode(
        color=alt.Color("share:Q", title="International migrants, % of population",
                        scale=alt.Scale(type="threshold", domain=SHARE_THRESHOLDS, scheme="yellowgreenblue"),
                        legend=alt.Legend(orient="bottom", direction="horizontal", titleLimit=400)),
        stroke=alt.Stroke("outline:N", scale=None, legend=None),
        strokeWidth=alt.StrokeWidth("outline_width:Q", scale=None, legend=None),
        tooltip=tooltip, href="href:N",
    )
    chart = alt.layer(every_area, figures).resolve_scale(color="independent").project(
        type="equalEarth").properties(width=width, height=int(width * 0.5), title=title)
    return json.dumps(_spec(chart))


def series_step(positions: Iterable[float]) -> float | None:
    """The regular step of a series' periods (the most common difference between consecutive ones:
    1 for annual data, 5 for UN DESA's five-yearly stocks); ``None`` with fewer than two periods."""
    values = sorted(set(positions))
    steps = [round(b - a, 4) for a, b in zip(values, values[1:], strict=False)]
    if not steps:
        return None
    return max(set(steps), key=lambda step: (steps.count(step), -step))


def with_gaps(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` plus a NULL row wherever a series skips a period of its regular step (UNHCR has no 2019
    row between 2018 and 2020): the line breaks there instead of joining the neighbours silently.
    A gap row has ``gap`` True and no status; the rows must carry ``t`` and ``series_label``."""
    out = list(rows)
    series: dict[Any, list[float]] = {}
    for row in rows:
        series.setdefault(row.get("series_label"), []).append(row["t"])
    for label, positions in series.items():
        step = series_step(positions)
        if not step or step < 1:
            continue
        values = sorted(set(positions))
        for start, end in zip(values, values[1:], strict=False):
            t = start + step
            while t < end - 1e-6 and end - start > step * 1.5:
                out.append({"series_label": label, "t": t, "time_period": f"{t:g}", "value": None, "gap": True})
                t += step
    return sorted(out, key=lambda r: (str(r.get("series_label")), r["t"]))


def gap_periods(spec: dict[str, Any] | None) -> list[str]:
    """The periods a time-series spec marks as gaps (:func:`with_gaps`), for the page to name them."""
    if not spec:
        return []
    return sorted({str(r["time_period"]) for r in spec.get("datasets", {}).get(ROWS, []) if r.get("gap")})


def time_series(rows: list[dict[str, Any]], *, y_title: str, title: str = "", width: int = 480,
                height: int = 260, rule: float | None = None, rule_label: str = "") -> dict[str, Any]:
    """Lines over time, one per ``series_label``, with interval bands and status-shaped points.

    ``rows``: time_period, value, lower, upper, interval, obs_status, dataset_id, series_label.
    Missing values and skipped periods break the line (:func:`with_gaps`); the x axis ticks at the
    series' own step (every 5 years for five-yearly data, not 1990, 1994, ...).
    """
    for row in rows:
        row["t"] = period_position(row["time_period"])
        row["status"] = _status_label(row.get("obs_status"))
    rows = with_gaps([r for r in rows if r["t"] is not None])
    band = any(r.get("lower") is not None and r.get("upper") is not None for r in rows)
    step = series_step(r["t"] for r in rows) or 1.0
    return _with_rows(_time_series_template(y_title, title, width, height, rule, rule_label, band,
                                            max(1.0, float(step))), rows)


@lru_cache(maxsize=128)
def _time_series_template(y_title: str, title: str, width: int, height: int, rule: float | None,
                          rule_label: str, band: bool, step: float = 1.0) -> str:
    base = alt.Chart(alt.NamedData(ROWS)).encode(
        x=alt.X("t:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=step),
                scale=alt.Scale(zero=False, nice=False)),
        color=alt.Color("series_label:N", title=None),
    )
    tooltip = [
        alt.Tooltip("series_label:N", title="Series"),
        alt.Tooltip("time_period:N", title="Period"),
        alt.Tooltip("value:Q", title=y_title, format=",.2~f"),
        alt.Tooltip("lower:Q", title="Lower bound", format=",.2~f"),
        alt.Tooltip("upper:Q", title="Upper bound", format=",.2~f"),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("dataset_id:N", title="Dataset"),
    ]
    intervals = base.transform_filter("isValid(datum.lower) && isValid(datum.upper)").mark_area(
        opacity=0.18).encode(y=alt.Y("lower:Q"), y2="upper:Q")
    valid = base.transform_filter("isValid(datum.value)")
    # the line keeps the NULL rows: Vega-Lite breaks a path at an invalid value (a gap, never a join)
    line = base.mark_line(strokeWidth=2, invalid="break-paths-filter-domains").encode(
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format="~s")))
    points = valid.mark_point(filled=True, size=46).encode(
        y="value:Q", shape=alt.Shape("status:N", title="Status (OBS_STATUS)"), tooltip=tooltip,
    )
    layers: list[Any] = [intervals, line, points] if band else [line, points]
    if rule is not None:
        rule_data = alt.Data(values=[{"y": rule, "label": rule_label}])
        layers.append(alt.Chart(rule_data).mark_rule(strokeDash=[6, 4], color="#b3261e").encode(y="y:Q"))
        layers.append(alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-6, color="#b3261e",
                                                     fontWeight=600).encode(y="y:Q", text="label:N",
                                                                            x=alt.value(0)))
    chart = alt.layer(*layers).properties(width=width, height=height, title=title)
    return json.dumps(_spec(chart))


def interval_points(rows: list[dict[str, Any]], *, y_title: str, width: int = 480,
                    height: int = 260) -> dict[str, Any]:
    """Estimates with their intervals: one point per period and ``series_label`` (the method), an error
    bar from ``lower`` to ``upper``; periods on an ordinal axis (``2010-2015``), methods side by side.

    ``rows``: time_period, value, lower, upper, interval, obs_status, dataset_id, series_label.
    """
    for row in rows:
        row["status"] = _status_label(row.get("obs_status"))
    return _with_rows(_interval_points_template(y_title, width, height), rows)


@lru_cache(maxsize=16)
def _interval_points_template(y_title: str, width: int, height: int) -> str:
    base = alt.Chart(alt.NamedData(ROWS)).encode(
        x=alt.X("time_period:O", title="Period", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("series_label:N"),
        color=alt.Color("series_label:N", title="Method"),
    )
    bars = base.transform_filter("isValid(datum.lower) && isValid(datum.upper)").mark_rule(strokeWidth=2).encode(
        y=alt.Y("lower:Q", title=y_title, axis=alt.Axis(format="~s")), y2="upper:Q")
    points = base.transform_filter("isValid(datum.value)").mark_point(filled=True, size=60).encode(
        y="value:Q",
        tooltip=[alt.Tooltip("series_label:N", title="Method"), alt.Tooltip("time_period:N", title="Period"),
                 alt.Tooltip("value:Q", title=y_title, format=",.0f"),
                 alt.Tooltip("lower:Q", title="Lower bound", format=",.0f"),
                 alt.Tooltip("upper:Q", title="Upper bound", format=",.0f"),
                 alt.Tooltip("interval:N", title="Interval"), alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("dataset_id:N", title="Dataset")])
    chart = alt.layer(bars, points).properties(width=width, height=height)
    return json.dumps(_spec(chart))


def ranked_bars(rows: list[dict[str, Any]], *, x_title: str, title: str = "", width: int = 420) -> dict[str, Any]:
    """Horizontal bars of partners ranked by value; ``rows``: name, value, obs_status, dataset_id, href."""
    for row in rows:
        row["status"] = _status_label(row.get("obs_status"))
    spec = _with_rows(_ranked_bars_template(x_title, title, width), rows)
    spec["height"] = max(120, 24 * len(rows))
    return spec


@lru_cache(maxsize=64)
def _ranked_bars_template(x_title: str, title: str, width: int) -> str:
    chart = alt.Chart(alt.NamedData(ROWS)).mark_bar(color="#2b6cb0").encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("value:Q", title=x_title, axis=alt.Axis(format="~s")),
        href="href:N",
        tooltip=[alt.Tooltip("name:N", title="Area"), alt.Tooltip("value:Q", title=x_title, format=",.0f"),
                 alt.Tooltip("status:N", title="Status"), alt.Tooltip("dataset_id:N", title="Dataset")],
    ).properties(width=width, height=240, title=title)
    return json.dumps(_spec(chart))


def chord(names: Sequence[str], matrix: Sequence[Sequence[float]], *, title: str, unit: str = "persons",
          period: str = "", dataset_id: str = "") -> dict[str, Any]:
    """Data for the d3 directed chord diagram (``static/js/portal.js``): ``matrix[i][j]`` = i -> j."""
    return {"names": list(names), "matrix": [[float(v or 0.0) for v in row] for row in matrix],
            "title": title, "unit": unit, "period": period, "dataset_id": dataset_id}
