"""The lean start of ``corridor flows estimate`` on files (issue 9: the whole process at least 50 times faster
than migest): it loads no Typer, rich, pandas, pyarrow, pydantic or ibis, writes the bytes the Typer
command writes (and pandas' ``to_csv`` would write), reports errors as one line with exit status 2, and
leaves every command line it does not handle to Typer. Its option table is tied to the Typer command's."""

from __future__ import annotations

import csv
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from corridor.cli import flows as flows_cli
from corridor.cli.flows_files import OPTIONS, parse
from corridor.estimate.flows import output
from corridor.estimate.flows.files import estimate_files

# migest's e0 (REFERENCE_VALUES.md), rows = place of birth; labels with a comma and a quote, as a user may have
AREAS = ["A", 'B "north"', "C, east", "D"]
E0_START = [[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]]
E0_END = [[950, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40], [40, 45, 0, 180]]
HEAVY = ("pandas", "typer", "rich", "pyarrow", "pydantic", "ibis", "scipy", "threadpoolctl")


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.fixture()
def files(tmp_path: Path) -> list[str]:
    stocks = {name: _write(tmp_path / f"{name}.csv", ["origin", "destination", "stock"],
                           [[AREAS[i], AREAS[j], m[i][j]] for i in range(4) for j in range(4)])
              for name, m in (("s0", E0_START), ("s1", E0_END))}
    births = _write(tmp_path / "b.csv", ["area", "births"], [[a, 5] for a in AREAS])
    deaths = _write(tmp_path / "d.csv", ["area", "deaths"], [[a, 3] for a in AREAS])
    return ["--stocks-start", str(stocks["s0"]), "--stocks-end", str(stocks["s1"]), "--births", str(births),
            "--deaths", str(deaths)]


def _entry_point(*args: str) -> subprocess.CompletedProcess:
    """``corridor ...`` as the console script runs it (``main()``), then the heavy modules it loaded."""
    code = ("import sys; from corridor.cli.main import main\n"
            "try:\n    main()\nfinally:\n"
            f"    print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("extra", [[], ["--by-birthplace", "--account", "ACCOUNT"],
                                   ["--method", "da_min_open", "--keep-negative", "--open-method", "open-dr"],
                                   ["-m", "sd_drop_neg"], ["--method", "da_pb_closed", "--tolerance=1e-9"]])
def test_lean_start_writes_what_the_typer_command_writes(files: list[str], tmp_path: Path, extra: list[str]) -> None:
    lean_out, typer_out = tmp_path / "lean.csv", tmp_path / "typer.csv"
    lean_extra = [str(tmp_path / "lean_account.csv") if a == "ACCOUNT" else a for a in extra]
    typer_extra = [str(tmp_path / "typer_account.csv") if a == "ACCOUNT" else a for a in extra]
    proc = _entry_point("flows", "estimate", *files, "--out", str(lean_out), *lean_extra)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("LOADED []"), proc.stdout  # nothing heavy was imported
    ran = CliRunner().invoke(flows_cli.app, ["estimate", *files, "--out", str(typer_out), *typer_extra])
    assert ran.exit_code == 0, ran.output
    assert lean_out.read_bytes() == typer_out.read_bytes()
    if "ACCOUNT" in extra:
        assert (tmp_path / "lean_account.csv").read_bytes() == (tmp_path / "typer_account.csv").read_bytes()
    # the same messages (rich prints them without colour off a terminal)
    assert (proc.stderr.replace(str(lean_out), "OUT").split()
            == ran.stderr.replace(str(typer_out), "OUT").split())


def test_lean_output_is_the_bytes_pandas_writes(files: list[str], tmp_path: Path) -> None:
    out, account = tmp_path / "f.csv", tmp_path / "a.csv"
    proc = _entry_point("flows", "estimate", *files, "--out", str(out), "--by-birthplace", "--account", str(account))
    assert proc.returncode == 0, proc.stderr
    flows = pd.read_csv(out, dtype={"birthplace": str, "origin": str, "destination": str}, keep_default_na=False,
                        na_values={"margin_error": [""]})
    assert set(flows.birthplace) <= set(AREAS) and 'B "north"' in set(flows.origin)  # quoting read back
    assert flows.to_csv(index=False) == out.read_text(encoding="utf-8")
    acc = pd.read_csv(account, dtype=str, keep_default_na=False).astype({"value": float})
    assert acc.to_csv(index=False) == account.read_text(encoding="utf-8")


