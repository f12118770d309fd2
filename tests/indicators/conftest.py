"""Fixtures of the indicators suite: a warehouse with the World Bank remittance releases, the ICMW
treaty table and WPP 2024 net migration ingested from the real mirror, and the remittance-cost
indicators computed into it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corridor.indicators.write import remittance_cost_indicators
from corridor.store.warehouse import Warehouse
from tests.warehouses import ingested_warehouse

RELEASES = ("wb-rpw-corridor-costs", "wb-bilateral-remittances-2017", "wb-wdi-remittances-paid",
            "treaty-status-icmw", "wpp2024-net-migration")


@pytest.fixture(scope="session")
def indicators_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The releases above ingested by the real path, then ``remittance_cost_indicators`` written into
    it once. Open read-only (or copy)."""
    path = ingested_warehouse(tmp_path_factory, "indicators", RELEASES, mirror)
    with Warehouse.open(path) as wh:
        remittance_cost_indicators(wh)
    return path


@pytest.fixture
def writable_warehouse(indicators_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the indicators warehouse a test may write to."""
    copy = tmp_path / "wh.duckdb"
    shutil.copy(indicators_warehouse, copy)
    return copy
