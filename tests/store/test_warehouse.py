"""The warehouse keeps vintages, validates every write against the registries, and is atomic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from corridor.errors import CorridorError
from corridor.store.validate import ValidationError
from corridor.store.warehouse import DatasetMeta, Warehouse, WarehouseError

#: real M49 codes (USA, Mexico, Canada, ...) for test observations
AREAS = ["840", "484", "124", "76", "32", "36", "250", "276", "380", "392"]


def _obs(values: list[float | None], status: str = "A", period: str = "2020") -> pd.DataFrame:
    return pd.DataFrame({
        "dataflow": "MIG_STOCK", "ref_area": AREAS[:len(values)],
        "time_period": period, "value": values,
        "obs_status": [status if v is not None else "O" for v in values],
    })


def _meta(dataset_id: str, vintage: str, sha: str) -> DatasetMeta:
    return DatasetMeta(dataset_id=dataset_id, series="test-series", vintage=vintage, sha256=sha,
                       layout="test")


def snapshot(path: Path) -> tuple:
    """Everything stored, to compare before and after a refused operation.

    Read with DuckDB directly, from outside corridor's store: an independent look at the file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        ds = con.execute("SELECT dataset_id, sha256, rows_accepted FROM datasets ORDER BY 1").fetchall()
        obs = con.execute(
            "SELECT count(*), sum(hash(dataset_id, ref_area, counterpart_area, time_period, value)) "
            "FROM observations").fetchone()
    finally:
        con.close()
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
        assert dict(zip(older["ref_area"], older["value"], strict=True)) == {"840": 100.0, "484": 5.0}
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
        (_obs([1.0]).assign(value=[None], obs_status=["A"]),
         r"row 0: value must be empty exactly when OBS_STATUS is a missing status"),
        (_obs([1.0, 2.0]).assign(value=[1.0, 3.0], obs_status=["A", "O"]),
         r"row 1: value must be empty exactly when OBS_STATUS is a missing status"),
        (pd.concat([_obs([1.0]), _obs([2.0])]), "share a key"),
        (_obs([1.0]).drop(columns=["time_period"]), "lack the column 'time_period'"),
        (_obs([1.0]).assign(dataflow="MIGSTOCK"), r"row 0, column 'dataflow': unknown dataflow 'MIGSTOCK'"),
        (_obs([1.0, 2.0]).assign(obs_status=["A", "ZZ"]),
         r"row 1, column 'obs_status': code\(s\) 'ZZ' not a code of OBS_STATUS"),
        (_obs([1.0]).assign(conf_status="?"), r"row 0, column 'conf_status': code\(s\) '\?' not a code of CONF_STATUS"),
        (_obs([1.0, -5.0]), r"row 1: negative number in MIG_STOCK"),
        (_obs([10.0]).assign(lower=12.0, upper=15.0), r"row 0: lower bound above the value"),
        (_obs([10.0]).assign(lower=[None], upper=8.0), r"row 0: value above the upper bound"),
        (_obs([1.0]).assign(ref_area="841"), r"column 'ref_area': code\(s\) '841' not a code of AREA"),
        (_obs([1.0]).assign(age="Y0T4"), r"column 'age': code\(s\) 'Y0T4' not a code of MIG_STOCK"),
        (_obs([1.0]).assign(method="guessed"), r"column 'method': code\(s\) 'guessed' not a code of METHOD"),
        (_obs([1.0]).assign(unit_measure="USD"), r"column 'unit_measure': code\(s\) 'USD' not a code of the units"),
        (_obs([1.0]).assign(value="12,5"), r"column 'value': not a number"),
        (_obs([1.0, 2.0]).assign(sex=["F", None]), r"row 1, column 'sex': empty where a code is required"),
        # every rule broken is named, not only the first
        (_obs([1.0, -2.0]).assign(ref_area=["841", "840"]),
         r"row 1: negative number in MIG_STOCK.*; 1 row\(s\) in all; row 0, column 'ref_area': code\(s\) '841'"),
    ],
)
def test_bad_observations_are_refused_and_nothing_changes(tmp_path: Path, frame: pd.DataFrame,
                                                          message: str) -> None:
    """Each rule of the registries, broken once: a clear message naming row, column and code, and an
    unchanged warehouse."""
    path = tmp_path / "w.duckdb"
    with Warehouse.open(path) as wh:
        wh.write_dataset(_meta("keep", "1", "k"), _obs([7.0]))
    before = snapshot(path)
    with Warehouse.open(path) as wh, pytest.raises((WarehouseError, ValidationError), match=message) as info:
        wh.write_dataset(_meta("bad", "2", "b"), frame)
    assert isinstance(info.value, CorridorError)
    if isinstance(info.value, ValidationError):
        assert "dataset bad" in str(info.value) and "nothing was written" in str(info.value)
    assert snapshot(path) == before


def test_a_negative_value_is_accepted_where_the_dataflow_allows_it(tmp_path: Path) -> None:
    """Net migration can be negative (dataflows.yaml: NET_MIG nonnegative: false)."""
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        wh.write_dataset(_meta("net", "1", "n"), _obs([-5.0]).assign(dataflow="NET_MIG"))
        assert wh.observations("NET_MIG")["value"].tolist() == [-5.0]


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
        wh._con = PauseBeforeCommit(wh._con)  # the test reaches inside to stop just before COMMIT
        areas, years = {AREAS!r}, range(1, 20_001)
        obs = pd.DataFrame({{"dataflow": "MIG_STOCK", "ref_area": [a for a in areas for _ in years],
                            "time_period": [str(y) for _ in areas for y in years],
                            "value": 1.0, "obs_status": "A"}})
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
