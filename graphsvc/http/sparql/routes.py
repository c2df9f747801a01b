"""The SPARQL 1.1 Protocol routes (``GET``/``POST /sparql``): the request is parsed
(graphsvc.http.sparql.protocol), a query runs in a worker process over the caller's dataset
(graphsvc.http.sparql.endpoint), an update is checked and applied under the write lock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from graphsvc.errors import AuthError, BadRequest
from graphsvc.http.audit import record_write
from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.params import ERRORS, Auth, ErrorBody
from graphsvc.http.sparql.endpoint import (
    Job,
    apply_update,
    authorise_update,
    check_query_text,
    prepare_query,
    query_dataset,
)
from graphsvc.http.sparql.negotiation import GRAPH_ALIASES, GRAPH_TYPES, choose_media, negotiate
from graphsvc.http.sparql.protocol import SparqlRequest, parse_request
from graphsvc.http.sparql.service_description import service_description
from graphsvc.store.tenancy import Principal, readable

#: Response header set when a result was cut at settings.result_cap.
TRUNCATED = "X-Graphsvc-Truncated"


#: The /sparql routes; create_app includes them.
sparql_router = APIRouter()

SPARQL_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results (SPARQL JSON/XML/CSV/TSV), an RDF graph (Turtle, N-Triples, JSON-LD, "
        "RDF/XML), or the service description when no query is given.",
        "content": {
            m: {}
            for m in (
                "application/sparql-results+json",
                "application/sparql-results+xml",
                "text/csv",
                "text/tab-separated-values",
                *GRAPH_TYPES,
            )
        },
        "headers": {
            TRUNCATED: {
                "description": "true when the result was cut at settings.result_cap",
                "schema": {"type": "string"},
            }
        },
    },
    204: {"description": "Update applied"},
    **ERRORS,
    406: {"model": ErrorBody, "description": "No acceptable result format"},
    413: {"model": ErrorBody, "description": "Body too large"},
    415: {"model": ErrorBody, "description": "POST body of another Content-Type"},
    503: {"model": ErrorBody, "description": "The query ran past settings.query_timeout and was stopped"},
}


async def _update(state: ServerState, principal: Principal, req: SparqlRequest) -> Response:
    """An update: checked off the event loop and outside the write lock, then applied under it."""
    if principal.is_anonymous:
        raise AuthError("SPARQL updates need a writer or admin API key (Authorization: Bearer KEY)")

    def do_update() -> None:
        # parse and check outside the write lock; apply the canonical text that was checked
        upd = authorise_update(principal, req.update or "", using=req.using_graphs, using_named=req.using_named_graphs)
        with state.write_lock:
            try:
                apply_update(state.service.store, upd.text, upd.info.writes)
            finally:
                state.after_write()
            record_write(state.settings.data_path, principal, "sparql update", upd.info.writes)

    await run_in_threadpool(do_update)
    return Response(status_code=204)


def _describe(state: ServerState, request: Request, principal: Principal, req: SparqlRequest) -> Response:
    """The service description (a GET without a query), listing the graphs the caller may read."""
    fmt = req.formats
    accept = request.headers.get("accept")
    media = negotiate(accept, GRAPH_TYPES, GRAPH_ALIASES) if not fmt else choose_media("CONSTRUCT", None, fmt)
    graphs = readable(principal, state.service.store.named_graphs())
    endpoint = str(request.url.replace(query=""))
    data = service_description(endpoint, graphs, media, updates=principal.may_write)
    return Response(data, media_type=media, headers={"Vary": "Accept, Authorization"})


async def _query(
    state: ServerState, request: Request, principal: Principal, query: str, req: SparqlRequest
) -> Response:
    """A query, run by the app's executor over the caller's dataset, one of the caller's slots at a time."""
    check_query_text(query)
    prepared = prepare_query(query) if len(query) < 16384 else await run_in_threadpool(prepare_query, query)
    media = choose_media(prepared.info.form, request.headers.get("accept"), req.formats)
    default, named = query_dataset(
        principal,
        prepared.info,
        req.default_graphs,
        req.named_graphs,
        state.service.store.named_graphs(),
        unions=getattr(state.service.store, "has_unions", False),
    )
    job = Job(
        query=prepared.text,
        media_type=media,
        default_graph=tuple(default) if default is not None else None,
        named_graphs=tuple(named) if named is not None else None,
        cap=state.settings.result_cap,
        timeout=state.settings.query_timeout,
        byte_cap=state.settings.result_bytes,
    )
    async with state.limits.slot(principal.key_id):
        result = await run_in_threadpool(state.executor.run, job)
    headers = {"Vary": "Accept, Authorization", "Server-Timing": f"query;dur={result.seconds * 1000:.1f}"}
    if result.truncated:
        headers[TRUNCATED] = "true"
    return Response(result.body, media_type=media, headers=headers)


async def _answer(state: ServerState, request: Request, principal: Principal, method: str, body: bytes) -> Response:
    req = parse_request(method, request.headers.get("content-type"), request.query_params.multi_items(), body)
    if req.update is not None:
        return await _update(state, principal, req)
    if req.query is None:
        if method == "POST":
            raise BadRequest("the request carries neither a query nor an update")
        return _describe(state, request, principal, req)
    return await _query(state, request, principal, req.query, req)


@sparql_router.get("/sparql", tags=["sparql"], responses=SPARQL_RESPONSES, response_class=Response)
async def sparql_get(
    request: Request,
    state: StateArg,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query; without it, the service description.")] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
    format: Annotated[
        str | None, Query(description="json, xml, csv, tsv, turtle, ntriples, jsonld (overrides Accept).")
    ] = None,
    _: Auth = None,
) -> Response:
    """SPARQL 1.1 query by GET, with the caller's dataset; results by Accept."""
    return await _answer(state, request, state.principal(request), "GET", b"")


@sparql_router.post(
    "/sparql",
    tags=["sparql"],
    responses=SPARQL_RESPONSES,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/sparql-update": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "update": {"type": "string"},
                            "default-graph-uri": {"type": "string"},
                            "named-graph-uri": {"type": "string"},
                        },
                    }
                },
            },
        }
    },
)
async def sparql_post(request: Request, state: StateArg, _: Auth = None) -> Response:
    """SPARQL 1.1 query (POST form or direct) or update (writers and admins only)."""
    principal = state.principal(request)
    body = await request.body()
    return await _answer(state, request, principal, "POST", body)
