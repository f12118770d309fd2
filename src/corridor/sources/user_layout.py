"""The shape of a user's table: long or wide, one or several header rows, reduced to cells.

A *long* table has one count per row (``columns.count``). A *wide* table spreads its counts over
columns whose headers are areas, years or sexes (``layout: wide``, ``wide.header_rows`` lists what
each header row holds, top to bottom): the World Bank's matrix has destinations across, UN DESA's
origin-destination table has origins across, a census table has countries of birth across, UN DESA's
workbooks have sexes on one header row and years on the next. Either way the table becomes
:class:`Cells`: for every count cell its raw text, the row and column a person would see in the file,
and for every role the raw label that applies to it (from its row, its column's header or a constant).

Merged header cells (a sex written once over seven year columns) are read by carrying a label to the
right until the next one, in every header row but the last.

A delimited text file is read in blocks of rows (:func:`read_grids`: Arrow's streaming CSV reader), so
that a 10-million-row table never sits in memory as text; a workbook or Parquet file is one block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.errors import InputError
from corridor.sources.cells import column_letter
from corridor.sources.mapping import Mapping
from corridor.sources.readers import open_workbook, read_csv_text, sheet_rows


@dataclass
class Grid:
    """A table as read: header rows (text), the body (objects), the file row of the first body row."""

    headers: list[list[str]]
    body: pd.DataFrame  # columns named by the last header row
    first_row: int
    letters: bool  # a workbook: a column without a header is named by its letter in messages


@dataclass
class Cells:
    """Every count cell of a table with where it is and the raw label of each role (see module doc)."""

    raw: pd.Series
    rows: np.ndarray  # file row numbers
    columns: pd.Categorical  # column headers as written
    labels: dict[str, pd.Series]  # role -> raw label per cell
    where: dict[str, str]  # role -> the column (or header row) its labels come from, for messages
    header_rows: dict[str, int]  # role -> the header row its labels come from (wide tables)

    def row_of(self, role: str, i: int) -> int:
        """The file row to name when the label of ``role`` in cell ``i`` is bad."""
        return self.header_rows.get(role, int(self.rows[i]))


def read_grid(path: Path, mapping: Mapping) -> Grid:
    """Read the file into header rows and body, skipping ``skip_rows`` lines first."""
    depth = len(mapping.wide.header_rows) if mapping.wide else 1
    skip = mapping.skip_rows
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        rows = _read_text_table(path, sep="\t" if suffix == ".tsv" else ",", skip=skip)
        letters = False
    elif suffix in (".xlsx", ".xlsm"):
        wb = open_workbook(path)
        sheet = mapping.sheet or wb.sheetnames[0]
        rows = pd.DataFrame(sheet_rows(wb, sheet, file=path.name)[skip:]).astype(object)
        letters = True
    elif suffix == ".parquet":
        if depth > 1:
            raise InputError("a Parquet file has one header row; wide.header_rows can list only one role",
                             file=path.name)
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for corrupt files
            raise InputError(f"not a readable Parquet file: {exc}", file=path.name) from exc
        header = [str(c) for c in frame.columns]
        return Grid([header], frame.set_axis(header, axis=1), 2, False)
    else:
        raise InputError(f"unsupported file type {suffix!r} (CSV, TSV, XLSX or Parquet)", file=path.name)
    if len(rows) < depth:
        raise InputError(f"the table has fewer rows than its {depth} header row(s)", file=path.name)
    headers = [_header_text(rows.iloc[i].tolist(), carry=i < depth - 1) for i in range(depth)]
    body = rows.iloc[depth:].reset_index(drop=True)
    body.columns = _unique(headers[-1])
    return Grid(headers, body, skip + depth + 1, letters)


#: Rows of a delimited text file read, reshaped and checked at a time by :func:`read_grids` (at least),
#: and the bytes Arrow's streaming reader parses at a time.
BLOCK_ROWS = 1_000_000
READ_BYTES = 1 << 24


def read_grids(path: Path, mapping: Mapping, *, block_rows: int | None = None) -> Iterator[Grid]:
    """The table as grids of at most ``block_rows`` body rows, each with the header rows and its body
    indexed by its position in the whole body (so that cells name their row in the file).

    Delimited text is streamed (unless ``end_at_blank_row`` needs to see the whole body first); any
    other file is one grid (:func:`read_grid`). A file Arrow cannot read (bad UTF-8, ragged rows) is
    read again by pandas for the message naming file and row."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv") or mapping.end_at_blank_row:
        yield read_grid(path, mapping)
        return
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    depth = len(mapping.wide.header_rows) if mapping.wide else 1
    sep, skip = "\t" if suffix == ".tsv" else ",", mapping.skip_rows
    block_rows = block_rows or BLOCK_ROWS
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            lines = csv.reader(f, delimiter=sep)
            for _ in range(skip):
                next(lines, None)
            first = [row for _, row in zip(range(20), lines, strict=False)]
    except (UnicodeDecodeError, csv.Error):
        yield read_grid(path, mapping)  # raises the InputError naming file and row
        return
    width = max((len(row) for row in first), default=0)
    if len(first) < depth or width == 0:
        yield read_grid(path, mapping)  # too short: the message of the whole-file reader
        return
    headers = [_header_text(first[i] + [""] * (width - len(first[i])), carry=i < depth - 1) for i in range(depth)]
    names = [f"c{i}" for i in range(width)]
    reader = pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(skip_rows=skip + depth, column_names=names, block_size=READ_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    start, pending, held = 0, [], 0
    try:
        for batch in _batches(reader):
            pending.append(batch)
            held += batch.num_rows
            if held >= block_rows:
                yield _grid_block(pending, headers, start, skip + depth + 1)
                start += held
                pending, held = [], 0
    except (UnicodeDecodeError, pa.ArrowInvalid):  # the whole-file reader names the row, or reads it
        whole = read_grid(path, mapping)  # (pandas fills short rows), from the rows not yet given on
        yield Grid(whole.headers, whole.body.iloc[start:], whole.first_row, whole.letters)
        return
    if pending or start == 0:
        yield _grid_block(pending, headers, start, skip + depth + 1, names=names)


def _batches(reader: object) -> Iterator[object]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _grid_block(batches: list, headers: list[list[str]], start: int, first_row: int, *,
                names: list[str] | None = None) -> Grid:
    import pyarrow as pa

    if batches:
        frame = pa.Table.from_batches(batches).to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    else:
        frame = pd.DataFrame({n: pd.Series([], dtype=object) for n in names or []})
    frame.columns = _unique(headers[-1])
    frame.index = pd.RangeIndex(start, start + len(frame))
    return Grid(headers, frame, first_row, False)


def _read_text_table(path: Path, *, sep: str, skip: int) -> pd.DataFrame:
    """Every cell of a delimited text file as text (Arrow strings, nothing converted or read as NA),
    read by Arrow's multi-threaded CSV reader; a file it cannot read (bad UTF-8, ragged rows) is read
    again by pandas for the message naming file and row (:func:`~corridor.sources.readers.read_csv_text`)."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            lines = csv.reader(f, delimiter=sep)
            for _ in range(skip):
                next(lines, None)
            width = max((len(row) for _, row in zip(range(20), lines, strict=False)), default=0)
        names = [f"c{i}" for i in range(width)]
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (UnicodeDecodeError, pa.ArrowInvalid, csv.Error):
        table = None
    if table is None or width == 0:
        return read_csv_text(path, sep=sep, skiprows=skip, header=None)  # raises the InputError
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    first = frame.iat[0, 0] if len(frame) else None
    if isinstance(first, str) and first.startswith("\ufeff"):
        frame.iat[0, 0] = first[1:]  # a byte-order mark
    return frame.set_axis(range(width), axis=1)


def _header_text(cells: list[object], *, carry: bool) -> list[str]:
    out, last = [], ""
    for c in cells:
        text = "" if c is None or (isinstance(c, float) and np.isnan(c)) else str(c).strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]  # a year typed as a number in a workbook
        if carry and not text:
            text = last
        out.append(text)
        last = text
    return out


def _unique(names: list[str]) -> list[str]:
    """Header names made unique (a second ``1990`` becomes ``1990 (2)``) so columns can be addressed."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def to_cells(grid: Grid, mapping: Mapping, *, file: str) -> Cells:
    """The count cells of the grid with their labels (long: the count column; wide: the value columns)."""
    body = grid.body
    names = list(body.columns)
    wanted = list(mapping.columns.values())
    absent = [c for c in wanted if c not in names]
    if absent:
        raise InputError(f"column(s) {', '.join(repr(m) for m in absent)} not in the table; it has "
                         f"{', '.join(repr(str(c)) for c in names)}", file=file, row=grid.first_row - 1)
    body = _without_blank_rows(body, end_at_blank_row=mapping.end_at_blank_row)
    n = len(body)
    file_rows = (grid.first_row + body.index.to_numpy()).astype(np.int32)
    if mapping.layout == "long":
        value_cols = [names.index(mapping.columns["count"])]
    else:
        ignore = set(mapping.wide.ignore_columns) | set(wanted)
        value_cols = [i for i, c in enumerate(names) if c not in ignore and grid.headers[-1][i] != ""]
        unknown = sorted(set(mapping.wide.ignore_columns) - set(names))
        if unknown:
            raise InputError(f"key 'wide.ignore_columns': no column {', '.join(map(repr, unknown))} in the table",
                             file=file)
        if not value_cols:
            raise InputError("a wide table needs value columns: every column is named in columns/ignore_columns",
                             file=file, row=grid.first_row - 1)
    k = len(value_cols)
    row_of_cell = np.tile(np.arange(n, dtype=np.int32), k)
    col_of_cell = np.repeat(np.arange(k, dtype=np.int32), n)
    raw = pd.concat([body.iloc[:, i] for i in value_cols], ignore_index=True) if n else pd.Series([], dtype=object)
    shown = np.array([names[i] if grid.headers[-1][i] or not grid.letters else column_letter(i)
                      for i in value_cols], dtype=object)
    labels: dict[str, pd.Series] = {}
    where: dict[str, str] = {}
    header_rows: dict[str, int] = {}
    for role, column in mapping.columns.items():
        if role == "count":
            continue
        codes, uniques = pd.factorize(body[column])  # labels as categories: a few hundred, not millions
        labels[role] = _categorical(codes[row_of_cell], uniques)
        where[role] = column
    if mapping.wide is not None:
        header_row = grid.first_row - len(grid.headers)
        for depth, role in enumerate(mapping.wide.header_rows):
            if role is None:
                continue
            codes, uniques = pd.factorize(np.array([grid.headers[depth][i] for i in value_cols], dtype=object))
            labels[role] = _categorical(codes[col_of_cell], uniques)
            where[role] = f"header row {header_row + depth}"
            header_rows[role] = header_row + depth
    for role, value in mapping.constants.items():
        labels[role] = _categorical(np.zeros(len(raw), dtype=np.int8), [value])
        where[role] = f"constants.{role}"
    return Cells(raw, file_rows[row_of_cell], pd.Categorical.from_codes(col_of_cell, categories=pd.Index(shown)),
                 labels, where, header_rows)


def _categorical(codes: np.ndarray, uniques: object) -> pd.Series:
    """Labels stored once each, with a code per cell (-1: an empty cell)."""
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object)))


def _without_blank_rows(body: pd.DataFrame, *, end_at_blank_row: bool) -> pd.DataFrame:
    """The body without rows that are empty in every column (a workbook's empty rows); with
    ``end_at_blank_row`` (declared in the mapping), without everything from the first empty row on
    (the notes a workbook writes under its table)."""
    blank = (body.isna() | body.eq("")).all(axis=1)
    if not blank.any():
        return body
    keep = ~blank.to_numpy()
    if end_at_blank_row and keep.any():
        after = np.flatnonzero(blank.to_numpy() & (np.arange(len(body)) > np.flatnonzero(keep)[0]))
        if after.size:
            keep &= np.arange(len(body)) < after[0]
    return body[keep]
