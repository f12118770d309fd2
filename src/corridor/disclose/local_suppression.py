"""Local suppression to reach k-anonymity: blank the fewest key values, by a documented greedy rule.

Local suppression replaces single key values by missing so that every record's key combination is
shared by at least ``k`` records (Hundepool et al. 2012, §3.4.3; sdcMicro's ``localSuppression``,
Templ, Kowarik & Meindl 2015, §4.2). A missing value matches every category of its variable (the
sdcMicro convention used by :func:`corridor.disclose.microdata_risk.key_frequencies`), so a suppression
can only raise frequencies.

Finding the minimum number of suppressions is NP-hard; the greedy rule used here:

1. compute every combination's frequency ``f_k``; take the combinations at the *lowest* frequency
   below ``k`` (sample uniques first);
2. for each of them, try blanking each of its still-present key values and keep the one that raises
   its frequency most; ties go to the variable with the most categories (the most identifying), then
   to the variable listed *last* in ``keys`` (list the most important first);
3. apply these blanks in order (one value per record of each combination), skipping a combination
   that a blank applied earlier in the round now matches (its frequency has changed), and go back to
   1: frequencies are re-read after every round, so a combination lifted by another's suppression is
   left alone — the outcome of blanking one combination at a time, computed in batches.

Frequencies are computed in batches grouped by missingness pattern
(:func:`corridor.disclose.microdata_risk._compatible_sums`), so a round costs a few sorts of the
distinct combinations rather than one scan per combination.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from corridor.disclose.microdata_risk import _compatible_sums, _patterns, key_frequencies
from corridor.errors import InputError


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
    current = uniq.copy()  # the current pattern of each original pattern
    first_seen = np.full(len(uniq), len(inv))
    np.minimum.at(first_seen, inv, np.arange(len(inv)))
    suppressed = dict.fromkeys(keys, 0)
    # tie-break between keys: more categories first, then the key listed last
    tie = np.array([n_cat[j] * (len(keys) + 1) + j for j in range(len(keys))], dtype=float)
    for _ in range(len(keys) * max(len(uniq), 1) + 1):
        fk, _w = _compatible_sums(current, counts, counts)
        low = np.flatnonzero(fk < k)
        if len(low) == 0 or (len(inv) < k):
            break
        level = fk[low].min()
        todo = low[fk[low] == level]
        todo = todo[np.argsort(first_seen[todo], kind="stable")]
        # frequency each of these combinations would reach with one more key value blanked
        gains = np.full((len(todo), len(keys)), -np.inf)
        for j in range(len(keys)):
            present = current[todo, j] >= 0
            if not present.any():
                continue
            trial = current[todo[present]].copy()
            trial[:, j] = -1
            gains[present, j] = _compatible_sums(current, counts, counts, queries=trial)[0]
        score = gains * (tie.max() + 1) + np.where(np.isfinite(gains), tie, 0.0)
        best = np.argmax(score, axis=1)
        ok = np.isfinite(gains[np.arange(len(todo)), best])
        if not ok.any():
            break  # every key already blank: such a combination matches every record
        # apply them in order, deferring a combination that an earlier blank of this round now
        # matches (its frequency has changed; the next round re-reads it) -- as a one-at-a-time
        # greedy would see it
        masks = {tuple(m) for m in (current[todo] < 0)}
        seen: dict[tuple, set] = {}
        for row, j in zip(todo[ok], best[ok], strict=True):
            pat = current[row]
            mv = tuple(pat < 0)
            clash = False
            for (m, mv2), projections in seen.items():
                if mv2 == mv:
                    cols = [c for c in range(len(keys)) if not (m[c] or mv[c])]
                    if tuple(pat[cols]) in projections:
                        clash = True
                        break
            if clash:
                continue
            current[row, j] = -1
            suppressed[keys[j]] += int(counts[row])
            t = current[row]
            m = tuple(t < 0)
            for mv2 in masks:
                cols = [c for c in range(len(keys)) if not (m[c] or mv2[c])]
                seen.setdefault((m, mv2), set()).add(tuple(t[cols]))
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
