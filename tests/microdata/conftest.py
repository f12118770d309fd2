"""Fixtures for the microdata tests: the real files in the mirror and ONE Spark session per test run."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cps(mirror: Path) -> Path:
    """IPUMS CPS ASEC 2016 extract (ipumsr's example data), fixed-width with its DDI codebook."""
    return mirror / "microdata" / "cps_00160.dat.gz"


@pytest.fixture(scope="session")
def eusilc(mirror: Path) -> Path:
    """Synthetic EU-SILC public-use file for Austria, 2013 (simPop's eusilc13puf)."""
    return mirror / "microdata" / "eusilc13puf.rda"


@pytest.fixture(scope="session")
def spark_con():
    """An Ibis backend over ONE local Spark session (local[2], 4 shuffle partitions) for the whole run."""
    from corridor.microdata.engines import connect

    return connect("spark", spark_master="local[2]")


@pytest.fixture(scope="session")
def synthetic_census(tmp_path_factory) -> Path:
    """A 200,000-person synthetic census in Parquet (scale data only; figures come from real files)."""
    from corridor.microdata.synthetic import write_synthetic_census

    path = tmp_path_factory.mktemp("synthetic") / "census.parquet"
    return write_synthetic_census(path, 200_000, chunk_size=70_000)


@pytest.fixture(autouse=True)
def release_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own release register (protected tabulations record what they publish)."""
    path = tmp_path / "releases.json"
    monkeypatch.setenv("CORRIDOR_RELEASE_REGISTER", str(path))
    return path
