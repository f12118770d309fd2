"""corridor's survey estimates reproduce R survey 4.1.1 on its ``api`` data.

Every reference value comes from ``../shared/docs/REFERENCE_VALUES.md`` ("Survey estimation: R package
survey 4.1.1 on its api data"), produced with R's ``svydesign``/``as.svrepdesign`` and ``svymean``,
``svytotal``, ``svyby``, ``svyratio``, ``svyciprop`` and ``confint(..., df = degf(design))``, unless a
test says otherwise. Values given to 10 significant digits are checked to a relative 1e-7 (better
than the 6 significant digits required); values printed with fewer digits are checked to the digits
printed.

What this file proves: corridor's design handling (strata, clusters, fpc), its degrees-of-freedom
rule, its t and logit intervals and its replicate coefficients agree with R survey, the reference
implementation of design-based estimation (Lumley 2010).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corridor.estimate.survey import DesignSpec, Request, estimate, prepare_design

REL = 1e-7  # relative tolerance for values given to 10 significant digits


def _first(table: pd.DataFrame) -> pd.Series:
    """The estimate row (not the '(missing)' count row) of a table without domains."""
    return table[table["category"] != "(missing)"].iloc[0]


@pytest.fixture(scope="module")
def dstrat(apistrat):
    # R: dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    return prepare_design(apistrat, DesignSpec(weights="pw", strata="stype", fpc="fpc"),
                          numeric=["api00", "enroll", "api.stu"], categorical=["sch.wide", "stype"])


def test_stratified_mean_with_fpc(dstrat):
    # REFERENCE_VALUES.md: apistrat mean(api00) = 662.2873632, SE 9.408940803
    row = _first(estimate(dstrat, Request("mean", "api00")))
    assert row["estimate"] == pytest.approx(662.2873632, rel=REL)
    assert row["se"] == pytest.approx(9.408940803, rel=REL)


def test_stratified_mean_ci_on_197_df(dstrat):
    # REFERENCE_VALUES.md: 95% CI with t on 197 df: 643.7321883 - 680.842538
    row = _first(estimate(dstrat, Request("mean", "api00")))
    assert row["df"] == 197
    assert row["ci_lower"] == pytest.approx(643.7321883, rel=REL)
    assert row["ci_upper"] == pytest.approx(680.842538, rel=REL)
    assert row["cv"] == pytest.approx(9.408940803 / 662.2873632, rel=REL)


def test_stratified_mean_without_fpc(apistrat):
    # REFERENCE_VALUES.md: without fpc SE 9.536132297
    d = prepare_design(apistrat, DesignSpec(weights="pw", strata="stype"), numeric=["api00"])
    row = _first(estimate(d, Request("mean", "api00")))
    assert row["estimate"] == pytest.approx(662.2873632, rel=REL)
    assert row["se"] == pytest.approx(9.536132297, rel=REL)


def test_stratified_total(dstrat):
    # REFERENCE_VALUES.md: total(enroll) = 3687177.532, SE 114641.7161
    row = _first(estimate(dstrat, Request("total", "enroll")))
    assert row["estimate"] == pytest.approx(3687177.532, rel=REL)
    assert row["se"] == pytest.approx(114641.7161, rel=REL)


def test_design_effect(dstrat):
    # REFERENCE_VALUES.md: DEff(api00) 1.20446 (R svymean(..., deff=TRUE), printed to 6 digits)
    row = _first(estimate(dstrat, Request("mean", "api00", deff=True)))
    assert row["deff"] == pytest.approx(1.20446, abs=5e-6)


def test_domain_means_by_school_type(dstrat):
    # REFERENCE_VALUES.md: svyby(~api00, ~stype, dstrat, svymean): E/H/M 674.43 / 625.82 / 636.60,
    # SE 12.38247979 / 14.93712919 / 16.21470731
    table = estimate(dstrat, Request("mean", "api00", by="stype"))
    rows = table[table["category"] != "(missing)"].set_index("domain")
    expected = {"E": (674.43, 12.38247979), "H": (625.82, 14.93712919), "M": (636.60, 16.21470731)}
    for stype, (mean, se) in expected.items():
        assert rows.loc[stype, "estimate"] == pytest.approx(mean, rel=REL)
        assert rows.loc[stype, "se"] == pytest.approx(se, rel=REL)
        assert rows.loc[stype, "df"] == 197  # the design's df, as confint(..., df = degf(dstrat))
    assert sorted(rows.index) == ["E", "H", "M"]


def test_ratio(dstrat):
    # REFERENCE_VALUES.md: svyratio(~api.stu, ~enroll, dstrat) = 0.8369568869, SE 0.007757103167
    row = _first(estimate(dstrat, Request("ratio", "api.stu", denominator="enroll")))
    assert row["estimate"] == pytest.approx(0.8369568869, rel=REL)
    assert row["se"] == pytest.approx(0.007757103167, rel=REL)


def test_proportion_with_logit_ci(dstrat):
    # REFERENCE_VALUES.md: proportion sch.wide = "Yes": 0.8279480114, SE 0.02434478011;
    # logit CI 0.7745396544 - 0.8708148545 (svyciprop(~I(sch.wide == "Yes"), dstrat, method = "logit"))
    table = estimate(dstrat, Request("proportion", "sch.wide"))
    yes = table[table["category"] == "Yes"].iloc[0]
    assert yes["estimate"] == pytest.approx(0.8279480114, rel=REL)
    assert yes["se"] == pytest.approx(0.02434478011, rel=REL)
    assert yes["ci_lower"] == pytest.approx(0.7745396544, rel=REL)
    assert yes["ci_upper"] == pytest.approx(0.8708148545, rel=REL)
    no = table[table["category"] == "No"].iloc[0]
    assert no["estimate"] == pytest.approx(1 - 0.8279480114, rel=REL)


def test_one_stage_cluster_mean(apiclus1):
    # REFERENCE_VALUES.md: apiclus1, ids=dnum, weights=pw, fpc=fpc: mean(api00) = 644.1693989, SE 23.54224069
    d = prepare_design(apiclus1, DesignSpec(weights="pw", psu="dnum", fpc="fpc"), numeric=["api00"])
    row = _first(estimate(d, Request("mean", "api00")))
    assert row["estimate"] == pytest.approx(644.1693989, rel=REL)
    assert row["se"] == pytest.approx(23.54224069, rel=REL)
    assert row["df"] == 14  # 15 districts - 1 stratum


def test_jk1_replicates_created_from_cluster_design(apiclus1):
    # REFERENCE_VALUES.md: apiclus1 as JK1 replicate design: SE 26.59416136; CI on 14 df
    # 587.1305957 - 701.2082022. That SE is the JK1 jackknife with factor (n-1)/n = 14/15 and no
    # finite population correction (as.svrepdesign of the cluster design declared without fpc).
    d = prepare_design(apiclus1, DesignSpec(weights="pw", psu="dnum", reptype="jk1"), numeric=["api00"])
    assert d.n_replicates == 15
    row = _first(estimate(d, Request("mean", "api00")))
    assert row["estimate"] == pytest.approx(644.1693989, rel=REL)
    assert row["se"] == pytest.approx(26.59416136, rel=REL)
    assert row["df"] == 14  # R degf.svyrep.design: rank of the 15 replicate columns - 1
    assert row["ci_lower"] == pytest.approx(587.1305957, rel=REL)
    assert row["ci_upper"] == pytest.approx(701.2082022, rel=REL)


def test_jk1_with_fpc_folds_it_into_the_factor(apiclus1):
    # R survey: svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc) |> as.svrepdesign(type="JK1")
    # then svymean(~api00 + api99, ...) prints "api00 644.17 26.329" (output in the svrep package's
    # calibrate_to_estimate() reference page). R's jk1weights multiplies (n-1)/n by (N-n)/N.
    # (The same page prints api99 SE 26.998; corridor and an independent numpy jackknife both give
    # 26.99854, see test_independent.py -- a last-digit difference left out of this check.)
    d = prepare_design(apiclus1, DesignSpec(weights="pw", psu="dnum", fpc="fpc", reptype="jk1"),
                       numeric=["api00", "api99"])
    assert _first(estimate(d, Request("mean", "api00")))["se"] == pytest.approx(26.329, abs=5e-4)
    # and exactly the no-fpc SE scaled by sqrt(1 - 15/757)
    assert _first(estimate(d, Request("mean", "api00")))["se"] == pytest.approx(
        26.59416136 * np.sqrt(1 - 15 / 757), rel=REL)


def test_given_jk1_replicate_weights(apiclus1, tmp_path):
    # The same JK1 design given as replicate-weight columns (R svrepdesign(type="JK1",
    # repweights=, combined.weights=TRUE), scale (R-1)/R): SE 26.59416136, CI on 14 df as above.
    districts = sorted(apiclus1["dnum"].unique())
    frame = apiclus1.copy()
    for r, dropped in enumerate(districts, start=1):
        frame[f"repw{r}"] = np.where(frame["dnum"] == dropped, 0.0, frame["pw"] * 15 / 14)
    d = prepare_design(frame, DesignSpec(weights="pw", repweights="repw*", reptype="jk1"), numeric=["api00"])
    row = _first(estimate(d, Request("mean", "api00")))
    assert row["se"] == pytest.approx(26.59416136, rel=REL)
    assert row["df"] == 14
    assert row["ci_lower"] == pytest.approx(587.1305957, rel=REL)
    assert row["ci_upper"] == pytest.approx(701.2082022, rel=REL)
