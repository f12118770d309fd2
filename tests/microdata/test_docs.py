"""docs/microdata.md cannot fall behind: every command, role, virtual variable and measure is in it."""

from __future__ import annotations

from pathlib import Path

from corridor.cli.microdata import app
from corridor.microdata.derived import MEASURES
from corridor.microdata.tabulate import VIRTUAL
from corridor.microdata.variables import ROLES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "microdata.md").read_text(encoding="utf-8")


def test_every_command_role_virtual_and_measure_is_documented() -> None:
    commands = [c.name for c in app.registered_commands]
    assert {"inspect", "tabulate", "derive", "compliance"} <= set(commands)
    missing = [f"corridor microdata {c}" for c in commands if f"corridor microdata {c}" not in DOC]
    missing += [f"`{n}`" for n in [*ROLES, *VIRTUAL, *MEASURES] if f"`{n}`" not in DOC]
    assert not missing, f"undocumented in docs/microdata.md: {missing}"
