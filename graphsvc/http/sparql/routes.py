"""The SPARQL 1.1 Protocol routes (``GET``/``POST /sparql``): the request is parsed
(graphsvc.http.sparql.protocol), a query runs in a worker process over the caller's dataset
(graphsvc.http.sparql.endpoint), an update is checked and applied under the write lock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from graphsvc.errors import AuthError, BadRequest
from graphsvc.http.audit import record_write
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
from graphsvc.http.sparql.protocol import parse_request
from graphsvc.http.sparql.service_description import service_description
from graphsvc.store.tenancy import Principal, readable

#: Response header set when a result was cut at settings.result_cap.
TRUNCATED = "X-Graphsvc-Truncated"


def sparql_router(state: Any) -> APIRouter:
    """The /sparql routes over the app's state (service, settings, executor, limits, write lock)."""
    router = APIRouter()
    sparql_responses: dict[int | str, dict[str, Any]] = {
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

    async def answer(request: Request, principal: Principal, method: str, body: bytes) -> Response:
        req = parse_request(method, request.headers.get("content-type"), request.query_params.multi_items(), body)
        fmt = req.formats
        accept = request.headers.get("accept")
        if req.update is not None:
            if principal.is_anonymous:
                raise AuthError("SPARQL updates need a writer or admin API key (Authorization: Bearer KEY)")

            def do_update() -> None:
                # parse and check outside the write lock; apply the canonical text that was checked
                upd = authorise_update(
                    principal, req.update or "", using=req.using_graphs, using_named=req.using_named_graphs
                )
                with state.write_lock:
                    try:
                        apply_update(state.service.store, upd.text, upd.info.writes)
                    finally:
                        state.after_write()
                    record_write(state.settings.data_path, principal, "sparql update", upd.info.writes)

            await run_in_threadpool(do_update)
            return Response(status_code=204)
        if req.query is None:
            if method == "POST":
                raise BadRequest("the request carries neither a query nor an update")
            media = negotiate(accept, GRAPH_TYPES, GRAPH_ALIASES) if not fmt else choose_media("CONSTRUCT", None, fmt)
            graphs = readable(principal, state.service.store.named_graphs())
            endpoint = str(request.url.replace(query=""))
            data = service_description(endpoint, graphs, media, updates=principal.may_write)
            return Response(data, media_type=media, headers={"Vary": "Accept, Authorization"})
        check_query_text(req.query)
        prepared = (
            prepare_query(req.query) if len(req.query) < 16384 else await run_in_threadpool(prepare_query, req.query)
        )
        media = choose_media(prepared.info.form, accept, fmt)
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

    @router.get("/sparql", tags=["sparql"], responses=sparql_responses, response_class=Response)
    async def sparql_get(
        request: Request,
        query: Annotated[
            str | None, Query(description="A SPARQL 1.1 query; without it, the service description.")
        ] = None,
        default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
        named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
        format: Annotated[
            str | None, Query(description="json, xml, csv, tsv, turtle, ntriples, jsonld (overrides Accept).")
        ] = None,
        _: Auth = None,
    ) -> Response:
        """SPARQL 1.1 query by GET, with the caller's dataset; results by Accept."""
        return await answer(request, state.principal(request), "GET", b"")

    @router.post(
        "/sparql",
        tags=["sparql"],
        responses=sparql_responses,
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
    async def sparql_post(request: Request, _: Auth = None) -> Response:
        """SPARQL 1.1 query (POST form or direct) or update (writers and admins only)."""
        principal = state.principal(request)
        body = await request.body()
        return await answer(request, principal, "POST", body)

    return router
