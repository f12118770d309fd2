"""Flows take their inputs by series and vintage rule: a newer edition of a series is the default input,
and a vintage choice pins an older one.

The newer edition is made from the real release file: UN DESA's IMS 2019 origin-destination table with
one cell revised -- the Mexico-born living in the USA in mid-2015 raised by :data:`REVISION` -- and
ingested through the real ingest path as vintage ``2099`` of series ``undesa-ims``
(``ingest_file(..., layout="undesa-ims-2019-od", vintage="2099")``). What the tests prove:

* by default the stock table is the revised one (the cell is the published value plus the revision,
  every other cell is unchanged) and the estimate's ``inputs`` name the new dataset;
* ``vintage=["undesa-ims:2019"]`` (``--vintage`` on ``corridor flows estimate`` and ``corridor run``) gives
  back the published table and names the catalogue's dataset;
* through ``corridor flows estimate``: the revision moves the estimated flow Mexico -> USA 2010-2015
  up, and with ``--vintage undesa-ims:2019`` the flows and their bounds are exactly those estimated on
  a warehouse that never saw the revision;
* the main job's flow step estimates anew when an input series has a newer edition, and not again
  when nothing changed.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import flows as flows_cli
from corridor.estimate.flows.stocks import StockSource
from corridor.estimate.flows.store import read_inputs
from corridor.sources.catalogue import release
from corridor.sources.ingest import ingest_file
from corridor.store.warehouse import Warehouse

pytestmark = pytest.mark.slow

REVISION = 1_000_000
MEXICO, USA = "484", "840"
PINNED = "undesa-ims:2019"


def revised_copy(source: Path, target: Path) -> float:
    """Copy the release file, adding :data:`REVISION` to the Mexico-born in the USA in 2015; returns the
    published value. Every other byte is kept."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    column = next(csv.reader([lines[0]])).index("Mexico")
    for i, line in enumerate(lines):
        if line.startswith("2015,United States of America,"):
            cells = next(csv.reader([line]))
            published = float(cells[column])
            cells[column] = str(int(published) + REVISION)
            out = io.StringIO()
            csv.writer(out, lineterminator=line[len(line.rstrip("\r\n")):]).writerow(cells)
            lines[i] = out.getvalue()
            target.write_text("".join(lines), encoding="utf-8")
            return published
    raise AssertionError("no 2015 row for the USA in the release file")


@pytest.fixture(scope="module")
def revised(flow_warehouse: Path, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("vintages")
    plain, path = folder / "plain.duckdb", folder / "revised.duckdb"
    shutil.copy(flow_warehouse, plain)
    shutil.copy(flow_warehouse, path)
    od = release("undesa-ims-2019-od")
    published = revised_copy(mirror / od.files[0].mirror, folder / od.files[0].name)
    with Warehouse.open(path) as wh:
        report = ingest_file(wh, [folder / od.files[0].name], layout=od.id, vintage="2099")
    assert report.created
    return {"plain": plain, "path": path, "dataset_id": report.dataset_id, "published": published}


def _end_cell(path: Path, vintage: list[str]) -> tuple[float, list[str], np.ndarray]:
    with Warehouse.open(path, read_only=True) as wh:
        data = read_inputs(wh, vintage=vintage)
    tables = StockSource(*data.frames["_T"]).tables((2010, 2015)).tables
    i = {a: k for k, a in enumerate(tables.areas)}
    return tables.end[i[MEXICO], i[USA]], data.inputs["_T"], tables.end


def test_newer_vintage_is_the_default_and_the_option_pins_the_older(revised: dict) -> None:
    new_cell, new_inputs, new_end = _end_cell(revised["path"], [])
    old_cell, old_inputs, old_end = _end_cell(revised["path"], [PINNED])
    plain_cell, plain_inputs, plain_end = _end_cell(revised["plain"], [])
    assert revised["published"] == plain_cell == old_cell
    assert new_cell == revised["published"] + REVISION
    assert revised["dataset_id"] in new_inputs and "undesa-ims-2019-od" not in new_inputs
    assert old_inputs == plain_inputs == ["undesa-ims-2019-od", "wpp2019-population", "wpp2024-births-deaths"]
    np.testing.assert_array_equal(old_end, plain_end)
    # nothing else moved: the revised cell and the native-born of the USA (population minus foreign-born)
    changed = np.argwhere(new_end != plain_end)
    assert len(changed) == 2


def test_cli_vintage_option(revised: dict, tmp_path: Path) -> None:
    flows = {}
    path, plain = tmp_path / "revised.duckdb", tmp_path / "plain.duckdb"
    shutil.copy(revised["path"], path)
    shutil.copy(revised["plain"], plain)
    runs = (("new", path, []), ("old", path, ["--vintage", PINNED]), ("plain", plain, []))
    for name, warehouse, extra in runs:
        out = tmp_path / f"{name}.csv"
        result = CliRunner().invoke(flows_cli.app, [
            "estimate", "--period", "2010-2015", "--method", "da_min_closed",
            "--warehouse", str(warehouse), "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out, dtype={"origin": str, "destination": str})
        flows[name] = frame.set_index(["origin", "destination"])[["flow", "lower", "upper"]]
    with Warehouse.open(path, read_only=True) as wh:
        inputs = [list(i) for i in wh.datasets().query("method == 'da_min_closed'").inputs]
    assert any(revised["dataset_id"] in i for i in inputs)
    assert ["undesa-ims-2019-od", "wpp2019-population", "wpp2024-births-deaths"] in inputs
    # pinned to 2019, the estimate is exactly that of a warehouse that never saw the revision
    pd.testing.assert_frame_equal(flows["old"], flows["plain"])
    assert flows["new"].flow[MEXICO, USA] > flows["old"].flow[MEXICO, USA]
    assert flows["new"].flow.sum() != flows["old"].flow.sum()


def test_main_job_estimates_anew_for_a_newer_edition(revised: dict, tmp_path: Path) -> None:
    from corridor.cli.data import MAIN_JOB_FLOW_METHODS, _estimate_flows
    from corridor.estimate.flows.store import PERIODS

    path = tmp_path / "wh.duckdb"
    shutil.copy(revised["path"], path)

    def flow_datasets() -> list[list[str]]:
        with Warehouse.open(path, read_only=True) as wh:
            frame = wh.datasets()
            return [list(i) for i in frame[frame.dataset_id.str.startswith("est:flows:")].inputs]

    # as the main job ran before the revision: pinned to the published edition
    _estimate_flows(path, vintage=[PINNED])
    first = flow_datasets()
    assert len(first) == len(MAIN_JOB_FLOW_METHODS) * len(PERIODS)
    assert not any(revised["dataset_id"] in i for i in first)
    # the next run sees the newer edition of undesa-ims: every estimate is made anew from it
    _estimate_flows(path, vintage=[])
    after = flow_datasets()
    assert len(after) == 2 * len(first)
    assert sum(revised["dataset_id"] in i for i in after) == len(first)
    # nothing changed since: nothing to do, whichever vintage
    _estimate_flows(path, vintage=[])
    _estimate_flows(path, vintage=[PINNED])
    assert len(flow_datasets()) == len(after)
