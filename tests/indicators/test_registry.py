"""The indicator registry: complete, consistent with the reference registries, and documented.

What each check proves: docs/indicators.md is exactly what the registry generates (a hand edit or a
registry change without regenerating fails); every measure code the computation writes has a registry
entry and every registry output names a registered dataflow and a code of its codelist; a registry
entry without a required field, with an unknown balance-sheet position, or marked not computable
without a reason is refused with its id.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.indicators.registry import by_measure, indicators, load
from corridor.reference.codes import codes
from corridor.reference.dataflows import dataflow, dataflows

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_indicators_doc", ROOT / "scripts" / "gen_indicators_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_indicators_md_is_generated_from_the_registry() -> None:
    gen = _generator()
    assert (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8") == gen.document(), (
        "docs/indicators.md is stale: run scripts/gen_indicators_doc.py and commit it")


def test_every_output_is_a_registered_dataflow_and_code() -> None:
    for ind in indicators().values():
        flow = dataflow(ind.dataflow)
        measure_dim = next(d for d in flow.dimensions if d.column == "topic")
        assert ind.measure in codes(measure_dim.codelist), ind.id
        assert {i for i in ind.inputs if not i.startswith("survey microdata")} <= set(dataflows()), ind.id


def test_every_measure_written_has_an_entry() -> None:
    for code in codes("REMIT_COST_MEASURE"):
        assert by_measure("REMIT_COST_IND", code).formula


GOOD = """
x:
  name: n
  formula: f
  inputs: [REMIT_COST]
  output: {dataflow: REMIT_COST_IND, measure: GAP_3}
  computable: true
  dimension: income
  level: household
  location: origin
  sign: negative
  sign_reason: r
  reference: ref
"""


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("  reference: ref\n", ""), "x: missing field.*reference"),
    (lambda t: t.replace("dimension: income", "dimension: happiness"), "x: dimension 'happiness'"),
    (lambda t: t.replace("location: origin", "location: everywhere"), "x: location"),
    (lambda t: t.replace("computable: true", "computable: false"), "must say why"),
    (lambda t: t.replace("computable: true", "computable: maybe"), "true or false"),
])
def test_bad_entries_are_refused(edit, message) -> None:
    assert "x" in load(GOOD)
    with pytest.raises(InputError, match=message):
        load(edit(GOOD))
