"""Tabulation benchmark: corridor (Ibis on DuckDB) vs hand-written DuckDB SQL vs pandas.

The table: country of birth x sex x 5-year age group x 5-year period of arrival, weighted (sum of
``weight``) and unweighted (records), on the synthetic census (``corridor.microdata.synthetic``),
generated into ``var/bench/`` if absent.

Peers and limits (issue 4):
- hand-written DuckDB SQL on the same Parquet file, the practical limit on this machine: corridor's
  median should be within 1.3x of it;
- pandas (``read_parquet`` of the needed columns + ``groupby``): corridor should be >= 10x faster.
  pandas cannot hold 100 million persons comfortably, so it runs on a subset file (the first
  ``--pandas-persons`` persons, written beside the census) and its time is scaled linearly to the full
  file (stated in the output). On that subset all three methods are also timed directly.

Timing: one child process per file runs every method once untimed (page cache, library start-up),
then ``--repeat`` rounds in which the methods run one after the other (interleaved, so a change in the
shared machine's load hits them alike). Peak memory (``ru_maxrss``): one fresh process per method,
one run. The benchmark prints medians, ratios and peak memory.

    .venv/bin/python benchmarks/tabulate_benchmark.py [--persons 100_000_000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BY = ["country_of_birth", "sex", "age_group", "period_of_arrival"]
MAP = "country_of_birth=country_of_birth,sex=sex,age=age,year_of_arrival=year_of_arrival,weight=weight"

SQL = """
SELECT country_of_birth, sex,
       CASE WHEN age < 0 THEN NULL WHEN age >= 100 THEN 100 ELSE (age // 5) * 5 END AS age5,
       CASE WHEN year_of_arrival <= 0 THEN NULL ELSE (year_of_arrival // 5) * 5 END AS arrival5,
       count(*) AS n, sum(weight) AS estimate
FROM read_parquet(?)
GROUP BY ALL
"""


def run_corridor(path: str) -> int:
    from corridor.microdata.engines import connect, load_table
    from corridor.microdata.tabulate import tabulate
    from corridor.microdata.variables import parse_map

    con = connect("duckdb")
    table = tabulate(load_table(con, path), BY, parse_map(MAP), weight="weight")
    return len(table)


def run_sql(path: str) -> int:
    import duckdb

    con = duckdb.connect()
    return len(con.execute(SQL, [path]).df())


def run_pandas(path: str) -> int:
    import pandas as pd

    df = pd.read_parquet(path, columns=["country_of_birth", "sex", "age", "year_of_arrival", "weight"])
    age5 = (df["age"].clip(upper=100) // 5) * 5
    arrival5 = (df["year_of_arrival"] // 5) * 5
    out = (df.assign(age5=age5, arrival5=arrival5)
           .groupby(["country_of_birth", "sex", "age5", "arrival5"], dropna=False, observed=True)["weight"]
           .agg(n="size", estimate="sum"))
    return len(out)


METHODS = {"corridor": run_corridor, "duckdb_sql": run_sql, "pandas": run_pandas}


def child(methods: list[str], path: str, repeat: int) -> None:
    """Time ``methods`` on ``path`` in this process, interleaved round by round (so a change in the
    shared machine's load hits every method alike); print times and cell counts as JSON.

    With ``repeat == 0`` the method runs once untimed and only the process's peak memory is reported.
    """
    import duckdb  # noqa: F401  - imports are not part of the timing
    import pandas  # noqa: F401

    import corridor.microdata.tabulate  # noqa: F401

    if repeat == 0:
        rows = METHODS[methods[0]](path)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"method": methods[0], "rows": rows, "peak_mb": peak_mb}))
        return
    for m in methods:  # warm-up run, not timed (file in the page cache, libraries initialised)
        METHODS[m](path)
    times: dict[str, list[float]] = {m: [] for m in methods}
    rows: dict[str, int] = {}
    for _ in range(repeat):
        for m in methods:
            start = time.perf_counter()
            rows[m] = METHODS[m](path)
            times[m].append(time.perf_counter() - start)
    print(json.dumps({"times": times, "rows": rows}))


def _child(methods: list[str], path: Path, repeat: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", ",".join(methods), "--path", str(path),
                          "--repeat", str(repeat)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(methods: list[str], path: Path, repeat: int) -> dict[str, dict]:
    """Medians from one interleaved timing process; peak memory from one fresh process per method."""
    timed = _child(methods, path, repeat)
    result = {}
    for m in methods:
        mem = _child([m], path, 0)
        result[m] = {"times": timed["times"][m], "median": statistics.median(timed["times"][m]),
                     "rows": timed["rows"][m], "peak_mb": mem["peak_mb"]}
    return result


def ensure_files(persons: int, pandas_persons: int, folder: Path) -> tuple[Path, Path]:
    from corridor.microdata.synthetic import write_synthetic_census

    folder.mkdir(parents=True, exist_ok=True)
    full = folder / f"census_{persons // 1_000_000}m.parquet"
    if not full.exists():
        print(f"generating {persons:,} persons into {full} ...", flush=True)
        write_synthetic_census(full, persons)
    subset = folder / f"census_{persons // 1_000_000}m_first_{pandas_persons // 1_000_000}m.parquet"
    if not subset.exists():
        import duckdb

        duckdb.connect().execute(
            f"COPY (SELECT * FROM read_parquet('{full}') LIMIT {pandas_persons}) TO '{subset}' "
            "(FORMAT parquet, COMPRESSION zstd)")
    return full, subset


def main() -> None:
    parser = argparse.ArgumentParser(description="corridor tabulation benchmark")
    parser.add_argument("--persons", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--pandas-persons", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", default="var/bench")
    parser.add_argument("--child")
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child:
        child(args.child.split(","), args.path, args.repeat)
        return
    full, subset = ensure_files(args.persons, args.pandas_persons, Path(args.folder))
    import duckdb

    n_full = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(full)]).fetchone()[0]
    n_sub = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(subset)]).fetchone()[0]
    print(f"table: {' x '.join(BY)}, weighted; median of {args.repeat} interleaved runs after a warm-up")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores (shared machine)")
    print(f"full file: {full} ({n_full:,} persons, {full.stat().st_size / 1e9:.2f} GB)")
    res = measure(["corridor", "duckdb_sql"], full, args.repeat)
    sub = measure(list(METHODS), subset, args.repeat)
    assert res["corridor"]["rows"] == res["duckdb_sql"]["rows"], "corridor and SQL disagree on the cells"
    assert sub["corridor"]["rows"] == sub["pandas"]["rows"], "corridor and pandas disagree on the cells"
    scale = n_full / n_sub
    pandas_scaled = sub["pandas"]["median"] * scale

    def line(name: str, r: dict, extra: str = "") -> None:
        print(f"  {name:<24} median {r['median']:8.2f} s   peak memory {r['peak_mb']:8.0f} MB   "
              f"cells {r['rows']:,}{extra}")

    print(f"\non the full file ({n_full:,} persons):")
    line("corridor (Ibis/DuckDB)", res["corridor"])
    line("hand-written DuckDB SQL", res["duckdb_sql"])
    print(f"  pandas (scaled)          ~{pandas_scaled:8.2f} s   = subset time x {scale:.1f} "
          f"(pandas on {n_sub:,} persons; the full file is not loaded into pandas)")
    r_sql = res["corridor"]["median"] / res["duckdb_sql"]["median"]
    r_pd = pandas_scaled / res["corridor"]["median"]
    print(f"  corridor / SQL   = {r_sql:5.2f}x   (limit: <= 1.3x)   {'OK' if r_sql <= 1.3 else 'MISSED'}")
    print(f"  pandas / corridor = {r_pd:5.1f}x   (target: >= 10x)  {'OK' if r_pd >= 10 else 'MISSED'}")
    print(f"\non the subset ({n_sub:,} persons), all measured directly:")
    for m, name in (("corridor", "corridor (Ibis/DuckDB)"), ("duckdb_sql", "hand-written DuckDB SQL"),
                    ("pandas", "pandas")):
        line(name, sub[m])
    print(f"  corridor / SQL   = {sub['corridor']['median'] / sub['duckdb_sql']['median']:5.2f}x   "
          f"pandas / corridor = {sub['pandas']['median'] / sub['corridor']['median']:5.1f}x")
    print("\nall runs (s):", json.dumps({k: [round(t, 2) for t in v["times"]] for k, v in res.items()}),
          json.dumps({"subset_" + k: [round(t, 2) for t in v["times"]] for k, v in sub.items()}))


if __name__ == "__main__":
    main()
