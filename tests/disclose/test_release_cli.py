"""``corridor microdata tabulate --min-cell`` and ``corridor disclose tables``: protected releases.

EU-SILC public-use file from the mirror (MANIFEST.md). Checked: margins are published and protected;
the release register makes a later table protected against an earlier one (the attacker on both
together recovers nothing); a release the audit refuses writes nothing, exits non-zero and names the
cells (the rule broken on purpose: the linked protection swapped for per-table primary suppression).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli.main import build_app
from corridor.disclose import release as release_module
from corridor.disclose.audit import audit
from corridor.disclose.cube import add_margins
from corridor.errors import CorridorError
from corridor.microdata.engines import connect, load_table
from corridor.microdata.tabulate import tabulate
from corridor.microdata.variables import parse_map

runner = CliRunner()
MAP = "region=db040,citizenship=pb220a,sex=rb090,age=age"


def invoke(*args: str):
    """Run the CLI in-process; a CorridorError is reported as ``corridor`` does (message, status 2)."""
    result = runner.invoke(build_app(), list(args))
    if isinstance(result.exception, CorridorError):
        return SimpleNamespace(exit_code=2, output=result.output + str(result.exception), stdout=result.stdout)
    return result


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], dtype={"n": "Int64"})


@pytest.mark.slow
def test_later_release_is_protected_against_the_earlier_one(mirror: Path, tmp_path: Path,
                                                           release_register: Path) -> None:
    f = mirror / "microdata" / "eusilc13puf.rda"
    first = invoke("microdata", "tabulate", str(f), "--map", MAP, "--by", "region,sex,citizenship",
                   "--min-cell", "10", "--unweighted", "--out", str(tmp_path / "a.csv"))
    assert first.exit_code == 0, first.output
    register = json.loads(release_register.read_text())
    (entry,) = register["files"].values()
    assert entry["method"] == "suppression" and [t["by"] for t in entry["tables"]] == [["region", "sex",
                                                                                         "citizenship"]]
    assert "n" not in json.dumps(entry["tables"][0]["suppressed"])  # codes only, never a value
    second = invoke("microdata", "tabulate", str(f), "--map", MAP, "--by", "region,citizenship,age_group_broad",
                    "--min-cell", "10", "--unweighted", "--format", "csv")
    assert second.exit_code == 0, second.output
    a = _csv((tmp_path / "a.csv").read_text())
    b = _csv(second.stdout)
    assert "_T" in set(a["sex"]) and "_T" in set(b["age_group_broad"])  # margins published, protected
    assert "estimate" not in a.columns  # unweighted: counts of records only
    table = load_table(connect("duckdb"), f)
    vm = parse_map(MAP)
    truth = [add_margins(tabulate(table, by, vm, unweighted=True), by=by, columns=["n"])
             for by in (["region", "sex", "citizenship"], ["region", "citizenship", "age_group_broad"])]
    for t in (a, b):
        for c in t.columns[:3]:
            t[c] = t[c].astype(str)
    result = audit([a, b], truth, by=[list(a.columns[:3]), list(b.columns[:3])], value="n", floor=1.0)
    assert result.ok, result.violations
    assert len(json.loads(release_register.read_text())["files"][next(iter(register["files"]))]["tables"]) == 2


def _per_table_primary_only(tables, *, by, count, value, min_cell, **_kw):
    """The rule broken on purpose: primary suppression only, nothing linked."""
    out = []
    for t in tables:
        t = t.copy()
        small = (t[count] > 0) & (t[count] < min_cell)
        t["conf_status"] = small.map({True: "A", False: "F"})
        for c in {count, value}:
            t[c] = t[c].astype("Float64").mask(small)
        out.append(t)
    return out


def test_a_release_the_audit_refuses_writes_nothing(mirror: Path, tmp_path: Path, release_register: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(release_module, "suppress_linked", _per_table_primary_only)
    out = tmp_path / "a.csv"
    result = invoke("microdata", "tabulate", str(mirror / "microdata" / "eusilc13puf.rda"), "--map", MAP,
                    "--by", "region,citizenship", "--min-cell", "10", "--unweighted", "--out", str(out))
    assert result.exit_code != 0
    assert "refused the release, nothing written" in result.output
    assert "'region': 'AT11'" in result.output  # names the cells
    assert not out.exists() and not release_register.exists()


SPEC = """\
file: {file}
map: {{region: db040, citizenship: pb220a, sex: rb090}}
unweighted: true
min_cell: 10
tables:
  - {{name: rsc, by: [region, sex, citizenship], out: out/rsc.csv}}
  - {{name: rc, by: [region, citizenship], out: out/rc.csv}}
