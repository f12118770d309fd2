"""Map a file's variables onto the core census topics and the other roles corridor understands.

The five core topics of the UN *Principles and Recommendations for Population and Housing Censuses*
(Rev. 2, para. 2.136-2.150, repeated in the Migration and Development Series):

====  ==========================  ==============================================================
id    role                        question
====  ==========================  ==============================================================
A     ``country_of_birth``        place / country of birth
B     ``duration_of_residence``   duration of residence in the country (years)
C     ``residence_past_date``     place of residence at a specified date in the past /
                                  place of previous residence
D     ``citizenship``             citizenship
E     ``year_of_arrival``         year or period of arrival in the country
====  ==========================  ==============================================================

Other roles: ``region`` (area of residence within the country: the user's own codes, e.g. NUTS
regions or census zones, labelled from the codebook), ``sex``, ``age``, ``education``, ``occupation``
(ISCO-08), ``weight`` and the design variables ``strata``, ``psu``, ``fpc`` and ``replicate_weights``
(a prefix: every variable whose name starts with it).

A mapping is written ``role=VARIABLE,role=VARIABLE`` (``--map`` on the command line). Well-known
variable names of standard files (IPUMS, EU-SILC) are recognised by :func:`suggest_roles`, which
``corridor microdata inspect`` uses to say which topics a file can answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from corridor.config import mirror_dir
from corridor.errors import InputError

#: core topic letter -> role id (UN P&R Rev. 2 order)
CORE_TOPICS: dict[str, str] = {
    "A": "country_of_birth",
    "B": "duration_of_residence",
    "C": "residence_past_date",
    "D": "citizenship",
    "E": "year_of_arrival",
}

#: core topic letter -> question as the Principles and Recommendations word it
TOPIC_QUESTIONS: dict[str, str] = {
    "A": "place / country of birth",
    "B": "duration of residence in the country",
    "C": "place of residence at a specified date in the past / previous residence",
    "D": "citizenship",
    "E": "year or period of arrival",
}

#: every role a --map may name, with what it means
ROLES: dict[str, str] = {
    **{role: TOPIC_QUESTIONS[letter] for letter, role in CORE_TOPICS.items()},
    "region": "area of usual residence within the country (the user's own codes: NUTS, census zones)",
    "sex": "sex",
    "age": "age in completed years",
    "education": "educational attainment",
    "occupation": "occupation, ISCO-08 code",
    "weight": "person weight (expansion factor)",
    "strata": "design stratum",
    "psu": "primary sampling unit (cluster)",
    "fpc": "finite population correction (stratum population size)",
    "replicate_weights": "prefix of the replicate-weight variables",
}

_ROLE_RE = re.compile(r"^\s*([a-z_]+)\s*=\s*([^=,\s][^=,]*?)\s*$")


@dataclass(frozen=True)
class VariableMap:
    """Which variable of a file plays which role (``{"sex": "rb090", ...}``)."""

    roles: Mapping[str, str]

    def __getitem__(self, role: str) -> str:
        return self.roles[role]

    def get(self, role: str) -> str | None:
        return self.roles.get(role)

    def __contains__(self, role: object) -> bool:
        return role in self.roles

    def topics(self) -> dict[str, str | None]:
        """Core topic letter -> the variable answering it (``None`` when not mapped)."""
        return {letter: self.roles.get(role) for letter, role in CORE_TOPICS.items()}

    def resolve(self, name: str) -> str:
        """The file variable for a role name, or the name itself when it is not a mapped role."""
        return self.roles.get(name, name)

    def check(self, available: Iterable[str], *, file: str | None = None) -> None:
        """Raise :class:`InputError` when a mapped variable is not in the file (lists what is)."""
        have = list(available)
        for role, var in self.roles.items():
            if role == "replicate_weights":
                if not any(v.startswith(var) for v in have):
                    raise InputError(f"no variable starts with {var!r} (replicate_weights)", file=file)
                continue
            if var not in have:
                raise InputError(
                    f"variable {var!r} (mapped to {role}) is not in the file; available: {', '.join(have)}",
                    file=file,
                )


def parse_map(text: str | None) -> VariableMap:
    """Parse ``role=VARIABLE,role=VARIABLE``; a malformed pair or unknown role is an InputError."""
    roles: dict[str, str] = {}
    if not text:
        return VariableMap(roles)
    for part in text.split(","):
        if not part.strip():
            continue
        m = _ROLE_RE.match(part)
        if not m:
            raise InputError(f"bad --map entry {part.strip()!r}: expected ROLE=VARIABLE, e.g. sex=rb090")
        role, var = m.group(1), m.group(2)
        if role not in ROLES:
            raise InputError(f"unknown role {role!r} in --map; roles: {', '.join(ROLES)}")
        if role in roles:
            raise InputError(f"role {role!r} mapped twice in --map")
        roles[role] = var
    return VariableMap(roles)


#: Well-known variable names (upper case) of standard microdata files -> role.
#: IPUMS USA/CPS/International (usa.ipums.org variable pages) and EU-SILC (Eurostat, DocSILC065).
KNOWN_NAMES: dict[str, str] = {
    # IPUMS
    "BPL": "country_of_birth", "BPLD": "country_of_birth", "BPLCOUNTRY": "country_of_birth",
    "NATIVITY": "country_of_birth",
    "YRSUSA1": "duration_of_residence", "YRSUSA2": "duration_of_residence", "YRSRES": "duration_of_residence",
    "MIGRATE1": "residence_past_date", "MIGRATE5": "residence_past_date", "MIGRATE1D": "residence_past_date",
    "MIGCTRY1": "residence_past_date", "MIGCTRY5": "residence_past_date",
    "CITIZEN": "citizenship", "CITIZENSHIP": "citizenship",
    "YRIMMIG": "year_of_arrival", "YRIMM": "year_of_arrival",
    "SEX": "sex", "AGE": "age", "EDUC": "education", "EDATTAIN": "education",
    "OCCISCO": "occupation", "ISCO08": "occupation",
    "PERWT": "weight", "ASECWT": "weight", "WTFINL": "weight",
    "STRATA": "strata", "CLUSTER": "psu", "REPWTP": "replicate_weights",
    # EU-SILC (personal register / personal file)
    "PB210": "country_of_birth", "PB220A": "citizenship", "RB090": "sex", "RX020": "age",
    "PE040": "education", "PL051": "occupation", "RB050": "weight", "PB040": "weight",
    "DB040": "region", "DB050": "strata", "DB060": "psu",
}

#: Label patterns -> role, for files whose names are not standard (checked in order).
LABEL_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(country|place) of birth|birthplace|born in|nativity", re.I), "country_of_birth"),
    (re.compile(r"year(s)? (of )?(arrival|immigra)|period of arrival", re.I), "year_of_arrival"),
    (re.compile(r"(duration|length) of residence|years in (the )?(country|us)", re.I),
     "duration_of_residence"),
    (re.compile(r"migration status|previous residence|residence .*(year|ago)|usual residence .* ago",
                re.I), "residence_past_date"),
    (re.compile(r"citizenship|nationality", re.I), "citizenship"),
    (re.compile(r"^sex$|^gender$", re.I), "sex"),
    (re.compile(r"\bregion\b|area of residence|place of (usual )?residence", re.I), "region"),
    (re.compile(r"^age\b", re.I), "age"),
    (re.compile(r"educational attainment|education", re.I), "education"),
    (re.compile(r"occupation|isco", re.I), "occupation"),
    (re.compile(r"weight", re.I), "weight"),
]


def suggest_roles(names: Iterable[str], labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Guess ``{variable: role}`` from well-known names, then variable labels (first match wins).

    Only a suggestion for ``inspect``: tabulation uses the explicit ``--map``.
    """
    labels = labels or {}
    out: dict[str, str] = {}
    for name in names:
        role = KNOWN_NAMES.get(str(name).upper())
        if role is None:
            text = labels.get(name) or str(name).replace("_", " ")
            for pattern, r in LABEL_PATTERNS:
                if pattern.search(text):
                    role = r
                    break
        if role is not None:
            out[str(name)] = role
    return out


