"""Benchmark: flow estimation on the real 199-area case, against migest 2.0.5's published figures.

The real case (issue 3): UN DESA IMS 2019 origin-destination stocks for 2010 and 2015, native-born from
WPP 2019 population, births and deaths summed over 2010-2014 from WPP 2024 (``misc1dt.rda``), for the
199 areas present in all three sources; read straight from the mirror (``corridor.config.mirror_dir()``).

Peer: migest 2.0.5 on this class of machine (2 cores), as quoted in the issue: ``da_min_closed``
12.5 s and about 1.2 GB, ``da_min_open`` 2.5 s, ``da_ind_closed`` 9.4 s. R/migest is not installed
here; the comparison is with those published figures.

Targets: ``da_min_closed`` >= 20x faster than migest with peak resident memory < 300 MB (measured in a
fresh subprocess: the peak includes Python, NumPy and pandas); all seven methods for the six periods
1990-2020, both sexes and by sex, < 60 s; 200-replicate uncertainty for one period and method < 60 s.

Run: ``.venv/bin/python benchmarks/flows_benchmark.py [--runs 5]``.
"""

from __future__ import annotations

import argparse
import json
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

    from corridor.config import mirror_dir
    from corridor.estimate.flows import METHODS, estimate
    from corridor.estimate.flows.stocks import StockSource, mirror_frames, sex_frames
    from corridor.estimate.flows.uncertainty import flow_interval

    mirror = mirror_dir()
    if mirror is None or not mirror.is_dir():
        sys.exit("real-data mirror not found (set CORRIDOR_MIRROR)")
    mirror = mirror.resolve()
    t = time.perf_counter()
    frames = {"_T": mirror_frames(mirror)}
    frames["M"] = sex_frames(frames["_T"], mirror, "M")
    frames["F"] = sex_frames(frames["_T"], mirror, "F")
    sources = {sex: StockSource(*fr) for sex, fr in frames.items()}
    read_s = time.perf_counter() - t
    real = sources["_T"].tables((2010, 2015))
    tables = real.tables
    print(f"real case 2010-2015: {tables.n} areas (target 199); reading and indexing the mirror "
          f"files (both sexes, male, female): {read_s:.1f} s")

    import os

    print(f"machine load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
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
