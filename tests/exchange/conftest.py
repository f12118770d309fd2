"""Fixtures of the exchange suite: every registry test runs on SQLite and on PostgreSQL.

PostgreSQL is the server ``scripts/test.sh`` starts (Debian's ``postgresql``), named by
``CORRIDOR_EXCHANGE_TEST_PG`` (a SQLAlchemy URL). Without it, or when it cannot be reached, a
PostgreSQL test is skipped with the reason on a developer machine and FAILS under CI (``CI=true``):
the suite must never pass on SQLite alone in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from corridor.exchange import db
from corridor.exchange.crypto import KEY_ENV, Cipher
from corridor.exchange.registry import Registry

PG_ENV = "CORRIDOR_EXCHANGE_TEST_PG"


def _postgres_engine() -> Engine:
    url = os.environ.get(PG_ENV)
    why = None
    if not url:
        why = f"{PG_ENV} is not set (scripts/test.sh starts PostgreSQL and sets it)"
    else:
        try:
            engine = db.engine_for(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            return engine
        except Exception as exc:  # noqa: BLE001 - any connection failure is reported the same way
            why = f"PostgreSQL at {url} cannot be used: {exc}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why + " -- under CI the exchange suite must run on PostgreSQL")
    pytest.skip(why)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty (unmigrated) registry database: a SQLite file, or a cleared PostgreSQL schema."""
    eng = db.engine_for(f"sqlite:///{tmp_path / 'exchange.sqlite'}") if request.param == "sqlite" \
        else _postgres_engine()
    yield eng
    eng.dispose()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A fresh encryption key, given through the environment (outside the database)."""
    k = Fernet.generate_key()
    monkeypatch.setenv(KEY_ENV, k.decode())
    return k


@pytest.fixture
def registry(engine: Engine, key: bytes) -> Registry:
    """A migrated registry (to the latest revision) on each database."""
    db.upgrade(engine)
    return Registry(engine, Cipher(key))
