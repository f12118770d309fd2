"""ESCO v1.0.8 and v1.1.1 read from the real mirror through the release catalogue.

Reference counts are those the mirror's MANIFEST.md states for the Commission's files (occupations,
skills, relations), checked there against the publisher's MD5 sums."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.exchange.codelists import esco, to_version
from corridor.reference.codes import codes
from corridor.reference.occupations import isco_closeness


@pytest.fixture(scope="module")
def where(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return {"mirror": str(mirror), "cache_dir": str(tmp_path_factory.mktemp("esco-cache"))}


def test_release_sizes(where: dict) -> None:
    old, new = esco("1.0.8", **where), esco("1.1.1", **where)
    assert len(old.by_uri) == 2942 and len(new.by_uri) == 3007
    assert len(old.isco_groups) == len(new.isco_groups) == 619
    assert len(new.skills) == 13896
    assert sum(len(e) + len(o) for e, o in new.relations.values()) == 123855
    assert sum(len(e) for e, _ in new.relations.values()) == 64946
    assert sum(1 for u in old.by_uri if u in new.by_uri) == 2939


def test_search_by_label_and_alternative_label(where: dict) -> None:
    new = esco("1.1.1", **where)
    [ds] = new.search("data scientist", limit=1)
    assert ds.label == "data scientist" and ds.isco == "2511"
    essential, optional = new.relations[ds.uri]
    assert (len(essential), len(optional)) == (54, 21)  # MANIFEST.md
    hits = new.search("wire drawer")  # an alternative label of "metal drawing machine operator"
    assert hits[0].label == "metal drawing machine operator" and "wire drawer" in hits[0].alt_labels
    assert new.search("") == [] and new.search("zzzzqqq") == []


def test_versions_map_by_uri_and_the_isco_group_can_move(where: dict) -> None:
    uri = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"  # technical director
    assert esco("1.0.8", **where).isco_of(uri) == "2166"
    mapped = to_version(uri, "1.0.8", "1.1.1", **where)
    assert mapped is not None and mapped.isco == "2654" and mapped.label == "technical director"
    gone = [u for u in esco("1.0.8", **where).by_uri if u not in esco("1.1.1", **where).by_uri]
    assert len(gone) == 3 and to_version(gone[0], "1.0.8", "1.1.1", **where) is None


def test_the_isco08_codelist_agrees_with_the_groups_issued_with_esco(where: dict) -> None:
    groups = esco("1.1.1", **where).isco_groups
    listed = {c: lab for c, lab in codes("ISCO08").items() if c != "_T"}
    assert listed == {c: lab for c, lab in groups.items() if len(c) <= 2}
    assert len(listed) == 10 + 43


def test_isco_closeness_on_the_hierarchy() -> None:
    assert [isco_closeness("2221", x) for x in ("2221", "2222", "2211", "2111", "3221")] == [1, .75, .5, .25, 0]
