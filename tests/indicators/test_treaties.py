"""Treaty status tables (layout un-treaty-status) and ratification counts against the table itself.

What each check proves: the counts of parties, signatories and states without action, the years of
named states and the number of parties by year equal what the CSV says (read here with the csv
module, not the layout); every state is placed by its WPP net migration or said to be unknown; a
table that breaks the format is refused with its file, row and column, and nothing is written.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from corridor.errors import InputError
from corridor.indicators.treaties import ratifications
from corridor.sources.ingest import ingest_file
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse

TABLE = Path("treaties") / "hr_status_icmw.csv"


@pytest.fixture(scope="module")
def rows(mirror: Path) -> list[dict[str, str]]:
    with open(mirror / TABLE, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def icmw(indicators_warehouse: Path):
    with Warehouse.open(indicators_warehouse, read_only=True) as wh:
        return ratifications(wh, "ICMW")


def test_counts_equal_the_table(icmw, rows) -> None:
    table = Counter(r["status"] for r in rows)
    assert table == {"state party": 57, "signatory state": 11, "no action": 125}  # MANIFEST.md
    got = Counter(icmw.states["status"])
    assert got == {"state party": table["state party"], "signatory": table["signatory state"],
                   "no action": table["no action"]}
    assert icmw.status_year == "2022"


def test_named_states_years(icmw) -> None:
    years = dict(zip(icmw.states["ref_area"], icmw.states["year"], strict=True))
    # MANIFEST.md: Mexico 1999, Philippines 1995, Sri Lanka 1996, Indonesia 2012; Namibia ('NA') is read.
    assert (years["484"], years["608"], years["144"], years["360"]) == (1999, 1995, 1996, 2012)
    assert "516" in years
    assert pd.isna(years["840"])  # the United States has taken no action


def test_parties_by_year_against_the_table(icmw, rows) -> None:
    by_year = icmw.parties_by_year()
    party_years = [int(r["year ratification or accession"]) for r in rows if r["state party"] == "1"]
    for year in (1995, 2003, 2008, 2022):
        assert by_year[year] == sum(1 for y in party_years if y <= year)
    assert by_year.index.min() == min(party_years) and by_year.iloc[-1] == 57


def test_roles_from_net_migration(icmw) -> None:
    states = icmw.states.set_index("ref_area")
    assert states.loc["484", "role"] == "net emigration"      # Mexico: WPP 2024 net migration < 0
    assert states.loc["840", "role"] == "net immigration"     # United States
    table = icmw.by_role()
    assert table.loc["all", "all"] == 193
    assert "2012-2021" in icmw.role_source and "2024" in icmw.role_source


def _copy(mirror: Path, tmp_path: Path, name: str, edit=None) -> Path:
    text = (mirror / TABLE).read_text(encoding="utf-8")
    if edit:
        text = edit(text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "edit", "message"), [
    ("hr_status_icmw.csv", lambda t: t.replace("MX,Mexico,1,1999", "MX,Mexico,1,"), "row 111"),
    ("hr_status_icmw.csv", lambda t: t.replace("MX,Mexico,1,1999,0,0", "MX,Mexico,1,1999,1,0"), "exactly one"),
    ("hr_status_icmw.csv", lambda t: t.replace("MX,Mexico", "MX,Mexiko"), "Mexiko"),
    ("my_table.csv", None, "treaty_status_<TREATY>_<YYYY>.csv"),
    ("treaty_status_ILO_C143_2020.csv", None, "after the status year 2020"),
])
def test_bad_tables_are_refused_whole(writable_warehouse: Path, mirror: Path, tmp_path: Path, name, edit,
                                      message) -> None:
    path = _copy(mirror, tmp_path, name, edit)
    with Warehouse.open(writable_warehouse) as wh:
        before = len(wh.datasets())
        with pytest.raises(InputError, match=message.replace("<", ".").replace(">", ".")) as err:
            ingest_file(wh, [path], layout="un-treaty-status")
        assert name in str(err.value)
        assert len(wh.datasets()) == before


def test_another_treaty_in_the_same_format(writable_warehouse: Path, mirror: Path, tmp_path: Path) -> None:
    """The loader reads any treaty named in the TREATY codelist (here the ICMW table relabelled as if it
    were a C143 table of 2023: a format check, not a claim about C143)."""
    path = _copy(mirror, tmp_path, "treaty_status_ILO_C143_2023.csv")
    with Warehouse.open(writable_warehouse) as wh:
        ingest_file(wh, [path], layout="un-treaty-status")
        got = wh.select(Selection.of("TREATY_STATUS", access=None, topic="ILO_C143"))
    assert len(got) == 193 and set(got.time_period) == {"2023"}


def test_the_release_reads_only_its_csv(mirror: Path, tmp_path: Path) -> None:
    from corridor.sources.layouts import get_layout

    shutil.copy(mirror / TABLE, tmp_path / "hr_status_icmw.csv")
    shutil.copy(mirror / "treaties" / "hr_status_README.md", tmp_path / "hr_status_README.md")
    parsed = get_layout("un-treaty-status")([tmp_path / "hr_status_icmw.csv", tmp_path / "hr_status_README.md"])
    assert "57 parties, 11 signatories, 125 no action" in parsed.notes
