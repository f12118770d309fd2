"""Declare and check a survey design, and bind it to the data for ``svy``.

A design is one of three kinds:

- **Taylor linearisation**: weights, optional strata, PSUs and finite population correction
  (R ``svydesign(ids=, strata=, weights=, fpc=)``; svy ``Design(stratum=, psu=, wgt=, pop_size=)``);
- **given replicate weights**: the full-sample weight and replicate-weight columns shipped with the
  file, with the method that made them (R ``svrepdesign(repweights=, type=)``);
- **replicates created from the design**: jackknife (JK1 / JKn), BRR or bootstrap replicates built
  from the strata and PSUs (R ``as.svrepdesign(type=)``).

Everything that would make the variance meaningless is refused with an :class:`InputError` that
names the problem: an unknown variable (with the list of available ones), missing or negative
weights (with row numbers), a stratum with a single PSU (by name), an inconsistent fpc.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl
import svy

from corridor.errors import InputError
from corridor.estimate.survey import replicate as rep
from corridor.estimate.survey import taylor

POP_SIZE_COLUMN = "__corridor_popsize"
ROW_COLUMN = "__corridor_row"

#: default number of bootstrap replicates created from a design, and the seed that makes them reproducible
DEFAULT_BOOTSTRAP_REPLICATES = 200
DEFAULT_SEED = 20071


@dataclass(frozen=True)
class DesignSpec:
    """The design variables of a file (names of its columns) and the variance method.

    ``repweights`` is a pattern naming given replicate-weight columns (see
    :func:`corridor.estimate.survey.replicate.match_columns`); with it, ``reptype`` says how they
    were made. Without ``repweights``, a ``reptype`` asks for replicates created from the design;
    without either the variance is by Taylor linearisation.
    """

    weights: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    repweights: str | None = None
    reptype: str | None = None
    fay_rho: float = 0.0
    rep_scale: float | None = None
    replicates: int = DEFAULT_BOOTSTRAP_REPLICATES
    seed: int = DEFAULT_SEED

    @property
    def method(self) -> str:
        return "replication" if self.reptype else "taylor"


@dataclass
class PreparedDesign:
    """A design checked against its data and bound to it as a ``svy.Sample``."""

    spec: DesignSpec
    sample: svy.Sample
    method: str  # "taylor" or "replication"
    df: int  # design degrees of freedom for t intervals
    n_rows: int
    description: str
    n_replicates: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def data(self) -> pl.DataFrame:
        return self.sample.data


def category_strings(series: pd.Series) -> pd.Series:
    """A variable as category labels: whole numbers without ``.0``, missing kept as ``None``."""
    s = series
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    present = s.notna()
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        vals = s[present].astype(float)
        if np.all(np.mod(vals.to_numpy(), 1) == 0):
            out[present] = vals.astype(np.int64).astype(str)
        else:
            out[present] = vals.astype(str)
    else:
        out[present] = s[present].astype(str)
    return out


def _numeric(frame: pd.DataFrame, name: str, *, row_base: int, file: str | None,
             hint: str = "; use --proportion for a categorical variable") -> pd.Series:
    s = frame[name]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype(float)
    conv = pd.to_numeric(s, errors="coerce")
    bad = conv.isna() & s.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"variable {name!r} is not numeric (value {s.iloc[i]!r}){hint}",
            file=file, row=i + row_base, column=name,
        )
    return conv.astype(float)


def check_columns(frame: pd.DataFrame, names: Sequence[str | None], *, file: str | None = None) -> None:
    """Every named variable must exist; the error names it and lists the available ones."""
    available = [str(c) for c in frame.columns]
    for name in names:
        if name is not None and name not in frame.columns:
            raise InputError(
                f"variable {name!r} not found; available variables: {', '.join(available)}",
                file=file, column=name,
            )


def _check_weights(weights: pd.Series, name: str, *, row_base: int, file: str | None) -> None:
    for bad, what in ((~np.isfinite(weights.to_numpy()), "missing"), (weights < 0, "negative")):
        bad = np.asarray(bad)
        if bad.any():
            rows = np.flatnonzero(bad)
            listed = ", ".join(str(i + row_base) for i in rows[:10])
            raise InputError(
                f"{what} weight in {len(rows)} row(s): {listed}" + (" ..." if len(rows) > 10 else ""),
                file=file, row=int(rows[0] + row_base), column=name,
            )
    if not (weights > 0).any():
        raise InputError("every weight is zero", file=file, column=name)


def _check_design_values(frame: pd.DataFrame, name: str | None, *, row_base: int, file: str | None) -> None:
    if name is None:
        return
    bad = frame[name].isna().to_numpy()
    if bad.any():
        rows = np.flatnonzero(bad)
        listed = ", ".join(str(i + row_base) for i in rows[:10])
        raise InputError(f"design variable missing in {len(rows)} row(s): {listed}",
                         file=file, row=int(rows[0] + row_base), column=name)


def _refuse_single_psu(frame: pd.DataFrame, spec: DesignSpec, *, file: str | None) -> None:
    lonely = taylor.single_psu_strata(frame, spec.strata, spec.psu)
    if lonely and spec.strata is None and spec.psu is not None:
        raise InputError(f"the design has a single PSU ({spec.psu}); no variance can be estimated",
                         file=file, column=spec.psu)
    if lonely:
        raise InputError(
            f"stratum {', '.join(lonely)} of {spec.strata!r} has a single PSU, so its variance cannot be "
            "estimated; collapse it with a neighbouring stratum in the data (a methodological choice "
            "corridor does not make for you)",
            file=file, column=spec.strata,
        )


def prepare_design(
    frame: pd.DataFrame,
    spec: DesignSpec,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    file: str | None = None,
    row_base: int = 2,
) -> PreparedDesign:
    """Check ``frame`` against ``spec`` and bind the two as a ``svy.Sample``.

    ``numeric`` and ``categorical`` name the analysis variables (converted to float, or to category
    labels); other columns are left out of the sample. ``row_base`` is the row number of the first
    record as a person opening the file counts it (2 for a CSV file with a header line), used in
    error messages.
    """
    if spec.reptype is not None and spec.reptype not in rep.REPLICATE_TYPES:
        known = ", ".join(rep.REPLICATE_TYPES)
        raise InputError(f"unknown replicate type {spec.reptype!r}; use one of {known}")
    if spec.repweights and not spec.reptype:
        raise InputError("--repweights needs --reptype (jk1, jkn, brr or bootstrap): the file's "
                         "documentation says how its replicate weights were made")
    check_columns(frame, [spec.weights, spec.strata, spec.psu, spec.fpc, *numeric, *categorical], file=file)
    weights = _numeric(frame, spec.weights, row_base=row_base, file=file, hint=": weights must be numbers")
    _check_weights(weights, spec.weights, row_base=row_base, file=file)
    for name in (spec.strata, spec.psu):
        _check_design_values(frame, name, row_base=row_base, file=file)

    columns: dict[str, pd.Series] = {spec.weights: weights}
    for name in (spec.strata, spec.psu):
        if name is not None:
            columns[name] = category_strings(frame[name])
    for name in numeric:
        columns[name] = _numeric(frame, name, row_base=row_base, file=file)
    for name in categorical:
        columns[name] = category_strings(frame[name])
    data = pd.DataFrame(columns, index=frame.index).reset_index(drop=True)

    if spec.repweights:
        return _given_replicates(frame, data, spec, file=file, row_base=row_base)
    _refuse_single_psu(frame, spec, file=file)
    pop = None
    if spec.fpc is not None:
        pop = taylor.population_sizes(frame, spec.strata, spec.psu, spec.fpc, file=file)
        data[POP_SIZE_COLUMN] = pop
    if spec.reptype:
        return _created_replicates(frame, data, spec, pop, file=file)
    design = svy.Design(stratum=spec.strata, psu=spec.psu, wgt=spec.weights,
                        pop_size=POP_SIZE_COLUMN if pop is not None else None)
    sample = svy.Sample(pl.from_pandas(data), design)
    counts = taylor.psus_per_stratum(frame, spec.strata, spec.psu, spec.weights)
    df = int(counts.sum() - len(counts))
    desc = (f"Taylor linearisation; {len(counts)} strat{'um' if len(counts) == 1 else 'a'}, "
            f"{int(counts.sum())} PSUs{', with fpc' if pop is not None else ''}; {df} design df")
    return PreparedDesign(spec, sample, "taylor", df, len(data), desc)


def _given_replicates(frame: pd.DataFrame, data: pd.DataFrame, spec: DesignSpec, *, file: str | None,
                      row_base: int) -> PreparedDesign:
    if spec.fpc is not None:
        raise InputError("--fpc does not apply to given replicate weights: the producer folds the finite "
                         "population correction into them or documents a scale (--rep-scale)", file=file)
    cols = rep.match_columns(list(map(str, frame.columns)), spec.repweights or "", exclude=[spec.weights],
                             file=file)
    rep.check_replicate_values(frame, cols, row_base=row_base, file=file)
    n_reps = len(cols)
    scale = 1.0 if spec.rep_scale is None else spec.rep_scale
    if spec.reptype == "jkn":
        if spec.strata is None or spec.psu is None:
            raise InputError("--reptype jkn with given replicate weights needs --strata and --psu (the "
                             "variance strata and units) to work out the (n_h-1)/n_h factors", file=file)
        coefs = scale * rep.jackknife_coefficients(
            frame[cols].to_numpy(dtype=float), data[spec.weights].to_numpy(), data[spec.strata].to_numpy(),
            data[spec.psu].to_numpy(), names=cols, file=file)
    elif spec.rep_scale is not None:
        coefs = np.full(n_reps, spec.rep_scale)
    elif spec.reptype == "jk1":
        coefs = np.full(n_reps, (n_reps - 1) / n_reps)
    elif spec.reptype == "brr":
        coefs = np.full(n_reps, 1.0 / (n_reps * (1.0 - spec.fay_rho) ** 2))
    else:  # bootstrap, R svrepdesign default
        coefs = np.full(n_reps, 1.0 / (n_reps - 1))
    df = rep.replicate_df(frame[cols])
    reps = frame[cols].set_axis([f"{rep.REP_PREFIX}{i + 1}" for i in range(n_reps)], axis=1)
    sample = _replicate_sample(_with_replicates(data, reps.reset_index(drop=True)), spec.weights,
                               spec.reptype or "", coefs, df, spec.fay_rho)
    kind = (spec.reptype or '').upper()
    desc = f"{kind} replicate weights ({n_reps} given: {cols[0]}..{cols[-1]}); {df} df"
    return PreparedDesign(spec, sample, "replication", df, len(data), desc, n_replicates=n_reps)


def _with_replicates(data: pd.DataFrame, reps: pd.DataFrame) -> pl.DataFrame:
    """The analysis columns beside the replicate columns, as one polars frame for svy."""
    return pl.concat([pl.from_pandas(data), pl.from_pandas(reps)], how="horizontal")


def _replicate_sample(data: pl.DataFrame, weight: str, reptype: str, coefs: np.ndarray, df: int,
                      fay_rho: float) -> svy.Sample:
    n_reps = len(coefs)
    kw = dict(prefix=rep.REP_PREFIX, n_reps=n_reps, scale=[float(c) for c in coefs], df=max(df, 1))
    if reptype in ("jk1", "jkn"):
        variant = svy.JackknifeWgts(kind=reptype, **kw)
    elif reptype == "brr":
        variant = svy.BrrWgts(fay_coef=fay_rho, **kw)
    else:
        variant = svy.BootstrapWgts(**kw)
    return svy.Sample(data, svy.Design(wgt=weight, rep_wgts=variant))


def _created_replicates(frame: pd.DataFrame, data: pd.DataFrame, spec: DesignSpec, pop: np.ndarray | None,
                        *, file: str | None) -> PreparedDesign:
    reptype = spec.reptype
    if reptype == "jk1" and spec.strata is not None:
        raise InputError("JK1 is for unstratified designs; use --reptype jkn for a stratified design "
                         "(R as.svrepdesign refuses the same)", file=file)
    if reptype in ("jkn", "brr") and spec.strata is None:
        raise InputError(f"--reptype {reptype} needs --strata; use jk1 or bootstrap for an unstratified "
                         "design", file=file)
    psu = spec.psu
    if psu is None:  # each record is its own PSU
        data[ROW_COLUMN] = np.arange(len(data)).astype(str)
        psu = ROW_COLUMN
    base = svy.Sample(pl.from_pandas(data), svy.Design(stratum=spec.strata, psu=psu, wgt=spec.weights))
    notes: list[str] = []
    if reptype in ("jk1", "jkn"):
        made = base.weighting.create_jk_wgts(rep_prefix=rep.REP_PREFIX)
    elif reptype == "brr":
        made = base.weighting.create_brr_wgts(rep_prefix=rep.REP_PREFIX, fay_coef=spec.fay_rho)
    else:
        made = base.weighting.create_bs_wgts(n_reps=spec.replicates, rep_prefix=rep.REP_PREFIX,
                                             rstate=spec.seed)
    if pop is not None and reptype in ("brr", "bootstrap"):
        notes.append(f"finite population correction not applied to {reptype} replicates (as in R survey)")
    rw = made.design.rep_wgts
    cols = rw.columns_from_data(made.data.columns)
    made_data = made.data
    matrix = made_data.select(cols).to_numpy().astype(float, copy=False)
    n_reps = len(cols)
    stratum = made_data[spec.strata].to_pandas() if spec.strata else None
    unit = made_data[psu].to_pandas()
    if reptype in ("jk1", "jkn"):
        coefs = rep.jackknife_coefficients(
            matrix, made_data[spec.weights].to_numpy(), stratum.to_numpy() if stratum is not None else None,
            unit.to_numpy(), pop_sizes=pop, names=cols, file=file)
    else:
        coefs = np.asarray(rw.coefficients(), dtype=float)
    if spec.rep_scale is not None:
        coefs = coefs * spec.rep_scale if reptype == "jkn" else np.full(n_reps, spec.rep_scale)
    var_strata = (made_data[rw.stratum].n_unique() if reptype == "brr" and isinstance(rw.stratum, str)
                  and rw.stratum in made_data.columns else None)
    df = rep.created_df(reptype or "", matrix, stratum, unit, var_strata)
    keep = [c for c in data.columns if c not in (POP_SIZE_COLUMN, ROW_COLUMN)]
    names = [f"{rep.REP_PREFIX}{i + 1}" for i in range(n_reps)]
    final = made_data.select(keep + cols).rename(dict(zip(cols, names, strict=True)))
    sample = _replicate_sample(final, spec.weights, reptype or "", coefs, df, spec.fay_rho)
    fpc_note = ", fpc in the jackknife factors" if pop is not None and reptype in ("jk1", "jkn") else ""
    desc = f"{(reptype or '').upper()} replicates created from the design ({n_reps}{fpc_note}); {df} df"
    return PreparedDesign(spec, sample, "replication", df, len(final), desc, n_replicates=n_reps, notes=notes)
