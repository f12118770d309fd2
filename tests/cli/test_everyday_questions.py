"""The command line answers a journalist's everyday questions in one command (issue 15, item 4).

What each test proves, on the real warehouse (every catalogue release from the mirror, plus corridor's
own flow estimates, ``conftest.cli_warehouse``):

* ``corridor stock --origin Mexico --year 2019 --top 10``: the ten largest destinations of Mexican
  emigrants, named beside their codes, countries only (UN DESA IMS 2019: 11,489,684 Mexico-born in the
  USA, REFERENCE_VALUES.md). Without ``--aggregates`` the rows sum to 11,796,491 (the issue's figure); the
  five UN region rows the listing used to mix in made it 11,838,166.
* ``--sex all`` gives both sexes, men and women in one table (IMS 2020, world 2020: 280,598,105 =
  145,655,844 men + 134,942,261 women).
* ``corridor flows show`` reads the stored estimates back with their intervals, status and interval text.
* an unknown ``--format`` is a usage error (exit 2), never silently a table; ``--version`` answers;
  ``corridor --help`` imports no command module (no pandas, DuckDB or NumPy) and lists every command.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

import corridor
from corridor.cli.main import COMMAND_GROUPS
from corridor.reference.areas import area_table
from tests.cli_in_process import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _ok(capsys, *args) -> str:
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    return out


def test_top_ten_destinations_of_mexican_emigrants(cli_warehouse, capsys):
    rows = _csv(_ok(capsys, "stock", "--origin", "Mexico", "--year", "2019", "--top", "10", "--format", "csv",
                    "--warehouse", cli_warehouse))
    assert len(rows) == 10 and {r["dataset"] for r in rows} == {"undesa-ims-2019-od"}
    assert (rows[0]["destination"], rows[0]["destination_name"], rows[0]["value"]) == \
        ("840", "United States of America", "11489684")
    values = [float(r["value"]) for r in rows]
    assert values == sorted(values, reverse=True)
    assert {r["origin_name"] for r in rows} == {"Mexico"}
    kinds = dict(zip(area_table()["m49"], area_table()["kind"], strict=True))
    assert {kinds[r["destination"]] for r in rows} == {"country"}
    human = _ok(capsys, "stock", "--origin", "MEX", "--year", "2019", "--top", "3", "--warehouse", cli_warehouse)
    assert "United States of America" in human and "11,489,684" in human


def test_aggregates_are_left_out_unless_asked(cli_warehouse, capsys):
    countries = _csv(_ok(capsys, "stock", "--origin", "484", "--year", "2019", "--format", "csv",
                         "--warehouse", cli_warehouse))
    ims = [r for r in countries if r["dataset"] == "undesa-ims-2019-od"]
    assert sum(float(r["value"]) for r in ims if r["value"]) == 11_796_491
    everything = _csv(_ok(capsys, "stock", "--origin", "484", "--year", "2019", "--aggregates", "--format", "csv",
                          "--warehouse", cli_warehouse))
    extra = {r["destination"] for r in everything} - {r["destination"] for r in countries}
    kinds = dict(zip(area_table()["m49"], area_table()["kind"], strict=True))
    assert extra and {kinds[c] for c in extra} <= {"region", "group"}
    with_regions = sum(float(r["value"]) for r in everything if r["value"] and r["dataset"] == "undesa-ims-2019-od")
    assert with_regions > 11_796_491  # regions count the same people again


def test_sort_by_name(cli_warehouse, capsys):
    rows = _csv(_ok(capsys, "stock", "--origin", "Mexico", "--year", "2019", "--sort", "destination",
                    "--format", "csv", "--warehouse", cli_warehouse))
    names = [r["destination_name"] for r in rows]
    assert names == sorted(names) and len(names) > 100


def test_world_stock_by_sex_in_one_command(cli_warehouse, capsys):
    rows = _csv(_ok(capsys, "stock", "--destination", "WORLD", "--year", "2020", "--sex", "all", "--format",
                    "csv", "--warehouse", cli_warehouse))
    by_sex = {r["sex"]: int(r["value"]) for r in rows if r["dataset"] == "undesa-ims-2020-sex-destination"}
    assert by_sex == {"_T": 280_598_105, "M": 145_655_844, "F": 134_942_261}
    assert by_sex["M"] + by_sex["F"] == by_sex["_T"]


def test_areas_typed_as_people_name_them(cli_warehouse, capsys):
    rows = _csv(_ok(capsys, "stock", "--destination", "United States", "--origin", "Mexico", "--year", "2019",
                    "--format", "csv", "--warehouse", cli_warehouse))
    assert [(r["destination"], r["origin"], r["value"]) for r in rows] == [("840", "484", "11489684")]
    code, _, err = run_cli(["stock", "--destination", "Korea", "--warehouse", cli_warehouse], capsys)
    assert code == 2 and "Republic of Korea (410)" in err and "(408)" in err  # candidates, not a guess


def test_flows_show_reads_stored_flows_with_intervals(cli_warehouse, capsys):
    rows = _csv(_ok(capsys, "flows", "show", "--origin", "Mexico", "--destination", "United States", "--period",
                    "2015-2020", "--format", "csv", "--warehouse", cli_warehouse))
    assert sorted(r["method"] for r in rows) == ["da_min_closed", "da_pb_closed"]
    for r in rows:
        assert (r["origin"], r["destination"], r["period"], r["obs_status"]) == ("484", "840", "2015-2020", "E")
        assert float(r["lower"]) <= float(r["value"]) <= float(r["upper"])
        assert r["interval"].startswith("90% prediction interval") and r["dataset"].startswith("est:flows:")
    both = _csv(_ok(capsys, "flows", "show", "--origin", "MEX", "--destination", "USA", "--both-directions",
                    "--method", "da_pb_closed", "--format", "csv", "--warehouse", cli_warehouse))
    assert {(r["origin"], r["destination"]) for r in both} == {("484", "840"), ("840", "484")}
    top = _csv(_ok(capsys, "flows", "show", "--origin", "India", "--method", "da_pb_closed", "--top", "5",
                   "--format", "csv", "--warehouse", cli_warehouse))
    assert len(top) == 5 and {r["origin_name"] for r in top} == {"India"}
    human = _ok(capsys, "flows", "show", "--origin", "MEX", "--destination", "USA", "--warehouse", cli_warehouse)
    assert "da_pb_closed" in human and "interval: 90% prediction interval" in human


def test_dataset_inputs_are_plain_ids_in_csv(cli_warehouse, capsys):
    # the inputs of an estimate were written as numpy's repr (['a' 'b']); now '+'-separated, as source=
    rows = {r["dataset_id"]: r for r in _csv(_ok(capsys, "datasets", "--format", "csv", "--warehouse",
                                                  cli_warehouse))}
    flows = [r for d, r in rows.items() if d.startswith("est:flows:")]
    assert flows and not any("[" in r["inputs"] or "'" in r["inputs"] for r in rows.values())
    for r in flows:
        assert r["inputs"].split("+")[0] == "undesa-ims-2019-od" and all(i in rows for i in r["inputs"].split("+"))


@pytest.mark.parametrize("args", [["stock", "--destination", "USA"], ["datasets"],
                                  ["flows", "show", "--origin", "MEX"]])
def test_an_unknown_format_is_an_error(cli_warehouse, capsys, args):
    code, out, err = run_cli([*args, "--format", "xml", "--warehouse", cli_warehouse], capsys)
    assert code == 2 and out == "" and "xml" in err


def _corridor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "corridor.cli.main", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_version():
    done = _corridor("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"corridor {corridor.__version__}"


def test_help_lists_every_command_without_importing_them():
    done = _corridor("--help")
    assert done.returncode == 0, done.stderr
    for _, _, provides in COMMAND_GROUPS.values():
        for name in provides:
            assert f"\n  {name} " in done.stdout, name
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert not imported & {"pandas", "duckdb", "numpy", "ibis", "corridor.cli.stock", "corridor.cli.flows"}
    assert "<bool>" not in _corridor("stock", "--help").stdout  # flags read as flags
