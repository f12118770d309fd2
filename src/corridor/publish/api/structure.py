"""``GET /structure/{resource}/{agency}/{id}/{version}``: SDMX structure queries (SDMX 2.1 Section 7,
"Structural metadata queries").

Resources: ``dataflow``, ``datastructure``, ``codelist``, ``conceptscheme``. ``agency`` is
``CORRIDOR`` (or ``all``); ``id`` may be ``all`` or several ids joined by ``+``; ``version`` ``1.0`` /
``latest``; codelists and the concept scheme take an item query (``.../{version}/{itemID}``, items
joined by ``+``; :mod:`.items`). As a convenience
``/structure/codelist/CL_AREA`` (an id where the agency belongs) is read as
``/structure/codelist/CORRIDOR/CL_AREA``. ``references`` = ``none``, ``children``, ``descendants``
or ``all`` adds the artefacts a structure refers to (a data structure query defaults to
``children``: its codelists and concepts come with it, so a client such as ``sdmx1`` can read data
with it at once).

Formats: SDMX-ML 2.1 structure message (default; ``application/vnd.sdmx.structure+xml;version=2.1``)
and SDMX-JSON 2.0 structure message (``format=sdmx-json``), both written by ``pysdmx``; ``format=json``
lists a codelist's codes as plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.model import Organisation
from pysdmx.model.message import Header

from corridor.publish.api.data import check_parameters
from corridor.publish.api.errors import TOKEN_RESPONSES, ApiError
from corridor.publish.api.items import filter_items, id_list
from corridor.publish.api.state import ServiceState, get_principal, get_state
from corridor.publish.api.visibility import View
from corridor.publish.security import Principal
from corridor.publish.structures import AGENCY

router = APIRouter(tags=["structure"])

RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")
#: Resources whose artefacts are item schemes: they take an item query (``.../{version}/{itemID}``).
ITEM_SCHEMES = ("codelist", "conceptscheme")
_FORMATS = {
    "sdmx-ml": (Format.STRUCTURE_SDMX_ML_2_1, "application/vnd.sdmx.structure+xml;version=2.1"),
    "sdmx-json": (Format.STRUCTURE_SDMX_JSON_2_0_0, "application/vnd.sdmx.structure+json;version=2.0.0"),
}
_ACCEPT = {
    "application/vnd.sdmx.structure+xml": "sdmx-ml", "application/xml": "sdmx-ml", "text/xml": "sdmx-ml",
    "application/vnd.sdmx.structure+json": "sdmx-json", "application/json": "json",
}


#: The version of each structure format (an ``Accept`` asking for another one is 406).
_VERSIONS = {"sdmx-ml": "2.1", "sdmx-json": "2.0.0", "json": ""}


def _schema_valid_json(text: str) -> str:
    """pysdmx's SDMX-JSON 2.0 structure message without the empty ``groups`` lists of data structures
    (the SDMX-JSON 2.0 structure schema wants at least one group when the member is present)."""
    doc = json.loads(text)
    for dsd in doc.get("data", {}).get("dataStructures", []):
        components = dsd.get("dataStructureComponents", {})
        if components.get("groups") == []:
            del components["groups"]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _structure_format(format_param: str | None, accept: str | None, resource: str) -> str:
    allowed = [*_FORMATS, "json"]
    if format_param:
        fmt = format_param.strip().lower()
        if fmt not in allowed:
            raise ApiError(400, f"unknown structure format {format_param!r}; formats: {', '.join(allowed)}")
        return fmt
    if accept:
        for item in accept.split(","):
            media = item.split(";")[0].strip().lower()
            version = item.partition("version=")[2].split(";")[0].strip().strip('"')
            if media in _ACCEPT and (not version or version == _VERSIONS[_ACCEPT[media]]):
                return _ACCEPT[media]
            if media in ("*/*", "application/*", "text/*"):
                return "sdmx-ml"
        offered = ", ".join(m for _, m in _FORMATS.values())
        raise ApiError(406, f"none of the media types in Accept ({accept}) is offered for structures; "
                            f"offered: {offered}, application/json")
    return "sdmx-ml"


#: Query parameters of a structure query.
STRUCTURE_PARAMETERS = ("references", "format", "detail")
#: ``detail`` values of SDMX 2.1 structure queries: answered in full (a caller's codelists are partial
#: already, :mod:`.visibility`), or not implemented (501).
FULL_DETAIL = ("full", "referencepartial")
STUB_DETAIL = ("allstubs", "referencestubs", "allcompletestubs", "referencecompletestubs")


def _check_detail(detail: str | None) -> None:
    if detail is None or detail in FULL_DETAIL:
        return
    if detail in STUB_DETAIL:
        raise ApiError(501, f"detail={detail} is not implemented; use full or referencepartial")
    raise ApiError(400, f"detail={detail!r} is not a detail of SDMX 2.1 structure queries: "
                        f"{', '.join(FULL_DETAIL + STUB_DETAIL)}")


def _codelist_name(cl_id: str) -> str:
    return cl_id[3:] if cl_id.startswith("CL_") else cl_id


def _visible_codelists(state: ServiceState, view: View, ids: list[str]) -> list[Any]:
    """Each codelist as ``view`` sees it (partial), leaving out those with no visible code."""
    out = []
    for cl in ids:
        codelist = state.catalog.partial_codelist(cl, view.hidden(_codelist_name(cl)))
        if len(codelist.items):
            out.append(codelist)
    return out


def _found(kind: str, wanted: list[str] | None, available: list[str]) -> list[str]:
    """The ids of ``available`` that ``wanted`` names (``None``: all), 404 when it names none of them
    (SDMX "no results"; messages list only what the caller may see)."""
    if wanted is None:
        return available
    found = [i for i in wanted if i in available]
    if not found:
        raise ApiError(404, f"unknown {kind} {'+'.join(wanted)[:120]!r}; {kind}s: {', '.join(available)}")
    return found


def _select(state: ServiceState, view: View, resource: str, agency: str, ident: str, version: str,
            references: str, item: str | None = None) -> list[Any]:
    """The artefacts a structure query means, as the caller sees them (:mod:`.visibility`): the
    dataflows holding data it may read, their data structures, partial codelists and concepts. An
    artefact it may not see is answered as an unknown one, and no message names one. ``ident`` and
    ``item`` may list several ids joined by ``+`` (:mod:`.items`)."""
    catalog = state.catalog
    if resource not in RESOURCES:
        raise ApiError(404, f"unknown structure resource {resource!r}; resources: {', '.join(RESOURCES)}")
    if agency not in (AGENCY, "all", "*"):
        raise ApiError(404, f"unknown agency {agency!r}: this service maintains agency {AGENCY} only")
    if version not in ("1.0", "latest", "all", "*", "~", "+"):
        raise ApiError(404, f"unknown version {version!r}: every structure has version 1.0")
    if references not in ("none", "children", "descendants", "all", "parents", "parentsandsiblings"):
        raise ApiError(400, f"references={references!r}: use none, children, descendants, parents or all")
    if item is not None and resource not in ITEM_SCHEMES:
        raise ApiError(404, f"item queries apply to item schemes ({', '.join(ITEM_SCHEMES)}), not {resource}")
    wanted = id_list(ident, "id")
    children = references in ("children", "descendants", "all")
    visible = state.visible_flows(view.principal)
    out: list[Any] = []
    if resource == "codelist":
        shown = {cl.id: cl for cl in _visible_codelists(state, view, list(catalog.codelists))}
        return filter_items([shown[c] for c in _found("codelist", wanted, list(shown))], item)
    if resource == "conceptscheme":
        _found("concept scheme", wanted, [catalog.concept_scheme.id])
        return filter_items([catalog.partial_concept_scheme(visible)], item)
    if resource == "datastructure":
        dsds = {catalog.flows[f].dsd_id: f for f in visible}
        flows = [dsds[d] for d in _found("data structure", wanted, list(dsds))]
        if children:
            out.extend(_visible_codelists(state, view, [c.id for c in catalog.codelists_of(flows)]))
            out.append(catalog.partial_concept_scheme(flows))
        out.extend(catalog.dsd(f) for f in flows)
        if references in ("parents", "parentsandsiblings", "all"):
            out.extend(catalog.dataflow(f) for f in flows)
        return out
    ids = _found("dataflow", wanted, visible)
    if references == "descendants" or references == "all":
        out.extend(_visible_codelists(state, view, [c.id for c in catalog.codelists_of(ids)]))
        out.append(catalog.partial_concept_scheme(ids))
    if children:
        out.extend(catalog.dsd(f) for f in ids)
    out.extend(catalog.dataflow(f) for f in ids)
    return out


def _plain(artefacts: list[Any]) -> dict[str, Any]:
    """A plain-JSON view: codelists as id -> name, other artefacts by id and name."""
    result: dict[str, Any] = {}
    for art in artefacts:
        kind = type(art).__name__
        entry: dict[str, Any] = {"id": art.id, "agency": str(art.agency), "version": art.version,
                                 "name": art.name, "description": art.description}
        if kind == "Codelist" or kind == "ConceptScheme":
            entry["items"] = {item.id: item.name for item in art.items}
        if kind == "DataStructureDefinition":
            entry["components"] = [{"id": c.id, "role": str(c.role), "description": c.description}
                                   for c in art.components]
        result.setdefault(kind, []).append(entry)
    return result


@dataclass
class StructureParameters:
    """The query parameters of a structure query."""

    references: str | None
    format: str | None
    detail: str | None


async def structure_parameters(
    references: Annotated[str | None, Query(description="none, children, descendants, parents, all")] = None,
    format: Annotated[str | None, Query(description="sdmx-ml (default), sdmx-json, json")] = None,  # noqa: A002
    detail: Annotated[str | None, Query(description="full (default), referencepartial; stubs: 501")] = None,
) -> StructureParameters:
    return StructureParameters(references, format, detail)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **TOKEN_RESPONSES,
    200: {"description": "An SDMX structure message (SDMX-ML 2.1, SDMX-JSON 2.0) or plain JSON"},
    400: {"description": "Unknown query parameter, references, detail or format"},
    404: {"description": "Unknown resource, agency, version or id (or one the caller may not see)"},
    406: {"description": "No acceptable media type"},
    501: {"description": "A stub detail (allstubs, referencestubs ...)"},
}


@router.get("/structure/{resource}", responses=_RESPONSES,
            summary="All structures of a kind (dataflow, datastructure, codelist, conceptscheme)")
@router.get("/structure/{resource}/{agency}", responses=_RESPONSES)
@router.get("/structure/{resource}/{agency}/{ident}", responses=_RESPONSES,
            summary="One structure, e.g. dataflow/CORRIDOR/MIG_STOCK")
@router.get("/structure/{resource}/{agency}/{ident}/{version}", responses=_RESPONSES)
def get_structure(
    request: Request,
    resource: str,
    agency: str = "all",
    ident: str | None = None,
    version: str = "latest",
    params: StructureParameters = Depends(structure_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """An SDMX structure message with the dataflows, data structures, codelists or concepts asked for
    (several ids joined by ``+``)."""
    return structure_response(request, resource, agency, ident, version, None, params, state, principal)


@router.get("/structure/{resource}/{agency}/{ident}/{version}/{item}", responses=_RESPONSES,
            summary="Items of codelists or the concept scheme, e.g. codelist/CORRIDOR/CL_AREA/latest/840+484")
def get_structure_items(
    request: Request, resource: str, agency: str, ident: str, version: str, item: str,
    params: StructureParameters = Depends(structure_parameters),  # noqa: B008
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    """An item query: each codelist (or the concept scheme) with only the items named (``+``-joined)."""
    return structure_response(request, resource, agency, ident, version, item, params, state, principal)


def structure_response(request: Request, resource: str, agency: str, ident: str | None, version: str,
                       item: str | None, params: StructureParameters, state: ServiceState,
                       principal: Principal) -> Response:
    """Validate a structure query, select the artefacts the caller may see, write the message (cached)."""
    check_parameters(request, STRUCTURE_PARAMETERS)
    _check_detail(params.detail)
    references, format = params.references, params.format  # noqa: A001
    catalog = state.catalog
    view = state.visibility.view(principal)
    if ident is None:
        known = set(catalog.codelists) | {f.dsd_id for f in catalog.flows.values()} | set(catalog.flows) \
            | {catalog.concept_scheme.id}
        if set(agency.split("+")) <= known or agency not in (AGENCY, "all", "*"):  # /structure/codelist/CL_AREA
            agency, ident = AGENCY, agency
        else:
            ident = "all"
    refs = references or ("children" if resource == "datastructure" else "none")
    fmt = _structure_format(format, request.headers.get("accept"), resource)
    cache_key = ("structure", resource, agency, ident, version, item, refs, fmt, view.key)
    cached = state.cache.get(cache_key)
    if cached is None:
        artefacts = _select(state, view, resource, agency, ident, version, refs, item)
        if fmt == "json":
            body, media = json.dumps(_plain(artefacts), ensure_ascii=False).encode(), "application/json"
        else:
            sdmx_format, media = _FORMATS[fmt]
            header = Header(sender=Organisation(id=AGENCY, name="corridor"))
            text = write_sdmx(artefacts, sdmx_format, header=header, prettyprint=False) or ""
            body = (_schema_valid_json(text) if fmt == "sdmx-json" else text).encode("utf-8")
        cached = (body, media)
        state.cache.put(cache_key, cached)
    body, media = cached
    return Response(content=body, media_type=media, headers={"Vary": "Accept, Authorization"})


def _sdmx21_endpoints(resource: str) -> tuple[Callable[..., Response], Callable[..., Response]]:
    """``GET /{resource}/{agency}/{id}/{version}``: the SDMX 2.1 REST path of a structure query (SDMX 2.1
    Section 7, "Structural metadata queries": the resource is the first path segment), so that a
    client given only the base URL (``sdmx1``'s plain source) finds the structures; the same query as
    ``/structure/{resource}/...``."""

    def endpoint(request: Request, agency: str = "all", ident: str | None = None, version: str = "latest",
                 params: StructureParameters = Depends(structure_parameters),  # noqa: B008
                 state: ServiceState = Depends(get_state),  # noqa: B008
                 principal: Principal = Depends(get_principal),  # noqa: B008
                 ) -> Response:
        return structure_response(request, resource, agency, ident, version, None, params, state, principal)

    def items_endpoint(request: Request, agency: str, ident: str, version: str, item: str,
                       params: StructureParameters = Depends(structure_parameters),  # noqa: B008
                       state: ServiceState = Depends(get_state),  # noqa: B008
                       principal: Principal = Depends(get_principal),  # noqa: B008
                       ) -> Response:
        return structure_response(request, resource, agency, ident, version, item, params, state, principal)

    endpoint.__name__ = f"get_{resource}"
    items_endpoint.__name__ = f"get_{resource}_items"
    return endpoint, items_endpoint


for _resource in RESOURCES:
    _endpoint, _items_endpoint = _sdmx21_endpoints(_resource)
    for _suffix in ("", "/{agency}", "/{agency}/{ident}", "/{agency}/{ident}/{version}"):
        router.add_api_route(f"/{_resource}{_suffix}", _endpoint, methods=["GET"], responses=_RESPONSES,
                             summary=f"SDMX 2.1 path of /structure/{_resource}{_suffix}",
                             include_in_schema=_suffix == "/{agency}/{ident}/{version}")
    if _resource in ITEM_SCHEMES:
        router.add_api_route(f"/{_resource}/{{agency}}/{{ident}}/{{version}}/{{item}}", _items_endpoint,
                             methods=["GET"], responses=_RESPONSES,
                             summary=f"SDMX 2.1 item query on {_resource}s (items joined by '+')")
