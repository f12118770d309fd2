"""Connecting to the exchange registry and migrating it (Alembic, revisions in ``migrations/``).

The registry is SQLite by default (``var/exchange.sqlite``, nothing to start) and PostgreSQL in
production: ``CORRIDOR_EXCHANGE_DB`` or ``--db`` takes any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@/exchange?host=/run/postgresql``. The schema is only ever created by the
migrations (:func:`upgrade`), never by ``create_all``, so a database with data is upgraded the same way
as an empty one.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DB_ENV = "CORRIDOR_EXCHANGE_DB"
DEFAULT_DB = "sqlite:///var/exchange.sqlite"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(explicit: str | None = None) -> str:
    """The registry's URL: ``explicit``, else ``CORRIDOR_EXCHANGE_DB``, else SQLite in ``var/``."""
    return explicit or os.environ.get(DB_ENV) or DEFAULT_DB


def engine_for(url: str | None = None) -> Engine:
    """An engine on the registry (SQLite: foreign keys on, the folder created)."""
    url = database_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con, _record):  # noqa: ANN001 - DBAPI objects
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%': a URL-quoted socket path must have it doubled.
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the registry to ``revision`` (default: the latest), from empty or from any earlier one."""
    cfg = _config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def head_revision() -> str:
    """The latest revision of the migrations (what :func:`upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the registry (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)
