"""The HTTP face of graphsvc: :func:`create_app` builds the FastAPI app over one service.

The app keeps no module-level state: its :class:`AppState` (the service, settings, keys, the
SPARQL executor and the write lock) lives in ``app.state.gs``, where the routes read it through
:mod:`graphsvc.http.deps`. The routes live in one module per resource (``*_routes.py`` beside this
one, the pages in :mod:`graphsvc.http.pages`, SPARQL in :mod:`graphsvc.http.sparql`) and only
translate: REST routes call the domain functions on a view of the service restricted to what the
caller may read (:class:`graphsvc.store.tenancy.ScopedStore`), and the SPARQL routes hand over to
:mod:`graphsvc.http.sparql.endpoint`.

Every error leaves through one handler as
``{"ok": false, "error": msg, "errors": [...], "status": n, "code": "..."}``; an exception
that is not a :class:`~graphsvc.errors.GraphSvcError` becomes a generic 500 and its traceback
goes to the log only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graphsvc.config import Settings
from graphsvc.errors import AuthError, BadRequest, GraphSvcError, InternalError, PayloadTooLarge, TooManyRequests
from graphsvc.http.applicability_routes import applicability_router
from graphsvc.http.catalog_routes import catalog_router
from graphsvc.http.coverage_routes import coverage_router
from graphsvc.http.crosswalk_routes import crosswalk_router
from graphsvc.http.docs import install_docs
from graphsvc.http.head import HeadAsGet
from graphsvc.http.keys import KeyStore, principal_for
from graphsvc.http.keyverify import KeyAuth, KeyVerifier, principal_in
from graphsvc.http.limits import CallerLimits
from graphsvc.http.org_read_routes import org_read_router
from graphsvc.http.org_write_routes import org_write_router
from graphsvc.http.plan_routes import plan_router
from graphsvc.http.query_routes import query_router, run_router
from graphsvc.http.service_routes import service_router
from graphsvc.http.sparql.endpoint import make_executor
from graphsvc.http.sparql.gsp_routes import gsp_router
from graphsvc.http.sparql.routes import TRUNCATED, sparql_router
from graphsvc.service import GraphService
from graphsvc.store.tenancy import Principal, ScopedStore

log = logging.getLogger("graphsvc.http.app")


# -- errors: one body, one handler ----------------------------------------------------------------
def error_body(status: int, code: str, message: str, errors: list[str] | None = None) -> dict[str, Any]:
    """The one JSON shape of every error graphsvc's API returns."""
    return {"ok": False, "error": message, "errors": errors or [message], "status": status, "code": code}


def error_response(exc: BaseException) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, GraphSvcError):
        status, code, message, errors = exc.http_status, exc.code, exc.message, exc.errors
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, AuthError):
            headers["WWW-Authenticate"] = 'Bearer realm="graphsvc"'
    elif isinstance(exc, RequestValidationError):
        errors = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            errors.append(f"{where}: {e.get('msg', 'invalid')}")
        status, code = 422, "request_invalid"
        message = "; ".join(errors) or "invalid request"
    elif isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
        message = str(exc.detail)
        errors = [message]
        headers.update(exc.headers or {})
    else:
        log.error("unhandled error", exc_info=exc)
        status, code, message = InternalError.http_status, InternalError.code, InternalError.default_message
        errors = [message]
    return JSONResponse(error_body(status, code, message, errors), status_code=status, headers=headers)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


