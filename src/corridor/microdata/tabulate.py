"""Tabulate microdata: one Ibis expression, run unchanged on DuckDB or Spark.

:func:`tabulate` groups a table by the requested variables and counts records (``n``) and the
weighted count (``estimate``: the sum of the weights, or ``n`` without weights). Everything heavy is
done by the engine; only the (small) aggregated table comes back to pandas, where group keys are
written as codes:

- a plain variable: its value as text (whole numbers without a decimal point);
- *virtual* variables computed from mapped roles (:data:`VIRTUAL`): ``age_group`` (5-year groups
  ``Y0T4`` .. ``Y95T99``, ``Y100T_``), ``age_group_broad`` (``Y_LT15``, ``Y15T24``, ``Y25T64``,
  ``Y_GE65``), ``age_group_child`` (``Y_LT18``, ``Y_GE18``), ``period_of_arrival`` (5-year periods
  ``2015-2019``), ``occupation_major`` (ISCO-08 major group ``0``..``9``). Groups are formed on
  integers inside the engine (``age // 5 * 5``) and labelled afterwards, so they cost no string work
  per record;
- a missing value (not stated, not asked, or an impossible age below 0) is the code ``_U`` and is
  kept as its own row: records are never dropped, so the rows add up to the file's total.

Cells are then passed to disclosure control when ``min_cell`` is given
(:func:`corridor.disclose.tables.suppress`: primary minimum-frequency and secondary suppression of
this one table; a failure there is fatal, there is no weaker fallback). A suppressed cell loses its
``n`` and its ``estimate`` (NA, ``obs_status`` ``Q``) and keeps its ``conf_status``. The command line
does not use this per-table path: ``corridor microdata tabulate --min-cell`` is a release, protected
with its margins and with every table released before from the same file, and audited
(:mod:`corridor.microdata.release`). Unweighted tables have no ``estimate`` column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from corridor.disclose.tables import suppress as disclose_suppress
from corridor.errors import InputError
from corridor.microdata.variables import VariableMap

MISSING = "_U"
OUTPUT_COLUMNS = ("n", "estimate", "obs_status", "conf_status")


@dataclass(frozen=True)
class Virtual:
    """A grouping variable computed from a mapped role: an integer key in the engine, a label after."""

    role: str
    key: Callable[[Any], Any]
    label: Callable[[Any], str]
    doc: str


def _age5_key(age: Any) -> Any:
    a = age.cast("int64")
    return ibis.cases((a < 0, ibis.null("int64")), (a >= 100, 100), else_=(a // 5) * 5)


def _age5_label(lo: Any) -> str:
    lo = int(lo)
    return "Y100T_" if lo >= 100 else f"Y{lo}T{lo + 4}"


_BROAD = {0: "Y_LT15", 1: "Y15T24", 2: "Y25T64", 3: "Y_GE65"}


def _broad_key(age: Any) -> Any:
    a = age.cast("int64")
    return ibis.cases((a < 0, ibis.null("int64")), (a < 15, 0), (a < 25, 1), (a < 65, 2), else_=3)


def _child_key(age: Any) -> Any:
    a = age.cast("int64")
    return ibis.cases((a < 0, ibis.null("int64")), (a < 18, 0), else_=1)


def _period_key(year: Any) -> Any:
    y = year.cast("int64")
    return ibis.cases((y <= 0, ibis.null("int64")), else_=(y // 5) * 5)


def _occupation_key(code: Any) -> Any:
    # first digit of the ISCO-08 code as written (text), so "0110" (armed forces) stays in group 0
    text = code.cast("string")
    return ibis.cases((text.length() == 0, ibis.null("string")), else_=text.substr(0, 1))


#: virtual variable name -> how to compute and label it
VIRTUAL: dict[str, Virtual] = {
    "age_group": Virtual("age", _age5_key, _age5_label, "5-year age groups Y0T4 .. Y95T99, Y100T_"),
    "age_group_broad": Virtual("age", _broad_key, lambda k: _BROAD[int(k)],
                               "Y_LT15, Y15T24, Y25T64, Y_GE65"),
    "age_group_child": Virtual("age", _child_key, lambda k: ("Y_LT18", "Y_GE18")[int(k)], "Y_LT18, Y_GE18"),
    "period_of_arrival": Virtual("year_of_arrival", _period_key, lambda k: f"{int(k)}-{int(k) + 4}",
                                 "5-year periods of arrival, 2015-2019"),
    "occupation_major": Virtual("occupation", _occupation_key, str, "ISCO-08 major group 0..9"),
}


def code_text(value: Any) -> str:
    """A group key written as a code: whole numbers without ``.0``, missing as ``_U``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def group_keys(
    table: Any, by: Sequence[str], varmap: VariableMap, *, file: str | None = None
) -> tuple[dict[str, Any], dict[str, Callable[[Any], str]]]:
    """Ibis key expressions and labellers for the ``by`` names (role, virtual or file variable)."""
    keys: dict[str, Any] = {}
    labels: dict[str, Callable[[Any], str]] = {}
    columns = list(table.columns)
    for name in by:
        if name in keys:
            raise InputError(f"--by names {name!r} twice")
        if name in VIRTUAL:
            v = VIRTUAL[name]
            var = varmap.get(v.role)
            if var is None:
                if v.role in columns:
                    var = v.role
                else:
                    raise InputError(f"{name} needs the role {v.role!r}: add {v.role}=VARIABLE to --map",
                                     file=file)
            _require(var, columns, file, role=v.role)
            keys[name] = v.key(table[var])
            labels[name] = v.label
            continue
        var = varmap.resolve(name)
        _require(var, columns, file, role=name if name != var else None)
        keys[name] = table[var]
        labels[name] = str
    return keys, labels


