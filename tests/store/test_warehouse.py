"""The warehouse keeps vintages, refuses unflagged missing values and duplicate keys, and is atomic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from corridor.store.warehouse import DatasetMeta, Warehouse, WarehouseError


def _obs(values: list[float | None], status: str = "A", period: str = "2020") -> pd.DataFrame:
    return pd.DataFrame({
        "dataflow": "MIG_STOCK", "ref_area": [str(840 + i) for i in range(len(values))],
        "time_period": period, "value": values,
        "obs_status": [status if v is not None else "O" for v in values],
    })


def _meta(dataset_id: str, vintage: str, sha: str) -> DatasetMeta:
    return DatasetMeta(dataset_id=dataset_id, series="test-series", vintage=vintage, sha256=sha,
                       layout="test")


def snapshot(path: Path) -> tuple:
    """Everything stored, to compare before and after a refused operation."""
    with Warehouse.open(path, read_only=True) as wh:
        ds = wh.con.execute("SELECT dataset_id, sha256, rows_accepted FROM datasets ORDER BY 1").fetchall()
        obs = wh.con.execute(
            "SELECT count(*), sum(hash(dataset_id, ref_area, counterpart_area, time_period, value)) "
            "FROM observations").fetchone()
    return tuple(ds), obs


def test_vintages_are_kept_and_latest_wins(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(_meta("a-2019", "2019", "s1"), _obs([100.0, 5.0]))
        wh.write_dataset(_meta("a-2020", "2020", "s2"), _obs([110.0, None]))
        latest = wh.observations("MIG_STOCK")
        assert latest["dataset_id"].unique().tolist() == ["a-2020"]
        # missing stays missing (NULL with status O), never zero
        assert latest["value"].isna().sum() == 1
        assert latest.loc[latest["value"].isna(), "obs_status"].tolist() == ["O"]
        older = wh.observations("MIG_STOCK", as_of="a-2019")
        assert older["value"].tolist() == [100.0, 5.0]
        assert len(wh.observations("MIG_STOCK", latest=False)) == 4


def test_same_bytes_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        first = wh.write_dataset(_meta("a", "1", "same"), _obs([1.0]))
    before = snapshot(path)
    with Warehouse.open(path) as wh:
        again = wh.write_dataset(_meta("b", "2", "same"), _obs([2.0]))
    assert again == first
    assert snapshot(path) == before


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_obs([1.0]).assign(value=[None], obs_status=["A"]), "without a missing status"),
        (pd.concat([_obs([1.0]), _obs([2.0])]), "share a key"),
        (_obs([1.0]).drop(columns=["time_period"]), "lack the column 'time_period'"),
    ],
)
def test_bad_observations_are_refused_and_nothing_changes(tmp_path: Path, frame: pd.DataFrame,
                                                          message: str) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(_meta("keep", "1", "k"), _obs([7.0]))
    before = snapshot(path)
    with Warehouse.open(path) as wh, pytest.raises(WarehouseError, match=message):
        wh.write_dataset(_meta("bad", "2", "b"), frame)
    assert snapshot(path) == before


def test_a_process_killed_before_commit_leaves_the_warehouse_consistent(tmp_path: Path) -> None:
    """SIGKILL between the inserts and COMMIT: on reopening, the half-written dataset is gone."""
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(_meta("keep", "1", "k"), _obs([7.0]))
    before = snapshot(path)
    script = textwrap.dedent(f"""
        import sys, time
        import pandas as pd
        from corridor.store.warehouse import DatasetMeta, Warehouse

        class PauseBeforeCommit:
            def __init__(self, con):
                self._con = con
            def __getattr__(self, name):
                return getattr(self._con, name)
            def execute(self, sql, *args):
                if sql == "COMMIT":
                    print("inserted", flush=True)
                    time.sleep(120)
                return self._con.execute(sql, *args)

        wh = Warehouse.open({str(path)!r})
        wh.con = PauseBeforeCommit(wh.con)
        n = 200_000
        obs = pd.DataFrame({{"dataflow": "MIG_STOCK", "ref_area": [str(i) for i in range(n)],
                            "time_period": "2020", "value": 1.0, "obs_status": "A"}})
        wh.write_dataset(DatasetMeta(dataset_id="half", series="s", vintage="9", sha256="h"), obs)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:  # wait until the inserts are done and COMMIT is pending
            lines.append(line)
            if line.strip() == "inserted":
                break
        assert lines and lines[-1].strip() == "inserted", lines
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(path) == before
    with Warehouse.open(path) as wh:  # and it is writable again
        wh.write_dataset(_meta("after", "2", "a2"), _obs([8.0]))
        assert set(wh.datasets()["dataset_id"]) == {"keep", "after"}
