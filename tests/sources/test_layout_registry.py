"""The layout registry: built-in layouts are always there, an outside layout adds to them.

The outside layout lives in ``tests/sources/outside_layout.py`` (not in the corridor package). It is
registered explicitly, and through the ``corridor.layouts`` entry-point group of a distribution written
into a temporary folder (a real ``.dist-info`` found by ``importlib.metadata``, no mocks). A fresh
interpreter is used where the order of first use matters (the old registry hid every built-in layout
once anything was registered before the first look-up).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.sources import layouts
from corridor.sources.ingest import ingest_file
from corridor.sources.layouts import (
    BUILTIN,
    ENTRY_POINT_GROUP,
    LayoutError,
    get_layout,
    known_layouts,
    load_entry_points,
    register,
)
from corridor.store.warehouse import Warehouse
from tests.sources import outside_layout

REPO = Path(__file__).resolve().parents[2]
#: One layout id of each built-in module (the registry must never lose any of them).
BUILTIN_IDS = {"undesa-ims-od", "undesa-ims-2019-totals", "undesa-ims-2020-destination", "wpp2019-population",
               "wb-bilateral-matrix", "unhcr-refugees", "wb-rpw-databank", "wb-wdi-indicator", "migest-reg-flow",
               "un-treaty-status", "eurostat-imm-prev-residence"}
DIST = "corridor-layout-example"
EP_ID = "test-entry-point-bilateral"
TABLE = "destination,origin,year,persons\n826,356,2019,835000\n826,586,2019,..\n826,50,2019,-\n356,50,2019,\n"


@pytest.fixture()
def registry() -> Iterator[None]:
    """Whatever a test registers is gone afterwards (the built-ins are loaded first and kept)."""
    known_layouts()
    saved, origins = dict(layouts.LAYOUTS), dict(layouts.ORIGINS)
    yield
    layouts.LAYOUTS.clear()
    layouts.LAYOUTS.update(saved)
    layouts.ORIGINS.clear()
    layouts.ORIGINS.update(origins)


def distribution(root: Path, entries: dict[str, str]) -> Path:
    """Write an installed distribution's metadata (``.dist-info``) declaring ``entries`` as layouts."""
    info = root / f"{DIST.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 0.1\n", encoding="utf-8")
    lines = "".join(f"{name} = {target}\n" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}", encoding="utf-8")
    return root


@pytest.fixture()
def on_path(tmp_path: Path) -> Iterator[Path]:
    """A folder on ``sys.path`` for the duration of the test (where a distribution is 'installed')."""
    site = tmp_path / "site"
    site.mkdir()
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))


def python(code: str, *extra_path: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with this checkout (and ``extra_path``) importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), str(REPO / "src"), str(REPO),
                                         env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=120)


def test_every_builtin_module_registers_a_layout() -> None:
    origins = {layouts.ORIGINS[i].rsplit(".", 1)[0] for i in known_layouts() if i in BUILTIN_IDS}
    assert BUILTIN_IDS <= set(known_layouts())
    assert origins == set(BUILTIN)


def test_registering_an_outside_layout_first_keeps_the_builtins() -> None:
    done = python(
        "from tests.sources import outside_layout\n"
        "outside_layout.register_here()\n"
        "from corridor.sources.layouts import known_layouts, get_layout\n"
        "print(' '.join(known_layouts()))\n"
        "print(get_layout('undesa-ims-od').__module__)\n"
    )
    assert done.returncode == 0, done.stderr
    ids, module = done.stdout.splitlines()
    assert BUILTIN_IDS | {outside_layout.LAYOUT_ID} <= set(ids.split())
    assert module == "corridor.sources.layouts.undesa_ims_od"


