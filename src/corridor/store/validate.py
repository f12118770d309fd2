"""Validation of every write against the reference registries (pandera schemas built from them).

Before a dataset enters the warehouse, its observations are checked against the dataflow registry
(:mod:`corridor.reference.dataflows`) and the codelists (:mod:`corridor.reference.codes`):

* the dataflow is registered;
* every coded column holds codes of its codelist (dimension columns outside the dataflow's key hold
  the total ``_T``; ``method`` is checked against ``METHOD`` everywhere);
* the unit is one the dataflow allows;
* a value is present if and only if its status is not a missing status (``O``, ``M``, ``L``, ``Q``):
  missing never passes for a number, and a number never hides behind a missing flag;
* ``lower <= value <= upper`` where bounds are given;
* no negative value, lower or upper bound where the dataflow forbids them (counts of people).

A failure raises :class:`ValidationError` naming the dataset, column, offending code or value, the
first row (0-based position in the frame the adapter produced) and how many rows fail; the caller
has written nothing yet, so the warehouse is unchanged.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from corridor.errors import CorridorError
from corridor.reference.codes import MISSING_STATUSES, codes
from corridor.reference.dataflows import DIMENSION_COLUMNS, Dataflow, dataflow, dataflows


class ValidationError(CorridorError):
    """A write broke a rule of the registries; nothing was written."""


def _isin(column: str, codelist: str, allowed: list[str]) -> pa.Column:
    return pa.Column(str, pa.Check.isin(allowed, error=f"not a code of {codelist}"), nullable=False,
                     coerce=False, name=column)


def schema_for(flow: Dataflow) -> pa.DataFrameSchema:
    """The pandera schema observations of ``flow`` must satisfy (see the module docstring)."""
    free = flow.column_codelists()
    columns: dict[str, pa.Column] = {}
    for column in DIMENSION_COLUMNS:
        if column == "method":
            columns[column] = _isin(column, "METHOD", list(codes("METHOD")))
        elif column in free:
            columns[column] = _isin(column, free[column], list(codes(free[column])))
        else:
            columns[column] = _isin(column, f"{flow.id} (outside its key: only the total)", ["_T"])
    columns["obs_status"] = _isin("obs_status", "OBS_STATUS", list(codes("OBS_STATUS")))
    columns["conf_status"] = _isin("conf_status", "CONF_STATUS", list(codes("CONF_STATUS")))
    columns["unit_measure"] = _isin("unit_measure", f"the units of {flow.id}", list(flow.units))
    missing = sorted(MISSING_STATUSES)
    checks = [
        pa.Check(lambda d: d["value"].isna() == d["obs_status"].isin(missing), ignore_na=False,
                 name="value_iff_status",
                 error=f"value must be empty exactly when OBS_STATUS is a missing status ({', '.join(missing)})"),
        pa.Check(lambda d: ~(d["lower"] > d["value"]), ignore_na=False, name="lower_le_value",
                 error="lower bound above the value"),
        pa.Check(lambda d: ~(d["value"] > d["upper"]), ignore_na=False, name="value_le_upper",
                 error="value above the upper bound"),
        pa.Check(lambda d: ~(d["lower"] > d["upper"]), ignore_na=False, name="lower_le_upper",
                 error="lower bound above the upper bound"),
    ]
    if flow.nonnegative:
        checks.append(pa.Check(
            lambda d: ~((d["value"] < 0) | (d["lower"] < 0) | (d["upper"] < 0)), ignore_na=False,
            name="nonnegative", error=f"negative number in {flow.id}, which counts and cannot be negative"))
    return pa.DataFrameSchema(columns, checks=checks, strict=False, name=flow.id)


def _schemas() -> dict[str, pa.DataFrameSchema]:
    cached = _schemas.__dict__.get("cache")
    if cached is None:
        cached = {flow_id: schema_for(flow) for flow_id, flow in dataflows().items()}
        _schemas.__dict__["cache"] = cached
    return cached


def validate_observations(frame: pd.DataFrame, dataset_id: str) -> None:
    """Check prepared observations (every column present) of one dataset; raise on the first rule broken."""
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
        try:
            _schemas()[str(flow_id)].validate(part, lazy=True)
        except SchemaErrors as exc:
            raise ValidationError(_message(exc.failure_cases, dataset_id, str(flow_id), frame)) from None


def _message(cases: pd.DataFrame, dataset_id: str, flow_id: str, frame: pd.DataFrame) -> str:
    """One line per broken rule: column and codes (column rules) or values (row rules), first row, count."""
    lines = []
    row_rules = cases["schema_context"] == "DataFrameSchema"
    for check, group in cases[row_rules].groupby("check", sort=False):
        rows = sorted({int(i) for i in group["index"].dropna()})
        shown = frame.loc[rows[0], ["obs_status", "value", "lower", "upper"]].to_dict()
        lines.append(f"row {rows[0]}: {check} (there: {shown}); {len(rows)} row(s) in all")
    for (column, check), group in cases[~row_rules].groupby(["column", "check"], sort=False):
        rows = sorted({int(i) for i in group["index"].dropna()})
        where = f"row {rows[0]}" if rows else "rows"
        bad = sorted({str(v) for v in group["failure_case"]})
        lines.append(f"{where}, column {column!r}: code(s) {', '.join(repr(b) for b in bad[:10])} "
                     f"{check}; {len(rows)} row(s) in all")
    return f"dataset {dataset_id} ({flow_id}) rejected, nothing was written: " + "; ".join(lines)
