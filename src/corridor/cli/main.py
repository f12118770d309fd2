"""The ``corridor`` command.

Command groups register through one table (``COMMAND_GROUPS``): the built-in groups go through the
same seam an outside group would (Datasette's habit). Each entry names a module and what it offers:
``group`` (a ``typer.Typer`` called ``app``: ``corridor flows ...``), ``command`` (a function
``command``: ``corridor serve``) or ``commands`` (a ``register(app)`` function adding top-level
commands). Each entry also lists the command names it provides, so that ``corridor NAME`` imports only
the module NAME needs (survey and microdata pull in heavy libraries; ``corridor stock`` should not wait
for them).
"""

from __future__ import annotations

import importlib
import sys

import typer

from corridor.cli.common import run_guarded

#: name -> (module, kind, command names it provides)
COMMAND_GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "data": ("corridor.cli.data", "commands", ("fetch", "ingest", "datasets", "stock", "run")),
    "flows": ("corridor.cli.flows", "group", ("flows",)),
    "microdata": ("corridor.cli.microdata", "group", ("microdata",)),
    "survey": ("corridor.cli.survey", "group", ("survey",)),
    "serve": ("corridor.cli.serve", "command", ("serve",)),
    "exchange": ("corridor.cli.exchange", "group", ("exchange",)),
    "disclose": ("corridor.cli.disclose", "group", ("disclose",)),
}

HELP = "corridor: migrant stocks and flows from real published releases, with their sources."


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command group, or only the group that provides command ``only``."""
    app = typer.Typer(name="corridor", help=HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False)
    # A callback keeps the app a group even when only one command is loaded (Typer would otherwise
    # run a lone command directly and refuse its own name as an extra argument).
    app.callback()(_root)
    for name, (module_name, kind, provides) in COMMAND_GROUPS.items():
        if only is not None and only not in provides:
            continue
        module = importlib.import_module(module_name)
        if kind == "group":
            app.add_typer(module.app, name=name)
        elif kind == "command":
            app.command(name=name)(module.command)
        else:
            module.register(app)
    return app


def _root() -> None:
    """corridor: migrant stocks and flows from real published releases, with their sources."""


def _requested_command(argv: list[str]) -> str | None:
    """The command named on the command line, if it is one we know (else None: load everything)."""
    known = {n for _, _, provides in COMMAND_GROUPS.values() for n in provides}
    for arg in argv:
        if arg.startswith("-"):
            return None  # top-level options such as --help: show every command
        return arg if arg in known else None
    return None


def __getattr__(name: str) -> typer.Typer:
    """``corridor.cli.main.app``: the full app (for tests and documentation generators)."""
    if name == "app":
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(name)


def main() -> None:  # pragma: no cover - console entry point
    run_guarded(build_app(only=_requested_command(sys.argv[1:])))


if __name__ == "__main__":  # pragma: no cover
    main()
