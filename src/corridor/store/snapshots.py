"""Published snapshots of the warehouse: what ``corridor serve`` reads while writers keep writing.

DuckDB lets one process write a file or several read it, never both, so a server that held the
warehouse open kept every ``corridor ingest`` out. Instead, each writer *publishes* what it
committed, and servers read only published, immutable copies:

``<warehouse>.snapshots/``
    ``<UTC time>-<sequence>.duckdb``  a byte copy of the warehouse file as committed (read-only mode
    ``0444``), with ``.wal`` beside it when the warehouse had an unmerged write-ahead log (DuckDB
    replays it in memory when the copy is opened read-only);
    ``CURRENT``  a small JSON pointer: the snapshot being published now, the sha256 of the copied
    bytes, when, and the warehouse file's size and modification time at the copy;
    ``.lock``  serialises publishers (``flock``).

How a snapshot is made (:func:`publish_snapshot`), under the ``.lock``:

1. open the warehouse read-only with DuckDB: its shared lock keeps writers out while we copy, and
   the open fails at once if a writer is at work (:class:`WarehouseBusy`: that writer publishes
   when it ends);
2. if the warehouse file's size and modification time equal those recorded in ``CURRENT`` (and
   were recorded well after that modification: git's "racily clean" rule), stop: nothing changed;
3. copy the file (and its WAL, if any) to a temporary name, hashing the bytes as they go; if the
   hash equals ``CURRENT``'s, delete the copy (nothing changed; ``CURRENT`` records the new size
   and time); else ``fsync`` it and rename it to its final name; then write ``CURRENT`` to a
   temporary name, ``fsync`` and :func:`os.replace` it (readers see the old pointer or the new
   one, never a partial one);
4. delete older snapshots beyond the newest ``keep`` (never the one ``CURRENT`` names) and
   temporary files left by a publisher that died.

A server that still has a deleted snapshot open keeps reading it: on POSIX systems an unlinked file
lives until its last descriptor closes (``tests/store/test_snapshots.py`` checks it with DuckDB).
On Windows the deletion fails while a server has the file open; it is left for a later publish.

The DuckDB lock is a POSIX record lock, which a process loses when it closes *any* descriptor of
the file -- including the one used to copy it. The copy is complete by then; what must not happen
after it (another publisher replacing ``CURRENT`` with an older copy) is ruled out by ``.lock``.
Writers take ``.lock`` while they *open* the warehouse (:func:`publishing`), so a publisher's brief
read lock never makes a writer's open fail.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from corridor.store.warehouse import Warehouse, WarehouseError

#: Snapshots kept besides the one ``CURRENT`` names (older ones are deleted when a new one is made).
KEEP = 3
POINTER = "CURRENT"
#: A file's recorded size and modification time are trusted only when recorded this long after the
#: modification (2 s: the coarsest common file-system timestamp resolution, FAT's).
RACY_NS = 2_000_000_000
_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-(\d{6})\.duckdb$")
_CHUNK = 1 << 20


class WarehouseBusy(WarehouseError):
    """A writer holds the warehouse, so no snapshot can be taken now (the writer publishes at its end)."""


@dataclass(frozen=True)
class Published:
    """The outcome of :func:`publish_snapshot`."""

    path: Path        #: the snapshot ``CURRENT`` names after the call
    created: bool     #: False when the warehouse had not changed since the last snapshot
    seconds: float    #: wall time of the whole call (lock, checks, copy, fsync, clean-up)
    sha256: str


def snapshot_dir(warehouse: str | Path) -> Path:
    """``<warehouse>.snapshots``: where the snapshots of ``warehouse`` and their pointer live."""
    path = Path(warehouse)
    return path.with_name(path.name + ".snapshots")


def read_pointer(warehouse: str | Path) -> dict[str, Any] | None:
    """The parsed ``CURRENT`` pointer of ``warehouse``, or None when nothing was published yet."""
    try:
        return json.loads((snapshot_dir(warehouse) / POINTER).read_text())
    except FileNotFoundError:
        return None


def current_snapshot(warehouse: str | Path) -> Path | None:
    """The snapshot ``CURRENT`` names, or None when none was published (or it has gone)."""
    pointer = read_pointer(warehouse)
    if pointer is None:
        return None
    path = snapshot_dir(warehouse) / pointer["snapshot"]
    return path if path.exists() else None


def snapshots(warehouse: str | Path) -> list[Path]:
    """Every snapshot file of ``warehouse``, oldest first (by sequence number)."""
    folder = snapshot_dir(warehouse)
    if not folder.is_dir():
        return []
    found = [(int(m.group(2)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


@contextmanager
def _publish_lock(warehouse: Path) -> Iterator[None]:
    folder = snapshot_dir(warehouse)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
    except OSError as exc:
        raise WarehouseError(f"cannot publish snapshots of {warehouse} in {folder}: {exc} (the folder beside "
                             "the warehouse must be writable)") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def _stat(warehouse: Path) -> list[int]:
    """Size and modification time of the warehouse file and of its WAL (0, 0 when absent)."""
    out: list[int] = []
    for path in (warehouse, _wal(warehouse)):
        try:
            st = path.stat()
            out += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out += [0, 0]
    return out


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _copy(source: Path, target: Path, digest: Any) -> None:
    """Copy ``source`` to a new file ``target``, feeding the bytes to ``digest``; fsync the copy."""
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    target.chmod(0o444)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_snapshot(warehouse: str | Path, *, keep: int = KEEP) -> Published:
    """Publish the committed state of ``warehouse`` as a new snapshot (see the module docstring).

    Returns the snapshot ``CURRENT`` names afterwards, new or (when nothing changed) the previous
    one. Raises :class:`WarehouseBusy` when a writer holds the warehouse and :class:`WarehouseError`
    when there is no warehouse file.
    """
    start = time.perf_counter()
    path = Path(warehouse)
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `corridor ingest` (or the README's main command) first")
    with _publish_lock(path):
        try:
            guard = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(f"warehouse {path} is being written by another process; it publishes a "
                                    "snapshot when it ends") from exc
            raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
        try:
            snapshot, created, sha = _publish_locked(path)
        except OSError as exc:  # e.g. the disk is full: nothing was published, the old pointer stands
            raise WarehouseError(f"cannot publish a snapshot of {path}: {exc}") from exc
        finally:
            guard.close()
        _clean(path, keep)
    return Published(snapshot, created, time.perf_counter() - start, sha)


def _unchanged_by_stat(pointer: dict[str, Any] | None, stat: list[int], folder: Path) -> bool:
    """True when size and modification time equal those recorded, and were recorded more than
    :data:`RACY_NS` after that modification (a write within the file system's timestamp resolution
    of the recording could otherwise go unseen: git's "racily clean" rule)."""
    if pointer is None or pointer.get("source_stat") != stat or not (folder / pointer["snapshot"]).exists():
        return False
    return int(pointer.get("stat_taken_ns", 0)) - max(stat[1], stat[3]) > RACY_NS


def _publish_locked(path: Path) -> tuple[Path, bool, str]:
    """Steps 2 and 3 of the module docstring; the caller holds the publish lock and a read lock."""
    folder = snapshot_dir(path)
    pointer = read_pointer(path)
    stat, stat_taken = _stat(path), time.time_ns()
    if _unchanged_by_stat(pointer, stat, folder):
        return folder / pointer["snapshot"], False, pointer["sha256"]
    existing = snapshots(path)
    sequence = int(_NAME.match(existing[-1].name).group(2)) + 1 if existing else 1  # type: ignore[union-attr]
    now = datetime.now(UTC)
    name = f"{now:%Y%m%dT%H%M%S.%f}Z-{sequence:06d}.duckdb"
    temp = folder / f".tmp-{os.getpid()}-{name}"
    digest = hashlib.sha256()
    try:
        _copy(path, temp, digest)
        if _wal(path).exists():
            _copy(_wal(path), _wal(temp), digest)
        sha = digest.hexdigest()
        unchanged = pointer is not None and pointer.get("sha256") == sha and (folder / pointer["snapshot"]).exists()
        if unchanged:
            name, now = pointer["snapshot"], datetime.fromisoformat(pointer["published_at"])
        else:
            if _wal(temp).exists():
                _wal(temp).rename(_wal(folder / name))
            temp.rename(folder / name)
    finally:
        for leftover in (temp, _wal(temp)):
            leftover.unlink(missing_ok=True)
    _fsync_dir(folder)
    record = {"snapshot": name, "sha256": sha, "published_at": now.isoformat(), "source": str(path.resolve()),
              "source_stat": stat, "stat_taken_ns": stat_taken}
    temp_pointer = folder / f".tmp-{os.getpid()}-{POINTER}"
    with temp_pointer.open("w") as out:
        json.dump(record, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp_pointer, folder / POINTER)
    _fsync_dir(folder)
    return folder / name, not unchanged, sha


def _clean(path: Path, keep: int) -> None:
    """Delete snapshots older than the newest ``keep`` (never the current one) and dead publishers'
    temporary files (called under the publish lock, so no temporary file is in use)."""
    folder = snapshot_dir(path)
    pointer = read_pointer(path)
    current = pointer["snapshot"] if pointer else None
    old = [p for p in snapshots(path)[:-keep] if p.name != current] if keep > 0 else []
    for stale in [*old, *folder.glob(".tmp-*")]:
        for file in (stale, _wal(stale)):
            try:
                file.unlink(missing_ok=True)
            except PermissionError:  # Windows: a server still has it open; a later publish retries
                pass


@contextmanager
def publishing(warehouse: str | Path, *, keep: int = KEEP) -> Iterator[Warehouse]:
    """Open ``warehouse`` writable for a command; when the block ends, close it and publish a snapshot.

    The snapshot is published even when the block raised: each dataset (or :meth:`Warehouse.batch` of
    them) is written in its own transaction, and what was committed before the error is the warehouse's
    state (a snapshot of an unchanged warehouse is skipped). A publish error on that path is added to the
    block's exception as a note instead of replacing it.
    """
    path = Path(warehouse)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    with _publish_lock(path):  # no publisher is copying (and holding a read lock) while we open
        wh = Warehouse.open(path)
    try:
        yield wh
    except BaseException as exc:
        wh.close()
        try:
            publish_snapshot(path, keep=keep)
        except WarehouseError as failed:
            exc.add_note(f"the snapshot for `corridor serve` was not published: {failed}")
        raise
    wh.close()
    publish_snapshot(path, keep=keep)
