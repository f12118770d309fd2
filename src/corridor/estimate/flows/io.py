"""Tidy CSV inputs for flow estimation, with validation (read with the ``csv`` module: no pandas on the
file path, which starts in a fraction of a second).

Inputs (UTF-8 CSV with a header):

* stocks: ``origin,destination,stock`` (origin = place of birth, destination = place of residence;
  origin = destination rows are the native-born); optional ``status`` (SDMX OBS_STATUS of the cell)
  and ``source`` (census/register/survey/estimate) columns, kept with the tables;
* births: ``area,births``; deaths: ``area,deaths``;
* prior (optional): ``origin,destination,weight``.

Areas may be any labels (M49 codes, ISO alpha-3, regions, sub-national areas) as long as every file
uses the same set. A pair missing from a stock file is a zero stock; a native-born row missing for an
area, a value that is blank or not a number, a negative stock, a duplicated pair or an area present in
one file and missing from another is an :class:`~corridor.errors.InputError` naming the file, row and
column. Rows are counted as a person opening the file counts lines (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corridor.errors import InputError
from corridor.estimate.flows.tables import StockTables

STATUS_CODES = {"A", "E", "I", "F", "P", "U"}
#: cells read as "missing value" rather than "not a number"
MISSING = ("", "..", "-", "NA", "NaN", "nan")


@dataclass
class Table:
    """One CSV file as read: stripped text ``columns`` by header, the file ``line`` of each data row."""

    path: str
    columns: dict[str, list[str]]
    line: list[int]

    def __len__(self) -> int:
        return len(self.line)


def _rows(handle, name: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, non-blank data rows and the file line of each. Fast path: when every record is one line
    (no line break inside a quoted field) and no row is blank or too long, the lines are counted, not
    tracked row by row."""
    text = handle.read()
    records = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    header = [c.strip() for c in records[0]] if records else []
    data = records[1:]
    one_per_line = len(records) == text.count("\n") + (not text.endswith("\n"))
    if one_per_line and data and min(map(len, data)) > 1 and max(map(len, data)) <= len(header):
        return header, data, list(range(2, len(data) + 2))
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    next(reader, None)
    rows, lines = [], []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) > len(header):
            raise InputError(f"cannot read as CSV: {len(row)} fields, the header has {len(header)}",
                             file=name, row=reader.line_num)
        rows.append(row)
        lines.append(reader.line_num)
    return header, rows, lines


def _read(path: str | Path, required: list[str]) -> Table:
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header, rows, lines = _rows(handle, name)
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("file not found (a folder)", file=name) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read as CSV: {exc}", file=name) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
                         f" (found {', '.join(header)})", file=name)
    if not rows:
        raise InputError("no data rows", file=name)
    width = len(header)
    if min(map(len, rows)) < width:  # short rows: the missing fields are blank
        rows = [row + [""] * (width - len(row)) for row in rows]
    columns: dict[str, list[str]] = {}
    for c, values in zip(header, zip(*rows, strict=True), strict=True):
        columns.setdefault(c, list(map(str.strip, values)))
    return Table(name, columns, lines)


def _labels(table: Table, column: str) -> None:
    values = table.columns[column]
    if "" in values:
        raise InputError("missing area label", file=table.path, row=table.line[values.index("")], column=column)


def _number(text: str) -> float:
    """``float(text)``, finite, refusing what Python reads but a CSV reader would not (``1_000``)."""
    if "_" in text:
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _numbers(table: Table, column: str, *, what: str) -> np.ndarray:
    raw = table.columns[column]
    try:  # numpy parses the texts in C; the slow search below runs only to name a bad cell
        out = np.array(raw, dtype=float)
        ok = bool(np.isfinite(out).all()) and "_" not in "".join(raw)
    except ValueError:
        ok = False
    if not ok:
        for i, shown in enumerate(raw):
            try:
                _number(shown)
            except ValueError:
                reason = "missing value" if shown in MISSING else f"not a number: {shown!r}"
                raise InputError(f"{reason} ({what} must be a number; missing is not zero)", file=table.path,
                                 row=table.line[i], column=column) from None
        out = np.array([_number(t) for t in raw], dtype=float)
    neg = np.flatnonzero(out < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(f"negative {what}: {raw[i]}", file=table.path, row=table.line[i], column=column)
    return out


def _first_repeat(keys: list) -> int | None:
    if len(set(keys)) == len(keys):
        return None
    seen: set = set()
    for i, key in enumerate(keys):
        if key in seen:
            return i
        seen.add(key)
    return None


def _check_pairs(table: Table, rows: np.ndarray, cols: np.ndarray, n: int) -> None:
    """A pair given twice is an error naming its second row (counted on the matrix positions, in C)."""
    if np.bincount(rows * n + cols, minlength=n * n).max(initial=0) <= 1:
        return
    origin, destination = table.columns["origin"], table.columns["destination"]
    i = _first_repeat(list(zip(origin, destination, strict=True)))
    if i is not None:
        raise InputError(f"pair origin={origin[i]!r}, destination={destination[i]!r} appears twice",
                         file=table.path, row=table.line[i])


def read_stocks(path: str | Path) -> tuple[Table, np.ndarray]:
    """Read and validate one stock table (a pair given twice is found when the table is placed in its
    matrix: :func:`read_tables`); returns the table (labels as text) and its stocks."""
    table = _read(path, ["origin", "destination", "stock"])
    for c in ("origin", "destination"):
        _labels(table, c)
    stock = _numbers(table, "stock", what="stock")
    status = table.columns.get("status")
    if status is not None:
        status[:] = [s or "A" for s in status]
        for i, s in enumerate(status):
            if s not in STATUS_CODES:
                raise InputError(f"unknown OBS_STATUS {s!r} (use one of {', '.join(sorted(STATUS_CODES))}; "
                                 "missing stocks cannot be used)", file=table.path, row=table.line[i],
                                 column="status")
    return table, stock


def read_area_values(path: str | Path, column: str) -> tuple[Table, np.ndarray]:
    """Read ``area,<column>`` (births or deaths); returns the table and the values."""
    table = _read(path, ["area", column])
    _labels(table, "area")
    values = _numbers(table, column, what=column)
    i = _first_repeat(table.columns["area"])
    if i is not None:
        raise InputError(f"area {table.columns['area'][i]!r} appears twice", file=table.path, row=table.line[i],
                         column="area")
    return table, values


def _check_same_areas(areas: list[str], found: set[str], path: str, column: str) -> None:
    ref = set(areas)
    extra = sorted(found - ref)
    missing = sorted(ref - found)
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"area(s) missing from this file: {', '.join(missing[:10])}"
                         + (" ..." if len(missing) > 10 else ""))
        if extra:
            parts.append(f"area(s) not in the other files: {', '.join(extra[:10])}"
                         + (" ..." if len(extra) > 10 else ""))
        raise InputError("the files do not use the same areas: " + "; ".join(parts), file=path, column=column)


