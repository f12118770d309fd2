"""Derived migration measures from microdata, each with the concept it measures.

Every measure is a yes/no indicator per person built from one core topic, tabulated through the same
Ibis path as :func:`corridor.microdata.tabulate.tabulate` (DuckDB or Spark) by any disaggregation
(sex, ``age_group``, education, ``occupation_major``, ...). The result says, per group, how many
people have the attribute (``n`` records, ``estimate`` weighted) out of how many answered the
question (``population_n``, ``population``), and the ``share``.

=============================  =================================  ========  ==================================
measure (= concept id)         built from                         kind      definition
=============================  =================================  ========  ==================================
``foreign_born``               country_of_birth (topic A)         stock     born outside the country: birth
                                                                            code not in the ``home`` codes
``foreign_citizen``            citizenship (topic D)              stock     citizenship code not in ``home``
``recent_arrival_1y``          year_of_arrival (E), else          inflow    arrived in the reference year or
                               duration_of_residence (B)                    the year before (``T-1 <= year <=
                                                                            T``), or duration < 1 year
``recent_arrival_5y``          same                               inflow    ``T-5 <= year <= T``, or
                                                                            duration < 5 years
``residence_abroad_past_date`` residence_past_date (topic C)      inflow    lived abroad at the past date (the
                                                                            ``abroad`` codes)
=============================  =================================  ========  ==================================

Concepts follow UN Recommendations on Statistics of International Migration, Rev. 1 (1998) and the
UN Principles and Recommendations for Population and Housing Censuses, Rev. 2 (2008), para. 2.136-2.150:
the foreign-born and foreign-citizen stocks are different populations and are never merged; recent
arrivals and residence abroad one/five years earlier are the census proxies for immigration flows.
A year of arrival gives calendar years only, so a 1-year window covers two calendar years (stated).
Records that did not answer the question (missing value, or a code whose value label says NIU /
not in universe / unknown / not stated, e.g. IPUMS MIGRATE1 0 "NIU" for infants) are excluded from
``population`` and counted apart in ``missing_n``, never treated as "no".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from corridor.errors import InputError
from corridor.microdata.tabulate import finish, group_keys, suppress, tabulation_expr, weight_column
from corridor.microdata.variables import VariableMap

ABROAD_LABEL = re.compile(r"abroad|foreign country|outside (the )?(country|us|united states)", re.I)
#: value labels that mean "no answer" (IPUMS "NIU" = not in universe, "Unknown", "Not stated", ...)
NO_ANSWER_LABEL = re.compile(r"^niu\b|not in universe|^unknown|not stated|^missing|no answer", re.I)


@dataclass(frozen=True)
class MeasureOptions:
    """What the codes mean: ``home`` codes per role (``{"citizenship": ["AT"]}``), ``abroad`` codes for
    the residence at a past date, the census reference year for arrivals, and value labels (used to
    find the ``abroad`` codes when they are not given, e.g. IPUMS MIGRATE1 6 "Abroad")."""

    home: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    abroad: Sequence[Any] | None = None
    reference_year: int | None = None
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    no_answer: Mapping[str, Sequence[Any]] | None = None


@dataclass(frozen=True)
class Measure:
    id: str
    concept: str
    kind: str
    roles: tuple[str, ...]
    description: str
    indicator: Callable[[Any, VariableMap, MeasureOptions], tuple[Any, Any]]
    """returns (has the attribute, answered the question) as Ibis boolean expressions"""


def _home(opts: MeasureOptions, role: str) -> list[Any]:
    codes = list(opts.home.get(role, []))
    if not codes:
        raise InputError(f"say which {role} codes mean this country (home codes for {role})")
    return codes


def no_answer_codes(var: str, opts: MeasureOptions) -> list[Any]:
    """Codes of ``var`` meaning "no answer": given in ``opts.no_answer``, else found from the value
    labels (IPUMS ``NIU``, ``Unknown``)."""
    if opts.no_answer is not None:
        return list(opts.no_answer.get(var, []))
    labels = opts.value_labels.get(var, {})
    return [code for code, label in labels.items() if NO_ANSWER_LABEL.search(str(label))]


def _answered(t: Any, var: str, opts: MeasureOptions) -> Any:
    col = t[var]
    codes = no_answer_codes(var, opts)
    return col.notnull() & ~col.isin(_typed(col, codes)) if codes else col.notnull()


def _foreign(role: str) -> Callable[[Any, VariableMap, MeasureOptions], tuple[Any, Any]]:
    def indicator(t: Any, vm: VariableMap, opts: MeasureOptions) -> tuple[Any, Any]:
        col = t[vm[role]]
        codes = _typed(col, _home(opts, role))
        answered = _answered(t, vm[role], opts)
        return answered & ~col.isin(codes), answered

    return indicator


def _typed(col: Any, codes: Sequence[Any]) -> list[Any]:
    """Codes converted to the column's type (``"6"`` -> ``6`` for an integer column)."""
    if col.type().is_integer():
        return [int(float(c)) for c in codes]
    if col.type().is_floating():
        return [float(c) for c in codes]
    return [str(c) for c in codes]


def _recent(years: int) -> Callable[[Any, VariableMap, MeasureOptions], tuple[Any, Any]]:
    def indicator(t: Any, vm: VariableMap, opts: MeasureOptions) -> tuple[Any, Any]:
        if "year_of_arrival" in vm:
            if opts.reference_year is None:
                raise InputError("recent arrivals need the census reference year")
            y = t[vm["year_of_arrival"]].cast("int64")
            answered = _answered(t, vm["year_of_arrival"], opts) & (y > 0)
            ref = opts.reference_year
            return answered & (y >= ref - years) & (y <= ref), answered
        if "duration_of_residence" in vm:
            d = t[vm["duration_of_residence"]].cast("float64")
            answered = _answered(t, vm["duration_of_residence"], opts) & (d >= 0)
            return answered & (d < years), answered
        raise InputError("recent arrivals need year_of_arrival or duration_of_residence in --map")

    return indicator


