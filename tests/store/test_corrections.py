"""Corrections and withdrawals: what the latest view serves, what ``as_of`` still reaches, the audit trail.

The issue's symptom (checked with Canada <- Albania): a corrected re-issue of a user's table that
drops a row left the old value served as current, because the vintage rule picks the latest vintage
*per observation key* and the dropped key had only the old one. A correction now replaces its dataset
whole (``datasets.replaces``), in the one place the rule lives (``selection._latest``), on both
engines; a withdrawn dataset leaves the latest view and keeps its reason. The real-data tests use a
long slice of UN DESA's 2019 origin-destination table (MANIFEST.md) for Canada.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from corridor.errors import InputError
from corridor.sources.user_table import ingest_user_table
from corridor.store.engines import on_engine
from corridor.store.selection import Selection
from corridor.store.warehouse import DatasetMeta, Warehouse, WarehouseError
from tests.store.test_warehouse import snapshot

OD = "undesa/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
CANADA, ALBANIA = "124", "8"


def _stock(*cells: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"dataflow": "MIG_STOCK", "ref_area": a, "time_period": t, "value": v, "obs_status": "A"}
                         for a, t, v in cells])


@pytest.fixture(scope="session")
def fixes_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with a corrected series, a withdrawn dataset and a series left alone."""
    path = tmp_path_factory.mktemp("fixes") / "fixes.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("fix-v1", "test-fix", "2020", layout="test"),
                         _stock(("4", "2000", 1.0), ("8", "2000", 2.0)))
        wh.write_dataset(DatasetMeta("fix-v2", "test-fix", "2020", layout="test", replaces="fix-v1"),
                         _stock(("4", "2000", 3.0)))  # the correction drops Albania
        wh.write_dataset(DatasetMeta("gone", "test-gone", "2020", layout="test"), _stock(("4", "2000", 9.0)))
        wh.withdraw(["gone"], "published in error")
        wh.write_dataset(DatasetMeta("kept", "test-kept", "2020", layout="test"), _stock(("8", "2000", 7.0)))
    return path


@pytest.fixture
def fixes(engine: str, fixes_path: Path, tmp_path: Path):
    return on_engine(Warehouse.open(fixes_path, read_only=True), engine, folder=tmp_path)


def values(frame: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.dataset_id, r.ref_area): r.value for r in frame.itertuples()}


def test_latest_view_leaves_out_replaced_and_withdrawn_datasets(engine: str, fixes) -> None:
    got = values(fixes.select(Selection.of("MIG_STOCK")))
    assert got == {("fix-v2", "4"): 3.0, ("kept", "8"): 7.0}


def test_as_of_still_reaches_the_old_version_and_the_withdrawn_one(engine: str, fixes) -> None:
    assert values(fixes.select(Selection.of("MIG_STOCK", dataset_ids=["fix-v1"]))) == {
        ("fix-v1", "4"): 1.0, ("fix-v1", "8"): 2.0}
    assert values(fixes.select(Selection.of("MIG_STOCK", dataset_ids=["gone"]))) == {("gone", "4"): 9.0}


def test_every_vintage_side_by_side_still_lists_them(engine: str, fixes) -> None:
    got = values(fixes.select(Selection.of("MIG_STOCK", vintages="all")))
    assert set(got) == {("fix-v1", "4"), ("fix-v1", "8"), ("fix-v2", "4"), ("gone", "4"), ("kept", "8")}


def test_the_rule_is_needed(fixes_path: Path) -> None:
    # Broken on purpose: the per-key rule alone (what _latest did before) serves Albania from fix-v1.
    with Warehouse.open(fixes_path, read_only=True) as wh:
        rows = wh.select(Selection.of("MIG_STOCK", vintages="all", series="test-fix"))
    latest_per_key = rows.sort_values("ingested_at").groupby("ref_area").tail(1)
    assert values(latest_per_key) == {("fix-v2", "4"): 3.0, ("fix-v1", "8"): 2.0}


