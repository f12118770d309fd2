"""The README's examples run as written on the real mirror (issue 15: "The README's examples all run").

What this proves: every ``corridor ...`` line of the README's "What it does" block, in order, on a fresh
warehouse, exits 0, and the everyday answers are the published figures (UN DESA IMS 2019: 11,489,684
Mexico-born in the USA; IMS 2020: 280,598,105 migrants in the world in 2020; REFERENCE_VALUES.md).
The lines are run from the checkout as ``python -m corridor.cli.main`` (what ``corridor`` is); the
mirror is the ``mirror`` fixture (its path replaces ``../shared/data`` when it lives elsewhere); the
warehouse and cache are temporary (``CORRIDOR_WAREHOUSE``, ``CORRIDOR_CACHE``). ``corridor serve``
serves until stopped: it is started, must answer ``/`` with the portal, and is stopped; it gets a free
port (``--port``), as 8000 may be taken on a shared machine.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[list[str]]:
    """The argument lists of the ``corridor`` lines in the README's "What it does" code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## What it does.*?```\n(.*?)```", text, flags=re.S).group(1)
    lines = [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]
    assert all(words[0] == "corridor" for words in lines), lines
    return [words[1:] for words in lines]


def test_readme_examples_run_as_written(mirror: Path, tmp_path: Path) -> None:
    env = dict(os.environ, CORRIDOR_WAREHOUSE=str(tmp_path / "corridor.duckdb"), CORRIDOR_MIRROR=str(mirror),
               CORRIDOR_CACHE=str(tmp_path / "cache"), CORRIDOR_TOKENS="",
               CORRIDOR_AUDIT_LOG=str(tmp_path / "audit.jsonl"))
    shared = (ROOT.parent / "shared" / "data").resolve()
    outputs = {}
    commands = readme_commands()
    assert len(commands) >= 12
    for args in commands:
        args = [a.replace("../shared/data", str(mirror)) if shared != mirror else a for a in args]
        cmd = [sys.executable, "-m", "corridor.cli.main", *args]
        if args[0] == "serve":
            _serve(cmd, env, tmp_path)
            continue
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert done.returncode == 0, f"corridor {shlex.join(args)}\n{done.stderr[-3000:]}"
        outputs[shlex.join(args)] = done.stdout
    top = outputs["stock --origin Mexico --year 2019 --top 10"]
    assert "United States of America" in top and "11,489,684" in top
    assert "280,598,105" in outputs["stock --destination WORLD --year 2020 --sex all"]
    shown = outputs["flows show --origin Mexico --destination 'United States' --period 2010-2015"]
    assert "da_pb_closed" in shown and "2010-2015" in shown
    assert "11489684" in outputs["stock --destination USA --origin MEX --year 2019 --format csv"]


def _serve(cmd: list[str], env: dict[str, str], folder: Path) -> None:
    port = free_port()
    with (folder / "serve.log").open("w") as log:
        proc = subprocess.Popen([*cmd, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (folder / "serve.log").read_text()
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                if page.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (folder / "serve.log").read_text()
            time.sleep(0.3)
        assert "International migrants in the world" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