def abroad_codes(var: str, opts: MeasureOptions) -> list[Any]:
    """The codes meaning "abroad": given, else every value label matching abroad/foreign country."""
    if opts.abroad is not None:
        return list(opts.abroad)
    labels = opts.value_labels.get(var, {})
    codes = [code for code, label in labels.items() if ABROAD_LABEL.search(str(label))]
    if not codes:
        raise InputError(f"no value label of {var} says 'abroad': give the abroad codes")
    return codes


def _abroad(t: Any, vm: VariableMap, opts: MeasureOptions) -> tuple[Any, Any]:
    var = vm["residence_past_date"]
    col = t[var]
    answered = _answered(t, var, opts)
    return answered & col.isin(_typed(col, abroad_codes(var, opts))), answered


#: measure id -> definition (the id is also the concept id of the concept registry)
MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure("foreign_born", "foreign_born", "stock", ("country_of_birth",),
                "persons born outside the country", _foreign("country_of_birth")),
        Measure("foreign_citizen", "foreign_citizen", "stock", ("citizenship",),
                "persons without the country's citizenship", _foreign("citizenship")),
        Measure("recent_arrival_1y", "recent_arrival_1y", "inflow", ("year_of_arrival",),
                "persons who arrived in the last year", _recent(1)),
        Measure("recent_arrival_5y", "recent_arrival_5y", "inflow", ("year_of_arrival",),
                "persons who arrived in the last five years", _recent(5)),
        Measure("residence_abroad_past_date", "residence_abroad_past_date", "inflow",
                ("residence_past_date",), "persons who lived abroad at the past date", _abroad),
    )
}


def derive(
    table: Any,
    measure: str,
    varmap: VariableMap,
    *,
    by: Sequence[str] = (),
    weight: str | None = None,
    options: MeasureOptions | None = None,
    min_cell: int | None = None,
    file: str | None = None,
    unweighted: bool = False,
) -> pd.DataFrame:
    """Tabulate a derived measure by ``by`` on an Ibis table (any engine).

    Without a weight (or with ``unweighted``) the result counts records only: ``n``,
    ``population_n``, ``share`` = ``n / population_n``, no ``estimate`` or ``population``, and
    ``attrs["weighting"] == "unweighted"``.

    Columns: ``measure``, ``concept``, the ``by`` variables, ``n``, ``estimate`` (persons with the
    attribute; weighted when a weight is given), ``population_n``, ``population`` (persons who
    answered the question), ``share`` (estimate / population), ``missing_n`` (records with no answer),
    ``obs_status``, ``conf_status``. ``min_cell`` suppresses on ``n`` as in :func:`tabulate`.
    """
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; measures: {', '.join(MEASURES)}")
    m = MEASURES[measure]
    for role in m.roles:
        if role not in varmap and not (role == "year_of_arrival" and "duration_of_residence" in varmap):
            raise InputError(f"{measure} needs the role {role!r}: add {role}=VARIABLE to --map", file=file)
    opts = options or MeasureOptions()
    has, answered = m.indicator(table, varmap, opts)
    by = list(by)
    keys, labels = group_keys(table, by, varmap, file=file)
    if unweighted and weight is not None:
        raise InputError("--weight and --unweighted contradict each other: choose one", file=file)
    w = None if unweighted else weight_column(table, weight, varmap, file=file)
    weighted = w is not None
    num = finish(tabulation_expr(table, keys, w, has).to_pandas(), by, labels, weighted)
    den = finish(tabulation_expr(table, keys, w, answered).to_pandas(), by, labels, weighted)
    tot = finish(tabulation_expr(table, keys, None, None).to_pandas(), by, labels, False)
    # unweighted: counts of records only (no estimate, no population; share = n / population_n)
    values = ["n", "estimate"] if weighted else ["n"]
    population = ["population_n", "population"] if weighted else ["population_n"]
    den = den.rename(columns=dict(zip(values, population, strict=True)))[[*by, *population]]
    out = tot.rename(columns={"n": "records"})[[*by, "records"]]
    out = out.merge(den, on=by, how="left") if by else pd.concat([out, den], axis=1)
    num = num[[*by, *values]]
    out = out.merge(num, on=by, how="left") if by else pd.concat([out, num], axis=1)
    out[["population_n", "n"]] = out[["population_n", "n"]].fillna(0).astype("int64")
    if weighted:
        out[["population", "estimate"]] = out[["population", "estimate"]].fillna(0.0)
    out["missing_n"] = out["records"] - out["population_n"]
    out["share"] = (out[values[-1]] / out[population[-1]]).where(out[population[-1]] > 0)
    out["obs_status"] = "A"
    out["conf_status"] = "F"
    out.insert(0, "concept", m.concept)
    out.insert(0, "measure", m.id)
    out = out[["measure", "concept", *by, *values, *population, "share", "missing_n", "obs_status",
               "conf_status"]]
    if min_cell is not None:
        out = suppress(out, by=by, min_cell=min_cell)
        hidden = out["conf_status"] != "F"
        out["share"] = out["share"].astype("Float64")
        out.loc[hidden, "share"] = pd.NA
    out = out.reset_index(drop=True)
    out.attrs["weighting"] = "weighted" if weighted else "unweighted"
    return out
