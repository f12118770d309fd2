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


def blank_as_own_value(df: pd.DataFrame, keys: Sequence[str], k: int,
                       suppressed: dict[str, int] | None = None) -> pd.DataFrame:
    """Continue local suppression until the file is k-anonymous also when a blank is a value of its own.

    Under the sdcMicro convention a blank matches every category, so a unique record whose neighbour
    was blanked counts as protected though its own values are unchanged; an intruder who treats a blank
    as a category of its own (it is one in the published file) still singles it out. Rule: each round,
    every record whose combination (blanks as values) is below ``k`` has one more key value blanked —
    the present key with the most categories (ties: the key listed last); rounds repeat until none is
    below ``k``. If the fully blank combination itself ends below ``k``, records of the largest
    combinations that can spare them are blanked fully to lift it to ``k``. ``suppressed`` (per
    variable) is updated. Blanking only raises frequencies under the "any" convention, so k-anonymity
    under it is kept.
    """
    keys = list(keys)
    out = df.copy()
    for v in keys:
        if pd.api.types.is_integer_dtype(out[v].dtype) and not isinstance(out[v].dtype, pd.CategoricalDtype):
            out[v] = out[v].astype("Int64")
    counts = suppressed if suppressed is not None else dict.fromkeys(keys, 0)
    n_cat = {v: df[v].nunique(dropna=True) for v in keys}
    order = sorted(keys, key=lambda v: (n_cat[v], keys.index(v)), reverse=True)
    for _ in range(len(keys) + 1):
        low = (key_frequencies(out, keys, blank="own")["fk"] < k).to_numpy()
        if not low.any():
            return out
        present = out.loc[low, keys].notna()
        if not present.to_numpy().any():
            break
        choice = present[order].idxmax(axis=1).where(present.any(axis=1))
        for v in order:
            rows = choice.index[choice == v]
            if len(rows):
                out.loc[rows, v] = pd.NA
                counts[v] += len(rows)
    blank = out[keys].isna().all(axis=1)
    short = k - int(blank.sum())
    if 0 < short < len(out):
        sizes = key_frequencies(out, keys, blank="own")["fk"]
        spare = sizes[~blank & (sizes >= k + short)].sort_values(ascending=False, kind="stable")
        if len(spare) < short:
            raise InputError(f"cannot reach k={k} with blanks as their own value: the file is too small")
        lift = spare.index[:short]
        for v in keys:
            counts[v] += int(out.loc[lift, v].notna().sum())
            out.loc[lift, v] = pd.NA
    if (key_frequencies(out, keys, blank="own")["fk"] < k).any():
        raise RuntimeError("local suppression did not reach k-anonymity with blanks as their own value")
    return out
