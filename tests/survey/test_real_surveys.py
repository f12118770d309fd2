"""Migration estimates from real survey files in the mirror, through ``corridor survey estimate``.

- EU-SILC public-use file for Austria (synthetic PUF from R simPop, ``eusilc13puf.rda``): share of
  citizenship groups (AT / EU / Other, ``pb220a``) by sex, design strata = region ``db040``,
  PSU = household ``db030``, weight ``rb050``. Citizenship is missing for persons under 16: the
  missing-answer rule must count them and keep them in the design. The SEs are checked against the
  stratified cluster linearisation formula computed here in numpy (Wolter 2007, sec. 6.11).
- IPUMS CPS ASEC 2016 extract (``cps_00160.dat.gz`` read through its DDI codebook): share of persons
  who lived abroad one year earlier (``MIGRATE1`` = 6), weight ``ASECWT``; by state the domains are
  small and the status rule flags them.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from corridor.microdata.read import read_microdata
from tests.cli_in_process import run_cli


def run(args, capsys) -> tuple[int, list[dict[str, str]], str]:
    code, out, err = run_cli(args, capsys)
    return code, list(csv.DictReader(io.StringIO(out))), err


def _cluster_prop_se(frame, category: str, domain_mask: np.ndarray) -> tuple[float, float]:
    """Linearised SE of a domain proportion, strata db040, PSUs db030, no fpc (with-replacement)."""
    w = frame["rb050"].to_numpy(float)
    answered = frame["pb220a"].notna().to_numpy()
    d = domain_mask & answered
    y = (frame["pb220a"].astype(object) == category).to_numpy() & d
    p = np.sum(w * y) / np.sum(w * d)
    z = w * d * (y - p) / np.sum(w * d)
    strata = frame["db040"].astype(str).to_numpy()
    psu = frame["db030"].to_numpy()
    var = 0.0
    for h in np.unique(strata):
        in_h = strata == h
        totals = np.bincount(np.unique(psu[in_h], return_inverse=True)[1], weights=z[in_h])
        n_h = len(totals)
        var += n_h / (n_h - 1) * np.sum((totals - totals.mean()) ** 2)
    return float(p), float(np.sqrt(var))


def test_eu_silc_citizenship_by_sex(api_dir, capsys):
    path = api_dir / "eusilc13puf.rda"
    code, table, err = run(["survey", "estimate", path, "--weights", "rb050", "--strata", "db040", "--psu",
                            "db030", "--proportion", "pb220a", "--by", "rb090", "--format", "csv"], capsys)
    assert code == 0, err
    frame = read_microdata(path)
    n_households, n_regions = frame["db030"].nunique(), frame["db040"].nunique()
    est = [r for r in table if r["category"] != "(missing)"]
    assert {r["df"] for r in est} == {str(n_households - n_regions)}  # 5977 - 9
    for sex in ("male", "female"):
        rows = {r["category"]: r for r in est if r["domain"] == sex}
        assert set(rows) == {"AT", "EU", "Other"}
        assert sum(float(r["estimate"]) for r in rows.values()) == pytest.approx(1.0, abs=1e-12)
        mask = (frame["rb090"].astype(object) == sex).to_numpy()
        for cat in ("EU", "Other"):
            p, se = _cluster_prop_se(frame, cat, mask)
            assert float(rows[cat]["estimate"]) == pytest.approx(p, rel=1e-9)
            assert float(rows[cat]["se"]) == pytest.approx(se, rel=1e-8)
            assert float(rows[cat]["ci_lower"]) < p < float(rows[cat]["ci_upper"])
        missing = next(r for r in table if r["domain"] == sex and r["category"] == "(missing)")
        in_domain = int(mask.sum())
        n_missing = int((mask & frame["pb220a"].isna().to_numpy()).sum())
        assert int(missing["n"]) == n_missing > 0  # citizenship not asked under 16
        assert {int(r["n"]) for r in rows.values()} == {in_domain - n_missing}
    assert sum(int(r["n"]) for r in table if r["category"] == "(missing)") == 3076


def test_cps_arrivals_from_abroad(api_dir, capsys):
    path = api_dir / "cps_00160.dat.gz"
    code, table, err = run(["survey", "estimate", path, "--weights", "ASECWT", "--proportion", "MIGRATE1",
                            "--format", "csv"], capsys)
    assert code == 0, err
    abroad = next(r for r in table if r["category"] == "6")  # IPUMS MIGRATE1 6 = abroad one year ago
    assert int(abroad["n"]) == 10883 and int(abroad["df"]) == 10882
    assert 0 < float(abroad["estimate"]) < 0.01
    assert abroad["obs_status"] in {"A", "U"}
    # by state: 30 persons from abroad spread over 51 states -- most state shares are unreliable
    code, table, err = run(["survey", "estimate", path, "--weights", "ASECWT", "--proportion", "MIGRATE1",
                            "--by", "STATEFIP", "--format", "csv"], capsys)
    assert code == 0, err
    statuses = [r["obs_status"] for r in table if r["category"] == "6"]
    assert statuses and statuses.count("Q") + statuses.count("U") > len(statuses) / 2
    assert all(r["estimate"] == "" for r in table if r["category"] == "6" and r["obs_status"] == "Q")


def test_records_without_a_domain_are_counted(api_dir, capsys):
    # income by citizenship: the 3076 persons without a citizenship (under 16) belong to no domain
    code, table, err = run(["survey", "estimate", api_dir / "eusilc13puf.rda", "--weights", "rb050",
                            "--strata", "db040", "--psu", "db030", "--mean", "pgrossIncome", "--by", "pb220a",
                            "--format", "csv"], capsys)
    assert code == 0, err
    no_domain = [r for r in table if r["domain"] == "(missing)"]
    assert len(no_domain) == 1 and no_domain[0]["n"] == "3076" and no_domain[0]["obs_status"] == "O"
    assert [r["domain"] for r in table if r["category"] == ""] == ["AT", "EU", "Other"]
