"""Published snapshots (corridor.store.snapshots): what a writer commits is copied whole, named by an
atomically replaced pointer, old copies are deleted (and stay readable where still open), and a
busy warehouse is reported, not copied half-written.

The observations are a few hand-made MIG_STOCK rows: these tests check file mechanics (bytes,
names, locks), not figures; the figures path is tested over HTTP in tests/publish_api/test_live_publish.py.
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from corridor.publish.api.state import serving_snapshot
from corridor.store.snapshots import (
    KEEP,
    WarehouseBusy,
    current_snapshot,
    publish_snapshot,
    publishing,
    read_pointer,
    snapshot_dir,
    snapshots,
)
from corridor.store.warehouse import DatasetMeta, Warehouse, WarehouseError


def _write(wh: Warehouse, n: int) -> str:
    """Write dataset ``test-{n}`` (three MIG_STOCK rows) and return its id."""
    obs = pd.DataFrame({"dataflow": "MIG_STOCK", "ref_area": ["840", "124", "484"], "time_period": "2020",
                        "value": [float(n), 2.0, 3.0], "obs_status": "A"})
    return wh.write_dataset(DatasetMeta(dataset_id=f"test-{n}", series="test-series", vintage=str(n),
                                        sha256=f"sha-{n}", layout="test"), obs)


def _ids(path: Path) -> list[str]:
    with Warehouse.open(path, read_only=True) as wh:
        return sorted(wh.datasets()["dataset_id"])


def _sha(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_publish_copies_the_committed_file_and_points_to_it(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    assert current_snapshot(path) is None
    with Warehouse.open(path) as wh:  # a library write: nothing published yet
        _write(wh, 1)
    assert current_snapshot(path) is None
    first = publish_snapshot(path)
    assert first.created and first.path == current_snapshot(path)
    assert first.path.parent == snapshot_dir(path) == tmp_path / "w.duckdb.snapshots"
    assert first.sha256 == _sha(path) == _sha(first.path)  # a byte copy of the closed file
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o444
    pointer = read_pointer(path)
    assert pointer["snapshot"] == first.path.name and pointer["sha256"] == first.sha256
    assert _ids(first.path) == ["test-1"]
    again = publish_snapshot(path)  # nothing changed: no new copy
    assert not again.created and again.path == first.path and snapshots(path) == [first.path]
    with pytest.raises(WarehouseError, match="no warehouse at"):
        publish_snapshot(tmp_path / "absent.duckdb")


def test_writers_publish_and_old_snapshots_are_deleted_but_stay_readable_while_open(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with publishing(path) as wh:
        _write(wh, 1)
    first = current_snapshot(path)
    assert first is not None and _ids(first) == ["test-1"]
    held = Warehouse.open(first, read_only=True)  # a server still answering from the first snapshot
    try:
        for n in range(2, 7):
            with publishing(path) as wh:
                _write(wh, n)
            assert _ids(current_snapshot(path)) == [f"test-{i}" for i in range(1, n + 1)]
        with publishing(path) as wh:  # a command that commits nothing publishes nothing
            pass
        kept = snapshots(path)
        assert len(kept) == KEEP and kept[-1] == current_snapshot(path)
        assert [int(p.stem.rsplit("-", 1)[1]) for p in kept] == [4, 5, 6]
        assert not first.exists()
        assert sorted(p.name for p in snapshot_dir(path).iterdir()) == sorted(
            [".lock", "CURRENT", *(p.name for p in kept)])  # no temporary file left
        # the deleted file is still open here, and DuckDB still reads all of it
        assert sorted(held.datasets()["dataset_id"]) == ["test-1"]
        assert sorted(held.observations("MIG_STOCK")["value"]) == [1.0, 2.0, 3.0]
    finally:
        held.close()


def test_a_failed_command_still_publishes_what_it_committed(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError, match="boom"), publishing(path) as wh:
        _write(wh, 1)
        raise RuntimeError("boom")
    assert _ids(current_snapshot(path)) == ["test-1"]


def _hold_writer(path: Path) -> subprocess.Popen:
    """Another process holding ``path`` open for writing (as a running ``corridor ingest`` does)."""
    code = textwrap.dedent(f"""
        import sys
        from corridor.store.warehouse import Warehouse
        wh = Warehouse.open({str(path)!r})
        print("open", flush=True)
        sys.stdin.readline()
        wh.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def test_a_busy_warehouse_is_not_copied_and_a_server_falls_back_to_the_last_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        _write(wh, 1)
    writer = _hold_writer(path)
    try:
        with pytest.raises(WarehouseBusy, match="being written by another process"):
            publish_snapshot(path)
        with pytest.raises(WarehouseError, match="no snapshot of it has been published yet"):
            serving_snapshot(path)
    finally:
        writer.communicate("\n", timeout=30)
    published = publish_snapshot(path).path
    writer = _hold_writer(path)
    try:
        assert serving_snapshot(path) == published
    finally:
        writer.communicate("\n", timeout=30)


def test_an_unmerged_write_ahead_log_travels_with_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        _write(wh, 1)
    # a writer that dies after committing, before DuckDB merged its log into the file
    code = textwrap.dedent(f"""
        import os
        import pandas as pd
        from corridor.store.warehouse import DatasetMeta, Warehouse
        wh = Warehouse.open({str(path)!r})
        obs = pd.DataFrame({{"dataflow": "MIG_STOCK", "ref_area": ["840"], "time_period": "2021",
                            "value": [9.0], "obs_status": "A"}})
        wh.write_dataset(DatasetMeta(dataset_id="test-wal", series="s", vintage="1", sha256="w", layout="t"), obs)
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    wal = path.with_name(path.name + ".wal")
    assert wal.exists()
    snap = publish_snapshot(path).path
    assert snap.with_name(snap.name + ".wal").exists()
    assert _ids(snap) == ["test-1", "test-wal"]
    assert json.loads((snapshot_dir(path) / "CURRENT").read_text())["snapshot"] == snap.name
