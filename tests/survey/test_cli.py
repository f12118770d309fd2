"""``corridor survey estimate``: output format, statuses and the errors a user sees.

The end-to-end test runs the installed command in a subprocess; the others call the same Typer app
in-process through ``run_guarded`` (the console entry point), so exit codes and messages are the
ones a user gets.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_in_process import run_cli as run

HEADER = "domain,category,estimate,se,cv,ci_lower,ci_upper,df,n,obs_status"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_by_domain_end_to_end(api_dir):
    # R survey 4.1.1 (REFERENCE_VALUES.md): svyby(~api00, ~stype, dstrat, svymean) E/H/M
    # 674.43 / 625.82 / 636.60, SE 12.38247979 / 14.93712919 / 16.21470731
    out = subprocess.run(
        [sys.executable, "-m", "corridor.cli.main", "survey", "estimate", str(api_dir / "apistrat.csv"),
         "--weights", "pw", "--strata", "stype", "--fpc", "fpc", "--mean", "api00", "--by", "stype",
         "--format", "csv"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert out.splitlines()[0] == HEADER
    table = rows(out)
    est = {r["domain"]: r for r in table if r["category"] == ""}
    assert float(est["E"]["estimate"]) == pytest.approx(674.43, rel=1e-9)
    assert float(est["H"]["se"]) == pytest.approx(14.93712919, rel=1e-7)
    assert float(est["M"]["se"]) == pytest.approx(16.21470731, rel=1e-7)
    assert {r["df"] for r in est.values()} == {"197"}
    assert {r["n"] for r in est.values()} == {"100", "50"}
    missing = [r for r in table if r["category"] == "(missing)"]
    assert [(r["domain"], r["n"], r["estimate"]) for r in missing] == [("E", "0", ""), ("H", "0", ""),
                                                                         ("M", "0", "")]


def test_proportion_csv_and_missing_count(api_dir, capsys):
    code, out, _ = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata", "stype",
                        "--fpc", "fpc", "--proportion", "sch.wide", "--format", "csv"], capsys)
    assert code == 0
    table = rows(out)
    yes = next(r for r in table if r["category"] == "Yes")
    # R survey 4.1.1 (REFERENCE_VALUES.md): 0.8279480114, logit CI 0.7745396544 - 0.8708148545
    assert float(yes["estimate"]) == pytest.approx(0.8279480114, rel=1e-9)
    assert float(yes["ci_lower"]) == pytest.approx(0.7745396544, rel=1e-7)
    assert float(yes["ci_upper"]) == pytest.approx(0.8708148545, rel=1e-7)
    assert yes["domain"] == "" and yes["obs_status"] == "A"


def test_missing_answers_counted(api_dir, capsys):
    code, out, _ = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata",
                        "stype", "--mean", "target", "--by", "stype", "--format", "csv"], capsys)
    assert code == 0
    table = rows(out)
    answered = {r["domain"]: int(r["n"]) for r in table if r["category"] == ""}
    missing = {r["domain"]: int(r["n"]) for r in table if r["category"] == "(missing)"}
    assert sum(missing.values()) == 20  # 'target' is NA for 20 schools in R's apistrat
    assert all(answered[d] + missing[d] == {"E": 100, "H": 50, "M": 50}[d] for d in answered)


def test_status_u_and_q_with_suppression(api_dir, capsys):
    # domain CVs are 1.8% (E), 2.4% (H), 2.5% (M): thresholds of 2% and 2.45% give A, U, Q
    code, out, _ = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata",
                        "stype", "--fpc", "fpc", "--mean", "api00", "--by", "stype", "--format", "csv",
                        "--cv-unreliable", "0.02", "--cv-suppress", "0.0245"], capsys)
    assert code == 0
    est = {r["domain"]: r for r in rows(out) if r["category"] == ""}
    assert [est[d]["obs_status"] for d in "EHM"] == ["A", "U", "Q"]
    assert est["M"]["estimate"] == "" and est["M"]["se"] == "" and est["M"]["ci_lower"] == ""
    assert float(est["M"]["cv"]) == pytest.approx(16.21470731 / 636.60, rel=1e-7)  # CV still shown
    assert est["H"]["estimate"] != ""


def test_human_table(api_dir, capsys):
    code, out, _ = run(["survey", "estimate", api_dir / "apiclus1.csv", "--weights", "pw", "--psu", "dnum",
                        "--reptype", "jk1", "--mean", "api00"], capsys)
    assert code == 0
    assert "644.169" in out and "JK1" in out and "14 df" in out


def test_unknown_variable_is_named_with_the_available_ones(api_dir, capsys):
    code, _, err = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata",
                        "school_type", "--mean", "api00"], capsys)
    assert code == 2
    assert "school_type" in err and "available" in err and "stype" in err and "api00" in err


def test_unknown_variable_with_replicate_weights(api_dir, capsys):
    code, _, err = run(["survey", "estimate", api_dir / "apiclus1.csv", "--weights", "pw", "--repweights",
                        "nothing*", "--reptype", "jk1", "--mean", "api00"], capsys)
    assert code == 2 and "nothing*" in err and "matches 0 column" in err


def test_single_psu_stratum_is_named(api_dir, tmp_path, capsys):
    data = pd.read_csv(api_dir / "apistrat.csv")
    lonely = pd.concat([data[data["stype"] != "H"], data[data["stype"] == "H"].head(1)])
    path = tmp_path / "lonely.csv"
    lonely.to_csv(path, index=False)
    code, _, err = run(["survey", "estimate", path, "--weights", "pw", "--strata", "stype", "--mean",
                        "api00"], capsys)
    assert code == 2
    assert "stratum H" in err and "single PSU" in err


def test_negative_and_missing_weights_give_row_numbers(api_dir, tmp_path, capsys):
    data = pd.read_csv(api_dir / "apistrat.csv")
    data.loc[4, "pw"] = -1.0  # file line 6 (header is line 1)
    path = tmp_path / "neg.csv"
    data.to_csv(path, index=False)
    code, _, err = run(["survey", "estimate", path, "--weights", "pw", "--strata", "stype", "--mean",
                        "api00"], capsys)
    assert code == 2 and "negative weight" in err and "row 6" in err and "'pw'" in err
    data.loc[4, "pw"] = 10.0
    data.loc[[9, 19], "pw"] = None  # lines 11 and 21
    data.to_csv(path, index=False)
    code, _, err = run(["survey", "estimate", path, "--weights", "pw", "--strata", "stype", "--mean",
                        "api00"], capsys)
    assert code == 2 and "missing weight in 2 row(s): 11, 21" in err


def test_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"this is not parquet")
    code, _, err = run(["survey", "estimate", bad, "--weights", "w", "--mean", "y"], capsys)
    assert code == 2 and "broken.parquet" in err and "cannot read" in err
    code, _, err = run(["survey", "estimate", tmp_path / "absent.csv", "--weights", "w", "--mean", "y"],
                       capsys)
    assert code == 2 and "not found" in err


@pytest.mark.parametrize("extra, message", [
    (["--mean", "api00", "--total", "enroll"], "exactly one of"),
    (["--ratio", "api.stu"], "NUMERATOR/DENOMINATOR"),
    (["--mean", "api00", "--repweights", "pw*"], "needs --reptype"),
    (["--mean", "api00", "--reptype", "jk1"], "JK1 is for unstratified"),
    (["--mean", "sch.wide"], "not numeric"),
])
def test_usage_errors(api_dir, capsys, extra, message):
    code, _, err = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata",
                        "stype", *extra], capsys)
    assert code == 2 and message in err


def test_parquet_input_and_categorical_total(api_dir, tmp_path, capsys):
    data = pd.read_csv(api_dir / "apistrat.csv")
    path = Path(tmp_path / "apistrat.parquet")
    data.to_parquet(path)
    code, out, _ = run(["survey", "estimate", path, "--weights", "pw", "--strata", "stype", "--fpc", "fpc",
                        "--total", "stype", "--format", "csv"], capsys)
    assert code == 0
    counts = {r["category"]: float(r["estimate"]) for r in rows(out) if r["category"] != "(missing)"}
    # weighted counts of schools by type = the population sizes in apistrat's fpc column
    assert counts == pytest.approx({"E": 4421, "H": 755, "M": 1018}, rel=1e-7)


def test_one_record_domain_is_not_reliable(api_dir, capsys):
    # apistrat holds a single school of district 19: its domain mean has SE 0 (a degenerate variance,
    # as in R) -- status U, not A
    code, out, _ = run(["survey", "estimate", api_dir / "apistrat.csv", "--weights", "pw", "--strata", "stype",
                        "--fpc", "fpc", "--mean", "api00", "--by", "dnum", "--format", "csv"], capsys)
    assert code == 0
    one = next(r for r in rows(out) if r["domain"] == "19" and r["category"] == "")
    assert one["n"] == "1" and float(one["se"]) == 0 and one["obs_status"] == "U"
