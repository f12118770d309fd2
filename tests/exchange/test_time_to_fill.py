"""Time to fill (EXCH_TIME_TO_FILL) and matching quality as a dataflow (EXCH_MATCH_QUALITY).

Time to fill is worked by hand: six openings of one vacancy posted 2026-01-01 00:00, accepted after
10, 20, 30, 40, 50 and 60 days; median 35 days, quartiles (linear interpolation between order
statistics, numpy's default, Hyndman & Fan type 7) 22.5 and 47.5 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import update

from corridor.exchange.models import PlacementEvent
from corridor.exchange.quality_publish import publish_quality, quality_observations
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import protected_tables, publish_statistics
from corridor.exchange.timing import INTERVAL, time_to_fill_table
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

POSTED = datetime(2026, 1, 1)


def _filled_market(reg: Registry, days: list[int], isco: str = "2221", openings: int = 6) -> int:
    """One agreement 608 -> 276, one vacancy posted on POSTED, a placement accepted after each of ``days``."""
    ag = reg.add_agreement(title="test", origin="608", destination="276", valid_from=date(2025, 1, 1))
    emp = reg.add_employer("Employer", "276")
    vac = reg.add_vacancy(employer_id=emp, agreement_id=ag, esco_version="1.1.1", isco=isco, destination="276",
                          openings=openings, valid_from=date(2026, 1, 1), created_at=POSTED)
    for d in days:
        js = reg.add_jobseeker(origin="608", esco_version="1.1.1", isco=isco, consent=True, registered_at=POSTED)
        [pid] = reg.propose([{"jobseeker_id": js, "vacancy_id": vac, "score": 0.5}])
        for state in ("offered", "accepted"):
            reg.move_placement("test", pid, state)
        with reg.sessions() as s:
            s.execute(update(PlacementEvent).where(PlacementEvent.placement_id == pid,
                                                   PlacementEvent.status == "accepted")
                      .values(at=POSTED + timedelta(days=d)))
            s.commit()
    return vac


def test_time_to_fill_is_the_hand_worked_median_and_quartiles(registry: Registry) -> None:
    _filled_market(registry, [10, 20, 30, 40, 50, 60])
    table = time_to_fill_table(registry, min_cell=5)
    cell = table[(table["ref_area"] == "276") & (table["counterpart_area"] == "608") & (table["topic"] == "22")]
    assert len(cell) == 1
    row = cell.iloc[0]
    assert row["time_period"] == "2026-Q1" and row["filled"] == 6
    assert np.isclose(row["n"], 35.0) and np.isclose(row["lower"], 22.5) and np.isclose(row["upper"], 47.5)
    assert row["interval"] == INTERVAL and row["conf_status"] == "F"
    # every margin is there and agrees (one vacancy: the same six openings)
    total = table[(table["ref_area"] == "_T") & (table["counterpart_area"] == "_T") & (table["topic"] == "_T")]
    assert np.isclose(total.iloc[0]["n"], 35.0)
    assert set(table["topic"]) == {"2", "22", "_T"}


def test_time_to_fill_below_the_minimum_cell_is_suppressed_not_zero(registry: Registry) -> None:
    _filled_market(registry, [10, 20, 30, 40])
    table = time_to_fill_table(registry, min_cell=5)
    assert table["n"].isna().all() and table["lower"].isna().all() and table["upper"].isna().all()
    assert set(table["conf_status"]) == {"A"} and set(table["missing"]) == {"Q"}
    assert (table["filled"] == 4).all()


def test_time_to_fill_is_published_as_a_registered_dataflow(registry: Registry, tmp_path: Path) -> None:
    _filled_market(registry, [10, 20, 30, 40, 50, 60])
    assert "EXCH_TIME_TO_FILL" in protected_tables(registry)
    with Warehouse.open(tmp_path / "wh.duckdb") as wh:
        publish_statistics(registry, wh, synthetic=True, vintage="2026-12-04")
        frame = wh.select(Selection.of("EXCH_TIME_TO_FILL", ref_area="276", counterpart_area="608", topic="22"))
    row = frame.iloc[0]
    assert row["unit_measure"] == "DAY" and row["obs_status"] == "A" and row["method"] == "exchange-register"
    assert np.isclose(row["value"], 35.0) and row["interval"] == INTERVAL
    assert row["title"].startswith("SYNTHETIC")


def _report(jobseekers: int = 100, matched: int = 40, outcomes: int = 50, calibration_n: int = 10) -> dict:
    return {
        "run": {"method": "deferred_acceptance", "jobseekers": jobseekers, "openings": 80, "matched": matched,
                "blocking_pairs": 0, "over_capacity": 0, "over_quota": 0},
        "time_to_match": {"n": matched, "median_days": 12.0, "p90_days": 40.0},
        "score_vs_outcome": {"placements_with_outcome": outcomes, "spearman": -0.1, "auc": 0.6, "brier": 0.2,
                             "calibration": [{"n": calibration_n, "predicted": 0.1 * i, "observed": 0.1 * i + 0.05}
                                             for i in range(1, 6)]},
    }


def test_quality_observations_rates_statuses_and_suppression() -> None:
    obs = quality_observations(_report(), "2026-07-01").set_index("topic")
    assert np.isclose(obs.loc["FILL_RATE", "value"], 50.0) and obs.loc["FILL_RATE", "unit_measure"] == "PT"
    assert np.isclose(obs.loc["SHARE_MATCHED", "value"], 40.0)
    assert obs.loc["BLOCKING_PAIRS", "value"] == 0 and obs.loc["BLOCKING_PAIRS", "obs_status"] == "A"
    assert np.isclose(obs.loc["SPEARMAN", "value"], -0.1)  # negative correlations are published as they are
    small = quality_observations(_report(matched=3, calibration_n=2), "2026-07-01").set_index("topic")
    for measure in ("MATCHED", "FILL_RATE", "SHARE_MATCHED", "TIME_TO_MATCH_MEDIAN", "CALIB_1", "PRED_5"):
        assert pd.isna(small.loc[measure, "value"]) and small.loc[measure, "obs_status"] == "Q", measure
        assert small.loc[measure, "conf_status"] == "A"
    assert small.loc["JOBSEEKERS", "value"] == 100  # not small: published
    # nothing to evaluate: missing (M), never zero
    report = _report()
    report["score_vs_outcome"] = {"placements_with_outcome": 4, "note": "fewer than 10"}
    none = quality_observations(report, "2026-07-01").set_index("topic")
    assert pd.isna(none.loc["AUC", "value"]) and none.loc["AUC", "obs_status"] == "M"
    assert none.loc["CALIB_3", "obs_status"] == "M" and none.loc["OUTCOMES", "obs_status"] == "Q"


def test_quality_is_written_once_with_provenance(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "wh.duckdb") as wh:
        first = publish_quality(_report(), wh, on="2026-07-01", synthetic=True)
        again = publish_quality(_report(), wh, on="2026-07-01", synthetic=True)
        frame = wh.select(Selection.of("EXCH_MATCH_QUALITY"))
    assert first == again
    assert set(frame["dataset_id"]) == {first} and len(frame) == 24
    assert frame["title"].str.startswith("SYNTHETIC").all() and set(frame["ref_area"]) == {"_T"}
