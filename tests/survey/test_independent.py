"""Checks against independent derivations, and of the properties each variance method must have.

What each test proves:

- ``test_stratified_variance_by_hand``: corridor's Taylor SE of a stratified mean equals the textbook
  formula computed here in numpy (Cochran 1977, eq. 5.13 and sec. 6.11 with linearised values;
  Wolter 2007, sec. 6.11), independently of svy.
- ``test_missing_answers_are_a_domain``: item non-response is handled as a domain (zero contribution,
  record kept in its stratum) -- equal to the hand formula with zeroed values, and *different* from
  dropping the rows, which would understate the number of records per stratum.
- ``test_jkn_total_equals_taylor``: for a linear estimator the stratified jackknife with factors
  (n_h-1)/n_h (1-f_h) reproduces the Taylor variance exactly (Wolter 2007, sec. 4.5) -- and so R's
  total(enroll) SE.
- ``test_brr_total_equals_taylor_on_paired_design``: with two PSUs per stratum and a Hadamard matrix
  (full orthogonal balance), BRR reproduces the with-replacement Taylor variance of a total exactly
  (Wolter 2007, sec. 3.3).
- ``test_given_replicate_scales``: given replicate columns use R svrepdesign's constants.
- ``test_jk1_by_hand``: corridor's JK1 (with fpc) equals a numpy jackknife.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridor.estimate.survey import DesignSpec, Request, estimate, prepare_design

REL = 1e-10


def _first(table: pd.DataFrame) -> pd.Series:
    return table[table["category"] != "(missing)"].iloc[0]


def _stratified_mean_se(y: np.ndarray, w: np.ndarray, strata: np.ndarray, pop: np.ndarray | None,
                        answered: np.ndarray | None = None) -> tuple[float, float]:
    """Linearised SE of the weighted mean of a domain (Cochran 1977 sec. 5A.3; Wolter 2007 sec. 6.11)."""
    d = np.ones(len(y), dtype=bool) if answered is None else answered
    yd = np.where(d, y, 0.0)
    mean = np.sum(w * d * yd) / np.sum(w * d)
    z = w * d * (yd - mean) / np.sum(w * d)
    var = 0.0
    for h in np.unique(strata):
        zh = z[strata == h]
        n_h = len(zh)
        f_h = n_h / pop[strata == h][0] if pop is not None else 0.0
        var += (1 - f_h) * n_h / (n_h - 1) * np.sum((zh - zh.mean()) ** 2)
    return mean, float(np.sqrt(var))


def test_stratified_variance_by_hand(apistrat):
    d = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", fpc="fpc"), numeric=["api00"])
    row = _first(estimate(d, Request("mean", "api00")))
    mean, se = _stratified_mean_se(apistrat["api00"].to_numpy(float), apistrat["pw"].to_numpy(float),
                                   apistrat["stype"].to_numpy(), apistrat["fpc"].to_numpy(float))
    assert row["estimate"] == pytest.approx(mean, rel=REL)
    assert row["se"] == pytest.approx(se, rel=REL)


def test_missing_answers_are_a_domain(apistrat):
    # 'target' is missing for 20 of the 200 schools in R's apistrat
    y = apistrat["target"].to_numpy(float)
    answered = ~np.isnan(y)
    assert (~answered).sum() == 20
    d = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", fpc="fpc"), numeric=["target"])
    table = estimate(d, Request("mean", "target"))
    row = _first(table)
    mean, se = _stratified_mean_se(y, apistrat["pw"].to_numpy(float), apistrat["stype"].to_numpy(),
                                   apistrat["fpc"].to_numpy(float), answered)
    assert row["estimate"] == pytest.approx(mean, rel=REL)
    assert row["se"] == pytest.approx(se, rel=REL)
    assert row["n"] == 180
    missing = table[table["category"] == "(missing)"].iloc[0]
    assert missing["n"] == 20 and missing["obs_status"] == "O" and np.isnan(missing["estimate"])
    # dropping the rows instead would give another (wrong) SE
    kept = apistrat[answered]
    _, se_dropped = _stratified_mean_se(kept["target"].to_numpy(float), kept["pw"].to_numpy(float),
                                        kept["stype"].to_numpy(), kept["fpc"].to_numpy(float))
    assert abs(se_dropped - se) / se > 1e-3


def test_jkn_total_equals_taylor(apistrat):
    d = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", fpc="fpc", reptype="jkn"),
                       numeric=["enroll"])
    assert d.n_replicates == 200
    assert d.df == 197  # rank of the 200 replicate columns (200 - 2 dependencies) - 1, as R
    row = _first(estimate(d, Request("total", "enroll")))
    # R survey 4.1.1 (REFERENCE_VALUES.md): Taylor total(enroll) SE 114641.7161 with fpc
    assert row["se"] == pytest.approx(114641.7161, rel=1e-7)


def _paired_apiclus2(apiclus2: pd.DataFrame) -> pd.DataFrame:
    """apiclus2's 40 districts grouped, in district order, into 20 pseudo-strata of two PSUs."""
    districts = sorted(apiclus2["dnum"].unique())
    pair = {d: i // 2 for i, d in enumerate(districts)}
    out = apiclus2.copy()
    out["pair"] = out["dnum"].map(pair)
    return out


def test_brr_total_equals_taylor_on_paired_design(api_dir):
    data = _paired_apiclus2(pd.read_csv(api_dir / "apiclus2.csv"))
    taylor = prepare_design(data, DesignSpec(weights="pw", strata="pair", psu="dnum"), numeric=["enroll"])
    brr = prepare_design(data, DesignSpec(weights="pw", strata="pair", psu="dnum", reptype="brr"),
                         numeric=["enroll"])
    t = _first(estimate(taylor, Request("total", "enroll")))
    b = _first(estimate(brr, Request("total", "enroll")))
    assert b["estimate"] == pytest.approx(t["estimate"], rel=REL)
    assert b["se"] == pytest.approx(t["se"], rel=1e-9)
    # hand: with two PSUs per stratum the with-replacement variance of a total is sum_h (t_h1 - t_h2)^2
    tot = (data["pw"] * data["enroll"]).groupby([data["pair"], data["dnum"]]).sum()
    by_pair = tot.groupby(level=0).agg(lambda s: s.iloc[0] - s.iloc[1])
    assert t["se"] == pytest.approx(np.sqrt(np.sum(by_pair.to_numpy() ** 2)), rel=REL)


def test_given_replicate_scales(apistrat):
    created = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", reptype="bootstrap",
                                                  replicates=60, seed=7), numeric=["api00"])
    reps = created.data.select([f"__corridor_rep{i}" for i in range(1, 61)]).to_numpy()
    frame = pd.concat([apistrat, pd.DataFrame(reps, columns=[f"bw{i}" for i in range(1, 61)])], axis=1)
    se_created = _first(estimate(created, Request("mean", "api00")))["se"]
    # created Rao-Wu-Yue bootstrap: 1/R; given bootstrap columns: R svrepdesign's 1/(R-1)
    given = prepare_design(frame, DesignSpec(weights="pw", repweights="bw*", reptype="bootstrap"),
                           numeric=["api00"])
    assert _first(estimate(given, Request("mean", "api00")))["se"] == pytest.approx(
        se_created * np.sqrt(60 / 59), rel=REL)
    rescaled = prepare_design(frame, DesignSpec(weights="pw", repweights="re:^bw\\d+$", reptype="bootstrap",
                                                rep_scale=1 / 60), numeric=["api00"])
    assert _first(estimate(rescaled, Request("mean", "api00")))["se"] == pytest.approx(se_created, rel=REL)
    # the bootstrap SE is close to the Taylor SE without fpc (9.536132297, R survey)
    assert se_created == pytest.approx(9.536132297, rel=0.2)


