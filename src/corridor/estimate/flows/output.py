"""The tidy CSV outputs of a flow estimate, written with the ``csv`` module's quoting (no pandas on the file
path): the same bytes ``pandas.DataFrame.to_csv(index=False)`` writes for these tables (floats as their
shortest round-trip text, a missing number as an empty field).

* flows: ``origin,destination,flow,lower,upper,interval,status,margin_error`` (every ordered pair of
  different areas), or with ``birthplace`` first (the non-zero flows by place of birth); ``lower``/``upper``
  are the calibrated interval of :mod:`corridor.estimate.flows.intervals` and ``interval`` its sentence;
* the demographic account: ``birthplace,origin,destination,value`` (:meth:`FlowResult.account_frame`'s rows).

Each row is built as text from columns of pre-quoted labels and float texts: a label or a sentence is
quoted once, not once per row (the interval sentence, ~330 characters, is on every one of the 39 402 rows of
a 199-area table).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from corridor.estimate.flows.intervals import flow_interval
from corridor.estimate.flows.result import BIRTH, DEATH, OUTSIDE, FlowResult
from corridor.estimate.flows.tables import StockTables

FLOW_COLUMNS = ("origin", "destination", "flow", "lower", "upper", "interval", "status", "margin_error")
ACCOUNT_COLUMNS = ("birthplace", "origin", "destination", "value")


def quoted(text: str) -> str:
    """``text`` as a field of a CSV row (the ``csv`` module's minimal quoting, as pandas writes it)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([text, ""])
    return buffer.getvalue()[:-2]


def _floats(values: np.ndarray) -> list[str]:
    """Shortest round-trip text of each float (``repr``); NaN as an empty field."""
    out = list(map(repr, values.tolist()))
    if np.isnan(values).any():
        out = ["" if math.isnan(v) else t for v, t in zip(values.tolist(), out, strict=True)]
    return out


def _texts(labels: np.ndarray) -> list[str]:
    """Quoted text of an object array holding few distinct strings (quoted once each)."""
    seen: dict = {}
    return [seen[t] if t in seen else seen.setdefault(t, quoted(str(t))) for t in labels.tolist()]


def write_rows(path: str | Path, header: Sequence[str], columns: Iterable[list[str]]) -> None:
    """Write ``header`` and the rows made of ``columns`` (lists of ready field texts) to ``path``."""
    lines = [",".join(fields) for fields in zip(*columns, strict=True)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        if lines:
            handle.write("\n".join(lines))
            handle.write("\n")


def write_flows(path: str | Path, result: FlowResult, tables: StockTables, *, by_birthplace: bool = False) -> list[str]:
    """Write the flows of ``result`` with their calibrated interval (see the module docstring); returns the
    distinct interval sentences, in order of first appearance, for the caller to print."""
    iv = flow_interval(tables, result, by_birthplace=by_birthplace)
    labels = [quoted(a) for a in result.areas]
    if by_birthplace:
        b, o, d = result.bp_birthplace, result.bp_origin, result.bp_destination
        flow, lower, upper, text = result.bp_flow, iv.bp_lower, iv.bp_upper, iv.bp_text
        first = [[labels[i] for i in b.tolist()]]
    else:
        n = len(result.areas)
        o, d = np.nonzero(~np.eye(n, dtype=bool))
        flow, lower, upper, text = result.od[o, d], iv.lower[o, d], iv.upper[o, d], iv.text[o, d]
        first = []
    rows = flow.size
    margin = "" if result.margin_error is None else repr(result.margin_error)
    columns = [*first, [labels[i] for i in o.tolist()], [labels[i] for i in d.tolist()], _floats(flow),
               _floats(lower), _floats(upper), _texts(text), [quoted(result.status)] * rows, [margin] * rows]
    write_rows(path, ("birthplace", *FLOW_COLUMNS) if by_birthplace else FLOW_COLUMNS, columns)
    return list(dict.fromkeys(text.tolist()))


def write_account(path: str | Path, result: FlowResult) -> None:
    """Write the demographic account of ``result`` (rows in the order of
    :meth:`~corridor.estimate.flows.result.FlowResult.account_frame`)."""
    if not result.has_account:
        raise ValueError(f"method {result.method} has no demographic account")
    labels = [quoted(a) for a in result.areas]
    birthplace, origin, destination, value = ([labels[i] for i in result.bp_birthplace.tolist()],
                                              [labels[i] for i in result.bp_origin.tolist()],
                                              [labels[i] for i in result.bp_destination.tolist()],
                                              _floats(result.bp_flow))
    for arr, fixed_origin, fixed_destination in ((result.stayers, None, None), (result.births, BIRTH, None),
                                                 (result.deaths, None, DEATH), (result.from_outside, OUTSIDE, None),
                                                 (result.to_outside, None, OUTSIDE)):
        b, a = np.nonzero(arr)
        area = [labels[i] for i in a.tolist()]
        birthplace += [labels[i] for i in b.tolist()]
        origin += area if fixed_origin is None else [quoted(fixed_origin)] * a.size
        destination += area if fixed_destination is None else [quoted(fixed_destination)] * a.size
        value += _floats(arr[b, a])
    write_rows(path, ACCOUNT_COLUMNS, [birthplace, origin, destination, value])
