"""Tables as plain records (a list of dicts): ordering, top N, and CSV/JSON written as pandas writes them.

The commands that answer a question and exit (``corridor stock``, ``corridor flows show``) read plain
rows from the store (:meth:`corridor.store.warehouse.Warehouse.rows`) and never load pandas; what they
print must not change for it, so the writers here reproduce pandas' own output byte for byte:

* CSV: pandas writes through Python's :mod:`csv` module (minimal quoting, ``\\n`` line ends, missing
  cells empty, floats as ``repr``), so the same module is used;
* JSON: ``DataFrame.to_json(orient="records", indent=1)`` — ``"key":value`` without a space, ASCII only,
  ``/`` escaped as ``\\/``, an empty table as ``[`` blank line ``]``, and numbers by ultrajson's double
  formatter (pandas' vendored ``ultrajsonenc.c``, ``double_precision=10``): :func:`json_number`.

Ordering follows ``DataFrame.sort_values(..., kind="stable", na_position="last")``: a stable sort per key
from the last key to the first, missing values last whatever the direction (:func:`sort_rows`).
``tests/cli/test_plain_reads.py`` checks the writers against pandas on real and random values.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

Record = dict[str, Any]

#: ultrajson's limits: beyond them a number is written with ``%.10g`` (exponent form).
_JSON_MAX = 1e16
_JSON_MIN = 1e-15
_JSON_PRECISION = 10


def missing(value: object) -> bool:
    """None or a float NaN (what a missing cell is in a plain record)."""
    return value is None or (isinstance(value, float) and value != value)


def sort_rows(rows: Iterable[Record], keys: Sequence[tuple[str, bool]]) -> list[Record]:
    """``rows`` ordered by ``keys`` (column, ascending), stable, missing values last for every key."""
    out = list(rows)
    for column, ascending in reversed(keys):
        present = [r for r in out if not missing(r[column])]
        absent = [r for r in out if missing(r[column])]
        out = sorted(present, key=lambda r: r[column], reverse=not ascending) + absent
    return out


def top_rows(rows: Iterable[Record], n: int, by: Sequence[str]) -> list[Record]:
    """The ``n`` largest ``value`` rows of each group of ``by`` (missing values last, never counted as 0),
    largest first (``sort_values("value", ascending=False)`` then ``groupby(by).head(n)``)."""
    seen: Counter[tuple[Any, ...]] = Counter()
    kept = []
    for row in sort_rows(rows, [("value", False)]):
        group = tuple(row[c] for c in by)
        if seen[group] < n:
            seen[group] += 1
            kept.append(row)
    return kept


def json_number(value: float) -> str:
    """A float as pandas' JSON writer spells it (ultrajson ``Buffer_AppendDoubleUnchecked``, 10 decimals):
    the integer part, then the fraction rounded to 10 digits (half to odd, as there) without trailing
    zeros (``280.3998689892``, ``11489684.0``); NaN and infinities ``null``; beyond 1e16 or under 1e-15
    the ``%.10g`` form (``1.5e+16``)."""
    if math.isnan(value) or math.isinf(value):
        return "null"
    negative = value < 0
    size = -value if negative else value
    if size > _JSON_MAX or (size != 0.0 and size < _JSON_MIN):
        return f"{value:.{_JSON_PRECISION}g}"
    whole = int(size)
    scale = float(10 ** _JSON_PRECISION)
    scaled = (size - whole) * scale
    frac = int(scaled)
    rest = scaled - frac
    if rest > 0.5:
        frac += 1
        if frac >= scale:
            frac, whole = 0, whole + 1
    elif rest == 0.5 and (frac == 0 or frac & 1):
        frac += 1
    digits = str(frac).rjust(_JSON_PRECISION, "0").rstrip("0") if frac else "0"
    return f"{'-' if negative else ''}{whole}.{digits}"


def _json_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value)).replace("/", "\\/")


def write_json(columns: Sequence[str], rows: Sequence[Record], out: TextIO | None = None) -> None:
    """``rows`` as ``DataFrame.to_json(orient="records", indent=1)`` writes them, and a line end."""
    out = out or sys.stdout
    if not rows:
        out.write("[\n\n]\n")
        return
    names = [_json_value(c) for c in columns]
    records = (",\n".join(f"  {name}:{_json_value(row[c])}" for name, c in zip(names, columns, strict=True))
               for row in rows)
    out.write("[\n" + ",\n".join(" {\n" + body + "\n }" for body in records) + "\n]\n")


def write_csv(columns: Sequence[str], rows: Sequence[Record], out: TextIO | None = None) -> None:
    """``rows`` as ``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes them."""
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([None if missing(row[c]) else row[c] for c in columns] for row in rows)
