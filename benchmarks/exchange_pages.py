"""Latency of the labour exchange's public statistics pages (issue 12): limit 100 ms each.

Set-up: a copy of a warehouse holding UN DESA stocks (``--warehouse``, e.g. a built ``corridor.duckdb``)
into which a SYNTHETIC exchange (``--jobseekers`` on the ``--corridors`` largest real corridors, matched
with deferred acceptance, SYNTHETIC outcomes) publishes its statistics and matching quality, exactly as
``corridor exchange publish`` and ``corridor exchange report --publish`` do; then the real
``corridor serve`` in its own process on loopback. Each page is requested once cold (first request after
start: reads the warehouse snapshot) and ``--repeat`` times warm, sequentially, from this process with
httpx; p50, p95 and max are printed, in two set-ups: as served (HTTP response cache on) and with
``--cache-size 0`` (every request routed and rendered; only the pages' per-warehouse memo of the
dataflows they read).

Naive baseline (peer): computing the same public figures from the registry at request time -- the
disclosure-controlled tables (:func:`corridor.exchange.statistics.protected_tables`) and the quality
report (a matching run with the independent checker, time to match, the held-out evaluation) -- timed
once each in this process.

    PYTHONPATH=src python benchmarks/exchange_pages.py --warehouse /tmp/wh/base.duckdb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from corridor.exchange import bulk, db
from corridor.exchange.codelists import esco
from corridor.exchange.crypto import Cipher
from corridor.exchange.market import load_market
from corridor.exchange.matching import match
from corridor.exchange.quality import outcome_evaluation, run_quality, time_to_match
from corridor.exchange.quality_publish import publish_quality
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import protected_tables, publish_statistics
from corridor.exchange.synthetic import corridors_from_stocks, generate, simulate_outcomes
from corridor.store.warehouse import Warehouse

RUN = date(2026, 7, 1)
PAGES = ("/labour-exchange", "/labour-exchange?flow=EXCH_JOBSEEKER&level=2",
         "/labour-exchange?flow=EXCH_TIME_TO_FILL", "/labour-exchange/quality")  # + the largest corridor's page


def build(folder: Path, warehouse: Path, n_jobseekers: int, n_corridors: int) -> tuple[str, str, dict, str]:
    """Registry + warehouse with published exchange statistics; returns (db url, key, naive timings, the
    path of the largest corridor's page)."""
    key = Fernet.generate_key()
    url = f"sqlite:///{folder / 'exchange.sqlite'}"
    engine = db.engine_for(url)
    db.upgrade(engine)
    reg = Registry(engine, Cipher(key))
    occupations = esco("1.1.1")
    with Warehouse.open(warehouse, read_only=True) as wh:
        corridors = corridors_from_stocks(wh, top=n_corridors)
    world = generate(corridors, occupations, n_jobseekers=n_jobseekers, n_vacancies=n_jobseekers // 10, seed=0)
    for kind, records in (("agreement", world.agreements), ("employer", world.employers),
                          ("vacancy", world.vacancies), ("jobseeker", world.jobseekers)):
        bulk.load(reg, kind, records, actor="synthetic")
    reg.propose(match(load_market(reg, RUN), essential_skills=occupations.essential_skills).matches)
    simulate_outcomes(reg, seed=0)
    t0 = time.perf_counter()
    market = load_market(reg, RUN)
    result = match(market, essential_skills=occupations.essential_skills)
    report = {"run": run_quality(result, market), "time_to_match": time_to_match(reg),
              "score_vs_outcome": outcome_evaluation(reg)}
    quality_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    protected_tables(reg)
    tables_s = time.perf_counter() - t0
    with Warehouse.open(warehouse) as wh:
        publish_statistics(reg, wh, synthetic=True)
        publish_quality(report, wh, on=RUN.isoformat(), synthetic=True)
    engine.dispose()
    naive = {"naive_tables_from_registry_ms": round(tables_s * 1000),
             "naive_quality_report_ms": round(quality_s * 1000)}
    top = corridors.iloc[0]
    return url, key.decode(), naive, f"/labour-exchange/corridor/{top['origin']}/{top['destination']}"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(warehouse: Path, env: dict[str, str], cache_size: int, repeat: int, folder: Path,
            pages: tuple[str, ...]) -> dict:
    port = _port()
    log = (folder / f"serve-{cache_size}.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "corridor.cli.main", "serve", "--port", str(port),
                             "--warehouse", str(warehouse), "--log-level", "warning", "--cache-size", str(cache_size)],
                            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **env))
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(600):
                try:
                    if client.get("/openapi.json").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            out = {}
            for path in pages:
                t0 = time.perf_counter()
                assert client.get(path).status_code == 200, path
                cold = (time.perf_counter() - t0) * 1000
                warm = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    response = client.get(path)
                    warm.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200 and "SYNTHETIC" in response.text
                warm.sort()
                out[path] = {"cold_ms": round(cold), "p50_ms": round(statistics.median(warm), 1),
                             "p95_ms": round(warm[int(0.95 * (len(warm) - 1))], 1), "max_ms": round(warm[-1], 1)}
            return out
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=os.environ.get("CORRIDOR_WAREHOUSE", "var/corridor.duckdb"))
    ap.add_argument("--jobseekers", type=int, default=1000)
    ap.add_argument("--corridors", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warehouse = folder / "corridor.duckdb"
        shutil.copyfile(args.warehouse, warehouse)
        url, key, naive, corridor_page = build(folder, warehouse, args.jobseekers, args.corridors)
        tokens = folder / "tokens.json"
        tokens.write_text(json.dumps([{"sha256": hashlib.sha256(b"unused").hexdigest(), "role": "auditor"}]))
        env = {"CORRIDOR_EXCHANGE_DB": url, "CORRIDOR_EXCHANGE_KEY": key, "CORRIDOR_EXCHANGE_TOKENS": str(tokens),
               "CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": str(folder / "audit.jsonl")}
        print(json.dumps({"jobseekers": args.jobseekers, "corridors": args.corridors, **naive}), flush=True)
        for cache_size in (256, 0):
            for path, figures in measure(warehouse, env, cache_size, args.repeat, folder,
                                         (*PAGES, corridor_page)).items():
                print(json.dumps({"cache_size": cache_size, "page": path, **figures}), flush=True)
    print(f"limit: 100 ms per page; load average {os.getloadavg()[0]:.1f} (2 shared cores: noisy)")


if __name__ == "__main__":
    main()
