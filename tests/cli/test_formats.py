"""Every ``--format`` is checked when the command line is parsed (issue 15 item 4: ``--format xml`` was
silently ignored by some commands, and ``corridor portability``/``recruitment`` checked it only after the
work was done).

* ``test_every_format_option_refuses_an_unknown_format``: each command that has a ``--format`` option
  (found by walking the real app, so a new one is covered) answers ``--format xml`` with a usage error that
  names ``--format`` (exit status 2, nothing on stdout), before any argument or file is even looked at.
* ``test_nothing_is_written_before_the_format_is_refused``: ``recruitment sdg1071 --publish`` with an
  unknown format used to write its dataset to the warehouse and fail afterwards; now no warehouse file
  is created.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from corridor.cli.main import build_app
from tests.cli_in_process import run_cli


def format_commands() -> list[list[str]]:
    """Every command path (``["flows", "show"]``) whose command has a ``--format`` option."""
    found: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        elif any("--format" in (p.opts or []) for p in command.params):
            found.append(path)

    walk(typer.main.get_command(build_app()), [])
    return found


COMMANDS = format_commands()


def test_the_walk_finds_the_format_commands() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"stock", "flows show", "portability agreements", "portability coverage", "recruitment flags",
            "microdata inspect", "survey estimate", "disclose tables"} <= names and len(names) >= 15


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_format_option_refuses_an_unknown_format(command: list[str], capsys) -> None:
    code, out, err = run_cli([*command, "--format", "xml"], capsys)
    assert code == 2 and out == ""
    assert "Invalid value for '--format'" in err and "'xml'" in err, err


def test_nothing_is_written_before_the_format_is_refused(tmp_path: Path, capsys) -> None:
    wh = tmp_path / "wh.duckdb"
    code, out, err = run_cli(["recruitment", "sdg1071", "--year", "2026", "--publish", "--warehouse", wh,
                              "--db", f"sqlite:///{tmp_path / 'ex.sqlite'}", "--format", "xml"], capsys)
    assert code == 2 and "--format" in err
    assert not wh.exists() and not (tmp_path / "ex.sqlite").exists()
