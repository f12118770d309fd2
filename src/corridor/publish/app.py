"""The HTTP application: SDMX-style data API, structures, provenance, and the portal when installed.

``create_app(warehouse)`` serves the warehouse's published snapshot (read-only; a newer snapshot,
published by ``corridor ingest`` and the other writing commands, is switched to without a restart:
:class:`~corridor.publish.api.state.LiveState`) and returns a FastAPI app:

* ``/data/{flow}/{key}`` (:mod:`corridor.publish.api.data`), ``/structure/...``
  (:mod:`corridor.publish.api.structure`), ``/datasets`` (:mod:`corridor.publish.api.datasets`);
* the portal's pages (``corridor.publish.portal.router``, an ``APIRouter``) and its assets at
  ``/static`` when that package is present;
* ``/openapi.json`` (the OpenAPI description) and ``/docs``, a server-rendered endpoint list built from
  it (FastAPI's Swagger page loads its scripts from a CDN, so it is switched off: nothing the service
  sends refers to a remote address).

* the labour mobility exchange's JSON API at ``/exchange`` (:func:`corridor.exchange.api.mount_exchange`).

Everything but the exchange is read-only: any method other than GET and HEAD is answered 405 outside
:data:`WRITABLE_PREFIXES`. Errors are JSON ``{"status", "error", "message"}`` with a 4xx status saying
what was wrong. Every response carries the security headers of
:class:`corridor.publish.security.SecurityHeaders`; the audit log is checked writable at start.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from corridor import __version__
from corridor.errors import CorridorError, InputError
from corridor.exchange.api import mount_exchange
from corridor.process_memory import limit_arenas
from corridor.publish.api import availability, data, datasets, prewarm, structure
from corridor.publish.api.errors import ApiError
from corridor.publish.api.limits import PER_CLIENT_LIGHT, ClientGone, Limits
from corridor.publish.api.state import (
    DEFAULT_CACHE_BYTES,
    MAX_OBSERVATIONS,
    MAX_RESPONSE_BYTES,
    METHOD_KEY,
    SCOPE_KEY,
    LiveState,
    ServiceState,
    request_state,
)
from corridor.publish.security import (
    ANONYMOUS,
    AuditLog,
    SecurityHeaders,
    TokenStore,
    default_audit_log,
    default_tokens_file,
)

READ_METHODS = frozenset({"GET", "HEAD"})
#: the exchange's API and a worker's own page take writes (each checks who may write what)
WRITABLE_PREFIXES = ("/exchange/", "/labour-exchange/me/")
PORTAL_MODULE = "corridor.publish.portal"


class ReadOnlyMiddleware:
    """Answer 405 (``Allow: GET, HEAD``) to every method that could change something (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in READ_METHODS \
                and not scope["path"].startswith(WRITABLE_PREFIXES):
            response = JSONResponse(
                ApiError(405, f"{scope['method']} is not allowed: the service is read-only (GET and HEAD "
                              "only)").body(), status_code=405, headers={"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "HEAD":
            # answer HEAD as GET without a body (Starlette routes do; FastAPI API routes do not); the
            # audit log records the method the client sent
            scope = dict(scope, method="GET")
            scope[METHOD_KEY] = "HEAD"
            await self.app(scope, receive, _drop_body(send))
            return
        await self.app(scope, receive, send)


#: Response header naming the snapshot that answered (``<UTC time>-<sequence>.duckdb``).
SNAPSHOT_HEADER = b"x-corridor-snapshot"


class LeaseState:
    """Lease the served state for the whole of each HTTP request, body included, and put it in the
    request's scope (pure ASGI; see :meth:`LiveState.lease`): a request is answered from one
    snapshot, named in the :data:`SNAPSHOT_HEADER` of its response, and a retired snapshot is
    closed only after its last request."""

    def __init__(self, app: ASGIApp, live: LiveState) -> None:
        self.app = app
        self.live = live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.live.lease() as state:
            scope[SCOPE_KEY] = state
            name = state.snapshot.name.encode() if state.snapshot is not None else b""

            async def named(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", ()), (SNAPSHOT_HEADER, name)]}
                await send(message)

            await self.app(scope, receive, named)


#: paths the HTTP cache leaves alone: static assets (served from files already); the exchange's API
#: (answers from its registry, not the snapshot) and a worker's own page (personal, by cookie)
UNCACHED_PREFIXES = ("/static", "/exchange", "/labour-exchange/me")


class HttpCache:
    """Keep whole responses of anonymous GET requests with status 200 in an LRU, keyed by path, query
    string and ``Accept`` header, and answer repeats before routing (pure ASGI).

    Safe because a served snapshot never changes and the cache belongs to the request's state
    (``ServiceState.http_cache``): after a switch to a newer snapshot, responses of the old one are
    never served again. An anonymous request sees public material only; a request with an
    ``Authorization`` header is never cached nor answered from the cache (restricted material and
    its audit trail go through the routes every time). A repeat costs a dictionary look-up instead
    of routing, validation and negotiation, which matters on a loaded machine. The data routes keep
    their own cache of *parsed* queries (``ServiceState.cache``), so equivalent spellings of a query
    share one result.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = 16 * 2**20) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" \
                or scope["path"].startswith(UNCACHED_PREFIXES):
            await self.app(scope, receive, send)
            return
        cache = scope[SCOPE_KEY].http_cache
        if cache.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        accept = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                await self.app(scope, receive, send)
                return
            if name == b"accept":
                accept = value
        key = (scope["path"], scope.get("query_string", b""), accept)
        hit = cache.get(key)
        if hit is not None:
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        captured: dict[str, Any] = {"start": None, "chunks": [], "size": 0, "keep": True}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
                captured["keep"] = message.get("status") == 200
            elif message["type"] == "http.response.body" and captured["keep"]:
                captured["chunks"].append(message.get("body", b""))
                captured["size"] += len(message.get("body", b""))
                if captured["size"] > self.max_bytes:
                    captured["keep"] = False
                    captured["chunks"] = []  # not kept: let the pieces go now, not when the answer ends
                elif not message.get("more_body", False):
                    cache.put(key, (captured["start"], b"".join(captured["chunks"])))
            await send(message)

        await self.app(scope, receive, capture)


def _drop_body(send: Send) -> Send:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)
    return wrapped


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ApiError(status, message).body(), status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers or None)

    @app.exception_handler(ClientGone)
    async def client_gone(_request: Request, _exc: ClientGone) -> Response:
        return Response(status_code=499)  # nginx's "client closed request": nobody reads it

    @app.exception_handler(InputError)
    async def input_error(_request: Request, exc: InputError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(CorridorError)
    async def corridor_error(_request: Request, exc: CorridorError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg')}")
        return _error(400, "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such resource; GET /docs lists the endpoints"
        return _error(exc.status_code, message, getattr(exc, "headers", None))


def _openapi_with_real_statuses(app: FastAPI) -> None:
    """Make ``/openapi.json`` say what the service answers: FastAPI documents a 422 for every route with
    parameters, but a request that fails validation is answered 400 here (:func:`_install_error_handlers`);
    every route may also answer 405 (read-only) and carries no 422 (issue 11: the document said 200/422
    where the service answers 400/404)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        for methods in spec.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", {"description": "Invalid parameter"})
        spec.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        spec.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _docs_page(app: FastAPI) -> str:
    spec = app.openapi()
    rows = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = ", ".join(
                f"{html.escape(p['name'])}" for p in op.get("parameters", []) if p.get("in") == "query")
            rows.append(
                f"<tr><td>{method.upper()}</td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary') or '')}</td><td>{params}</td></tr>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>corridor API</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}td,th{padding:.3em .6em;"
        "border-bottom:1px solid #ddd;text-align:left;vertical-align:top}code{font-size:1.05em}</style>"
        "</head><body><h1>corridor API</h1><p>SDMX-style REST API over the corridor warehouse. "
        "The machine-readable description is <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3); "
        "formats: SDMX-ML 2.1, SDMX-CSV 2.0, JSON-stat 2.0, CSV, JSON (<code>format=</code> or "
        "<code>Accept</code>).</p><table><tr><th>method</th><th>path</th><th>what</th>"
        "<th>query parameters</th></tr>" + "".join(rows) + "</table></body></html>"
    )


def _portal() -> tuple[Any, Path | None] | None:
    """The portal's router and static folder, when ``corridor.publish.portal`` is installed."""
    if importlib.util.find_spec(PORTAL_MODULE) is None:
        return None
    module = importlib.import_module(PORTAL_MODULE)
    router = getattr(module, "router", None)
    if router is None:
        return None
    static = Path(getattr(module, "STATIC_DIR", Path(__file__).resolve().parent / "portal" / "static"))
    return router, static if static.is_dir() else None


def create_app(
    warehouse: str | Path,
    *,
    tokens_file: str | Path | None = None,
    audit_log: str | Path | None = None,
    cache_mb: int = DEFAULT_CACHE_BYTES // 2**20,
    max_observations: int = MAX_OBSERVATIONS,
    max_mb: int = MAX_RESPONSE_BYTES // 2**20,
    client_limit: int = PER_CLIENT_LIGHT,
    memory_index: bool = True,
    preload: tuple[str, ...] | list[str] = (),
) -> FastAPI:
    """The corridor web application over the published snapshots of the warehouse file ``warehouse``.

    At start the warehouse's committed state is published as a snapshot if it changed since the last
    one (:func:`~corridor.publish.api.state.serving_snapshot`; when a writer holds the warehouse, the
    last published snapshot is served, and with none the start fails with a message). While the app
    runs (its lifespan), a watcher switches to each newer snapshot without dropping a request.

    ``tokens_file`` (default ``CORRIDOR_TOKENS``) holds hashed bearer tokens and roles for restricted
    material; ``audit_log`` (default ``CORRIDOR_AUDIT_LOG`` or ``var/audit.jsonl``) receives one JSON
    line per access to restricted material. ``cache_mb`` megabytes of responses are kept (0: no cache)
    in the data routes' cache and as much in the HTTP cache in front of all routes (:class:`HttpCache`),
    per snapshot; a response of more than ``max_observations`` observations or ``max_mb`` megabytes is
    answered 413 naming the limit; one client address may have ``client_limit`` uncached queries (half
    as many whole-dataflow ones) waiting or running (:mod:`corridor.publish.api.limits`);
    ``memory_index`` keeps every dataflow's public latest observations in memory
    (:mod:`corridor.store.published`, :mod:`corridor.publish.api.index`), read in the background after
    start (:func:`corridor.publish.api.prewarm.start`), or at once for the dataflows named in ``preload``
    (again for each new snapshot, before it is switched to).
    """
    limit_arenas()  # a served dump's memory goes back instead of staying in a thread's arena
    tokens = TokenStore.load(tokens_file if tokens_file is not None else default_tokens_file())
    audit = AuditLog(audit_log if audit_log is not None else default_audit_log())
    audit.check()  # fail closed at start: no restricted material is served without its audit trail

    def build(snapshot: Path) -> ServiceState:
        state = ServiceState.open(snapshot, tokens=tokens, audit=audit, cache_bytes=cache_mb * 2**20,
                                  max_observations=max_observations, max_bytes=max_mb * 2**20,
                                  memory_index=memory_index,
                                  warehouse=warehouse)
        try:
            for flow in preload:
                if state.index is None:
                    break
                if flow not in state.catalog.flows:
                    raise InputError(f"cannot preload dataflow {flow!r}: dataflows are "
                                     f"{', '.join(state.catalog.flows)}")
                state.index.build(state.root, flow, columns=data.ANSWER_COLUMNS)
            prewarm.start(state)  # period codes now; the common statements compiled in the background
        except BaseException:
            state.close()
            raise
        return state

    live = LiveState(warehouse, build)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        live.start()
        try:
            yield
        finally:
            live.stop()
            live.clear_answer_files()

    app = FastAPI(
        title="corridor",
        version=__version__,
        description="Migrant stocks, flows and their sources in SDMX REST form (agency CORRIDOR).",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan,
    )
    app.state.corridor = live
    app.state.limits = Limits(per_client_light=client_limit, per_client_heavy=max(1, client_limit // 2))
    app.state.warehouse_path = Path(warehouse)
    _install_error_handlers(app)
    app.include_router(data.router)
    app.include_router(structure.router)
    app.include_router(datasets.router)
    app.include_router(availability.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app))

    mount_exchange(app)
    portal = _portal()
    if portal is not None:
        router, static = portal
        app.include_router(router)
        if static is not None:
            app.mount("/static", StaticFiles(directory=static), name="static")
    if not any(getattr(r, "path", None) == "/" for r in app.routes):
        @app.get("/", include_in_schema=False)
        def index(request: Request) -> JSONResponse:
            return JSONResponse({
                "service": "corridor", "version": __version__,
                "endpoints": ["/data/{flow}/{key}", "/structure/dataflow", "/structure/codelist/CL_AREA",
                              "/datasets", "/openapi.json", "/docs"],
                "dataflows": request_state(request).visible_flows(ANONYMOUS),
            })

    _openapi_with_real_statuses(app)
    app.add_middleware(HttpCache)
    app.add_middleware(LeaseState, live=live)
    app.add_middleware(ReadOnlyMiddleware)
    app.add_middleware(SecurityHeaders)
    return app
