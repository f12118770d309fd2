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

import os
import shutil
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InputError

if TYPE_CHECKING:
    from corridor.reference.user_schema import Declaration

#: Prefix of every user area code in the warehouse (never an M49 number, never an ISO code).
USER_PREFIX = "U_"


def folder() -> Path:
    """The user reference folder (``CORRIDOR_USER_REFERENCE``, default ``var/reference``)."""
    return Path(os.environ.get("CORRIDOR_USER_REFERENCE", "var/reference"))


@cache
def declarations() -> tuple[tuple[str, Declaration], ...]:
    """Every registered declaration, by file name (sorted)."""
    global _loaded
    _loaded = registry_version()  # before reading: a registration made meanwhile is seen next time
    root = folder()
    if not root.is_dir():
        return ()
    from corridor.reference.user_schema import read_declaration  # pydantic: only when a declaration is read

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
    from corridor.reference.user_schema import read_declaration

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
