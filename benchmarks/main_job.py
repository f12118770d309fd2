"""Benchmark: the main job, ``corridor run --no-serve``, on a fresh warehouse, timed stage by stage.

What is timed is the whole user command, in a child process with its defaults, as ``scripts/main.sh``
runs it (less the server): fetch every release (from the mirror into an empty cache, checksums
verified), ingest it, estimate the flows, print the summary. Each run gets a new temporary folder for
the warehouse and the cache (``CORRIDOR_WAREHOUSE``, ``CORRIDOR_CACHE``); the mirror is the default one
(``CORRIDOR_MIRROR`` or ``../shared/data``).

Stages are read from the lines ``run`` prints on stderr (``stage NAME: S s``): ``fetch ID`` and
``ingest ID`` for each release, ``ingest`` for all of them (with the warehouse's close), ``flows`` and
``summary``. Peak memory is the child's peak resident set size as the kernel reports it when the child
is reaped (``os.wait4``: ``ru_maxrss`` of the largest process of the child's tree), and, sampled every
50 ms with psutil, the peak of the whole tree's summed RSS (what matters if a stage runs processes in
parallel).

Limits (issue 8): the whole command under 30 s on this machine class (2 cores) with peak memory under
1 GB (10^9 bytes). The machine is shared: the load average is printed before and after, and the child's
CPU seconds beside its wall time (CPU time is less disturbed by other work than wall time). This is a
benchmark, not a test: it prints its figures and asserts nothing.

Run: ``.venv/bin/python benchmarks/main_job.py [--runs 3] [-- EXTRA RUN OPTIONS]`` (for example
``-- --no-flows`` to time fetch and ingest alone).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

LIMIT_SECONDS = 30.0
LIMIT_BYTES = 1e9
STAGE = re.compile(r"^stage (?P<name>.+): (?P<seconds>[0-9.]+) s$")
REPO = Path(__file__).resolve().parents[1]


def _tree_rss(proc: psutil.Process) -> int:
    """Summed RSS of a process and its descendants (processes that vanish meanwhile count as 0)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_once(extra: list[str]) -> dict:
    """One fresh run of ``corridor run --no-serve`` in a child process: wall, CPU, stages, peak RSS."""
    with tempfile.TemporaryDirectory(prefix="corridor-main-job-") as tmp:
        env = dict(os.environ, CORRIDOR_WAREHOUSE=str(Path(tmp) / "corridor.duckdb"),
                   CORRIDOR_CACHE=str(Path(tmp) / "cache"))
        err_path = Path(tmp) / "stderr.txt"
        command = [sys.executable, "-m", "corridor.cli.main", "run", "--no-serve", *extra]
        with open(err_path, "w") as err, open(os.devnull, "w") as out:
            start = time.perf_counter()
            child = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
            peak_tree = 0
            watching = True

            def sample() -> None:
                nonlocal peak_tree
                proc = psutil.Process(child.pid)
                while watching:
                    try:
                        peak_tree = max(peak_tree, _tree_rss(proc))
                    except psutil.Error:
                        return
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            watching = False
            sampler.join()
            child.returncode = os.waitstatus_to_exitcode(status)
        text = err_path.read_text(errors="replace")
    if child.returncode != 0:
        sys.exit(f"`{' '.join(command[2:])}` failed with status {child.returncode}:\n{text[-3000:]}")
    stages = {m["name"]: float(m["seconds"]) for m in map(STAGE.match, text.splitlines()) if m}
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss * 1024,
            "tree_rss": peak_tree, "stages": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh runs (medians reported)")
    parser.add_argument("extra", nargs="*", help="options passed on to `corridor run` (after --)")
    args = parser.parse_args()

    print(f"corridor run --no-serve {' '.join(args.extra)}".rstrip() + f": {args.runs} fresh run(s); "
          f"load average (1 min) {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    runs = []
    for i in range(args.runs):
        r = run_once(args.extra)
        runs.append(r)
        print(f"  run {i + 1}: {r['wall']:6.1f} s wall, {r['cpu']:6.1f} s CPU, peak RSS {r['maxrss'] / 1e6:5.0f} MB "
              f"(tree, sampled: {r['tree_rss'] / 1e6:5.0f} MB)")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.1f}")

    names = list(runs[0]["stages"])
    releases = [n.split(" ", 1)[1] for n in names if n.startswith("ingest ")]
    print(f"\nper release, median of {args.runs} (s)    fetch   ingest")
    for rid in releases:
        fetch = statistics.median(r["stages"].get(f"fetch {rid}", float("nan")) for r in runs)
        ingest = statistics.median(r["stages"].get(f"ingest {rid}", float("nan")) for r in runs)
        print(f"  {rid:34s} {fetch:7.2f} {ingest:8.2f}")
    print("\nstage, median (s)")
    for name in (n for n in names if " " not in n):
        print(f"  {name:34s} {statistics.median(r['stages'].get(name, float('nan')) for r in runs):7.2f}")

    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    rss = statistics.median(r["maxrss"] for r in runs)
    tree = statistics.median(r["tree_rss"] for r in runs)
    print(f"\nwhole command, median: {wall:.1f} s wall ({wall / LIMIT_SECONDS:.2f} x the {LIMIT_SECONDS:.0f} s limit), "
          f"{cpu:.1f} s CPU")
    print(f"peak RSS, median: {rss / 1e6:.0f} MB ({rss / LIMIT_BYTES:.2f} x the 1 GB limit); "
          f"process tree, sampled: {tree / 1e6:.0f} MB ({tree / LIMIT_BYTES:.2f} x)")


if __name__ == "__main__":
    main()
