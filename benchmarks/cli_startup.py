"""Start-up time of the ``corridor`` command (issue 15: under 0.5 s for ``--help`` and simple commands).

For each command line below the script runs ``python -X importtime -m corridor.cli.main ARGS`` in a
fresh process, ``--runs`` times, and prints the median wall time of the whole process, the import time
Python reports (the sum of the top-level ``-X importtime`` entries, microseconds -> seconds), the five
slowest top-level imports, and whether pandas, Ibis or PySpark were imported (``heavy``).
Peers in the same run on the same machine: a bare interpreter (``python -c pass``), the CLI library
alone (``import typer``) and the floor of any command that queries the warehouse (Typer, the Pydantic
adapters Typer builds for each option when a command runs, and DuckDB). The stated limit is 0.5 s of
wall time for the commands marked "simple": ``--help``, ``--version``, a ``corridor stock`` query and a
``corridor flows show`` query on the warehouse (the plain read path, :mod:`corridor.store.plain`). The
CPU seconds of each process are printed beside the wall time (on a loaded machine the wall time grows
with the load, the CPU time much less), and the load average before and after, as the machine is
shared (timings are noisy).

    .venv/bin/python benchmarks/cli_startup.py [--runs 5] [--warehouse var/corridor.duckdb]

The queries need a warehouse with flow estimates (``corridor run``); without one they are skipped.
Run from the checkout (``src/`` is put first on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 0.5
HEAVY = ("pandas", "ibis", "pyspark")
CLI = ["-m", "corridor.cli.main"]
#: (label, arguments after ``python``, simple: held to the limit, needs the warehouse)
CASES: list[tuple[str, list[str], bool, bool]] = [
    ("python -c pass (peer: the interpreter)", ["-c", "pass"], False, False),
    ("python -c 'import typer' (peer: the CLI library)", ["-c", "import typer"], False, False),
    ("typer + its pydantic adapters + duckdb (peer: floor)", ["-c", "import typer._adapters, duckdb"], False, False),
    ("corridor --help", [*CLI, "--help"], True, False),
    ("corridor --version", [*CLI, "--version"], True, False),
    ("corridor stock --help", [*CLI, "stock", "--help"], True, False),
    ("corridor flows show --help", [*CLI, "flows", "show", "--help"], False, False),
    ("corridor stock --format xml (usage error)", [*CLI, "stock", "--format", "xml"], True, False),
    ("corridor stock --destination USA --year 2019 --top 10 --format csv",
     [*CLI, "stock", "--destination", "USA", "--year", "2019", "--top", "10", "--format", "csv"], True, True),
    ("corridor stock --origin Mexico --year 2019 --top 10 (table)",
     [*CLI, "stock", "--origin", "Mexico", "--year", "2019", "--top", "10"], True, True),
    ("corridor flows show --origin MEX --destination USA --format csv",
     [*CLI, "flows", "show", "--origin", "MEX", "--destination", "USA", "--format", "csv"], True, True),
]


def _env(warehouse: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    if warehouse is not None:
        env["CORRIDOR_WAREHOUSE"] = str(warehouse)
    return env


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


def heavy_imports(stderr: str) -> list[str]:
    """The HEAVY packages an ``-X importtime`` report names (nested imports included)."""
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}
    return sorted(names & set(HEAVY))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(args: list[str], runs: int, warehouse: Path | None) -> tuple[float, float, float, list[tuple[float, str]],
                                                                         list[str], int]:
    """Median wall seconds, median CPU seconds (user + system of the process: what the load on a shared
    machine inflates least) and, from the last run, import seconds, the slowest imports, the heavy packages
    imported and the exit status."""
    walls, cpus = [], []
    done = None
    for _ in range(runs):
        cpu, start = _children_cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True,
                              env=_env(warehouse), cwd=ROOT)
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
    assert done is not None
    total, top = import_times(done.stderr)
    return statistics.median(walls), statistics.median(cpus), total, top, heavy_imports(done.stderr), done.returncode


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="warehouse with flow estimates (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)")
    opts = parser.parse_args()
    warehouse = opts.warehouse or Path(os.environ.get("CORRIDOR_WAREHOUSE", ROOT / "var" / "corridor.duckdb"))
    has_warehouse = warehouse.exists()
    print(f"load average before: {_load()}; limit {LIMIT_S} s for the simple commands; median of {opts.runs} "
          f"runs of the whole process; warehouse {warehouse if has_warehouse else '(none: queries skipped)'}")
    failed = []
    for label, args, simple, needs_warehouse in CASES:
        if needs_warehouse and not has_warehouse:
            print(f"{label:66s} skipped (no warehouse)")
            continue
        wall, cpu, imports, top, heavy, status = measure(args, opts.runs, warehouse)
        verdict = ("ok" if wall < LIMIT_S else "OVER") if simple else "-"
        slowest = ", ".join(f"{name} {t:.3f}" for t, name in top[:5])
        print(f"{label:66s} wall {wall:6.3f} s  cpu {cpu:6.3f} s  imports {imports:6.3f} s  {verdict:4s}  "
              f"exit {status}  heavy {','.join(heavy) or 'none'}  [{slowest}]")
        if simple and wall >= LIMIT_S:
            failed.append(label)
    print(f"load average after: {_load()}")
    print("all simple commands under the limit" if not failed else f"over the limit: {', '.join(failed)}")


if __name__ == "__main__":
    main()
