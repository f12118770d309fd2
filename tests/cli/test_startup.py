"""Simple commands start without the heavy libraries (issue 15 item 4: under 0.5 s on 2 cores).

Each command below runs as a real process with ``python -X importtime`` on the real warehouse
(``conftest.cli_warehouse``); every module it imported is read from that report, and none may belong to
pandas, Ibis or PySpark (together most of a second before the first row: pandas 0.35 s, Ibis
0.21 s, PySpark through Ibis's backend). The commands are the plain reads of
:mod:`corridor.store.plain` (``corridor stock`` with every option, ``corridor flows show``), in each output
form, ``--help``/``--version``, and two registry listings (``indicators list``, ``portability
agreements``).

``test_the_probe_sees_a_heavy_import`` is the negative control: the same probe on ``corridor datasets``
(which builds a pandas frame) must report pandas, so an empty report cannot come from a broken probe.
Wall-clock figures are left to ``benchmarks/cli_startup.py`` (the machine is shared; timings are noisy).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "ibis", "pyspark")

#: command lines (``{wh}``: the warehouse) that must not import a HEAVY library
LEAN: list[list[str]] = [
    ["--help"],
    ["--version"],
    ["stock", "--destination", "USA", "--year", "2019", "--top", "10", "--format", "csv", "--warehouse", "{wh}"],
    ["stock", "--origin", "Mexico", "--year", "2019", "--top", "10", "--sort", "destination", "--format", "json",
     "--warehouse", "{wh}"],
    ["stock", "--destination", "WORLD", "--year", "2020", "--sex", "all", "--aggregates", "--warehouse", "{wh}"],
    ["stock", "--destination", "USA", "--origin", "MEX", "--vintage", "undesa-ims-2019-od", "--format", "csv",
     "--warehouse", "{wh}"],
    ["flows", "show", "--origin", "Mexico", "--destination", "United States", "--period", "2015-2020",
     "--warehouse", "{wh}"],
    ["flows", "show", "--origin", "MEX", "--destination", "USA", "--both-directions", "--format", "json",
     "--warehouse", "{wh}"],
    ["flows", "show", "--origin", "India", "--method", "da_pb_closed", "--top", "5", "--sex", "all", "--format",
     "csv", "--warehouse", "{wh}"],
    ["indicators", "list", "--format", "json"],
    ["indicators", "list"],
    ["portability", "agreements", "--format", "csv"],
]


def imported(args: list[str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``corridor ARGS`` with ``-X importtime``; the process and the top-level packages it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "corridor.cli.main", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}
    return done, names


@pytest.mark.parametrize("args", LEAN, ids=lambda a: " ".join(a[:3]))
def test_simple_commands_import_no_heavy_library(cli_warehouse: Path, args: list[str]) -> None:
    done, names = imported([a.format(wh=cli_warehouse) for a in args])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "duckdb" in names or "{wh}" not in args  # the probe read the report (a query ran)
    assert not names & set(HEAVY), f"{' '.join(args[:2])} imported {sorted(names & set(HEAVY))}"


def test_the_probe_sees_a_heavy_import(cli_warehouse: Path) -> None:
    done, names = imported(["datasets", "--format", "csv", "--warehouse", str(cli_warehouse)])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pandas" in names
