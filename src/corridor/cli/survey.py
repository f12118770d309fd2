"""``corridor survey``: design-based estimates from survey microdata.

``corridor survey estimate FILE --weights VAR [--strata VAR] [--psu VAR] [--fpc VAR]
[--repweights PATTERN --reptype jk1|jkn|brr|bootstrap] (--proportion VAR | --mean VAR | --total VAR |
--ratio NUM/DEN) [--by VAR] [--format csv]``

Methods, thresholds and the missing-answer rule: ``docs/methods-survey.md``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Literal

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from corridor.errors import InputError
from corridor.estimate.survey import MISSING, OUTPUT_COLUMNS, DesignSpec, Request, Thresholds, estimate, prepare_design
from corridor.estimate.survey.design import DEFAULT_BOOTSTRAP_REPLICATES, DEFAULT_SEED, PreparedDesign
from corridor.estimate.survey.status import CV_SUPPRESS, CV_UNRELIABLE
from corridor.microdata.read import format_of, read_microdata

app = typer.Typer(
    name="survey",
    help="Design-based survey estimates (totals, means, proportions, ratios) with SE, CV, t intervals.",
    no_args_is_help=True,
)


def _request_of(proportion: str | None, mean: str | None, total: str | None, ratio: str | None,
                by: str | None, thresholds: Thresholds, level: float) -> Request:
    given = {k: v for k, v in (("proportion", proportion), ("mean", mean), ("total", total), ("ratio", ratio))
             if v is not None}
    if len(given) != 1:
        raise InputError("give exactly one of --proportion VAR, --mean VAR, --total VAR, --ratio NUM/DEN"
                         + (f" (got {', '.join('--' + k for k in given)})" if given else ""))
    kind, variable = next(iter(given.items()))
    denominator = None
    if kind == "ratio":
        parts = variable.split("/")
        if len(parts) != 2 or not all(parts):
            raise InputError(f"--ratio takes NUMERATOR/DENOMINATOR, got {variable!r}")
        variable, denominator = parts
    return Request(kind, variable, denominator=denominator, by=by, thresholds=thresholds, level=level)


def _read(file: Path, codebook: Path | None, columns: list[str] | None) -> pd.DataFrame:
    return read_microdata(file, codebook=codebook, columns=columns)


def _prepare(frame: pd.DataFrame, spec: DesignSpec, request: Request, file: Path) -> PreparedDesign:
    from corridor.estimate.survey.design import check_columns

    check_columns(frame, [*request.variables, request.by], file=str(file))
    numeric: list[str] = []
    categorical: list[str] = [request.by] if request.by else []
    if request.kind == "proportion":
        categorical.append(request.variable)
    elif request.kind == "total" and not _is_numeric(frame[request.variable]):
        categorical.append(request.variable)  # total of a categorical variable: weighted counts
    else:
        numeric.extend(request.variables)
    row_base = 2 if frame.attrs.get("format", format_of(file)) == "csv" else 1
    return prepare_design(frame, spec, numeric=numeric, categorical=categorical, file=str(file),
                          row_base=row_base)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype)


def _csv(table: pd.DataFrame) -> str:
    out = table[OUTPUT_COLUMNS].copy()
    out["df"] = out["df"].astype("Int64")
    out["n"] = out["n"].astype("Int64")
    return out.to_csv(index=False, float_format="%.12g", lineterminator="\n")


def _fmt(x: float, digits: int = 6) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:,.{digits}g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _human(table: pd.DataFrame, prepared: PreparedDesign, request: Request) -> None:
    """A table for people: one row per estimate, the missing-answer count of its domain beside it."""
    what = f"{request.kind} of {request.variable}"
    if request.denominator:
        what += f" / {request.denominator}"
    t = Table(title=f"{what}" + (f" by {request.by}" if request.by else ""), title_justify="left")
    is_missing = table["category"] == MISSING
    missing = dict(zip(table.loc[is_missing, "domain"], table.loc[is_missing, "n"], strict=True))
    estimates = table[~is_missing]
    show_category = bool((estimates["category"] != "").any())
    columns = ([("domain", "left")] if request.by else []) + ([("category", "left")] if show_category else [])
    for col, justify in (*columns, ("estimate", "right"), ("se", "right"), ("cv %", "right"),
                         ("95% CI from", "right"), ("to", "right"), ("n", "right"), ("missing", "right"),
                         ("status", "center")):
        t.add_column(col, justify=justify, no_wrap=True)
    for row in estimates.itertuples(index=False):
        cv = "" if math.isnan(row.cv) else f"{100 * row.cv:.1f}"
        first = ([str(row.domain)] if request.by else []) + ([str(row.category)] if show_category else [])
        t.add_row(*first, _fmt(row.estimate), _fmt(row.se), cv, _fmt(row.ci_lower), _fmt(row.ci_upper),
                  str(row.n), str(missing.get(row.domain, 0)), row.obs_status)
    console = Console(width=max(Console().width, 132))
    console.print(t)
    th = request.thresholds
    lines = [
        f"Design: {prepared.description}. Intervals: {table.attrs.get('interval', '')}.",
        f"Status: A normal; U low reliability (CV > {100 * th.unreliable:.1f}%); Q suppressed "
        f"(CV > {100 * th.suppress:.1f}%); O no estimate.",
        "missing: records of the domain whose answer is missing; they stay in the design, outside the "
        "estimation domain (docs/methods-survey.md).",
    ]
    if MISSING in missing:
        lines.append(f"{missing[MISSING]} record(s) have no {request.by} value and belong to no domain.")
    lines += [f"Note: {note}" for note in prepared.notes]
    console.print("\n".join(lines), highlight=False)


@app.command("estimate")
def estimate_command(
    file: Path = typer.Argument(..., help="Microdata file (CSV, Parquet, SPSS, Stata, IPUMS, R data)."),
    weights: str = typer.Option(..., "--weights", help="Full-sample weight variable."),
    strata: str | None = typer.Option(None, "--strata", help="Stratum variable."),
    psu: str | None = typer.Option(None, "--psu", help="Primary sampling unit (cluster) variable."),
    fpc: str | None = typer.Option(None, "--fpc", help="Finite population correction: population PSUs per "
                                   "stratum, or sampling fraction (R svydesign fpc=)."),
    repweights: str | None = typer.Option(None, "--repweights", help="Replicate-weight columns: a glob "
                                          "(PWGTP*) or re:REGEX."),
    reptype: str | None = typer.Option(None, "--reptype", help="jk1, jkn, brr or bootstrap: how the given "
                                       "replicates were made, or which to create from the design."),
    fay_rho: float = typer.Option(0.0, "--fay-rho", help="Fay coefficient for BRR."),
    rep_scale: float | None = typer.Option(None, "--rep-scale", help="Replicate variance constant from the "
                                           "file's documentation (replaces the method default)."),
    replicates: int = typer.Option(DEFAULT_BOOTSTRAP_REPLICATES, "--replicates",
                                   help="Bootstrap replicates to create."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed for created bootstrap replicates."),
    proportion: str | None = typer.Option(None, "--proportion", help="Proportion of each category of VAR."),
    mean: str | None = typer.Option(None, "--mean", help="Mean of VAR."),
    total: str | None = typer.Option(None, "--total", help="Total of VAR (weighted counts if categorical)."),
    ratio: str | None = typer.Option(None, "--ratio", help="Ratio of totals NUM/DEN."),
    by: str | None = typer.Option(None, "--by", help="Domain variable (design domains, no rows dropped)."),
    output_format: Literal["csv"] | None = typer.Option(None, "--format", help="csv (default: a table for people)."),
    cv_unreliable: float = typer.Option(CV_UNRELIABLE, "--cv-unreliable", help="CV above which status is U."),
    cv_suppress: float = typer.Option(CV_SUPPRESS, "--cv-suppress", help="CV above which status is Q."),
    codebook: Path | None = typer.Option(None, "--codebook", help="DDI codebook of an IPUMS file."),
) -> None:
    """Estimate a total, mean, proportion or ratio with SE, CV, 95% t interval, n and status."""
    if output_format not in (None, "csv"):
        raise InputError(f"unknown --format {output_format!r}; use csv (or omit for a table)")
    try:
        thresholds = Thresholds(cv_unreliable, cv_suppress)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    request = _request_of(proportion, mean, total, ratio, by, thresholds, 0.95)
    spec = DesignSpec(weights=weights, strata=strata, psu=psu, fpc=fpc, repweights=repweights,
                      reptype=reptype, fay_rho=fay_rho, rep_scale=rep_scale, replicates=replicates, seed=seed)
    columns = None
    if repweights is None:  # read only what is needed; unknown names are reported with the available ones
        columns = list(dict.fromkeys(c for c in (weights, strata, psu, fpc, *request.variables, by) if c))
    frame = _read(file, codebook, columns)
    prepared = _prepare(frame, spec, request, file)
    table = estimate(prepared, request)
    if output_format == "csv":
        sys.stdout.write(_csv(table))
        for note in prepared.notes:
            print(f"note: {note}", file=sys.stderr)
    else:
        _human(table, prepared, request)
