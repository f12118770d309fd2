"""The ``corridor`` command.

Command groups register through one table (``COMMAND_GROUPS``): the built-in groups go through the
same seam an outside group would (Datasette's habit). Each entry names a module that exposes a
``typer.Typer`` called ``app`` (a group, ``corridor flows ...``) or a function ``command``
(a single command, ``corridor serve``).
"""

from __future__ import annotations

import importlib

import typer

from corridor.cli.common import run_guarded

app = typer.Typer(
    name="corridor",
    help="corridor: migrant stocks and flows from real published releases, with their sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: command name -> (module, kind) where kind is "group" (module.app) or "command" (module.command)
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "data": ("corridor.cli.data", "commands"),  # fetch, ingest, datasets, stock, run
    "flows": ("corridor.cli.flows", "group"),
    "microdata": ("corridor.cli.microdata", "group"),
    "survey": ("corridor.cli.survey", "group"),
    "serve": ("corridor.cli.serve", "command"),
}


def _register() -> None:
    for name, (module_name, kind) in COMMAND_GROUPS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a group still being written: leave it out
            if exc.name == module_name:
                continue
            raise
        if kind == "group":
            app.add_typer(module.app, name=name)
        elif kind == "command":
            app.command(name=name)(module.command)
        else:  # "commands": a module that registers several top-level commands itself
            module.register(app)


_register()


def main() -> None:  # pragma: no cover - console entry point
    run_guarded(app)


if __name__ == "__main__":  # pragma: no cover
    main()
