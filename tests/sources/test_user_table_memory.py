"""A user's table read a block of rows at a time gives exactly what a whole read gives (issue 10, memory).

Large delimited files are streamed (``corridor.sources.user_layout.read_grids``): a 10-million-row table
took 3.2-4 GB when read whole. Here the real Eurostat table of the mirror (MANIFEST.md:
``observed_flows/eurostat_immigration_prev_residence_intra_eu.csv``, 11,958 rows; Poland -> Germany 2023
= 56,023) is read with blocks of about 500 rows (Arrow parsing 8 KB at a time) and with the default
(one block): the observations are identical, an error in a late block still names the file's row and
column, and nothing is written. The speed and peak memory on 10 million SYNTHETIC rows are measured by
``benchmarks/user_table_ingest.py`` (a benchmark, not a timed test).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from corridor.errors import InputError
from corridor.sources import user_layout
from corridor.sources.user_table import ingest_user_table, load_mapping, read_user_table
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse
from tests.store.test_warehouse import snapshot

EUROSTAT = "observed_flows/eurostat_immigration_prev_residence_intra_eu.csv"
GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"


@pytest.fixture()
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(user_layout, "READ_BYTES", 8 * 1024)
    monkeypatch.setattr(user_layout, "BLOCK_ROWS", 500)


def read(path: Path) -> pd.DataFrame:
    obs, _ = read_user_table(path, load_mapping(GALLERY / "eurostat-immigration.yaml"), base=GALLERY)
    return obs.astype({c: str for c in obs.columns if c != "value"}).reset_index(drop=True)


def test_blocks_give_the_whole_read(mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read(mirror / EUROSTAT)
    monkeypatch.setattr(user_layout, "READ_BYTES", 8 * 1024)
    monkeypatch.setattr(user_layout, "BLOCK_ROWS", 500)
    blocks = list(user_layout.read_grids(mirror / EUROSTAT, load_mapping(GALLERY / "eurostat-immigration.yaml")))
    assert len(blocks) > 10 and sum(len(b.body) for b in blocks) == 11_958
    assert blocks[3].body.index[0] == sum(len(b.body) for b in blocks[:3])  # positions in the whole body
    pd.testing.assert_frame_equal(read(mirror / EUROSTAT), whole)
    pl_de = whole[(whole["ref_area"] == "276") & (whole["counterpart_area"] == "616")
                  & (whole["time_period"] == "2023")]
    assert pl_de["value"].tolist() == [56_023.0]  # MANIFEST.md


def test_an_error_in_a_late_block_names_its_row_and_writes_nothing(mirror: Path, tmp_path: Path,
                                                                   small_blocks: None) -> None:
    table = pd.read_csv(mirror / EUROSTAT, dtype=str, keep_default_na=False)
    table.loc[11_000, "value"] = "12,5"  # a decimal comma where the mapping declares a point
    path = tmp_path / "eurostat.csv"
    table.to_csv(path, index=False)
    mapping = tmp_path / "eurostat.yaml"
    mapping.write_text(yaml.safe_dump(yaml.safe_load((GALLERY / "eurostat-immigration.yaml").read_text())))
    (tmp_path / "eurostat-aliases.csv").write_bytes((GALLERY / "eurostat-aliases.csv").read_bytes())
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        ingest_user_table(wh, mirror / EUROSTAT, GALLERY / "eurostat-immigration.yaml")  # something to keep
    before = snapshot(tmp_path / "w.duckdb")
    with Warehouse.open(tmp_path / "w.duckdb") as wh, pytest.raises(InputError) as caught:
        ingest_user_table(wh, path, mapping)
    assert snapshot(tmp_path / "w.duckdb") == before
    message = str(caught.value)
    assert "eurostat.csv" in message and "row 11002" in message and "value" in message, message


def test_a_streamed_table_is_stored_whole(mirror: Path, tmp_path: Path, small_blocks: None) -> None:
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        report = ingest_user_table(wh, mirror / EUROSTAT, GALLERY / "eurostat-immigration.yaml")
        assert report.rows_accepted == wh.count(Selection.of("MIG_FLOW_REG"))
        rows = wh.select(Selection.of("MIG_FLOW_REG", ref_area="276", counterpart_area="616", time_period="2023"))
    assert rows["value"].tolist() == [56_023.0]
