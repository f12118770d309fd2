"""The concept registry: every concept is complete and has an allowed status."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.reference.concepts import FIELDS, STATUSES, concept, concepts

ROOT = Path(__file__).resolve().parents[2]


def test_every_concept_has_all_fields_and_an_allowed_status() -> None:
    table = concepts()
    assert len(table) >= 13
    for cid, c in table.items():
        assert c.id == cid
        for field in FIELDS:
            assert getattr(c, field).strip(), f"{cid} lacks {field}"
        assert c.status in STATUSES


def test_statuses_of_key_concepts() -> None:
    # Treaties: 1951 Convention/1967 Protocol; Palermo Protocols 2000; ICMW 1990.
    assert concept("refugee").status == "international_legal_definition"
    assert "1951" in concept("refugee").source and "1967" in concept("refugee").source
    assert concept("trafficking_in_persons").status == "international_legal_definition"
    assert "article 3" in concept("trafficking_in_persons").source
    assert concept("smuggling_of_migrants").status == "international_legal_definition"
    assert concept("labour_migrant").status == "international_legal_definition"
    assert "ICLS" in concept("labour_migrant").source
    # UN Recommendations on Statistics of International Migration, Rev.1 (1998)
    assert concept("international_migrant").status == "statistical_recommendation"
    assert "Rev.1" in concept("international_migrant").source
    assert concept("irregular_migrant").status == "no_agreed_definition"
    assert concept("environmental_migrant").status == "no_agreed_definition"
    assert "2007" in concept("environmental_migrant").source
    assert "BPM6" in concept("remittances").source


def test_unknown_concept() -> None:
    with pytest.raises(InputError, match="foreign_born"):
        concept("expatriate")


def test_catalogue_concepts_are_registered() -> None:
    """Every concept the release catalogue names exists in the registry."""
    yaml = pytest.importorskip("yaml")
    path = ROOT / "src" / "corridor" / "sources" / "releases.yaml"
    if not path.exists():
        pytest.skip("release catalogue not present")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    releases = doc["releases"] if isinstance(doc, dict) else doc
    used = {r["concept"] for r in releases if r.get("concept")}
    assert used <= set(concepts()), sorted(used - set(concepts()))


def test_docs_list_every_concept() -> None:
    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    missing = [cid for cid in concepts() if f"`{cid}`" not in text]
    assert missing == []


def test_docs_registry_section_is_generated_from_the_registry() -> None:
    from corridor.reference.concepts import concepts_markdown

    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    assert concepts_markdown() in text, "docs/concepts.md is stale: regenerate the registry section"