def test_jk1_by_hand(apiclus1):
    d = prepare_design(apiclus1, DesignSpec(weights="pw", psu="dnum", fpc="fpc", reptype="jk1"),
                       numeric=["api99"])
    se = _first(estimate(d, Request("mean", "api99")))["se"]
    w, y = apiclus1["pw"].to_numpy(float), apiclus1["api99"].to_numpy(float)
    districts = sorted(apiclus1["dnum"].unique())
    n, big_n = len(districts), 757  # 15 of 757 districts (apiclus1 fpc)
    theta = []
    for dropped in districts:
        wr = np.where(apiclus1["dnum"] == dropped, 0.0, w * n / (n - 1))
        theta.append(np.sum(wr * y) / np.sum(wr))
    theta = np.array(theta)
    hand = np.sqrt((n - 1) / n * (1 - n / big_n) * np.sum((theta - theta.mean()) ** 2))
    assert se == pytest.approx(hand, rel=REL)


def test_fay_brr_total_equals_taylor_on_paired_design(api_dir):
    # Fay's variant (rho = 0.3, c_r = 1/(R (1-rho)^2)) also reproduces the variance of a linear
    # estimator exactly (Judkins 1990).
    data = _paired_apiclus2(pd.read_csv(api_dir / "apiclus2.csv"))
    taylor = prepare_design(data, DesignSpec(weights="pw", strata="pair", psu="dnum"), numeric=["enroll"])
    fay = prepare_design(data, DesignSpec(weights="pw", strata="pair", psu="dnum", reptype="brr", fay_rho=0.3),
                         numeric=["enroll"])
    t = _first(estimate(taylor, Request("total", "enroll")))
    f = _first(estimate(fay, Request("total", "enroll")))
    assert f["se"] == pytest.approx(t["se"], rel=1e-9)


