"""Design-based totals, means, proportions and ratios, for a whole file or by domain.

Point estimates and standard errors come from ``svy`` (Taylor linearisation or replicate weights,
see :mod:`corridor.estimate.survey.design`); corridor adds, for every estimate, the coefficient of
variation, the 95% interval with t on the design degrees of freedom
(:mod:`corridor.estimate.survey.intervals`), the record count and the reliability status
(:mod:`corridor.estimate.survey.status`).

**Domains are design domains**: a domain estimate keeps every record in the design and gives the
records outside the domain a zero contribution (Lumley 2010, sec. 2.4; Cochran 1977, sec. 2.13), so
its variance accounts for the random size of the domain. Rows are never dropped.

**Missing answers** (an empty value of the analysed variable, or of either ratio variable) are a
documented domain rule: such a record is outside the estimation domain of that variable — it stays
in the design and contributes zero — and the number of such records is reported, for every domain,
in an extra row whose ``category`` is ``(missing)`` (estimate empty, ``n`` = the count, status ``O``).
A record whose ``--by`` value is missing belongs to no domain; their number is reported in a row
whose ``domain`` is ``(missing)``. Estimates are therefore for the population that answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl

from corridor.errors import InputError
from corridor.estimate.survey.design import PreparedDesign
from corridor.estimate.survey.intervals import logit_interval, t_interval
from corridor.estimate.survey.status import Thresholds, coefficient_of_variation, obs_status

KINDS = ("mean", "total", "proportion", "ratio")
OUTPUT_COLUMNS = [
    "domain", "category", "estimate", "se", "cv", "ci_lower", "ci_upper", "df", "n", "obs_status",
]
MISSING = "(missing)"


@dataclass(frozen=True)
class Request:
    """What to estimate: ``kind`` of ``variable`` (over ``denominator`` for a ratio), by ``by``."""

    kind: str
    variable: str
    denominator: str | None = None
    by: str | None = None
    level: float = 0.95
    thresholds: Thresholds = field(default_factory=Thresholds)
    deff: bool = False
    suppress: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if (self.kind == "ratio") != (self.denominator is not None):
            raise ValueError("a ratio, and only a ratio, has a denominator")

    @property
    def variables(self) -> list[str]:
        return [self.variable] + ([self.denominator] if self.denominator else [])


def estimate(prepared: PreparedDesign, request: Request) -> pd.DataFrame:
    """Estimates with SE, CV, t interval, df, n and status; one row per domain (and category).

    Columns: :data:`OUTPUT_COLUMNS` (plus ``deff`` when ``request.deff`` and the design is Taylor).
    Suppressed estimates (status ``Q``) have their estimate, SE and interval emptied when
    ``request.suppress`` (the default); their CV, df and n stay.
    """
    data = prepared.data
    by = request.by
    if by is not None and by in request.variables:
        raise InputError(f"--by {by!r} is also the analysed variable")
    for name in request.variables + ([by] if by else []):
        if name not in data.columns:
            raise InputError(f"variable {name!r} was not prepared for estimation")
    categorical = data.schema[request.variable] == pl.Utf8
    if categorical and request.kind in ("mean", "ratio"):
        raise InputError(f"variable {request.variable!r} is categorical; use --proportion or --total",
                         column=request.variable)
    if request.kind == "ratio" and data.schema[request.denominator] == pl.Utf8:
        raise InputError(f"variable {request.denominator!r} is categorical", column=request.denominator)

    result = _svy_estimate(prepared, request, categorical).to_polars().to_pandas()
    out = pd.DataFrame({
        "domain": result[by].astype(str) if by else "",
        "category": (result[request.variable].astype(str)
                     if request.kind == "proportion" or (request.kind == "total" and categorical) else ""),
        "estimate": result["est"].astype(float),
        "se": result["se"].astype(float),
        "n": result["n"].astype(int),
    })
    if request.deff and "deff" in result.columns:
        out["deff"] = result["deff"].astype(float)
    df = prepared.df
    if request.kind == "proportion":
        lo, hi = logit_interval(out["estimate"].to_numpy(), out["se"].to_numpy(), df, request.level)
    else:
        lo, hi = t_interval(out["estimate"].to_numpy(), out["se"].to_numpy(), df, request.level)
    out["ci_lower"], out["ci_upper"] = lo, hi
    out["cv"] = coefficient_of_variation(out["estimate"].to_numpy(), out["se"].to_numpy())
    out["df"] = df
    out["obs_status"] = obs_status(out["estimate"].to_numpy(), out["se"].to_numpy(), out["cv"].to_numpy(),
                                   request.thresholds)
    if request.suppress:
        q = out["obs_status"] == "Q"
        out.loc[q, ["estimate", "se", "ci_lower", "ci_upper"]] = np.nan
    out = _with_missing_rows(out, data, request)
    cols = OUTPUT_COLUMNS + (["deff"] if "deff" in out.columns else [])
    table = out[cols].reset_index(drop=True)
    shape = "logit interval" if request.kind == "proportion" else "t interval"
    table.attrs["interval"] = f"design-based {request.level:.0%} CI ({shape}, t on {df} df)"
    table.attrs["design"] = prepared.description
    return table


def _svy_estimate(prepared: PreparedDesign, request: Request, categorical: bool):
    est = prepared.sample.estimation
    kw = dict(by=request.by, method=prepared.method, drop_nulls=True)
    if request.deff and prepared.method == "taylor":
        kw["deff"] = "wor"
    if request.kind == "mean":
        return est.mean(request.variable, **kw)
    if request.kind == "total":
        return est.total(request.variable, as_factor=categorical, **kw)
    if request.kind == "proportion":
        return est.prop(request.variable, **kw)
    return est.ratio(request.variable, request.denominator, **kw)


def _with_missing_rows(out: pd.DataFrame, data: pl.DataFrame, request: Request) -> pd.DataFrame:
    """Add the ``(missing)`` count rows (missing answers per domain; records without a domain)."""
    missing_answer = pl.lit(False)
    for name in request.variables:
        col = pl.col(name)
        miss = col.is_null()
        if data.schema[name] in (pl.Float64, pl.Float32):
            miss = miss | col.is_nan()
        missing_answer = missing_answer | miss
    if request.by:
        counts = (data.lazy().filter(pl.col(request.by).is_not_null())
                  .group_by(request.by).agg(missing_answer.sum().alias("n")).collect().to_pandas())
        counts = dict(zip(counts[request.by].astype(str), counts["n"].astype(int), strict=True))
        no_domain = int(data.select(pl.col(request.by).is_null().sum()).item())
    else:
        counts = {"": int(data.select(missing_answer.sum()).item())}
        no_domain = 0
    domains = list(dict.fromkeys(list(out["domain"]) + sorted(counts)))
    seen = set(out["domain"])
    # a domain in which every answer is missing has no estimate row: an empty one marks it
    empty = [d for d in domains if d not in seen] if request.kind != "proportion" else []
    missing_rows = [(d, MISSING, counts.get(d, 0)) for d in domains]
    if no_domain:
        domains.append(MISSING)
        missing_rows.append((MISSING, MISSING, no_domain))
    blanks = _blank_rows([(d, "", 0) for d in empty] + missing_rows)
    both = pd.concat([out, blanks], ignore_index=True)
    order = {d: i for i, d in enumerate(domains)}
    both["_domain"] = both["domain"].map(order)
    both["_missing"] = (both["category"] == MISSING).astype(int)
    both = both.sort_values(["_domain", "_missing"], kind="stable")
    return both.drop(columns=["_domain", "_missing"]).reset_index(drop=True)


def _blank_rows(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Rows without an estimate (status ``O``): (domain, category, n) each."""
    return pd.DataFrame({
        "domain": [r[0] for r in rows], "category": [r[1] for r in rows],
        "estimate": np.nan, "se": np.nan, "cv": np.nan, "ci_lower": np.nan, "ci_upper": np.nan,
        "df": np.nan, "n": [int(r[2]) for r in rows], "obs_status": "O",
    })
