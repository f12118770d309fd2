"""Occupations and skills: ISCO-08 groups and ESCO occupations and skills, as versioned codelists.

ESCO (the European Commission's classification of Skills, Competences, Qualifications and
Occupations) is published in releases (v1.0.8, v1.1.1, ...). Each occupation is a concept URI
(``http://data.europa.eu/esco/occupation/<uuid>``) with a preferred label, alternative labels and the
ISCO-08 unit group it belongs to; a URI keeps its identity across releases, so records coded in one
release are mapped to another *by URI* (:meth:`Occupations.map_uri`). The ISCO group of a URI may
change between releases (v1.0.8 "technical director" is in 2166, v1.1.1 in 2654): a record therefore
keeps the ESCO version its codes come from.

This module only parses the Commission's CSV exports (paths are given by the caller, which fetches
them through the release catalogue: ``esco-1.0.8`` and ``esco-1.1.1``); it holds no copy of them.
Search is by label and alternative label: a query's words must all occur (case-insensitive) in one
label; an exact preferred label ranks first, then exact alternative labels, then labels starting with
the query, then the rest (shorter labels first).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from corridor.errors import InputError

#: ESCO releases corridor reads, oldest first.
ESCO_VERSIONS: tuple[str, ...] = ("1.0.8", "1.1.1")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Occupation:
    """One ESCO occupation of one release."""

    uri: str
    label: str
    alt_labels: tuple[str, ...]
    isco: str  # ISCO-08 unit group, 4 digits


@dataclass
class Occupations:
    """The occupations of one ESCO release with the ISCO-08 groups issued with it.

    ``skills`` maps a skill URI to its label and ``relations`` an occupation URI to its
    ``(essential, optional)`` skill URIs (only for releases whose relations are read: v1.1.1).
    """

    version: str
    by_uri: dict[str, Occupation]
    isco_groups: dict[str, str]
    skills: dict[str, str] = field(default_factory=dict)
    relations: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    _index: list[tuple[str, str, bool, str]] = field(default_factory=list, repr=False)

    def occupation(self, uri: str) -> Occupation:
        """The occupation with this URI; an unknown URI is an :class:`InputError` naming the release."""
        try:
            return self.by_uri[uri]
        except KeyError:
            raise InputError(f"{uri!r} is not an occupation of ESCO v{self.version}") from None

    def isco_of(self, uri: str) -> str:
        """The ISCO-08 unit group (4 digits) of an occupation URI in this release."""
        return self.occupation(uri).isco

    def essential_skills(self, uri: str) -> frozenset[str]:
        """Skill URIs ESCO marks essential for an occupation (empty where relations are not read)."""
        return self.relations.get(uri, (frozenset(), frozenset()))[0]

    def search(self, query: str, limit: int = 10) -> list[Occupation]:
        """Occupations whose preferred or an alternative label holds every word of ``query``
        (ranking in the module docstring)."""
        words = _WORD.findall(query.lower())
        if not words:
            return []
        q = " ".join(words)
        best: dict[str, tuple[int, int]] = {}
        for norm, uri, preferred, _label in self._index:
            if not all(w in norm for w in words):
                continue
            if norm == q:
                rank = 0 if preferred else 1
            elif norm.startswith(q):
                rank = 2
            else:
                rank = 3
            key = (rank, len(norm))
            if uri not in best or key < best[uri]:
                best[uri] = key
        ordered = sorted(best, key=lambda u: (*best[u], self.by_uri[u].label))
        return [self.by_uri[u] for u in ordered[:limit]]

    def map_uri(self, uri: str, target: Occupations) -> Occupation | None:
        """The same concept in ``target``'s release (by URI), or None when the release dropped it."""
        self.occupation(uri)
        return target.by_uri.get(uri)

    def build_index(self) -> None:
        """Prepare the label index used by :meth:`search`."""
        self._index = []
        for occ in self.by_uri.values():
            self._index.append((" ".join(_WORD.findall(occ.label.lower())), occ.uri, True, occ.label))
            for alt in occ.alt_labels:
                self._index.append((" ".join(_WORD.findall(alt.lower())), occ.uri, False, alt))


def _lines(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.splitlines() if s.strip())


def _read_occupations(handle: io.TextIOBase) -> dict[str, Occupation]:
    out: dict[str, Occupation] = {}
    for row in csv.DictReader(handle):
        if row["conceptType"] != "Occupation":
            continue
        label = row["preferredLabel"].strip()
        alts = tuple(a for a in _lines(row["altLabels"] or "") if a != label)
        out[row["conceptUri"]] = Occupation(row["conceptUri"], label, alts, row["iscoGroup"].strip())
    return out


def _read_isco(handle: io.TextIOBase) -> dict[str, str]:
    return {row["code"].strip(): row["preferredLabel"].strip() for row in csv.DictReader(handle)}


def read_esco_108(occupations_csv: Path, isco_csv: Path) -> Occupations:
    """ESCO v1.0.8 from its ``occupations_en.csv`` and ``ISCOGroups_en.csv`` (ESCO CSV export)."""
    with open(occupations_csv, encoding="utf-8", newline="") as f:
        occ = _read_occupations(f)
    with open(isco_csv, encoding="utf-8", newline="") as f:
        isco = _read_isco(f)
    out = Occupations("1.0.8", occ, isco)
    out.build_index()
    return out


def read_esco_111(classification_zip: Path, relations_zip: Path) -> Occupations:
    """ESCO v1.1.1 from the Commission's classification (English) and relations zips."""
    with zipfile.ZipFile(classification_zip) as z:
        occ = _read_occupations(io.TextIOWrapper(z.open("occupations_en.csv"), encoding="utf-8", newline=""))
        isco = _read_isco(io.TextIOWrapper(z.open("ISCOGroups_en.csv"), encoding="utf-8", newline=""))
        skills = {row["conceptUri"]: row["preferredLabel"].strip() for row in csv.DictReader(
            io.TextIOWrapper(z.open("skills_en.csv"), encoding="utf-8", newline=""))}
    essential: dict[str, set[str]] = {}
    optional: dict[str, set[str]] = {}
    with zipfile.ZipFile(relations_zip) as z:
        for row in csv.DictReader(io.TextIOWrapper(z.open("occupationSkillRelations.csv"),
                                                   encoding="utf-8", newline="")):
            target = essential if row["relationType"] == "essential" else optional
            target.setdefault(row["occupationUri"], set()).add(row["skillUri"])
    relations = {u: (frozenset(essential.get(u, ())), frozenset(optional.get(u, ())))
                 for u in set(essential) | set(optional)}
    out = Occupations("1.1.1", occ, isco, skills, relations)
    out.build_index()
    return out


def isco_closeness(a: str, b: str) -> float:
    """Closeness of two ISCO-08 codes on the hierarchy: the share of the 4 levels they share
    (same unit group 1.0, same minor group 0.75, same sub-major 0.5, same major 0.25, else 0)."""
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return min(shared, 4) / 4.0
