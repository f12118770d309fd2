"""Shared fixtures.

The real-data mirror (``../shared/data``, or ``CORRIDOR_MIRROR``) is needed by most tests. Without it a
test is skipped *with a reason* on a developer machine, and fails under CI (``CI=true``): a missing
mirror must never make the suite pass silently.
"""

from __future__ import annotations

import os
import shutil
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


#: chromium's flags for the browser tests (headless in a container: no sandbox, GPU or background traffic)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (Playwright's own browser download does not work here); under CI it must exist."""
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " -- under CI the browser tests must run")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    """One chromium for the whole session, driven by Playwright's sync API (a second sync Playwright in
    the same process fails: every browser test shares this one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
