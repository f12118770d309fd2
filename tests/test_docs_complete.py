"""The documentation covers what exists (Datasette's habit): nothing can be added without its docs.

What this proves: every command and sub-command of the real Typer app has its section in
``docs/cli.md``, and that generated reference (options, defaults, help texts) and ``docs/releases.md``
are current with the code (``scripts/gen_cli_docs.py --check``); every release id and every layout id
of the catalogue appears in ``docs/``; every concept id appears in ``docs/concepts.md``; every dataflow
present in a warehouse loaded with all the real releases is documented in ``docs/data-model.md``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


REGENERATE = "stale: run `.venv/bin/python scripts/gen_cli_docs.py` and commit docs/cli.md, docs/releases.md"


def test_every_command_and_sub_command_is_in_cli_md(gen: ModuleType) -> None:
    paths = gen.command_paths()
    # the foundation's commands at least (issue 2, "Command line")
    assert {"fetch", "ingest", "datasets", "stock", "run"} <= set(paths)
    doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = [p for p in paths if f"\n### corridor {p}\n" not in doc]
    assert missing == [], f"commands without a section in docs/cli.md ({REGENERATE}): {missing}"


def test_every_option_is_in_cli_md(gen: ModuleType) -> None:
    doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    sections = {m.group(1): m.group(2) for m in
                re.finditer(r"\n### corridor ([^\n]+)\n(.*?)(?=\n### |\Z)", doc, re.S)}
    missing = []
    for path, cmd in gen.walk(gen.root_command()):
        section = sections.get(" ".join(path), "")
        for param in cmd.params:
            if getattr(param, "hidden", False):
                continue
            names = param.opts if param.param_type_name == "option" else [param.name.upper()]
            missing += [f"corridor {' '.join(path)} {n}" for n in names if f"`{n}`" not in section]
    assert missing == [], f"options not documented ({REGENERATE}): {missing}"


def test_every_leaf_command_has_an_example(gen: ModuleType) -> None:
    doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path, cmd in gen.walk(gen.root_command()):
        if hasattr(cmd, "list_commands"):
            continue
        title = f"corridor {' '.join(path)}"
        section = doc.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]
        assert "```sh\n" + title in section, f"{title}: no example in docs/cli.md"


def test_generated_docs_are_current(gen: ModuleType) -> None:
    doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert gen.BEGIN in doc and gen.END in doc
    assert gen.updated_cli_doc(doc) == doc, f"docs/cli.md {REGENERATE}"
    assert (DOCS / "releases.md").read_text(encoding="utf-8") == gen.releases_doc(), f"docs/releases.md {REGENERATE}"


def test_every_release_id_is_in_docs() -> None:
    from corridor.sources.catalogue import releases

    text = all_docs()
    missing = [rid for rid in releases() if f"`{rid}`" not in text]
    assert missing == []


def test_every_layout_id_is_in_docs() -> None:
    from corridor.sources.layouts import known_layouts

    text = all_docs()
    missing = [layout for layout in known_layouts() if f"`{layout}`" not in text]
    assert missing == []


def test_every_concept_is_in_concepts_md() -> None:
    from corridor.reference.concepts import concepts

    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    missing = [c for c in concepts() if f"`{c}`" not in text]
    assert missing == []


def test_docs_index_links_every_doc() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "README.md" and f"({p.name})" not in index]
    assert missing == [], f"docs/README.md does not link {missing}"


def test_every_registered_dataflow_is_in_data_model_md() -> None:
    """The registry (reference/data/dataflows.yaml) is the list of dataflows: the store refuses any other."""
    from corridor.reference.dataflows import dataflows

    flows = list(dataflows())
    assert "MIG_STOCK" in flows
    text = (DOCS / "data-model.md").read_text(encoding="utf-8")
    missing = [f for f in flows if f"`{f}`" not in text]
    assert missing == [], f"registered dataflows not in docs/data-model.md: {missing}"


def test_every_example_in_cli_md_parses_against_the_real_command(gen: ModuleType) -> None:
    # Each example must name an existing command with options it has (parsed by Click, not run):
    # an option renamed after the docs were written fails here.
    import shlex

    doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    generated = doc.split(gen.BEGIN, 1)[1]
    examples = re.findall(r"```sh\n(.*?)```", generated, re.S)
    commands = [c.split("#")[0].strip() for block in examples
                for c in block.replace("\\\n", " ").splitlines() if c.strip()]
    assert len(commands) >= len(gen.command_paths())
    root = gen.root_command()
    for line in commands:
        args = shlex.split(line)
        assert args[0] == "corridor", line
        cmd, rest, path = root, args[1:], ["corridor"]
        while hasattr(cmd, "list_commands"):
            name, rest = rest[0], rest[1:]
            cmd = cmd.get_command(None, name)
            assert cmd is not None, f"{line}: no command {name!r}"
            path.append(name)
        cmd.make_context(" ".join(path), list(rest))  # raises on an unknown option or a missing argument
