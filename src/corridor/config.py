"""Where corridor finds its mirror, cache and warehouse (flags > environment > defaults)."""

from __future__ import annotations

import os
from pathlib import Path

#: Default mirror folder, relative to the current directory (the checkout sits beside ``shared``).
DEFAULT_MIRROR = Path("../shared/data")


def mirror_dir(explicit: str | Path | None = None) -> Path | None:
    """The mirror folder: ``--mirror``, else ``CORRIDOR_MIRROR``, else ``../shared/data`` if it exists."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CORRIDOR_MIRROR")
    if env:
        return Path(env)
    for candidate in (DEFAULT_MIRROR, Path(__file__).resolve().parents[3] / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def cache_dir() -> Path:
    """Where fetched releases are cached (``CORRIDOR_CACHE``, default ``var/cache``)."""
    return Path(os.environ.get("CORRIDOR_CACHE", "var/cache"))


def warehouse_path(explicit: str | Path | None = None) -> Path:
    """The warehouse file: ``--warehouse``, else ``CORRIDOR_WAREHOUSE``, else ``var/corridor.duckdb``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("CORRIDOR_WAREHOUSE", "var/corridor.duckdb"))
