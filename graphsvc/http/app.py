"""The HTTP face of graphsvc: REST routes, the SPARQL 1.1 endpoint and the Graph Store Protocol.

``create_app(service, settings)`` builds a FastAPI app and keeps no module-level state. Routes
only translate: REST routes call the domain functions (:mod:`graphsvc.service`,
:mod:`graphsvc.domain.coverage`, :mod:`graphsvc.domain.applicability`, :mod:`graphsvc.imports.org`) on a view
of the service restricted to what the caller may read (:class:`graphsvc.store.tenancy.ScopedStore`),
and the SPARQL routes hand over to :mod:`graphsvc.http.sparql.endpoint`.

Every error leaves through one handler as
``{"ok": false, "error": msg, "errors": [...], "status": n, "code": "..."}``; an exception
that is not a :class:`~graphsvc.errors.GraphSvcError` becomes a generic 500 and its traceback
goes to the log only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from graphsvc import service as S
from graphsvc.config import Settings
from graphsvc.domain import applicability as A
from graphsvc.domain import coverage as C
from graphsvc.domain.applicability import parse_facts
from graphsvc.domain.resolve import resolve_system
from graphsvc.errors import (
    AuthError,
    BadRequest,
    GraphSvcError,
    PayloadTooLarge,
    QueryNotFound,
    QueryParameterError,
    TooManyRequests,
    UnknownTerm,
)
from graphsvc.exports.results import jsonable
from graphsvc.http.docs import install_docs
from graphsvc.http.head import HeadAsGet
from graphsvc.http.keys import KeyStore, principal_for
from graphsvc.http.keyverify import KeyAuth, KeyVerifier, principal_in
from graphsvc.http.limits import CallerLimits
from graphsvc.http.org_routes import Writer, delete_org_document, write_org_document
from graphsvc.http.params import (
    ERRORS,
    AsOf,
    Auth,
    CoverageArgs,
    Depth,
    ErrorBody,
    Explain,
    LawVersion,
    MaxPaths,
    MinStrength,
    Proposed,
)
from graphsvc.http.plan_routes import plan_router
from graphsvc.http.sparql.endpoint import make_executor
from graphsvc.http.sparql.gsp_routes import gsp_router
from graphsvc.http.sparql.routes import TRUNCATED, sparql_router
from graphsvc.namespaces import GSD, compress, graph_iri
from graphsvc.service import GraphService
from graphsvc.sources import layers as L
from graphsvc.sources.conditions import ATTRIBUTES
from graphsvc.store.tenancy import ORG_PREFIX, Principal, ScopedStore

log = logging.getLogger("graphsvc.http.app")

_ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# -- response models (documentation and output validation) -----------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class _Open(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")


class Framework(_Model):
    id: str
    title: str
    edition: str
    requirements: int
    publisher: str
    iri: str


class RequirementItem(_Model):
    curie: str
    notation: str
    title: str = ""
    kind: str
    parent: str = ""
    summary: str = ""
    layer: str = Field(default="", description="set when the requirement exists only in this EU AI Act law layer")


class RequirementPage(_Model):
    framework: str
    total: int
    limit: int
    offset: int
    items: list[RequirementItem]


class Requirement(_Model):
    iri: str
    curie: str
    framework: str
    notation: str
    title: str = ""
    kind: str
    parent: str = ""
    summary: str = ""


class Hop(_Model):
    from_: str = Field(alias="from")
    from_curie: str
    to: str
    to_curie: str
    relation: str
    inverted: bool
    strength: int
    status: str
    source: str
    comment: str
    mapping: str


class CrosswalkLink(_Model):
    source: str
    source_curie: str
    target: str
    target_curie: str
    target_title: str
    target_framework: str
    relation: str = Field(description="equal, subset, superset, intersects or not-related (read source r target).")
    transfer: str = Field(description="full, partial or none: how much meeting the source meets the target.")
    strength: int
    status: str
    derived: bool
    source_ref: str
    comment: str
    path: list[Hop]


class CrosswalkAnswer(_Model):
    requirement: Requirement
    to: str | None
    mappings_used: str
    total: int
    items: list[CrosswalkLink]


class CrosswalkPage(_Model):
    from_: str = Field(alias="from")
    to: str
    mappings_used: str
    total: int
    limit: int
    offset: int
    items: list[CrosswalkLink]


class CoverRow(_Model):
    rank: int
    notation: str
    title: str
    curie: str
    new_targets: int
    cumulative: int
    targets: list[str]


class CoverAnswer(_Model):
    from_: str = Field(alias="from")
    to: str
    budget: int
    items: list[CoverRow]


class LawLayer(_Model):
    id: str = Field(description="the law layer used, e.g. amended")
    title: str
    status: str = Field(description="in-force or proposal")
    in_force_from: str | None = Field(default=None, description="when the act the layer rests on entered into force")
    statement: str = Field(description="the legal status in words, e.g. 'law in force since 2026-07-27'")
    act: str = ""
    source: str = ""


class ApplicableRow(_Model):
    notation: str
    title: str
    curie: str
    status: str = Field(
        description="applies, applies-from (a later date), conditional, or does-not-apply (with all=true)"
    )
    condition: str = Field(default="", description="what decides a conditional row, in words")
    from_: dt.date = Field(alias="from")
    role: str
    category: str
    layer: str
    reason: str = Field(description="Why, in words, citing the article")
    condition: str = Field(description="The conditions the Regulation attaches to this obligation, if any")
    decided_by: list[str] = Field(description="For a conditional row: the attributes (or @facts) that would decide it")


class ApplicableAnswer(_Model):
    roles: list[str]
    categories: list[str]
    system: str | None = None
    attributes: dict[str, Any] = Field(description="The attributes the answer rests on (given, recorded or default)")
    not_given: list[str] = Field(description="Attributes not given: obligations they decide are conditional")
    as_of: dt.date
    law_version: str
    law_layer: LawLayer
    summary: dict[str, int] = Field(description="Rows per status, does-not-apply included")
    total: int
    items: list[ApplicableRow]


class SystemRow(_Model):
    id: str
    iri: str
    label: str
    org: str
    org_label: str
    purpose: str
    roles: list[str]
    categories: list[str]
    depends_on: list[str]


class CertificateRow(_Model):
    id: str
    iri: str
    kind: str
    label: str
    holder: str
    framework: str
    valid_from: dt.date
    valid_until: dt.date
    issuer: str = ""
    accreditation: str = ""
    systems: int


class CoverageRequirement(_Open):
    notation: str
    curie: str
    title: str
    status: str = Field(description="satisfied, partial, gap, upcoming, conditional or not-applicable")
    would_be: str | None = Field(None, description="For upcoming and conditional rows: the status the paths give")
    binds: list[str] | None = Field(None, description="Without an applicability filter: the roles it binds")
    via: list[str]
    residual: list[str]
    explanation: str
    path_count: int
    applicability: dict[str, Any] | None = None
    paths: list[dict[str, Any]] | None = None


class CertificateCoverage(_Open):
    certificate: dict[str, Any]
    target: str
    as_of: str
    law_version: str
    law_layer: LawLayer
    mappings_used: str
    applicability: str = Field(description="The applicability filter applied, or that none was")
    summary: dict[str, int]
    requirements: list[CoverageRequirement]


class SystemCoverage(_Open):
    system: dict[str, Any]
    target: str
    as_of: str
    law_version: str
    law_layer: LawLayer
    mappings_used: str
    certificates: list[dict[str, Any]]
    ignored: list[dict[str, Any]]
    summary: dict[str, int]
    by_origin: dict[str, int]
    requirements: list[CoverageRequirement]


class OrgCoverage(_Open):
    organisation: str
    target: str
    as_of: str
    law_version: str
    law_layer: LawLayer
    summary: dict[str, int]
    systems: list[dict[str, Any]]
    gaps: list[dict[str, Any]]


class Organisation(_Model):
    id: str
    graphs: dict[str, int] = Field(description="Each graph of the organisation the caller may read, with its size.")
    systems: list[str] = []
    certificates: list[str] = []


class OrgWritten(_Model):
    ok: bool = True
    organisation: str
    created: bool
    triples: int
    graphs: dict[str, int]


class QueryParamInfo(_Model):
    name: str
    kind: str
    required: bool
    default: str | None = None
    help: str = ""


class NamedQueryInfo(_Model):
    name: str
    summary: str
    description: str = ""
    tags: list[str]
    form: str
    params: list[QueryParamInfo]
    run: str
    text: str | None = None


class QueryRun(_Model):
    query: str
    total: int
    limit: int
    offset: int
    rows: list[dict[str, Any]]


class Health(_Model):
    ok: bool = True
    version: str
    graphs: int
    executor: str
    workers_offline: bool = Field(
        False, description="true when the SPARQL query workers run with no network at all (graphsvc.http.netns)"
    )


class WhoAmI(_Model):
    anonymous: bool = Field(description="true without a key (where anonymous access is on)")
    key_id: str | None = Field(description="the key's id (never its secret)")
    name: str = Field(description="the name the key was created with")
    role: str = Field(description="reader, writer, admin or anonymous")
    tenant: str | None = Field(description="the organisation the key belongs to, if any")
    scope: str = Field(description="what the key reads: admin, tenant:<org> or public")
    private_orgs: list[str] = Field(
        description="organisations whose private graphs the key reads; of any other, only what it publishes"
    )


APPLICABLE_PARAMS = {"role", "category", "system", "as_of", "law_version", "all", *ATTRIBUTES}


class Attributes:
    """The organisation and system attributes EU AI Act conditions test, as query parameters
    (named as in the organisation YAML; see docs/orgdata.md)."""

    def __init__(
        self,
        public_body: Annotated[
            bool | None, Query(description="A public authority, Union body or body governed by public law.")
        ] = None,
        public_service_provider: Annotated[
            bool | None, Query(description="A private entity providing public services.")
        ] = None,
        established_in_union: Annotated[
            bool | None, Query(description="Established in the Union (default true).")
        ] = None,
        financial_institution: Annotated[
            bool | None, Query(description="Subject to Union financial governance rules (default false).")
        ] = None,
        annex_iii_area: Annotated[
            str | None, Query(description="Annex III area or point of the use, e.g. 4(a).")
        ] = None,
        annex_i_section: Annotated[str | None, Query(description="A or B, for an Annex I product.")] = None,
        placed_on_market: Annotated[str | None, Query(description="Date placed on the market (YYYY-MM-DD).")] = None,
        used_at_workplace: Annotated[bool | None, Query(description="Used at the workplace by an employer.")] = None,
        open_source: Annotated[
            bool | None, Query(description="A GPAI model under a free and open-source licence.")
        ] = None,
        substantially_modified: Annotated[
            bool | None, Query(description="Substantially modified by this operator.")
        ] = None,
        rebranded: Annotated[bool | None, Query(description="This operator put its name or trademark on it.")] = None,
        art6_3_exemption: Annotated[
            bool | None, Query(description="The provider claims the Art. 6(3) derogation.")
        ] = None,
    ) -> None:
        self.facts = parse_facts({k: v for k, v in locals().items() if k != "self"}, how="query parameter")


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
        status, code, message = 500, "internal_error", "internal error; the server log has the details"
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

    def org_writer(self) -> Writer:
        return Writer(self.service, self.write_lock, self.after_write)

    def after_write(self) -> None:
        """Call with the write lock held, after every write."""
        self.service.invalidate()
        with self._views_lock:
            self._views.clear()
        self.executor.refresh()


def _mappings_used(include_proposed: bool) -> str:
    return "approved and proposed" if include_proposed else "approved only"


def _org_id(org: str) -> str:
    if not _ORG_ID.match(org):
        raise QueryParameterError(f"organisation id {org!r}: letters, digits, '.', '_' or '-'")
    return org


def _split(text: str | None) -> list[str]:
    return [t for t in (text or "").split(";") if t]


# -- the app ----------------------------------------------------------------------------------------
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

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.executor.start)
        try:
            yield
        finally:
            state.executor.close()
            verifier.close()

    from graphsvc import __version__

    app = FastAPI(
        title="graphsvc",
        version=__version__,
        summary="AI-governance requirements, crosswalks and coverage: REST API and SPARQL 1.1 endpoint.",
        description=(
            "Send an API key as `Authorization: Bearer KEY` (`graphsvc keys create`). Without one, "
            "requests read the public graphs (catalogs, mappings, what organisations publish) unless "
            "anonymous access is turned off. Errors are JSON: "
            '`{"ok": false, "error": ..., "errors": [...], "status": n, "code": ...}`.'
        ),
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from installed files (graphsvc.http.docs), not a CDN
        redoc_url=None,
    )
    install_docs(app)
    app.state.gs = state
    app.state.verifier = verifier
    for cls in (GraphSvcError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
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
    from graphsvc.http.pages import web_router

    app.include_router(web_router)
    from graphsvc.http.ciso_assistant_routes import ciso_assistant_router

    app.include_router(ciso_assistant_router)

    from graphsvc.http.review_routes import review_router

    app.include_router(review_router)
    app.include_router(plan_router)  # GET /plan/... (graphsvc/http/plan_routes.py)

    # -- the older page URLs: the styled pages of graphsvc.http.pages answer them (issue 14) ---------------
    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("ui/", status_code=307)

    @app.get("/sparql-editor", include_in_schema=False)
    def sparql_editor(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse("ui/sparql" + (f"?{query}" if query else ""), status_code=307)

    # -- the caller (the web pages check a key with it when it is entered) ----------------------------
    @app.get("/whoami", response_model=WhoAmI, tags=["service"], responses=ERRORS, summary="Who the API key is")
    def whoami(request: Request, _: Auth = None) -> dict[str, Any]:
        """The caller as the server sees its key: role, tenant, and the organisations whose private
        graphs it reads (every other organisation: only what it publishes). A wrong or revoked key is
        401, so a client can check a key before it relies on it."""
        p = state.principal(request)
        if p.is_admin:
            graphs = state.service.store.named_graphs()
            private = sorted({g[len(ORG_PREFIX) :].split("/")[0] for g in graphs if g.startswith(ORG_PREFIX)})
        else:
            private = [p.tenant] if p.tenant else []
        return {
            "anonymous": p.is_anonymous,
            "key_id": p.key_id,
            "name": p.name,
            "role": p.role,
            "tenant": p.tenant,
            "scope": p.scope,
            "private_orgs": private,
        }

    # -- health -----------------------------------------------------------------------------------
    @app.get("/health", response_model=Health, tags=["service"], summary="Liveness and store summary")
    def health() -> dict[str, Any]:
        return {
            "ok": True,
            "version": __version__,
            "graphs": len(service.store.named_graphs()),
            "executor": type(state.executor).__name__,
            "workers_offline": bool(getattr(state.executor, "network_isolated", lambda: False)()),
        }

    # -- catalogs ---------------------------------------------------------------------------------
    @app.get("/frameworks", response_model=list[Framework], tags=["catalogs"], responses=ERRORS)
    def frameworks(request: Request, _: Auth = None) -> list[dict[str, Any]]:
        """The framework editions in the graph, with their requirement counts."""
        return state.view(state.principal(request)).frameworks()

    @app.get(
        "/frameworks/{framework}/requirements", response_model=RequirementPage, tags=["catalogs"], responses=ERRORS
    )
    def framework_requirements(
        request: Request,
        framework: str,
        kind: Annotated[str | None, Query(description="Only this kind, e.g. annex_control, article.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Every requirement of a framework edition, in document order, a page at a time."""
        items = state.view(state.principal(request)).catalog(framework, kind)
        return {
            "framework": framework,
            "total": len(items),
            "limit": limit,
            "offset": offset,
            "items": items[offset : offset + limit],
        }

    @app.get("/requirements/{curie:path}", response_model=Requirement, tags=["catalogs"], responses=ERRORS)
    def requirement(request: Request, curie: str, _: Auth = None) -> dict[str, Any]:
        """One requirement by CURIE (`iso42001:A.6.2.8`, `euaia:26(1)`, `nistairmf:GOVERN-1.1`) or IRI."""
        svc = state.view(state.principal(request))
        return svc.requirement_info(svc.resolve(curie))

    # -- crosswalks -----------------------------------------------------------------------------

    @app.get("/crosswalk/{curie:path}", response_model=CrosswalkAnswer, tags=["crosswalk"], responses=ERRORS)
    def crosswalk_one(
        request: Request,
        curie: str,
        to: Annotated[str | None, Query(description="Only links into this framework (e.g. euaia).")] = None,
        depth: Depth = 2,
        min_strength: MinStrength = 1,
        include_proposed: Proposed = False,
        _: Auth = None,
    ) -> dict[str, Any]:
        """What one requirement maps to, direct links first, with relation, strength, source and path."""
        svc = state.view(state.principal(request))
        req = svc.resolve(curie)
        items = S.crosswalk(svc, curie, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed)
        return {
            "requirement": svc.requirement_info(req),
            "to": to,
            "mappings_used": _mappings_used(include_proposed),
            "total": len(items),
            "items": items,
        }

    @app.get("/crosswalk", response_model=CrosswalkPage, tags=["crosswalk"], responses=ERRORS)
    def crosswalk_matrix(
        request: Request,
        source: Annotated[str, Query(alias="from", description="Source framework id, e.g. iso42001.")],
        to: Annotated[str, Query(description="Target framework id, e.g. euaia.")],
        depth: Depth = 2,
        min_strength: MinStrength = 1,
        include_proposed: Proposed = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Every link from every requirement of one framework to another, a page at a time."""
        svc = state.view(state.principal(request))
        items = S.crosswalk_matrix(
            svc, source, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed
        )
        return {
            "from": source,
            "to": to,
            "mappings_used": _mappings_used(include_proposed),
            "total": len(items),
            "limit": limit,
            "offset": offset,
            "items": items[offset : offset + limit],
        }

    @app.get("/cover", response_model=CoverAnswer, tags=["crosswalk"], responses=ERRORS)
    def cover(
        request: Request,
        source: Annotated[str, Query(alias="from", description="Framework to pick requirements from.")],
        to: Annotated[str, Query(description="Framework to reach.")],
        budget: Annotated[int, Query(ge=1, le=200, description="How many requirements to pick.")] = 12,
        depth: Depth = 2,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Greedy cover: the requirements of one framework that together reach most of another."""
        svc = state.view(state.principal(request))
        return {"from": source, "to": to, "budget": budget, "items": S.cover(svc, source, to, budget, depth)}

    # -- applicability, systems, certificates ---------------------------------------------------

    @app.get("/applicable", response_model=ApplicableAnswer, tags=["euaia"], responses=ERRORS)
    def applicable_route(
        request: Request,
        attributes: Annotated[Attributes, Depends()],
        role: Annotated[str | None, Query(description="provider, deployer, importer, distributor, …")] = None,
        category: Annotated[str | None, Query(description="all, high-risk-annex-iii, transparency, gpai, …")] = None,
        system: Annotated[
            str | None, Query(description="An AI system id (ORG/ID) instead of role and category.")
        ] = None,
        as_of: AsOf = None,
        law_version: LawVersion = None,
        show_all: Annotated[
            bool, Query(alias="all", description="Also list the obligations that do not apply, and why.")
        ] = False,
        _: Auth = None,
    ) -> dict[str, Any]:
        """The EU AI Act obligations for a role and category, or a system: status (applies, applies-from,
        conditional, does-not-apply) and the reason in words for each."""
        unknown = sorted(set(request.query_params) - APPLICABLE_PARAMS)
        if unknown:
            raise QueryParameterError(
                f"unknown query parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(APPLICABLE_PARAMS))}"
            )
        svc = state.view(state.principal(request))
        day = as_of or dt.date.today()
        layer = L.resolve_layer(svc, law_version or settings.law_version, day)
        res = A.answer(
            svc,
            system=resolve_system(svc, system) if system else None,
            roles=[role] if role else [],
            categories=[category] if category else [],
            facts=attributes.facts,
            as_of=day,
            layer=layer,
            include_all=show_all,
        )
        res["law_layer"] = L.describe_layer(svc, layer)
        return res

    @app.get("/systems", response_model=list[SystemRow], tags=["organisations"], responses=ERRORS)
    def systems(request: Request, _: Auth = None) -> list[dict[str, Any]]:
        """The AI systems the caller may see, with roles and inferred EU AI Act categories."""
        rows = state.view(state.principal(request)).select("systems")
        return [
            {
                "id": r["system"].removeprefix(GSD + "system/"),
                "iri": r["system"],
                "label": r["label"],
                "org": r["org"].rsplit("/", 1)[-1],
                "org_label": r["orgLabel"],
                "purpose": r["purpose"],
                "roles": _split(r.get("roles")),
                "categories": _split(r.get("categories")),
                "depends_on": [d.removeprefix(GSD + "system/") for d in _split(r.get("dependsOn"))],
            }
            for r in rows
        ]

    @app.get("/certificates", response_model=list[CertificateRow], tags=["organisations"], responses=ERRORS)
    def certificates(request: Request, _: Auth = None) -> list[dict[str, Any]]:
        """Certificates and attestations with holder, issuer, accreditation body and validity."""
        rows = state.view(state.principal(request)).select("certificates")
        return [
            {
                "id": compress(r["cert"]).removeprefix("gsd:"),
                "iri": r["cert"],
                "kind": r["kind"].rsplit("#", 1)[-1].lower(),
                "label": r["label"],
                "holder": r["holder"],
                "framework": r["frameworkId"],
                "valid_from": r["validFrom"],
                "valid_until": r["validUntil"],
                "issuer": r.get("issuer", ""),
                "accreditation": r.get("accreditor", ""),
                "systems": r["systems"],
            }
            for r in rows
        ]

    # -- coverage ---------------------------------------------------------------------------------

    @app.get(
        "/coverage/certificate/{certificate:path}",
        response_model=CertificateCoverage,
        tags=["coverage"],
        responses=ERRORS,
    )
    def coverage_certificate(
        request: Request,
        certificate: str,
        q: CoverageArgs,
        attributes: Annotated[Attributes, Depends()],
        explain: Explain = False,
        max_paths: MaxPaths = C.Options.max_paths,
        role: Annotated[str | None, Query(description="Applicability context: an operator role.")] = None,
        category: Annotated[str | None, Query(description="Applicability context: the system's category.")] = None,
        system: Annotated[str | None, Query(description="Applicability context: an AI system (ORG/ID).")] = None,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Which requirements of the target framework one certificate alone evidences on a date, and why;
        against the EU AI Act optionally for a role and category, or a system (else no filter)."""
        svc = state.view(state.principal(request))
        opts = dataclasses.replace(q.options(svc), max_paths=max_paths)
        context = (
            {"system": system, "facts": attributes.facts}
            if system
            else {"roles": [role], "categories": [category] if category else [], "facts": attributes.facts}
            if role
            else None
        )
        return jsonable(C.certificate_coverage(svc, certificate, q.target, opts, explain=explain, context=context))

    @app.get("/coverage/system/{org}/{system}", response_model=SystemCoverage, tags=["coverage"], responses=ERRORS)
    def coverage_system(
        request: Request,
        org: str,
        system: str,
        q: CoverageArgs,
        explain: Explain = False,
        max_paths: MaxPaths = C.Options.max_paths,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Coverage of one AI system: own controls and certificates, and what it inherits from providers."""
        svc = state.view(state.principal(request))
        opts = dataclasses.replace(q.options(svc), max_paths=max_paths)
        sys_iri = resolve_system(svc, f"{_org_id(org)}/{system}")
        return jsonable(C.system_coverage(svc, sys_iri, q.target, opts, explain=explain))

    @app.get("/coverage/org/{org}", response_model=OrgCoverage, tags=["coverage"], responses=ERRORS)
    def coverage_org(
        request: Request,
        org: str,
        q: CoverageArgs,
        explain: Explain = False,
        max_paths: MaxPaths = C.Options.max_paths,
        _: Auth = None,
    ) -> dict[str, Any]:
        """Coverage of every AI system of an organisation, with the gaps ranked by application date."""
        svc = state.view(state.principal(request))
        opts = dataclasses.replace(q.options(svc), max_paths=max_paths)
        return jsonable(C.org_coverage(svc, _org_id(org), q.target, opts, explain=explain))

    # -- organisations -----------------------------------------------------------------------------
    def org_summary(svc: GraphService, org: str) -> dict[str, Any]:
        graphs = {
            g: svc.store.count(g)
            for g in svc.store.named_graphs()
            if g in {graph_iri(f"org/{org}"), graph_iri(f"org/{org}/published")}
        }
        if not graphs:
            raise UnknownTerm(f"no organisation {org!r} in the graph (or not visible to this key)")
        systems_ = [r["system"].removeprefix(GSD + "system/") for r in svc.select("systems", org=GSD + "org/" + org)]
        certs = [
            compress(r["cert"]).removeprefix("gsd:")
            for r in svc.select("certificates")
            if f"/{org}/" in r["cert"].removeprefix(GSD)
        ]
        return {"id": org, "graphs": graphs, "systems": systems_, "certificates": certs}

    @app.get("/orgs", response_model=list[Organisation], tags=["organisations"], responses=ERRORS)
    def orgs(request: Request, _: Auth = None) -> list[dict[str, Any]]:
        """The organisations whose data the caller may see (their published part, or all of their own)."""
        svc = state.view(state.principal(request))
        ids = sorted({g[len(ORG_PREFIX) :].split("/")[0] for g in svc.store.named_graphs() if g.startswith(ORG_PREFIX)})
        return [org_summary(svc, i) for i in ids]

    @app.get("/orgs/{org}", response_model=Organisation, tags=["organisations"], responses=ERRORS)
    def org_get(request: Request, org: str, _: Auth = None) -> dict[str, Any]:
        """One organisation: its graphs (those the caller may read), systems and certificates."""
        return org_summary(state.view(state.principal(request)), _org_id(org))

    yaml_body = {
        "requestBody": {
            "required": True,
            "description": "The organisation document (docs/orgdata.md), as YAML or JSON; its organisation.id must be the id in the path.",
            "content": {
                "text/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    }
    write_errors = {
        **ERRORS,
        409: {"model": ErrorBody, "description": "Exists already (POST)"},
        413: {"model": ErrorBody, "description": "Body too large"},
        415: {"model": ErrorBody, "description": "Not YAML or JSON"},
        422: {"model": ErrorBody, "description": "SHACL validation failed"},
    }

    def write_org(request: Request, org: str, body: bytes, *, create_only: bool) -> dict[str, Any]:
        return write_org_document(
            state.org_writer(),
            state.writer(request),
            _org_id(org),
            body,
            request.headers.get("content-type"),
            create_only=create_only,
        )

    @app.put(
        "/orgs/{org}",
        response_model=OrgWritten,
        tags=["organisations"],
        responses=write_errors,
        openapi_extra=yaml_body,
    )
    async def org_put(request: Request, org: str, _: Auth = None) -> JSONResponse:
        """Create or replace an organisation's data: validated (SHACL), then written in one transaction."""
        body = await request.body()
        out = await run_in_threadpool(write_org, request, org, body, create_only=False)
        return JSONResponse(out, status_code=201 if out["created"] else 200)

    @app.post(
        "/orgs/{org}",
        response_model=OrgWritten,
        status_code=201,
        tags=["organisations"],
        responses=write_errors,
        openapi_extra=yaml_body,
    )
    async def org_post(request: Request, org: str, _: Auth = None) -> JSONResponse:
        """Create an organisation (409 if it exists); validated, then written in one transaction."""
        body = await request.body()
        out = await run_in_threadpool(write_org, request, org, body, create_only=True)
        return JSONResponse(out, status_code=201)

    @app.delete("/orgs/{org}", response_model=OrgWritten, tags=["organisations"], responses=ERRORS)
    def org_delete(request: Request, org: str, _: Auth = None) -> dict[str, Any]:
        """Remove an organisation's graphs (private and published) in one transaction."""
        return delete_org_document(state.org_writer(), state.writer(request), _org_id(org))

    # -- named queries --------------------------------------------------------------------------------
    def query_info(q: Any, *, text: bool) -> dict[str, Any]:
        return {
            "name": q.name,
            "summary": q.summary,
            "description": q.description,
            "tags": list(q.tags),
            "form": q.form,
            "params": [
                {"name": p.name, "kind": p.kind, "required": p.required, "default": p.default, "help": p.help}
                for p in q.params
            ],
            "run": f"/queries/{q.name}/run",
            "text": q.text if text else None,
        }

    @app.get("/queries", response_model=list[NamedQueryInfo], tags=["named queries"])
    def queries() -> list[dict[str, Any]]:
        """Every named query of queries/, with its parameters."""
        return [query_info(q, text=False) for q in service.registry]

    @app.get("/queries/{name}", response_model=NamedQueryInfo, tags=["named queries"], responses=ERRORS)
    def query_show(name: str) -> dict[str, Any]:
        """One named query: its text and parameters."""
        return query_info(service.registry.get(name), text=True)

    for q in service.registry:
        for method in ("GET", "POST"):
            app.add_api_route(
                f"/queries/{q.name}/run",
                _named_query_endpoint(state, q),
                methods=[method],
                response_model=QueryRun,
                tags=["named queries"],
                summary=q.summary,
                description=(q.description or q.summary)
                + "\n\nParameters are bound as RDF terms, never pasted into the query.",
                operation_id=f"run_{q.name}_{method.lower()}",
                responses=ERRORS,
            )

    @app.api_route("/queries/{name}/run", methods=["GET", "POST"], include_in_schema=False)
    def query_unknown(name: str) -> None:
        raise QueryNotFound(f"no named query {name!r}; known: {', '.join(sorted(q.name for q in service.registry))}")

    # -- SPARQL 1.1 Protocol (graphsvc/http/sparql/routes.py) -------------------------------------------------
    app.include_router(sparql_router)

    # -- Graph Store Protocol (graphsvc/http/sparql/gsp_routes.py) ---------------------------------------------------
    app.include_router(gsp_router)

    return app


_KINDS: dict[str, type] = {"iri": str, "literal": str, "integer": int, "date": dt.date, "boolean": bool}


def _named_query_endpoint(state: AppState, q: Any) -> Callable[..., dict[str, Any]]:
    """A route function whose signature lists the query's parameters, typed, for OpenAPI."""
    names = {p.name for p in q.params}
    paging = not names & {"limit", "offset", "request"}
    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    for p in q.params:
        kind = _KINDS[p.kind]
        help_ = p.help or ("an IRI or CURIE" if p.kind == "iri" else p.kind)
        if p.default is not None:
            default: Any = Query(p.default, description=help_)
            annotation: Any = kind
        elif p.required:
            default, annotation = Query(description=help_), kind
        else:
            default, annotation = Query(None, description=help_), kind | None
        params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    if paging:
        params.append(
            inspect.Parameter(
                "limit", inspect.Parameter.KEYWORD_ONLY, default=Query(1000, ge=1, le=10000), annotation=int
            )
        )
        params.append(
            inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY, default=Query(0, ge=0), annotation=int)
        )

    def endpoint(**kwargs: Any) -> dict[str, Any]:
        request = kwargs.pop("request")
        limit = kwargs.pop("limit", 1000) if paging else 10**9
        offset = kwargs.pop("offset", 0) if paging else 0
        values = {}
        for k, v in kwargs.items():
            if v is None:
                continue
            values[k] = str(v).lower() if isinstance(v, bool) else (v.isoformat() if isinstance(v, dt.date) else str(v))
        svc = state.view(state.principal(request))
        rows = svc.select(q.name, **values)
        return {
            "query": q.name,
            "total": len(rows),
            "limit": limit if paging else len(rows),
            "offset": offset,
            "rows": jsonable(rows[offset : offset + limit]),
        }

    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = f"run_{q.name}"
    return endpoint
