"""What every command shares: options for the warehouse and mirror, error reporting, output format.

``console`` (rich, on standard error) is made on first use (PEP 562 module ``__getattr__``): importing
rich costs tens of milliseconds that ``corridor --help`` should not pay.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError

if TYPE_CHECKING:
    from rich.console import Console

    console: Console


def stderr_console() -> Console:
    """The shared stderr console, made once."""
    if "console" not in globals():
        from rich.console import Console

        globals()["console"] = Console(stderr=True)
    return globals()["console"]


def __getattr__(name: str) -> Any:
    if name == "console":
        return stderr_console()
    raise AttributeError(name)


def run_guarded(app: Callable[..., Any]) -> None:
    """Run a Typer app; a :class:`CorridorError` becomes a one-line message and exit status 2.

    Usage errors (unknown command or option) are reported by Click itself, also with status 2.
    """
    try:
        app()
    except CorridorError as exc:
        stderr_console().print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
