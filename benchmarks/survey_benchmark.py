"""Survey estimation at scale: 80 replicate weights, 1 million records, 200 domains.

Target (issue 4): totals and means with replicate-weight SEs by 200 domains in under 30 s.

The data are synthetic (scale only): 1,000,000 persons in 50 strata and 5,000 PSUs, a full-sample
weight, 80 bootstrap replicate weights (Poisson(1) resampling factors per PSU, the Beaumont-Patak
generalised bootstrap form), a numeric variable (income) and a domain variable with 200 levels
(e.g. country of birth). The timed path is corridor's own: ``prepare_design`` (checks of weights
and replicate columns, replicate df from the rank of the replicate matrix, binding to svy) then
``estimate`` for a total and a mean by domain (SE, CV, t interval, status, missing-answer counts).

Each figure is the median of RUNS runs, printed beside the target. A check compares the domain
totals' SEs with a direct numpy computation of the replicate formula (v = c sum_r (T_r - mean T)^2).

Run: ``.venv/bin/python benchmarks/survey_benchmark.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd
import psutil

from corridor.estimate.survey import DesignSpec, Request, estimate, prepare_design

N, REPLICATES, DOMAINS, STRATA, PSUS = 1_000_000, 80, 200, 50, 5_000
RUNS = 3
TARGET_S = 30.0


def synthetic(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, PSUS, N)
    stratum = psu % STRATA
    weight = rng.uniform(50, 400, N)
    income = rng.lognormal(10, 0.7, N)
    income[rng.random(N) < 0.03] = np.nan  # 3% item non-response
    domain = rng.integers(0, DOMAINS, N)
    cols: dict[str, np.ndarray] = {"stratum": stratum, "psu": psu, "weight": weight, "income": income,
                                   "birthplace": domain}
    factors = rng.poisson(1.0, size=(PSUS, REPLICATES)).astype(float)
    reps = weight[:, None] * factors[psu]
    frame = pd.DataFrame(cols)
    return pd.concat([frame, pd.DataFrame(reps, columns=[f"repw{r + 1}" for r in range(REPLICATES)])], axis=1)


def check_totals(frame: pd.DataFrame, table: pd.DataFrame) -> float:
    """Largest relative difference between corridor's domain-total SEs and a direct numpy computation."""
    y = np.nan_to_num(frame["income"].to_numpy())
    dom = frame["birthplace"].to_numpy()
    reps = frame[[f"repw{r + 1}" for r in range(REPLICATES)]].to_numpy()
    totals = np.stack([np.bincount(dom, weights=reps[:, r] * y, minlength=DOMAINS) for r in range(REPLICATES)])
    var = np.sum((totals - totals.mean(axis=0)) ** 2, axis=0) / (REPLICATES - 1)  # R svrepdesign bootstrap
    est = table[table["category"] == ""].set_index("domain")
    ours = est.loc[[str(d) for d in range(DOMAINS)], "se"].to_numpy()
    return float(np.max(np.abs(ours - np.sqrt(var)) / np.sqrt(var)))


def main() -> None:
    t0 = time.perf_counter()
    frame = synthetic()
    print(f"synthetic data: {N:,} records, {REPLICATES} replicate weights, {DOMAINS} domains "
          f"({time.perf_counter() - t0:.1f} s to generate, not timed)")
    spec = DesignSpec(weights="weight", repweights="repw*", reptype="bootstrap")
    prep_t, total_t, mean_t, all_t = [], [], [], []
    for _ in range(RUNS):
        a = time.perf_counter()
        prepared = prepare_design(frame, spec, numeric=["income"], categorical=["birthplace"], row_base=1)
        b = time.perf_counter()
        totals = estimate(prepared, Request("total", "income", by="birthplace"))
        c = time.perf_counter()
        means = estimate(prepared, Request("mean", "income", by="birthplace"))
        d = time.perf_counter()
        prep_t.append(b - a)
        total_t.append(c - b)
        mean_t.append(d - c)
        all_t.append(d - a)
        del prepared
    rss = psutil.Process().memory_info().rss / 2**30
    print(f"design: {REPLICATES} replicates, {int(means['df'].dropna().iloc[0])} df; "
          f"{(means['category'] == '').sum()} domain means, statuses "
          f"{means.loc[means['category'] == '', 'obs_status'].value_counts().to_dict()}")
    print(f"{'step':<44}{'median s':>10}{'target s':>10}")
    print(f"{'prepare design (checks, replicate df, bind)':<44}{statistics.median(prep_t):>10.2f}")
    print(f"{'totals by 200 domains with SE':<44}{statistics.median(total_t):>10.2f}")
    print(f"{'means by 200 domains with SE':<44}{statistics.median(mean_t):>10.2f}")
    total = statistics.median(all_t)
    print(f"{'prepare + totals + means':<44}{total:>10.2f}{TARGET_S:>10.1f}   "
          f"{'PASS' if total < TARGET_S else 'FAIL'} ({total / TARGET_S:.2f} of the target)")
    print(f"runs: {RUNS}; all runs (s): {', '.join(f'{t:.2f}' for t in all_t)}; process RSS {rss:.1f} GiB")
    print(f"check: domain-total SEs vs direct numpy replicate formula, max relative difference "
          f"{check_totals(frame, totals):.2e}")


if __name__ == "__main__":
    main()
