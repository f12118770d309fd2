"""Running the real ``corridor serve`` for tests: its own process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def corridor_serve(warehouse: Path, folder: Path, *, args: Sequence[str] = (), env: dict[str, str] | None = None,
                   wait: float = 90) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``corridor serve`` over ``warehouse``; yield (base URL, process) once it answers; stop it.

    The server's output goes to ``folder/serve.log``, shown in the failure if it does not come up.
    """
    port = free_port()
    log = folder / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "corridor.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--warehouse", str(warehouse), "--log-level", "warning", *args],
            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})),
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"corridor serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"corridor serve did not answer within {wait:.0f} s:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
