"""A real ``corridor serve`` process over a warehouse holding the real UN DESA releases.

The warehouse is built as the main job builds it: every catalogue release ingested from the mirror with
the real adapters (except the Eurostat register flows: see below), then corridor's flow estimates.

Restricted material for the security tests is one dataset built from real figures: IMS 2020's
United States rows written again as an *embargoed* later vintage of the same series (access
``embargoed``, vintage 2099), and the same rows as access ``microdata`` (vintage 2098). Both are written
through the store's validated write, as ``MIG_STOCK`` observations with registered codes. A third,
``test-restricted-register-flows`` (access ``restricted``), holds three real Eurostat register flows
(``migr_imm5prv`` via the mirror: Poland->Germany 56,023, Romania->Germany 73,651, Romania->Spain
43,480 immigrants in 2023, MANIFEST.md) as ``MIG_FLOW_REG`` observations with direction ``IMM``: the
only data of that dataflow and the only use of that code, so both must stay invisible without the
role. Tokens: ``analyst`` (role ``embargoed``), ``archivist`` (role ``microdata``), ``guest`` (role
``press``), ``registrar`` (role ``restricted``), ``root`` (role ``admin``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest

from corridor.cli.data import _estimate_flows, ingestible
from corridor.sources.catalogue import release
from corridor.sources.fetch import fetch_file
from corridor.store.warehouse import DatasetMeta, Warehouse
from tests.serving import corridor_serve
from tests.warehouses import ingested_warehouse

TOKENS = {"analyst": ("analyst-secret-token", ["embargoed"]), "guest": ("guest-secret-token", ["press"]),
          "archivist": ("archivist-secret-token", ["microdata"]), "root": ("root-secret-token", ["admin"]),
          "registrar": ("registrar-secret-token", ["restricted"])}
EMBARGOED_ID = "test-embargoed-ims-usa"
MICRODATA_ID = "test-microdata-ims-usa"
REGISTER_ID = "test-restricted-register-flows"
REGISTER_RELEASE = "eurostat-immigration-prev-residence"
#: (previous residence ISO2, reporter ISO2) -> (M49 codes); UN M49: DE 276, ES 724, PL 616, RO 642
REGISTER_PAIRS = {("PL", "DE"): ("616", "276"), ("RO", "DE"): ("642", "276"), ("RO", "ES"): ("642", "724")}
#: the restricted figures (Eurostat migr_imm5prv 2023, MANIFEST.md), which no anonymous answer may hold
REGISTER_VALUES = (56_023, 73_651, 43_480)


@dataclass
class Server:
    """A running server: its base URL, audit log and warehouse file."""

    url: str
    audit_log: Path
    warehouse: Path
    process: subprocess.Popen

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, timeout=60, **kwargs)

    def audit_entries(self) -> list[dict]:
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]


def _register_rows(mirror: Path, cache: Path) -> pd.DataFrame:
    """The three Eurostat register flows of :data:`REGISTER_PAIRS` in 2023, read from the mirror through
    the release catalogue, as MIG_FLOW_REG observations (direction IMM)."""
    rel = release(REGISTER_RELEASE)
    path = fetch_file(rel, rel.files[0], mirror=mirror, cache=cache, allow_download=False)
    table = pd.read_csv(path, dtype={"partner": str, "geo": str, "year": int})
    rows = []
    for (partner, geo), (counterpart, ref_area) in REGISTER_PAIRS.items():
        (value,) = table.loc[(table["partner"] == partner) & (table["geo"] == geo) & (table["year"] == 2023),
                             "value"]
        rows.append({"dataflow": "MIG_FLOW_REG", "ref_area": ref_area, "counterpart_area": counterpart,
                     "topic": "IMM", "sex": "_T", "age": "_T", "time_period": "2023", "value": float(value),
                     "obs_status": "A", "conf_status": "F", "unit_measure": "PS", "unit_mult": 0,
                     "method": "published"})
    frame = pd.DataFrame(rows)
    assert sorted(frame["value"]) == sorted(float(v) for v in REGISTER_VALUES)
    return frame


def _add_restricted(path: Path, mirror: Path, cache: Path) -> None:
    """Write the restricted test datasets (real IMS 2020 figures for the USA, re-labelled; real
    Eurostat register flows as restricted data)."""
    with Warehouse.open(path) as wh:
        if wh.dataset(REGISTER_ID) is None:
            wh.write_dataset(DatasetMeta(
                dataset_id=REGISTER_ID, series="eurostat-migr-imm5prv-test", vintage="2024", access="restricted",
                title="TEST ONLY: Eurostat register flows as restricted data", publisher="corridor tests",
                licence="CC-BY-4.0", concept="previous_residence", kind="register",
            ), _register_rows(mirror, cache))
        rows = wh.observations("MIG_STOCK", ref_area="840", as_of="undesa-ims-2020-sex-destination")
        obs = rows[[c for c in ("dataflow", "ref_area", "counterpart_area", "birthplace", "sex", "age",
                                "time_period", "value", "obs_status", "conf_status", "unit_measure",
                                "unit_mult", "method") if c in rows.columns]]
        for dataset_id, access, vintage in ((EMBARGOED_ID, "embargoed", "2099"),
                                            (MICRODATA_ID, "microdata", "2098")):
            if wh.dataset(dataset_id) is None:
                wh.write_dataset(DatasetMeta(
                    dataset_id=dataset_id, series="undesa-ims", vintage=vintage, access=access,
                    title=f"TEST ONLY: IMS 2020 USA rows as an {access} vintage", publisher="corridor tests",
                    licence="test", concept="mixed_foreign_born_or_citizen", kind="estimate",
                ), obs)


@pytest.fixture(scope="session")
def api_warehouse(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """A warehouse file as the main job builds it (every catalogue release but the Eurostat register
    flows, whose dataflow must hold only the restricted test data here; corridor's flow estimates for
    1990-2020, both methods of the main job) plus the restricted test datasets."""
    prebuilt = os.environ.get("CORRIDOR_API_TEST_WAREHOUSE")  # a warehouse built earlier, to iterate quickly
    if prebuilt:
        target = tmp_path_factory.mktemp("publish_api") / "corridor.duckdb"
        shutil.copyfile(prebuilt, target)
    else:
        target = ingested_warehouse(tmp_path_factory, "publish_api",
                                    [r for r in ingestible() if r != REGISTER_RELEASE], mirror)
        _estimate_flows(target, vintage=[])  # the main job's flow step (corridor run)
    _add_restricted(target, mirror, tmp_path_factory.mktemp("release-cache"))
    return target


@pytest.fixture(scope="session")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens.yaml"
    lines = ["tokens:"]
    for name, (token, roles) in TOKENS.items():
        digest = hashlib.sha256(token.encode()).hexdigest()
        lines += [f"  - name: {name}", f"    sha256: {digest}", f"    roles: [{', '.join(roles)}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def server(api_warehouse: Path, tokens_file: Path, tmp_path_factory: pytest.TempPathFactory):
    """``corridor serve`` in its own process on a free loopback port."""
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    folder = tmp_path_factory.mktemp("serve")
    with corridor_serve(api_warehouse, folder, args=["--tokens", str(tokens_file), "--audit-log", str(audit)],
                        env={"CORRIDOR_TOKENS": "", "CORRIDOR_AUDIT_LOG": ""}) as (url, proc):
        yield Server(url=url, audit_log=audit, warehouse=api_warehouse, process=proc)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


@pytest.fixture(scope="session")
def restricted():
    """The restricted test material's ids and a helper making the Authorization header of a token."""
    from types import SimpleNamespace

    return SimpleNamespace(embargoed=EMBARGOED_ID, microdata=MICRODATA_ID, register=REGISTER_ID, bearer=bearer,
                           register_values=REGISTER_VALUES)


@pytest.fixture(scope="session")
def service_state(api_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    """The service's state over the test warehouse, in-process (no tokens): what the routes query, for
    tests that compare the server's answers with the store's or a writer's."""
    from corridor.publish.api.state import ServiceState
    from corridor.publish.security import AuditLog, TokenStore

    folder = tmp_path_factory.mktemp("service-state")
    opened = ServiceState.open(api_warehouse, tokens=TokenStore(), audit=AuditLog(folder / "audit.jsonl"))
    yield opened
    opened.close()