def _require(var: str, columns: list[str], file: str | None, role: str | None = None) -> None:
    if var not in columns:
        what = f"variable {var!r}" + (f" (mapped to {role})" if role else "")
        raise InputError(
            f"{what} is not in the file; available: {', '.join(columns)}; "
            f"virtual: {', '.join(VIRTUAL)}",
            file=file,
        )


def needed_columns(by: Sequence[str], varmap: VariableMap, weight: str | None = None,
                   roles: Sequence[str] = ()) -> list[str]:
    """The file variables a tabulation reads (so readers that load into memory read only these)."""
    names = [VIRTUAL[b].role if b in VIRTUAL else b for b in by]
    names += list(roles)
    w = weight if weight is not None else varmap.get("weight")
    if w is not None:
        names.append(w)
    out: list[str] = []
    for name in names:
        var = varmap.resolve(name)
        if var not in out:
            out.append(var)
    return out


def weight_column(table: Any, weight: str | None, varmap: VariableMap, *, file: str | None = None) -> Any:
    """The weight expression (``--weight`` names a role or a variable; default the mapped ``weight``)."""
    name = weight if weight is not None else varmap.get("weight")
    if name is None:
        return None
    var = varmap.resolve(name)
    _require(var, list(table.columns), file, role="weight")
    return table[var].cast("float64")


def tabulation_expr(table: Any, keys: dict[str, Any], weight: Any = None, condition: Any = None) -> Any:
    """The Ibis expression: ``GROUP BY keys`` with ``n`` (records) and ``estimate`` (sum of weights).

    ``condition`` (a boolean expression) restricts the records counted; it is used by the derived
    measures. This is the one code path every engine runs.
    """
    if condition is not None:
        table = table.filter(condition)
    metrics = {"n": table.count()}
    if weight is not None:
        metrics["estimate"] = weight.sum()
        metrics["weighted_n"] = weight.count()  # records with a weight (checked by finish)
    return table.group_by(**keys).aggregate(**metrics) if keys else table.aggregate(**metrics)


def finish(raw: pd.DataFrame, by: Sequence[str], labels: dict[str, Callable[[Any], str]],
           weighted: bool) -> pd.DataFrame:
    """Order by the raw keys (missing last), write keys as codes, add statuses.

    Unweighted, the table has ``n`` (records) and no ``estimate``: a count of sample records is never
    presented as a count of persons.

    A weighted table whose records do not all have a weight is refused (a missing weight would
    silently drop persons from the estimate while keeping them in ``n``).
    """
    if weighted and "weighted_n" in raw and int(raw["n"].sum()) != int(raw["weighted_n"].sum()):
        lacking = int(raw["n"].sum()) - int(raw["weighted_n"].sum())
        raise InputError(f"{lacking} record(s) have no weight: fix the weight variable or tabulate unweighted")
    df = raw.sort_values(list(by), na_position="last", kind="mergesort").reset_index(drop=True) if by else raw
    out = pd.DataFrame(index=df.index)
    for name in by:  # label each distinct key once (results can have 10^5 rows)
        col = df[name]
        label = labels[name] if labels[name] is not str else code_text
        codes = {v: (MISSING if pd.isna(v) else label(v)) for v in pd.unique(col.dropna())}
        out[name] = col.map(codes).fillna(MISSING).astype(object)
    out["n"] = df["n"].astype("int64")
    if weighted:  # an unweighted table has no estimate column: n counts records, never persons
        out["estimate"] = df["estimate"].astype("float64")
    out["obs_status"] = "A"
    out["conf_status"] = "F"
    return out


