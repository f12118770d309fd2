"""Bulk-load benchmark (issue 12): 1 million jobseeker records into SQLite and into PostgreSQL.

Limit: under 2 minutes for each database. Peer: loading the same records one at a time through the
registry's ORM path (:meth:`Registry.add_jobseeker`, one transaction each), timed on ``--naive``
records and extrapolated to the full count (said so in the output).

The records are SYNTHETIC, in the bulk format (:mod:`corridor.exchange.bulk`), with a personal name
each (so the timing includes sealing every record with Fernet) and every insert's change-log row.
Generating them is not timed. PostgreSQL is the server named by ``--postgres`` (a SQLAlchemy URL, for
instance the one ``scripts/test.sh`` starts).

    PYTHONPATH=src python benchmarks/exchange_bulk_load.py --postgres 'postgresql+psycopg://...'
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet
from sqlalchemy import text

from corridor.exchange import bulk, db
from corridor.exchange.crypto import Cipher
from corridor.exchange.registry import Registry


def records(n: int, seed: int = 0) -> list[dict]:
    """SYNTHETIC jobseeker records (origin, ISCO group, languages, preferences, a name)."""
    rng = np.random.default_rng(seed)
    origins = np.array(["608", "356", "50", "586", "484", "360", "704", "566"])
    isco = rng.integers(1000, 9999, n)
    org = rng.integers(0, len(origins), n)
    t0 = datetime(2026, 1, 1)
    return [{"origin": str(origins[org[i]]), "residence": str(origins[org[i]]), "esco_version": "1.1.1",
             "isco": str(isco[i]), "languages": {"en": "B1"}, "preferences": ["276", "826"], "consent": True,
             "registered_at": t0, "personal": {"name": f"SYNTHETIC person {i}"}} for i in range(n)]


def _fresh(url: str) -> Registry:
    engine = db.engine_for(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(engine)
    return Registry(engine, Cipher(Fernet.generate_key()))


def run(url: str, recs: list[dict], naive: int) -> dict:
    reg = _fresh(url)
    t0 = time.perf_counter()
    bulk.load(reg, "jobseeker", recs)
    bulk_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for r in recs[:naive]:
        r = dict(r)
        reg.add_jobseeker(personal=r.pop("personal"), **r)
    per_record = (time.perf_counter() - t1) / naive
    reg.engine.dispose()
    return {"database": url.split(":")[0], "records": len(recs), "bulk_s": round(bulk_s, 1),
            "naive_one_by_one_s_extrapolated": round(per_record * len(recs), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--naive", type=int, default=2000)
    ap.add_argument("--postgres", default=None)
    args = ap.parse_args()
    recs = records(args.records)
    with tempfile.TemporaryDirectory() as tmp:
        print(run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", recs, args.naive), flush=True)
    if args.postgres:
        print(run(args.postgres, recs, args.naive), flush=True)
    print(f"peak_rss_mb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}; limit: 120 s per database "
          "(2 shared cores: noisy)")


if __name__ == "__main__":
    main()
