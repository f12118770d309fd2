"""Ingest: fetch a release (or take a user's file), read it with its layout, write it atomically.

This is the one door from ``sources`` into ``store``. Re-ingesting the same bytes is a no-op (checked
by sha256 before the file is even parsed); bad input raises before anything is written.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corridor.errors import InputError
from corridor.sources.catalogue import Release, release, releases
from corridor.sources.fetch import fetch, sha256_of
from corridor.sources.layouts import get_layout
from corridor.store.warehouse import DatasetMeta, Warehouse


@dataclass
class IngestReport:
    """What one ingest did."""

    dataset_id: str
    rows_accepted: int
    rows_rejected: int
    created: bool  # False: the same bytes were already in the warehouse (no-op)
    seconds: float  # reading the files with their layout and writing them (or finding them unchanged)
    fetch_seconds: float = 0.0  # finding the release's files and verifying their sha256 (releases only)


def combined_sha256(paths: list[Path]) -> str:
    """The sha256 of one file, or of the ``name sha256`` lines of several (a multi-file release)."""
    if len(paths) == 1:
        return sha256_of(paths[0])
    lines = "".join(f"{p.name} {sha256_of(p)}\n" for p in sorted(paths, key=lambda p: p.name))
    return hashlib.sha256(lines.encode()).hexdigest()


def _meta_from_release(rel: Release, dataset_id: str, sha: str, files: list[Path], *,
                       vintage: str | None = None) -> DatasetMeta:
    return DatasetMeta(
        dataset_id=dataset_id, series=rel.series, vintage=vintage or rel.vintage, release_id=rel.id,
        layout=rel.layout, publisher=rel.publisher, title=rel.title, edition=rel.edition,
        licence=rel.licence, source_url=rel.original, copy_of=rel.copy_of, sha256=sha,
        file_name=", ".join(p.name for p in files), reference_dates=rel.reference_dates,
        concept=rel.concept, kind=rel.kind, access=rel.access, method=rel.layout,
    )


def _write(wh: Warehouse, meta: DatasetMeta, files: list[Path]) -> IngestReport:
    start = time.perf_counter()
    existing = wh.find_by_sha(meta.sha256, meta.layout) if meta.sha256 else None
    if existing is not None:
        row = wh.dataset(existing)
        return IngestReport(existing, int(row["rows_accepted"]), int(row["rows_rejected"]), False,
                            time.perf_counter() - start)
    parsed = get_layout(meta.layout)(files)
    if parsed.notes:
        meta.notes = parsed.notes if not meta.notes else f"{meta.notes}; {parsed.notes}"
    dataset_id = wh.write_dataset(meta, parsed.observations, rows_rejected=parsed.rows_rejected)
    return IngestReport(dataset_id, len(parsed.observations), parsed.rows_rejected, True,
                        time.perf_counter() - start)


def ingest_release(wh: Warehouse, release_id: str, *, mirror: str | Path | None = None,
                   progress: Callable[[str], None] | None = None) -> IngestReport:
    """Fetch a catalogue release (verified) and ingest it under its release id."""
    rel = release(release_id)
    if rel.layout is None:
        raise InputError(f"release {release_id!r} is catalogued for fetching only (microdata or a "
                         "reference file); it has no layout to ingest into the warehouse")
    start = time.perf_counter()
    files = fetch(release_id, mirror=mirror, progress=progress)
    sha = combined_sha256(files)
    fetched = time.perf_counter() - start
    report = _write(wh, _meta_from_release(rel, rel.id, sha, files), files)
    report.fetch_seconds = fetched
    return report


def ingest_file(wh: Warehouse, paths: list[Path], *, layout: str, vintage: str | None = None) -> IngestReport:
    """Ingest a user's copy of a known layout (``layout`` may be a layout id or a release id).

    With a release id, the dataset takes that release's series and provenance, as a new vintage
    (default ``<release vintage>+<sha12>``, which sorts after the catalogue's bytes, so a newer copy
    wins unless a query asks for an earlier vintage).
    """
    for p in paths:
        if not p.exists():
            raise InputError("no such file", file=str(p))
    sha = combined_sha256(paths)
    rel = releases().get(layout)
    if rel is not None:
        if rel.layout is None:
            raise InputError(f"release {layout!r} has no layout to ingest")
        layout_id = rel.layout
        meta = _meta_from_release(rel, f"{rel.id}@{sha[:12]}", sha, paths,
                                  vintage=vintage or f"{rel.vintage}+{sha[:12]}")
    else:
        get_layout(layout)  # unknown -> error listing the layouts
        layout_id = layout
        meta = DatasetMeta(dataset_id=f"{layout}@{sha[:12]}", series=f"user:{layout}",
                           vintage=vintage or time.strftime("%Y-%m-%d"), layout=layout, sha256=sha,
                           file_name=", ".join(p.name for p in paths), method=layout)
    meta.layout = layout_id
    return _write(wh, meta, paths)
