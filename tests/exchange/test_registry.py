"""The registry on SQLite and PostgreSQL: migrations (from empty and with data), the change log,
the placement life cycle, and the absence of any immigration or residence status field."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import Engine, inspect, text

from corridor.errors import InputError
from corridor.exchange import db
from corridor.exchange.access import Principal
from corridor.exchange.crypto import Cipher, KeyError_
from corridor.exchange.models import Base
from corridor.exchange.registry import FORBIDDEN_FIELDS, Registry
from tests.exchange.seed import build


def test_migrations_build_the_models_schema_from_empty(engine: Engine) -> None:
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == "0003"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_migrations_upgrade_a_database_with_data(engine: Engine) -> None:
    db.upgrade(engine, "0001")
    with engine.begin() as conn:  # a registry written by revision 0001 (no skills column yet)
        conn.execute(text("INSERT INTO employer (id, name, country) VALUES (1, 'Old employer', '276')"))
        conn.execute(text(
            "INSERT INTO vacancy (id, employer_id, esco_version, isco, destination, housing, medical_care, "
            "openings, languages, credentials, valid_from, created_at) VALUES "
            "(1, 1, '1.0.8', '2221', '276', false, false, 4, '{}', '[]', :d, :t)"),
            {"d": date(2025, 1, 1), "t": datetime(2025, 1, 1)})
    db.upgrade(engine)
    assert db.current_revision(engine) == "0003"
    with engine.connect() as conn:
        row = conn.execute(text("SELECT openings, esco_version, skills FROM vacancy WHERE id = 1")).one()
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert row[0] == 4 and row[1] == "1.0.8"
    assert row[2] in ("[]", [])  # the new column is filled for old rows


def test_no_table_has_an_immigration_or_residence_status_column(registry: Registry) -> None:
    columns = {c["name"] for t in inspect(registry.engine).get_table_names()
               for c in inspect(registry.engine).get_columns(t)}
    assert not {c for c in columns if "status" in c and c not in ("status",)}
    assert not columns & FORBIDDEN_FIELDS
    with pytest.raises(InputError, match="never collects immigration or residence status"):
        registry.add_jobseeker(origin="608", esco_version="1.1.1", isco="2221", residence_status="irregular")
    with pytest.raises(InputError, match="never collects"):
        registry.add_jobseeker(personal={"visa_status": "x"}, origin="608", esco_version="1.1.1", isco="2221")


def test_every_change_is_kept(registry: Registry) -> None:
    w = build(registry)
    registry.update_jobseeker(Principal("worker", w.maria), w.maria, preferences=["276", "380"],
                              personal={"phone": "+63 911 111 1111"})
    hist = registry.history("jobseeker", w.maria)
    assert [h["action"] for h in hist] == ["insert", "update"]
    assert hist[1]["changes"] == {"preferences": "<changed>", "personal": "<changed>"}
    assert hist[1]["actor"] == f"worker:{w.maria}"
    assert "Maria" not in str(hist)


def test_placement_life_cycle_is_logged_and_guarded(registry: Registry) -> None:
    w = build(registry)
    [pid] = registry.propose([{"jobseeker_id": w.maria, "vacancy_id": w.vacancy_a, "score": 0.9,
                               "explanation": {"rules": {}}}])
    for state in ("offered", "accepted", "contracted", "departed", "arrived", "completed", "returned"):
        registry.move_placement("pes:1", pid, state)
    with pytest.raises(InputError, match="cannot move from returned"):
        registry.move_placement("pes:1", pid, "broken_off", reason="late")
    [pid2] = registry.propose([{"jobseeker_id": w.ravi, "vacancy_id": w.vacancy_b}])
    with pytest.raises(InputError, match="needs a reason"):
        registry.move_placement("pes:1", pid2, "broken_off")
    registry.move_placement("pes:1", pid2, "broken_off", reason="employer withdrew the vacancy")
    placements = registry.placements_of(Principal("worker", w.maria), w.maria)
    assert [e["status"] for e in placements[0]["events"]] == [
        "proposed", "offered", "accepted", "contracted", "departed", "arrived", "completed", "returned"]
    assert len(registry.history("placement", pid)) == 8  # insert + 7 moves


def test_a_key_is_needed_and_a_wrong_key_cannot_read(registry: Registry) -> None:
    w = build(registry)
    other = Registry(registry.engine, Cipher(Fernet.generate_key()))
    with pytest.raises(KeyError_, match="cannot be decrypted"):
        other.jobseeker(Principal("worker", w.maria), w.maria)
