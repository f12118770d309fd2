"""The ESCO releases the exchange codes its records in, fetched through the release catalogue.

``esco("1.0.8")`` and ``esco("1.1.1")`` read the Commission's files of catalogue releases
``esco-1.0.8`` and ``esco-1.1.1`` (checksum-verified by :mod:`corridor.sources.fetch`) with the
parsers of :mod:`corridor.reference.occupations`. A record keeps the version its URIs come from;
:func:`to_version` maps a URI to another release by identity.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from corridor.errors import InputError
from corridor.reference.occupations import ESCO_VERSIONS, Occupation, Occupations, read_esco_108, read_esco_111
from corridor.sources.fetch import fetch

#: The release the exchange codes new records in.
CURRENT_ESCO = "1.1.1"


@cache
def esco(version: str = CURRENT_ESCO, mirror: str | None = None, cache_dir: str | None = None) -> Occupations:
    """The occupations (and, for v1.1.1, skills and occupation-skill relations) of one ESCO release."""
    if version not in ESCO_VERSIONS:
        raise InputError(f"unknown ESCO version {version!r}; known: {', '.join(ESCO_VERSIONS)}")
    paths = fetch(f"esco-{version}", mirror=mirror, cache=Path(cache_dir) if cache_dir else None)
    return read_esco_108(*paths) if version == "1.0.8" else read_esco_111(*paths)


def to_version(uri: str, source: str, target: str, **where: str | None) -> Occupation | None:
    """The occupation ``uri`` of release ``source`` in release ``target`` (None: dropped there)."""
    return esco(source, **where).map_uri(uri, esco(target, **where))
