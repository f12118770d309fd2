"""A user reference folder for a test (``CORRIDOR_USER_REFERENCE``), emptied and forgotten afterwards.

Registered codes join process-wide caches (the area table, the codelists, the store's validation
schemas, the portal's area kinds); :func:`user_reference` sets the folder, and on leaving restores
the previous one and clears every one of those caches, so no other test sees the user's codes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from corridor.publish.portal import areas as portal_areas
from corridor.reference import user_codes
from corridor.store import validate


def forget_codes() -> None:
    """Clear every cache that holds codes (reference, the store's schemas, the portal's areas)."""
    user_codes.reload()
    validate._rules.cache_clear()
    for fn in (portal_areas._names, portal_areas._kinds, portal_areas.aggregate_codes):
        fn.cache_clear()


@contextmanager
def user_reference(folder: Path) -> Iterator[Path]:
    """Use ``folder`` as the user reference folder inside the block."""
    before = os.environ.get("CORRIDOR_USER_REFERENCE")
    os.environ["CORRIDOR_USER_REFERENCE"] = str(folder)
    forget_codes()
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("CORRIDOR_USER_REFERENCE", None)
        else:
            os.environ["CORRIDOR_USER_REFERENCE"] = before
        forget_codes()


def scotland_geography(raw: pd.DataFrame, folder: Path, gallery: Path) -> Path:
    """The gallery's Scottish declaration (``gallery/scotland-geography.yaml``) with every census zone of
    ``raw`` (the census table) added within Scotland, written to ``folder/decl``; register it."""
    declaration = yaml.safe_load((gallery / "scotland-geography.yaml").read_text(encoding="utf-8"))
    declaration["areas"] += [{"code": z, "name": f"Census zone {z}", "parent": "S92000003"}
                             for z in sorted(raw["zone"].unique())]
    (folder / "decl").mkdir(exist_ok=True)
    geography = folder / "decl" / "scotland-geography.yaml"
    geography.write_text(yaml.safe_dump(declaration), encoding="utf-8")
    return geography
