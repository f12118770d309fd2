"""Running ``corridor`` in the test process, exactly as the console entry point does (sys.argv ->
run_guarded), so that error handling and exit codes are the real ones without a subprocess start."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pytest

from corridor.cli.common import run_guarded
from corridor.cli.main import build_app


def run_cli(args: Sequence[object], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``corridor ARGS``."""
    old = sys.argv
    sys.argv = ["corridor", *map(str, args)]
    code = 0
    try:
        run_guarded(build_app())
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    return code, captured.out, captured.err
