"""Validation of every write against the reference registries: rules built from them, checked on the columns.

Before a dataset enters the warehouse, its observations are checked against the dataflow registry
(:mod:`corridor.reference.dataflows`) and the codelists (:mod:`corridor.reference.codes`):

* the dataflow is registered;
* every coded column holds codes of its codelist (dimension columns outside the dataflow's key hold
  the total ``_T``; ``method`` is checked against ``METHOD`` everywhere); an empty code is refused;
* the unit is one the dataflow allows;
* a value is present if and only if its status is not a missing status (``O``, ``M``, ``L``, ``Q``):
  missing never passes for a number, and a number never hides behind a missing flag;
* ``lower <= value <= upper`` where bounds are given;
* no negative value, lower or upper bound where the dataflow forbids them (counts of people).

Every rule is checked on every row (not only up to the first failure), and a failure raises
:class:`ValidationError` with one line per broken rule naming the dataset, column, offending codes or values,
the first row (the frame's index label: 0-based position in the frame the adapter produced, or in the whole
dataset for a chunk of it) and how many rows fail. The caller has written nothing yet, so the warehouse is
unchanged.

The rules are plain vectorised pandas and numpy. They were pandera schemas until 5 December 2026: pandera's
import also loaded PySpark's pandas API and hypothesis (about 24 MB of resident memory and 0.6 s in every
command that writes, a tenth of the memory ``corridor flows estimate`` may use: issue 9), for checks that are
each one ``isin`` or one comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from corridor.errors import CorridorError
from corridor.reference.codes import MISSING_STATUSES, codes
from corridor.reference.dataflows import DIMENSION_COLUMNS, Dataflow, dataflow, dataflows


class ValidationError(CorridorError):
    """A write broke a rule of the registries; nothing was written."""


@dataclass(frozen=True)
class CodeRule:
    """A coded column must hold one of ``allowed`` (never empty); ``source`` names where the codes come from."""

    column: str
    source: str
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class FlowRules:
    """What observations of one dataflow must satisfy (see the module docstring)."""

    flow_id: str
    codes: tuple[CodeRule, ...]
    nonnegative: bool


def rules_for(flow: Dataflow) -> FlowRules:
    """The rules observations of ``flow`` must satisfy, from the registries."""
    free = flow.column_codelists()
    rules: list[CodeRule] = []
    for column in DIMENSION_COLUMNS:
        if column == "method":
            rules.append(CodeRule(column, "METHOD", tuple(codes("METHOD"))))
        elif column in free:
            rules.append(CodeRule(column, free[column], tuple(codes(free[column]))))
        else:
            rules.append(CodeRule(column, f"{flow.id} (outside its key: only the total)", ("_T",)))
    rules.append(CodeRule("obs_status", "OBS_STATUS", tuple(codes("OBS_STATUS"))))
    rules.append(CodeRule("conf_status", "CONF_STATUS", tuple(codes("CONF_STATUS"))))
    rules.append(CodeRule("unit_measure", f"the units of {flow.id}", tuple(flow.units)))
    return FlowRules(flow.id, tuple(rules), flow.nonnegative)


@cache
def _rules() -> dict[str, FlowRules]:
    return {flow_id: rules_for(flow) for flow_id, flow in dataflows().items()}


def validate_observations(frame: pd.DataFrame, dataset_id: str) -> None:
    """Check prepared observations (every column present) of one dataset; raise naming every rule broken."""
    flows = pd.unique(frame["dataflow"])
    for flow_id in flows:
        try:
            dataflow(str(flow_id))
        except CorridorError as exc:
            first = int((frame["dataflow"] == flow_id).to_numpy().argmax())
            raise ValidationError(f"dataset {dataset_id} rejected, nothing was written: row {first}, "
                                  f"column 'dataflow': {exc}") from None
    for flow_id in flows:
        part = frame[frame["dataflow"] == flow_id] if len(flows) > 1 else frame
        rules = _rules()[str(flow_id)]
        broken = [*_row_failures(part, rules), *_code_failures(part, rules)]
        if broken:
            raise ValidationError(f"dataset {dataset_id} ({flow_id}) rejected, nothing was written: "
                                  + "; ".join(broken))


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A float column as a numpy array with NaN where it is empty."""
    return frame[column].to_numpy(dtype="float64", na_value=np.nan)


def _row_failures(frame: pd.DataFrame, rules: FlowRules) -> list[str]:
    """One line per broken row rule: the rule, the first row with what it holds there, how many rows."""
    value, lower, upper = (_numbers(frame, c) for c in ("value", "lower", "upper"))
    missing = sorted(MISSING_STATUSES)
    flagged_missing = frame["obs_status"].isin(missing).to_numpy(dtype=bool, na_value=False)
    with np.errstate(invalid="ignore"):  # a comparison with NaN is False: an empty bound is no bound
        checks = [
            (np.isnan(value) != flagged_missing,
             f"value must be empty exactly when OBS_STATUS is a missing status ({', '.join(missing)})"),
            (lower > value, "lower bound above the value"),
            (value > upper, "value above the upper bound"),
            (lower > upper, "lower bound above the upper bound"),
        ]
        if rules.nonnegative:
            checks.append(((value < 0) | (lower < 0) | (upper < 0),
                           f"negative number in {rules.flow_id}, which counts and cannot be negative"))
    lines = []
    for failing, message in checks:
        if failing.any():
            at = frame.index[failing]
            shown = frame.loc[at[0], ["obs_status", "value", "lower", "upper"]].to_dict()
            lines.append(f"row {at[0]}: {message} (there: {shown}); {len(at)} row(s) in all")
    return lines


def _code_failures(frame: pd.DataFrame, rules: FlowRules) -> list[str]:
    """One line per coded column holding a code outside its list (or none): the first row, up to ten of the
    codes, how many rows."""
    lines = []
    for rule in rules.codes:
        column = frame[rule.column]
        empty = column.isna().to_numpy(dtype=bool)
        outside = ~column.isin(rule.allowed).to_numpy(dtype=bool, na_value=False) & ~empty
        for failing, what in ((outside, f"not a code of {rule.source}"), (empty, "empty where a code is required")):
            if failing.any():
                at = frame.index[failing]
                bad = sorted({str(v) for v in column[failing].unique()})
                shown = "" if what.startswith("empty") else f"code(s) {', '.join(repr(b) for b in bad[:10])} "
                lines.append(f"row {at[0]}, column {rule.column!r}: {shown}{what}; {len(at)} row(s) in all")
    return lines
