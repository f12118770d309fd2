"""The mapping file of a user's table: its schema, checked before a single cell is read.

Every key is documented in ``docs/adding-a-source.md`` (section 3). The schema is a set of pydantic
models with ``extra="forbid"``: an unknown key (``decimal:`` at the top level, ``sep:``), a value of
the wrong type, a dataflow that is not registered or a concept that is not in the concept registry
is an :class:`~corridor.errors.InputError` naming the file and the key (``numbers.decimal``) — never
ignored. Nothing in a mapping is guessed: the number format, the code system of each area column,
the labels that mean "total" are all declared.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridor.errors import InputError
from corridor.reference.concepts import concepts
from corridor.reference.dataflows import dataflows
from corridor.reference.user_schema import schema_message

#: Column roles: what a column (or, in a wide table, a header row) holds.
AREA_ROLES = ("residence", "birthplace", "citizenship", "previous_residence", "next_residence")
ROLES = (*AREA_ROLES, "direction", "sex", "age", "year", "count", "status")
#: Code systems an area column may be written in.
AREA_SYSTEMS = ("m49", "iso2", "iso3", "names", "user")

Strict = ConfigDict(extra="forbid")


class Numbers(BaseModel):
    """How the numbers are written: declared, never guessed (``21969,0`` needs ``decimal: ","``).

    Without ``decimal`` only whole numbers written as plain digits are read: ``56023.0`` then needs
    ``decimal: "."`` — a separator nobody declared is never taken for one or the other."""

    model_config = Strict
    decimal: Literal[".", ","] | None = None
    thousands: Literal[",", ".", " ", "'", "\u00a0", "\u202f"] | None = None
    scale: Literal[1, 1000, 1000000] = 1
    missing: dict[str, Literal["O", "M", "L", "Q"]] = Field(
        default_factory=lambda: {"..": "O", "": "O", "-": "M", "…": "O", "NA": "O", "x": "Q"})

    @model_validator(mode="after")
    def _distinct(self) -> Numbers:
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(f"thousands and decimal separators are both {self.decimal!r}")
        return self


class Wide(BaseModel):
    """A wide table: the value cells spread over columns that are areas, years or sexes."""

    model_config = Strict
    #: what each header row holds, top to bottom; ``null`` for a row between them that holds nothing
    header_rows: list[Literal[AREA_ROLES + ("direction", "sex", "age", "year")] | None] = Field(min_length=1)  # type: ignore[valid-type]

    @property
    def roles(self) -> list[str]:
        return [r for r in self.header_rows if r is not None]
    ignore_columns: list[str] = Field(default_factory=list)


class Codes(BaseModel):
    """Code systems and label tables."""

    model_config = Strict
    areas: Literal[AREA_SYSTEMS] | dict[str, Literal[AREA_SYSTEMS]] = "m49"  # type: ignore[valid-type]
    names_source: str = "undesa-ims-2019-od"
    code_source: str | None = None  # a source's own alpha-3 codes (worldbank, unhcr)
    sex: dict[str, str] = Field(default_factory=dict)
    age: dict[str, str] | Literal["eurostat"] = Field(default_factory=dict)
    direction: dict[str, str] = Field(default_factory=dict)
    status: dict[str, str] = Field(default_factory=dict)

    @field_validator("areas")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(AREA_ROLES))
            if unknown:
                raise ValueError(f"{', '.join(unknown)} are not area roles ({', '.join(AREA_ROLES)})")
        return value

    def system(self, role: str) -> str:
        """The code system of an area role's column."""
        return self.areas if isinstance(self.areas, str) else self.areas.get(role, "m49")


class Totals(BaseModel):
    """Labels that mean "all" (a totals row or column), and how closely totals must match their parts."""

    model_config = Strict
    labels: list[str] = Field(default_factory=list)
    relative: float = Field(default=0.0, ge=0)
    absolute: float = Field(default=0.5, ge=0)
    check: list[Literal["ref_area", "counterpart_area", "sex", "age"]] | None = None
    on_mismatch: Literal["error", "warn"] = "error"


