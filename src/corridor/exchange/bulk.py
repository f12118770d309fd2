"""Bulk load of agreements, employers, vacancies and jobseekers from JSON or CSV (format: docs/exchange.md).

A file holds one kind of record. JSON: an array of objects, or one object per line (JSON Lines).
CSV: one row per record; list and object fields (``languages``, ``credentials``, ``skills``, ...) are
JSON text in their cell; a jobseeker's personal fields are the columns ``personal_name``,
``personal_email``, ``personal_phone``, ``personal_birth_date``, ``personal_notes``; an employer's
contact person ``contact_name``, ``contact_email``.

Every record is checked before anything is written (unknown or forbidden fields such as an
immigration status, missing required fields, dates), so a file is loaded whole or not at all; the
rows go in with executemany in batches of ``batch`` in one transaction; each batch appends one
``bulk`` row to the change log naming the id range, the actor (file) and the count (the rows
themselves are the inserted values; later changes are logged row by row). Personal fields are sealed
on the way in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, insert, text

from corridor.errors import InputError
from corridor.exchange.access import now
from corridor.exchange.models import Agreement, ChangeLog, Employer, Jobseeker, Vacancy
from corridor.exchange.registry import FORBIDDEN_FIELDS, PERSONAL_FIELDS, Registry

MODELS = {"agreement": Agreement, "employer": Employer, "vacancy": Vacancy, "jobseeker": Jobseeker}
JSON_FIELDS = frozenset({"sectors", "occupations", "conditions", "employer_duties", "costs", "languages",
                         "credentials", "skills", "work_record", "preferences"})
DEFAULTS: dict[str, dict[str, Any]] = {
    "agreement": {"sectors": [], "occupations": [], "conditions": {}, "employer_duties": {}, "costs": {}},
    "employer": {},
    "vacancy": {"languages": {}, "credentials": [], "skills": [], "openings": 1, "housing": False,
                "medical_care": False},
    "jobseeker": {"occupations": [], "skills": [], "languages": {}, "credentials": [], "work_record": [],
                  "preferences": [], "consent": False},
}
TIMESTAMP = {"vacancy": "created_at", "jobseeker": "registered_at"}


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records of a ``.json``/``.jsonl`` or ``.csv`` file (module docstring)."""
    return records_from_text(path.read_text(encoding="utf-8"), "csv" if path.suffix.lower() == ".csv" else "json")


def records_from_text(raw: str, fmt: str) -> list[dict[str, Any]]:
    """Records of CSV text (``fmt="csv"``) or of a JSON array / JSON Lines text (``fmt="json"``)."""
    if fmt == "csv":
        return [_from_csv_row(row) for row in csv.DictReader(io.StringIO(raw))]
    if raw.lstrip().startswith("["):
        return json.loads(raw)
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def _from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    personal: dict[str, str] = {}
    contact: dict[str, str] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        if key.startswith("personal_"):
            personal[key.removeprefix("personal_")] = value
        elif key.startswith("contact_"):
            contact[key.removeprefix("contact_")] = value
        elif key in JSON_FIELDS:
            out[key] = json.loads(value)
        elif key in ("consent", "housing", "medical_care"):
            out[key] = value.strip().lower() in ("1", "true", "yes")
        else:
            out[key] = value
    if personal:
        out["personal"] = personal
    if contact:
        out["contact"] = contact
    return out


def _prepare(kind: str, records: Iterable[dict[str, Any]], registry: Registry) -> Iterator[dict[str, Any]]:
    model = MODELS[kind]
    columns = {c.key: c for c in model.__table__.columns}
    required = {k for k, c in columns.items() if not c.nullable and k != "id" and k not in DEFAULTS[kind]
                and k != TIMESTAMP.get(kind)}
    for n, rec in enumerate(records):
        rec = dict(rec)
        bad = sorted((set(rec) | set(rec.get("personal") or {})) & FORBIDDEN_FIELDS)
        if bad:
            raise InputError(f"{kind} record {n}: field(s) {', '.join(bad)} refused: the exchange never collects "
                             "immigration or residence status, nor identity documents")
        sealed = rec.pop("personal", None) if kind == "jobseeker" else rec.pop("contact", None)
        if kind == "jobseeker" and sealed and set(sealed) - set(PERSONAL_FIELDS):
            raise InputError(f"jobseeker record {n}: unknown personal field(s) "
                             f"{', '.join(sorted(set(sealed) - set(PERSONAL_FIELDS)))}")
        unknown = set(rec) - set(columns)
        if unknown:
            raise InputError(f"{kind} record {n}: unknown field(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(columns)}")
        missing = sorted(required - set(rec))
        if missing:
            raise InputError(f"{kind} record {n}: missing required field(s) {', '.join(missing)}")
        row = {**DEFAULTS[kind], **rec}
        if kind in TIMESTAMP:
            row.setdefault(TIMESTAMP[kind], now())
        for key, value in row.items():
            col_type = columns[key].type
            if isinstance(value, str) and isinstance(col_type, DateTime):
                row[key] = datetime.fromisoformat(value)
            elif isinstance(value, str) and isinstance(col_type, Date):
                row[key] = date.fromisoformat(value)
        if kind == "jobseeker":
            row["personal"] = registry.cipher.seal(sealed) if sealed else None
        elif kind == "employer":
            row["contact"] = registry.cipher.seal(sealed) if sealed else None
        yield row


def load(registry: Registry, kind: str, records: Iterable[dict[str, Any]], *, actor: str = "bulk",
         batch: int = 20000) -> int:
    """Load records of ``kind`` (module docstring); returns how many. Records without ``id`` get the next
    free ids."""
    if kind not in MODELS:
        raise InputError(f"unknown record kind {kind!r}; known: {', '.join(MODELS)}")
    model = MODELS[kind]
    rows = list(_prepare(kind, records, registry))
    at = now()
    with registry.engine.begin() as conn:
        next_id = (conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {model.__tablename__}")).scalar() or 0) + 1
        for row in rows:
            if "id" not in row:
                row["id"] = next_id
                next_id += 1
        for i in range(0, len(rows), batch):
            chunk = rows[i:i + batch]
            conn.execute(insert(model), chunk)
            conn.execute(insert(ChangeLog).values(
                at=at, actor=actor, entity=kind, entity_id=chunk[0]["id"], action="bulk",
                changes={"first_id": chunk[0]["id"], "last_id": chunk[-1]["id"], "count": len(chunk)}))
        if conn.dialect.name == "postgresql" and rows:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), "
                              f"(SELECT MAX(id) FROM {model.__tablename__}))"))
    return len(rows)
