"""Fixtures for the flow tests: a warehouse built by the real ingest, and the real 2010-2015 case read from it.

Every published number reaches the flow estimates through sources -> store: the session warehouse holds
every catalogue release of the series flow estimation reads (``undesa-ims``, ``wpp-population``,
``wpp-births-deaths``), fetched from the real mirror with checksums and ingested by
``corridor.sources.ingest.ingest_release``. Without the mirror the tests are skipped with a reason, and
fail under ``CI=true`` (the ``mirror`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.estimate.flows.stocks import PreparedStocks, StockSource
from corridor.estimate.flows.store import INPUT_SERIES, WarehouseInputs, read_inputs
from corridor.sources.catalogue import releases
from corridor.store.warehouse import Warehouse
from tests.warehouses import ingested_warehouse

#: The catalogue releases of the series flows read (what the main job ingests for them).
FLOW_RELEASES = [r.id for r in releases().values() if r.layout and r.series in INPUT_SERIES]
#: The release of observed register flows the interval is calibrated on (also ingested into the flow warehouse).
CALIBRATION_RELEASE = "eurostat-immigration-prev-residence"


@pytest.fixture(scope="session")
def flow_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with :data:`FLOW_RELEASES` ingested from the real mirror (open it read-only or
    copy it)."""
    return ingested_warehouse(tmp_path_factory, "flow-warehouse", [*FLOW_RELEASES, CALIBRATION_RELEASE], mirror)


@pytest.fixture(scope="session")
def flow_inputs(flow_warehouse: Path) -> WarehouseInputs:
    """Stocks, population, births and deaths read from :func:`flow_warehouse`, both sexes and by sex."""
    with Warehouse.open(flow_warehouse, read_only=True) as wh:
        return read_inputs(wh, ("_T", "M", "F"))


@pytest.fixture(scope="session")
def real_2010_2015(flow_inputs: WarehouseInputs) -> PreparedStocks:
    """The issue's real case: 199 areas, stocks 2010 and 2015, births and deaths 2010-2014."""
    return StockSource(*flow_inputs.frames["_T"], inputs=flow_inputs.inputs["_T"]).tables((2010, 2015))
