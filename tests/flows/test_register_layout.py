"""The Eurostat register flows (``eurostat-immigration-prev-residence``) read into ``MIG_FLOW_REG``.

Reference values: ``../shared/data/MANIFEST.md`` (Poland -> Germany 2023: 56,023; Romania -> Germany 2023:
73,651; Romania -> Spain 2023: 43,480, each equal to the sum of its age groups in the by-age file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.sources.layouts.eurostat_imm_prev_residence import read
from corridor.store.selection import Selection
from corridor.store.warehouse import Warehouse


@pytest.fixture(scope="module")
def register(flow_warehouse: Path):
    with Warehouse.open(flow_warehouse, read_only=True) as wh:
        return wh.select(Selection.of("MIG_FLOW_REG", topic="IMM"), scaled=True)


def test_published_figures(register) -> None:
    flows = register.set_index(["counterpart_area", "ref_area", "time_period"]).value
    # M49: Poland 616, Romania 642, Germany 276, Spain 724
    assert flows["616", "276", "2023"] == 56023
    assert flows["642", "276", "2023"] == 73651
    assert flows["642", "724", "2023"] == 43480


def test_held_back_years_stay_absent_and_zeros_stay_zeros(register) -> None:
    years = set(register.time_period.astype(int))
    assert not years & {2010, 2011, 2012, 2013, 2014}
    assert years >= {2000, 2009, 2015, 2023}
    assert (register.value == 0).sum() > 0 and set(register.obs_status) == {"A"}
    assert set(register.topic) == {"IMM"} and set(register.sex) == {"_T"}


def test_other_is_not_an_area_and_a_bad_code_is_named(tmp_path: Path) -> None:
    path = tmp_path / "eurostat_immigration_prev_residence_intra_eu.csv"
    path.write_text("partner,geo,year,value\nOTHER,DE,2015,10.0\nPL,DE,2015,\nUK,DE,2015,5.0\n")
    parsed = read([path])
    assert parsed.rows_rejected == 1 and len(parsed.observations) == 2
    blank = parsed.observations[parsed.observations.counterpart_area == "616"]
    assert blank.value.isna().all() and blank.obs_status.iloc[0] != "A"  # missing, never zero
    path.write_text("partner,geo,year,value\nXX,DE,2015,10.0\n")
    with pytest.raises(InputError, match="row 2, column 'partner': unknown country code 'XX'"):
        read([path])
