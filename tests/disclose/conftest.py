"""Real microdata for the disclosure tests: the EU-SILC public-use file in the mirror."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def eusilc(mirror: Path) -> pd.DataFrame:
    """EU-SILC 2013 synthetic public-use file for Austria (simPop; 13,513 persons, MANIFEST.md)."""
    import pyreadr

    df = pyreadr.read_r(str(mirror / "microdata" / "eusilc13puf.rda"))["eusilc13puf"]
    return df



@pytest.fixture(autouse=True)
def release_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own release register (protected tabulations record what they publish)."""
    path = tmp_path / "releases.json"
    monkeypatch.setenv("CORRIDOR_RELEASE_REGISTER", str(path))
    return path
