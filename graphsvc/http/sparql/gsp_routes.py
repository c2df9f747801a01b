"""The Graph Store Protocol routes (``/rdf-graphs``, and ``/graph-store`` outside the OpenAPI
document): HTTP in, :class:`graphsvc.http.sparql.graph_store.GraphStore` does the work, HTTP out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.params import ERRORS, Auth, DefaultArg, ErrorBody, GraphArg
from graphsvc.http.sparql.graph_store import GraphStore, GspResponse
from graphsvc.http.sparql.negotiation import GRAPH_TYPES

#: The Graph Store routes; create_app includes them.
gsp_router = APIRouter()

GSP_RESPONSES: dict[int | str, dict[str, Any]] = {
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
GRAPH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {m: {"schema": {"type": "string"}} for m in GRAPH_TYPES},
    }
}
GRAPH_POST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            **GRAPH_BODY["requestBody"]["content"],
            "multipart/form-data": {
                "schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}
            },
        },
    }
}


def _store(state: ServerState) -> GraphStore:
    """The protocol over the app's store, writing under its write lock."""
    return GraphStore(state.service.store, state.write_lock, state.after_write, state.settings.data_path)


def _reply(out: GspResponse) -> Response:
    return Response(out.body, status_code=out.status, media_type=out.media_type, headers=out.headers)


async def _write(
    state: ServerState, request: Request, graph: str | None, default: str | None, *, replace: bool
) -> Response:
    """PUT (``replace``) or POST of the Graph Store Protocol: the body, off the event loop."""
    principal, body = state.writer(request), await request.body()
    out = await run_in_threadpool(
        _store(state).write,
        principal,
        graph,
        default is not None,
        body,
        request.headers.get("content-type"),
        replace=replace,
        store_url=str(request.url.replace(query="")),
    )
    return _reply(out)


def gsp_get(
    request: Request, state: StateArg, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
) -> Response:
    """Read a graph (Graph Store Protocol; HEAD too); another tenant's private graph reads as 404."""
    fmt = request.query_params.getlist("format")
    principal = state.principal(request)
    return _reply(_store(state).get(principal, graph, default is not None, request.headers.get("accept"), fmt))


async def gsp_put(
    request: Request, state: StateArg, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
) -> Response:
    """Replace a graph in one transaction (writers: their organisation's graphs; admins: any)."""
    return await _write(state, request, graph, default, replace=True)


async def gsp_post(
    request: Request, state: StateArg, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
) -> Response:
    """Add triples to a graph in one transaction; without ?graph= or ?default, create a new graph
    (201, Location). Takes multipart/form-data too (one RDF document per part)."""
    return await _write(state, request, graph, default, replace=False)


def gsp_del(
    request: Request, state: StateArg, graph: GraphArg = None, default: DefaultArg = None, _: Auth = None
) -> Response:
    """Drop a graph."""
    return _reply(_store(state).delete(state.writer(request), graph, default is not None))


def _add_routes(path: str, in_schema: bool) -> None:
    """The four methods at ``path`` (and HEAD, by graphsvc.http.head.HeadAsGet)."""
    common: dict[str, Any] = {
        "tags": ["graph store"],
        "responses": GSP_RESPONSES,
        "response_class": Response,
        "include_in_schema": in_schema,
    }
    gsp_router.add_api_route(path, gsp_get, methods=["GET"], **common)
    gsp_router.add_api_route(path, gsp_put, methods=["PUT"], openapi_extra=GRAPH_BODY, **common)
    gsp_router.add_api_route(path, gsp_post, methods=["POST"], openapi_extra=GRAPH_POST_BODY, **common)
    gsp_router.add_api_route(path, gsp_del, methods=["DELETE"], **common)


_add_routes("/rdf-graphs", True)
_add_routes("/graph-store", False)
