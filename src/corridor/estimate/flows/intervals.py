"""The interval on every flow estimate: a calibrated 90% prediction interval for the register flow.

``lower``/``upper`` of every flow (CSV, warehouse, API) are a 90% prediction interval for the flow as a
population register would record it -- movements under the 12-month criterion, summed over the period's
five calendar years -- given the method's estimate and the stock tables. The model and its out-of-sample
coverage are in :mod:`corridor.estimate.flows.calibration` and the shipped calibration file
(:data:`~corridor.estimate.flows.calibrate.CALIBRATION_FILE`, made by ``corridor flows calibrate`` from the
register flows in the warehouse); each observation's ``interval`` column holds one sentence saying this,
and whether the pair lies *inside the calibration data's reach* (both countries among those whose
registers the model was calibrated on) or outside it (the same model extrapolated; coverage not measured).

This replaces the earlier bootstrap over stocks with 1% population noise, whose replicates invented
millions of native-born moves between the largest countries and whose "90%" interval covered 28% of
observed register flows (issue 9).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from corridor.estimate.flows.calibration import LEVEL, Model, design
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
WHAT = ("{level:.0%} prediction interval for the flow a population register would record (movements, 12-month "
        "criterion, summed over the period's calendar years)")


@dataclass
class FlowInterval:
    """Bounds for the origin x destination flows (and, where asked, the flows by birthplace)."""

    lower: np.ndarray
    upper: np.ndarray
    #: the interval sentence of each origin x destination cell
    text: np.ndarray
    #: True where both areas are among the calibration countries
    reach: np.ndarray
    bp_lower: np.ndarray | None = None
    bp_upper: np.ndarray | None = None
    bp_text: np.ndarray | None = None


@cache
def calibration(path: Path = CALIBRATION_FILE) -> dict:
    """The shipped calibration (models by method, out-of-sample table, calibration countries)."""
    return json.loads(path.read_text(encoding="utf-8"))


def coverage(cal: dict, method: str, level: float) -> dict[str, float]:
    """Out-of-sample coverage of ``method`` at ``level``, by scheme."""
    key = f"{level:g}"
    return {row["scheme"]: row["coverage"][key] for row in cal["table"] if row["method"] == method}


def sentences(cal: dict, method: str, level: float = LEVEL) -> tuple[str, str]:
    """The interval sentence inside and outside the calibration data's reach."""
    cov = coverage(cal, method, level)
    what = WHAT.format(level=level)
    periods = ", ".join(cal["periods"])
    inside = (f"{what}: log-scale regression of Eurostat register flows between {len(cal['countries'])} "
              f"European countries ({periods}) on the {method} estimate and stocks, conformally calibrated "
              f"(out-of-sample coverage {cov.get('leave-one-country-out', float('nan')):.0%} leaving one country "
              f"out, {cov.get('leave-one-period-out', float('nan')):.0%} leaving one period out), widened to "
              "contain the estimate.")
    outside = (f"{what}, extrapolated: the model was calibrated on register flows between European countries "
               "only, so its coverage for this pair is not measured; widened to contain the estimate.")
    return inside, outside


def flow_interval(tables: StockTables, point: FlowResult, *, level: float = LEVEL, by_birthplace: bool = False,
                  path: Path = CALIBRATION_FILE) -> FlowInterval:
    """The calibrated interval of ``point`` (a result of ``point.method`` on ``tables``): see the module
    docstring. By birthplace the origin-destination bounds are applied in proportion to each birthplace's
    share of the flow (the calibration data have no birthplace)."""
    cal = calibration(path)
    model = Model.from_dict(cal["methods"][point.method])
    n = tables.n
    o, d = np.divmod(np.arange(n * n), n)
    x = design(point.od, tables.start, tables.end, o, d)
    lower, upper = (b.reshape(n, n) for b in model.bounds(x, point.od.ravel(), level))
    np.fill_diagonal(lower, 0.0)
    np.fill_diagonal(upper, 0.0)
    known = np.isin(np.asarray(tables.areas, dtype=object), cal["countries"])
    reach = known[:, None] & known[None, :]
    inside, outside = sentences(cal, point.method, level)
    text = np.empty((n, n), dtype=object)  # two shared strings, not n*n copies (np.full would make copies)
    text.fill(outside)
    text[reach] = inside
    iv = FlowInterval(lower, upper, text, reach)
    if by_birthplace:
        po, pd_ = point.bp_origin, point.bp_destination
        share = np.divide(point.bp_flow, point.od[po, pd_], out=np.zeros_like(point.bp_flow),
                          where=point.od[po, pd_] > 0)
        iv.bp_lower = np.minimum(share * lower[po, pd_], point.bp_flow)
        iv.bp_upper = np.maximum(share * upper[po, pd_], point.bp_flow)
        tail = "; by birthplace: the origin-destination interval applied in proportion to each birthplace's share"
        iv.bp_text = np.empty(po.size, dtype=object)
        iv.bp_text.fill(outside[:-1] + tail + ".")
        iv.bp_text[reach[po, pd_]] = inside[:-1] + tail + "."
    return iv