"""


@pytest.mark.slow
def test_disclose_tables_writes_the_set(mirror: Path, tmp_path: Path, release_register: Path) -> None:
    spec = tmp_path / "release.yaml"
    spec.write_text(SPEC.format(file=mirror / "microdata" / "eusilc13puf.rda"))
    result = invoke("disclose", "tables", str(spec))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # both tables went to files; the summary is on standard error
    rsc, rc = _csv((tmp_path / "out/rsc.csv").read_text()), _csv((tmp_path / "out/rc.csv").read_text())
    # the shared region x citizenship cells are suppressed in both tables or in neither
    shared = rsc[rsc.sex == "_T"].set_index(["region", "citizenship"]).conf_status.ne("F")
    mine = rc.set_index(["region", "citizenship"]).conf_status.ne("F")
    assert shared.reindex(mine.index).tolist() == mine.tolist() and mine.any()
    assert len(json.loads(release_register.read_text())["files"].popitem()[1]["tables"]) == 2


@pytest.mark.parametrize("text, message", [
    ("file: x.rda\ntables: [{by: [sex]}]\ncolour: red\n", "unknown key(s) colour"),
    ("file: x.rda\ntables: [{by: [sex]}]\nmin_cell: ten\n", "key 'min_cell': expected a number"),
    ("file: x.rda\ntables: [{by: [sex]}]\nmethod: rounding\n", "unknown method 'rounding'"),
    ("file: x.rda\n", "missing key 'tables'"),
])
def test_bad_specifications_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    result = invoke("disclose", "tables", str(spec))
    assert result.exit_code == 2 and message in result.output and str(spec) in result.output


@pytest.mark.slow
def test_a_release_without_margins_links_with_a_later_one(mirror: Path, tmp_path: Path,
                                                          release_register: Path) -> None:
    """An earlier table published without margins: its margins count as unpublished, not as known."""
    f = mirror / "microdata" / "eusilc13puf.rda"
    first = invoke("microdata", "tabulate", str(f), "--map", MAP, "--by", "region,sex,citizenship",
                   "--min-cell", "10", "--unweighted", "--no-margins")
    assert first.exit_code == 0, first.output
    a = _csv(first.stdout)
    assert "_T" not in set(a["sex"])
    (entry,) = json.loads(release_register.read_text())["files"].values()
    assert entry["tables"][0]["margins"] is False
    second = invoke("microdata", "tabulate", str(f), "--map", MAP, "--by", "region,citizenship",
                    "--min-cell", "10", "--unweighted")
    assert second.exit_code == 0, second.output
    b = _csv(second.stdout)
    table = load_table(connect("duckdb"), f)
    vm = parse_map(MAP)
    truth = [tabulate(table, ["region", "sex", "citizenship"], vm, unweighted=True),
             add_margins(tabulate(table, ["region", "citizenship"], vm, unweighted=True),
                         by=["region", "citizenship"], columns=["n"])]
    result = audit([a.astype({"region": str, "sex": str, "citizenship": str}),
                    b.astype({"region": str, "citizenship": str})], truth,
                   by=[["region", "sex", "citizenship"], ["region", "citizenship"]], value="n", floor=1.0)
    assert result.ok, result.violations
