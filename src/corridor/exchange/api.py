"""The exchange's JSON API (FastAPI ``router``, OpenAPI at the app's ``/openapi.json``).

For public employment services and employers to load and update records in bulk, for workers to see
and manage their own record, and for everyone to read the public aggregates. Mount ``router`` into an
app whose ``state.exchange_registry`` is a :class:`~corridor.exchange.registry.Registry` and whose
``state.exchange_tokens`` maps the SHA-256 of each bearer token to a
:class:`~corridor.exchange.access.Principal` (:func:`tokens_from_file` reads them from
``CORRIDOR_EXCHANGE_TOKENS``: JSON ``[{"sha256": ..., "role": ..., "subject_id": ...}]``; tokens
themselves are never stored). A request without a token is the ``public`` role.

Refusals are HTTP 403 and are audited by the registry; bad input is 400 naming record and field.
No endpoint returns a worker's country of residence to anyone but the worker, their PES and auditors.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request

from corridor.errors import InputError
from corridor.exchange import bulk, db
from corridor.exchange.access import AccessDenied, Principal
from corridor.exchange.registry import Registry
from corridor.exchange.statistics import protected_tables

TOKENS_ENV = "CORRIDOR_EXCHANGE_TOKENS"
router = APIRouter(prefix="/exchange", tags=["exchange"])


def tokens_from_file(path: str | Path | None = None) -> dict[str, Principal]:
    """Token hashes -> principals from the tokens file (module docstring); none configured = {}."""
    path = path or os.environ.get(TOKENS_ENV)
    if not path:
        return {}
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    return {e["sha256"]: Principal(e["role"], e.get("subject_id")) for e in entries}


def principal(request: Request, authorization: str | None = Header(default=None)) -> Principal:
    """Who is calling: the principal of the bearer token, or ``public`` without one."""
    if not authorization:
        return Principal("public")
    scheme, _, token = authorization.partition(" ")
    found = request.app.state.exchange_tokens.get(hashlib.sha256(token.encode()).hexdigest())
    if scheme.lower() != "bearer" or found is None:
        raise HTTPException(401, "unknown token")
    return found


def _registry(request: Request) -> Registry:
    registry = getattr(request.app.state, "exchange_registry", None)
    if registry is None:
        raise HTTPException(503, f"no exchange registry on this server: set {db.DB_ENV} (a database URL "
                                 "migrated by `corridor exchange init`) before `corridor serve`")
    return registry


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except AccessDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None


def _bulk_records(kind: str, who: Principal, reg: Registry, records: list[dict[str, Any]]) -> int:
    """Load records a PES (jobseekers of its country) or an employer (its vacancies) may write."""
    if who.role == "pes" and kind == "jobseeker":
        country = _call(reg.pes_country, who.subject_id)
        for n, r in enumerate(records):
            if r.get("origin") != country:
                raise HTTPException(403, f"record {n}: a PES loads only jobseekers of its country ({country})")
            r["pes_id"] = who.subject_id
    elif who.role == "employer" and kind == "vacancy":
        for n, r in enumerate(records):
            if r.setdefault("employer_id", who.subject_id) != who.subject_id:
                raise HTTPException(403, f"record {n}: an employer loads only its own vacancies")
    else:
        raise HTTPException(403, f"the {who.role} role may not load {kind} records")
    return _call(bulk.load, reg, kind, records, actor=who.label)


async def _records(request: Request) -> list[dict[str, Any]]:
    body = await request.body()
    if request.headers.get("content-type", "").startswith("text/csv"):
        return bulk.records_from_text(body.decode("utf-8"), "csv")
    data = json.loads(body or b"[]")
    if not isinstance(data, list):
        raise HTTPException(400, "the body must be a JSON array of records (or text/csv)")
    return data


@router.post("/jobseekers", summary="Bulk load jobseekers (JSON array or text/csv; a PES, for its country)")
async def load_jobseekers(request: Request, who: Principal = Depends(principal)) -> dict[str, int]:
    return {"loaded": _bulk_records("jobseeker", who, _registry(request), await _records(request))}


@router.post("/vacancies", summary="Bulk load vacancies (JSON array or text/csv; an employer, its own)")
async def load_vacancies(request: Request, who: Principal = Depends(principal)) -> dict[str, int]:
    return {"loaded": _bulk_records("vacancy", who, _registry(request), await _records(request))}


@router.get("/jobseekers/{jobseeker_id}", summary="A jobseeker's record, as the caller may see it")
def get_jobseeker(jobseeker_id: int, request: Request, who: Principal = Depends(principal)) -> dict:
    return _call(_registry(request).jobseeker, who, jobseeker_id)


@router.patch("/jobseekers/{jobseeker_id}", summary="Change a jobseeker's record (the worker or their PES)")
def patch_jobseeker(jobseeker_id: int, changes: dict[str, Any], request: Request,
                    who: Principal = Depends(principal)) -> dict[str, str]:
    personal = changes.pop("personal", None)
    _call(_registry(request).update_jobseeker, who, jobseeker_id, personal=personal, **changes)
    return {"status": "updated"}


@router.get("/jobseekers/{jobseeker_id}/placements",
            summary="A worker's matches and placements with their explanation and the agreement's conditions")
def get_placements(jobseeker_id: int, request: Request, who: Principal = Depends(principal)) -> list[dict]:
    return _call(_registry(request).placements_of, who, jobseeker_id)


@router.get("/jobseekers/{jobseeker_id}/export", summary="Everything held on a worker (the worker)")
def export_jobseeker(jobseeker_id: int, request: Request, who: Principal = Depends(principal)) -> dict:
    return _call(_registry(request).export, who, jobseeker_id)


@router.delete("/jobseekers/{jobseeker_id}", summary="Erase a worker's personal data (the worker)")
def erase_jobseeker(jobseeker_id: int, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    _call(_registry(request).erase, who, jobseeker_id)
    return {"status": "erased"}


@router.post("/placements/{placement_id}/share", summary="The worker shares their profile with the employer")
def share(placement_id: int, request: Request, who: Principal = Depends(principal)) -> dict[str, str]:
    _call(_registry(request).share_with_employer, who, placement_id)
    return {"status": "shared"}


@router.get("/vacancies/{vacancy_id}", summary="A vacancy (its employer, its PES, matched workers, auditors)")
def get_vacancy(vacancy_id: int, request: Request, who: Principal = Depends(principal)) -> dict:
    return _call(_registry(request).vacancy, who, vacancy_id)


@router.get("/agreements/{agreement_id}", summary="A bilateral labour agreement (public)")
def get_agreement(agreement_id: int, request: Request) -> dict:
    return _call(_registry(request).agreement, agreement_id)


@router.get("/statistics/{dataflow}", summary="Public aggregates after disclosure control")
def get_statistics(dataflow: str, request: Request, min_cell: int = 5) -> list[dict]:
    tables = _cached_tables(request, max(min_cell, 5))
    if dataflow not in tables:
        raise HTTPException(404, f"unknown exchange dataflow {dataflow!r}; known: {', '.join(tables)}")
    frame = tables[dataflow].drop(columns=["missing"], errors="ignore")
    return json.loads(frame.to_json(orient="records"))


def _cached_tables(request: Request, min_cell: int) -> dict:
    """The suppressed tables, recomputed only when the registry changed (its change-log high-water mark)."""
    reg = _registry(request)
    version = (reg.last_change(), min_cell)
    cache = request.app.state.exchange_statistics
    if cache.get("version") != version:
        cache.update(version=version, tables=protected_tables(reg, min_cell=min_cell))
    return cache["tables"]


def mount_exchange(app: FastAPI, url: str | None = None, tokens: dict[str, Principal] | None = None) -> None:
    """Serve :data:`router` in ``app`` (``corridor serve``): the registry at ``url`` (default
    ``CORRIDOR_EXCHANGE_DB``; none configured: the exchange's JSON routes are not served), the tokens
    of ``tokens`` or
    ``CORRIDOR_EXCHANGE_TOKENS``. The database must be at the latest revision: the server never
    migrates it (``corridor exchange init`` does), and refuses to start otherwise."""
    url = url or os.environ.get(db.DB_ENV)
    registry = None
    if url:
        engine = db.engine_for(url)
        at, head = db.current_revision(engine), db.head_revision()
        if at != head:
            raise InputError(f"the exchange registry {engine.url.render_as_string()} is at revision {at}, "
                             f"not {head}: run `corridor exchange init --db URL` first")
        registry = Registry(engine)
    app.state.exchange_registry = registry
    app.state.exchange_tokens = tokens if tokens is not None else tokens_from_file()
    app.state.exchange_statistics = {}
    include_exchange_routes(app, registry=registry is not None)


def include_exchange_routes(app: FastAPI, *, registry: bool = True) -> None:
    """The exchange's JSON routes: the portability calculator (issue 13; it needs no registry) and, when
    the server has a registry, :data:`router` and the fair-recruitment routes (without one they are not
    served, so they are neither in the OpenAPI description nor a 5xx). Imported here because those modules
    build on this one's ``principal``."""
    from corridor.exchange.api_recruitment import router as recruitment_router
    from corridor.portability.api import router as portability_router

    app.include_router(portability_router)
    if registry:
        app.include_router(router)
        app.include_router(recruitment_router)


def create_exchange_app(registry: Registry, tokens: dict[str, Principal] | None = None) -> FastAPI:
    """A stand-alone app serving :data:`router` (for tests and until it is mounted in the main app)."""
    app = FastAPI(title="corridor labour mobility exchange", version="0.1")
    app.state.exchange_registry = registry
    app.state.exchange_tokens = tokens if tokens is not None else tokens_from_file()
    app.state.exchange_statistics = {}
    include_exchange_routes(app)
    # the worker's ledger page, for tests of the stand-alone app (``corridor serve`` has it in the portal)
    from corridor.publish.portal.pages.recruitment import router as worker_pages

    app.include_router(worker_pages)
    return app
