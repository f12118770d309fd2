"""Ingest speed and memory of users' tables: a long table and a wide matrix, beside DuckDB's read_csv.

Data: SYNTHETIC, clearly so -- generated here with a fixed seed, never stored in the repository: the
real M49 country codes of corridor's area table (the first 250 of kind ``country``) as residence and
birthplace, sexes, years, and random counts (some cells ``..``).

* ``long``: ``residence,birthplace,sex,year,count``, ``--rows`` rows (issue 10's target: 10 million);
* ``wide``: residence down x year, one column per birthplace: 250 x 250 x 30 years (1,875,000 cells).

Each table is ingested by ``corridor ingest FILE --mapping M`` in a child process (so its peak memory,
``ru_maxrss``, is the ingest's own), with its progress lines on stderr; the script prints rows per
second and peak memory beside DuckDB's own ``read_csv`` of the same file (the limit: reading and
counting without any checking). Issue 10's goal: each under 60 s and 1 GB.

    .venv/bin/python benchmarks/user_table_ingest.py [--rows 10000000] [--folder /tmp/bench] [--only long]

Figures (2026-12-04, the project's shared 2-core machine, load 2.9; timings noisy):

=========  ==========================  ==========================  ===========================
table      before (one read, one       now (blocks of rows, one    DuckDB ``read_csv``
           INSERT per chunk)           streamed INSERT)            (the limit: no checking)
=========  ==========================  ==========================  ===========================
long 10M   111.0 s, 90,058 rows/s,     36.0 s, 277,932 rows/s,     0.8 s, 12.9M rows/s
           peak 3,957 MB               peak 861 MB
wide       not measured                5.2 s, 357,143 cells/s,     0.3 s (7,500 lines)
250x250x30                             peak 637 MB
=========  ==========================  ==========================  ===========================

Where the time goes now (long): reading, reshaping and coding 10M rows 7 s; keys and totals 1.6 s; the
store's validation of each 250,000-row chunk and DuckDB's insert and checkpoint about 27 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from corridor.reference.areas import area_table

MAPPING = {"title": "SYNTHETIC benchmark table (not data)", "concept": "foreign_born", "kind": "census",
           "series": "bench", "vintage": "2020", "codes": {"areas": "m49", "sex": {"Total": "_T"}}}


def countries(n: int = 250) -> list[str]:
    table = area_table()
    return sorted(table.index[table["kind"] == "country"], key=int)[:n]


def write_long(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` rows of residence x birthplace x sex x year (the last dimension grows to fit)."""
    rng = np.random.default_rng(seed)
    areas = np.array(countries())
    sexes = np.array(["M", "F"])
    per_year = len(areas) * len(areas) * len(sexes)
    years = np.arange(1000, 1000 + -(-rows // per_year)).astype(str)  # as many "years" as needed
    chunk = per_year
    with path.open("w", encoding="utf-8") as out:
        out.write("residence,birthplace,sex,year,count\n")
        written = 0
        for year in years:
            n = min(chunk, rows - written)
            if n <= 0:
                break
            i = np.arange(n)
            counts = rng.integers(0, 100_000, n).astype(str).astype(object)
            counts[rng.random(n) < 0.01] = ".."
            frame = pd.DataFrame({"residence": areas[i // (len(areas) * 2)], "birthplace": areas[(i // 2) % len(areas)],
                                  "sex": sexes[i % 2], "year": year, "count": counts})
            frame.to_csv(out, header=False, index=False)
            written += n


def write_wide(path: Path, seed: int = 2, years: int = 30) -> None:
    rng = np.random.default_rng(seed)
    areas = countries()
    index = pd.MultiIndex.from_product([areas, [str(2000 + y) for y in range(years)]], names=["residence", "year"])
    frame = pd.DataFrame(rng.integers(0, 100_000, (len(index), len(areas))), index=index, columns=areas)
    frame.reset_index().to_csv(path, index=False)


def mapping(kind: str) -> dict:
    if kind == "long":
        return {**MAPPING, "columns": {"residence": "residence", "birthplace": "birthplace", "sex": "sex",
                                       "year": "year", "count": "count"}}
    return {**MAPPING, "layout": "wide", "wide": {"header_rows": ["birthplace"]},
            "columns": {"residence": "residence", "year": "year"}}


def duckdb_read(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)").fetchone()[0]
    return time.perf_counter() - start, int(n)


def child(table: Path, mapping_path: Path, warehouse: Path) -> None:
    """Run in the child process: ingest, print seconds and peak memory."""
    from corridor.sources.user_table import ingest_user_table
    from corridor.store.warehouse import Warehouse

    start = time.perf_counter()
    with Warehouse.open(warehouse) as wh:
        report = ingest_user_table(wh, table, mapping_path, progress=lambda step: print(
            f"  {time.perf_counter() - start:6.1f} s  {step}", file=sys.stderr, flush=True))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT {report.rows_accepted} {time.perf_counter() - start:.2f} {peak:.0f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/corridor-bench-user-table"))
    parser.add_argument("--only", choices=["long", "wide"])
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"load: {os.getloadavg()[0]:.2f} (2 cores shared: timings are noisy)")
    for kind in ("long", "wide"):
        if args.only and kind != args.only:
            continue
        table = args.folder / f"{kind}.csv"
        start = time.perf_counter()
        write_long(table, args.rows) if kind == "long" else write_wide(table)
        print(f"{kind}: wrote {table} ({table.stat().st_size / 1e6:.0f} MB, SYNTHETIC) in "
              f"{time.perf_counter() - start:.1f} s")
        mapping_path = args.folder / f"{kind}.yaml"
        mapping_path.write_text(yaml.safe_dump(mapping(kind)), encoding="utf-8")
        warehouse = args.folder / f"{kind}.duckdb"
        warehouse.unlink(missing_ok=True)
        seconds_duck, lines = duckdb_read(table)
        done = subprocess.run([sys.executable, __file__, "--child", str(table), str(mapping_path), str(warehouse)],
                              capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            print(f"{kind}: ingest failed")
            return 1
        rows_text, seconds_text, peak = done.stdout.split("RESULT")[1].split()
        rows, seconds = int(rows_text), float(seconds_text)
        print(f"{kind}: {rows:,} observations in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, peak {peak} MB "
              f"(goal: < 60 s, < 1024 MB); DuckDB read_csv of the same file: {lines:,} lines in "
              f"{seconds_duck:.1f} s = {lines / seconds_duck:,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
