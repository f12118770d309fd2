"""Turn a microdata file into a public-use file: k-anonymity by local suppression, optional PRAM.

The steps, in order (Hundepool et al. 2012, ch. 3; Templ, Kowarik & Meindl 2015):

1. measure the risk on the key variables (:mod:`corridor.disclose.microdata_risk`): frequencies,
   k-anonymity violations, individual risk with the survey weights;
2. local suppression until every key combination is shared by at least ``k`` records
   (:mod:`corridor.disclose.local_suppression`);
3. optionally PRAM one categorical variable (:mod:`corridor.disclose.pram`), seeded;
4. measure the risk again and write a report (:mod:`corridor.disclose.report`).

PRAM is applied *after* local suppression; when the PRAM variable is itself a key, k-anonymity is
re-checked on the published values and any record that PRAM left below ``k`` is suppressed again, so
the published file always satisfies the ``k`` it claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor.disclose.local_suppression import local_suppression
from corridor.disclose.microdata_risk import measure_risk
from corridor.disclose.pram import pram
from corridor.errors import InputError

ACCESS_LEVELS = ("public", "restricted")


@dataclass
class Protected:
    """The protected file and its risk report (a JSON-ready dict)."""

    data: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def protect_microdata(
    df: pd.DataFrame,
    *,
    keys: Sequence[str],
    k: int = 3,
    weight: str | None = None,
    pram_var: str | None = None,
    pram_retain: float = 0.8,
    pram_invariant: bool = True,
    seed: int | None = None,
    access: str = "public",
    source_access: str = "restricted",
    source: str | None = None,
) -> Protected:
    """Protect ``df`` on its key variables and return the file with a risk report."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise InputError("no key variables given")
    unknown = [v for v in keys if v not in df.columns]
    if unknown:
        raise InputError(f"unknown key variable(s): {', '.join(unknown)} (the file has: "
                         f"{', '.join(map(str, df.columns[:40]))}{' ...' if len(df.columns) > 40 else ''})")
    if k < 2:
        raise InputError(f"k must be at least 2, got {k}")
    for level in (access, source_access):
        if level not in ACCESS_LEVELS:
            raise InputError(f"access level must be one of {', '.join(ACCESS_LEVELS)}, got {level!r}")
    if weight is not None and weight not in df.columns:
        raise InputError(f"unknown weight variable: {weight}")
    if pram_var is not None and pram_var not in df.columns:
        raise InputError(f"unknown PRAM variable: {pram_var}")
    if len(df) < k:
        raise InputError(f"the file has {len(df)} records, fewer than k = {k}: it cannot be k-anonymous")

    _, before = measure_risk(df, keys, k=k, weight=weight)
    out, suppressed = local_suppression(df, keys, k)
    pram_info: dict[str, Any] | None = None
    if pram_var is not None:
        res = pram(out[pram_var], retain=pram_retain, invariant=pram_invariant, seed=seed)
        out = out.copy()
        out[pram_var] = res.values
        pram_info = {
            "variable": pram_var, "retain": pram_retain, "invariant": pram_invariant, "seed": seed,
            "categories": res.categories, "records_changed": res.changed,
            "transition_matrix": np.round(res.matrix, 6).tolist(),
        }
        if pram_var in keys:
            out, again = local_suppression(out, keys, k)
            for v, n in again.items():
                suppressed[v] += n
    _, after = measure_risk(out, keys, k=k, weight=weight)
    report = {
        "source": source,
        "access": access,
        "source_access": source_access,
        "records": len(df),
        "keys": keys,
        "k": k,
        "weight": weight,
        "risk_method": "sdcMicro individual risk (Franconi & Polettini 2004), negative-binomial "
                       "approximation with the survey weights; missing key values match any value",
        "before": before.as_dict(),
        "after": after.as_dict(),
        "suppressed_values": suppressed,
        "suppressed_total": int(sum(suppressed.values())),
        "local_suppression_rule": "greedy: combinations below k in increasing frequency; blank the key "
                                  "value raising the frequency most (ties: most categories, then last key)",
        "pram": pram_info,
    }
    return Protected(data=out, report=report)
