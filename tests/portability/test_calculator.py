"""The portability calculator against published worked examples and hand computations.

What this proves:

* Holzmann, Fuchs, Elitok and Dale (2016), IZA Journal of European Labor Studies 5:13, Table 7 (State A:
  EUR 800 full pension after 40 years, 2% a year, 20 years to qualify; State B: 50% of EUR 1,000 plus 1% a
  year, 25 years to qualify, 50 years at most; the worker has 18 years in A and 24 in B): the *direct*
  calculation pays EUR 288 + EUR 640 = EUR 928 (all three published); the *pro-rata* calculation pays
  A 18/40 x EUR 800 = EUR 360 (the stored excerpt of the table breaks off at "18/40 x EUR 800 = EUR 3", so
  the fraction and the first digit are checked against the source and 360 is their product) and B
  24/42 x EUR 920 = EUR 525.71 (the theoretical EUR 920 is published; the product is ours);
* Citizens Information (Ireland), case study "Calculating your pension under bilateral social security
  agreements" (Ireland-United States): 600 Irish and 1,200 US contributions over 34 years; the Irish
  pension on Irish contributions alone (yearly average 17.65 -> 18) is EUR 180.70 (2024, published), the
  notional (theoretical) rate is the maximum (yearly average 52.9, published) and the higher of the two
  is paid (art. 52(3) in a bilateral agreement);
* art. 57 (periods under one year) and aggregation (art. 6) by hand.
"""

from __future__ import annotations

import time

import pytest

from corridor.errors import InputError
from corridor.portability.agreements import load_agreements
from corridor.portability.calculator import calculate
from corridor.portability.formulas import load_schemes

AGREEMENTS = load_agreements()
SCHEMES = load_schemes()


def _by_scheme(result: dict) -> dict[str, dict]:
    return {r["scheme"]: r for r in result["schemes"]}


def test_holzmann_2016_direct_calculation() -> None:
    out = calculate({"EXAMPLE_A": 18, "EXAMPLE_B": 24}, AGREEMENTS["HOLZMANN-AB-DIRECT"], SCHEMES)
    got = _by_scheme(out)
    assert got["EXAMPLE_A"]["independent"] is None and got["EXAMPLE_B"]["independent"] is None  # 18 < 20, 24 < 25
    assert got["EXAMPLE_A"]["benefit"] == pytest.approx(288.0)
    assert got["EXAMPLE_B"]["benefit"] == pytest.approx(640.0)
    assert out["total_benefit"] == pytest.approx(928.0)


def test_holzmann_2016_pro_rata_calculation_with_the_maximum_period_clause() -> None:
    out = calculate({"EXAMPLE_A": 18, "EXAMPLE_B": 24}, AGREEMENTS["HOLZMANN-AB-PRORATA"], SCHEMES)
    got = _by_scheme(out)
    assert got["EXAMPLE_A"]["theoretical"] == pytest.approx(800.0)
    assert got["EXAMPLE_B"]["theoretical"] == pytest.approx(920.0)
    assert got["EXAMPLE_A"]["fraction"] == pytest.approx(18 / 40)  # the clause: 40, not 42
    assert got["EXAMPLE_A"]["benefit"] == pytest.approx(360.0)
    assert got["EXAMPLE_B"]["fraction"] == pytest.approx(24 / 42)  # 42 < B's maximum of 50
    assert got["EXAMPLE_B"]["benefit"] == pytest.approx(525.71, abs=0.01)
    # under Regulation 883/2004 itself (no clause) A pays 18/42 of the same theoretical amount
    plain = _by_scheme(calculate({"EXAMPLE_A": 18, "EXAMPLE_B": 24}, AGREEMENTS["EU-883"], SCHEMES))
    assert plain["EXAMPLE_A"]["benefit"] == pytest.approx(800 * 18 / 42, abs=0.005)  # amounts in cents


def test_ireland_united_states_case_study_pays_the_higher_amount() -> None:
    out = calculate({"IE_SPC_2024": 600, "US": 1200}, AGREEMENTS["US-IE"], SCHEMES,
                    context={"IE_SPC_2024": {"working_years": 34}})
    ie = _by_scheme(out)["IE_SPC_2024"]
    assert ie["independent"] == pytest.approx(180.70)
    assert ie["theoretical"] == pytest.approx(277.30)
    assert ie["pro_rata"] == pytest.approx(277.30 * 600 / 1800, abs=0.01)
    assert ie["benefit"] == pytest.approx(180.70) and ie["basis"].startswith("independent")
    assert _by_scheme(out)["US"]["benefit"] is None  # no US formula in the data: periods only


def test_periods_under_one_year_and_aggregation_by_hand() -> None:
    # three schemes of the A type; 0.5 year under the third: it pays nothing (art. 57(1)); the others
    # count the half year in the theoretical amount (30.5 years) but not in the fraction (x/30)
    schemes = {**SCHEMES, "A2": {**SCHEMES["EXAMPLE_A"], "id": "A2"}, "A3": {**SCHEMES["EXAMPLE_A"], "id": "A3"}}
    out = _by_scheme(calculate({"EXAMPLE_A": 12, "A2": 18, "A3": 0.5}, AGREEMENTS["EU-883"], schemes))
    assert out["A3"]["benefit"] == 0.0
    assert out["EXAMPLE_A"]["theoretical"] == pytest.approx(800 * 0.02 * 30.5)
    assert out["EXAMPLE_A"]["benefit"] == pytest.approx(800 * 0.02 * 30.5 * 12 / 30, abs=0.005)
    assert out["A2"]["benefit"] == pytest.approx(800 * 0.02 * 30.5 * 18 / 30, abs=0.005)
    # without totalisation neither qualifies (12 < 20 and 18 < 20): nothing is paid
    no_total = AGREEMENTS["EU-883"].__class__(**{**AGREEMENTS["EU-883"].__dict__, "totalisation": False})
    assert calculate({"EXAMPLE_A": 12, "A2": 18}, no_total, schemes)["total_benefit"] == 0.0


def test_bad_periods_are_refused_and_the_calculator_is_fast() -> None:
    with pytest.raises(InputError, match="periods must be numbers >= 0"):
        calculate({"EXAMPLE_A": -1}, AGREEMENTS["EU-883"], SCHEMES)
    start = time.perf_counter()
    for _ in range(200):
        calculate({"EXAMPLE_A": 18, "EXAMPLE_B": 24}, AGREEMENTS["HOLZMANN-AB-PRORATA"], SCHEMES)
    assert (time.perf_counter() - start) / 200 < 0.010  # issue 13: under 10 ms per person
