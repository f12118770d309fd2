"""The rooms keep their doors: checks over the source tree (issue 8, "one door to the warehouse").

* Only ``store/`` speaks SQL to the warehouse: no SQL naming the ``observations`` or ``datasets``
  tables, and no use of a warehouse connection, anywhere else in ``src/corridor``.
* Codelists and dataflows are defined once, as data in ``reference/data``: no label of a codelist
  code and no dataflow name or view title is written into Python code outside ``reference/``.
* No fallbacks for the project's own modules: no ``except ImportError`` and no ``importlib`` import
  of a ``corridor`` module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.reference.codes import codelists, codes
from corridor.reference.dataflows import dataflows

SRC = Path(__file__).resolve().parents[1] / "src" / "corridor"
# any case: prose outside store/ says "observation rows", so a match is SQL (or reads like it)
WAREHOUSE_SQL = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+(observations|datasets)\b", re.IGNORECASE)
CONNECTION = re.compile(r"\b(wh|warehouse|root|shared|self\.root)\._?con\b")


def _python_files(*, outside: str) -> list[Path]:
    return [p for p in SRC.rglob("*.py") if outside not in p.relative_to(SRC).parts[:1]]


def _hits(pattern: re.Pattern[str], files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    return found


def test_only_the_store_speaks_sql_to_the_warehouse() -> None:
    files = _python_files(outside="store")
    assert files, "no source files found"
    assert _hits(WAREHOUSE_SQL, files) == []
    assert _hits(CONNECTION, files) == []


def _registry_texts() -> list[str]:
    """Labels and names long enough to be unmistakable (short ones such as 'Total' are common words)."""
    texts = set()
    for name in codelists():
        if name == "AREA":
            continue  # area names appear in aliases and docs by design; they live in reference/data
        texts.update(label for label in codes(name).values() if len(label) >= 16)
    for flow in dataflows().values():
        texts.update(t for t in (flow.name, flow.view.title, flow.view.value_title) if len(t) >= 16)
    return sorted(texts)


@pytest.mark.parametrize("text", _registry_texts())
def test_registry_texts_are_written_only_in_reference(text: str) -> None:
    files = _python_files(outside="reference")
    pattern = re.compile(re.escape(f'"{text}"') + "|" + re.escape(f"'{text}'"))
    assert _hits(pattern, files) == [], f"{text!r} is defined outside reference/data"


def test_no_fallbacks_for_the_projects_own_modules() -> None:
    files = list(SRC.rglob("*.py"))
    assert _hits(re.compile(r"except\s+\(?\s*(ImportError|ModuleNotFoundError)"), files) == []
    assert _hits(re.compile(r"import_module\(\s*[\"']corridor"), files) == []
