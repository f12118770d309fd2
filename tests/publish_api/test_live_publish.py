"""Publishing without downtime: a release is ingested while the server answers.

The server reads the warehouse's published snapshot (corridor.store.snapshots) and switches to a
newer one when ``corridor ingest`` publishes it (corridor.publish.api.state.LiveState). These tests
use the real UN DESA releases from the mirror: the server starts over the 2019 totals, and the
2020 edition by sex and destination (a later vintage of the same series, so the world totals served
change) is ingested meanwhile.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from corridor.publish.app import SNAPSHOT_HEADER, create_app
from corridor.sources.ingest import ingest_release
from corridor.store.snapshots import current_snapshot, publishing, read_pointer
from tests.serving import corridor_serve

OLD_RELEASE = "undesa-ims-2019-totals"
NEW_RELEASE = "undesa-ims-2020-sex-destination"
HEADER = SNAPSHOT_HEADER.decode()
#: what the request loop asks, round robin: provenance, the world total (its 2020 value exists only
#: in the new release; its earlier values are revised by it), one dataset's record and the
#: dataflows (the same in both snapshots)
URLS = ("/datasets", "/data/MIG_STOCK/900._T._T?format=csv", f"/datasets/{OLD_RELEASE}", "/structure/dataflow")


@pytest.fixture
def warehouse(tmp_path: Path, mirror: Path) -> Path:
    """A warehouse holding the 2019 totals, written and published as ``corridor ingest`` does."""
    os.environ.setdefault("CORRIDOR_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "corridor.duckdb"
    with publishing(path) as wh:
        ingest_release(wh, OLD_RELEASE, mirror=mirror)
    return path


def _digest(response: httpx.Response) -> str:
    return hashlib.sha256(response.content).hexdigest()


def _reference(client: httpx.Client, url: str) -> tuple[str, dict[str, str]]:
    """(snapshot, {url: body digest}) of one pass over URLS, all from one snapshot."""
    responses = [client.get(url + path) for path in URLS]
    assert all(r.status_code == 200 for r in responses), [(r.url, r.status_code, r.text[:200]) for r in responses]
    names = {r.headers[HEADER] for r in responses}
    assert len(names) == 1, names
    return names.pop(), {path: _digest(r) for path, r in zip(URLS, responses, strict=True)}


def test_ingest_while_serving_no_request_fails_and_the_new_release_appears(
        warehouse: Path, mirror: Path, tmp_path: Path) -> None:
    records: list[tuple[float, str, int, str, str]] = []  # (time, url, status, snapshot, digest)
    errors: list[str] = []
    stop = threading.Event()

    def loop(url: str, offset: int) -> None:
        with httpx.Client(timeout=60) as client:
            i = offset
            while not stop.is_set():
                path = URLS[i % len(URLS)]
                i += 1
                try:
                    r = client.get(url + path)
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {exc!r}")
                    continue
                records.append((time.time(), path, r.status_code, r.headers.get(HEADER, ""), _digest(r)))
                stop.wait(0.02)  # a bounded load: 3 clients, at most ~50 requests/s each

    with corridor_serve(warehouse, tmp_path) as (url, _proc), httpx.Client(timeout=60) as client:
        old, old_bodies = _reference(client, url)
        assert old == current_snapshot(warehouse).name
        assert NEW_RELEASE not in client.get(url + "/datasets").text
        threads = [threading.Thread(target=loop, args=(url, k), daemon=True) for k in range(3)]  # 3 at a time
        for t in threads:
            t.start()
        started = time.time()
        ingest = subprocess.run(
            [sys.executable, "-m", "corridor.cli.main", "ingest", NEW_RELEASE, "--warehouse", str(warehouse),
             "--mirror", str(mirror)], capture_output=True, text=True, timeout=600)
        ended = time.time()
        assert ingest.returncode == 0, ingest.stderr  # the server no longer keeps the writer out
        new = current_snapshot(warehouse).name
        assert new != old
        published = datetime.fromisoformat(read_pointer(warehouse)["published_at"]).timestamp()
        deadline = ended + 30
        while not any(r[3] == new for r in records[-6:]) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a few more requests on the new snapshot
        stop.set()
        for t in threads:
            t.join(timeout=90)
        seen_new = min((r[0] for r in records if r[3] == new), default=None)
        _, new_bodies = _reference(client, url)
        assert NEW_RELEASE in client.get(url + "/datasets").text
        world = client.get(url + "/data/MIG_STOCK/900._T._T?format=csv&startPeriod=2020&endPeriod=2020")
        assert world.status_code == 200 and "2020" in world.text

    during = [r for r in records if started <= r[0] <= ended]
    by_snapshot = defaultdict(int)
    for r in records:
        by_snapshot[r[3]] += 1
    print(f"\nrequests: {len(records)} in all, {len(during)} during the ingest ({ended - started:.1f} s); "
          f"by snapshot {dict(by_snapshot)}; new snapshot first answered "
          f"{(seen_new - published) if seen_new else float('nan'):.2f} s after its publication started")
    assert not errors, errors[:5]
    assert [r for r in records if r[2] != 200] == []
    assert len(during) >= 10  # the loop really ran while the ingest wrote
    assert set(by_snapshot) == {old, new}  # every answer names the old or the new snapshot ...
    expected = {old: old_bodies, new: new_bodies}
    assert old_bodies["/datasets"] != new_bodies["/datasets"]
    assert old_bodies["/data/MIG_STOCK/900._T._T?format=csv"] != new_bodies["/data/MIG_STOCK/900._T._T?format=csv"]
    wrong = [r for r in records if r[4] != expected[r[3]][r[1]]]
    assert wrong == []  # ... and is exactly that snapshot's answer: never a mix, never a stale cache
    assert seen_new is not None and seen_new - published < 5  # copy, a poll (0.5 s) and a state build
    assert all(r[3] == new for r in records if r[0] > seen_new)  # no request goes back to the old state


def test_a_switch_waits_for_requests_on_the_old_state_and_drops_its_caches(
        warehouse: Path, mirror: Path, tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("tokens: []\n")
    app = create_app(warehouse, tokens_file=tokens, audit_log=tmp_path / "audit.jsonl")
    live = app.state.corridor
    client = TestClient(app)  # no lifespan, so no watcher thread: this test makes the watcher's looks itself
    try:
        first = client.get("/datasets")
        assert client.get("/datasets").content == first.content  # a repeat, kept in the old state's cache
        old_name = first.headers[HEADER]
        with live.lease() as held:  # a request still running on the old state
            with publishing(warehouse) as wh:
                ingest_release(wh, NEW_RELEASE, mirror=mirror)
            assert live.check()  # the watcher's look (called here so the test does not wait for it)
            assert live.current is not held
            assert len(held.root.datasets()) == 1  # still open: its request has not finished
            after = client.get("/datasets")
            assert after.headers[HEADER] != old_name and NEW_RELEASE in after.text  # no stale cached body
        with pytest.raises(Exception, match="(?i)closed"):
            held.root.datasets()  # closed once its last request ended
        assert not live.check()  # nothing newer: no switch
    finally:
        live.close()
