"""Local suppression to reach k-anonymity: blank the fewest key values, by a documented greedy rule.

Local suppression replaces single key values by missing so that every record's key combination is
shared by at least ``k`` records (Hundepool et al. 2012, §3.4.3; sdcMicro's ``localSuppression``,
Templ, Kowarik & Meindl 2015, §4.2). A missing value matches every category of its variable (the
sdcMicro convention used by :func:`corridor.disclose.microdata_risk.key_frequencies`), so a suppression
can only raise frequencies.

Finding the minimum number of suppressions is NP-hard; the greedy rule used here:

1. take the distinct key combinations with ``f_k < k`` in order of increasing ``f_k`` (ties: the
   combination's first appearance in the file);
2. for that combination, try blanking each of its still-present key values and keep the one that
   raises its frequency most; ties go to the variable with the most categories (the most
   identifying), then to the variable listed *last* in ``keys`` (list the most important first);
3. apply it to every record with that combination and repeat from step 2 until ``f_k >= k``;
4. move to the next combination, re-reading its frequency (earlier suppressions may have lifted it).

Each step suppresses one value per record of the combination, so the number of values suppressed is
at most (records below k) x (number of keys) and usually one per record.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corridor.disclose.microdata_risk import _patterns, key_frequencies
from corridor.errors import InputError


def _match_count(pattern: np.ndarray, uniq: np.ndarray, counts: np.ndarray) -> float:
    match = np.all((uniq == pattern) | (uniq < 0) | (pattern < 0), axis=1)
    return float(counts[match].sum())


def local_suppression(df: pd.DataFrame, keys: Sequence[str], k: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return a copy of ``df`` that is k-anonymous on ``keys`` and the suppressions per variable."""
    if k < 2:
        raise InputError(f"k must be at least 2, got {k}")
    unknown = [v for v in keys if v not in df.columns]
    if unknown:
        raise InputError(f"unknown key variable(s): {', '.join(unknown)}")
    keys = list(keys)
    uniq, inv = _patterns(df, keys)
    counts = np.bincount(inv, minlength=len(uniq)).astype(float)
    n_cat = np.array([df[v].nunique(dropna=True) for v in keys])
    # current pattern of each original pattern (rows of ``uniq`` are updated in place)
    current = uniq.copy()
    first_seen = np.full(len(uniq), len(inv))
    np.minimum.at(first_seen, inv, np.arange(len(inv)))
    fk0 = np.array([_match_count(current[i], current, counts) for i in range(len(current))])
    order = [i for i in np.lexsort((first_seen, fk0)) if fk0[i] < k]
    suppressed = dict.fromkeys(keys, 0)
    for i in order:
        fk = _match_count(current[i], current, counts)
        while fk < k:
            best, best_fk, best_tie = -1, -1.0, (-1, -1)
            for j in range(len(keys)):
                if current[i, j] < 0:
                    continue
                trial = current[i].copy()
                trial[j] = -1
                # the suppressed pattern itself now matches more; count with the trial in place
                saved = current[i].copy()
                current[i] = trial
                f = _match_count(trial, current, counts)
                current[i] = saved
                tie = (int(n_cat[j]), j)
                if f > best_fk or (f == best_fk and tie > best_tie):
                    best, best_fk, best_tie = j, f, tie
            if best < 0:  # every key already missing: matches every record
                break
            current[i, best] = -1
            suppressed[keys[best]] += int(counts[i])
            fk = best_fk
    out = df.copy()
    blank = current[inv] < 0
    for j, v in enumerate(keys):
        mask = blank[:, j] & df[v].notna().to_numpy()
        if mask.any():
            col = out[v]
            if pd.api.types.is_integer_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype("Int64")
            out[v] = col.mask(pd.Series(mask, index=out.index))
    check = key_frequencies(out, keys)
    if len(out) >= k and (check["fk"] < k).any():  # cannot happen: a fully blank pattern matches all
        raise RuntimeError("local suppression did not reach k-anonymity")
    return out, suppressed
