"""Build the calibration of flow intervals from the warehouse: observed register flows against estimates.

The calibration data are the register flows of dataflow ``MIG_FLOW_REG`` (series :data:`REGISTER_SERIES`:
Eurostat immigration by previous country of residence, 12-month criterion), immigration into the
reporting country, summed over the calendar years ``y0 .. y1 - 1`` of each estimation period ``y0-y1``
(mid-year ``y0`` to mid-year ``y1``: half a year off at each end, stated in the interval text). A pair
enters a period only when all five years are reported (a missing year is not a zero). Years held back
from the mirror are simply absent: the periods they would complete (2010-2015) are not used and are not
reconstructed.

:func:`calibrate` fits one :class:`~corridor.estimate.flows.calibration.Model` per method and evaluates
it out of sample (:func:`~corridor.estimate.flows.calibration.evaluate`); the result is written to
:data:`CALIBRATION_FILE` by ``corridor flows calibrate`` and read by
:mod:`corridor.estimate.flows.intervals` at estimation time (no warehouse read).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.estimate.flows.calibration import LEVEL, LEVELS, Evaluation, design, evaluate, fit
from corridor.estimate.flows.intervals import CALIBRATION_FILE
from corridor.estimate.flows.methods import METHODS, estimate_many
from corridor.estimate.flows.stocks import StockSource
from corridor.estimate.flows.store import PERIODS, read_inputs

#: the release-catalogue series of the observed register flows
REGISTER_SERIES = "eurostat-migr-imm5prv"


@dataclass
class CalibrationData:
    """Pairs with an observed register flow, with every method's estimate and the stock tables' covariates."""

    pairs: pd.DataFrame  # origin, destination, period, observed
    x: dict[str, np.ndarray]  # method -> covariates of each pair
    estimate: dict[str, np.ndarray]  # method -> estimate of each pair
    datasets: list[str]


def observed_sums(wh, periods: Sequence[tuple[int, int]]) -> tuple[pd.DataFrame, list[str]]:
    """Register immigration ``origin -> destination`` summed over each period's five calendar years, only
    where all five are reported."""
    from corridor.store.selection import Selection

    sel = Selection.of("MIG_FLOW_REG", series=REGISTER_SERIES, topic="IMM", sex="_T", age="_T",
                       include_missing=False)
    frame = wh.select(sel, scaled=True, columns=("dataset_id", "ref_area", "counterpart_area", "time_period",
                                                  "value"))
    if frame.empty:
        raise InputError(f"the warehouse has no register flows of series {REGISTER_SERIES} (run: corridor ingest "
                         "eurostat-immigration-prev-residence)")
    frame = frame[frame.ref_area != frame.counterpart_area]
    year = frame.time_period.str[:4].astype(int)
    parts = []
    for y0, y1 in periods:
        sub = frame[(year >= y0) & (year < y1)]
        g = sub.groupby(["counterpart_area", "ref_area"]).value.agg(["sum", "count"]).reset_index()
        g = g[g["count"] == y1 - y0]
        parts.append(pd.DataFrame({"origin": g.counterpart_area, "destination": g.ref_area,
                                   "period": f"{y0}-{y1}", "observed": g["sum"].astype(float)}))
    return pd.concat(parts, ignore_index=True), sorted(set(frame.dataset_id))


def calibration_data(wh, methods: Sequence[str] = tuple(METHODS)) -> CalibrationData:
    """Observed sums joined to each method's estimate and the covariates, for every period with a
    complete register record."""
    observed, reg_ids = observed_sums(wh, PERIODS)
    inputs = read_inputs(wh, ("_T",))
    source = StockSource(*inputs.frames["_T"], inputs=inputs.inputs["_T"])
    pairs, xs, ests = [], {m: [] for m in methods}, {m: [] for m in methods}
    for period in PERIODS:
        obs = observed[observed.period == f"{period[0]}-{period[1]}"]
        if obs.empty:
            continue
        tables = source.tables(period).tables
        index = {a: i for i, a in enumerate(tables.areas)}
        obs = obs[obs.origin.isin(index) & obs.destination.isin(index)]
        o, d = obs.origin.map(index).to_numpy(), obs.destination.map(index).to_numpy()
        for m, result in estimate_many(tables, list(methods), od_only=True).items():
            xs[m].append(design(result.od, tables.start, tables.end, o, d))
            ests[m].append(result.od[o, d])
        pairs.append(obs)
    return CalibrationData(pd.concat(pairs, ignore_index=True), {m: np.vstack(v) for m, v in xs.items()},
                           {m: np.concatenate(v) for m, v in ests.items()}, reg_ids + inputs.inputs["_T"])


def calibrate(wh, methods: Sequence[str] = tuple(METHODS)) -> dict:
    """Fit and evaluate the interval model of every method (see the module docstring); the JSON-ready
    calibration (models, out-of-sample table, reach, provenance)."""
    data = calibration_data(wh, methods)
    p = data.pairs
    y = np.log1p(p.observed.to_numpy())
    dest, orig, period = p.destination.to_numpy(), p.origin.to_numpy(), p.period.to_numpy()
    models, table = {}, []
    for m in methods:
        x, est = data.x[m], data.estimate[m]
        models[m] = fit(x, y, dest).to_dict()
        for scheme, folds in (("leave-one-period-out", period), ("leave-one-country-out", dest)):
            table.append(_row(evaluate(m, scheme, x, y, est, folds, dest, orig)))
    return {
        "level": LEVEL, "levels": list(LEVELS), "methods": models, "table": table,
        "countries": sorted(set(dest) | set(orig)), "periods": sorted(set(period)), "pairs": int(len(p)),
        "register_series": REGISTER_SERIES, "datasets": data.datasets,
    }


def _row(ev: Evaluation) -> dict:
    return {"method": ev.method, "scheme": ev.scheme, "n": ev.n,
            "coverage": {f"{k:g}": round(v, 4) for k, v in ev.coverage.items()},
            "interval_score": {f"{k:g}": round(v, 3) for k, v in ev.score.items()}}


def write_calibration(calibration: dict, path: Path = CALIBRATION_FILE) -> Path:
    path.write_text(json.dumps(calibration, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def markdown_table(calibration: dict) -> str:
    """The calibration table of ``docs/methods-flows.md``: coverage (and mean interval score on
    ``log(1 + flow)``) per nominal level, method and scheme."""
    levels = [f"{lv:g}" for lv in calibration["levels"]]
    head = ("| method | out of sample | pairs | " + " | ".join(f"{float(lv):.0%}" for lv in levels)
            + " | " + " | ".join(f"score {float(lv):.0%}" for lv in levels) + " |")
    lines = [head, "|" + "---|" * (3 + 2 * len(levels))]
    for row in calibration["table"]:
        lines.append(f"| {row['method']} | {row['scheme']} | {row['n']} | "
                     + " | ".join(f"{row['coverage'][lv]:.3f}" for lv in levels) + " | "
                     + " | ".join(f"{row['interval_score'][lv]:.2f}" for lv in levels) + " |")
    return "\n".join(lines)
