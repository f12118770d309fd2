"""Fetching releases: from the real mirror, checksum-verified, cached; bad bytes never enter the cache.

What this proves, on the real files of ``../shared/data``: every catalogue release fetches from the
mirror and its sha256 verifies; a mirror file with one byte changed is a ``ChecksumError`` naming the
file and both hashes, and the cache stays empty; a damaged cache entry is replaced; a file that is in
no mirror and has no download address is a ``FetchError`` naming release and file; a download address
that cannot be reached is a clear ``FetchError`` (a loopback port nobody listens on — no test here
contacts anything but 127.0.0.1); a download from a real local HTTP server is verified like a mirror
file. ``corridor fetch`` (the real command, in a subprocess) says "sha256 verified" and exits 0; an
unknown release id exits 2 listing the known ones.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from corridor.errors import ChecksumError
from corridor.sources.catalogue import Release, ReleaseFile, release, releases
from corridor.sources.fetch import FetchError, fetch, fetch_file, sha256_of

OD = "undesa-ims-2019-od"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize("release_id", list(releases()))
def test_every_release_fetches_from_the_mirror_and_verifies(release_id: str, mirror: Path,
                                                             tmp_path: Path) -> None:
    rel = release(release_id)
    paths = fetch(release_id, mirror=mirror, cache=tmp_path, allow_download=False)
    assert [p.name for p in paths] == [f.name for f in rel.files]
    for path, f in zip(paths, rel.files, strict=True):
        assert path == tmp_path / release_id / f.name
        assert sha256_of(path) == f.sha256
        # the cached copy is the mirror's bytes, unchanged
        assert path.read_bytes() == (mirror / f.mirror).read_bytes()
    # no temporary files are left behind in the cache
    assert files_under(tmp_path) == sorted(paths)


def test_a_cached_release_needs_no_mirror(mirror: Path, tmp_path: Path) -> None:
    first = fetch(OD, mirror=mirror, cache=tmp_path, allow_download=False)
    empty = tmp_path / "no-mirror"
    empty.mkdir()
    again = fetch(OD, mirror=empty, cache=tmp_path, allow_download=False)
    assert again == first


def one_byte_changed_mirror(mirror: Path, folder: Path, rel: Release) -> Path:
    """A fake mirror folder holding the release's first file with one byte changed."""
    f = rel.files[0]
    data = bytearray((mirror / f.mirror).read_bytes())
    data[len(data) // 2] ^= 0x01
    target = folder / f.mirror
    target.parent.mkdir(parents=True)
    target.write_bytes(bytes(data))
    return target


def test_wrong_checksum_names_file_and_both_hashes_and_nothing_is_cached(mirror: Path, tmp_path: Path) -> None:
    rel = release(OD)
    fake = tmp_path / "fake-mirror"
    bad = one_byte_changed_mirror(mirror, fake, rel)
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError) as info:
        fetch(OD, mirror=fake, cache=cache, allow_download=False)
    message = str(info.value)
    assert str(bad) in message
    assert rel.files[0].sha256 in message
    assert sha256_of(bad) in message
    assert sha256_of(bad) != rel.files[0].sha256
    assert files_under(cache) == []


def test_damaged_cache_entry_is_replaced(mirror: Path, tmp_path: Path) -> None:
    rel = release(OD)
    [path] = fetch(OD, mirror=mirror, cache=tmp_path, allow_download=False)
    path.write_bytes(path.read_bytes()[:1000])  # truncated, as by a crash or a full disk
    assert sha256_of(path) != rel.files[0].sha256
    [again] = fetch(OD, mirror=mirror, cache=tmp_path, allow_download=False)
    assert again == path
    assert sha256_of(again) == rel.files[0].sha256


def test_damaged_cache_and_bad_mirror_leave_no_bad_file(mirror: Path, tmp_path: Path) -> None:
    rel = release(OD)
    cache = tmp_path / "cache"
    [path] = fetch(OD, mirror=mirror, cache=cache, allow_download=False)
    path.write_bytes(b"damaged")
    fake = tmp_path / "fake-mirror"
    one_byte_changed_mirror(mirror, fake, rel)
    with pytest.raises(ChecksumError):
        fetch(OD, mirror=fake, cache=cache, allow_download=False)
    assert files_under(cache) == []  # the damaged entry is gone and the bad mirror copy never came in


def test_missing_file_without_download_address_names_release_and_file(tmp_path: Path) -> None:
    rel = release("wb-bilateral-migration-2017")
    assert all(f.download is None for f in rel.files)  # catalogue: no stable download address known
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    with pytest.raises(FetchError) as info:
        fetch(rel.id, mirror=empty, cache=tmp_path / "cache")
    message = str(info.value)
    assert "wb-bilateral-migration-2017" in message
    assert "WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx" in message
    assert "no download address" in message
    assert files_under(tmp_path / "cache") == []


