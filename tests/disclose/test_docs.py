"""docs/disclosure.md cannot fall behind the code (Datasette's habit): every option of
``corridor microdata protect`` and every public function of the disclosure modules is mentioned."""

from __future__ import annotations

import inspect
from pathlib import Path

import click
import typer

import corridor.disclose.audit as audit
import corridor.disclose.cell_key as cell_key
import corridor.disclose.cube as cube
import corridor.disclose.household_risk as household_risk
import corridor.disclose.register as register
import corridor.disclose.release as release
import corridor.disclose.solver_output as solver_output
import corridor.disclose.tables as tables
from corridor.cli.microdata_protect import protect

DOC = (Path(__file__).resolve().parents[2] / "docs" / "disclosure.md").read_text(encoding="utf-8")


def test_every_protect_option_is_documented():
    app = typer.Typer(add_completion=False)
    app.command()(protect)
    command = typer.main.get_command(app)
    options = [opt for p in command.params if isinstance(p, click.Option) for opt in p.opts]
    missing = [o for o in options if o not in DOC and o != "--help"]
    assert not missing, f"undocumented options: {missing}"


def test_public_functions_are_documented():
    public = [
        name for mod in (tables, audit, cell_key, cube, release, register, household_risk, solver_output)
        for name, obj in vars(mod).items()
        if inspect.isfunction(obj) and obj.__module__ == mod.__name__ and not name.startswith("_")
        and name not in {"frequency_rule", "dominance_rule", "p_percent_rule", "default_ptable",
                         "record_keys"}  # covered by the rule names in the text
    ]
    missing = [n for n in public if n not in DOC]
    assert not missing, f"undocumented functions: {missing}"
