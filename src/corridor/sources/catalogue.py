"""The release catalogue: every published release corridor knows, as data (``releases.yaml``).

One record per release (id, series, vintage, publisher, licence, concept, files with sha256 and
addresses); code exists only per *layout* (``corridor.sources.layouts``). sdmx1 keeps its sources the
same way: one entry per agency, a module only where an agency misbehaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from corridor.errors import InputError


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release."""

    name: str
    mirror: str
    sha256: str
    download: str | None = None


@dataclass(frozen=True)
class Release:
    """A published release (see the field notes at the top of ``releases.yaml``)."""

    id: str
    series: str
    vintage: str
    layout: str | None
    title: str
    publisher: str
    licence: str
    files: tuple[ReleaseFile, ...]
    edition: str | None = None
    concept: str | None = None
    kind: str | None = None
    reference_dates: str | None = None
    original: str | None = None
    copy_of: str | None = None
    access: str = "public"
    extra: dict = field(default_factory=dict)

    @property
    def is_third_party_copy(self) -> bool:
        """True when the mirrored bytes are a third party's copy (tidied or verbatim)."""
        return self.copy_of is not None


@cache
def releases() -> dict[str, Release]:
    """All releases in the catalogue, by id (in catalogue order)."""
    text = resources.files("corridor.sources").joinpath("releases.yaml").read_text(encoding="utf-8")
    records = yaml.safe_load(text)["releases"]
    known = {f.name for f in Release.__dataclass_fields__.values()}
    out: dict[str, Release] = {}
    for rec in records:
        rec = dict(rec)
        files = tuple(ReleaseFile(**f) for f in rec.pop("files"))
        extra = {k: rec.pop(k) for k in list(rec) if k not in known}
        out[rec["id"]] = Release(files=files, extra=extra, **rec)
    return out


def release(release_id: str) -> Release:
    """The release with this id; an unknown id is an error listing the known ones."""
    try:
        return releases()[release_id]
    except KeyError:
        raise InputError(
            f"unknown release {release_id!r}; known releases: {', '.join(releases())}"
        ) from None
