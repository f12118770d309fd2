"""An office's own codes: its geographies and age groups, registered once, used everywhere.

A statistical office publishes on its own areas (Scotland within the United Kingdom, census zones
within Scotland) and its own age groups (Eurostat's 15-64 and 65 or over). They are declared in a
YAML file and registered with ``corridor register FILE``, which checks the declaration and keeps a
copy in the *user reference folder* (``CORRIDOR_USER_REFERENCE``, default ``var/reference``)::

    areas:                                   # the office's geographies
      - code: S92000003                      # its own code; stored as U_S92000003
        name: Scotland
        parent: "826"                        # the M49 area (or a registered user area) it lies in
        valid_from: 1707-05-01               # optional validity dates
        aliases: [Alba]                      # other spellings its tables use
    age_groups:                              # age groups by their bounds (completed years)
      - {from: 15, to: 64}                   # -> Y15T64 "15 to 64 years"
      - {from: 65}                           # -> Y65T_ "65 years or over"

Every registered file joins the reference: user areas enter the area table with kind ``user``
(so the AREA codelist, validation and the API know them, and the portal, which draws only areas of
kind ``country``, never plots or compares them as countries); user age groups enter the AGE
codelist. User area codes carry the prefix ``U_`` so that they can never be read as M49 codes.
Age codes follow the SDMX CL_AGE notation ``Y<from>T<to>`` (``Y<from>T_`` for an open group).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import threading
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corridor.errors import InputError

#: Prefix of every user area code in the warehouse (never an M49 number, never an ISO code).
USER_PREFIX = "U_"
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


def folder() -> Path:
    """The user reference folder (``CORRIDOR_USER_REFERENCE``, default ``var/reference``)."""
    return Path(os.environ.get("CORRIDOR_USER_REFERENCE", "var/reference"))


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


@cache
def declarations() -> tuple[tuple[str, Declaration], ...]:
    """Every registered declaration, by file name (sorted)."""
    global _loaded
    _loaded = registry_version()  # before reading: a registration made meanwhile is seen next time
    root = folder()
    if not root.is_dir():
        return ()
    return tuple((p.name, read_declaration(p)) for p in sorted(root.glob("*.yaml")))


#: The registry version the cached reference was read at (None: not read yet), and how many times the
#: reference was reloaded in this process (part of the key of caches that hold area names or codes).
_loaded: tuple[object, ...] | None = None
_generation = 0
_reload_lock = threading.Lock()


def registry_version() -> tuple[object, ...]:
    """A cheap fingerprint of the user reference folder: its path and the name, size and modification
    time of each declaration (one ``scandir``, no file read), so that a long-running process (the
    server) sees a ``corridor register`` made by another process without a restart."""
    root = folder()
    try:
        with os.scandir(root) as entries:
            files = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries
                           if e.name.endswith(".yaml") and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        files = []
    return (str(root.resolve()), tuple(files))


def generation() -> int:
    """How many times this process reloaded the reference (changes whenever registered codes may have)."""
    return _generation


def refresh_if_changed() -> bool:
    """Reload the reference if the registry changed since it was read; True if it did."""
    if _loaded is None or registry_version() == _loaded:
        return False
    with _reload_lock:
        if _loaded is not None and registry_version() != _loaded:
            reload()
            return True
    return False


def user_areas() -> list[dict[str, Any]]:
    """Rows for the area table: ``m49`` (``U_<code>``), ``name``, ``kind`` = ``user``, ``parent``, validity."""
    rows = []
    for _, decl in declarations():
        for area in decl.areas:
            rows.append({
                "m49": USER_PREFIX + area.code, "name": area.name, "kind": "user",
                "parent": parent_code(area.parent),
                "valid_from": area.valid_from.isoformat() if area.valid_from else None,
                "valid_to": area.valid_to.isoformat() if area.valid_to else None,
                "origin": "user", "note": "registered by the user (corridor register)",
            })
    return rows


def parent_code(parent: str) -> str:
    """The stored code of a declared parent: an M49 number as it is, a user area with its prefix."""
    return parent if parent.isdigit() or parent.startswith(USER_PREFIX) else USER_PREFIX + parent


def user_area_aliases() -> dict[str, str]:
    """``{name or own code: U_code}`` for every registered area (its code, name and aliases)."""
    out: dict[str, str] = {}
    for _, decl in declarations():
        for area in decl.areas:
            for spelling in (area.code, area.name, *area.aliases):
                out[spelling] = USER_PREFIX + area.code
    return out


def user_age_groups() -> dict[str, str]:
    """``{AGE code: label}`` of every registered age group."""
    return {g.code: g.title for _, decl in declarations() for g in decl.age_groups}


def check_declaration(decl: Declaration, *, file: str, known_areas: set[str]) -> None:
    """Check what the schema cannot: parents exist, codes are unique, dates are ordered, bounds too."""
    own = {a.code for a in decl.areas}
    seen: set[str] = set()
    for i, area in enumerate(decl.areas):
        if area.code in seen:
            raise InputError(f"key 'areas.{i}.code': {area.code!r} is declared twice", file=file)
        seen.add(area.code)
        registered = USER_PREFIX + area.code in known_areas
        if registered:
            raise InputError(f"key 'areas.{i}.code': {area.code!r} is already registered", file=file)
        parent = area.parent
        if not (parent.isdigit() and str(int(parent)) in known_areas or parent in own
                or parent_code(parent) in known_areas):
            raise InputError(f"key 'areas.{i}.parent': {parent!r} is neither an M49 area nor a user area",
                             file=file)
        if area.valid_from and area.valid_to and area.valid_from > area.valid_to:
            raise InputError(f"key 'areas.{i}.valid_to': before valid_from", file=file)
    for i, group in enumerate(decl.age_groups):
        if group.end is not None and group.end < group.start:
            raise InputError(f"key 'age_groups.{i}.to': {group.end} is below 'from' ({group.start})", file=file)


def register(path: Path) -> Path:
    """Check a declaration against the reference and copy it into the user reference folder."""
    from corridor.reference.areas import area_table

    path = Path(path)
    decl = read_declaration(path)
    check_declaration(decl, file=str(path), known_areas=set(area_table()["m49"]))
    target = folder() / path.name
    if target.exists():
        raise InputError(f"a declaration named {path.name!r} is already registered in {folder()}", file=str(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    reload()
    return target


def reload() -> None:
    """Forget every cached reference table, so that newly registered codes are seen."""
    from corridor.reference import areas, codes, search

    global _generation, _loaded
    for fn in (declarations, areas._table, areas._rows, areas._by_iso3, areas._by_name, areas._split_parents,
               codes._lists, codes._areas, search._index):
        fn.cache_clear()
    _loaded = None
    _generation += 1
