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

