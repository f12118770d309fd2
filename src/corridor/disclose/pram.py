"""PRAM: the post-randomisation method for one categorical variable.

Each record's category ``i`` is replaced by category ``j`` with probability ``P[i, j]`` drawn from a
known transition matrix (Gouweleeuw, Kooiman, Willenborg & de Wolf 1998, "Post randomisation for
statistical disclosure control: theory and implementation", *Journal of Official Statistics* 14(4);
Hundepool et al. 2012, §3.4.6; sdcMicro ``pram``). An intruder can no longer be sure a rare category
is true, while the analyst, knowing ``P``, can correct estimates.

The basic matrix keeps a category with probability ``retain`` (sdcMicro's ``pd``) and moves it to each
other category with equal probability. The **invariant** matrix ``R = P Q``, with the backward matrix
``Q[j, i] = P[i, j] t_i / sum_l P[l, j] t_l`` (``t`` = the observed category counts), leaves the
expected category distribution unchanged: ``t R = t`` (Gouweleeuw et al. 1998, §3; Kooiman, Willenborg
& Gouweleeuw 1997). Because ``R`` moves rare categories a lot (a small category is mostly replaced by
records from large ones), it is mixed with the identity, ``alpha R + (1 - alpha) I`` (sdcMicro's
``alpha``), which stays invariant. Missing values stay missing. The draw is seeded, so a run is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor.errors import InputError


@dataclass
class PramResult:
    """The perturbed column and what was done to it."""

    values: pd.Series
    categories: list[str]
    matrix: np.ndarray  # the transition matrix actually applied (rows: from, columns: to)
    changed: int  # records whose category changed
    invariant: bool
    seed: int | None


def transition_matrix(n_categories: int, retain: float) -> np.ndarray:
    """Keep a category with probability ``retain``; otherwise move uniformly to another one."""
    if not 0.0 < retain <= 1.0:
        raise InputError(f"PRAM retain probability must be in (0, 1], got {retain}")
    if n_categories == 1:
        return np.ones((1, 1))
    p = np.full((n_categories, n_categories), (1.0 - retain) / (n_categories - 1))
    np.fill_diagonal(p, retain)
    return p


def invariant_matrix(p: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``R = P Q`` with ``Q[j, i] = P[i, j] t_i / sum_l P[l, j] t_l``: ``counts @ R == counts``."""
    t = counts.astype(float)
    col = t @ p  # expected counts after P
    q = (p * t[:, None]).T / np.where(col > 0, col, 1.0)[:, None]
    return p @ q


def pram(values: pd.Series, *, retain: float = 0.8, invariant: bool = True, alpha: float = 0.5,
         seed: int | None = None) -> PramResult:
    """Apply PRAM to a categorical column (see the module docstring)."""
    observed = values.dropna()
    categories = sorted(observed.astype(str).unique().tolist())
    if not categories:
        raise InputError(f"PRAM variable {values.name!r} has no non-missing values", column=str(values.name))
    index = {c: i for i, c in enumerate(categories)}
    codes = np.array([index[str(v)] if pd.notna(v) else -1 for v in values], dtype=np.int64)
    counts = np.bincount(codes[codes >= 0], minlength=len(categories))
    p = transition_matrix(len(categories), retain)
    if invariant:
        if not 0.0 < alpha <= 1.0:
            raise InputError(f"PRAM alpha must be in (0, 1], got {alpha}")
        p = alpha * invariant_matrix(p, counts) + (1.0 - alpha) * np.eye(len(categories))
    rng = np.random.default_rng(seed)
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    new = codes.copy()
    present = np.flatnonzero(codes >= 0)
    u = rng.random(len(present))
    new[present] = (u[:, None] > cum[codes[present]]).sum(axis=1)
    out = pd.Series([categories[c] if c >= 0 else None for c in new], index=values.index, name=values.name,
                    dtype="object")
    out = out.where(values.notna(), None)
    if isinstance(values.dtype, pd.CategoricalDtype):
        out = out.astype(values.dtype)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        out = pd.to_numeric(out)
    else:
        out = out.astype(values.dtype)
    return PramResult(values=out, categories=categories, matrix=p, changed=int((new != codes).sum()),
                      invariant=invariant, seed=seed)
