"""Design facts for Taylor-linearisation variance: PSU counts, degrees of freedom, the fpc.

Variance itself is computed by ``svy`` (Taylor linearisation of the estimator; for a stratified
multistage design the with-replacement approximation at the first stage, Wolter 2007, sec. 6.11;
Lumley 2010, sec. 2.2 and appendix C). This module holds what corridor decides around it:

- **design degrees of freedom** = number of PSUs minus number of strata, counting only rows with a
  positive weight (R survey 4.1.1 ``degf.survey.design2``); a design without PSUs has one PSU per row
  and a design without strata one stratum. The same df is used for every domain and every variable
  of a file, as R's ``confint(..., df = degf(design))`` does.
- **finite population correction**: an ``--fpc`` column holds, per stratum, either the population
  number of PSUs (values > 1) or the first-stage sampling fraction (all values <= 1), as R's
  ``svydesign(fpc=)`` reads it. Fractions are turned into population sizes N_h = n_h / f_h for svy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridor.errors import InputError


def psu_keys(frame: pd.DataFrame, strata: str | None, psu: str | None) -> tuple[pd.Series, pd.Series]:
    """(stratum key, PSU key) per row; PSU codes are taken within stratum (R's ``nest=TRUE``)."""
    stratum = frame[strata].astype(str) if strata else pd.Series("_all", index=frame.index)
    unit = frame[psu].astype(str) if psu else pd.Series(np.arange(len(frame)).astype(str), index=frame.index)
    return stratum, stratum + "\x1f" + unit


def psus_per_stratum(frame: pd.DataFrame, strata: str | None, psu: str | None,
                     weights: str | None = None) -> pd.Series:
    """Number of distinct PSUs in each stratum (rows with weight 0 left out when ``weights`` given)."""
    stratum, unit = psu_keys(frame, strata, psu)
    keep = frame[weights].to_numpy() > 0 if weights else np.ones(len(frame), dtype=bool)
    return unit[keep].groupby(stratum[keep]).nunique()


def design_df(frame: pd.DataFrame, strata: str | None, psu: str | None, weights: str) -> int:
    """Design degrees of freedom n_PSU - n_strata (R survey ``degf.survey.design2``)."""
    counts = psus_per_stratum(frame, strata, psu, weights)
    return int(counts.sum() - len(counts))


def single_psu_strata(frame: pd.DataFrame, strata: str | None, psu: str | None) -> list[str]:
    """Strata holding a single PSU: their within-stratum variance cannot be estimated."""
    counts = psus_per_stratum(frame, strata, psu)
    return sorted(map(str, counts.index[counts == 1]))


def population_sizes(frame: pd.DataFrame, strata: str | None, psu: str | None, fpc: str,
                     *, file: str | None = None) -> np.ndarray:
    """Population number of PSUs per row, from an fpc column of sizes or of sampling fractions.

    Raises :class:`InputError` when the fpc varies within a stratum, mixes fractions and sizes, is
    not positive, or is smaller than the number of PSUs sampled in the stratum.
    """
    values = pd.to_numeric(frame[fpc], errors="coerce")
    stratum, unit = psu_keys(frame, strata, psu)
    if values.isna().any():
        rows = list(np.flatnonzero(values.isna().to_numpy())[:10])
        raise InputError(f"finite population correction missing or not numeric in {len(rows)}+ row(s) "
                         f"(record index {rows})", file=file, column=fpc)
    per_stratum = values.groupby(stratum).nunique()
    varying = sorted(map(str, per_stratum.index[per_stratum > 1]))
    if varying:
        raise InputError(f"finite population correction varies within stratum {', '.join(varying)}; "
                         "it must be one value per stratum", file=file, column=fpc)
    if (values <= 0).any():
        raise InputError("finite population correction must be positive", file=file, column=fpc)
    n_h = unit.groupby(stratum).transform("nunique").astype(float)
    if (values <= 1).all():  # sampling fractions f_h = n_h / N_h
        sizes = n_h / values
    elif (values > 1).all():
        sizes = values.astype(float)
    else:
        raise InputError("finite population correction mixes sampling fractions (<= 1) and population "
                         "sizes (> 1)", file=file, column=fpc)
    small = sorted(set(stratum[sizes < n_h - 1e-9]))
    if small:
        raise InputError(f"population size smaller than the number of sampled PSUs in stratum "
                         f"{', '.join(small)}", file=file, column=fpc)
    return sizes.to_numpy(dtype=float)
