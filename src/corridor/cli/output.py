"""Writing a table to the terminal (rich, with its sources under it) or as CSV/JSON to stdout.

``--format`` takes one of :data:`FORMATS`; anything else is a usage error before any work is done
(:data:`FormatOpt` is a ``Literal`` Typer checks), and :func:`emit` refuses it too. With a
format, stdout carries the data alone. pandas and rich are imported
when a table is written, not when the command line is parsed (``corridor --help`` starts fast);
:func:`emit_records` writes plain records (:mod:`corridor.cli.records`) and never imports pandas.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from corridor.cli.records import Record, missing, write_csv, write_json
from corridor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "json")

#: The ``--format`` option of every command that writes a table: csv, json or (omitted) a readable table.
FormatOpt = Annotated[Literal["csv", "json"] | None, typer.Option("--format",
                                                                help="csv or json (default: a readable table).")]


def _fmt(value: object) -> str:
    if missing(value):
        return ""
    if isinstance(value, float):  # never scientific notation: 1,083,432 not 1.083e+06
        return f"{value:,.0f}" if value.is_integer() or abs(value) >= 100 else f"{value:,.2f}"
    return str(value)


def _check(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}: choose one of {', '.join(FORMATS)}", column="--format")


def emit(frame: pd.DataFrame, fmt: str | None, *, title: str | None = None,
         sources: list[str] | None = None) -> None:
    """Print ``frame``: CSV/JSON for machines (sources on stderr), a readable table with its sources
    for people. An unknown ``fmt`` is an :class:`InputError` (never silently the table)."""
    _check(fmt)
    if fmt == "csv":  # the data alone (the rows carry their dataset ids)
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    if fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=1) + "\n")
        return
    import pandas as pd

    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    rows = ([None if pd.api.types.is_scalar(v) and pd.isna(v) else v for v in row]
            for row in frame.itertuples(index=False))
    _show(list(frame.columns), rows, numeric, title=title, sources=sources)


def emit_records(columns: Sequence[str], rows: Sequence[Record], fmt: str | None, *, numeric: Iterable[str] = (),
                 title: str | None = None, sources: list[str] | None = None) -> None:
    """:func:`emit` for plain records (:mod:`corridor.cli.records`; no pandas): the same CSV, JSON and
    table. ``numeric``: the columns a table right-aligns (what pandas would hold as numbers)."""
    _check(fmt)
    if fmt == "csv":
        write_csv(columns, rows)
    elif fmt == "json":
        write_json(columns, rows)
    else:
        _show(list(columns), ([row[c] for c in columns] for row in rows), set(numeric), title=title,
              sources=sources)


def _show(columns: list[str], rows: Iterable[Sequence[object]], numeric: set[str], *, title: str | None,
          sources: list[str] | None) -> None:
    """A readable table (rich) with its sources under it; missing cells blank."""
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=200)
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, justify="right" if col in numeric else "left")
    empty = True
    for row in rows:
        table.add_row(*(_fmt(v) for v in row))
        empty = False
    console.print(table)
    if empty:
        console.print("[yellow]no observations match[/]")
    for line in sources or []:
        console.print(f"[dim]Source: {line}[/]", highlight=False)
