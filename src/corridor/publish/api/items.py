"""Multiple ids and item queries of SDMX 2.1 structure queries (SDMX 2.1 Section 7, "Structural metadata
queries"; ``sdmx-twg/sdmx-rest`` v1.5 cheat sheet: ``/{resource}/{agencyID}/{resourceID}/{version}/{itemID}``).

* ``resourceID`` and ``itemID`` may list several values joined by ``+``
  (``/dataflow/all/MIG_STOCK+MIG_FLOW/latest``); ``all`` (or ``*``) means every one;
* an *item query* (``/codelist/CORRIDOR/CL_AREA/latest/840+484``) answers each selected item scheme
  (codelist, concept scheme) with only the items named: an SDMX partial item scheme (same id, version
  and URN, fewer items). Area codes may be written as in data keys (ISO 3166 alpha-3 ``USA+MEX``,
  read as the M49 codes 840 and 484);
* as the standard has it, the answer holds what matches and 404 ("no results") means nothing matched.

Items come out of the schemes *as the caller sees them* (:mod:`.visibility`): a code used only in
restricted data is not in the caller's partial codelist, so naming it finds nothing, exactly as an
unknown code. Item-filtered schemes are built per query and not kept (the response cache, bounded in
bytes, holds the answers): a client asking for many different items cannot grow the catalogue.
"""

from __future__ import annotations

from typing import Any

from pysdmx.model import Code, Codelist, Concept, ConceptScheme

from corridor.errors import InputError
from corridor.publish.api.errors import ApiError
from corridor.reference.areas import area_code

ALL = ("all", "*")
MAX_VALUES = 200


def id_list(text: str | None, what: str) -> list[str] | None:
    """The values of a ``+``-joined path segment (``None``: every one), or a 400 for an empty value."""
    if text is None or text in ALL:
        return None
    values = text.split("+")
    if any(not v for v in values):
        raise ApiError(400, f"empty {what} in {text!r} ('+' must join two {what}s)")
    if len(values) > MAX_VALUES:
        raise ApiError(400, f"{len(values)} {what}s in one query; at most {MAX_VALUES}")
    return list(dict.fromkeys(values))


def _item_id(scheme_id: str, item: str, present: set[str]) -> str:
    """The id of ``item`` in a scheme: as written, or (``CL_AREA``) an ISO alpha-3 code or M49 number
    with leading zeros read as its M49 code."""
    if item in present or scheme_id != "CL_AREA":
        return item
    if item.isdigit() and item.lstrip("0") in present:
        return item.lstrip("0")
    try:
        return area_code(item)
    except InputError:
        return item


def with_items(scheme: Any, items: list[str]) -> Any | None:
    """``scheme`` (a pysdmx ``Codelist`` or ``ConceptScheme``) with only ``items`` (``None``: none of
    them is in it). Same id, version, name and URN: an SDMX partial item scheme."""
    present = {item.id for item in scheme.items}
    wanted = {_item_id(scheme.id, item, present) for item in items}
    kept = [item for item in scheme.items if item.id in wanted]
    if not kept:
        return None
    cls = Codelist if isinstance(scheme, Codelist) else ConceptScheme
    copy_items: list[Code | Concept] = list(kept)
    return cls(id=scheme.id, agency=scheme.agency, version=scheme.version, name=scheme.name,
               description=scheme.description, urn=scheme.urn, items=copy_items)


def filter_items(schemes: list[Any], item: str | None) -> list[Any]:
    """Every scheme with only the items ``item`` names (schemes holding none of them left out); 404
    when no scheme holds any."""
    items = id_list(item, "item")
    if items is None:
        return schemes
    out = [found for scheme in schemes if (found := with_items(scheme, items)) is not None]
    if not out:
        names = ", ".join(s.id for s in schemes)
        raise ApiError(404, f"no item {'+'.join(items)[:80]!r} in {names or 'the selected item schemes'}")
    return out
