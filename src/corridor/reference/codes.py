"""Codelists: SEX, AGE, OBS_STATUS, CONF_STATUS, UNIT_MEASURE, METHOD, CORE_TOPIC
(``data/codelists.yaml``) and AREA (UN M49 with historical and non-standard areas, from
:mod:`corridor.reference.areas`, plus ``_T`` for the total over areas).

These are the only definitions of codes in corridor: the store validates writes against them and the
API renders them.

OBS_STATUS and CONF_STATUS carry the labels of the SDMX cross-domain code lists (CL_OBS_STATUS 2.2,
CL_CONF_STATUS 1.3); SEX follows CL_SEX; AGE uses SDMX ``Y<from>T<to>`` notation (``Y0T4`` ...
``Y95T99``, ``Y100T_`` 100 or over, ``Y_LT18`` under 18, ``Y15T24`` youth, ``_T`` all ages).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from corridor.errors import InputError
from corridor.reference.areas import area_table
from corridor.reference.user_codes import user_age_groups

#: OBS_STATUS codes that mark a missing value (the value cell is NULL): not collected, cannot exist,
#: missing, suppressed.
MISSING_STATUSES = frozenset({"L", "M", "O", "Q"})
_WPP_AGE = re.compile(r"^(\d+)\s*[-–]\s*(\d+)$")
_WPP_OPEN = re.compile(r"^(\d+)\s*\+$")
_AGE_CODE = re.compile(r"^Y(\d+)T(\d+|_)$")


@cache
def _lists() -> dict[str, dict[str, str]]:
    path = files("corridor.reference") / "data" / "codelists.yaml"
    with path.open(encoding="utf-8") as f:
        import yaml  # loaded with the registry, not with the module (commands start fast)

        doc = yaml.load(f, Loader=yaml.CSafeLoader)  # the safe loader in C (PyYAML wheels ship libyaml)
    lists = {name: {str(k): str(v) for k, v in body["codes"].items()} for name, body in doc.items()}
    for code, label in user_age_groups().items():  # an office's own age groups (corridor register)
        lists["AGE"].setdefault(code, label)
    return lists


#: Name of each codelist (SDMX codelist id ``CL_<NAME>``).
CODELIST_NAMES: dict[str, str] = {
    "AREA": "Areas (UN M49 numeric codes)", "SEX": "Sex", "AGE": "Age groups",
    "OBS_STATUS": "Observation status", "CONF_STATUS": "Confidentiality status",
    "UNIT_MEASURE": "Unit of measure", "METHOD": "Methods (published, or corridor's estimation method ids)",
    "CORE_TOPIC": "Core census questions on international migration",
    "ISCO08": "Occupations (ISCO-08 major and sub-major groups)",
    "FLOW_DIRECTION": "Direction of a recorded migration (immigration, emigration)",
    "REMIT_COST_MEASURE": "Measures of remittance costs against SDG target 10.c",
    "TREATY": "Treaties on the rights of migrants",
    "INTEGRATION_MEASURE": "Migrant-native gaps (integration indicators)",
    "RC_BREAKDOWN": "Breakdowns of SDG 10.7.1 (occupation group, sector)",
    "EXCH_QUALITY": "Matching quality measures of the labour mobility exchange",
}


@cache
def _areas() -> dict[str, str]:
    table = area_table()
    out = {"_T": "Total (all areas)"}
    out.update({str(k): str(v) for k, v in zip(table["m49"], table["name"], strict=True)})
    return out


def codelists() -> list[str]:
    """Names of the codelists (``AREA``, ``SEX``, ``AGE``, ``OBS_STATUS``, ...)."""
    return ["AREA", *_lists()]


def codes(codelist: str) -> dict[str, str]:
    """``{code: label}`` of a codelist, in the order of its file."""
    name = codelist.upper()
    if name == "AREA":
        return dict(_areas())
    lists = _lists()
    if name not in lists:
        raise InputError(f"unknown codelist {codelist!r}; known: {', '.join(codelists())}")
    return dict(lists[name])


def check_code(codelist: str, value: object, *, file: str | None = None, row: int | None = None,
               column: str | None = None) -> str:
    """Return ``value`` if it is a code of ``codelist``; raise :class:`InputError` naming the valid codes."""
    table = codes(codelist)
    s = "" if value is None else str(value).strip()
    if s in table:
        return s
    raise InputError(
        f"{s!r} is not a {codelist.upper()} code; valid codes: {', '.join(table)}",
        file=file, row=row, column=column,
    )


def wpp_age_code(label: object) -> str:
    """The AGE code of a WPP age label: ``"0-4"`` -> ``Y0T4``, ``"100+"`` -> ``Y100T_``.

    Only the 5-year groups of the codelist are accepted (``"0-4"`` ... ``"95-99"``), ``"100+"`` and
    ``"Total"``; anything else raises :class:`InputError`.
    """
    s = str(label).strip()
    if s.lower() == "total":
        return "_T"
    m = _WPP_AGE.match(s)
    code = f"Y{int(m.group(1))}T{int(m.group(2))}" if m else None
    m_open = _WPP_OPEN.match(s)
    if m_open:
        code = f"Y{int(m_open.group(1))}T_"
    if code is None or code not in _lists()["AGE"]:
        raise InputError(f"age label {s!r} is not a WPP 5-year group ('0-4' ... '95-99') or '100+'")
    return code


def age_bounds(code: str) -> tuple[int, int | None]:
    """Completed-years bounds of an AGE code: ``Y15T24`` -> ``(15, 24)``, ``Y100T_`` -> ``(100, None)``,
    ``Y_LT18`` -> ``(0, 17)``, ``_T`` -> ``(0, None)``."""
    c = check_code("AGE", code)
    if c == "_U":
        raise InputError("age unknown (_U) has no bounds")
    if c == "_T":
        return (0, None)
    if c == "Y_LT18":
        return (0, 17)
    m = _AGE_CODE.match(c)
    assert m is not None  # every other code of the list has this form
    return (int(m.group(1)), None if m.group(2) == "_" else int(m.group(2)))
