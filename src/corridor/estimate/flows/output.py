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
from collections.abc import Sequence
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
    """Shortest round-trip text of each float (``repr``, as pandas writes it); NaN as an empty field. A zero
    is ``0.0`` without a call to ``repr`` (half the cells of a flow table are zero)."""
    out = np.empty(values.size, dtype=object)
    out.fill("0.0")  # one shared string (np.full would convert it once per cell)
    special = np.isnan(values)
    other = np.flatnonzero((values != 0) | np.signbit(values) | special)
    if other.size:
        out[other] = list(map(repr, values[other].tolist()))
        out[special] = ""
    return out.tolist()


def _lines(prefix: list[str], values: Sequence[np.ndarray], suffix: list[str]) -> list[str]:
    """The fields of each row, ``prefix,value,...`` then ``suffix`` (the rest of the row from its comma, and
    the end of the line), interleaved into one flat list for ``"".join`` (list slicing is done in C; the
    float texts are most of the cost of writing a flow table)."""
    k = 2 * len(values) + 2
    flat: list[str] = [","] * (k * len(prefix))
    flat[0::k] = prefix
    for j, v in enumerate(values):
        flat[2 + 2 * j::k] = _floats(v)
    flat[k - 1::k] = suffix
    return flat


def _tails(texts: np.ndarray, rest: str) -> list[str]:
    """``,<quoted text>`` + ``rest`` for each element of an object array holding few distinct strings (each
    quoted once)."""
    seen: dict = {}
    return [seen[t] if t in seen else seen.setdefault(t, f",{quoted(str(t))}{rest}") for t in texts.tolist()]


#: rows formatted and written at a time: a few hundred kilobytes of text, so that the memory of one chunk is
#: reused for the next (a 15 MB table built whole costs more in fresh memory pages than in formatting)
CHUNK_ROWS = 4096


def write_table(path: str | Path, header: Sequence[str], prefix: list[str], values: Sequence[np.ndarray],
                suffix: list[str]) -> None:
    """Write ``header`` and the rows ``prefix,value,...`` + ``suffix`` (:func:`_lines`) to ``path``, in chunks of
    :data:`CHUNK_ROWS` rows."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        for start in range(0, len(prefix), CHUNK_ROWS):
            part = slice(start, start + CHUNK_ROWS)
            handle.write("".join(_lines(prefix[part], [v[part] for v in values], suffix[part])))


def _joined(*columns: list[str]) -> list[str]:
    return [",".join(parts) for parts in zip(*columns, strict=True)]


def write_flows(path: str | Path, result: FlowResult, tables: StockTables, *, by_birthplace: bool = False) -> list[str]:
    """Write the flows of ``result`` with their calibrated interval (see the module docstring); returns the
    distinct interval sentences, in order of first appearance, for the caller to print."""
    iv = flow_interval(tables, result, by_birthplace=by_birthplace)
    labels = [quoted(a) for a in result.areas]
    if by_birthplace:
        b, o, d = result.bp_birthplace, result.bp_origin, result.bp_destination
        flow, lower, upper, text = result.bp_flow, iv.bp_lower, iv.bp_upper, iv.bp_text
        prefix = _joined([labels[i] for i in b.tolist()], [labels[i] for i in o.tolist()],
                         [labels[i] for i in d.tolist()])
    else:
        n = len(result.areas)
        o, d = np.nonzero(~np.eye(n, dtype=bool))
        flow, lower, upper, text = result.od[o, d], iv.lower[o, d], iv.upper[o, d], iv.text[o, d]
        prefix = _joined([labels[i] for i in o.tolist()], [labels[i] for i in d.tolist()])
    margin = "" if result.margin_error is None else repr(result.margin_error)
    write_table(path, ("birthplace", *FLOW_COLUMNS) if by_birthplace else FLOW_COLUMNS, prefix, (flow, lower, upper),
                _tails(text, f",{quoted(result.status)},{margin}\n"))
    return list(dict.fromkeys(text.tolist()))


def write_account(path: str | Path, result: FlowResult) -> None:
    """Write the demographic account of ``result`` (rows in the order of
    :meth:`~corridor.estimate.flows.result.FlowResult.account_frame`)."""
    if not result.has_account:
        raise ValueError(f"method {result.method} has no demographic account")
    labels = [quoted(a) for a in result.areas]
    birthplace, origin, destination = ([labels[i] for i in result.bp_birthplace.tolist()],
                                       [labels[i] for i in result.bp_origin.tolist()],
                                       [labels[i] for i in result.bp_destination.tolist()])
    values = [result.bp_flow]
    for arr, fixed_origin, fixed_destination in ((result.stayers, None, None), (result.births, BIRTH, None),
                                                 (result.deaths, None, DEATH), (result.from_outside, OUTSIDE, None),
                                                 (result.to_outside, None, OUTSIDE)):
        b, a = np.nonzero(arr)
        area = [labels[i] for i in a.tolist()]
        birthplace += [labels[i] for i in b.tolist()]
        origin += area if fixed_origin is None else [quoted(fixed_origin)] * a.size
        destination += area if fixed_destination is None else [quoted(fixed_destination)] * a.size
        values.append(arr[b, a])
    write_table(path, ACCOUNT_COLUMNS, _joined(birthplace, origin, destination), [np.concatenate(values)],
                ["\n"] * len(birthplace))
