"""The ``corridor`` command.

Command groups register through one table (``COMMAND_GROUPS``): the built-in groups go through the
same seam an outside group would (Datasette's habit). Each entry names a module and what it offers:
``group`` (a ``typer.Typer`` called ``app``: ``corridor flows ...``), ``command`` (a function
``command``: ``corridor serve``) or ``commands`` (a ``register(app)`` function adding top-level
commands). Each entry also lists the command names it provides, so that ``corridor NAME`` imports only
the module NAME needs (survey and microdata pull in heavy libraries; ``corridor stock`` should not wait
for them).

``corridor --help`` and ``corridor --version`` import no command module at all: the list of commands
is built from the modules' source text (:func:`summaries`: the help of each group's ``typer.Typer``, or
the docstring of each command function), so the command answers in well under half a second
(``benchmarks/cli_startup.py`` measures it with ``python -X importtime``).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

import corridor
from corridor.cli.common import run_guarded

if TYPE_CHECKING:  # Typer is imported when an app is built: `corridor flows estimate` on files runs without it
    import typer

#: name -> (module, kind, command names it provides)
COMMAND_GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "data": ("corridor.cli.data", "commands", ("fetch", "ingest", "datasets", "withdraw", "register", "run")),
    "stock": ("corridor.cli.stock", "command", ("stock",)),
    "flows": ("corridor.cli.flows", "group", ("flows",)),
    "microdata": ("corridor.cli.microdata", "group", ("microdata",)),
    "survey": ("corridor.cli.survey", "group", ("survey",)),
    "serve": ("corridor.cli.serve", "command", ("serve",)),
    "exchange": ("corridor.cli.exchange", "group", ("exchange",)),
    "indicators": ("corridor.cli.indicators", "group", ("indicators",)),
    "recruitment": ("corridor.cli.recruitment", "group", ("recruitment",)),
    "portability": ("corridor.cli.portability", "group", ("portability",)),
    "disclose": ("corridor.cli.disclose", "group", ("disclose",)),
}

#: Help is Click's plain text: Typer's rich panels print every flag's type as ``<bool>`` and cost a
#: quarter of a second of imports before the first line appears.
RICH_MARKUP = None

HELP = "corridor: migrant stocks and flows from real published releases, with their sources."


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command group, or only the group that provides command ``only``."""
    app = _new_app()
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


def _show_version(value: bool) -> None:
    import typer

    if value:
        typer.echo(f"corridor {corridor.__version__}")
        raise typer.Exit()


def _new_app() -> typer.Typer:
    """The top-level Typer app with its ``--version`` option and no command yet."""
    import typer

    def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                           help="Print the version of corridor and exit.")) -> None:
        """corridor: migrant stocks and flows from real published releases, with their sources."""

    app = typer.Typer(name="corridor", help=HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, rich_markup_mode=RICH_MARKUP)
    # A callback keeps the app a group even when only one command is loaded (Typer would otherwise
    # run a lone command directly and refuse its own name as an extra argument).
    app.callback()(_root)
    return app


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n\n")[0].replace("\n", " ")


def summaries(module_name: str, kind: str, provides: tuple[str, ...]) -> dict[str, str]:
    """One-line help of each command a module provides, read from its source without importing it.

    ``group``: the ``help=`` of its ``typer.Typer(...)`` (else the module docstring); ``command``: the
    docstring of ``command``; ``commands``: the docstring of the function each ``app.command("NAME")(f)``
    in ``register`` names. A name not found reads "" (the command is still listed).
    """
    import ast  # only --help reads the modules' source
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        return dict.fromkeys(provides, "")
    with open(spec.origin, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    functions = {node.name: ast.get_docstring(node) for node in tree.body if isinstance(node, ast.FunctionDef)}
    if kind == "group":
        helps = [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "attr", None) == "Typer" for kw in node.keywords
                 if kw.arg == "help" and isinstance(kw.value, ast.Constant)]
        return dict.fromkeys(provides, _first_line(helps[0] if helps else ast.get_docstring(tree)))
    if kind == "command":
        return dict.fromkeys(provides, _first_line(functions.get("command")))
    named = {}
    for node in ast.walk(tree):  # app.command("fetch")(fetch_cmd)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Call) and node.args \
                and getattr(node.func.func, "attr", None) == "command" and node.func.args \
                and isinstance(node.func.args[0], ast.Constant) and isinstance(node.args[0], ast.Name):
            named[node.func.args[0].value] = _first_line(functions.get(node.args[0].id))
    return {name: named.get(name, "") for name in provides}


def build_help_app() -> typer.Typer:
    """The top-level app for ``--help``/``--version``: every command listed with its one-line help, no
    command module imported (:func:`summaries`). Running a command goes through :func:`build_app`."""
    app = _new_app()
    for module_name, kind, provides in COMMAND_GROUPS.values():
        for name, text in summaries(module_name, kind, provides).items():
            app.command(name=name, help=text, add_help_option=False)(_not_loaded)
    return app


def _not_loaded() -> None:  # pragma: no cover - main() loads the real command before running one
    import typer

    raise typer.Exit(2)


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
    from corridor.cli.flows_files import run as run_flows_files

    if run_flows_files(sys.argv[1:]):  # `flows estimate` on files: no Typer, rich or pandas (issue 9)
        return
    only = _requested_command(sys.argv[1:])
    run_guarded(build_help_app() if only is None else build_app(only=only))


if __name__ == "__main__":  # pragma: no cover
    main()