# --- the real ingest path ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canada(mirror: Path) -> pd.DataFrame:
    wide = pd.read_csv(mirror / OD, dtype=str, keep_default_na=False)
    wide = wide[wide["Dest"] == "Canada"]
    return wide.melt(id_vars=["Year", "Dest"], var_name="birthplace", value_name="count").rename(
        columns={"Dest": "residence", "Year": "year"}).reset_index(drop=True)


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "canada.yaml"
    path.write_text(yaml.safe_dump({
        "title": "Foreign-born population of Canada by country of birth (UN DESA IMS 2019 slice)",
        "concept": "foreign_born", "kind": "estimate", "series": "test-canada", "vintage": "2019",
        "columns": {"residence": "residence", "birthplace": "birthplace", "year": "year", "count": "count"},
        "codes": {"areas": "names", "names_source": "undesa-ims-2019-od"}}), encoding="utf-8")
    return path


def test_a_corrected_file_that_drops_a_row(canada: pd.DataFrame, mapping: Path, tmp_path: Path) -> None:
    first = tmp_path / "v1" / "canada.csv"
    first.parent.mkdir()
    canada.to_csv(first, index=False)
    corrected = tmp_path / "v2" / "canada.csv"  # the re-issue: same name, Albania's row withdrawn
    corrected.parent.mkdir()
    canada[~((canada["birthplace"] == "Albania") & (canada["year"] == "2019"))].to_csv(corrected, index=False)
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        old = ingest_user_table(wh, first, mapping).dataset_id
        assert wh.observations("MIG_STOCK", ref_area=CANADA, counterpart_area=ALBANIA, time_period="2019")[
            "value"].tolist() == [16_363]  # the UN figure in the mirror's table
        new = ingest_user_table(wh, corrected, mapping).dataset_id
        assert wh.dataset(new)["replaces"] == old
        assert wh.observations("MIG_STOCK", ref_area=CANADA, counterpart_area=ALBANIA, time_period="2019").empty
        assert len(wh.observations("MIG_STOCK", ref_area=CANADA, counterpart_area=ALBANIA)) == 6  # other years
        assert wh.observations("MIG_STOCK", as_of=old, counterpart_area=ALBANIA, time_period="2019")[
            "value"].tolist() == [16_363]
        actions = wh.audit_log()[["action", "dataset_id"]].values.tolist()
    assert actions[-2:] == [["replace", old], ["ingest", new]] or actions[-2:] == [["ingest", new], ["replace", old]]


