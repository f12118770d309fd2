"""``corridor disclose``: release protected tables from a microdata file (``docs/disclosure.md``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console

from corridor.errors import InputError
from corridor.microdata.release import load_spec, record_release, run_release, write_release

app = typer.Typer(name="disclose", help="Disclosure control: protect linked tables together, audited.",
                  no_args_is_help=True)
FORMATS = ("csv", "json")


@app.command("tables")
def tables_command(
    spec_file: Path = typer.Argument(..., help="release specification (YAML): file, map, tables, ..."),
    fmt: Literal["csv", "json"] = typer.Option("csv", "--format",
                                               help="csv or json, for a table without 'out' (stdout)"),
    register: Path | None = typer.Option(None, "--register", help="release register (overrides the spec)"),
) -> None:
    """Protect every table of SPEC together (and against earlier releases), audit, write all or nothing."""
    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; formats: {', '.join(FORMATS)}")
    spec = load_spec(spec_file)
    if register is not None:
        spec.register = register
    to_stdout = [t for t in spec.tables if t.out is None]
    if len(to_stdout) > 1:
        raise InputError(f"tables {', '.join(t.name for t in to_stdout)} have no 'out': only one table can "
                         "go to standard output", file=str(spec_file))
    result = run_release(spec)
    if to_stdout:
        df = dict((t.name, d) for t, d in result)[to_stdout[0].name]
        if fmt == "json":
            sys.stdout.write(df.astype(object).where(df.notna(), None).to_json(orient="records", indent=1) + "\n")
        else:
            sys.stdout.write(df.to_csv(index=False, na_rep=""))
    if any(t.out is not None for t in spec.tables):
        write_release(spec, result)
    else:
        record_release(spec, result)
    err = Console(stderr=True)
    for t, df in result:
        hidden = int((df["conf_status"] != "F").sum())
        err.print(f"{t.name}: {len(df)} cells, {hidden} suppressed -> {t.out or 'standard output'}",
                  highlight=False)
