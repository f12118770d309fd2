"""Several writes in one transaction (:meth:`Warehouse.batch`): all land or none, and nothing else changes.

What each test proves:

* a batch's datasets are all there after it (the same as written one by one), and idempotence holds
  inside it (the same bytes twice: one dataset);
* an error inside a batch -- here a write the registries refuse, after two good ones -- leaves the
  warehouse exactly as before the batch (checked with DuckDB directly, outside corridor's store);
* batches do not nest, and a read-only warehouse refuses them;
* a batch asked to checkpoint leaves DuckDB's write-ahead log empty (merged into the file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.store.validate import ValidationError
from corridor.store.warehouse import Warehouse, WarehouseError
from tests.store.test_warehouse import _meta, _obs, snapshot


def test_a_batch_writes_every_dataset(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh, wh.batch():
        first = wh.write_dataset(_meta("a-2019", "2019", "s1"), _obs([100.0, 5.0]))
        again = wh.write_dataset(_meta("a-2019-copy", "2019", "s1"), _obs([100.0, 5.0]))
        wh.write_dataset(_meta("a-2020", "2020", "s2"), _obs([110.0, None]))
    assert again == first  # same bytes inside the batch: the dataset already written
    with Warehouse.open(path, read_only=True) as wh:
        assert sorted(wh.datasets().dataset_id) == ["a-2019", "a-2020"]
        assert wh.observations("MIG_STOCK", latest=False).value.notna().sum() == 3


def test_an_error_in_a_batch_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(_meta("before", "2018", "s0"), _obs([1.0]))
    before = snapshot(path)
    bad = _obs([5.0]).assign(ref_area="not-an-area")
    with Warehouse.open(path) as wh:
        with pytest.raises(ValidationError, match="not-an-area"), wh.batch():
            wh.write_dataset(_meta("a-2019", "2019", "s1"), _obs([100.0, 5.0]))
            wh.write_dataset(_meta("a-2020", "2020", "s2"), _obs([110.0]))
            wh.write_dataset(_meta("bad", "2021", "s3"), bad)
        # the connection is usable again, outside any transaction
        wh.write_dataset(_meta("after", "2022", "s4"), _obs([2.0]))
        assert sorted(wh.datasets().dataset_id) == ["after", "before"]
    with Warehouse.open(path) as wh:
        wh.delete_dataset("after")
    assert snapshot(path) == before


def test_batches_do_not_nest_and_need_a_writable_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh, wh.batch():
        with pytest.raises(WarehouseError, match="do not nest"), wh.batch():
            pass
    with Warehouse.open(path, read_only=True) as wh, pytest.raises(WarehouseError, match="read-only"), wh.batch():
        pass


def test_a_checkpointed_batch_leaves_nothing_in_the_log(tmp_path: Path) -> None:
    """``checkpoint=True`` merges the batch into the file: DuckDB's write-ahead log is empty after it
    (without it, the small batch stays in the log until the warehouse closes)."""
    path = tmp_path / "w.duckdb"
    wal = path.with_name(path.name + ".wal")
    with Warehouse.open(path) as wh:
        with wh.batch():
            wh.write_dataset(_meta("a-2019", "2019", "s1"), _obs([100.0, 5.0]))
        assert wal.exists() and wal.stat().st_size > 0
        with wh.batch(checkpoint=True):
            wh.write_dataset(_meta("a-2020", "2020", "s2"), _obs([110.0]))
        assert not wal.exists() or wal.stat().st_size == 0
        assert sorted(wh.datasets().dataset_id) == ["a-2019", "a-2020"]