def test_withdrawal_through_the_cli(canada: pd.DataFrame, mapping: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from corridor.cli.main import app

    table = tmp_path / "canada.csv"
    canada.to_csv(table, index=False)
    warehouse = tmp_path / "w.duckdb"
    with Warehouse.open(warehouse) as wh:
        dataset = ingest_user_table(wh, table, mapping).dataset_id
    runner = CliRunner()
    done = runner.invoke(app, ["withdraw", dataset, "--warehouse", str(warehouse)])
    assert done.exit_code != 0  # a reason is required
    before = snapshot(warehouse)
    done = runner.invoke(app, ["withdraw", dataset, "--reason", " ", "--warehouse", str(warehouse)])
    assert isinstance(done.exception, InputError) and "needs a reason" in str(done.exception)
    assert snapshot(warehouse) == before
    done = runner.invoke(app, ["withdraw", dataset, "--reason", "figures for 2019 under revision",
                               "--warehouse", str(warehouse)])
    assert done.exit_code == 0, done.output
    with Warehouse.open(warehouse, read_only=True) as wh:
        assert wh.observations("MIG_STOCK", ref_area=CANADA).empty
        assert len(wh.observations("MIG_STOCK", as_of=dataset)) == len(canada)
        meta = wh.dataset(dataset)
        log = wh.audit_log()
    assert meta["withdrawn_reason"] == "figures for 2019 under revision" and not pd.isna(meta["withdrawn_at"])
    assert log.iloc[-1][["action", "dataset_id", "detail"]].tolist() == [
        "withdraw", dataset, "figures for 2019 under revision"]
    again = runner.invoke(app, ["withdraw", dataset, "--reason", "twice", "--warehouse", str(warehouse)])
    assert isinstance(again.exception, InputError) and "already withdrawn" in str(again.exception)
    # a withdrawn dataset is not corrected: the re-issue is refused and nothing changes
    before = snapshot(warehouse)
    with pytest.raises(WarehouseError, match="was withdrawn"), Warehouse.open(warehouse) as wh:
        wh.write_dataset(DatasetMeta("x", "test-canada", "2020", layout="test", replaces=dataset),
                         _stock(("124", "2020", 1.0)))
    assert snapshot(warehouse) == before


def test_a_failed_correction_changes_nothing(canada: pd.DataFrame, mapping: Path, tmp_path: Path) -> None:
    table = tmp_path / "canada.csv"
    canada.to_csv(table, index=False)
    warehouse = tmp_path / "w.duckdb"
    with Warehouse.open(warehouse) as wh:
        ingest_user_table(wh, table, mapping)
    bad = canada.copy()
    bad.loc[np.flatnonzero(bad["birthplace"] == "Mexico")[0], "count"] = "-5"
    (tmp_path / "v2").mkdir()
    bad.to_csv(tmp_path / "v2" / "canada.csv", index=False)
    before = snapshot(warehouse)
    with pytest.raises(InputError, match="negative count"), Warehouse.open(warehouse) as wh:
        ingest_user_table(wh, tmp_path / "v2" / "canada.csv", mapping)
    assert snapshot(warehouse) == before


def test_an_older_warehouse_reads_without_the_new_columns(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("old", "test-old", "2020", layout="test"), _stock(("4", "2000", 1.0)))
    con = duckdb.connect(str(path))
    for column in ("replaces", "withdrawn_at", "withdrawn_reason", "mapping_sha256"):
        con.execute(f"ALTER TABLE datasets DROP COLUMN {column}")
    con.execute("ALTER TABLE observations DROP COLUMN margin_error")  # added with the flow diagnostics
    con.close()
    with Warehouse.open(path, read_only=True) as wh:
        assert values(wh.select(Selection.of("MIG_STOCK"))) == {("old", "4"): 1.0}


def test_a_large_dataset_is_written_in_chunks_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # write_dataset validates and inserts WRITE_CHUNK rows at a time (bounded memory for 10-million-row
    # tables); a duplicate key across chunks and a bad code in a later chunk still refuse the whole
    # dataset, naming the row in the whole dataset, and leave the warehouse as it was.
    from corridor.store import warehouse as store
    from corridor.store.validate import ValidationError

    monkeypatch.setattr(store, "WRITE_CHUNK", 2)
    path = tmp_path / "w.duckdb"
    Warehouse.open(path).close()
    before = snapshot(path)
    twice = _stock(("4", "2000", 1.0), ("8", "2000", 2.0), ("12", "2000", 3.0), ("4", "2000", 4.0))
    with pytest.raises(WarehouseError, match="share a key"), Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("dup", "test-chunks", "2020", layout="test"), twice)
    assert snapshot(path) == before
    bad = _stock(("4", "2000", 1.0), ("8", "2000", 2.0), ("12", "2000", 3.0), ("99999", "2000", 4.0))
    with pytest.raises(ValidationError, match=r"row 3, column 'ref_area': code\(s\) '99999'"), \
            Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("bad", "test-chunks", "2020", layout="test"), bad)
    assert snapshot(path) == before
    good = _stock(("4", "2000", 1.0), ("8", "2000", 2.0), ("12", "2000", 3.0), ("20", "2000", 4.0), ("24", "2000", 5.0))
    with Warehouse.open(path) as wh:
        wh.write_dataset(DatasetMeta("good", "test-chunks", "2020", layout="test"), good)
        assert wh.observations("MIG_STOCK")["value"].sum() == 15 and wh.dataset("good")["rows_accepted"] == 5
