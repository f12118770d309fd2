"""Engine parametrization for the selection suite, with gaps declared as Ibis's backend tests do.

``@pytest.mark.notimpl(["spark"], raises=ValueError, reason=...)`` on a test parametrized by the
``engine`` fixture turns into a *strict* xfail for that engine only: the test must fail there with
that exception, so a gap that gets fixed (the test passes) fails the run and is noticed.
``@pytest.mark.broken(...)`` is the same for a wrong answer (``raises=AssertionError``).
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "notimpl(engines, raises, reason): the engines cannot do this (strict xfail)")
    config.addinivalue_line("markers",
                            "broken(engines, raises, reason): the engines give a wrong answer (strict xfail)")


@pytest.fixture(scope="session", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> str:
    """The engine a test runs on: every test using it runs on DuckDB and on Spark (local mode)."""
    return request.param


@pytest.fixture(autouse=True)
def _declared_gaps(request: pytest.FixtureRequest) -> None:
    """Apply ``notimpl``/``broken`` markers as strict xfails for the engine this test runs on."""
    callspec = getattr(request.node, "callspec", None)
    engine = callspec.params.get("engine") if callspec is not None else None
    for name in ("notimpl", "broken"):
        for marker in request.node.iter_markers(name):
            if engine in marker.args[0]:
                reason = f"{name} on {engine}: {marker.kwargs['reason']}"
                request.applymarker(pytest.mark.xfail(strict=True, raises=marker.kwargs["raises"], reason=reason))
