"""Replicate-weight variance: given replicate columns, or replicates created from a design.

Every replicate method estimates the variance of an estimator theta as

    v(theta) = sum_r c_r (theta_r - theta_bar)^2,

theta_r the estimate computed with replicate weights r, theta_bar the mean of the replicate estimates
(R survey's default ``mse = FALSE``), and c_r a per-replicate coefficient (Wolter 2007, ch. 3-5;
Lumley 2010, sec. 2.3; R survey ``svrepdesign``). corridor sets c_r explicitly for every method, so the
rule is visible here rather than implied by a library default:

======== ============================================ =================================================
method   c_r                                          source
======== ============================================ =================================================
jk1      (R - 1) / R  x (1 - n/N) with an fpc         delete-one-PSU jackknife; R ``jk1weights``
jkn      (n_h - 1) / n_h x (1 - n_h/N_h) with an fpc  stratified jackknife, h = stratum of the PSU the
                                                      replicate deletes; R ``jknweights``
brr      1 / (R (1 - rho)^2)                          balanced repeated replication, Fay's variant when
                                                      rho > 0 (Wolter 2007, ch. 3; Judkins 1990)
bootstrap 1 / (R - 1) for given columns,              given: R ``svrepdesign(type="bootstrap")``;
         1 / R for replicates created here            created: Rao-Wu-Yue rescaling bootstrap (Rao, Wu
                                                      & Yue 1992) as svy draws it
======== ============================================ =================================================

``--rep-scale`` multiplies the (n_h-1)/n_h factors of jkn, and replaces the coefficient of the other
methods, for files whose documentation prescribes another constant (e.g. 4/80 for the ACS).

Replicate degrees of freedom follow R survey 4.1.1 ``degf.svyrep.design``: the rank of the matrix of
replicate weights minus one (R: ``qr(weights(design, "analysis"), tol = 1e-5)$rank - 1``). corridor
takes the rank from the eigenvalues of the R x R cross-product matrix W'W, counting those above
1e-10 times the largest (singular values above 1e-5 times the largest).

``svy`` (pinned) creates the replicates (``create_jk_wgts``, ``create_brr_wgts``, ``create_bs_wgts``) and
computes the replicate estimates; svy leaves the fpc out of its jackknife coefficients, which is why
corridor computes the jackknife coefficients itself, following R's ``jk1weights``/``jknweights``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from corridor.errors import InputError

REPLICATE_TYPES = ("jk1", "jkn", "brr", "bootstrap")
REP_PREFIX = "__corridor_rep"


def match_columns(columns: Sequence[str], pattern: str, *, exclude: Sequence[str] = (),
                  file: str | None = None) -> list[str]:
    """Replicate-weight columns named by ``pattern``, in natural order (``w2`` before ``w10``).

    ``pattern`` is a shell-style glob matched against the whole name (``PWGTP*``, ``repwt_??``), or a
    regular expression searched in the name when written ``re:...`` (R's ``svrepdesign(repweights=)``
    takes a regular expression). Columns in ``exclude`` (the full-sample weight) never match.
    """
    if pattern.startswith("re:"):
        try:
            rx = re.compile(pattern[3:])
        except re.error as exc:
            raise InputError(f"bad replicate-weight regular expression {pattern[3:]!r}: {exc}",
                             file=file) from exc
        found = [c for c in columns if rx.search(str(c))]
    else:
        found = [c for c in columns if fnmatch.fnmatchcase(str(c), pattern)]
    found = [c for c in found if c not in set(exclude)]
    if len(found) < 2:
        raise InputError(
            f"replicate-weight pattern {pattern!r} matches {len(found)} column(s); need at least 2. "
            f"Available: {', '.join(map(str, columns))}",
            file=file,
        )
    return sorted(found, key=_natural_key)


def _natural_key(name: str) -> tuple:
    parts = re.split(r"(\d+)", str(name))
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _rank(w: np.ndarray) -> int:
    gram = w.T @ w
    eig = np.linalg.eigvalsh(gram)
    top = eig.max()
    return int((eig > top * 1e-10).sum()) if top > 0 else 0


def replicate_df(replicates: np.ndarray | pd.DataFrame) -> int:
    """Replicate degrees of freedom: rank of the n x R replicate-weight matrix minus one (R survey).

    On a large file the rank is first taken on 40 R evenly spaced rows: a subset of rows cannot have
    a higher rank than the whole matrix, so a full rank R there is the answer; otherwise the whole
    matrix is used.
    """
    n, r = replicates.shape

    def rows(idx: np.ndarray | None) -> np.ndarray:
        if isinstance(replicates, pd.DataFrame):
            part = replicates if idx is None else replicates.iloc[idx]
            return part.to_numpy(dtype=float)
        return np.asarray(replicates if idx is None else replicates[idx], dtype=float)

    if n > 40 * r:
        if _rank(rows(np.linspace(0, n - 1, 40 * r).astype(np.int64))) == r:
            return r - 1
    return _rank(rows(None)) - 1


def created_df(reptype: str, replicates: np.ndarray, stratum: pd.Series | None, unit: pd.Series,
               var_strata: int | None = None) -> int:
    """Degrees of freedom of replicates created from a design: R's rank rule, in closed form where known.

    The rank of created jackknife and BRR replicate matrices is known from their construction, which
    spares an eigen-decomposition of an R x R matrix when R (one replicate per PSU) runs to thousands:

    - JK1 over n PSUs: the n replicate columns are linearly independent: df = n - 1;
    - JKn: the replicates of stratum h sum to n_h times the full-sample weight, so the H strata give
      H - 1 dependencies: df = n_PSU - H;
    - BRR over H' variance strata (two PSUs each) from a Hadamard matrix: rank H' + 1: df = H'.

    ``tests/survey/test_independent.py`` checks each against :func:`replicate_df`. The bootstrap
    (and BRR when the variance strata are unknown) uses :func:`replicate_df`.
    """
    n_psu = (stratum.astype(str) + "\x1f" + unit.astype(str)).nunique() if stratum is not None \
        else unit.astype(str).nunique()
    if reptype == "jk1":
        return int(n_psu - 1)
    if reptype == "jkn" and stratum is not None:
        return int(n_psu - stratum.nunique())
    if reptype == "brr" and var_strata:
        return int(var_strata)
    return replicate_df(replicates)


def jackknife_coefficients(
    replicates: np.ndarray,
    weights: np.ndarray,
    stratum: np.ndarray | None,
    unit: np.ndarray,
    *,
    pop_sizes: np.ndarray | None = None,
    names: Sequence[str] | None = None,
    file: str | None = None,
) -> np.ndarray:
    """Per-replicate jackknife coefficients (n_h - 1)/n_h x (1 - n_h/N_h) (R ``jknweights``).

    Each replicate must delete PSUs of one stratum: the rows with a positive full-sample weight and
    a zero replicate weight. Their stratum h gives n_h, the number of PSUs sampled in it, and (with
    ``pop_sizes``, the population number of PSUs per row) the finite population correction. With
    ``stratum=None`` the design is one stratum (JK1).
    """
    strat = np.zeros(len(unit), dtype=np.int64) if stratum is None else pd.factorize(stratum)[0]
    units = pd.factorize(pd.Series(strat).astype(str) + "\x1f" + pd.Series(unit).astype(str))[0]
    n_h = pd.Series(units).groupby(strat).nunique().to_numpy()
    first_row = pd.Series(np.arange(len(strat))).groupby(strat).first().to_numpy()
    positive = np.asarray(weights, dtype=float) > 0
    coefs = np.empty(replicates.shape[1])
    for r in range(replicates.shape[1]):
        deleted = positive & (replicates[:, r] == 0)
        hs = np.unique(strat[deleted])
        name = names[r] if names is not None else f"replicate {r + 1}"
        if len(hs) != 1:
            what = "no PSU" if len(hs) == 0 else f"PSUs of {len(hs)} strata"
            raise InputError(
                f"replicate weight {name} deletes {what}; a jackknife replicate zeroes the weights of "
                "one PSU (check --reptype, --strata and --psu)",
                file=file,
                column=str(name),
            )
        h = hs[0]
        coef = (n_h[h] - 1) / n_h[h]
        if pop_sizes is not None:
            coef *= 1.0 - n_h[h] / pop_sizes[first_row[h]]
        coefs[r] = coef
    return coefs


def check_replicate_values(frame: pd.DataFrame, columns: Sequence[str], *, row_base: int,
                           file: str | None = None) -> None:
    """Replicate weights must be present, numeric and not negative; names the first bad rows."""
    for col in columns:
        s = frame[col]
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
        values = s.to_numpy(dtype=float) if numeric else pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            checks = ((~np.isfinite(values), "missing or not numeric"), (values < 0, "negative"))
        for bad, what in checks:
            if bad.any():
                rows = np.flatnonzero(bad)
                listed = ", ".join(str(i + row_base) for i in rows[:10])
                raise InputError(
                    f"replicate weight {what} in {len(rows)} row(s): {listed}"
                    + (" ..." if len(rows) > 10 else ""),
                    file=file, row=int(rows[0] + row_base), column=str(col),
                )