def _positions(labels: list[str], index: dict[str, int]) -> np.ndarray:
    return np.array(list(map(index.__getitem__, labels)), dtype=np.intp)


def _cells(table: Table, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row (origin) and column (destination) of each data row of a pair table in its matrix."""
    return _positions(table.columns["origin"], index), _positions(table.columns["destination"], index)


def _matrix(cells: tuple[np.ndarray, np.ndarray], n: int, values: np.ndarray | list, fill: object) -> np.ndarray:
    out = np.empty((n, n), dtype=float if isinstance(values, np.ndarray) else object)
    out.fill(fill)
    out[cells] = values
    return out


def read_tables(stocks_start: str | Path, stocks_end: str | Path, births: str | Path,
                deaths: str | Path) -> StockTables:
    """Read the four tidy CSV files into :class:`StockTables`, checking that they describe the same areas.

    The area order is that of the start stock file (first appearance of a label as origin, then as
    destination)."""
    s0, v0 = read_stocks(stocks_start)
    s1, v1 = read_stocks(stocks_end)
    areas = list(dict.fromkeys(s0.columns["origin"] + s0.columns["destination"]))
    _check_same_areas(areas, set(s1.columns["origin"]) | set(s1.columns["destination"]), s1.path,
                      "origin/destination")
    n = len(areas)
    index = {a: i for i, a in enumerate(areas)}
    cells = []
    for table in (s0, s1):
        rows, cols = _cells(table, index)
        _check_pairs(table, rows, cols, n)
        native = np.zeros(n, dtype=bool)
        native[rows[rows == cols]] = True
        if not native.all():
            lacking = [areas[i] for i in np.flatnonzero(~native)]
            raise InputError(f"no native-born row (origin = destination) for "
                             f"area(s) {', '.join(lacking[:10])}"
                             " -- the stock table must give the native-born population of every area",
                             file=table.path, column="origin")
        cells.append((rows, cols))
    by_area = []
    for path, column in ((births, "births"), (deaths, "deaths")):
        table, values = read_area_values(path, column)
        _check_same_areas(areas, set(table.columns["area"]), table.path, "area")
        vector = np.zeros(n)
        vector[_positions(table.columns["area"], index)] = values
        by_area.append(vector)
    extra = [_matrix(c, n, s.columns[name], fill) if name in s.columns else None
             for name, fill in (("status", "A"), ("source", None)) for s, c in zip((s0, s1), cells, strict=True)]
    inputs = [f"file:{Path(p).name}" for p in (stocks_start, stocks_end, births, deaths)]
    return StockTables(areas, _matrix(cells[0], n, v0, 0.0), _matrix(cells[1], n, v1, 0.0), *by_area, *extra,
                       inputs)


def read_prior(path: str | Path, areas: list[str]) -> np.ndarray:
    """Read a prior ``origin,destination,weight`` into an origin x destination matrix (missing pairs: 0)."""
    table = _read(path, ["origin", "destination", "weight"])
    for c in ("origin", "destination"):
        _labels(table, c)
    weight = _numbers(table, "weight", what="weight")
    unknown = sorted((set(table.columns["origin"]) | set(table.columns["destination"])) - set(areas))
    if unknown:
        raise InputError(f"area(s) not in the stock tables: {', '.join(unknown[:10])}", file=table.path)
    cells = _cells(table, {a: i for i, a in enumerate(areas)})
    _check_pairs(table, *cells, len(areas))
    return _matrix(cells, len(areas), weight, 0.0)
