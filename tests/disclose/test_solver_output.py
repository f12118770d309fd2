"""Solver output never reaches standard output (issue 11 item 1).

HiGHS writes from C code to file descriptor 1 (scipy's bundled HiGHS printed MIP debugging lines such
as "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" there during secondary
suppression of the linked EU-SILC tables). The guard redirects the descriptor itself, so C ``printf``
and ``os.write(1, ...)`` are caught.
"""

from __future__ import annotations

import ctypes
import os

from corridor.disclose.solver_output import solver_output_to_stderr


def test_descriptor_one_goes_to_standard_error(capfd) -> None:
    print("table header")
    with solver_output_to_stderr():
        os.write(1, b"Running HiGHS (os.write)\n")
        ctypes.CDLL(None).printf(b"Running HiGHS (printf)\n")
    print("table row")
    out, err = capfd.readouterr()
    assert out == "table header\ntable row\n"
    assert "Running HiGHS (os.write)" in err and "Running HiGHS (printf)" in err
