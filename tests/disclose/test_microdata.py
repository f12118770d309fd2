"""Microdata risk, local suppression and PRAM.

What this proves: the individual risk equals the sdcMicro / Franconi & Polettini (2004) formula on a
hand-derived example; missing key values match anything (sdcMicro ``freqCalc``); local suppression
reaches k on real data (EU-SILC public-use file) with few suppressions; invariant PRAM keeps the
category distribution in expectation and is reproducible with a seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridor.disclose.local_suppression import local_suppression
from corridor.disclose.microdata_risk import key_frequencies, measure_risk
from corridor.disclose.pram import invariant_matrix, pram, transition_matrix
from corridor.disclose.public_use import protect_microdata
from corridor.errors import InputError


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({
        "a": ["x", "x", "y", "y", "z", "z", "q", "q", "q"],
        "b": [1, 1, 1, 2, 3, 4, 9, 9, 9],
        "w": [10.0, 30.0, 5.0, 100.0, 2.0, 1.0, 10.0, 10.0, 10.0],
    })


def test_individual_risk_by_hand(small):
    freq, summary = measure_risk(small, ["a", "b"], k=3, weight="w")
    # hand derivation with p = f/F (Franconi & Polettini 2004; sdcMicro indivRisk, method "approx"):
    expected = [
        0.04433315159680335,  # (x,1): f=2, F=40, p=.05: p/(1-p) - (p/(1-p))^2 log(1/p)
        0.04433315159680335,
        1.6094379124341003 * 0.25,  # (y,1): f=1, F=5, p=.2: p/(1-p) log(1/p) = .25 log 5
        0.01 / 0.99 * 4.605170185988092,  # (y,2): f=1, F=100: log(100) / 99
        0.6931471805599453,  # (z,3): f=1, F=2, p=.5: 1 * log 2
        1.0,  # (z,4): f=F=1, the sample is the population: 1/f
        0.047619047619047616, 0.047619047619047616, 0.047619047619047616,  # (q,9): f=3, F=30: .1/(3-.9)
    ]
    np.testing.assert_allclose(freq["risk"], expected, rtol=1e-12)
    assert freq["fk"].tolist() == [2, 2, 1, 1, 1, 1, 3, 3, 3]
    assert summary.violating_records == 6 and summary.violating_combinations == 5
    assert summary.sample_uniques == 4
    assert summary.expected_reidentifications == pytest.approx(sum(expected))
    assert summary.global_risk == pytest.approx(sum(expected) / 9)


def test_missing_key_matches_every_category(small):
    df = pd.concat([small, pd.DataFrame({"a": ["y"], "b": [None], "w": [1.0]})], ignore_index=True)
    freq = key_frequencies(df, ["a", "b"], "w")
    # (y, NA) matches (y,1), (y,2) and itself; each of those now also matches (y, NA)
    assert freq["fk"].tolist()[2:4] == [2, 2] and freq["fk"].iloc[-1] == 3
    assert freq["Fk"].iloc[-1] == pytest.approx(106.0)


def test_local_suppression_small(small):
    out, suppressed = local_suppression(small, ["a", "b"], 3)
    assert (key_frequencies(out, ["a", "b"])["fk"] >= 3).all()
    assert out.loc[6:, ["a", "b"]].notna().all().all()  # (q,9) already had 3 records: untouched
    assert sum(suppressed.values()) == int(out[["a", "b"]].isna().sum().sum())


def test_local_suppression_on_eusilc_reaches_k(eusilc):
    keys = ["db040", "rb090", "age", "pb220a"]
    freq, before = measure_risk(eusilc, keys, k=3, weight="rb050")
    assert before.violating_records > 100  # the real file is not 3-anonymous on these keys
    out, suppressed = local_suppression(eusilc, keys, 3)
    after = key_frequencies(out, keys)
    assert (after["fk"] >= 3).all()
    n_supp = sum(suppressed.values())
    assert n_supp <= before.violating_records  # at most one value per record below k
    assert n_supp == int(out[keys].isna().sum().sum() - eusilc[keys].isna().sum().sum())


def test_invariant_pram_keeps_the_distribution_and_is_seeded(eusilc):
    col = eusilc["pb220a"]
    counts = col.value_counts().sort_index().to_numpy()
    r = invariant_matrix(transition_matrix(3, 0.8), counts)
    np.testing.assert_allclose(counts @ r, counts, rtol=1e-12)  # t R = t
    np.testing.assert_allclose(r.sum(axis=1), 1.0)
    a = pram(col, retain=0.8, seed=7)
    b = pram(col, retain=0.8, seed=7)
    assert a.values.equals(b.values) and a.changed == b.changed > 0
    assert a.values.isna().sum() == col.isna().sum()  # missing (under 16) stays missing
    after = a.values.value_counts().sort_index().to_numpy()
    # expected counts unchanged; the draw is within a few standard errors of them
    assert np.all(np.abs(after - counts) < 5 * np.sqrt(counts) + 5)


def test_protect_microdata_checks_input(small):
    with pytest.raises(InputError, match="unknown key variable"):
        protect_microdata(small, keys=["a", "nope"], k=3)
    with pytest.raises(InputError, match="k must be at least 2"):
        protect_microdata(small, keys=["a"], k=1)
    with pytest.raises(InputError, match="access level"):
        protect_microdata(small, keys=["a"], k=2, access="secret")