def free_loopback_port() -> int:
    """A loopback port nobody listens on (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_download_address_is_a_clear_fetch_error(mirror: Path, tmp_path: Path) -> None:
    real = release(OD)
    address = f"http://127.0.0.1:{free_loopback_port()}/{real.files[0].name}"
    rel = replace(real, files=(replace(real.files[0], download=address),))
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    with pytest.raises(FetchError) as info:
        fetch_file(rel, rel.files[0], mirror=empty, cache=tmp_path / "cache")
    message = str(info.value)
    assert OD in message and real.files[0].name in message
    assert address in message and "failed" in message
    assert files_under(tmp_path / "cache") == []


@pytest.fixture()
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder: (base address, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_download_is_verified_and_cached(mirror: Path, tmp_path: Path, http_server: tuple[str, Path]) -> None:
    base, www = http_server
    real = release(OD)
    f = real.files[0]
    shutil.copyfile(mirror / f.mirror, www / f.name)
    rel = replace(real, files=(replace(f, download=f"{base}/{f.name}"),))
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    path = fetch_file(rel, rel.files[0], mirror=empty, cache=tmp_path / "cache")
    assert sha256_of(path) == f.sha256
    # allow_download=False (``--offline``) never touches the address, even when one is known
    with pytest.raises(FetchError):
        fetch_file(rel, rel.files[0], mirror=empty, cache=tmp_path / "cache2", allow_download=False)


def test_downloaded_bytes_with_a_wrong_checksum_never_enter_the_cache(
        mirror: Path, tmp_path: Path, http_server: tuple[str, Path]) -> None:
    base, www = http_server
    real = release(OD)
    f = real.files[0]
    data = bytearray((mirror / f.mirror).read_bytes())
    data[-2] ^= 0x01
    (www / f.name).write_bytes(bytes(data))
    rel = replace(real, files=(replace(f, download=f"{base}/{f.name}"),))
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError) as info:
        fetch_file(rel, rel.files[0], mirror=empty, cache=cache)
    message = str(info.value)
    assert f"checksum mismatch for {base}/{f.name}:" in message  # the address, not a temporary file
    assert f.sha256 in message and sha256_bytes(bytes(data)) in message
    assert files_under(cache) == []


def test_release_object_with_synthetic_id_uses_its_own_cache_folder(tmp_path: Path) -> None:
    # A Release built in code (not from the catalogue) still fetches through the same path.
    rel = Release(id="test-only", series="t", vintage="1", layout=None, title="t", publisher="p",
                  licence="l", files=(ReleaseFile(name="x.csv", mirror="x/x.csv", sha256="0" * 64),))
    with pytest.raises(FetchError) as info:
        fetch_file(rel, rel.files[0], mirror=tmp_path, cache=tmp_path / "cache")
    assert "test-only: x.csv not found" in str(info.value)


# --- the command ------------------------------------------------------------------------------------


def corridor(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORRIDOR_CACHE": str(cache), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_fetch_command_verifies_and_caches(mirror: Path, tmp_path: Path) -> None:
    done = corridor("fetch", OD, "--mirror", str(mirror), "--offline", cache=tmp_path)
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert f"ok {OD}: UN_MigrantStockByOriginAndDestination_2019_clean.csv (sha256 verified)" in output
    cached = tmp_path / OD / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    assert sha256_of(cached) == release(OD).files[0].sha256


def test_fetch_command_unknown_release_exits_2_listing_known_ids(mirror: Path, tmp_path: Path) -> None:
    done = corridor("fetch", "undesa-ims-1999", "--mirror", str(mirror), cache=tmp_path)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "unknown release 'undesa-ims-1999'" in message
    for rid in releases():
        assert rid in message
    assert "Traceback" not in done.stderr
    assert files_under(tmp_path) == []


def test_fetch_command_wrong_checksum_exits_2_naming_file_and_hashes(mirror: Path, tmp_path: Path) -> None:
    rel = release(OD)
    fake = tmp_path / "fake-mirror"
    bad = one_byte_changed_mirror(mirror, fake, rel)
    cache = tmp_path / "cache"
    done = corridor("fetch", OD, "--mirror", str(fake), "--offline", cache=cache)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert f"checksum mismatch for {bad}: expected sha256 {rel.files[0].sha256}, got {sha256_of(bad)}" in message
    assert "Traceback" not in done.stderr
    assert files_under(cache) == []


def test_mirror_from_the_environment_and_the_flag_wins(mirror: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rel = release(OD)
    fake = tmp_path / "fake-mirror"
    one_byte_changed_mirror(mirror, fake, rel)
    monkeypatch.setenv("CORRIDOR_MIRROR", str(fake))
    with pytest.raises(ChecksumError):  # CORRIDOR_MIRROR is used when no folder is given
        fetch(OD, cache=tmp_path / "c1", allow_download=False)
    [path] = fetch(OD, mirror=mirror, cache=tmp_path / "c2", allow_download=False)  # --mirror wins
    assert sha256_of(path) == rel.files[0].sha256
