"""The warehouse path reads each input once per run, and only what the asked periods use.

Reads are counted on a real warehouse (the session's flow warehouse, built by the real ingest from the
mirror): :class:`CountingWarehouse` is the store's own :class:`~corridor.store.warehouse.Warehouse`, whose
every read goes through ``_run`` (compiled by Ibis) or ``frame`` (the store's own SQL, what the flow
reads use); it records each read (kind and selection) and runs it unchanged.

What each test proves:

* a run of every method for two periods and two sexes reads each selection once -- the stock matrix one
  reference year at a time, each year once; population, births and deaths, and the totals by sex once --
  however many methods, periods and sexes it estimates (the main job once re-read the warehouse 12 times);
* a single period reads only the stock years it uses (2010-2015: 2010 and 2015, no listing of years;
  2015-2020: 2015, 2020 -- which has no origin-destination table -- then the years available and 2019),
  and births and deaths only for the period's calendar years;
* the lean reads give the same stock tables as reading every year, for every period (so the estimates,
  whose dataset ids hash their content, are the same as before).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from corridor.estimate.flows.stocks import StockSource
from corridor.estimate.flows.store import PERIODS, estimate_into_warehouse, read_inputs
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

pytestmark = pytest.mark.slow


class CountingWarehouse(Warehouse):
    """A real warehouse that records every read it runs (kind, selection, arguments)."""

    reads: list[tuple[str, Selection, tuple]]

    def _run(self, kind: str, sel: Selection, *args: Any) -> pd.DataFrame:
        if not hasattr(self, "reads"):
            self.reads = []
        self.reads.append((kind, sel, args))
        return super()._run(kind, sel, *args)

    def frame(self, sel: Selection, *, scaled: bool = False, columns: Any = None) -> pd.DataFrame:
        if not hasattr(self, "reads"):
            self.reads = []
        self.reads.append(("rows", sel, (scaled, tuple(columns or ()))))
        return super().frame(sel, scaled=scaled, columns=columns)


def _stock_years(reads: list[tuple[str, Selection, tuple]]) -> list[str]:
    """The ``time_period`` of each read of the stock matrix, in order."""
    return [sel.filter_map["time_period"][0] for kind, sel, _ in reads
            if kind == "rows" and sel.dataflows == ("MIG_STOCK",) and "time_period" in sel.filter_map]


def test_a_run_reads_each_input_once(flow_warehouse: Path, tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    shutil.copy(flow_warehouse, path)
    with CountingWarehouse.open(path) as wh:
        wh.reads = []
        done = estimate_into_warehouse(wh, methods=["da_min_closed", "sd_drop_neg"],
                                       periods=[(2005, 2010), (2010, 2015)], sexes=["_T", "F"])
        reads = list(wh.reads)
    assert len(done) == 8
    counts = Counter((kind, sel, args) for kind, sel, args in reads)
    assert max(counts.values()) == 1, [k for k, n in counts.items() if n > 1]
    assert sorted(_stock_years(reads)) == ["2005", "2010", "2015"]
    flows = Counter(sel.dataflows for kind, sel, _ in reads if kind == "rows")
    assert flows == {("MIG_STOCK",): 4, ("POP",): 1, ("BIRTHS", "DEATHS"): 1}  # 3 years + totals by sex
    assert all(kind == "rows" for kind, _, _ in reads)  # every date observed: no listing of the years


@pytest.mark.parametrize(("period", "years", "listed"), [((2010, 2015), ["2010", "2015"], False),
                                                         ((2015, 2020), ["2015", "2020", "2019"], True)])
def test_a_period_reads_only_its_years(flow_warehouse: Path, period: tuple[int, int], years: list[str],
                                       listed: bool) -> None:
    with CountingWarehouse.open(flow_warehouse, read_only=True) as wh:
        wh.reads = []
        read_inputs(wh, ("_T",), periods=[period])
        reads = list(wh.reads)
    assert _stock_years(reads) == years
    assert any(kind == "distinct" for kind, _, _ in reads) is listed
    vital = [sel for kind, sel, _ in reads if sel.dataflows == ("BIRTHS", "DEATHS")]
    assert [(v.start_year, v.end_year) for v in vital] == [(period[0], period[1] - 1)]


def test_lean_reads_give_the_same_tables(flow_warehouse: Path, flow_inputs) -> None:
    full = StockSource(*flow_inputs.frames["F"], inputs=flow_inputs.inputs["F"])  # every year read
    with Warehouse.open(flow_warehouse, read_only=True) as wh:
        for period in PERIODS:
            lean = read_inputs(wh, ("F",), periods=[period])
            a = full.tables(period).tables
            b = StockSource(*lean.frames["F"], inputs=lean.inputs["F"]).tables(period).tables
            assert a.areas == b.areas and lean.inputs["F"] == flow_inputs.inputs["F"]
            for name in ("start", "end", "births", "deaths"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{period} {name}")
            for name in ("status_start", "status_end"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{period} {name}")
