"""The concept registry: which definition a number follows (``data/concepts.yaml``).

Every dataset names a concept id (``datasets.concept`` in the warehouse). Each concept has ``id``,
``label``, ``definition``, ``status`` (one of :data:`STATUSES`), ``source`` (the citation) and
``notes``. See ``docs/concepts.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from corridor.errors import InputError

#: Allowed values of ``status``: a treaty definition, a statistical recommendation (UN Statistical
#: Commission, ICLS...), an organisation's working definition, or no agreed definition.
STATUSES = (
    "international_legal_definition",
    "statistical_recommendation",
    "working_definition",
    "no_agreed_definition",
)
FIELDS = ("id", "label", "definition", "status", "source", "notes")


@dataclass(frozen=True)
class Concept:
    """One entry of the concept registry."""

    id: str
    label: str
    definition: str
    status: str
    source: str
    notes: str


@cache
def concepts() -> dict[str, Concept]:
    """Every concept, by id, in the order of the registry file."""
    path = files("corridor.reference") / "data" / "concepts.yaml"
    with path.open(encoding="utf-8") as f:
        import yaml  # loaded with the registry, not with the module (commands start fast)

        doc = yaml.load(f, Loader=yaml.CSafeLoader)  # the safe loader in C (PyYAML wheels ship libyaml)
    out: dict[str, Concept] = {}
    for i, entry in enumerate(doc["concepts"], start=1):
        missing = [k for k in FIELDS if not str(entry.get(k) or "").strip()]
        if missing:
            raise InputError(f"concept #{i} lacks {', '.join(missing)}", file="concepts.yaml")
        if entry["status"] not in STATUSES:
            raise InputError(f"concept {entry['id']!r}: status {entry['status']!r} not one of {STATUSES}",
                             file="concepts.yaml")
        if entry["id"] in out:
            raise InputError(f"concept id {entry['id']!r} appears twice", file="concepts.yaml")
        out[entry["id"]] = Concept(**{k: str(entry[k]).strip() for k in FIELDS})
    return out


def concept(concept_id: str) -> Concept:
    """The concept with this id; :class:`InputError` naming the known ids otherwise."""
    table = concepts()
    if concept_id not in table:
        raise InputError(f"unknown concept {concept_id!r}; known: {', '.join(table)}")
    return table[concept_id]


def concepts_markdown() -> str:
    """The registry as the Markdown section of ``docs/concepts.md`` (a test keeps the two equal)."""
    lines = ["| id | label | status | source |", "|---|---|---|---|"]
    for c in concepts().values():
        lines.append(f"| `{c.id}` | {c.label} | {c.status.replace('_', ' ')} | {c.source} |")
    lines.append("")
    for c in concepts().values():
        lines += [f"### `{c.id}` — {c.label}", "", f"**Status:** {c.status.replace('_', ' ')}.", "",
                  c.definition, "", f"**Source:** {c.source}", "", f"**Notes:** {c.notes}", ""]
    return "\n".join(lines)
