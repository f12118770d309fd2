"""Fetch releases: from the mirror folder or the official address, checksum-verified, cached.

Order of trial for each file: the cache (``var/cache/<release>/<name>``, re-verified), the mirror
folder (``--mirror`` / ``CORRIDOR_MIRROR`` / ``../shared/data``), then the file's download address.
Every file is verified against the catalogue's sha256 before it is used; a mismatch is an error naming
the file, and a bad file never enters the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from corridor.config import cache_dir, mirror_dir
from corridor.errors import ChecksumError, CorridorError
from corridor.sources.catalogue import Release, ReleaseFile, release


class FetchError(CorridorError):
    """A release file could be found nowhere."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise ChecksumError(str(path), expected, actual)


def fetch_file(rel: Release, f: ReleaseFile, *, mirror: str | Path | None = None,
               cache: Path | None = None, allow_download: bool = True) -> Path:
    """Return a verified local path of one release file (cached copy)."""
    cache = (cache or cache_dir()) / rel.id
    cached = cache / f.name
    if cached.exists():
        if sha256_of(cached) == f.sha256:
            return cached
        cached.unlink()  # a stale or damaged cache entry is replaced, never trusted
    root = mirror_dir(mirror)
    source: Path | None = None
    if root is not None and (root / f.mirror).exists():
        source = root / f.mirror
        _verify(source, f.sha256)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=cache, prefix=f".{f.name}.")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if source is not None:
            shutil.copyfile(source, tmp)
        elif allow_download and f.download:
            try:
                with urllib.request.urlopen(f.download, timeout=60) as resp, open(tmp, "wb") as out:
                    shutil.copyfileobj(resp, out)
            except OSError as exc:
                raise FetchError(
                    f"{rel.id}: {f.name} is not in the mirror ({root}) and downloading "
                    f"{f.download} failed: {exc}"
                ) from exc
        else:
            where = f"mirror folder {root}" if root else "no mirror folder (set --mirror or CORRIDOR_MIRROR)"
            why = (f"offline: not downloading {f.download}" if f.download and not allow_download
                   else "no download address known")
            raise FetchError(f"{rel.id}: {f.name} not found ({where}; {why})")
        if (actual := sha256_of(tmp)) != f.sha256:  # name where the bytes came from, not the temp file
            raise ChecksumError(str(source or f.download), f.sha256, actual)
        os.replace(tmp, cached)
    finally:
        if tmp.exists():
            tmp.unlink()
    return cached


def fetch(release_id: str, *, mirror: str | Path | None = None, cache: Path | None = None,
          allow_download: bool = True, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Fetch every file of a release; return their verified cached paths in catalogue order."""
    rel = release(release_id)
    paths = []
    for f in rel.files:
        if progress:
            progress(f"{rel.id}: {f.name}")
        paths.append(fetch_file(rel, f, mirror=mirror, cache=cache, allow_download=allow_download))
    return paths
