"""The release register: what has already been published from a microdata file.

Tables released from one file at different times are linked just like tables released together: an
attacker holding last month's region x sex table and today's region x age table combines them
(Hundepool et al. 2012, *Statistical Disclosure Control*, §4.4.1 "linked tables"; the "release
history" of Tau-Argus' *a priori* files). The register remembers, per file (by the SHA-256 of its
bytes), each table published from it: how it was made (``by`` variables, variable map, weight), the
protection rule and method, and *which cells were suppressed* (their codes). It holds no cell value:
the true values are recomputed from the file when a later table has to be protected against the
earlier ones, so the register itself discloses nothing beyond the published tables.

Format (JSON, one file; default ``var/disclosure/releases.json``, ``CORRIDOR_RELEASE_REGISTER`` or
``--register``)::

    {"format": 1,
     "files": {"<sha256>": {"file": "eusilc13puf.rda", "method": "suppression",
                            "tables": [{"name": "region_sex", "by": ["region", "sex"],
                                        "map": "region=db040,sex=rb090", "weight": null,
                                        "min_cell": 10, "protection": 30.0,
                                        "released_at": "2026-12-04T18:00:00Z", "margins": true,
                                        "suppressed": [["AT11", "female"], ["AT11", "_T"]]}]}}}

The register is written only after a release passed its audit and its tables were written, and
atomically (a temporary file renamed over the old one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.errors import InputError

FORMAT = 1
DEFAULT_PATH = Path("var") / "disclosure" / "releases.json"


def register_path(explicit: str | Path | None = None) -> Path:
    """``--register``, else ``CORRIDOR_RELEASE_REGISTER``, else ``var/disclosure/releases.json``."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("CORRIDOR_RELEASE_REGISTER", DEFAULT_PATH))


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the file's bytes (the register's key: a renamed copy is the same file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ReleasedTable:
    """One table published earlier: how it was made and which cells (codes over ``by``) were hidden."""

    name: str
    by: list[str]
    map: str | None
    weight: str | None
    min_cell: int
    protection: float
    released_at: str
    suppressed: list[tuple[str, ...]] = field(default_factory=list)
    margins: bool = True  # published with its margin rows

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["suppressed"] = [list(k) for k in self.suppressed]
        return out


@dataclass
class Register:
    """The register file's content; :meth:`prior` reads a file's history, :meth:`record` adds to it."""

    path: Path
    files: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Register:
        p = register_path(path)
        if not p.exists():
            return cls(p, {})
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"release register is not valid JSON: {exc}", file=str(p)) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
            raise InputError(f"not a release register (format {FORMAT} with a 'files' object)", file=str(p))
        return cls(p, data["files"])

    def method(self, sha: str) -> str | None:
        entry = self.files.get(sha)
        return entry.get("method") if entry else None

    def prior(self, sha: str) -> list[ReleasedTable]:
        """Tables already released from the file with this SHA-256 (oldest first)."""
        entry = self.files.get(sha) or {}
        out = []
        for i, t in enumerate(entry.get("tables", [])):
            try:
                out.append(ReleasedTable(
                    name=str(t["name"]), by=[str(b) for b in t["by"]], map=t.get("map"),
                    weight=t.get("weight"), min_cell=int(t["min_cell"]), protection=float(t["protection"]),
                    released_at=str(t["released_at"]),
                    suppressed=[tuple(str(c) for c in k) for k in t.get("suppressed", [])],
                    margins=bool(t.get("margins", True))))
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"release register entry {sha[:12]} table {i + 1} is malformed: {exc}",
                                 file=str(self.path)) from exc
        return out

    def record(self, sha: str, file_name: str, method: str, tables: list[ReleasedTable]) -> None:
        """Add released tables to the file's history and rewrite the register atomically."""
        known = self.method(sha)
        if known is not None and known != method:
            raise InputError(f"{file_name} was released with {known}; a later release must use the same "
                             f"method (not {method})", file=str(self.path))
        entry = self.files.setdefault(sha, {"file": file_name, "method": method, "tables": []})
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for t in tables:
            t.released_at = t.released_at or now
            entry["tables"].append(t.as_dict())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "files": self.files}, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
