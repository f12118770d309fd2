"""No 5xx for digits that are not ASCII (issue 11: ``lastNObservations=²``, ``/country/²`` and
``/corridor/484/¹`` answered 500).

Python's ``str.isdigit()`` is true for superscripts (``²``) while ``int("²")`` raises, and ``\\d`` in a
regular expression matches every script's digits; numbers in paths and parameters are ASCII digits only,
anything else is a 4xx saying what was wrong. Each path is tried with superscript, Arabic-Indic,
Devanagari and full-width digits.
"""

from __future__ import annotations

import pytest

DIGITS = {"superscript": "²", "superscript-3": "¹²³", "arabic-indic": "٨٤٠", "devanagari": "८४०",
          "full-width": "８４０"}
PATHS = (
    "/data/MIG_STOCK/840._T._T?lastNObservations={d}", "/data/MIG_STOCK/840._T._T?firstNObservations={d}",
    "/data/MIG_STOCK/840._T._T?startPeriod={d}", "/data/MIG_STOCK/840._T._T?endPeriod=2019-{d}",
    "/data/MIG_STOCK/{d}._T._T", "/data/MIG_STOCK/840.{d}._T", "/data/MIG_FLOW/all?startPeriod=201{d}",
    "/structure/codelist/CORRIDOR/CL_AREA/{d}", "/datasets/{d}", "/country/{d}", "/corridor/484/{d}",
    "/corridor/{d}/840", "/country/search?q={d}", "/explore?start={d}", "/explore?page={d}",
)
#: pages where such a value is a filter that matches nothing, or a parameter the page does not take:
#: any answer but a 5xx
LENIENT = ("/explore?ref_area={d}", "/country/840?year={d}", "/corridor/484/840?year={d}")


@pytest.mark.parametrize("digits", list(DIGITS.values()), ids=list(DIGITS))
@pytest.mark.parametrize("path", PATHS + LENIENT)
def test_unicode_digits_are_never_a_server_error(server, path, digits):
    response = server.get(path.format(d=digits), follow_redirects=True)
    low = 200 if path in LENIENT else 400
    assert low <= response.status_code < 500, (path, response.status_code, response.text[:300])
