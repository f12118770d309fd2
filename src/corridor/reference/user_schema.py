"""The schema of a declaration file of an office's own codes (:mod:`corridor.reference.user_codes`).

Pydantic models of the YAML a user registers (areas and age groups) and the reading of one file.
Kept apart from :mod:`~corridor.reference.user_codes` so that the area table, which every command
reads, loads pydantic only when a declaration is actually registered (``corridor stock`` starts fast).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corridor.errors import InputError

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")


class UserArea(BaseModel):
    """One area of an office's own geography."""

    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    parent: str
    valid_from: _dt.date | None = None
    valid_to: _dt.date | None = None
    aliases: list[str] = Field(default_factory=list)

    @field_validator("code", "parent", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return str(value).strip()

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not _CODE.match(value):
            raise ValueError(f"{value!r}: letters, digits, '_' and '-' only (at most 41)")
        return value


class UserAgeGroup(BaseModel):
    """An age group by its bounds in completed years (``to`` omitted: open-ended)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: int = Field(alias="from", ge=0, le=150)
    end: int | None = Field(default=None, alias="to", ge=0, le=150)
    label: str | None = None

    @property
    def code(self) -> str:
        """The SDMX CL_AGE notation of the group (``Y15T64``, ``Y65T_``)."""
        return f"Y{self.start}T{'_' if self.end is None else self.end}"

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        return f"{self.start} years or over" if self.end is None else f"{self.start} to {self.end} years"


class Declaration(BaseModel):
    """The contents of one declaration file."""

    model_config = ConfigDict(extra="forbid")
    areas: list[UserArea] = Field(default_factory=list)
    age_groups: list[UserAgeGroup] = Field(default_factory=list)


def schema_message(exc: ValidationError, file: str) -> InputError:
    """A pydantic error as an :class:`InputError` naming the key (``areas.0.parent``) and the reason."""
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    key = ".".join(p for p in loc if "[" not in p) or "(top level)"  # without pydantic's union tags
    reason = ("unknown key" if first["type"] == "extra_forbidden"
              else f"unknown role ({first['msg']})" if "[key]" in loc else first["msg"])
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return InputError(f"key {key!r}: {reason}{more}", file=file)


def read_declaration(path: Path) -> Declaration:
    """Read and check one declaration file (schema only; see :func:`check_declaration`)."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the declaration: {exc}", file=str(path)) from exc
    if not isinstance(doc, dict):
        raise InputError("a declaration is a YAML mapping with 'areas' and/or 'age_groups'", file=str(path))
    try:
        return Declaration.model_validate(doc)
    except ValidationError as exc:
        raise schema_message(exc, str(path)) from None