def test_floats_and_labels_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    values = np.array([0.0, -0.0, np.nan, 1e16, 1e-7, 0.1 + 0.2, 5.0, 123456.789, np.inf, -2.5])
    labels = ["plain", "a,b", 'say "x"', "two words", "tab\there", "new\nline", "ü", "", "x", "y"]
    frame = pd.DataFrame({"label": labels, "value": values, "more": values[::-1], "again": values * 3})
    path = tmp_path / "ours.csv"
    prefix = [output.quoted(t) for t in labels]
    output.write_table(path, list(frame.columns), prefix, [values, values[::-1], values * 3], ["\n"] * len(labels))
    assert path.read_text(encoding="utf-8") == frame.to_csv(index=False)


def test_the_option_table_is_the_typer_commands() -> None:
    params = inspect.signature(flows_cli.estimate_command).parameters
    defaults = inspect.signature(estimate_files).parameters
    for flag, (name, kind) in OPTIONS.items():
        option = params[name].default
        assert flag in option.param_decls, (flag, name)
        assert option.default == defaults[name].default, name  # the same default on both starts
        annotation = str(params[name].annotation)
        assert kind.__name__ in annotation, (name, annotation)
    # every option of the file path has a lean entry; the rest send the command line to Typer
    lean = {name for name, _ in OPTIONS.values()}
    assert lean == set(defaults) - {"say"}


@pytest.mark.parametrize("argv", [
    ["flows", "estimate", "--help"], ["flows", "estimate", "--period", "2010-2015"],
    ["flows", "estimate", "--max-iter", "ten"], ["flows", "estimate", "--out"], ["flows", "show"],
    ["flows", "estimate", "--by-birthplace=yes"], ["flows", "estimate", "--out", "--help"],
    ["flows", "estimate", "--sex", "M"], ["stock"], ["flows", "estimate", "positional"]])
def test_what_the_lean_start_leaves_to_typer(argv: list[str]) -> None:
    assert parse(argv) is None


def test_what_the_lean_start_takes() -> None:
    assert parse(["flows", "estimate", "-m", "da_min_open", "--max-iter=50", "--keep-negative", "-o", "x.csv"]) == {
        "method": "da_min_open", "max_iter": 50, "keep_negative": True, "out": Path("x.csv")}


def test_help_still_comes_from_typer() -> None:
    proc = _entry_point("flows", "estimate", "--help")
    assert proc.returncode == 0 and "--stocks-start" in proc.stdout and "--period" in proc.stdout


def test_a_bad_file_is_one_line_exit_2_and_nothing_written(files: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "s1_broken.csv"
    lines = Path(files[3]).read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].rsplit(",", 1)[0] + ",-3"  # file row 7
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "never.csv"
    args = list(files)
    args[3] = str(broken)
    proc = _entry_point("flows", "estimate", *args, "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert f"error: file {broken}, row 7, column 'stock': negative stock: -3" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()


def test_real_case_lean_output_is_the_pandas_table(real_2010_2015, tmp_path: Path) -> None:
    # the 199-area case written as a user's four files, estimated by the lean start, compared byte for
    # byte with the table built and written with pandas as the command did before (result.od_frame, the
    # interval columns, DataFrame.to_csv)
    from corridor.estimate.flows import estimate
    from corridor.estimate.flows.intervals import flow_interval

    tables = real_2010_2015.tables
    names, n = tables.areas, tables.n
    o, d = np.nonzero((tables.start > 0) | (tables.end > 0) | np.eye(n, dtype=bool))
    args = []
    for flag, name, m in (("--stocks-start", "s0", tables.start), ("--stocks-end", "s1", tables.end)):
        rows = [[names[i], names[j], m[i, j]] for i, j in zip(o.tolist(), d.tolist(), strict=True)]
        args += [flag, str(_write(tmp_path / f"{name}.csv", ["origin", "destination", "stock"], rows))]
    for flag, column, v in (("--births", "births", tables.births), ("--deaths", "deaths", tables.deaths)):
        args += [flag, str(_write(tmp_path / f"{column}.csv", ["area", column],
                                  [[a, x] for a, x in zip(names, v.tolist(), strict=True)]))]
    out = tmp_path / "flows.csv"
    proc = _entry_point("flows", "estimate", *args, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("LOADED []")

    result = estimate(tables, "da_min_closed")
    iv = flow_interval(tables, result)
    frame = result.od_frame()
    oo, dd = np.nonzero(~np.eye(n, dtype=bool))
    frame["lower"], frame["upper"], frame["interval"] = iv.lower[oo, dd], iv.upper[oo, dd], iv.text[oo, dd]
    frame["status"], frame["margin_error"] = result.status, result.margin_error
    assert len(frame) == 199 * 198
    assert frame.to_csv(index=False) == out.read_text(encoding="utf-8")
