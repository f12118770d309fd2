"""The registry of social security agreements (``data/agreements.yaml``): parties with their dates,
branches covered, totalisation, export of benefits, validity, and the calculation rules each applies
(pro-rata or direct, the short-period rule of art. 57, the maximum-period clause)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from corridor.errors import InputError

AGREEMENTS_FILE = Path(__file__).with_name("data") / "agreements.yaml"
BRANCHES = ("old_age", "invalidity", "survivors", "health")
METHODS = ("pro_rata", "direct")


@dataclass(frozen=True)
class Agreement:
    """One agreement (see the data file's header for each field)."""

    id: str
    title: str
    branches: tuple[str, ...]
    totalisation: bool
    export: bool
    method: str
    short_periods: bool
    max_period_in_ratio: bool
    valid_from: date
    valid_to: date | None
    parties: tuple[tuple[str, date | None, date | None], ...]
    source: str
    flat_reference_periods: dict[str, float] = field(default_factory=dict)

    def parties_on(self, on: date) -> set[str]:
        """The parties bound on ``on`` (none outside the agreement's validity)."""
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            return set()
        return {code for code, start, end in self.parties
                if (start is None or start <= on) and (end is None or on <= end)}


def _agreement(key: str, body: dict[str, Any], where: str) -> Agreement:
    missing = [f for f in ("title", "branches", "method", "valid_from", "source") if f not in body]
    if missing:
        raise InputError(f"{where}: agreement {key}: missing {missing}")
    if body["method"] not in METHODS or not set(body["branches"]) <= set(BRANCHES):
        raise InputError(f"{where}: agreement {key}: method must be one of {METHODS} and branches of {BRANCHES}")
    parties = tuple((str(p["code"]), p.get("from"), p.get("to")) for p in body.get("parties") or [])
    return Agreement(id=key, title=body["title"], branches=tuple(body["branches"]),
                     totalisation=bool(body.get("totalisation", True)), export=bool(body.get("export", True)),
                     method=body["method"], short_periods=bool(body.get("short_periods", False)),
                     max_period_in_ratio=bool(body.get("max_period_in_ratio", False)),
                     valid_from=body["valid_from"], valid_to=body.get("valid_to"), parties=parties,
                     source=body["source"], flat_reference_periods=dict(body.get("flat_reference_periods") or {}))


def load_agreements(path: Path | None = None) -> dict[str, Agreement]:
    """The shipped agreements, and those of ``path`` (same shape; its entries win)."""
    out = dict(_shipped())
    if path is not None:
        try:
            extra = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read agreements: {exc}") from None
        out.update({str(k): _agreement(str(k), v, str(path)) for k, v in extra.items()})
    return out


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Agreement]:
    raw = yaml.safe_load(AGREEMENTS_FILE.read_text(encoding="utf-8"))
    return {str(k): _agreement(str(k), v, str(AGREEMENTS_FILE)) for k, v in raw.items()}


def covered_pairs(agreements: dict[str, Agreement], on: date, branch: str = "old_age") -> set[frozenset[str]]:
    """Unordered pairs of countries bound to each other by an agreement covering ``branch`` on ``on``."""
    pairs: set[frozenset[str]] = set()
    for ag in agreements.values():
        if branch not in ag.branches:
            continue
        bound = sorted(ag.parties_on(on))
        pairs.update(frozenset((a, b)) for i, a in enumerate(bound) for b in bound[i + 1:])
    return pairs
