"""The attacker against published tables from real microdata (EU-SILC public-use file, mirror).

Two overlapping tables are published with all their margins: region x citizenship x sex and
region x citizenship x age group. They share the region x citizenship margin (and everything above
it), so an attacker combines both. The independent LP audit (:mod:`corridor.disclose.audit`)
re-derives the feasible interval of every suppressed cell from everything published and checks:

* with corridor's secondary suppression, no suppressed cell is recovered exactly and every primary
  cell keeps at least 30 % (and one person) of room on each side — in the counts and in the weighted
  estimates;
* with primary suppression only, the attacker recovers cells exactly (the audit can fail);
* a pattern chosen by Tau-Argus (pytauargus, OPT) passes the same audit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from corridor.disclose.audit import AuditFailure, audit
from corridor.disclose.tables import add_margins, suppress, suppress_linked

MIN_CELL = 10
A_BY = ["db040", "pb220a", "rb090"]
B_BY = ["db040", "pb220a", "agegroup"]


def _age_group(age: pd.Series) -> pd.Series:
    years = pd.to_numeric(age.astype(str))
    return pd.cut(years, [-1, 24, 44, 64, 200], labels=["Y_LT25", "Y25T44", "Y45T64", "Y_GE65"]).astype(str)


def _table(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    t = df.groupby(by, observed=True).agg(n=("rb050", "size"), estimate=("rb050", "sum")).reset_index()
    for c in by:
        t[c] = t[c].astype(str)
    return add_margins(t, by=by, columns=["n", "estimate"])


@pytest.fixture(scope="module")
def two_tables(eusilc: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = eusilc.dropna(subset=["pb220a"]).copy()  # citizenship is asked from age 16 (MANIFEST.md)
    df["agegroup"] = _age_group(df["age"])
    return _table(df, A_BY), _table(df, B_BY)


@pytest.mark.slow
def test_attacker_cannot_recover_any_cell(two_tables):
    a, b = two_tables
    # the real tables do hold small cells: region AT11 has 8 EU and 3 other citizens aged 16+
    assert ((a.n > 0) & (a.n < MIN_CELL)).sum() >= 5 and ((b.n > 0) & (b.n < MIN_CELL)).sum() >= 5
    pa, pb = suppress_linked([a, b], by=[A_BY, B_BY], min_cell=MIN_CELL)
    for pub, orig in ((pa, a), (pb, b)):
        assert set(pub.conf_status) == {"F", "A", "D"}
        assert pub.loc[pub.conf_status != "F", ["n", "estimate"]].isna().all().all()
        assert (pub.loc[pub.conf_status == "F", "n"].astype(int) >= MIN_CELL).all() or (
            pub.loc[(pub.conf_status == "F") & (orig.n < MIN_CELL), "n"].astype(int) == 0).all()
    for value, floor in (("n", 1.0), ("estimate", 0.0)):
        result = audit([pa, pb], [a, b], by=[A_BY, B_BY], value=value, protection=30.0, floor=floor)
        assert result.ok, result.violations
        iv = result.intervals
        assert len(iv) == (pa.conf_status != "F").sum() + (pb.conf_status != "F").sum() - _shared_hidden(pa, pb)
        # nothing pinned down: every suppressed cell lies strictly inside an interval of positive width
        assert ((iv.upper - iv.lower) > 1e-3).all()
        prim = iv[iv.conf_status == "A"]
        assert (prim.lower <= prim.required_lower + 1e-6).all() and (prim.upper >= prim.required_upper - 1e-6).all()


def _shared_hidden(pa: pd.DataFrame, pb: pd.DataFrame) -> int:
    """Suppressed cells the two tables share (the region x citizenship margin and above)."""
    ka = {(r.db040, r.pb220a) for r in pa.itertuples() if r.rb090 == "_T" and r.conf_status != "F"}
    kb = {(r.db040, r.pb220a) for r in pb.itertuples() if r.agegroup == "_T" and r.conf_status != "F"}
    assert ka == kb  # a shared cell is suppressed in both tables or in neither
    return len(ka)


def test_primary_suppression_alone_is_broken(two_tables):
    a, b = two_tables
    naive = []
    for t in (a, b):
        p = t.copy()
        small = (p.n > 0) & (p.n < MIN_CELL)
        p["conf_status"] = ["A" if s else "F" for s in small]
        p[["n", "estimate"]] = p[["n", "estimate"]].astype("Float64")
        p.loc[small, ["n", "estimate"]] = pd.NA
        naive.append(p)
    result = audit(naive, [a, b], by=[A_BY, B_BY], value="n")
    assert not result.ok
    exact = result.violations[result.violations.reason.str.contains("recoverable")]
    # e.g. AT11 x EU x male (6 persons): published row and column totals give it away exactly
    assert len(exact) >= 5
    assert (abs(exact.lower - exact.true_value) < 1e-3).all()
    with pytest.raises(AuditFailure, match="disclosure audit failed"):
        result.raise_if_failed()


def test_independently_protected_tables_are_audited_together(two_tables):
    a, b = two_tables
    pa = suppress(a, by=A_BY, min_cell=MIN_CELL)
    pb = suppress(b, by=B_BY, min_cell=MIN_CELL)
    for pub, orig, by in ((pa, a, A_BY), (pb, b, B_BY)):
        assert audit(pub, orig, by=by, value="n", floor=1.0).ok
    # each table alone is safe; whether the pair is, only the joint audit can say -- it must run
    joint = audit([pa, pb], [a, b], by=[A_BY, B_BY], value="n", floor=1.0)
    assert len(joint.intervals) > 0


def test_tau_argus_pattern_passes_the_same_audit(eusilc, tmp_path, monkeypatch):
    pytauargus = pytest.importorskip("pytauargus")
    # Tau-Argus' solver writes CSPlogfile.txt, FullJJ.log and cspSCIP.* into the working directory
    # whatever workdir says: run it in the temporary folder (issue 15: no solver litter in the repo)
    monkeypatch.chdir(tmp_path)
    df = eusilc.dropna(subset=["pb220a"])[["db040", "pb220a"]].astype(str)
    df["one"] = 1.0
    res = pytauargus.protect(df, ["db040", "pb220a"], response="one", safety_rules=f"FREQ({MIN_CELL},30)",
                             suppress="OPT(1)", workdir=str(tmp_path))
    ta = res.tables[0].dataframe()
    ta = ta.replace({"Total": "_T"})
    orig = ta[["db040", "pb220a", "freq"]].rename(columns={"freq": "n"})
    pub = orig.copy()
    pub["conf_status"] = ta["status"].map({"S": "F", "U": "A", "M": "D"}).fillna("F")
    pub["n"] = pub["n"].astype("Float64")
    pub.loc[pub.conf_status != "F", "n"] = pd.NA
    assert (pub.conf_status == "A").sum() == 2  # AT11 x EU (8) and AT11 x Other (3)
    result = audit(pub, orig, by=["db040", "pb220a"], value="n", protection=30.0)
    assert result.ok, result.violations
    assert not [p for p in Path(__file__).resolve().parents[2].iterdir()
                if p.name in ("CSPlogfile.txt", "FullJJ.log") or p.name.startswith("cspSCIP.")]


GOLDEN = Path(__file__).parent / "golden" / "eusilc_region_citizenship_sex_pattern.csv"


def test_suppression_pattern_snapshot(two_tables):
    """The pattern (codes and conf_status only, no counts) for region x citizenship x sex with margins.

    A change in this file is a change in what gets published: review the diff, then regenerate with
    ``CORRIDOR_REGENERATE_GOLDEN=1``.
    """
    a, _ = two_tables
    pattern = suppress(a, by=A_BY, min_cell=MIN_CELL)[A_BY + ["conf_status"]]
    if os.environ.get("CORRIDOR_REGENERATE_GOLDEN"):
        pattern.to_csv(GOLDEN, index=False)
    expected = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(pattern.reset_index(drop=True).astype(str), expected, check_dtype=False)
