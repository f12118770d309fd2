"""Country search as people type it (issue 15, item 3): everyday and short names, ISO codes, accents and
case ignored, prefixes; candidates where a name fits several areas; never a silent wrong country.

Names and codes: ISO 3166-1 (alpha-2 and alpha-3) and UN M49; the everyday names of the 193 UN member
states come from the treaty-status release (world-politics-datalab, from the UN Treaty Collection) and are
checked here against that file in the mirror (``scripts/build_search_names.py`` wrote the table).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.reference.search import AmbiguousArea, find_area, fold

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("typed", "m49"), [
    ("United States", "840"), ("Vietnam", "704"), ("UK", "826"), ("UAE", "784"), ("Turkey", "792"),
    ("Türkiye", "792"), ("Russia", "643"), ("Iran", "364"), ("Mex", "484"), ("mexico", "484"), ("MX", "484"),
    ("gb", "826"), ("usa", "840"), ("Cote d'Ivoire", "384"), ("Côte d’Ivoire", "384"), ("south korea", "410"),
    ("Viet", "704"), ("United Arab", "784"), ("484", "484"), ("004", "4"), ("WORLD", "900"),
    ("Sudan", "729"), ("Czechoslovakia", "200"), ("Serbia and Montenegro", "891"), ("Taiwan", "158"),
    ("ABEL_EUROPE", "ABEL_EUROPE"),
])
def test_a_country_as_people_name_it(typed, m49):
    assert find_area(typed) == m49


def test_an_ambiguous_name_lists_its_candidates():
    with pytest.raises(AmbiguousArea) as info:
        find_area("Korea")
    assert [code for code, _ in info.value.candidates] == ["408", "410"]
    assert "Republic of Korea (410)" in str(info.value)
    with pytest.raises(AmbiguousArea) as info:
        find_area("Ger")  # Germany, and the German Democratic Republic (dissolved 1990)
    assert {code for code, _ in info.value.candidates} == {"276", "278"}


def test_nothing_found_is_an_error_naming_what_was_typed():
    for typed in ("Atlantis", "", "  ", "!!"):
        with pytest.raises(InputError):
            find_area(typed)
    with pytest.raises(InputError, match="Atlantis"):
        find_area("Atlantis")


def test_fold_ignores_accents_case_and_punctuation():
    assert fold("Côte d’Ivoire") == fold("COTE D'IVOIRE") == "cote d ivoire"
    assert fold("Curaçao") == "curacao"


def test_search_names_table_is_the_treaty_files_names(mirror):
    """The committed table equals what the build script makes from the release in the mirror."""
    spec = importlib.util.spec_from_file_location("build_search_names", ROOT / "scripts" / "build_search_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.OUT.open(encoding="utf-8", newline="") as handle:
        committed = list(csv.DictReader(handle))
    assert committed == module.rows(str(mirror))
    members = [r for r in committed if r["source"] == "treaty-status-icmw"]
    assert len(members) == 193 and len({r["alpha2"] for r in members}) == 193
    assert {"NA", "TL", "GB", "US"} <= {r["alpha2"] for r in members}  # Namibia stays "NA", not missing
