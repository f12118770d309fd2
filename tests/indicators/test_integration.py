"""Integration gaps (migrants vs natives) with the design-based SE of the difference, against R survey.

What each check proves: for five cases (employment overall; tertiary education at 16-29; equivalised
income of women; at-risk-of-poverty overall; employment of the tertiary-educated, the interlinkage
table) the domain means, the gap and the SE of the gap equal R survey 4.1.1's ``svyby(covmat = TRUE)``
+ ``svycontrast`` on the same design (strata db040, PSUs db030 within strata, weights rb050), which
tests/indicators/data/integration_reference.R computes from the mirror file and
integration_reference.csv records with its R and survey versions; the at-risk-of-poverty threshold
agrees too. Small domains are suppressed (Q) and housing is reported as not computable, never filled.

Broken on purpose once: dropping the n/(n-1) factor of the with-replacement variance made every SE
comparison fail.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from corridor.indicators.integration_eusilc import DESIGN as SILC
from corridor.indicators.integration_eusilc import gaps, interlinkage, read

REFERENCE = Path(__file__).parent / "data" / "integration_reference.csv"
MICRODATA = Path("microdata") / "eusilc13puf.rda"


@pytest.fixture(scope="module")
def data(mirror: Path):
    return read(mirror / MICRODATA)


@pytest.fixture(scope="module")
def table(data):
    return gaps(data)


@pytest.fixture(scope="module")
def reference() -> list[dict[str, str]]:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# R 4.2.2, survey 4.1.1")
    return list(csv.DictReader(lines[1:]))


def _ours(data, table, measure: str, breakdown: str) -> dict:
    if breakdown.startswith("education"):
        cross = interlinkage(data)
        return cross[cross.education == breakdown.split()[1]].iloc[0].to_dict()
    sex, age = "_T", "_T"
    if breakdown.startswith("sex"):
        sex = breakdown.split()[1]
    if breakdown.startswith("age"):
        age = breakdown.split()[1]
    return table[(table.measure == measure) & (table.sex == sex) & (table.age == age)].iloc[0].to_dict()


def test_gaps_equal_r_survey_svyby_svycontrast(data, table, reference) -> None:
    assert len(reference) == 5
    for ref in reference:
        ours = _ours(data, table, ref["measure"], ref["breakdown"])
        for key in ("migrants", "natives", "gap", "se_gap", "se_migrants", "se_natives"):
            assert ours[key] == pytest.approx(float(ref[key]), rel=1e-9), (ref["measure"], ref["breakdown"], key)
        assert ours["df"] == int(ref["df"])
        assert data.attrs["arop_threshold"] == pytest.approx(float(ref["arop_threshold"]), rel=1e-12)


def test_the_covariance_of_the_two_domains_is_kept(data, table) -> None:
    """Migrants and natives share households: the SE of the gap is not sqrt(se_M^2 + se_N^2)."""
    row = _ours(data, table, "AROP", "_T")
    independent = np.hypot(row["se_migrants"], row["se_natives"])
    assert row["se_gap"] != pytest.approx(independent, rel=1e-6)


def test_small_domains_are_suppressed_and_housing_is_not_filled(data, table) -> None:
    assert set(table.obs_status) <= {"A", "U", "Q", "O", "L"}
    table = gaps(data, min_respondents=200)
    young = table[(table.measure == "TERTIARY") & (table.age == "Y16T29")].iloc[0]
    assert young.n_migrants < 200 and young.obs_status == "Q" and np.isnan(young.gap) and np.isnan(young.migrants)
    housing = table[table.measure == "HOUSING"].iloc[0]
    assert housing.obs_status == "L" and "not computable" in housing.note
    outside = table[(table.measure == "EMP") & (table.age == "Y65T_")].iloc[0]
    assert outside.obs_status == "O"                       # employment is measured at 20-64 only
    assert (table.basis.str.contains("synthetic")).all() and SILC.psu == "db030"


def test_written_as_integration_gap_with_its_interval(writable_warehouse: Path, mirror: Path, reference) -> None:
    from corridor.indicators.write import integration_gaps
    from corridor.store.selection import Selection
    from corridor.store.warehouse import Warehouse

    with Warehouse.open(writable_warehouse) as wh:
        written = integration_gaps(wh, str(mirror / MICRODATA), area="40", year="2013")
        obs = wh.select(Selection.of("INTEGRATION_GAP", access=None, ref_area="40"))
    assert written.rows == len(obs) and written.inputs[0].startswith("file:eusilc13puf.rda@")
    emp = obs[(obs.topic == "EMP") & (obs.sex == "_T") & (obs.age == "_T")].iloc[0]
    r_emp = next(r for r in reference if r["measure"] == "EMP" and r["breakdown"] == "_T")
    assert emp.value == pytest.approx(100 * float(r_emp["gap"]), rel=1e-9) and emp.unit_measure == "PT"
    assert emp.lower < emp.value < emp.upper and "Taylor" in emp.interval and "n=1005" in emp.basis
    assert obs[obs.topic == "EQ_INCOME"].unit_measure.eq("EUR").all()
    housing = obs[obs.topic == "HOUSING"].iloc[0]
    assert housing.obs_status == "L" and housing.value != housing.value
