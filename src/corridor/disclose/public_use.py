"""Turn a microdata file into a public-use file: k-anonymity by local suppression, optional PRAM.

The steps, in order (Hundepool et al. 2012, ch. 3; Templ, Kowarik & Meindl 2015):

1. measure the risk on the key variables (:mod:`corridor.disclose.microdata_risk`): frequencies,
   k-anonymity violations (a blank matching any value, and a blank as its own value), individual risk
   with the survey weights, household risk (:mod:`corridor.disclose.household_risk`);
2. local suppression until every key combination is shared by at least ``k`` records under both
   conventions (:mod:`corridor.disclose.local_suppression`); direct identifiers removed (household
   ids dropped, or replaced by random ids when no household is unique on its structure);
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

from corridor.disclose.household_risk import find_identifiers, household_uniques, random_ids, summary
from corridor.disclose.local_suppression import blank_as_own_value, local_suppression
from corridor.disclose.microdata_risk import key_frequencies, measure_risk
from corridor.disclose.pram import pram
from corridor.errors import InputError

ACCESS_LEVELS = ("public", "restricted")
HOUSEHOLD_IDS = ("drop", "random")


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
    identifiers: Sequence[str] | None = None,
    household: str | None = None,
    household_ids: str = "drop",
) -> Protected:
    """Protect ``df`` on its key variables and return the file with a risk report.

    ``identifiers`` (default: the well-known id variables the file has, :func:`find_identifiers`) are
    removed; ``household`` (default: the first household id found) groups members for the household
    risk and structure; ``household_ids`` ``drop`` (default) removes it too, ``random`` replaces it by
    random ids — then households whose structure fewer than ``k`` share make a public file impossible
    (an :class:`InputError` lists them). k-anonymity is reached and reported both with a blank matching
    any value and with a blank as its own value; the stricter decides.
    """
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

    ids = find_identifiers(df.columns) if identifiers is None else dict.fromkeys(identifiers, "person")
    unknown_ids = [v for v in ids if v not in df.columns]
    if unknown_ids:
        raise InputError(f"unknown identifier variable(s): {', '.join(unknown_ids)}")
    if household is None:
        household = next((v for v, kind in ids.items() if kind == "household"), None)
    elif household not in df.columns:
        raise InputError(f"unknown household variable: {household}")
    if household_ids not in HOUSEHOLD_IDS:
        raise InputError(f"household ids must be one of {', '.join(HOUSEHOLD_IDS)}, got {household_ids!r}")
    if set(ids) & set(keys):
        raise InputError(f"identifier(s) {', '.join(sorted(set(ids) & set(keys)))} cannot be key variables")

    freq_before, before = measure_risk(df, keys, k=k, weight=weight)
    _, before_own = measure_risk(df, keys, k=k, weight=weight, blank="own")
    out, suppressed = local_suppression(df, keys, k)
    out = blank_as_own_value(out, keys, k, suppressed)
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
            out = blank_as_own_value(out, keys, k, suppressed)
    freq_after, after = measure_risk(out, keys, k=k, weight=weight)
    _, after_own = measure_risk(out, keys, k=k, weight=weight, blank="own")
    households = _households(df, out, household, household_ids, keys, k, freq_before["risk"],
                             freq_after["risk"], access, seed)
    unchanged = (df[keys].astype("object").fillna("\0") == out[keys].astype("object").fillna("\0")).all(axis=1)
    removed = [v for v in ids if v != household or household_ids == "drop"]
    if household is not None and household_ids == "random":
        out = out.assign(**{household: random_ids(df[household], seed)})
    out = out.drop(columns=removed)
    report = {
        "source": source,
        "access": access,
        "source_access": source_access,
        "records": len(df),
        "keys": keys,
        "k": k,
        "weight": weight,
        "risk_method": "sdcMicro individual risk (Franconi & Polettini 2004), negative-binomial "
                       "approximation with the survey weights; missing key values match any value (k-anonymity is "
                     "also checked with a blank as its own value: see k_anonymity)",
        "before": before.as_dict(),
        "after": after.as_dict(),
        "k_anonymity": {
            "blank_matches_any": {"before": before.violating_records, "after": after.violating_records},
            "blank_as_own_value": {"before": before_own.violating_records, "after": after_own.violating_records},
            "decisive": "the stricter of the two (records below k under either)",
            "records_below_k_after": int(max(after.violating_records, after_own.violating_records)),
        },
        "original_uniques": int((freq_before["fk"] == 1).sum()),
        "original_uniques_unchanged": int(((freq_before["fk"] == 1) & unchanged).sum()),
        "remaining_uniques": _remaining(out, keys, k),
        "identifiers_removed": removed,
        "household": households,
        "suppressed_values": suppressed,
        "suppressed_total": int(sum(suppressed.values())),
        "local_suppression_rule": "greedy: combinations below k in increasing frequency; blank the key "
                                  "value raising the frequency most (ties: most categories, then last key)",
        "pram": pram_info,
    }
    return Protected(data=out, report=report)


def _remaining(out: pd.DataFrame, keys: list[str], k: int, limit: int = 50) -> list[dict[str, Any]]:
    """Key combinations still shared by fewer than ``k`` records (either blank convention), with the
    number of records; empty when the file is k-anonymous both ways."""
    low = pd.Series(False, index=out.index)
    for blank in ("any", "own"):
        low |= key_frequencies(out, keys, blank=blank)["fk"] < k
    combos = out.loc[low, keys].astype("object").where(out.loc[low, keys].notna(), None)
    counts = combos.value_counts(dropna=False).head(limit)
    return [{**dict(zip(keys, key, strict=True)), "records": int(n)} for key, n in counts.items()]


def _households(df: pd.DataFrame, out: pd.DataFrame, household: str | None, household_ids: str,
                keys: list[str], k: int, risk_before: pd.Series, risk_after: pd.Series, access: str,
                seed: int | None) -> dict[str, Any] | None:
    """Household risk before/after and households unique on their structure (members' keys)."""
    if household is None:
        return None
    hh = df[household]
    unique_before = household_uniques(df, household, keys, k)
    unique_after = household_uniques(out.assign(**{household: hh}), household, keys, k)
    linkable = household_ids == "random"
    if linkable and access == "public" and len(unique_after):
        raise InputError(
            f"{len(unique_after)} household(s) are shared by fewer than {k} households on their members' "
            f"keys ({', '.join(keys)}), e.g. {unique_after['structure'].iloc[0]!r}; with household ids "
            "published they can be singled out: publish without household ids (--household-ids drop)")
    return {
        "variable": household, "ids": "random ids" if linkable else "removed",
        "risk_method": "sdcMicro hierarchical risk 1 - prod(1 - r_i) over the members",
        "before": summary(risk_before, hh), "after": summary(risk_after, hh),
        "structure_below_k_before": int(len(unique_before)),
        "structure_below_k_after": int(len(unique_after)) if linkable else 0,
        "structure_note": ("households linkable by their random ids" if linkable else
                           f"not linkable in the published file ({len(unique_after)} would be below k "
                           "if household ids were published)"),
    }