# -- the request body limit (pure ASGI, outermost) ------------------------------------------------
class BodyLimit:
    """Answer 413 to a body larger than ``limit`` bytes, by Content-Length or as it streams in."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                length = value
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await self._reply(send, BadRequest("Content-Length is not a number"))
                return
            if declared > self.limit:
                await self._reply(send, self._too_large())
                return
        received = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._too_large()
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge as exc:
            if not started:
                await self._reply(send, exc)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body is larger than {self.limit:,} bytes (settings.body_limit)")

    async def _reply(self, send: Callable[..., Any], exc: GraphSvcError) -> None:
        response = error_response(exc)
        response.headers["Connection"] = "close"
        await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})


# -- state ------------------------------------------------------------------------------------
class AppState:
    """What one app holds: the service, settings, keys, the query executor and the write lock."""

    def __init__(self, service: GraphService, settings: Settings, keys: KeyStore, executor: Any) -> None:
        self.service = service
        self.settings = settings
        self.keys = keys
        self.executor = executor
        self.write_lock = threading.Lock()
        self.limits = CallerLimits.for_workers(
            getattr(executor, "workers", 2),
            settings.caller_concurrency,
            settings.anonymous_concurrency,
            settings.queue_wait,
        )
        self._views: dict[str, GraphService] = {}
        self._views_lock = threading.Lock()

    def principal(self, request: Request) -> Principal:
        """The caller, as :class:`graphsvc.http.keyverify.KeyAuth` resolved it before the route ran."""
        found = principal_in(request.scope)
        if found is not None:
            return found
        return principal_for(self.keys, request.headers.get("authorization"), anonymous=self.settings.anonymous)

    def writer(self, request: Request) -> Principal:
        p = self.principal(request)
        if p.is_anonymous:
            raise AuthError("writing needs a writer or admin API key (Authorization: Bearer KEY)")
        return p

    def view(self, principal: Principal) -> GraphService:
        """The service as this caller may see it (admins see the whole store)."""
        if principal.is_admin:
            return self.service
        key = principal.scope
        with self._views_lock:
            svc = self._views.get(key)
            if svc is None:
                scope = Principal(key_id=None, role="reader", tenant=principal.tenant, name=key)
                svc = GraphService(self.settings, ScopedStore(self.service.store, scope), self.service.registry)
                self._views[key] = svc
            return svc

    def after_write(self) -> None:
        """Call with the write lock held, after every write."""
        self.service.invalidate()
        with self._views_lock:
            self._views.clear()
        self.executor.refresh()


# -- the app ----------------------------------------------------------------------------------------
DESCRIPTION = (
    "Send an API key as `Authorization: Bearer KEY` (`graphsvc keys create`). Without one, "
    "requests read the public graphs (catalogs, mappings, what organisations publish) unless "
    "anonymous access is turned off. Errors are JSON: "
    '`{"ok": false, "error": ..., "errors": [...], "status": n, "code": ...}`.'
)

#: The REST routers of this folder, in the order the app registers them.
REST_ROUTERS = (
    service_router,
    catalog_router,
    crosswalk_router,
    applicability_router,
    org_read_router,
    coverage_router,
    org_write_router,
    query_router,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the query executor with the app; close it and the key verifier when it stops."""
    state: AppState = app.state.gs
    await run_in_threadpool(state.executor.start)
    try:
        yield
    finally:
        state.executor.close()
        app.state.verifier.close()


def _add_middleware(app: FastAPI, settings: Settings, verifier: KeyVerifier) -> None:
    """CORS (if configured) innermost, then the key check, HEAD as GET, and the body limit outermost."""
    if settings.cors_origins.strip():
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=[TRUNCATED],
        )
    app.add_middleware(KeyAuth, verifier=verifier)  # type: ignore[arg-type]
    app.add_middleware(HeadAsGet)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, limit=settings.body_limit)


def create_app(
    service: GraphService,
    settings: Settings | None = None,
    *,
    keys: KeyStore | None = None,
    executor: Any = None,
    query_workers: int = 2,
) -> FastAPI:
    """The FastAPI app over one service.

    ``executor`` runs SPARQL queries (default: worker processes over checkpoints of an on-disk
    store, threads for an in-memory one); ``keys`` defaults to ``<data_dir>/keys.json``.
    """
    settings = settings or service.settings
    keys = keys or KeyStore(settings.data_path / "keys.json")
    if executor is None:
        executor = make_executor(service.store, settings.data_path, query_workers, settings.worker_memory)
    state = AppState(service, settings, keys, executor)
    verifier = KeyVerifier(keys, anonymous=settings.anonymous)

    from graphsvc import __version__

    app = FastAPI(
        title="graphsvc",
        version=__version__,
        summary="AI-governance requirements, crosswalks and coverage: REST API and SPARQL 1.1 endpoint.",
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,  # /docs and /redoc come from installed files (graphsvc.http.docs), not a CDN
        redoc_url=None,
    )
    install_docs(app)
    app.state.gs = state
    app.state.verifier = verifier
    for cls in (GraphSvcError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
    _add_middleware(app, settings, verifier)
    from graphsvc.http.pages import web_router

    app.include_router(web_router)
    from graphsvc.http.ciso_assistant_routes import ciso_assistant_router

    app.include_router(ciso_assistant_router)

    from graphsvc.http.review_routes import review_router

    app.include_router(review_router)
    app.include_router(plan_router)  # GET /plan/... (graphsvc/http/plan_routes.py)
    for router in REST_ROUTERS:
        app.include_router(router)
    app.include_router(run_router(service.registry))  # /queries/NAME/run for each named query

    # -- SPARQL 1.1 Protocol (graphsvc/http/sparql/routes.py) -------------------------------------------------
    app.include_router(sparql_router)

    # -- Graph Store Protocol (graphsvc/http/sparql/gsp_routes.py) ---------------------------------------------------
    app.include_router(gsp_router)

    return app
