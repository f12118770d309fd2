"""Statistics of the exchange into the warehouse: counts by ISCO 1/2-digit, suppression that the
independent audit (corridor.disclose.audit) cannot break, derived ratios, provenance, idempotence."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor.disclose.audit import audit
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import protected_tables, publish_statistics, registry_counts
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

JOBSEEKERS = {("608", "2221"): 20, ("608", "2222"): 7, ("608", "3221"): 3, ("608", "5322"): 6,
              ("356", "2221"): 8, ("356", "2511"): 2}


def _world(reg: Registry) -> None:
    ag = reg.add_agreement(title="test", origin="608", destination="276", quota=None,
                           valid_from=date(2026, 1, 1))
    emp = reg.add_employer("Employer", "276")
    for isco, openings in (("2221", 12), ("2222", 9), ("3221", 7)):
        reg.add_vacancy(employer_id=emp, agreement_id=ag, esco_version="1.1.1", isco=isco, destination="276",
                        openings=openings, valid_from=date(2026, 1, 1), created_at=datetime(2026, 2, 1))
    for (origin, isco), n in JOBSEEKERS.items():
        for _ in range(n):
            reg.add_jobseeker(origin=origin, esco_version="1.1.1", isco=isco, consent=True,
                              registered_at=datetime(2026, 2, 10))


def _isco_columns(frame: pd.DataFrame) -> pd.DataFrame:
    topic = frame["topic"].astype(str)
    return frame.assign(isco1=np.where(topic == "_T", "_T", topic.str[0]),
                        isco2=np.where(topic.str.len() == 2, topic, "_T"))


def test_counts_tables_and_suppression_survive_the_audit(registry: Registry) -> None:
    _world(registry)
    counts = registry_counts(registry)
    assert counts.query("measure == 'jobseeker'")["n"].sum() == sum(JOBSEEKERS.values())
    published = protected_tables(registry, min_cell=5)
    truth = protected_tables(registry, min_cell=1)  # nothing below 1: the true values
    js, js_true = published["EXCH_JOBSEEKER"], truth["EXCH_JOBSEEKER"]
    cell = js.set_index(["ref_area", "topic"])
    assert cell.loc[("608", "22"), "n"] == 27 and cell.loc[("608", "2"), "n"] == 27
    assert cell.loc[("_T", "_T"), "n"] == 46
    assert pd.isna(cell.loc[("608", "32"), "n"]) and cell.loc[("608", "32"), "conf_status"] == "A"
    # no published count of people is between 1 and 4
    assert not js["n"].between(1, 4).any()
    # the 3 nurses' associates (ISCO 32) cannot be recovered from 36 - 27 - 6: secondary suppression
    assert (js["conf_status"] == "D").any()
    by = ["ref_area", "isco1", "isco2"]
    result = audit(_isco_columns(js), _isco_columns(js_true), by=by, value="n", floor=1.0)
    assert result.violations.empty, result.violations


def test_ratios_are_missing_where_their_counts_are_suppressed(registry: Registry) -> None:
    _world(registry)
    tables = protected_tables(registry, min_cell=5)
    ratio = tables["EXCH_VJ_RATIO"].set_index(["ref_area", "counterpart_area", "topic"])
    assert ratio.loc[("276", "608", "22"), "n"] == pytest.approx((12 + 9) / 27)
    assert pd.isna(ratio.loc[("276", "608", "32"), "n"]) and ratio.loc[("276", "608", "32"), "missing"] == "Q"
    fill = tables["EXCH_FILL_RATE"].set_index(["ref_area", "counterpart_area", "topic"])
    assert fill.loc[("276", "608", "22"), "n"] == 0.0  # no placement yet: a true zero


def test_publish_writes_registered_dataflows_with_provenance_once(registry: Registry, tmp_path: Path) -> None:
    _world(registry)
    with Warehouse.open(tmp_path / "wh.duckdb") as wh:
        ids = publish_statistics(registry, wh, min_cell=5, synthetic=True, vintage="2026-12-01")
        again = publish_statistics(registry, wh, min_cell=5, synthetic=True, vintage="2026-12-01")
        assert ids == again and len(ids) == 6  # with EXCH_TIME_TO_FILL
        frame = wh.select(Selection.of("EXCH_JOBSEEKER"))
        meta = wh.dataset(ids[1])
    assert meta["title"].startswith("SYNTHETIC") and "SYNTHETIC DATA" in meta["notes"]
    assert set(frame["method"]) == {"exchange-register"} and set(frame["counterpart_area"]) == {"_T"}
    suppressed = frame[frame["obs_status"] == "Q"]
    assert suppressed["value"].isna().all() and set(suppressed["conf_status"]) <= {"A", "D"}
    assert frame.query("ref_area == '608' and topic == '22'")["value"].tolist() == [27.0]


def test_shortages_are_paired_with_surpluses_from_published_figures(registry: Registry) -> None:
    from corridor.exchange.statistics import shortages_and_surpluses

    ag = registry.add_agreement(title="PH-DE", origin="608", destination="276", valid_from=date(2026, 1, 1))
    emp = registry.add_employer("Employer", "276")
    registry.add_vacancy(employer_id=emp, agreement_id=ag, esco_version="1.1.1", isco="2221", destination="276",
                         openings=30, valid_from=date(2026, 1, 1), created_at=datetime(2026, 2, 1))
    for origin, n in (("608", 10), ("356", 15)):  # India has no agreement with Germany
        for _ in range(n):
            registry.add_jobseeker(origin=origin, esco_version="1.1.1", isco="2221",
                                   registered_at=datetime(2026, 2, 1))
    pairs = shortages_and_surpluses(protected_tables(registry, min_cell=5))
    # Germany lacks 30 - 10 = 20 health professionals (ISCO 22); India has 15 with nothing offered;
    # the Philippines has 10 jobseekers for 30 openings: no surplus there
    assert pairs.to_dict("records") == [{"destination": "276", "topic": "22", "time_period": "2026-Q1",
                                         "shortage": 20.0, "origin": "356", "surplus": 15.0}]
