"""Flows from the warehouse and back into it, on the real releases ingested by the real ingest path.

Checks: the warehouse path gives the same tables and the same flows as the mirror-file path (one
estimator, two storage back-ends); estimates land as MIG_FLOW datasets with provenance (inputs, method,
parameters, code version), OBS_STATUS E, intervals that contain the value; writing the same estimate
twice changes nothing; the 2015-2020 period uses 2020 stocks extrapolated from 2015 and 2019 and says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from corridor.estimate.flows import estimate
from corridor.estimate.flows.stocks import StockSource
from corridor.estimate.flows.store import estimate_into_warehouse, read_inputs
from corridor.store.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flow_warehouse(loaded_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flows") / "wh.duckdb"
    shutil.copy(loaded_warehouse, path)
    return path


@pytest.fixture(scope="module")
def inputs(flow_warehouse: Path):
    with Warehouse.open(flow_warehouse, read_only=True) as wh:
        return read_inputs(wh, ("_T", "F"))


def test_warehouse_and_mirror_paths_agree(inputs, real_2010_2015) -> None:
    prepared = StockSource(*inputs.frames["_T"]).tables((2010, 2015))
    mirror = real_2010_2015.tables
    assert prepared.tables.areas == mirror.areas
    np.testing.assert_allclose(prepared.tables.start, mirror.start, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(prepared.tables.births, mirror.births, rtol=1e-9)
    a = estimate(prepared.tables, "da_min_closed").total
    b = estimate(mirror, "da_min_closed").total
    assert a == pytest.approx(b, rel=1e-9)
    assert set(inputs.inputs["_T"]) == {"undesa-ims-2019-od", "wpp2019-population", "wpp2024-births-deaths"}


def test_estimates_written_with_provenance(flow_warehouse: Path, inputs) -> None:
    with Warehouse.open(flow_warehouse) as wh:
        done = estimate_into_warehouse(wh, methods=["da_min_closed"], periods=[(2010, 2015), (2015, 2020)],
                                       sexes=["_T", "F"], replicates=5, by_birthplace=True,
                                       source_inputs=inputs)
        again = estimate_into_warehouse(wh, methods=["da_min_closed"], periods=[(2010, 2015)], sexes=["_T"],
                                        replicates=5, by_birthplace=True, source_inputs=inputs)
        assert again[0]["dataset_id"] == done[0]["dataset_id"]  # same content: no-op, same id
        ds = wh.datasets().set_index("dataset_id")
        rec = ds.loc[done[0]["dataset_id"]]
        assert rec["method"] == "da_min_closed" and rec["kind"] == "estimate" and rec["code_version"]
        assert set(rec["inputs"]) == {"undesa-ims-2019-od", "wpp2019-population", "wpp2024-births-deaths"}
        params = json.loads(rec["parameters"])
        assert params["rtol"] == 1e-10 and "world_balance_gap" in params["adjustments"]
        female = ds.loc[[d["dataset_id"] for d in done if d["sex"] == "F"][0]]
        assert "undesa-ims-2020-sex-destination" in set(female["inputs"])
        obs = wh.observations("MIG_FLOW", dataset_id=done[0]["dataset_id"], latest=False)
    assert set(obs.obs_status) == {"E"} and set(obs.time_period) == {"2010-2015"}
    totals = obs[obs.birthplace == "_T"]
    assert totals.value.sum() == pytest.approx(done[0]["total"])
    assert (totals.counterpart_area != totals.ref_area).all()
    assert (obs.lower <= obs.value + 1e-6).all() and (obs.value <= obs.upper + 1e-6).all()
    assert obs.interval.str.startswith("bootstrap 90% percentile").all()
    by_bp = obs[obs.birthplace != "_T"]
    assert by_bp.value.sum() == pytest.approx(totals.value.sum(), rel=1e-9)
    last = [d for d in done if d["period"] == "2015-2020" and d["sex"] == "_T"][0]
    assert last["how"][2020] == "extrapolated"


def test_cli_period_writes_to_the_warehouse(flow_warehouse: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from corridor.cli import flows as flows_cli

    out = tmp_path / "flows.csv"
    result = CliRunner().invoke(flows_cli.app, ["estimate", "--period", "2005-2010", "--method", "da_min_open",
                                                "--warehouse", str(flow_warehouse), "--replicates", "0",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "da_min_open 2005-2010 sex _T: total" in " ".join(result.stderr.split())
    import pandas as pd

    frame = pd.read_csv(out, dtype=str)
    assert list(frame.columns) == ["method", "time_period", "sex", "birthplace", "origin", "destination", "flow",
                                   "lower", "upper"]
    assert set(frame.time_period) == {"2005-2010"} and len(frame) == 199 * 198


def test_by_sex_split_adds_up_closely(inputs) -> None:
    # the female and male stocks are split from the same both-sexes stocks: the female part of each
    # cell lies between 0 and the cell
    stocks_t = inputs.frames["_T"][0]
    stocks_f = inputs.frames["F"][0]
    both = stocks_t.value.to_numpy()
    fem = stocks_f.value.to_numpy()
    ok = ~np.isnan(both)
    assert np.all(fem[ok] >= 0) and np.all(fem[ok] <= both[ok] + 1e-9)


def test_by_sex_warehouse_and_mirror_paths_agree(inputs, mirror: Path, mirror_flow_frames) -> None:
    from corridor.estimate.flows.stocks import sex_frames

    from_files = StockSource(*sex_frames(mirror_flow_frames, mirror, "F")).tables((2010, 2015)).tables
    from_wh = StockSource(*inputs.frames["F"]).tables((2010, 2015)).tables
    assert from_files.areas == from_wh.areas
    for name in ("start", "end", "births", "deaths"):
        np.testing.assert_allclose(getattr(from_wh, name), getattr(from_files, name), rtol=1e-9, atol=1e-6)
