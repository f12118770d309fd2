"""The lean start of ``corridor flows estimate`` on files: the command line parsed without Typer, rich or
pandas, so that the whole process (interpreter, imports, reading, estimating, writing) takes a fraction of
a second (issue 9: at least 50 times faster than migest's 12.5 s on the 199-area case).

:func:`run` takes ``sys.argv[1:]``. It handles only a well-formed ``flows estimate`` whose every option is
one of the file path's (:data:`OPTIONS`, those of
:func:`~corridor.estimate.flows.files.estimate_files`) and returns True; anything else -- ``--help``, the
warehouse options (``--period`` ...), an unknown option, an option without its value, a value that is not
a number where one is due -- returns False and the Typer command, the authority on the command line, runs
(and reports usage errors as usual). Both run the same function with the same defaults
(``tests/flows/test_lean_start.py`` ties the two option lists together).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

#: option -> (parameter of estimate_files, type of its value; bool = a flag)
OPTIONS: dict[str, tuple[str, type]] = {
    "--method": ("method", str), "-m": ("method", str),
    "--stocks-start": ("stocks_start", Path), "--stocks-end": ("stocks_end", Path),
    "--births": ("births", Path), "--deaths": ("deaths", Path), "--prior": ("prior", Path),
    "--out": ("out", Path), "-o": ("out", Path), "--by-birthplace": ("by_birthplace", bool),
    "--account": ("account", Path), "--global-total": ("global_total", float),
    "--tolerance": ("tolerance", float), "--max-iter": ("max_iter", int),
    "--open-method": ("open_method", str), "--keep-negative": ("keep_negative", bool),
    "--keep-flagged": ("keep_flagged", bool),
}


def parse(argv: list[str]) -> dict | None:
    """The keyword arguments of ``estimate_files`` given by ``argv`` (``flows estimate ...``), or None when
    the lean start does not handle this command line (see the module docstring)."""
    if argv[:2] != ["flows", "estimate"]:
        return None
    kwargs: dict = {}
    args = iter(argv[2:])
    for arg in args:
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in OPTIONS:
            return None
        param, kind = OPTIONS[name]
        if kind is bool:
            if eq:
                return None
            kwargs[param] = True
            continue
        if not eq:
            value = next(args, None)
            if value is None or value.startswith("-"):
                return None
        try:
            kwargs[param] = kind(value)
        except ValueError:
            return None
    return kwargs


def say(kind: str, text: str) -> None:
    """A message of ``estimate_files`` as plain text on standard error (what rich prints when standard
    error is not a terminal, without the colour)."""
    print(f"warning: {text}" if kind == "warning" else text, file=sys.stderr)


def run(argv: list[str]) -> bool:
    """Run ``flows estimate`` on files without Typer if ``argv`` is a command line this start handles; an
    error is one line on standard error and exit status 2, as the Typer command reports it."""
    kwargs = parse(argv)
    if kwargs is None:
        return False
    # one BLAS thread, set before numpy loads: the flow methods' 199 x 199 products gain nothing from threads
    # (corridor.estimate.flows.ipf.single_blas_thread), and OpenBLAS then starts no thread pool
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # a short process that makes no reference cycles worth collecting: the cyclic collector would only walk
    # the hundred thousand strings of the output table, again and again
    gc.disable()
    from corridor.process_memory import no_huge_pages

    no_huge_pages()  # before numpy allocates: 2 MB pages would round the short process's heap up
    from corridor.cli.common import run_guarded
    from corridor.estimate.flows.files import estimate_files

    run_guarded(lambda: estimate_files(say, **kwargs))
    return True
