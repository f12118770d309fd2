"""Matching quality into the warehouse: the ``EXCH_MATCH_QUALITY`` dataflow (``corridor exchange report --publish``).

The report of :mod:`corridor.exchange.quality` (one matching run, time to match, the held-out
score-vs-outcome evaluation) becomes one observation per measure (codelist ``EXCH_QUALITY``) for the
whole exchange (REF_AREA ``_T``), TIME_PERIOD the run date, method ``exchange-register``, so that the
portal and the SDMX API show it with its dataset, vintage and status like every other number.

Disclosure control: counts of people (jobseekers, openings, matches, placements with an outcome)
below ``min_cell`` are suppressed (``Q``/``A``) and so is every rate computed from a suppressed count;
time to match is suppressed when fewer than ``min_cell`` jobseekers were matched; a calibration
quintile with fewer than ``min_cell`` placements is suppressed. The checker's counts (blocking pairs,
vacancies over capacity, agreements over quota) describe the algorithm, not people, and are published
as they are. A measure that could not be computed (no outcomes to evaluate) is missing (``M``), never 0.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from corridor.store.warehouse import DatasetMeta, Warehouse

FLOW = "EXCH_MATCH_QUALITY"
#: measure -> unit
UNITS: dict[str, str] = {
    "JOBSEEKERS": "PS", "OPENINGS": "PS", "MATCHED": "PS", "FILL_RATE": "PT", "SHARE_MATCHED": "PT",
    "BLOCKING_PAIRS": "PURE_NUMB", "OVER_CAPACITY": "PURE_NUMB", "OVER_QUOTA": "PURE_NUMB",
    "TIME_TO_MATCH_MEDIAN": "DAY", "TIME_TO_MATCH_P90": "DAY", "OUTCOMES": "PS", "SPEARMAN": "PURE_NUMB",
    "AUC": "PURE_NUMB", "BRIER": "PURE_NUMB",
    **{f"{kind}_{i}": "PURE_NUMB" for kind in ("PRED", "CALIB") for i in range(1, 6)},
}


def _percent(part: Any, whole: Any) -> float | None:
    return None if part is None or not whole else 100.0 * part / whole


def quality_rows(report: dict[str, Any], min_cell: int = 5) -> list[dict[str, Any]]:
    """``(measure, value, small)`` rows of a report (``small``: suppressed for a small count)."""
    run, ttm, ev = report["run"], report["time_to_match"], report["score_vs_outcome"]
    small_js, small_open = run["jobseekers"] < min_cell, run["openings"] < min_cell
    small_match = run["matched"] < min_cell
    rows = [
        ("JOBSEEKERS", run["jobseekers"], small_js), ("OPENINGS", run["openings"], small_open),
        ("MATCHED", run["matched"], small_match),
        ("FILL_RATE", _percent(run["matched"], run["openings"]), small_match or small_open),
        ("SHARE_MATCHED", _percent(run["matched"], run["jobseekers"]), small_match or small_js),
        ("BLOCKING_PAIRS", run["blocking_pairs"], False), ("OVER_CAPACITY", run["over_capacity"], False),
        ("OVER_QUOTA", run["over_quota"], False),
        ("TIME_TO_MATCH_MEDIAN", ttm.get("median_days"), ttm.get("n", 0) < min_cell),
        ("TIME_TO_MATCH_P90", ttm.get("p90_days"), ttm.get("n", 0) < min_cell),
    ]
    n_out = ev.get("placements_with_outcome", 0)
    rows += [("OUTCOMES", n_out, n_out < min_cell), ("SPEARMAN", ev.get("spearman"), False),
             ("AUC", ev.get("auc"), False), ("BRIER", ev.get("brier"), False)]
    calibration = ev.get("calibration") or []
    for i in range(1, 6):
        cell = calibration[i - 1] if i <= len(calibration) else None
        small = cell is not None and cell["n"] < min_cell
        rows += [(f"PRED_{i}", cell and cell["predicted"], small), (f"CALIB_{i}", cell and cell["observed"], small)]
    return [{"measure": m, "value": v, "small": s} for m, v, s in rows]


def quality_observations(report: dict[str, Any], on: str, min_cell: int = 5) -> pd.DataFrame:
    """Warehouse observations of ``EXCH_MATCH_QUALITY`` for a report of a run on ``on`` (module docstring)."""
    rows = pd.DataFrame(quality_rows(report, min_cell))
    value = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    value = value.where(~rows["small"].astype(bool))
    status = np.where(rows["small"], "Q", np.where(value.isna(), "M", "A"))
    return pd.DataFrame({
        "dataflow": FLOW, "ref_area": "_T", "topic": rows["measure"], "time_period": on,
        "value": value.round(6), "obs_status": status, "conf_status": np.where(rows["small"], "A", "F"),
        "unit_measure": rows["measure"].map(UNITS), "method": "exchange-register",
    })


def publish_quality(report: dict[str, Any], wh: Warehouse, *, on: str, min_cell: int = 5,
                    synthetic: bool = False, vintage: str | None = None) -> str:
    """Write one ``EXCH_MATCH_QUALITY`` dataset (idempotent: the same figures are not written twice)."""
    obs = quality_observations(report, on, min_cell)
    sha = hashlib.sha256(obs.to_csv(index=False).encode()).hexdigest()
    vintage = vintage or on
    label = "SYNTHETIC " if synthetic else ""
    meta = DatasetMeta(
        dataset_id=f"exchange-match-quality-{vintage}-{sha[:8]}", series="exchange-match-quality",
        vintage=vintage, layout="exchange", publisher="corridor labour mobility exchange",
        title=f"{label}{FLOW}: matching quality of the labour mobility exchange ({report['run']['method']})",
        sha256=sha, kind="register", method="exchange-register",
        parameters={"min_cell": min_cell, "synthetic": synthetic, "method": report["run"]["method"], "on": on},
        notes=("SYNTHETIC DATA: generated by corridor exchange synthetic, not real people or vacancies. "
               if synthetic else "") + "Counts of people below the minimum cell suppressed (Q).")
    return wh.write_dataset(meta, obs)
