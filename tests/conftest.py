"""Shared fixtures.

The real-data mirror (``../shared/data``, or ``CORRIDOR_MIRROR``) is needed by most tests. Without it a
test is skipped *with a reason* on a developer machine, and fails under CI (``CI=true``): a missing
mirror must never make the suite pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corridor.config import mirror_dir as _mirror_dir


def _require_mirror() -> Path:
    path = _mirror_dir()
    if path is None or not path.is_dir():
        msg = "real-data mirror not found (set CORRIDOR_MIRROR or place shared/data beside the checkout)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " -- under CI a missing mirror is a failure")
        pytest.skip(msg)
    return path.resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real-data mirror folder (see module docstring for what happens when it is missing)."""
    return _require_mirror()


@pytest.fixture(scope="session")
def loaded_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with every ingestible catalogue release loaded from the real mirror.

    Built once per test session through the real ingest path (fetch with checksum, adapter, atomic
    write). Tests must open it read-only (``Warehouse.open(path, read_only=True)``) or copy it.
    """
    from corridor.cli.data import ingestible
    from tests.warehouses import ingested_warehouse

    return ingested_warehouse(tmp_path_factory, "warehouse", ingestible(), mirror)
