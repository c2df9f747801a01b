"""REST routes that write an organisation's data: ``PUT``, ``POST`` and ``DELETE /orgs/{org}``.
They only translate; :mod:`graphsvc.http.org_writer` checks, prepares and writes the document
under the app's write lock. Reading organisations is :mod:`graphsvc.http.org_read_routes`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.org_writer import Writer, delete_org_document, write_org_document
from graphsvc.http.params import ERRORS, ApiModel, Auth, ErrorBody, org_id

org_write_router = APIRouter()


class OrgWritten(ApiModel):
    ok: bool = True
    organisation: str
    created: bool
    triples: int
    graphs: dict[str, int]


#: The request body of PUT and POST, for OpenAPI (the routes read it themselves).
YAML_BODY = {
    "requestBody": {
        "required": True,
        "description": "The organisation document (docs/orgdata.md), as YAML or JSON; its organisation.id must be the id in the path.",
        "content": {
            "text/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": ErrorBody, "description": "Exists already (POST)"},
    413: {"model": ErrorBody, "description": "Body too large"},
    415: {"model": ErrorBody, "description": "Not YAML or JSON"},
    422: {"model": ErrorBody, "description": "SHACL validation failed"},
}


def _writer(state: ServerState) -> Writer:
    return Writer(state.service, state.write_lock, state.after_write)


def _write_org(state: ServerState, request: Request, org: str, body: bytes, *, create_only: bool) -> dict[str, Any]:
    return write_org_document(
        _writer(state),
        state.writer(request),
        org_id(org),
        body,
        request.headers.get("content-type"),
        create_only=create_only,
    )


async def _written(request: Request, state: ServerState, org: str, *, create_only: bool) -> dict[str, Any]:
    """Read the body, then write it off the event loop (the document is prepared outside the lock)."""
    body = await request.body()
    return await run_in_threadpool(_write_org, state, request, org, body, create_only=create_only)


@org_write_router.put(
    "/orgs/{org}",
    response_model=OrgWritten,
    tags=["organisations"],
    responses=WRITE_ERRORS,
    openapi_extra=YAML_BODY,
)
async def org_put(request: Request, state: StateArg, org: str, _: Auth = None) -> JSONResponse:
    """Create or replace an organisation's data: validated (SHACL), then written in one transaction."""
    out = await _written(request, state, org, create_only=False)
    return JSONResponse(out, status_code=201 if out["created"] else 200)


@org_write_router.post(
    "/orgs/{org}",
    response_model=OrgWritten,
    status_code=201,
    tags=["organisations"],
    responses=WRITE_ERRORS,
    openapi_extra=YAML_BODY,
)
async def org_post(request: Request, state: StateArg, org: str, _: Auth = None) -> JSONResponse:
    """Create an organisation (409 if it exists); validated, then written in one transaction."""
    out = await _written(request, state, org, create_only=True)
    return JSONResponse(out, status_code=201)


@org_write_router.delete("/orgs/{org}", response_model=OrgWritten, tags=["organisations"], responses=ERRORS)
def org_delete(request: Request, state: StateArg, org: str, _: Auth = None) -> dict[str, Any]:
    """Remove an organisation's graphs (private and published) in one transaction."""
    return delete_org_document(_writer(state), state.writer(request), org_id(org))
