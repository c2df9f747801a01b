"""The Graph Store Protocol routes (``/rdf-graphs``, and ``/graph-store`` outside the OpenAPI
document): HTTP in, :class:`graphsvc.http.sparql.graph_store.GraphStore` does the work, HTTP out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from graphsvc.http.params import ERRORS, Auth, DefaultArg, ErrorBody, GraphArg
from graphsvc.http.sparql.graph_store import GraphStore, GspResponse
from graphsvc.http.sparql.negotiation import GRAPH_TYPES


def gsp_router(state: Any) -> APIRouter:
    """The Graph Store routes over the app's state (its store, write lock and callers)."""
    router = APIRouter()
    gsp_responses = {
        200: {"description": "The graph", "content": {m: {} for m in GRAPH_TYPES}},
        201: {
            "description": "Graph created (POST to the store: its address is in Location)",
            "headers": {"Location": {"description": "the new graph's ?graph= URL", "schema": {"type": "string"}}},
        },
        204: {"description": "Done"},
        **ERRORS,
        406: {"model": ErrorBody, "description": "No acceptable format"},
        413: {"model": ErrorBody, "description": "Body too large"},
        415: {"model": ErrorBody, "description": "Unsupported Content-Type"},
    }
    graph_body = {
        "requestBody": {
            "required": True,
            "content": {m: {"schema": {"type": "string"}} for m in GRAPH_TYPES},
        }
    }
    graph_post_body = {
        "requestBody": {
            "required": True,
            "content": {
                **graph_body["requestBody"]["content"],
                "multipart/form-data": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}
                },
            },
        }
    }

    store = GraphStore(state.service.store, state.write_lock, state.after_write, state.settings.data_path)

    def gsp_reply(out: GspResponse) -> Response:
        return Response(out.body, status_code=out.status, media_type=out.media_type, headers=out.headers)

    def store_url(request: Request) -> str:
        return str(request.url.replace(query=""))

    async def gsp_write_route(request: Request, graph: str | None, default: str | None, *, replace: bool) -> Response:
        """PUT (``replace``) or POST of the Graph Store Protocol: the body, off the event loop."""
        principal, body = state.writer(request), await request.body()
        out = await run_in_threadpool(
            store.write,
            principal,
            graph,
            default is not None,
            body,
            request.headers.get("content-type"),
            replace=replace,
            store_url=store_url(request),
        )
        return gsp_reply(out)

    for path, in_schema in (("/rdf-graphs", True), ("/graph-store", False)):

        @router.get(
            path, tags=["graph store"], responses=gsp_responses, response_class=Response, include_in_schema=in_schema
        )
        def gsp_get(request: Request, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None) -> Response:
            """Read a graph (Graph Store Protocol; HEAD too); another tenant's private graph reads as 404."""
            fmt = request.query_params.getlist("format")
            principal = state.principal(request)
            return gsp_reply(store.get(principal, graph, default is not None, request.headers.get("accept"), fmt))

        @router.put(
            path,
            tags=["graph store"],
            responses=gsp_responses,
            response_class=Response,
            include_in_schema=in_schema,
            openapi_extra=graph_body,
        )
        async def gsp_put(
            request: Request, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
        ) -> Response:
            """Replace a graph in one transaction (writers: their organisation's graphs; admins: any)."""
            return await gsp_write_route(request, graph, default, replace=True)

        @router.post(
            path,
            tags=["graph store"],
            responses=gsp_responses,
            response_class=Response,
            include_in_schema=in_schema,
            openapi_extra=graph_post_body,
        )
        async def gsp_post(
            request: Request, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
        ) -> Response:
            """Add triples to a graph in one transaction; without ?graph= or ?default, create a new graph
            (201, Location). Takes multipart/form-data too (one RDF document per part)."""
            return await gsp_write_route(request, graph, default, replace=False)

        @router.delete(
            path, tags=["graph store"], responses=gsp_responses, response_class=Response, include_in_schema=in_schema
        )
        def gsp_del(request: Request, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None) -> Response:
            """Drop a graph."""
            return gsp_reply(store.delete(state.writer(request), graph, default is not None))

    return router
