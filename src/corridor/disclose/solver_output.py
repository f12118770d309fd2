"""Keep solver chatter off standard output.

HiGHS (inside ``scipy.optimize.milp``/``linprog`` and ``highspy``) can write to the process's file
descriptor 1 from C code — banners such as "Running HiGHS ..." and MIP debugging lines such as
"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" — whatever its Python
options say. A command run with ``--format csv`` must write the table and nothing else to standard
output, so every solver call runs inside :func:`solver_output_to_stderr`, which points descriptor 1
at descriptor 2 for its duration (flushing Python's and C's buffers on the way in and out).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # pragma: no cover - a libc without fflush(NULL)
        pass


@contextmanager
def solver_output_to_stderr() -> Iterator[None]:
    """Within the block, anything written to file descriptor 1 goes to file descriptor 2."""
    try:
        out_fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
    except (OSError, ValueError):  # no real descriptor (embedded interpreter): nothing to redirect
        yield
        return
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            stream.flush()
    _flush_c_stdio()
    saved = os.dup(out_fd)
    try:
        os.dup2(2, out_fd)
        yield
    finally:
        _flush_c_stdio()
        os.dup2(saved, out_fd)
        os.close(saved)
