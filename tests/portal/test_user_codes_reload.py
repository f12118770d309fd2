"""Codes registered while the server runs are served without a restart (issue 10, build item 3).

The symptom: ``corridor register`` wrote an office's geography into the user reference folder, but a
running ``corridor serve`` kept the codelists and area names it had read at start, so the API's
``CL_AREA`` and the portal did not know the new areas until a restart. Here the real server runs in
its own process (tests/serving.py) over an empty warehouse; ``corridor register`` runs as the
command-line user would run it, in another process; the API's codelist and the portal's country search
then know Scotland (the gallery's declaration, docs/gallery/scotland-geography.yaml) within a few
watcher looks (the server compares the folder's fingerprint every half second), and the area is named
as the declaration names it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from corridor.store.warehouse import Warehouse
from tests.serving import corridor_serve

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
SCOTLAND = "U_S92000003"


def area_codes(url: str) -> str:
    answer = httpx.get(url + "/structure/codelist/CL_AREA?format=json", timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_registration_is_served_without_restart(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    env = {"CORRIDOR_USER_REFERENCE": str(reference)}
    with Warehouse.open(tmp_path / "w.duckdb"):
        pass  # an empty warehouse: the codes come from the reference, not from data
    with corridor_serve(tmp_path / "w.duckdb", tmp_path, env=env) as (url, _):
        assert SCOTLAND not in area_codes(url)
        before = httpx.get(url + "/country", params={"q": "Scotland"}, timeout=60)
        assert before.status_code == 404  # "no area is called 'Scotland'"
        done = subprocess.run([sys.executable, "-m", "corridor.cli.main", "register",
                               str(GALLERY / "scotland-geography.yaml")],
                              capture_output=True, text=True, env=dict(os.environ, **env), timeout=120)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 30
        while SCOTLAND not in area_codes(url):
            assert time.monotonic() < deadline, "the running server did not see the registration within 30 s"
            time.sleep(0.25)
        listed = area_codes(url)
        assert "Scotland" in listed and "U_E92000001" in listed and "England" in listed
        found = httpx.get(url + "/country", params={"q": "Scotland"}, timeout=60, follow_redirects=True)
        assert "<h1>Scotland</h1>" in found.text and "not a country" in found.text, found.text[:2000]
