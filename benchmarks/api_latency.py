"""Latency and throughput of the data API (and the portal's country page) under concurrent load.

Set-up: a warehouse with the real UN DESA IMS 2019 and 2020 releases (``--warehouse PATH``, or built
in a temporary folder from the mirror through the real ingest), served by ``corridor serve`` in its
own process(es) on loopback. The load comes from a SEPARATE process (this script re-invoked with
``--generate``): an open-loop asyncio + httpx generator that starts requests on a fixed schedule
(``--rate`` per second for ``--duration`` seconds, over ``--concurrency`` keep-alive connections) and measures
each latency from the request's *scheduled* start, so a server that falls behind is charged for the
queueing it causes (no coordinated omission).

Scenarios (each rotates over ``--countries`` different countries, after a warm-up pass):

* ``MIG_STOCK one-country``: ``/data/MIG_STOCK/{m49}.._T?startPeriod=2015&format=sdmx-csv`` (every
  origin of one destination, SDMX-CSV 2.0 via pysdmx) in three set-ups: as served (response cache on,
  MIG_STOCK preloaded into the selection cache); response cache off (every request takes its
  selection's rows from the selection cache, warm after the warm-up pass, and writes SDMX-CSV with
  pysdmx); response and selection cache off (every request runs its selection on DuckDB -- plus one
  query for the dataflow's period codes, as ``startPeriod`` is given -- and writes);
* ``country profile``: ``/country/{m49}`` when the portal is installed (served set-up only);
* ``uncached distinct`` (``--modes 3``, issue 11 item 7): every request different and never asked
  before -- random country pairs of MIG_STOCK with a random year, of MIG_FLOW with a random method and
  period, one country of POP, MIG_SHARE and NET_MIG -- so no cache can answer; no warm-up; at 50 and
  at ``--rate`` requests/s against the served set-up (``--client-limit`` raised: the load stands for
  many clients at one address). Beside it, a **hostile client** (another process) asks for full dumps
  of every dataflow in every format, four at a time, while the distinct queries run at 50/s and then at
  ``--rate``; the resident memory of the server's processes (the sum of their RSS) is sampled every
  0.2 s and its maximum printed beside the limit of 1 GB. Each ``--repeat`` starts a new server (no
  answer kept from before) and the medians are printed (the largest memory peak).

The set-ups without the response cache are driven at ``--uncached-rate`` (default 10/s): they cannot
sustain 200/s on this machine, and their figures say what one uncached query costs; ``wrk`` (Debian
package, closed loop, 8 connections) reports the most each set-up answers per second.

The server is left to finish its background pre-warming (each dataflow's published observations read
into memory, compiled statements of the common query shapes) before the distinct queries start, and for each run the CPU
seconds of the server and of the load generator are printed: the generator runs on the same 2 cores
(a lean one -- raw asyncio streams -- but not free), and so do the other users of a shared machine,
whose share the load average shows.

Limits: p99 under 50 ms at 200 requests/s for data queries on this 2-core machine (issue 5; issue 11:
for *uncached distinct* queries), server memory under 1 GB with a hostile client (issue 11). The
script prints p50, p99, max, achieved throughput and errors per scenario, and the verdict beside each
limit. Timings on the shared machine are noisy: the load average is printed with them.

    .venv/bin/python benchmarks/api_latency.py [--warehouse PATH] [--rate 200] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMS_RELEASES = ("undesa-ims-2019-od", "undesa-ims-2019-totals", "undesa-ims-2020-sex-destination")
LIMIT_P99_MS = 50.0
LIMIT_MEMORY_MB = 1024.0
#: a request not answered this long after its scheduled start counts as a timeout (latency = the timeout)
REQUEST_TIMEOUT_S = 10.0


# -- the load generator (runs in its own process) ---------------------------------------------------
class _Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a minimal client, so that the generator
    costs little CPU per request (httpx's per-request overhead made the generator, not the server, the
    bottleneck on this shared 2-core machine)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """GET ``path``; a kept-alive connection the server has closed meanwhile (uvicorn closes idle
        ones after 5 s) is reopened once, as HTTP clients do."""
        fresh = self.writer is None
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            if fresh:
                raise
            self.writer = None
            return await self._get(path)

    async def _get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: keep-alive\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = None
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if length is not None:
            await self.reader.readexactly(length)
        elif chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        return status


async def _generate(base: str, paths: list[str], rate: float, duration: float, concurrency: int,
                    warm_up: bool = True, timeout: float = REQUEST_TIMEOUT_S) -> dict:
    host, port = base.removeprefix("http://").split(":")
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(concurrency):
        pool.put_nowait(_Connection(host, int(port)))
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def one(path: str, scheduled: float) -> None:
        try:
            conn = await asyncio.wait_for(pool.get(), timeout=max(0.001, scheduled + timeout - time.perf_counter()))
        except TimeoutError:  # waited the whole timeout for a free connection: the server fell behind
            errors["timeout"] = errors.get("timeout", 0) + 1
            latencies.append(timeout * 1000)
            return
        try:
            left = max(0.001, scheduled + timeout - time.perf_counter())
            status = await asyncio.wait_for(conn.get(path), timeout=left)
            if status != 200:
                errors[str(status)] = errors.get(str(status), 0) + 1
        except TimeoutError:
            errors["timeout"] = errors.get("timeout", 0) + 1
            if conn.writer is not None:
                conn.writer.close()
            conn.writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            conn.writer = None
        finally:
            pool.put_nowait(conn)
        latencies.append(min(timeout, time.perf_counter() - scheduled) * 1000)

    # warm-up: every path on every connection (connections stick to one uvicorn worker, each worker has
    # its own cache), connections in parallel: the state a served API reaches after a while
    async def warm(conn: _Connection) -> None:
        for path in paths:
            await conn.get(path)

    if warm_up:
        await asyncio.gather(*(warm(conn) for conn in list(pool._queue)))  # noqa: SLF001
    latencies.clear()
    errors.clear()
    total = int(rate * duration)
    start = time.perf_counter()
    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(paths[i % len(paths)], scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"latencies_ms": latencies, "errors": errors, "elapsed_s": elapsed, "requests": total}


def _generator_main(args: argparse.Namespace) -> None:
    paths = json.loads(Path(args.generate).read_text())
    cpu = time.process_time()
    result = asyncio.run(_generate(args.base, paths, args.rate, args.duration, args.concurrency,
                                   warm_up=not args.no_warm_up))
    result["generator_cpu_s"] = time.process_time() - cpu  # the generator shares the 2 cores with the server
    print(json.dumps(result))


# -- the benchmark driver -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build_warehouse(folder: Path) -> Path:
    from corridor.config import mirror_dir
    from corridor.sources.ingest import ingest_release
    from corridor.store.warehouse import Warehouse

    path = folder / "ims.duckdb"
    with Warehouse.open(path) as wh:
        for release_id in IMS_RELEASES:
            ingest_release(wh, release_id, mirror=mirror_dir())
    return path


def _start_server(warehouse: Path, port: int, workers: int, options: list[str], log: Path) -> subprocess.Popen:
    import httpx

    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "corridor.cli.serve", "--host", "127.0.0.1", "--port", str(port),
         "--warehouse", str(warehouse), "--workers", str(workers), *options,
         "--log-level", "warning", "--audit-log", str(log.with_suffix(".audit.jsonl"))],
        stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, CORRIDOR_TOKENS=""),
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"corridor serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"corridor serve did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _countries(warehouse: Path, n: int) -> list[str]:
    """The ``n`` countries (M49 below 900) with the largest public migrant stocks, read through the store."""
    from corridor.store.selection import Selection
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse, read_only=True) as wh:
        totals = wh.select(Selection.of("MIG_STOCK", counterpart_area="_T", sex="_T", vintages="all"))
    totals = totals[totals["ref_area"].str.fullmatch(r"\d+") & (totals["ref_area"].str.len() > 0)]
    totals = totals[totals["ref_area"].astype(int) < 900]
    largest = totals.groupby("ref_area")["value"].max().sort_values(ascending=False, na_position="last")
    return [str(code) for code in largest.index[:n]]


def _distinct_paths(warehouse: Path, n: int, seed: int = 11) -> list[str]:
    """``n`` different data queries nobody asked before (see the module docstring), seeded, drawn from
    keys the warehouse holds (read through the store) so that each has an answer."""
    import random

    from corridor.store.selection import Selection
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(warehouse, read_only=True) as wh:
        stock = wh.select(Selection.of("MIG_STOCK", sex="_T", vintages="all"),
                          columns=["ref_area", "counterpart_area", "time_period"])
        flows = wh.select(Selection.of("MIG_FLOW", sex="_T", birthplace="_T", method=["da_pb_closed"],
                                       vintages="all"), columns=["ref_area", "counterpart_area", "time_period"])
    stock = stock[(stock["counterpart_area"] != "_T")].drop_duplicates().to_numpy().tolist()
    flows = flows[(flows["counterpart_area"] != "_T")].drop_duplicates().to_numpy().tolist()
    countries = _countries(warehouse, 120)
    rng = random.Random(seed)
    seen: dict[str, None] = {}  # insertion order: the same seed gives the same list
    while len(seen) < n:
        kind = rng.randrange(5)
        if kind < 2:
            dest, orig, year = rng.choice(stock)
            path = f"/data/MIG_STOCK/{dest}.{orig}._T?startPeriod={year}&endPeriod={year}&format=sdmx-csv"
        elif kind == 2:
            dest, orig, period = rng.choice(flows)
            path = f"/data/MIG_FLOW/{dest}.{orig}._T.da_pb_closed?startPeriod={period[:4]}&format=sdmx-csv"
        else:
            a = rng.choice(countries)
            flow = rng.choice(["POP/{a}._T._T", "MIG_SHARE/{a}._T", "NET_MIG/{a}._T"]).format(a=a)
            path = f"/data/{flow}?lastNObservations={rng.randint(1, 9)}&format=sdmx-csv"
        seen[path] = None
    return list(seen)


def _hostile_paths() -> list[str]:
    return [f"/data/{flow}/all?format={fmt}" for flow in ("MIG_STOCK", "MIG_FLOW", "POP", "REFUGEES")
            for fmt in ("csv", "jsonstat", "sdmx-ml", "json")]


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def _wait_idle(pid: int, limit_s: float = 60.0) -> float:
    """Wait until the server's processes use under 5% of a core over a second (its background
    pre-warming has ended: a server that has been up for a while), at most ``limit_s``; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = _tree_cpu_s(pid)
        time.sleep(1.0)
        if _tree_cpu_s(pid) - before < 0.05:
            break
    return time.monotonic() - started


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (from /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


def _run_load(base: str, paths: list[str], rate: float, duration: float, concurrency: int,
              folder: Path, *, warm_up: bool = True, hostile: bool = False, server_pid: int | None = None) -> dict:
    path_file = folder / "paths.json"
    path_file.write_text(json.dumps(paths))
    command = [sys.executable, __file__, "--generate", str(path_file), "--base", base, "--rate", str(rate),
               "--duration", str(duration), "--concurrency", str(concurrency)]
    if not warm_up:
        command.append("--no-warm-up")
    if hostile or server_pid is not None:
        return _run_with_sampling(command, base, duration, folder, hostile, server_pid)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration * 10 + 300,
    )
    if done.returncode != 0:
        raise SystemExit(f"load generator failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_with_sampling(command: list[str], base: str, duration: float, folder: Path, hostile: bool,
                       server_pid: int | None) -> dict:
    """Run the generator; meanwhile (``hostile``) a second generator asks for full dumps, four at a
    time, and the server's resident memory is sampled every 0.2 s."""
    hostile_proc = None
    if hostile:
        dumps = folder / "hostile.json"
        dumps.write_text(json.dumps(_hostile_paths()))
        hostile_proc = subprocess.Popen(
            [sys.executable, __file__, "--generate", str(dumps), "--base", base, "--rate", "4",
             "--duration", str(duration), "--concurrency", "4", "--no-warm-up"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cpu_before = _tree_cpu_s(server_pid) if server_pid is not None else 0.0
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while load.poll() is None:
        if server_pid is not None:
            peak = max(peak, _tree_rss_mb(server_pid))
        time.sleep(0.2)
    out, err = load.communicate()
    hostile_result = None
    if hostile_proc is not None:
        hostile_out, _ = hostile_proc.communicate(timeout=duration * 10 + 300)
        lines = hostile_out.strip().splitlines()
        hostile_result = json.loads(lines[-1])["errors"] if lines else None
    if load.returncode != 0:
        raise SystemExit(f"load generator failed:\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = peak
    result["server_cpu_s"] = _tree_cpu_s(server_pid) - cpu_before if server_pid is not None else None
    result["hostile_statuses"] = hostile_result
    return result


def _wrk(base: str, paths: list[str], duration: float, folder: Path) -> str | None:
    """Closed-loop saturation run with wrk (Debian package ``wrk``), rotating over the paths: the most
    the server answers per second with 8 connections, and wrk's latency distribution at that load."""
    import shutil

    if shutil.which("wrk") is None:
        return None
    script = folder / "rotate.lua"
    listed = ", ".join(json.dumps(p) for p in paths)
    script.write_text("paths = {" + listed + "}\ni = 0\nrequest = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format(\"GET\", paths[i])\nend\n")
    done = subprocess.run(["wrk", "-t1", "-c8", f"-d{int(duration)}s", "--latency", "-s", str(script), base],
                          capture_output=True, text=True, timeout=duration + 120)
    keep = [line.strip() for line in done.stdout.splitlines()
            if line.strip().startswith(("50%", "99%", "Requests/sec", "Non-2xx"))]
    return "; ".join(keep)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _report(name: str, result: dict, rate: float) -> dict:
    lat = result["latencies_ms"]
    answered = len(lat) - sum(result["errors"].values())  # a timeout or an error status is not throughput
    row = {
        "scenario": name, "requests": len(lat), "target_rps": rate,
        "throughput_rps": answered / result["elapsed_s"], "p50_ms": statistics.median(lat),
        "p99_ms": _quantile(lat, 0.99), "max_ms": max(lat), "errors": result["errors"],
    }
    verdict = "meets" if row["p99_ms"] < LIMIT_P99_MS and not row["errors"] else "MISSES"
    print(f"{name:<44} {row['throughput_rps']:7.1f} req/s  p50 {row['p50_ms']:7.1f} ms  "
          f"p99 {row['p99_ms']:8.1f} ms  max {row['max_ms']:8.1f} ms  errors {row['errors'] or 0}  "
          f"-> {verdict} the limit p99 < {LIMIT_P99_MS:.0f} ms", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="warehouse with IMS 2019 and 2020 (default: build one)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per scenario")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections (requests in flight)")
    parser.add_argument("--countries", type=int, default=50, help="distinct countries the queries rotate over")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario (medians are printed)")
    parser.add_argument("--uncached-rate", type=float, default=10.0,
                        help="requests per second for the set-ups without the response cache (their capacity "
                             "is far below 200/s: every request runs the query and pysdmx)")
    parser.add_argument("--modes", default="0,1,2,3",
                        help="set-ups to run: 0 served, 1 response cache off, 2 both caches off, "
                             "3 uncached distinct queries and a hostile client")
    parser.add_argument("--no-warm-up", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        _generator_main(args)
        return

    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as tmp:
        folder = Path(tmp)
        warehouse = args.warehouse or _build_warehouse(folder)
        countries = _countries(warehouse, args.countries)
        print(f"warehouse {warehouse}; {len(countries)} countries; {args.rate:.0f} req/s for "
              f"{args.duration:.0f} s per run; {args.workers} uvicorn worker(s); load from a separate process; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
        data_paths = [f"/data/MIG_STOCK/{c}.._T?startPeriod=2015&format=sdmx-csv" for c in countries]
        rows = []
        modes = [
            ("cache on", ["--preload", "MIG_STOCK"]),
            ("cache off, selection cache", ["--cache-size", "0", "--preload", "MIG_STOCK"]),
            ("cache off, DuckDB per request", ["--cache-size", "0", "--no-memory-index"]),
        ]
        wanted = {int(m) for m in args.modes.split(",") if m.strip()}
        if 3 in wanted:  # each repeat on a new server: nothing asked before, no answer kept
            repeats = [_uncached_distinct(warehouse, args, folder) for _ in range(args.repeat)]
            for i, first in enumerate(repeats[0]):
                rows.append({**first, **{k: statistics.median(run[i][k] for run in repeats)
                                         for k in ("throughput_rps", "p50_ms", "p99_ms", "max_ms")},
                             "errors": any(run[i]["errors"] for run in repeats),
                             "peak_rss_mb": max(run[i]["peak_rss_mb"] for run in repeats)})
        for number, (label, options) in enumerate(modes):
            if number not in wanted:
                continue
            rate = args.rate if number == 0 else args.uncached_rate
            port = _free_port()
            proc = _start_server(warehouse, port, args.workers, options, folder / f"serve-{number}.log")
            try:
                base = f"http://127.0.0.1:{port}"
                scenarios = [(f"MIG_STOCK one-country, SDMX-CSV ({label})", data_paths)]
                import httpx

                has_portal = httpx.get(f"{base}/country/{countries[0]}", timeout=120).status_code == 200
                if has_portal and number == 0:
                    scenarios.append(("country profile page /country/{m49}",
                                      [f"/country/{c}" for c in countries]))
                for name, paths in scenarios:
                    runs = [_report(f"{name} at {rate:.0f} req/s, run {i + 1}",
                                    _run_load(base, paths, rate, args.duration, args.concurrency, folder), rate)
                            for i in range(args.repeat)]
                    median = {k: statistics.median(r[k] for r in runs)
                              for k in ("throughput_rps", "p50_ms", "p99_ms", "max_ms")}
                    rows.append({"scenario": name, "rate": rate, **median,
                                 "errors": sum(bool(r["errors"]) for r in runs)})
                    saturation = _wrk(base, paths, args.duration, folder)
                    if saturation:
                        print(f"  wrk, closed loop, 8 connections ({name}): {saturation}", flush=True)
            finally:
                _stop(proc)
        print(f"\nmedians over runs (load average now {os.getloadavg()[0]:.1f}):")
        for row in rows:
            verdict = "meets" if row["p99_ms"] < LIMIT_P99_MS and not row["errors"] else "MISSES"
            print(f"  {row['scenario']:<48} {row['throughput_rps']:7.1f} req/s  p50 {row['p50_ms']:7.1f} ms  "
                  f"p99 {row['p99_ms']:8.1f} ms  ({verdict} p99 < {LIMIT_P99_MS:.0f} ms at {row['rate']:.0f} req/s)")
            if row.get("peak_rss_mb"):
                verdict = "meets" if row["peak_rss_mb"] < LIMIT_MEMORY_MB else "MISSES"
                print(f"  {'':<48} server memory peak {row['peak_rss_mb']:.0f} MB ({verdict} < "
                      f"{LIMIT_MEMORY_MB:.0f} MB)")


def _uncached_distinct(warehouse: Path, args: argparse.Namespace, folder: Path) -> list[dict]:
    """Mode 3: distinct never-asked queries at 50/s and at ``--rate``, then at 50/s and at ``--rate``
    beside a hostile client, against the served set-up (see the module docstring)."""
    rows = []
    port = _free_port()
    proc = _start_server(warehouse, port, args.workers, ["--client-limit", "1000"], folder / "serve-3.log")
    waited = _wait_idle(proc.pid)
    print(f"server idle (pre-warming done) after {waited:.0f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    base = f"http://127.0.0.1:{port}"
    runs = ((50.0, False), (args.rate, False), (50.0, True), (args.rate, True))
    every = _distinct_paths(warehouse, sum(int(rate * args.duration) for rate, _ in runs), seed=11)
    used = 0
    try:
        for rate, hostile in runs:
            count = int(rate * args.duration)
            paths = every[used:used + count]
            used += count
            name = f"uncached distinct{' + hostile client' if hostile else ''}"
            result = _run_load(base, paths, rate, args.duration, args.concurrency, folder, warm_up=False,
                               hostile=hostile, server_pid=proc.pid)
            row = _report(f"{name} at {rate:.0f} req/s", result, rate)
            print(f"  CPU during the run: server {result['server_cpu_s']:.1f} s, load generator "
                  f"{result['generator_cpu_s']:.1f} s, over {result['elapsed_s']:.1f} s on {os.cpu_count()} cores "
                  f"(server {1000 * result['server_cpu_s'] / max(1, result['requests']):.1f} ms per request sent); "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            if hostile:
                print(f"  hostile client's answers (non-200 counts): {result['hostile_statuses']}", flush=True)
            print(f"  server memory peak {result['peak_rss_mb']:.0f} MB (limit {LIMIT_MEMORY_MB:.0f} MB)", flush=True)
            rows.append({"scenario": name, "rate": rate, **{k: row[k] for k in ("throughput_rps", "p50_ms",
                         "p99_ms", "max_ms")}, "errors": bool(row["errors"]), "peak_rss_mb": result["peak_rss_mb"]})
    finally:
        _stop(proc)
    return rows


if __name__ == "__main__":
    main()
