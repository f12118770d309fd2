"""Layouts: one adapter per *layout* of published file, found by id.

An adapter only reads, maps codes and validates; it never estimates. It is a function
``read(files: list[Path]) -> Parsed`` registered with :func:`layout`. Built-in layouts register
through the same seam an outside one would: list its module in ``BUILTIN`` (or call :func:`layout`
from your own package before ingesting).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from corridor.errors import InputError


@dataclass
class Parsed:
    """What an adapter returns: observations in the warehouse shape, plus what it refused or noted."""

    observations: pd.DataFrame
    rows_rejected: int = 0
    notes: str | None = None


Reader = Callable[[list[Path]], Parsed]

LAYOUTS: dict[str, Reader] = {}

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
)


def only_file(files: list[Path], layout_id: str) -> Path:
    """The single file of a one-file layout; any other number of files is an error."""
    if len(files) != 1:
        names = ", ".join(p.name for p in files) or "none"
        raise InputError(f"layout {layout_id} reads exactly one file, got {len(files)} ({names})")
    return files[0]


def layout(layout_id: str) -> Callable[[Reader], Reader]:
    """Register ``read`` as the adapter for ``layout_id``."""

    def register(read: Reader) -> Reader:
        LAYOUTS[layout_id] = read
        return read

    return register


def _load_builtin() -> None:
    for name in BUILTIN:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def get_layout(layout_id: str) -> Reader:
    """The adapter for ``layout_id``; an unknown id is an error listing the known ones."""
    if not LAYOUTS:
        _load_builtin()
    try:
        return LAYOUTS[layout_id]
    except KeyError:
        raise InputError(
            f"unknown layout {layout_id!r}; known layouts: {', '.join(sorted(LAYOUTS))}"
        ) from None


def known_layouts() -> list[str]:
    if not LAYOUTS:
        _load_builtin()
    return sorted(LAYOUTS)
