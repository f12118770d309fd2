"""What every command shares: options for the warehouse and mirror, error reporting, output format."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console

from corridor.errors import CorridorError

console = Console(stderr=True)


def run_guarded(app: Callable[..., Any]) -> None:
    """Run a Typer app; a :class:`CorridorError` becomes a one-line message and exit status 2.

    Usage errors (unknown command or option) are reported by Click itself, also with status 2.
    """
    try:
        app()
    except CorridorError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
