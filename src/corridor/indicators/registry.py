"""The indicator registry (``data/indicators.yaml``): every derived measure as data.

Each entry names the indicator, its formula and inputs, the dataflow and MEASURE code it is written
under, whether the data corridor holds can give it (and what limits it), and where it sits in the
balance sheet of the UN Migration and Development Series: development *dimension* (income, savings and
wealth; reduced risk and vulnerability; access to services; empowerment), *level* (household,
community, country) and *location* (origin, transit, destination), with the expected *sign* of its
effect, the reason for that sign and the reference of the definition. ``docs/indicators.md`` is
generated from it (:func:`markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from corridor.errors import InputError

DIMENSIONS: dict[str, str] = {
    "income": "Income, savings and wealth",
    "risk": "Reduced risk and vulnerability",
    "services": "Access to services (health, education)",
    "empowerment": "Empowerment",
}
LEVELS: tuple[str, ...] = ("household", "community", "country")
LOCATIONS: tuple[str, ...] = ("origin", "transit", "destination")
SIGNS: tuple[str, ...] = ("positive", "ambiguous", "negative")
FIELDS: tuple[str, ...] = ("name", "formula", "inputs", "output", "computable", "dimension", "level",
                           "location", "sign", "sign_reason", "reference")
REGISTRY_FILE = "src/corridor/indicators/data/indicators.yaml"


@dataclass(frozen=True)
class Indicator:
    """One registered indicator (see the module docstring)."""

    id: str
    name: str
    formula: str
    inputs: tuple[str, ...]
    dataflow: str | None
    measure: str | None
    computable: bool
    dimension: str
    level: str
    location: str
    sign: str
    sign_reason: str
    reference: str
    limits: str | None = None


def _parse(ind_id: str, body: dict) -> Indicator:
    where = f"{REGISTRY_FILE}: {ind_id}"
    missing = [f for f in FIELDS if f not in body]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(body) - set(FIELDS) - {"limits"})
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}")
    checks = {"dimension": tuple(DIMENSIONS), "level": LEVELS, "location": LOCATIONS, "sign": SIGNS}
    for name, allowed in checks.items():
        if body[name] not in allowed:
            raise InputError(f"{where}: {name} {body[name]!r} is not one of {', '.join(allowed)}")
    if not isinstance(body["computable"], bool):
        raise InputError(f"{where}: computable must be true or false (say why in limits)")
    if not body["computable"] and not body.get("limits"):
        raise InputError(f"{where}: an indicator that cannot be computed must say why (limits)")
    output = body["output"] or {}
    return Indicator(
        id=ind_id, name=body["name"], formula=body["formula"], inputs=tuple(body["inputs"]),
        dataflow=output.get("dataflow"), measure=output.get("measure"), computable=body["computable"],
        dimension=body["dimension"], level=body["level"], location=body["location"], sign=body["sign"],
        sign_reason=body["sign_reason"], reference=body["reference"], limits=body.get("limits"),
    )


def load(text: str) -> dict[str, Indicator]:
    """Parse a registry document (YAML text); a bad entry is an :class:`InputError` naming it."""
    doc = yaml.safe_load(text) or {}
    return {ind_id: _parse(ind_id, body) for ind_id, body in doc.items()}


@cache
def _registry() -> dict[str, Indicator]:
    text = (files("corridor.indicators") / "data" / "indicators.yaml").read_text(encoding="utf-8")
    return load(text)


def indicators() -> dict[str, Indicator]:
    """Every registered indicator by id, in the registry's order."""
    return dict(_registry())


def by_measure(dataflow: str, measure: str) -> Indicator:
    """The indicator written under ``dataflow`` / ``measure``; unknown is an :class:`InputError`."""
    for ind in _registry().values():
        if ind.dataflow == dataflow and ind.measure == measure:
            return ind
    raise InputError(f"no registered indicator is written as {dataflow} {measure} ({REGISTRY_FILE})")


def markdown(registry: dict[str, Indicator] | None = None) -> str:
    """``docs/indicators.md``: the registry as a document (generated; do not edit the file by hand)."""
    registry = indicators() if registry is None else registry
    lines = [
        "# Indicators",
        "",
        "<!-- generated from src/corridor/indicators/data/indicators.yaml by "
        "scripts/gen_indicators_doc.py; do not edit by hand -->",
        "",
        "Derived measures corridor computes from the warehouse (`corridor.indicators`). Each is defined as "
        "data in the registry; this page is generated from it and a test fails when the two drift. "
        "`corridor indicators compute` writes them as dataflows with provenance; `corridor indicators "
        "list` prints the registry.",
        "",
        "Balance-sheet position: development dimension (UN Migration and Development Series: "
        + "; ".join(f"`{k}` {v}" for k, v in DIMENSIONS.items())
        + "), level (" + ", ".join(LEVELS) + ") and location (" + ", ".join(LOCATIONS) + "). The sign "
        "is the expected direction of the effect on development of a *higher* value.",
        "",
        "| id | name | written as | dimension / level / location | sign | computable |",
        "|---|---|---|---|---|---|",
    ]
    for ind in registry.values():
        out = f"`{ind.dataflow}` `{ind.measure}`" if ind.dataflow else "not written"
        lines.append(f"| `{ind.id}` | {ind.name} | {out} | {ind.dimension} / {ind.level} / {ind.location} "
                     f"| {ind.sign} | {'yes' if ind.computable else 'no'} |")
    for ind in registry.values():
        lines += [
            "", f"## `{ind.id}`: {ind.name}", "",
            f"- **Formula**: {ind.formula}",
            f"- **Inputs**: {', '.join(f'`{i}`' for i in ind.inputs)}",
            f"- **Written as**: dataflow `{ind.dataflow}`, measure `{ind.measure}`" if ind.dataflow
            else "- **Written as**: not written",
            f"- **Computable here**: {'yes' if ind.computable else 'no'}",
        ]
        if ind.limits:
            lines.append(f"- **Limits**: {ind.limits}")
        lines += [
            f"- **Balance sheet**: {DIMENSIONS[ind.dimension]}; {ind.level} level; {ind.location}",
            f"- **Expected sign**: {ind.sign}: {ind.sign_reason}",
            f"- **Reference**: {ind.reference}",
        ]
    return "\n".join(lines) + "\n"
