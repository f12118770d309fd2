"""Re-identification risk of microdata: key-variable frequencies and the individual risk.

An intruder who knows a person's values on the *key variables* (quasi-identifiers: region, sex, age,
citizenship, ...) looks for records matching them. Two measures, as sdcMicro computes them
(Templ, Kowarik & Meindl 2015, "Statistical Disclosure Control for Micro-Data Using the R Package
sdcMicro", *Journal of Statistical Software* 67(4), §3):

* ``f_k`` — the **sample frequency** of the record's key combination; the file is *k-anonymous* when
  every ``f_k >= k``. ``F_k`` — the **estimated population frequency**, the sum of the survey weights
  of the matching records. As in sdcMicro's ``freqCalc``, a missing key value (for instance one removed
  by local suppression) matches every category of that variable.
* the **individual risk** ``r_k`` of the negative-binomial model of Benedetti & Franconi, reviewed in
  Franconi & Polettini (2004), "Individual risk estimation in mu-Argus: a review", *Privacy in
  Statistical Databases*, LNCS 3050, 262-272 — the approximation sdcMicro's ``indivRisk`` /
  ``measure_risk`` use, with ``p_k = f_k / F_k``:

  - ``f_k = 1``: ``r = p/(1-p) * log(1/p)``
  - ``f_k = 2``: ``r = p/(1-p) - (p/(1-p))**2 * log(1/p)``
  - ``f_k > 2``: ``r = p / (f_k - (1 - p))``
  - ``f_k = F_k`` (the sample is the population for that key): ``r = 1/f_k``.

  The **global risk** is the mean of ``r_k`` over the records and the **expected number of
  re-identifications** their sum (sdcMicro ``measure_risk``: ``global_risk``, ``global_risk_ER``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor.errors import InputError


def _patterns(df: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the key columns (-1 = missing) and, per record, the index of its pattern."""
    codes = np.column_stack([
        pd.Categorical(df[k].astype("object").where(df[k].notna(), None)).codes for k in keys
    ]) if len(df) else np.zeros((0, len(keys)), dtype=np.int64)
    uniq, inverse = np.unique(codes, axis=0, return_inverse=True)
    return uniq, inverse.reshape(-1)