def test_given_jkn_weights_with_unbalanced_strata(apistrat):
    # JKn replicate columns made here by hand (one per school; strata of 100, 50 and 50 schools) and
    # given with their variance strata and units: corridor works out (n_h-1)/n_h per replicate and
    # reproduces the Taylor variance of a total without fpc (R survey: SE of total(enroll) without fpc
    # equals the JKn SE for this linear estimator).
    frame = apistrat.reset_index(drop=True).copy()
    frame["unit"] = np.arange(len(frame))
    n_h = frame["stype"].map(frame["stype"].value_counts())
    reps = {}
    for i in range(len(frame)):
        same = frame["stype"] == frame.loc[i, "stype"]
        factor = np.where(same, n_h / (n_h - 1), 1.0)
        factor[i] = 0.0
        reps[f"jk{i + 1}"] = frame["pw"].to_numpy() * factor
    frame = pd.concat([frame, pd.DataFrame(reps)], axis=1)
    given = prepare_design(frame, DesignSpec(weights="pw", strata="stype", psu="unit", repweights="jk*",
                                             reptype="jkn"), numeric=["enroll"])
    taylor = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype"), numeric=["enroll"])
    g = _first(estimate(given, Request("total", "enroll")))
    t = _first(estimate(taylor, Request("total", "enroll")))
    assert g["se"] == pytest.approx(t["se"], rel=1e-9)
    assert given.df == 197


@pytest.mark.parametrize("reptype, strata, psu, expected", [
    ("jk1", None, "dnum", 39),     # 40 districts of apiclus2
    ("jkn", "pair", "dnum", 20),   # 40 districts in 20 strata
    ("brr", "pair", "dnum", 20),   # 20 variance strata of two PSUs
])
def test_created_df_closed_form_equals_rank(api_dir, reptype, strata, psu, expected):
    # R survey degf.svyrep.design = rank(replicate weights) - 1; corridor uses the closed form for
    # created jackknife and BRR replicates. Both must agree.
    from corridor.estimate.survey.replicate import REP_PREFIX, replicate_df

    data = _paired_apiclus2(pd.read_csv(api_dir / "apiclus2.csv"))
    d = prepare_design(data, DesignSpec(weights="pw", strata=strata, psu=psu, reptype=reptype), numeric=["api00"])
    matrix = d.data.select([f"{REP_PREFIX}{i}" for i in range(1, d.n_replicates + 1)]).to_numpy()
    assert d.df == expected == replicate_df(matrix)


def test_created_jkn_df_on_stratified_sample(apistrat):
    from corridor.estimate.survey.replicate import REP_PREFIX, replicate_df

    d = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", reptype="jkn"), numeric=["api00"])
    matrix = d.data.select([f"{REP_PREFIX}{i}" for i in range(1, 201)]).to_numpy()
    assert d.df == 197 == replicate_df(matrix)
