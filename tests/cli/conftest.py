"""Fixtures for the command-line tests: the real warehouse plus corridor's own flow estimates.

``cli_warehouse`` is a copy of the session's ``loaded_warehouse`` (every catalogue release ingested from
the real mirror) with two real estimates written by the flows package exactly as ``corridor flows
estimate`` writes them: ``da_min_closed`` and ``da_pb_closed``, 2015-2020, both sexes, with the calibrated
interval (a few seconds).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corridor.store.warehouse import Warehouse
from tests.store.test_corrections import fixes_path  # noqa: F401 - a correction and a withdrawal (test_plain_reads)


@pytest.fixture(scope="session")
def cli_warehouse(loaded_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from corridor.estimate.flows.store import estimate_into_warehouse

    path = tmp_path_factory.mktemp("cli") / "corridor.duckdb"
    shutil.copyfile(loaded_warehouse, path)
    with Warehouse.open(path) as wh:
        estimate_into_warehouse(wh, methods=["da_min_closed", "da_pb_closed"], periods=[(2015, 2020)],
                                sexes=["_T"])
    return path