# --- occupations: ISCO-08 ----------------------------------------------------------------------

ISCO08_FILE = Path("occupations") / "_cwfcn_labels_isco08.sthlp"


@cache
def isco08_labels(path: str | None = None) -> dict[str, str]:
    """ISCO-08 codes -> titles, read from Ben Jann's crosswalk table (ILO structure, 2021 edition).

    The file lists 4-digit forms: major group ``1000``, sub-major ``1100``, minor ``1110``, unit
    ``1111`` (a unit group ending in 0 shares its code with its minor group: the first title wins,
    which is the minor group's). Codes are returned as 4-digit strings.
    """
    file = Path(path) if path else (mirror_dir() or Path("../shared/data")) / ISCO08_FILE
    if not file.is_file():
        raise InputError("ISCO-08 label file not found (the real-data mirror is needed)", file=str(file))
    out: dict[str, str] = {}
    in_table = False
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == "{asis}":
            in_table = True
            continue
        if not in_table or not line.strip():
            continue
        m = re.match(r'^(\d{4})\s+"(.*)"\s*$', line)
        if not m:
            raise InputError(f"unexpected line {line!r} in the ISCO-08 table", file=str(file), row=n)
        out.setdefault(m.group(1), m.group(2))
    return out


def isco08_major_group(code: object) -> str | None:
    """The ISCO-08 major group (one digit, ``"0"``..``"9"``) of a 1-4 digit code; ``None`` if not a code."""
    if code is None:
        return None
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not 1 <= len(text) <= 4:
        return None
    return text[0]
