"""The warehouse path of ``corridor flows estimate`` stays under issue 9's memory target, as a whole process.

What the test proves: ``corridor flows estimate --period 2010-2015`` (the default method, calibrated intervals,
read from and written to a warehouse of the real releases) peaks under :data:`CEILING_MB` of resident memory
(``ru_maxrss`` of the command's own process, started from a small wrapper process: a child forked from pytest
itself would inherit pytest's resident size in its high-water mark), and writes its estimate. Before the lean session
(``corridor.store.lean``: Arrow's system memory pool, DuckDB's memory bounded) and the dictionary-encoded interval
column (``corridor.store.write_stream``) the same command peaked at about 387 MB on the benchmark's warehouse
(``benchmarks/flows_benchmark.py`` part 2); with them about 265 MB, within 2 MB over five runs; about 250 MB
since the store's checks no longer load pandera (``corridor.store.validate``) and the command turns transparent
huge pages off for itself (:func:`corridor.process_memory.no_huge_pages`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corridor.store.warehouse import Warehouse

pytestmark = pytest.mark.slow

#: issue 9: "peak memory under 300 MB on both the file and the warehouse path"
CEILING_MB = 300
#: runs the command and prints its exit code, its peak (``RUSAGE_CHILDREN``: the wrapper's only child) and, to
#: explain a failure, the anonymous and file-backed parts of the largest resident size sampled every 10 ms
WRAPPER = """
import resource, subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stderr=subprocess.STDOUT)
largest = (0, 0, 0)
while child.poll() is None:
    try:
        with open(f"/proc/{child.pid}/status") as status:
            fields = {line.split(":")[0]: int(line.split()[1]) for line in status
                      if line.startswith(("VmRSS", "RssAnon", "RssFile"))}
        largest = max(largest, (fields["VmRSS"], fields["RssAnon"], fields["RssFile"]))
    except (OSError, KeyError, ValueError):
        pass
    time.sleep(0.01)
print(child.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, *largest)
"""
#: the kernel's transparent huge page setting (2 MB pages round a heap up; the command turns them off for itself)
THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def test_the_warehouse_path_peaks_under_300_mb(flow_warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    shutil.copy(flow_warehouse, path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    command = [sys.executable, "-m", "corridor.cli.main", "flows", "estimate", "--period", "2010-2015",
               "--warehouse", str(path)]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, env=env)
    *lines, last = done.stdout.rstrip().splitlines()
    text = "\n".join(lines) + done.stderr
    exit_code, peak_kb, sampled, anon, file = map(int, last.split())
    assert exit_code == 0, text
    peak_mb = peak_kb / 1024  # kilobytes on Linux
    huge_pages = THP.read_text().strip() if THP.exists() else "unknown"
    assert peak_mb < CEILING_MB, (f"peak {peak_mb:.0f} MB; largest sample {sampled / 1024:.0f} MB = anonymous "
                                  f"{anon / 1024:.0f} + file-backed {file / 1024:.0f}; transparent huge pages: "
                                  f"{huge_pages}")
    with Warehouse.open(path, read_only=True) as wh:
        written = [d for d in wh.datasets().dataset_id if d.startswith("est:flows:da_min_closed:2010-2015:_T@")]
    assert len(written) == 1, text
