"""What every command shares: options for the warehouse and mirror, error reporting, output format.

``console`` (rich, on standard error) is a stand-in that makes the real console on first use: importing
rich costs tens of milliseconds that ``corridor --help``, and a command that prints nothing on standard
error (``corridor flows show --format csv``), should not pay. ``from corridor.cli.common import console``
then ``console.print(...)`` works as with the console itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError

if TYPE_CHECKING:
    from rich.console import Console


@cache
def stderr_console() -> Console:
    """The shared stderr console, made once."""
    from rich.console import Console

    return Console(stderr=True)


class _OnFirstUse:
    """Stands for :func:`stderr_console` and makes it when an attribute is first asked for."""

    def __getattr__(self, name: str) -> Any:
        return getattr(stderr_console(), name)


console: Console = _OnFirstUse()  # type: ignore[assignment]


def run_guarded(app: Callable[..., Any]) -> None:
    """Run a Typer app; a :class:`CorridorError` becomes a one-line message and exit status 2.

    Usage errors (unknown command or option) are reported by Click itself, also with status 2.
    """
    try:
        app()
    except CorridorError as exc:
        stderr_console().print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