class Mapping(BaseModel):
    """A whole mapping file (see docs/adding-a-source.md for each key)."""

    model_config = Strict
    title: str | None = None
    publisher: str | None = None
    licence: str | None = None
    source_url: str | None = None
    copy_of: str | None = None
    vintage: str | None = None
    series: str | None = None
    concept: str
    kind: Literal["census", "register", "survey", "estimate"] | None = None
    access: Literal["public", "restricted"] = "public"
    dataflow: str = "MIG_STOCK"
    sheet: str | None = None
    skip_rows: int = Field(default=0, ge=0)
    end_at_blank_row: bool = False  # the table ends at its first empty row (notes follow in a workbook)
    identical_repeats: Literal["error", "keep_one"] = "error"  # an aggregate listed twice with the same value
    layout: Literal["long", "wide"] = "long"
    wide: Wide | None = None
    columns: dict[Literal[ROLES], str] = Field(default_factory=dict)  # type: ignore[valid-type]
    constants: dict[Literal[ROLES], str] = Field(default_factory=dict)  # type: ignore[valid-type]
    numbers: Numbers = Field(default_factory=Numbers)
    codes: Codes = Field(default_factory=Codes)
    totals: Totals = Field(default_factory=Totals)
    aliases: str | None = None  # a CSV (name,area) of the user's own spellings, beside the mapping
    reference_date: _dt.date | Literal["row"] | None = None

    @field_validator("vintage", "series", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @field_validator("constants", mode="before")
    @classmethod
    def _constants(cls, value: Any) -> Any:
        return {k: str(v) for k, v in (value or {}).items()}

    @field_validator("concept")
    @classmethod
    def _concept(cls, value: str) -> str:
        if value not in concepts():
            raise ValueError(f"{value!r} is not in the concept registry ({', '.join(sorted(concepts()))})")
        return value

    @field_validator("dataflow")
    @classmethod
    def _dataflow(cls, value: str) -> str:
        if value not in dataflows():
            raise ValueError(f"{value!r} is not a registered dataflow ({', '.join(dataflows())})")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Mapping:
        from_headers = set(self.wide.roles) if self.wide else set()
        if self.layout == "wide" and self.wide is None:
            raise ValueError("layout: wide needs a 'wide' section (header_rows)")
        if self.layout == "long" and self.wide is not None:
            raise ValueError("a 'wide' section needs layout: wide")
        given = set(self.columns) | set(self.constants) | from_headers
        both = set(self.columns) & (set(self.constants) | from_headers)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} given twice (columns and constants/header rows)")
        if "residence" not in given:
            raise ValueError("say which column is 'residence' (or give constants.residence)")
        if self.layout == "long" and "count" not in self.columns:
            raise ValueError("say which column is 'count'")
        if self.layout == "wide" and "count" in self.columns:
            raise ValueError("a wide table's counts are its value columns: no columns.count")
        counterparts = sorted(given & set(AREA_ROLES[1:]))
        if len(counterparts) > 1:
            raise ValueError(f"give one of {', '.join(counterparts)}, not several")
        if "year" not in given:
            raise ValueError("give a year column (or constants.year)")
        return self

    @property
    def counterpart_role(self) -> str | None:
        given = set(self.columns) | set(self.constants) | set(self.wide.roles if self.wide else ())
        found = [r for r in AREA_ROLES[1:] if r in given]
        return found[0] if found else None


#: The keys the old long-only mapping put at the top level that now live elsewhere (for the message).
MOVED = {"decimal": "numbers.decimal", "thousands": "numbers.thousands", "sep": "numbers.thousands",
         "scale": "numbers.scale", "missing": "numbers.missing"}


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file and check it against the schema; errors name the file and the key."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the mapping: {exc}", file=str(path)) from exc
    if not isinstance(doc, dict):
        raise InputError("the mapping must be a YAML mapping (key: value)", file=str(path))
    return parse_mapping(doc, file=str(path))


def parse_mapping(doc: dict[str, Any], *, file: str) -> Mapping:
    """Check a mapping already read (a dict) against the schema."""
    for key, where in MOVED.items():
        if key in doc:
            raise InputError(f"key {key!r}: unknown key at the top level; did you mean {where}?", file=file)
    try:
        return Mapping.model_validate(doc)
    except ValidationError as exc:
        raise schema_message(exc, file) from None