def tabulate(
    table: Any,
    by: Sequence[str],
    varmap: VariableMap | None = None,
    *,
    weight: str | None = None,
    min_cell: int | None = None,
    condition: Any = None,
    file: str | None = None,
    unweighted: bool = False,
) -> pd.DataFrame:
    """Tabulate an Ibis ``table`` by ``by``: columns ``by..., n, estimate, obs_status, conf_status``.

    ``weight`` names a role or variable (default: the mapped ``weight`` role, else unweighted; with
    ``unweighted`` the mapped weight is ignored). Unweighted tables have no ``estimate`` column and
    ``attrs["weighting"] == "unweighted"``. ``min_cell`` applies per-table disclosure control (see
    :func:`suppress`); releases protect linked tables together (:mod:`corridor.microdata.release`).
    """
    varmap = varmap or VariableMap({})
    keys, labels = group_keys(table, by, varmap, file=file)
    if unweighted and weight is not None:
        raise InputError("--weight and --unweighted contradict each other: choose one", file=file)
    w = None if unweighted else weight_column(table, weight, varmap, file=file)
    raw = tabulation_expr(table, keys, w, condition).to_pandas()
    out = finish(raw, list(by), labels, weighted=w is not None)
    if min_cell is not None:
        out = suppress(out, by=list(by), min_cell=min_cell)
    out.attrs["weighting"] = "weighted" if w is not None else "unweighted"
    return out


def weight_candidates(columns: Sequence[str], labels: dict[str, str] | None = None) -> list[str]:
    """The file's variables that look like weights (well-known names such as RB050, ASECWT, PERWT, or a
    label mentioning a weight): an unweighted table of such a file is flagged, never silent."""
    from corridor.microdata.variables import suggest_roles

    return [v for v, role in suggest_roles(columns, labels).items() if role == "weight"]


def add_labels(table: pd.DataFrame, by: Sequence[str], varmap: VariableMap,
               value_labels: dict[str, dict[Any, str]] | None = None,
               isco: dict[str, str] | None = None) -> pd.DataFrame:
    """Insert ``<by>_label`` after each ``by`` column: the codebook's value label of each code.

    Labels come from the file's codebook (IPUMS DDI, SPSS/Stata value labels); ``occupation`` and
    ``occupation_major`` take ISCO-08 titles (``isco``: code -> title, major groups as ``d000``).
    Codes without a label get an empty label.
    """
    out = table.copy()
    value_labels = value_labels or {}
    for name in reversed(list(by)):
        var = varmap.resolve(name)
        if name == "occupation_major" and isco is not None:
            lookup = {str(int(c[0])): t for c, t in isco.items() if c.endswith("000")}
        elif name in VIRTUAL:
            continue
        elif name == "occupation" and isco is not None:
            lookup = {k.lstrip("0") or "0": v for k, v in isco.items()}
        else:
            lookup = {code_text(k): v for k, v in value_labels.get(var, {}).items()}
        codes = out[name]
        if name == "occupation":  # ISCO codes written with or without leading zeros
            codes = codes.map(lambda c: "" if c == MISSING else str(c).lstrip("0") or "0")
        out.insert(out.columns.get_loc(name) + 1, f"{name}_label", codes.map(lookup).fillna(""))
    return out


def suppress(table: pd.DataFrame, *, by: list[str], min_cell: int) -> pd.DataFrame:
    """Disclosure control for a tabulation: :func:`corridor.disclose.tables.suppress`.

    Primary minimum-frequency suppression (``0 < n < min_cell`` is ``conf_status`` ``A``) and
    secondary suppression (``D``) so that no primary cell can be recovered from the margins. A failure
    of the disclosure step is fatal: nothing is returned, so nothing unprotected can be published.
    Suppressed estimates become NA with ``obs_status`` ``Q``.
    """
    if min_cell < 1:
        raise InputError(f"--min-cell must be at least 1 (got {min_cell})")
    value = "estimate" if "estimate" in table.columns else "n"
    out = disclose_suppress(table, by=by, count="n", value=value, min_cell=min_cell).copy()
    hidden = out["conf_status"].isin(["A", "C", "D", "S"])
    out[value] = out[value].astype("Float64" if value == "estimate" else "Int64")
    out.loc[hidden, value] = pd.NA
    out.loc[hidden, "obs_status"] = "Q"
    return out