def test_an_outside_layout_ingests_like_a_builtin(registry: None, tmp_path: Path) -> None:
    outside_layout.register_here()
    assert get_layout(outside_layout.LAYOUT_ID) is outside_layout.read
    assert BUILTIN_IDS <= set(known_layouts())
    table = tmp_path / "bilateral.csv"
    table.write_text(TABLE, encoding="utf-8")
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        report = ingest_file(wh, [table], layout=outside_layout.LAYOUT_ID)
        obs = wh.observations("MIG_STOCK").set_index("counterpart_area")
    assert report.created and report.rows_accepted == 4
    assert obs.loc["356", "value"] == 835000 and obs.loc["356", "obs_status"] == "A"
    # missing is never zero: '..' and blank -> O, '-' -> M, all with a NULL value
    assert obs["value"].isna().sum() == 3
    assert obs.loc["586", "obs_status"] == "O" and obs.loc["50"].set_index("ref_area").loc["826", "obs_status"] == "M"
    assert obs.loc["50"].set_index("ref_area").loc["356", "obs_status"] == "O"


def test_an_entry_point_adds_a_layout(registry: None, on_path: Path) -> None:
    distribution(on_path, {EP_ID: "tests.sources.outside_layout:read"})
    assert EP_ID in load_entry_points()
    assert get_layout(EP_ID) is outside_layout.read
    assert BUILTIN_IDS | {EP_ID} <= set(known_layouts())
    assert f"distribution {DIST}" in layouts.ORIGINS[EP_ID]


def test_an_installed_layout_is_known_to_the_command_line(tmp_path: Path) -> None:
    """A fresh ``corridor ingest --layout`` finds an entry-point layout at first use, beside the built-ins."""
    site = distribution(tmp_path / "site", {EP_ID: "tests.sources.outside_layout:read"})
    table = tmp_path / "bilateral.csv"
    table.write_text(TABLE, encoding="utf-8")
    done = python(
        "import sys\nfrom corridor.cli.main import main\n"
        f"sys.argv = ['corridor', 'ingest', {str(table)!r}, '--layout', {EP_ID!r}, "
        f"'--warehouse', {str(tmp_path / 'w.duckdb')!r}]\nmain()\n", site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 observations" in " ".join(done.stderr.split())
    with Warehouse.open(tmp_path / "w.duckdb", read_only=True) as wh:
        assert wh.datasets()["layout"].tolist() == [EP_ID]


def test_an_id_clash_names_both_registrations(registry: None) -> None:
    with pytest.raises(LayoutError) as info:
        register("undesa-ims-od", outside_layout.read)
    message = str(info.value)
    assert "'undesa-ims-od' is registered twice" in message
    assert "corridor.sources.layouts.undesa_ims_od.read" in message
    assert "tests.sources.outside_layout.read" in message
    assert get_layout("undesa-ims-od").__module__ == "corridor.sources.layouts.undesa_ims_od"


def test_an_entry_point_clash_names_the_builtin_and_the_distribution(registry: None, on_path: Path) -> None:
    distribution(on_path, {"wpp2019-population": "tests.sources.outside_layout:read"})
    with pytest.raises(LayoutError) as info:
        load_entry_points()
    message = str(info.value)
    assert "corridor.sources.layouts.wpp.read_population" in message
    assert f"entry point wpp2019-population = tests.sources.outside_layout:read (group {ENTRY_POINT_GROUP}, " \
           f"distribution {DIST})" in message


def test_the_same_function_registered_twice_is_not_a_clash(registry: None) -> None:
    outside_layout.register_here()
    outside_layout.register_here()
    assert get_layout(outside_layout.LAYOUT_ID) is outside_layout.read


def test_an_entry_point_that_does_not_load_is_an_error(registry: None, on_path: Path) -> None:
    distribution(on_path, {"test-broken": "tests.sources.no_such_module:read"})
    with pytest.raises(LayoutError) as info:
        load_entry_points()
    assert "cannot load layout 'test-broken' from entry point test-broken" in str(info.value)
    assert "No module named 'tests.sources.no_such_module'" in str(info.value)
