"""Concept definitions for the portal: which definition of "migrant" a dataset counts.

Read from the concept registry (:mod:`corridor.reference.concepts`, data file
``src/corridor/reference/data/concepts.yaml``). A dataset naming a concept the registry does not hold is
an error (:class:`UnknownConceptError`), never a made-up entry: the definition must travel with the numbers.
"""

from __future__ import annotations

from corridor.errors import CorridorError
from corridor.reference.concepts import Concept, concepts

#: Where the registry lives (named in the error, so that the fix is one look away).
REGISTRY_FILE = "src/corridor/reference/data/concepts.yaml"


class UnknownConceptError(CorridorError):
    """A dataset names a concept id that the concept registry does not define."""


def concept_registry() -> dict[str, Concept]:
    """Every registered concept by id, in the registry's order."""
    return concepts()


def concept(concept_id: str | None) -> Concept | None:
    """The registered concept ``concept_id``; ``None`` when a dataset names none.

    Raises :class:`UnknownConceptError` naming the id and the registry file when the id is not registered.
    """
    if not concept_id:
        return None
    registry = concepts()
    if concept_id not in registry:
        raise UnknownConceptError(
            f"unknown concept {concept_id!r}: it is not in the concept registry {REGISTRY_FILE} "
            f"(registered: {', '.join(registry)}); add it there or correct the dataset's concept"
        )
    return registry[concept_id]
