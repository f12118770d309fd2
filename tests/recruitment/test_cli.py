"""``corridor recruitment`` and ``corridor portability`` through the real entry point: a bulk load that is
all or nothing, flags as CSV on stdout alone, SDG 10.7.1 written to a warehouse, the calculator's JSON,
and bad input as one line naming file, row and column (exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from corridor.exchange.registry import Registry
from tests.cli_in_process import run_cli

HEADER = "jobseeker_id,category,side,jurisdiction,payer,payee,amount,currency,usd_rate,rate_date,rate_source,on\n"


@pytest.fixture
def sqlite_registry(tmp_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Registry]:
    from corridor.exchange import db

    url = f"sqlite:///{tmp_path / 'ex.sqlite'}"
    engine = db.engine_for(url)
    db.upgrade(engine)
    reg = Registry(engine)
    monkeypatch.setenv("CORRIDOR_EXCHANGE_DB", url)
    return url, reg


def test_load_flags_and_sdg1071_from_the_command_line(sqlite_registry, tmp_path: Path, capsys) -> None:
    url, reg = sqlite_registry
    emp = reg.add_employer("E", "410", sector="C")
    vac = reg.add_vacancy(employer_id=emp, esco_version="1.1.1", isco="7212", destination="410", sector="C",
                          valid_from=pd.Timestamp("2026-01-01").date())
    workers = [reg.add_jobseeker(origin="608", esco_version="1.1.1", isco="7212") for _ in range(6)]
    placements = reg.propose([{"jobseeker_id": w, "vacancy_id": vac} for w in workers])
    charges = tmp_path / "charges.csv"
    charges.write_text(HEADER + "".join(
        f"{w},recruitment_fee,origin,608,worker,Agency,{5000 * (i + 1)},PHP,0.018,2026-02-27,BSP reference rate,"
        f"2026-03-01\n" for i, w in enumerate(workers[:4])))
    assert run_cli(["recruitment", "load", "ledger", charges], capsys)[0] == 0
    earnings = tmp_path / "earnings.csv"
    earnings.write_text("jobseeker_id,month,amount,currency,usd_rate,rate_date,rate_source,placement_id\n" + "".join(
        f"{w},2026-05-01,2000000,KRW,0.00075,2026-05-31,BOK rate,{p}\n" for w, p in zip(workers, placements,
                                                                                    strict=True)))
    assert run_cli(["recruitment", "load", "earnings", earnings], capsys)[0] == 0

    status, out, _ = run_cli(["recruitment", "flags", "--format", "csv"], capsys)
    flags = pd.read_csv(pd.io.common.StringIO(out))
    assert status == 0 and flags["flag"].eq("employer_must_bear").all() and len(flags) == 4
    assert flags["owed_usd"].tolist() == [90.0, 180.0, 270.0, 360.0]

    wh = tmp_path / "wh.duckdb"
    status, out, err = run_cli(["recruitment", "sdg1071", "--year", "2026", "--publish", "--synthetic",
                                "--warehouse", wh, "--min-cell", "3", "--format", "json"], capsys)
    assert status == 0 and "wrote sdg1071-ledger-2026" in err
    table = pd.DataFrame(json.loads(out)).set_index(["counterpart_area", "topic", "method"])["value"]
    # costs 90, 180, 270, 360, 0, 0 over earnings of 1,500 each
    assert table["608", "_T", "sdg1071_mean"] == pytest.approx(900 / 1500 / 6)
    assert table["608", "OCC_7", "sdg1071_median_nz"] == pytest.approx(180 / 1500)
    assert table["608", "SEC_C", "sdg1071_mean_nz"] == pytest.approx(900 / 1500 / 4)


def test_a_bad_row_is_named_and_nothing_is_appended(sqlite_registry, tmp_path: Path, capsys) -> None:
    url, reg = sqlite_registry
    w = reg.add_jobseeker(origin="608", esco_version="1.1.1", isco="7212")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{w},medical,origin,608,worker,Clinic,100,PHP,0.018,2026-02-27,BSP,2026-03-01\n"
                   f"{w},medical,origin,608,worker,Clinic,100,PHP,0.018,27/02/2026,BSP,2026-03-01\n")
    status, _, err = run_cli(["recruitment", "load", "ledger", bad], capsys)
    assert status == 2 and "row 3" in err and "rate_date" in err
    with reg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_entry")).scalar() == 0


def test_portability_calculate_on_the_command_line(capsys) -> None:
    status, out, _ = run_cli(["portability", "calculate", "--agreement", "HOLZMANN-AB-DIRECT",
                              "--period", "EXAMPLE_A=18", "--period", "EXAMPLE_B=24"], capsys)
    assert status == 0 and json.loads(out)["total_benefit"] == 928.0
    status, _, err = run_cli(["portability", "calculate", "--agreement", "NOPE", "--period", "A=1"], capsys)
    assert status == 2 and "unknown agreement 'NOPE'" in err


def test_sdg1071_from_survey_microdata_on_the_command_line(tmp_path: Path, capsys) -> None:
    import numpy as np

    rng = np.random.default_rng(17)  # SYNTHETIC survey records in the questionnaire's shape (machinery only)
    n = 200
    frame = pd.DataFrame({"stratum": np.repeat(["a", "b"], n // 2), "psu": np.repeat(np.arange(20), n // 20),
                          "w": rng.uniform(10, 30, n), "ref_area": "410", "counterpart_area": "608",
                          "sex": rng.choice(["M", "F"], n), "isco1": "7", "sector": "C",
                          "fee_lcu": rng.gamma(2.0, 5000.0, n), "travel_lcu": rng.gamma(2.0, 2000.0, n),
                          "earn_lcu": rng.uniform(40000, 60000, n), "usd_per_lcu": 0.02})
    frame.loc[5, "travel_lcu"] = np.nan  # a component left empty: that worker's cost is unknown, not 0
    path = tmp_path / "rc.csv"
    frame.to_csv(path, index=False)
    args = ["recruitment", "survey", path, "--weights", "w", "--strata", "stratum", "--psu", "psu", "--year", "2025",
            "--name", "test-survey", "--cost", "fee_lcu", "--cost", "travel_lcu", "--earnings", "earn_lcu",
            "--rate", "usd_per_lcu", "--rate-note", "2025-06-30, test rates"]
    status, out, err = run_cli([*args, "--publish", "--warehouse", tmp_path / "wh.duckdb", "--format", "csv"],
                               capsys)
    assert status == 0 and "wrote sdg1071-test-survey-2025" in err
    table = pd.read_csv(pd.io.common.StringIO(out), dtype={"ref_area": str, "counterpart_area": str})
    row = table[(table["counterpart_area"] == "608") & (table["sex"] == "_T") & (table["topic"] == "_T")
                & (table["method"] == "sdg1071_mean")].iloc[0]
    ok = frame["travel_lcu"].notna()
    ratio = ((frame["fee_lcu"] + frame["travel_lcu"]) / frame["earn_lcu"])[ok]
    assert row["n"] == n - 1 and row["value"] == pytest.approx(np.average(ratio, weights=frame["w"][ok]))
    assert row["se"] > 0 and row["lower"] < row["value"] < row["upper"]
    frame["fee_lcu"] = frame["fee_lcu"].astype(object)
    frame.loc[7, "fee_lcu"] = "lots"
    frame.to_csv(path, index=False)
    status, _, err = run_cli(args, capsys)
    assert status == 2 and "row 9" in err and "'fee_lcu'" in err and "not a number" in err
