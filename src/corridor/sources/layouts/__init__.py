"""Layouts: one adapter per *layout* of published file, found by id.

An adapter only reads, maps codes and validates; it never estimates. It is a function
``read(files: list[Path]) -> Parsed`` registered under a layout id. There is one registry and three
ways into it, all through :func:`register`:

* corridor's own layouts: the modules listed in ``BUILTIN``, whose functions are decorated with
  :func:`layout`;
* an installed distribution's layouts: entries of the ``corridor.layouts`` entry-point group
  (``ENTRY_POINT_GROUP``), each ``layout-id = package.module:read``;
* a layout registered from code: ``@layout("my-layout")`` or ``register("my-layout", read)``.

The built-in layouts are always registered, whatever is registered first; an outside layout adds to
them. A layout id registered twice by two different functions is an error that names both (Datasette
loads its own facets and renderers through the same plugin seam as outside ones; so does corridor).
See ``docs/adding-a-source.md``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pandas as pd

from corridor.errors import CorridorError, InputError


@dataclass
class Parsed:
    """What an adapter returns: observations in the warehouse shape, plus what it refused or noted."""

    observations: pd.DataFrame
    rows_rejected: int = 0
    notes: str | None = None


Reader = Callable[[list[Path]], Parsed]

#: Entry-point group in which an installed distribution declares its layouts (``id = module:read``).
ENTRY_POINT_GROUP = "corridor.layouts"

#: Modules holding the built-in layouts (imported on first use).
BUILTIN: tuple[str, ...] = (
    "corridor.sources.layouts.undesa_ims_od",
    "corridor.sources.layouts.undesa_ims_workbook",
    "corridor.sources.layouts.wpp",
    "corridor.sources.layouts.worldbank_matrix",
    "corridor.sources.layouts.unhcr",
    "corridor.sources.layouts.worldbank_rpw",
    "corridor.sources.layouts.worldbank_wdi",
    "corridor.sources.layouts.migest_flows",
    "corridor.sources.layouts.un_treaty_status",
    "corridor.sources.layouts.eurostat_imm_prev_residence",
)

#: Layout id -> reader, and layout id -> where that reader came from (for error messages).
LAYOUTS: dict[str, Reader] = {}
ORIGINS: dict[str, str] = {}
_loaded = False


class LayoutError(CorridorError):
    """A layout cannot be registered: an id clash, or an entry point that does not load."""


def only_file(files: list[Path], layout_id: str) -> Path:
    """The single file of a one-file layout; any other number of files is an error."""
    if len(files) != 1:
        names = ", ".join(p.name for p in files) or "none"
        raise InputError(f"layout {layout_id} reads exactly one file, got {len(files)} ({names})")
    return files[0]


def _name(read: Reader) -> str:
    return f"{getattr(read, '__module__', '?')}.{getattr(read, '__qualname__', repr(read))}"


def register(layout_id: str, read: Reader, *, origin: str | None = None) -> Reader:
    """Register ``read`` as the adapter for ``layout_id``; an id taken by another function is an error.

    Registering the same function again (a module imported twice, an entry point that also uses the
    decorator) is a no-op. ``origin`` says where the registration came from (default: the function's
    qualified name).
    """
    if not callable(read):
        raise LayoutError(f"layout {layout_id!r}: {origin or read!r} is not a function reading files")
    existing = LAYOUTS.get(layout_id)
    if existing is not None and existing is not read and _name(existing) != _name(read):
        raise LayoutError(
            f"layout id {layout_id!r} is registered twice: by {ORIGINS[layout_id]} and by "
            f"{origin or _name(read)}; layout ids must be unique (rename one of them)"
        )
    if existing is None:
        LAYOUTS[layout_id] = read
        ORIGINS[layout_id] = origin or _name(read)
    return read


def layout(layout_id: str) -> Callable[[Reader], Reader]:
    """Decorator: register the decorated function as the adapter for ``layout_id``."""

    def decorate(read: Reader) -> Reader:
        return register(layout_id, read)

    return decorate


def _entry_point_origin(ep: EntryPoint) -> str:
    dist = ep.dist.name if ep.dist is not None else "an unnamed distribution"
    return f"entry point {ep.name} = {ep.value} (group {ENTRY_POINT_GROUP}, distribution {dist})"


def load_entry_points() -> list[str]:
    """Register every layout declared in the ``corridor.layouts`` entry-point group; return their ids.

    Done once, after the built-in layouts, at the first look-up. Call it again after making a
    distribution importable in a running process (its layouts are then added; the others are kept).
    An entry point that fails to load is an error naming it: a configured layout is never skipped.
    """
    ids = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = _entry_point_origin(ep)
        try:
            read = ep.load()
        except Exception as exc:  # any failure inside the outside package: name the entry point
            raise LayoutError(f"cannot load layout {ep.name!r} from {origin}: {exc}") from exc
        register(ep.name, read, origin=origin)
        ids.append(ep.name)
    return ids


def _load() -> None:
    """Import the built-in layouts, then the installed distributions' ones (once per process)."""
    global _loaded
    if _loaded:
        return
    for name in BUILTIN:
        importlib.import_module(name)
    load_entry_points()
    _loaded = True


def get_layout(layout_id: str) -> Reader:
    """The adapter for ``layout_id``; an unknown id is an error listing the known ones."""
    _load()
    try:
        return LAYOUTS[layout_id]
    except KeyError:
        raise InputError(
            f"unknown layout {layout_id!r}; known layouts: {', '.join(sorted(LAYOUTS))}"
        ) from None


def known_layouts() -> list[str]:
    """Every registered layout id (built-in and outside), sorted."""
    _load()
    return sorted(LAYOUTS)
