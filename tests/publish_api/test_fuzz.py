"""Fuzz the served OpenAPI description with schemathesis: whatever it generates, no 5xx.

schemathesis reads ``/openapi.json`` from the real server process and generates requests for every
operation, in its two phases (issue 11, item 5): *positive* (values the schema allows) and *negative*
(values it does not: wrong types, broken formats, unexpected characters); each is sent over HTTP.
Bounded: ``EXAMPLES`` per operation and mode, derandomised so a run is reproducible. Checked: no
status >= 500 -- except 501, which SDMX REST prescribes for a parameter value the standard defines and
this service does not implement (``detail=serieskeysonly``, ``includeHistory=true``), allowed only for
those parameters -- and every JSON 4xx body carries a message saying what was wrong. The Unicode digits
that used to give 500 (``lastNObservations=²``, ``/country/²`` ...) are in test_unicode_digits.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

EXAMPLES = 40


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_no_server_errors(server, mode):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    seen: list[str] = []
    unbreakable: list[str] = []  # operations without negative cases
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case) -> None:
            response = case.call(base_url=server.url, timeout=60)
            seen.append(f"{case.method} {response.status_code}")
            where = f"{case.method} {case.formatted_path} {case.query}"
            if response.status_code == 501:  # SDMX REST: a feature of the standard not implemented here
                assert set(case.query or {}) & {"detail", "includeHistory"}, f"{where} -> 501: {response.text[:300]}"
            else:
                assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:300]}"
            content_type = response.headers.get("content-type", [""])
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            if 400 <= response.status_code < 500 and content_type.startswith("application/json"):
                assert response.json().get("message"), f"{where}: a 4xx without a message"

        try:
            check()
        except Unsatisfiable:
            # an operation with nothing to break (no parameters, no body: /portability/agreements) has no
            # negative cases; the positive phase sends it
            assert mode == GenerationMode.NEGATIVE, operation.label
            unbreakable.append(operation.label)
    fuzzed = len(operations) - len(unbreakable)
    assert fuzzed >= 5 and len(seen) >= fuzzed * 5  # the fuzzer really sent requests
