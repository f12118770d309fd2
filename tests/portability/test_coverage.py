"""Coverage of migrants by social security agreements per corridor, from the registry and the real UN
DESA origin-destination stocks (International Migrant Stock 2019, mid-2000).

What this proves: the share is covered stock over country-to-country stock read through the warehouse;
the registry's agreements in force on 1 July 2000 (Regulation 1408/71 among the EU/EEA states and the US
totalization agreements) cover a share of the same order as the UN report's "only about 20%" of the
world's migrants -- a plausibility check, and a lower bound since the registry is not exhaustive."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.portability.coverage import coverage
from corridor.store.warehouse import Warehouse
from tests.warehouses import ingested_warehouse


@pytest.fixture(scope="module")
def stocks_warehouse(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingested_warehouse(tmp_path_factory, "stocks", ["undesa-ims-2019-od"], mirror)


def test_share_of_migrants_covered_in_2000(stocks_warehouse: Path) -> None:
    with Warehouse.open(stocks_warehouse, read_only=True) as wh:
        table, summary = coverage(wh, 2000)
    assert summary["datasets"] == ["undesa-ims-2019-od"]
    share = summary["share_covered"]
    print(f"share covered 2000: {share:.3f} of {summary['stock_country_pairs']:,.0f}")
    assert 0.05 < share < 0.30  # the report's "about 20%", a lower bound from a partial registry
    mexico_us = table[(table["ref_area"] == "840") & (table["counterpart_area"] == "484")].iloc[0]
    assert not mexico_us["covered"]  # the US-Mexico agreement was signed in 2004 and is not in force
    turkey_germany = table[(table["ref_area"] == "276") & (table["counterpart_area"] == "792")]
    assert not turkey_germany["covered"].iloc[0]  # not in the registry: a lower bound, said so
    italy_germany = table[(table["ref_area"] == "276") & (table["counterpart_area"] == "380")].iloc[0]
    assert italy_germany["covered"] and "EU-883" in italy_germany["agreements"]
    assert "US-DE" not in italy_germany["agreements"]
