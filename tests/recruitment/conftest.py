"""Fixtures of the fair-recruitment suite: the exchange suite's registries (SQLite and PostgreSQL, with the
same CI rule: PostgreSQL missing under CI fails) and a made-up rule file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.exchange.conftest import engine, key, registry  # noqa: F401 - fixtures shared with the exchange suite

RULES = Path(__file__).with_name("rules.yaml")


@pytest.fixture
def rules_path() -> Path:
    return RULES
