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
