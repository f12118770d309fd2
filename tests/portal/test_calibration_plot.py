"""The calibration plot of the flow intervals on ``/sources``, in a real browser (issue 9).

What it proves: the page draws the plot (nominal against observed coverage, one line per method and
cross-validation scheme, plus the dashed line of perfect calibration) from the shipped calibration, states
the interval's meaning in the sentence every flow carries, fetches nothing from another host, and saves a
screenshot (``test-artifacts/screenshots/sources-calibration.png``).
"""

from __future__ import annotations

import pytest

from corridor.estimate.flows.intervals import calibration

pytestmark = pytest.mark.browser


def test_sources_page_draws_the_calibration_plot(visit):
    cal = calibration()
    visit.open("/sources#calibration")
    visit.wait_charts()
    page = visit.page
    section = page.inner_text("#calibration")
    assert "90% prediction interval for the flow a population register would record" in section
    assert "extrapolated" in section and f"{cal['pairs']:,} flows" in section
    # 7 methods x 2 schemes = 14 coverage lines and the diagonal; 4 levels each: 56 points
    lines = page.eval_on_selector("#calibration-plot", "el => el.querySelectorAll('svg path.mark-line path, "
                                  "svg g.mark-line path').length")
    points = page.eval_on_selector("#calibration-plot",
                                   "el => el.querySelectorAll('svg g.mark-symbol.role-mark path').length")
    assert lines >= 15 and points == 4 * len(cal["table"])
    page.locator("#calibration").scroll_into_view_if_needed()
    path = visit.screenshot("sources-calibration")
    page.locator("#calibration").screenshot(path=str(path.with_name("sources-calibration-plot.png")))
    assert visit.outside_requests() == []
    assert visit.errors == []
