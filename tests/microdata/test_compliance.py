"""Census compliance: which core questions each dataset answers, per country and census round.

The datasets recorded are the two real microdata files of the mirror, with the variables they carry
(CPS extract: MIGRATE1 only, topic C; EU-SILC 2013: citizenship pb220a, topic D).
"""

from __future__ import annotations

import duckdb
import pytest

from corridor.errors import InputError
from corridor.microdata.compliance import (
    TABLE,
    census_round,
    create_compliance_table,
    inclusion_rates,
    record_compliance,
)
from corridor.microdata.variables import parse_map


def test_census_rounds() -> None:
    # UN census rounds are ten-year windows: the 2010 round ran 2005-2014, the 2020 round 2015-2024
    assert [census_round(y) for y in (2005, 2010, 2014, 2015, 2016, 2024)] == [
        "2010", "2010", "2010", "2020", "2020", "2020"]


def test_record_and_rates() -> None:
    con = duckdb.connect()
    create_compliance_table(con)
    cols = [r[0] for r in con.execute(f"DESCRIBE {TABLE}").fetchall()]
    assert cols == ["dataset_id", "ref_area", "census_round", "reference_year", "kind", "topic", "topic_id",
                    "answered", "variable", "recorded_at"]
    record_compliance(con, "ipums-cps-00160", ref_area="840", reference_year=2016, kind="survey",
                      varmap=parse_map("residence_past_date=MIGRATE1,age=AGE"))
    record_compliance(con, "eusilc13puf", ref_area="040", reference_year=2013, kind="survey",
                      varmap=parse_map("citizenship=pb220a,sex=rb090"))
    rows = con.execute(f"SELECT dataset_id, ref_area, census_round, topic, answered, variable FROM {TABLE} "
                       "WHERE answered ORDER BY dataset_id").fetchall()
    assert rows == [("eusilc13puf", "40", "2010", "D", True, "pb220a"),
                    ("ipums-cps-00160", "840", "2020", "C", True, "MIGRATE1")]
    # re-recording replaces, never duplicates
    record_compliance(con, "eusilc13puf", ref_area="40", reference_year=2013, kind="survey",
                      varmap=parse_map("citizenship=pb220a,country_of_birth=pb210"))
    assert con.execute(f"SELECT count(*) FROM {TABLE} WHERE dataset_id='eusilc13puf'").fetchone() == (5,)
    rates = inclusion_rates(con, kinds=["survey"])
    r2010 = rates[rates["census_round"] == "2010"].set_index("topic")
    assert r2010.loc["A", "inclusion_rate"] == 1.0 and r2010.loc["E", "inclusion_rate"] == 0.0
    assert inclusion_rates(con).empty  # no census recorded: no rates, not zeros


def test_rates_count_countries_once() -> None:
    con = duckdb.connect()
    vm_full = parse_map("country_of_birth=b,citizenship=c,year_of_arrival=y")
    record_compliance(con, "c1", ref_area="40", reference_year=2011, kind="census", varmap=vm_full)
    record_compliance(con, "c1b", ref_area="40", reference_year=2011, kind="census",
                      varmap=parse_map("residence_past_date=r"))
    record_compliance(con, "c2", ref_area="840", reference_year=2010, kind="census",
                      varmap=parse_map("country_of_birth=b"))
    rates = inclusion_rates(con, census_round="2010").set_index("topic")
    assert rates["countries"].tolist() == [2, 2, 2, 2, 2]
    assert rates["inclusion_rate"].to_dict() == {"A": 1.0, "B": 0.0, "C": 0.5, "D": 0.5, "E": 0.5}


def test_bad_records() -> None:
    con = duckdb.connect()
    with pytest.raises(InputError, match="kind"):
        record_compliance(con, "x", ref_area="40", reference_year=2011, kind="poll", varmap={})
    with pytest.raises(InputError, match="M49"):
        record_compliance(con, "x", ref_area="AUT", reference_year=2011, kind="census", varmap={})
