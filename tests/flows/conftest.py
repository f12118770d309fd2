"""Fixtures for the flow tests: the real 2010-2015 case built from the mirror (once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.estimate.flows.stocks import PreparedStocks, mirror_frames, tables_from_mirror


@pytest.fixture(scope="session")
def mirror_flow_frames(mirror: Path):
    """IMS 2019 OD stocks, WPP 2019 population, WPP 2024 births and deaths, read from the mirror."""
    return mirror_frames(mirror)


@pytest.fixture(scope="session")
def real_2010_2015(mirror: Path, mirror_flow_frames) -> PreparedStocks:
    """The issue's real case: 199 areas, stocks 2010 and 2015, births and deaths 2010-2014."""
    return tables_from_mirror(mirror, (2010, 2015), mirror_flow_frames)