def _compatible_sums(uniq: np.ndarray, counts: np.ndarray, weights: np.ndarray,
                     queries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Records and weight matching each query pattern (default: each pattern), missing = any value.

    Patterns are grouped by their *missingness mask*; for a pair of masks the two groups are matched
    on the keys present in both, with one sort (``np.unique``) — O(masks^2 x patterns log patterns)
    rather than patterns^2.
    """
    q = uniq if queries is None else queries
    fk = np.zeros(len(q))
    wk = np.zeros(len(q))
    if len(q) == 0 or len(uniq) == 0:
        return fk, wk
    q_masks, q_group = np.unique(q < 0, axis=0, return_inverse=True)
    u_masks, u_group = np.unique(uniq < 0, axis=0, return_inverse=True)
    q_group = q_group.reshape(-1)
    u_group = u_group.reshape(-1)
    for a, mask_a in enumerate(q_masks):
        rows_q = np.flatnonzero(q_group == a)
        for b, mask_b in enumerate(u_masks):
            rows_u = np.flatnonzero(u_group == b)
            cols = np.flatnonzero(~mask_a & ~mask_b)
            if len(cols) == 0:
                fk[rows_q] += counts[rows_u].sum()
                wk[rows_q] += weights[rows_u].sum()
                continue
            proj = np.concatenate([q[rows_q][:, cols], uniq[rows_u][:, cols]])
            _, inv = np.unique(proj, axis=0, return_inverse=True)
            inv = inv.reshape(-1)
            n_q = len(rows_q)
            size = int(inv.max()) + 1
            fk[rows_q] += np.bincount(inv[n_q:], weights=counts[rows_u], minlength=size)[inv[:n_q]]
            wk[rows_q] += np.bincount(inv[n_q:], weights=weights[rows_u], minlength=size)[inv[:n_q]]
    return fk, wk


#: How a blank (missing or suppressed) key value is matched: ``any`` — it matches every category
#: (sdcMicro ``freqCalc``, an intruder cannot exclude the record); ``own`` — it is a category of its
#: own (an intruder who knows the value was blanked, or who matches on blanks, singles it out).
BLANK_CONVENTIONS = ("any", "own")


def key_frequencies(df: pd.DataFrame, keys: Sequence[str], weight: str | None = None, *,
                    blank: str = "any") -> pd.DataFrame:
    """Per record: ``fk`` (sample frequency of its key combination) and ``Fk`` (sum of weights).

    Without a weight ``Fk`` equals ``fk`` (the file is treated as the population). With ``blank="any"``
    a missing key value matches any value (sdcMicro ``freqCalc``); with ``blank="own"`` it is a value
    of its own (the stricter reading: k-anonymity then cannot be reached by blanking alone).
    """
    unknown = [k for k in keys if k not in df.columns]
    if unknown:
        raise InputError(f"unknown key variable(s): {', '.join(unknown)}")
    if blank not in BLANK_CONVENTIONS:
        raise InputError(f"blank convention must be one of {', '.join(BLANK_CONVENTIONS)}, got {blank!r}")
    w = _weights(df, weight)
    uniq, inv = _patterns(df, keys)
    counts = np.bincount(inv, minlength=len(uniq)).astype(float)
    wsum = np.bincount(inv, weights=w, minlength=len(uniq))
    if blank == "own":
        fk, wk = counts, wsum
    else:
        fk, wk = _compatible_sums(uniq, counts, wsum)
    return pd.DataFrame({"fk": fk[inv].astype(np.int64), "Fk": wk[inv]}, index=df.index)


def _weights(df: pd.DataFrame, weight: str | None) -> np.ndarray:
    if weight is None:
        return np.ones(len(df))
    if weight not in df.columns:
        raise InputError(f"unknown weight variable: {weight}")
    w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=float)
    if np.isnan(w).any() or (w <= 0).any():
        raise InputError(f"weight variable {weight!r} has missing or non-positive values", column=weight)
    return w


def individual_risk(fk: np.ndarray | pd.Series, Fk: np.ndarray | pd.Series) -> np.ndarray:  # noqa: N803
    """sdcMicro's approximate individual risk (Franconi & Polettini 2004), see the module docstring."""
    fk = np.asarray(fk, dtype=float)
    Fk = np.asarray(Fk, dtype=float)  # noqa: N806
    p = np.clip(fk / Fk, 1e-300, 1.0)
    r = np.zeros_like(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = p / (1.0 - p)
        one = odds * np.log(1.0 / p)
        two = odds - odds**2 * np.log(1.0 / p)
        more = p / (fk - (1.0 - p))
    r = np.where(fk == 1, one, np.where(fk == 2, two, more))
    population = np.isclose(fk, Fk)  # the sample is the whole population for this key
    r = np.where(population, 1.0 / fk, r)
    return r


@dataclass
class RiskSummary:
    """Risk of a file on its key variables (sdcMicro ``measure_risk``-style summary)."""

    records: int
    k: int
    violating_records: int  # records with fk < k
    violating_combinations: int  # distinct key combinations with fk < k
    sample_uniques: int  # records with fk == 1
    global_risk: float  # mean individual risk
    expected_reidentifications: float  # sum of individual risks
    max_risk: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def measure_risk(df: pd.DataFrame, keys: Sequence[str], *, k: int = 3,
                 weight: str | None = None, blank: str = "any") -> tuple[pd.DataFrame, RiskSummary]:
    """Per-record ``fk``, ``Fk``, ``risk`` and the file's :class:`RiskSummary` (``blank``: see
    :func:`key_frequencies`)."""
    freq = key_frequencies(df, keys, weight, blank=blank)
    freq["risk"] = individual_risk(freq["fk"], freq["Fk"])
    low = freq["fk"] < k
    combos = df.loc[low, list(keys)].astype("object").drop_duplicates() if low.any() else df.iloc[:0]
    summary = RiskSummary(
        records=len(df), k=k, violating_records=int(low.sum()), violating_combinations=len(combos),
        sample_uniques=int((freq["fk"] == 1).sum()),
        global_risk=float(freq["risk"].mean()) if len(df) else 0.0,
        expected_reidentifications=float(freq["risk"].sum()),
        max_risk=float(freq["risk"].max()) if len(df) else 0.0,
    )
    return freq, summary
