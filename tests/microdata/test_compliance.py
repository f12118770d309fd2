"""Census compliance: which core questions each source answers, stored as datasets of CENSUS_QUESTION.

The sources recorded are the two real microdata files of the mirror, with the variables they carry
(CPS extract: MIGRATE1 only, topic C; EU-SILC 2013: citizenship pb220a, topic D); the rate tests use
small made-up variable maps whose expected shares are counted by hand in each test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.microdata.compliance import (
    RECORD_COLUMNS,
    census_round,
    inclusion_rates,
    record_compliance,
    records,
)
from corridor.microdata.variables import parse_map
from corridor.store.validate import ValidationError
from corridor.store.warehouse import Warehouse

CPS_MAP = "residence_past_date=MIGRATE1,age=AGE"
SILC_MAP = "citizenship=pb220a,sex=rb090"


@pytest.fixture()
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "wh.duckdb") as warehouse:
        yield warehouse


def test_census_rounds() -> None:
    # UN census rounds are ten-year windows: the 2010 round ran 2005-2014, the 2020 round 2015-2024
    assert [census_round(y) for y in (2005, 2010, 2014, 2015, 2016, 2024)] == [
        "2010", "2010", "2010", "2020", "2020", "2020"]


def test_a_recording_is_a_dataset_with_provenance(wh: Warehouse) -> None:
    rec = record_compliance(wh, "ipums-cps-00160", ref_area="840", reference_year=2016, kind="survey",
                            varmap=parse_map(CPS_MAP), file_name="cps_00160.dat.gz")
    assert rec.created and re.fullmatch(r"census:ipums-cps-00160@[0-9a-f]{12}", rec.dataset_id)
    meta = wh.dataset(rec.dataset_id)
    assert meta is not None
    assert (meta["series"], meta["kind"], meta["layout"], meta["method"], meta["file_name"]) == (
        "census-questions/ipums-cps-00160", "survey", "census-questions", "recorded", "cps_00160.dat.gz")
    assert re.fullmatch(r"\d{8}T\d{6}", meta["vintage"]) and meta["vintage"] == rec.vintage
    assert meta["rows_accepted"] == 5 and meta["reference_dates"] == "2016"
    params = json.loads(meta["parameters"])
    assert params["answers"] == {"A": None, "B": None, "C": "MIGRATE1", "D": None, "E": None}
    assert params["supersedes"] is None
    obs = wh.observations("CENSUS_QUESTION").set_index("topic")
    assert obs["value"].to_dict() == {"A": 0.0, "B": 0.0, "C": 1.0, "D": 0.0, "E": 0.0}
    assert obs.loc["C", "basis"] == "MIGRATE1" and obs["basis"].drop("C").isna().all()
    assert set(obs["ref_area"]) == {"840"} and set(obs["time_period"]) == {"2016"}
    assert set(obs["obs_status"]) == {"A"} and set(obs["method"]) == {"recorded"}
    assert set(obs["unit_measure"]) == {"PURE_NUMB"}
    assert list(rec.rows.columns) == list(RECORD_COLUMNS)


def test_records_and_rates(wh: Warehouse) -> None:
    record_compliance(wh, "ipums-cps-00160", ref_area="840", reference_year=2016, kind="survey",
                      varmap=parse_map(CPS_MAP))
    record_compliance(wh, "eusilc13puf", ref_area="040", reference_year=2013, kind="survey",
                      varmap=parse_map(SILC_MAP))
    rows = records(wh)
    answered = rows[rows["answered"]][["source", "ref_area", "census_round", "topic", "variable"]]
    assert [tuple(r) for r in answered.itertuples(index=False)] == [
        ("eusilc13puf", "40", "2010", "D", "pb220a"), ("ipums-cps-00160", "840", "2020", "C", "MIGRATE1")]
    assert records(wh, ref_area="840")["source"].unique().tolist() == ["ipums-cps-00160"]
    assert records(wh, census_round="2010")["source"].unique().tolist() == ["eusilc13puf"]
    rates = inclusion_rates(wh, kinds=["survey"]).set_index(["census_round", "topic"])
    assert rates.loc[("2010", "D"), "inclusion_rate"] == 1.0 and rates.loc[("2020", "D"), "inclusion_rate"] == 0.0
    assert rates.loc[("2020", "C"), "question"].startswith("place of residence at a specified date")
    assert inclusion_rates(wh).empty  # no census recorded: no rates, not zeros


def test_same_answers_again_change_nothing(wh: Warehouse) -> None:
    first = record_compliance(wh, "eusilc13puf", ref_area="040", reference_year=2013, kind="survey",
                              varmap=parse_map(SILC_MAP))
    again = record_compliance(wh, "eusilc13puf", ref_area="40", reference_year=2013, kind="survey",
                              varmap=parse_map("citizenship=pb220a,age=age"))  # same core answers
    assert not again.created and again.dataset_id == first.dataset_id
    assert len(wh.datasets()) == 1 and len(wh.observations("CENSUS_QUESTION", latest=False)) == 5


def test_other_answers_are_a_new_vintage_never_an_overwrite(wh: Warehouse) -> None:
    a = record_compliance(wh, "eusilc13puf", ref_area="40", reference_year=2013, kind="survey",
                          varmap=parse_map(SILC_MAP))
    b = record_compliance(wh, "eusilc13puf", ref_area="40", reference_year=2013, kind="survey",
                          varmap=parse_map("citizenship=pb220a,country_of_birth=pb210"))
    assert b.created and b.dataset_id != a.dataset_id
    assert json.loads(wh.dataset(b.dataset_id)["parameters"])["supersedes"] == a.dataset_id
    assert len(wh.observations("CENSUS_QUESTION", latest=False)) == 10  # the older vintage is kept
    current = records(wh).set_index("topic")
    assert current["dataset_id"].unique().tolist() == [b.dataset_id]
    assert current.loc["A", "variable"] == "pb210" and current["answered"].sum() == 2
    old = wh.observations("CENSUS_QUESTION", dataset_id=a.dataset_id).set_index("topic")
    assert old["value"].to_dict() == {"A": 0.0, "B": 0.0, "C": 0.0, "D": 1.0, "E": 0.0}
    # going back to the first answers is a third vintage (the current one differs), not a no-op
    c = record_compliance(wh, "eusilc13puf", ref_area="40", reference_year=2013, kind="survey",
                          varmap=parse_map(SILC_MAP))
    assert c.created and c.dataset_id not in (a.dataset_id, b.dataset_id)
    assert records(wh).set_index("topic")["answered"].to_dict() == {
        "A": False, "B": False, "C": False, "D": True, "E": False}


def test_rates_count_countries_once(wh: Warehouse) -> None:
    vm_full = parse_map("country_of_birth=b,citizenship=c,year_of_arrival=y")
    record_compliance(wh, "c1", ref_area="40", reference_year=2011, kind="census", varmap=vm_full)
    record_compliance(wh, "c1b", ref_area="40", reference_year=2011, kind="census",
                      varmap=parse_map("residence_past_date=r"))
    record_compliance(wh, "c2", ref_area="840", reference_year=2010, kind="census",
                      varmap=parse_map("country_of_birth=b"))
    # a survey of Austria in the same year: its own series, it hides none of the censuses' answers
    record_compliance(wh, "s1", ref_area="40", reference_year=2011, kind="survey",
                      varmap=parse_map("duration_of_residence=d"))
    rates = inclusion_rates(wh, census_round="2010").set_index("topic")
    # Austria answers A, C, D, E (c1 or c1b); the United States A only: 2 countries per topic
    assert rates["countries"].tolist() == [2, 2, 2, 2, 2]
    assert rates["inclusion_rate"].to_dict() == {"A": 1.0, "B": 0.0, "C": 0.5, "D": 0.5, "E": 0.5}
    both = inclusion_rates(wh, census_round="2010", kinds=["census", "survey"]).set_index("topic")
    assert both.loc["B", "inclusion_rate"] == 0.5
    assert inclusion_rates(wh, census_round="2020").empty


def test_bad_records_leave_the_warehouse_unchanged(wh: Warehouse) -> None:
    with pytest.raises(InputError, match="kind"):
        record_compliance(wh, "x", ref_area="40", reference_year=2011, kind="poll", varmap={})
    with pytest.raises(InputError, match="M49"):
        record_compliance(wh, "x", ref_area="AUT", reference_year=2011, kind="census", varmap={})
    with pytest.raises(ValidationError, match="'99999'"):  # not a code of AREA: refused by the store
        record_compliance(wh, "x", ref_area="99999", reference_year=2011, kind="census", varmap={})
    with pytest.raises(InputError, match="census round"):
        inclusion_rates(wh, census_round="2013")
    assert wh.datasets().empty
    record_compliance(wh, "x", ref_area="40", reference_year=2011, kind="census", varmap={})
    with pytest.raises(InputError, match="keeps its country and year"):
        record_compliance(wh, "x", ref_area="40", reference_year=2001, kind="census", varmap={})
    assert len(wh.datasets()) == 1
