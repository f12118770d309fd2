"""With ``--format csv`` or ``--format json`` standard output carries the table and nothing else.

Issue 11 item 1: HiGHS printed its banner ("Running HiGHS ...") and MIP debugging lines to standard
output before the CSV header, so ``--format csv > table.csv`` wrote a broken file. Every command with a
``--format`` option is run here as a real process (the solver writes to file descriptor 1 from C code,
which an in-process runner would not see), with each machine format it offers, and its standard output
is parsed strictly: CSV — a header of known column names, every row the header's width, nothing
before or after; JSON — the whole of standard output is one JSON document. Warnings and progress may
go to standard error. ``test_every_format_command_is_covered`` fails when a command gains ``--format``
without a case here.

Inputs: the EU-SILC and R ``survey`` (api) files from the mirror, and a warehouse built by the real
ingest of the UN DESA 2019 stock releases.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAP = "region=db040,citizenship=pb220a,sex=rb090,age=age"

#: command -> (arguments, machine formats, a column the table must have). {eusilc}, {api}, {wh}, {spec}
#: are filled in by the fixtures.
CASES: dict[str, tuple[list[str], tuple[str, ...], str]] = {
    # secondary suppression runs (HiGHS MIP + LPs): the case that used to break the CSV
    "microdata tabulate": (["microdata", "tabulate", "{eusilc}", "--map", MAP, "--by",
                            "region,citizenship,age_group_broad", "--min-cell", "10"], ("csv", "json"), "n"),
    "microdata derive": (["microdata", "derive", "{eusilc}", "--measure", "foreign_citizen", "--map", MAP,
                          "--home", "AT", "--by", "region", "--min-cell", "10"], ("csv", "json"), "share"),
    "microdata inspect": (["microdata", "inspect", "{eusilc}"], ("json",), "variables"),
    "disclose tables": (["disclose", "tables", "{spec}"], ("csv", "json"), "conf_status"),
    "survey estimate": (["survey", "estimate", "{api}", "--weights", "pw", "--mean", "api00"], ("csv",),
                        "estimate"),
    "datasets": (["datasets", "--warehouse", "{wh}"], ("csv", "json"), "dataset_id"),
    "stock": (["stock", "--destination", "840", "--year", "2019", "--warehouse", "{wh}"], ("csv", "json"),
              "value"),
    "indicators list": (["indicators", "list"], ("csv", "json"), "formula"),
    "indicators gaps": (["indicators", "gaps", "{eusilc}", "--area", "040", "--year", "2013"], ("csv", "json"),
                        "gap"),
    "indicators ratifications": (["indicators", "ratifications", "--warehouse", "{wh}"], ("csv", "json"),
                                 "ref_area"),
    "portability agreements": (["portability", "agreements"], ("csv", "json"), "parties"),
    "portability coverage": (["portability", "coverage", "--year", "2000", "--warehouse", "{wh}"],
                             ("csv", "json"), "share_covered"),
}

#: Commands with --format whose inputs (flow estimates, computed indicators, an exchange registry) this
#: module does not build yet; their stdout is parsed as CSV by their own suites (tests/cli, tests/indicators,
#: tests/recruitment). Listed so that a new --format command still fails the coverage test below.
NOT_YET: dict[str, str] = {
    "flows show": "needs flow estimates in the warehouse (tests/cli/test_everyday_questions.py)",
    "indicators census": "needs census answers in the warehouse (tests/indicators/test_census_registry.py)",
    "indicators costs": "needs computed REMIT_COST_IND (tests/indicators/test_remittance_costs.py)",
    "recruitment flags": "needs an exchange registry with a ledger (tests/recruitment)",
    "recruitment sdg1071": "needs an exchange registry with a ledger (tests/recruitment)",
    "recruitment survey": "needs a recruitment-cost survey file (tests/recruitment)",
}

# the map as a string and "by" comma-separated: the other accepted spellings of a specification
SPEC = """\
file: {eusilc}
weight: rb050
map: region=db040,citizenship=pb220a,sex=rb090
tables: [{{name: rsc, by: "region,sex,citizenship"}}]
"""


@pytest.fixture(scope="module")
def inputs(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from tests.warehouses import ingested_warehouse

    tmp = tmp_path_factory.mktemp("machine-readable")
    eusilc = mirror / "microdata" / "eusilc13puf.rda"
    spec = tmp / "release.yaml"
    spec.write_text(SPEC.format(eusilc=eusilc))
    wh = ingested_warehouse(tmp_path_factory, "format-warehouse",
                            ["undesa-ims-2019-od", "undesa-ims-2019-totals", "treaty-status-icmw"], mirror)
    return {"eusilc": str(eusilc), "api": str(mirror / "microdata" / "apistrat.csv"), "wh": str(wh),
            "spec": str(spec), "tmp": str(tmp)}


def _run(args: list[str], tmp: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "CORRIDOR_RELEASE_REGISTER": str(Path(tmp) / f"releases-{abs(hash(tuple(args)))}.json")}
    return subprocess.run([sys.executable, "-m", "corridor.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=600)


def _strict_csv(text: str, column: str) -> list[list[str]]:
    assert text.endswith("\n"), "CSV output must end with a newline"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows and column in rows[0], f"first line is not the table's header: {text[:300]!r}"
    assert all(h and h.replace("_", "").isalnum() for h in rows[0]), f"odd header {rows[0]}"
    assert all(len(r) == len(rows[0]) for r in rows), "a line of standard output is not a table row"
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("case, fmt", [(c, f) for c, (_, fmts, _) in CASES.items() for f in fmts])
def test_stdout_is_the_table_alone(inputs: dict[str, str], case: str, fmt: str) -> None:
    args, _, column = CASES[case]
    done = _run([a.format(**inputs) for a in args] + ["--format", fmt], inputs["tmp"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HiGHS" not in done.stdout and "Running" not in done.stdout
    if fmt == "csv":
        assert len(_strict_csv(done.stdout, column)) > 1
    else:
        doc = json.loads(done.stdout)  # the whole of standard output, nothing before or after
        assert doc and column in (doc if isinstance(doc, dict) else doc[0])


def test_every_format_command_is_covered() -> None:
    import typer

    from corridor.cli.main import build_app

    found = []

    def walk(command, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        elif any("--format" in (p.opts or []) for p in command.params):
            found.append(" ".join(path))

    walk(typer.main.get_command(build_app()), [])
    assert sorted(found) == sorted([*CASES, *NOT_YET])
