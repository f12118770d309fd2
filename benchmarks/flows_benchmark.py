"""Benchmark: the main job's stages, and flow estimation on the real 199-area case against migest 2.0.5.

0. The main job, ``corridor run --no-serve`` on a fresh warehouse (in a subprocess): wall time of each
   stage (ingest, flows, summary: the ``stage`` lines it prints), the whole, and its peak resident
   memory. Targets (issue 8): < 30 s and < 1 GB.

The real case (issue 3) is then read from that warehouse -- every number enters through
sources -> store: UN DESA IMS 2019 origin-destination stocks for 2010 and 2015, native-born from WPP
2019 population, births and deaths summed over 2010-2014 from WPP 2024, for the 199 areas present in
all three sources (the latest vintage of each series, ``corridor.estimate.flows.store.read_inputs``).

Peer: migest 2.0.5 on this class of machine (2 cores), as quoted in the issue: ``da_min_closed``
12.5 s and about 1.2 GB, ``da_min_open`` 2.5 s, ``da_ind_closed`` 9.4 s. R/migest is not installed
here; the comparison is with those published figures.

Targets: ``da_min_closed`` >= 20x faster than migest with peak resident memory < 300 MB (measured in a
fresh subprocess: the peak includes Python, NumPy and pandas); all seven methods for the six periods
1990-2020, both sexes and by sex, < 60 s; 200-replicate uncertainty for one period and method < 60 s.

Run: ``.venv/bin/python benchmarks/flows_benchmark.py [--runs 5]`` (the mirror: ``CORRIDOR_MIRROR`` or
``../shared/data``). Timings on a shared machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIGEST = {"da_min_closed": 12.5, "da_min_open": 2.5, "da_ind_closed": 9.4}
MIGEST_MEMORY_MB = 1200
PERIODS = [(1990, 1995), (1995, 2000), (2000, 2005), (2005, 2010), (2010, 2015), (2015, 2020)]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (``VmHWM``; unlike ``ru_maxrss`` it is not inherited from
    the parent across fork/exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(npz: str, runs: int, method: str) -> None:
    """Fresh process: load the tables, run ``method`` ``runs`` times, report times and peak RSS."""
    import numpy as np

    from corridor.estimate.flows import StockTables, estimate

    data = np.load(npz, allow_pickle=False)
    tables = StockTables([str(a) for a in data["areas"]], data["start"], data["end"], data["births"],
                         data["deaths"])
    rss_before = peak_rss_mb()
    times = []
    total = None
    for _ in range(runs):
        t = time.perf_counter()
        result = estimate(tables, method)
        times.append(time.perf_counter() - t)
        total = result.total
    peak = peak_rss_mb()
    print(json.dumps({"times": times, "peak_rss_mb": peak, "rss_after_imports_mb": rss_before,
                      "total": total, "converged": bool(result.ipf.converged)}))


def measure(npz: Path, method: str, runs: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", str(npz), "--runs", str(runs), "--method",
                           method], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main_job(mirror: Path, warehouse: Path, cache: Path) -> None:
    """Run ``corridor run --no-serve`` on a fresh warehouse; print each stage's time, the whole and the peak
    resident memory of the process (``ru_maxrss`` of the finished child)."""
    env = {**os.environ, "CORRIDOR_CACHE": str(cache), "CORRIDOR_MIRROR": str(mirror)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "corridor.cli.main", "run", "--no-serve", "--warehouse",
                           str(warehouse)], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("0. the main job, corridor run --no-serve, fresh warehouse")
    for name, seconds in re.findall(r"^stage (\w+): ([\d.]+) s", proc.stderr, flags=re.MULTILINE):
        print(f"  {name:8s} {float(seconds):6.1f} s")
    print(f"  {'whole':8s} {wall:6.1f} s wall (target < 30 s), peak RSS {peak_mb:.0f} MB (target < 1000 MB)")
    for line in proc.stdout.splitlines():
        if line.startswith("Estimated movers"):
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median reported)")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--child")
    parser.add_argument("--method", default="da_min_closed")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs, args.method)
        return

    import numpy as np
    from corridor.estimate.flows.uncertainty import flow_interval

    from corridor.config import mirror_dir
    from corridor.estimate.flows import METHODS, estimate
    from corridor.estimate.flows.stocks import StockSource
    from corridor.estimate.flows.store import read_inputs
    from corridor.store.warehouse import Warehouse

    mirror = mirror_dir()
    if mirror is None or not mirror.is_dir():
        sys.exit("real-data mirror not found (set CORRIDOR_MIRROR)")
    print(f"machine load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "corridor.duckdb"
        main_job(mirror.resolve(), warehouse, Path(tmp) / "cache")
        t = time.perf_counter()
        with Warehouse.open(warehouse, read_only=True) as wh:
            data = read_inputs(wh, ("_T", "M", "F"))
        sources = {sex: StockSource(*data.frames[sex]) for sex in data.frames}
        read_s = time.perf_counter() - t
    real = sources["_T"].tables((2010, 2015))
    tables = real.tables
    print(f"\nreal case 2010-2015: {tables.n} areas (target 199) from {', '.join(data.inputs['_T'])}; reading "
          f"the warehouse and indexing (both sexes, male, female): {read_s:.1f} s")

    print("\n1. single method, fresh subprocess, median of", args.runs, "runs")
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "case.npz"
        np.savez(npz, areas=np.array(tables.areas), start=tables.start, end=tables.end,
                 births=tables.births, deaths=tables.deaths)
        for method, peer in MIGEST.items():
            m = measure(npz, method, args.runs)
            med = statistics.median(m["times"])
            line = (f"  {method:14s} {med:7.3f} s  (migest {peer:4.1f} s: {peer / med:6.1f}x faster"
                    + (", target >= 20x" if method == "da_min_closed" else "") + ")"
                    + f"  total {m['total'] / 1e6:.2f} M, converged {m['converged']}")
            print(line)
            if method == "da_min_closed":
                print(f"  {'':14s} peak RSS {m['peak_rss_mb']:.0f} MB (target < 300 MB; migest ~"
                      f"{MIGEST_MEMORY_MB} MB); of which {m['rss_after_imports_mb']:.0f} MB after imports")

    print("\n2. all seven methods x six periods 1990-2020 x (both sexes, male, female)")
    t, cpu = time.perf_counter(), time.process_time()
    count = 0
    totals = {}
    for sex, source in sources.items():
        for period in PERIODS:
            prepared = source.tables(period)
            for method in METHODS:
                result = estimate(prepared.tables, method)
                totals[(sex, period, method)] = result.total
                count += 1
    all_s, all_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"  {count} estimates (tables of each period prepared from the indexed sources, included) in "
          f"{all_s:.1f} s wall, {all_cpu:.1f} s CPU (target < 60 s)")
    for period in PERIODS:
        row = "  ".join(f"{m} {totals[('_T', period, m)] / 1e6:6.1f}" for m in METHODS)
        print(f"    {period[0]}-{period[1]} both sexes, millions: {row}")

    print(f"\n3. uncertainty: {args.replicates} bootstrap replicates, da_min_closed 2010-2015")
    point = estimate(tables, "da_min_closed")
    t, cpu = time.perf_counter(), time.process_time()
    interval = flow_interval(tables, point, replicates=args.replicates)
    unc_s, unc_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"  {unc_s:.1f} s wall, {unc_cpu:.1f} s CPU (target < 60 s); interval: {interval.description}")


if __name__ == "__main__":
    main()
