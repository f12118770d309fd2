"""Start-up time of the ``corridor`` command (issue 15: under 0.5 s for ``--help`` and simple commands).

For each command line below the script runs ``python -X importtime -m corridor.cli.main ARGS`` in a
fresh process, ``--runs`` times, and prints the median wall time, the import time Python reports
(the sum of the top-level ``-X importtime`` entries, microseconds -> seconds) and the five slowest
top-level imports. Peers in the same run on the same machine: a bare interpreter (``python -c pass``)
and ``python -c "import typer"`` (the CLI library alone). The stated limit is 0.5 s of wall time for
the commands marked "simple"; the load average is printed, as the machine is shared (timings noisy).

    .venv/bin/python benchmarks/cli_startup.py [--runs 5]

Run from the checkout (``src/`` is put first on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 0.5
#: (label, arguments after ``python``, simple: held to the limit)
CASES: list[tuple[str, list[str], bool]] = [
    ("python -c pass (peer: the interpreter)", ["-c", "pass"], False),
    ("python -c 'import typer' (peer: the CLI library)", ["-c", "import typer"], False),
    ("corridor --help", ["-m", "corridor.cli.main", "--help"], True),
    ("corridor --version", ["-m", "corridor.cli.main", "--version"], True),
    ("corridor stock --help", ["-m", "corridor.cli.main", "stock", "--help"], True),
    ("corridor flows show --help", ["-m", "corridor.cli.main", "flows", "show", "--help"], False),
    ("corridor stock --format xml (usage error)", ["-m", "corridor.cli.main", "stock", "--format", "xml"], True),
]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))


def import_times(stderr: str) -> tuple[float, list[tuple[float, str]]]:
    """Total import seconds (top-level entries of ``-X importtime``) and the top-level imports by cost."""
    top = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if name.startswith("  ") or not cumulative.strip().isdigit():  # nested: counted in its parent
            continue
        top.append((int(cumulative) / 1e6, name.strip()))
    return sum(t for t, _ in top), sorted(top, reverse=True)


def measure(args: list[str], runs: int) -> tuple[float, float, list[tuple[float, str]]]:
    """Median wall seconds and (from the last run) import seconds and the slowest imports."""
    walls = []
    stderr = ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True,
                              env=_env(), cwd=ROOT)
        walls.append(time.perf_counter() - start)
        stderr = done.stderr
    total, top = import_times(stderr)
    return statistics.median(walls), total, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({os.cpu_count()} cores); limit {LIMIT_S} s for the simple commands; median of {opts.runs} runs")
    failed = []
    for label, args, simple in CASES:
        wall, imports, top = measure(args, opts.runs)
        verdict = ("ok" if wall < LIMIT_S else "OVER") if simple else "-"
        slowest = ", ".join(f"{name} {t:.3f}" for t, name in top[:5])
        print(f"{label:52s} wall {wall:6.3f} s  imports {imports:6.3f} s  {verdict:4s}  [{slowest}]")
        if simple and wall >= LIMIT_S:
            failed.append(label)
    print("all simple commands under the limit" if not failed else f"over the limit: {', '.join(failed)}")


if __name__ == "__main__":
    main()
