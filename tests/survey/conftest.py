"""Fixtures for the survey-estimation tests: R survey's ``api`` data from the real-data mirror."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def api_dir(mirror: Path) -> Path:
    return mirror / "microdata"


@pytest.fixture(scope="session")
def apistrat(api_dir: Path) -> pd.DataFrame:
    """R survey's ``apistrat``: stratified (by school type) sample of 200 California schools."""
    return pd.read_csv(api_dir / "apistrat.csv")


@pytest.fixture(scope="session")
def apiclus1(api_dir: Path) -> pd.DataFrame:
    """R survey's ``apiclus1``: one-stage cluster sample of 15 school districts (183 schools)."""
    return pd.read_csv(api_dir / "apiclus1.csv")
