"""Jinja2 rendering for the portal: one environment, the filters every page uses.

Numbers are never printed bare: the ``num`` filter writes "missing" for a NULL (missing is not zero),
``status`` turns an SDMX ``OBS_STATUS`` code into a badge labelled from the reference codelist.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from corridor.reference.codes import codes

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")

#: OBS_STATUS code -> label: the reference codelist (SDMX CL_OBS_STATUS 2.2, ``reference/data/codelists.yaml``).
OBS_STATUS_LABELS: dict[str, str] = codes("OBS_STATUS")


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: float, digits: int | None) -> str:
    """``value`` with thousands separators: ``digits`` decimals, or the precision it has (below 100 up
    to two decimals, so 4.61 stays 4.61 and never becomes 5; whole numbers without decimals)."""
    if digits is not None:
        return f"{value:,.{digits}f}"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 0.01 else f"{value:.2g}"


def num(value: Any, digits: int | None = None) -> Markup:
    """Format a number with thousands separators; a missing value reads "missing", never 0.

    Without ``digits`` a number keeps the precision it has (see :func:`_plain`)."""
    if is_missing(value):
        return Markup('<span class="missing">missing</span>')
    try:
        value = float(value)
    except (TypeError, ValueError):
        return Markup(escape(str(value)))
    return Markup(_plain(value, digits))


#: How a unit (SDMX ``UNIT_MEASURE``, ``reference/data/codelists.yaml``) is written beside a value:
#: prefix, suffix and the fewest decimals. Money always carries its currency; a percentage keeps at
#: least one decimal (4.61% against the 3% SDG 10.c target must not read "5").
UNIT_DISPLAY: dict[str, tuple[str, str, int]] = {"USD": ("US$\u00a0", "", 0), "PT": ("", "%", 1)}


def measure(value: Any, unit: Any) -> Markup:
    """A value with its unit (``US$ 1,234``, ``4.61%``); "missing" when NULL, never 0."""
    if is_missing(value):
        return num(value)
    prefix, suffix, least = UNIT_DISPLAY.get(str(unit), ("", "", 0))
    text = _plain(float(value), None)
    if least and "." not in text:
        text = f"{float(value):,.{least}f}"
    return Markup(f"{escape(prefix)}{text}{escape(suffix)}")


def signed(value: Any, digits: int = 0) -> Markup:
    """A difference with its sign and thousands separators (``+201,278``); "missing" when NULL."""
    if is_missing(value):
        return Markup('<span class="missing">missing</span>')
    return Markup(f"{float(value):+,.{digits}f}")


def status(code: Any) -> Markup:
    """An OBS_STATUS badge with its meaning as a tooltip and a screen-reader label."""
    if is_missing(code) or code == "":
        return Markup("")
    code = str(code)
    label = OBS_STATUS_LABELS.get(code, "unknown status")
    return Markup(
        f'<span class="badge s-{escape(code)}" title="OBS_STATUS {escape(code)}: {escape(label)}">'
        f"{escape(code)} · {escape(label)}</span>"
    )


def interval(lower: Any, upper: Any, text: Any = None, digits: int | None = None) -> Markup:
    """``[lower – upper]`` with what the interval is; empty when the number is not an estimate.
    ``digits``: decimals (0 for counts of persons, whose bounds are fractional only by estimation)."""
    if is_missing(lower) and is_missing(upper):
        return Markup("")
    what = "" if is_missing(text) or not text else f' title="{escape(text)}"'
    return Markup(f"<span class=\"interval\"{what}>[{num(lower, digits)} – {num(upper, digits)}]</span>")


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["num"] = num
templates.env.filters["status"] = status
templates.env.filters["signed"] = signed
templates.env.globals["measure"] = measure
templates.env.globals["interval"] = interval
templates.env.globals["OBS_STATUS_LABELS"] = OBS_STATUS_LABELS
templates.env.globals["is_missing"] = is_missing


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with ``context``; ``request`` is passed for ``url_for`` and the nav."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)
