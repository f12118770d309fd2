"""Flows from the warehouse and back into it, on the real releases ingested by the real ingest path.

What each test proves:

* the inputs are the latest vintages of the series flows read, listed by dataset id, and the numbers
  are the published ones: the Mexico-born living in the USA in 2019 are UN DESA's 11,489,684
  (``REFERENCE_VALUES.md``), and every area's column of the stock table (native-born plus the
  foreign-born born inside the system) plus its foreign-born born outside the system is its WPP
  population (the native-born are derived from it), at both dates;
* estimates land as ``MIG_FLOW`` datasets with provenance (inputs, method, parameters, code version),
  OBS_STATUS E and intervals that contain the value; writing the same estimate twice changes nothing;
  the 2015-2020 period uses 2020 stocks extrapolated from 2015 and 2019 and says so;
* by sex: the male and female inputs add up to the both-sexes inputs cell by cell (stocks,
  population, births, deaths), so the split by sex neither loses nor invents anyone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corridor.estimate.flows.stocks import StockSource
from corridor.estimate.flows.store import estimate_into_warehouse
from corridor.store.warehouse import Warehouse

pytestmark = pytest.mark.slow

#: the catalogue's input datasets, one per series (both sexes)
BOTH_SEXES_INPUTS = ["undesa-ims-2019-od", "wpp2019-population", "wpp2024-births-deaths"]


@pytest.fixture(scope="module")
def estimates_warehouse(flow_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flows") / "wh.duckdb"
    shutil.copy(flow_warehouse, path)
    return path


def test_inputs_are_the_published_numbers(flow_inputs, real_2010_2015) -> None:
    assert flow_inputs.inputs["_T"] == BOTH_SEXES_INPUTS
    stocks, population, _, _ = flow_inputs.frames["_T"]
    source = StockSource(*flow_inputs.frames["_T"])
    index = {a: i for i, a in enumerate(source.areas)}
    # REFERENCE_VALUES.md: IMS 2019 (origin-destination), Mexico-born living in the USA, 2019
    assert source.fb[2019][index["484"], index["840"]] == 11_489_684
    tables = real_2010_2015.tables
    assert tables.areas == source.areas and tables.n == 199
    inside = set(tables.areas)
    for year, table in ((2010, tables.start), (2015, tables.end)):
        sel = (stocks.year == year) & stocks.residence.isin(inside) & ~stocks.birthplace.isin(inside)
        outside = stocks[sel].groupby("residence").value.sum().reindex(tables.areas, fill_value=0.0)
        pop = population[population.year == year].set_index("area").value.reindex(tables.areas)
        np.testing.assert_allclose(table.sum(axis=0) + outside.to_numpy(), pop.to_numpy(), rtol=1e-12)


def test_estimates_written_with_provenance(estimates_warehouse: Path, flow_inputs) -> None:
    with Warehouse.open(estimates_warehouse) as wh:
        done = estimate_into_warehouse(wh, methods=["da_min_closed"], periods=[(2010, 2015), (2015, 2020)],
                                       sexes=["_T", "F"], by_birthplace=True,
                                       source_inputs=flow_inputs)
        again = estimate_into_warehouse(wh, methods=["da_min_closed"], periods=[(2010, 2015)], sexes=["_T"],
                                        by_birthplace=True, source_inputs=flow_inputs)
        assert again[0]["dataset_id"] == done[0]["dataset_id"]  # same content: no-op, same id
        ds = wh.datasets().set_index("dataset_id")
        rec = ds.loc[done[0]["dataset_id"]]
        assert rec["method"] == "da_min_closed" and rec["kind"] == "estimate" and rec["code_version"]
        assert list(rec["inputs"]) == BOTH_SEXES_INPUTS
        params = json.loads(rec["parameters"])
        assert params["rtol"] == 1e-10 and "world_balance_gap" in params["adjustments"]
        female = ds.loc[[d["dataset_id"] for d in done if d["sex"] == "F"][0]]
        # the share of women among the foreign-born: UN DESA's totals by sex and destination, each key
        # from the latest edition that has it (2020; the 2019 edition for 2019)
        assert {"undesa-ims-2020-sex-destination", "undesa-ims-2019-totals"} <= set(female["inputs"])
        obs = wh.observations("MIG_FLOW", dataset_id=done[0]["dataset_id"], latest=False)
    assert set(obs.obs_status) == {"E"} and set(obs.time_period) == {"2010-2015"}
    totals = obs[obs.birthplace == "_T"]
    assert totals.value.sum() == pytest.approx(done[0]["total"])
    assert (totals.counterpart_area != totals.ref_area).all()
    assert (obs.lower <= obs.value + 1e-6).all() and (obs.value <= obs.upper + 1e-6).all()
    assert obs.interval.str.startswith("90% prediction interval for the flow a population register would").all()
    # Germany (276) <- Poland (616) is inside the calibration data's reach; India (356) -> USA (840) is not
    reach = totals.set_index(["counterpart_area", "ref_area"]).interval
    assert "conformally calibrated" in reach["616", "276"] and "extrapolated" in reach["356", "840"]
    assert (obs.margin_error <= 1e-10).all()
    by_bp = obs[obs.birthplace != "_T"]
    assert by_bp.value.sum() == pytest.approx(totals.value.sum(), rel=1e-9)
    last = [d for d in done if d["period"] == "2015-2020" and d["sex"] == "_T"][0]
    assert last["how"][2020] == "extrapolated"


def test_cli_period_writes_to_the_warehouse(estimates_warehouse: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from corridor.cli import flows as flows_cli

    # `--out flows.csv` given explicitly is written even though it is the file path's default name
    # (issue 15: the command compared the value with the default and wrote nothing)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "flows.csv"
    result = CliRunner().invoke(flows_cli.app, ["estimate", "--period", "2005-2010", "--method", "da_min_open",
                                                "--warehouse", str(estimates_warehouse),
                                                "--out", "flows.csv"])
    assert result.exit_code == 0, result.output
    assert "da_min_open 2005-2010 sex _T: total" in " ".join(result.stderr.split())
    frame = pd.read_csv(out, dtype=str)
    assert list(frame.columns) == ["method", "time_period", "sex", "birthplace", "origin", "destination", "flow",
                                   "lower", "upper", "interval", "status", "margin_error"]
    assert set(frame.time_period) == {"2005-2010"} and len(frame) == 199 * 198


@pytest.mark.parametrize("frame", range(4), ids=["stocks", "population", "births", "deaths"])
def test_by_sex_inputs_add_up_to_both_sexes(flow_inputs, frame: int) -> None:
    both, male, female = (flow_inputs.frames[s][frame] for s in ("_T", "M", "F"))
    if frame == 1:  # population by sex is read as published (WPP): the sexes add up to the total
        key = ["area", "year"]
        merged = both.merge(male, on=key, suffixes=("", "_m")).merge(female.rename(columns={"value": "value_f"}),
                                                                     on=key)
        assert len(merged) == len(both)
        np.testing.assert_allclose(merged.value_m + merged.value_f, merged.value, rtol=1e-9)
        return
    # stocks, births and deaths are split (a share and its complement): row by row the same keys
    keys = [c for c in both.columns if c != "value"]
    assert (male[keys].to_numpy() == both[keys].to_numpy()).all()
    assert (female[keys].to_numpy() == both[keys].to_numpy()).all()
    total = both.value.to_numpy()
    np.testing.assert_allclose(male.value.to_numpy() + female.value.to_numpy(), total, rtol=1e-12)
    known = ~np.isnan(total)
    assert np.all(female.value.to_numpy()[known] >= 0) and np.all(male.value.to_numpy()[known] >= 0)
