"""Warehouse files built by the real ingest, for session fixtures (one helper, used by every suite)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from corridor.sources.ingest import ingest_release
from corridor.store.warehouse import Warehouse


def ingested_warehouse(tmp_path_factory: pytest.TempPathFactory, name: str, release_ids: Iterable[str],
                       mirror: Path) -> Path:
    """A new warehouse file with ``release_ids`` ingested from the real mirror through the real path
    (fetch with checksum, adapter, validated atomic write). Open it read-only or copy it."""
    folder = tmp_path_factory.mktemp(name)
    os.environ.setdefault("CORRIDOR_CACHE", str(folder / "cache"))
    path = folder / "corridor.duckdb"
    with Warehouse.open(path) as wh:
        for release_id in release_ids:
            ingest_release(wh, release_id, mirror=mirror)
    return path
