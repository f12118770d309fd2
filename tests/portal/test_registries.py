"""The portal reads through the store's door and the reference registries, and defines none of its own.

What each test proves is in its docstring. The census test uses the ``CENSUS_QUESTION`` dataset that
``conftest.portal_warehouse`` writes for the real IPUMS CPS 2016 extract (MIGRATE1 answers core question C).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.errors import CorridorError, InputError
from corridor.publish.portal import areas, sections
from corridor.publish.portal.concepts import REGISTRY_FILE, UnknownConceptError, concept
from corridor.reference import areas as reference_areas
from corridor.reference.concepts import concepts
from corridor.reference.dataflows import dataflow, dataflows

PORTAL = Path(sections.__file__).parent


def test_the_portal_speaks_no_sql():
    """No module of the portal holds SQL or touches the warehouse connection: reads are selections."""
    pattern = re.compile(r"\bSELECT\b|\bFROM observations\b|\bFROM datasets\b|\.execute\(|\bwh\.con\b|\._con\b")
    offenders = [f"{path.relative_to(PORTAL)}:{n}" for path in sorted(PORTAL.rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), start=1) if pattern.search(line)]
    assert offenders == []


def test_dataflow_views_come_from_the_registry():
    """Every registered dataflow reads on a page as its registry entry says; an unknown id is refused."""
    assert not hasattr(sections, "DATAFLOW_VIEWS") and not hasattr(sections, "DataflowView")
    for flow_id, flow in dataflows().items():
        assert sections.view_of(flow_id) == flow.view
    assert sections.view_of("REMIT").reverse and not sections.view_of("MIG_STOCK").reverse
    with pytest.raises(InputError, match="NOT_A_FLOW"):
        sections.view_of("NOT_A_FLOW")


def test_an_unknown_concept_is_an_error_naming_the_registry():
    """A dataset naming an unregistered concept stops the page with a message naming the id and the file."""
    assert concept("foreign_born") == concepts()["foreign_born"]
    assert concept(None) is None and concept("") is None
    with pytest.raises(UnknownConceptError) as caught:
        concept("migrant_of_the_month")
    assert isinstance(caught.value, CorridorError)
    assert "'migrant_of_the_month'" in str(caught.value) and REGISTRY_FILE in str(caught.value)
    assert (Path(__file__).resolve().parents[2] / REGISTRY_FILE).is_file()


def test_area_names_and_kinds_are_the_references():
    """Names are the AREA codelist's, countries are the area table's kind ``country``; no table of our own."""
    table = reference_areas.area_table()
    for code in table["m49"]:
        assert areas.area_name(code) == reference_areas.area_name(code)
    assert areas.area_name("_T").startswith("Total")
    assert areas.area_name("99999") == "99999"  # only a visitor's URL can hold a code outside the codelist
    countries = set(table.loc[table["kind"] == "country", "m49"])
    assert {c for c in table["m49"] if areas.is_country(c)} == countries
    assert areas.aggregate_codes() == (frozenset(table["m49"]) - countries) | {"_T"}
    assert not areas.is_country(areas.WORLD) and not areas.is_country("ABEL_AFRICA")
    assert areas.resolve_area("MEX") == areas.resolve_area("Mexico") == areas.resolve_area("484") == "484"
    with pytest.raises(InputError, match="Atlantis"):
        areas.resolve_area("Atlantis")


def test_census_panel_reads_the_census_question_dataflow(wh):
    """USA: the CPS 2016 record answers core question C (MIGRATE1) and none of A, B, D, E; Mexico has none."""
    assert dataflow("CENSUS_QUESTION").dimensions[1].column == "topic"
    content = sections.build_census(wh, "840")
    assert content is not None and list(content["questions"]) == ["A", "B", "C", "D", "E"]
    (row,) = content["rows"]
    assert row["dataset_id"] == "census:ipums-cps-00160" and row["kind"] == "survey"
    assert (row["reference_year"], row["census_round"]) == ("2016", "2020")
    assert row["answers"] == [("A", False, None), ("B", False, None), ("C", True, "MIGRATE1"),
                              ("D", False, None), ("E", False, None)]
    assert sections.build_census(wh, "484") is None
