"""Writing a table to the terminal (rich, with its sources under it) or as CSV/JSON to stdout."""

from __future__ import annotations

import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

FORMATS = ("csv", "json")


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    return str(value)


def emit(frame: pd.DataFrame, fmt: str | None, *, title: str | None = None,
         sources: list[str] | None = None) -> None:
    """Print ``frame``: CSV/JSON for machines, a readable table with its sources for people."""
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    if fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=1) + "\n")
        return
    console = Console() if sys.stdout.isatty() else Console(width=200)
    table = Table(title=title, show_lines=False)
    for col in frame.columns:
        table.add_column(col, justify="right" if pd.api.types.is_numeric_dtype(frame[col]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)
    if frame.empty:
        console.print("[yellow]no observations match[/]")
    for line in sources or []:
        console.print(f"[dim]Source: {line}[/]", highlight=False)
