"""REST routes about the service itself: who the caller's key is (``/whoami``), liveness
(``/health``), and the older page URLs (``/``, ``/sparql-editor``), which redirect to the styled
pages of :mod:`graphsvc.http.pages` (issue 14)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import Field

from graphsvc import __version__
from graphsvc.http.deps import StateArg
from graphsvc.http.org_read_routes import org_ids
from graphsvc.http.params import ERRORS, ApiModel, Auth

service_router = APIRouter()


class Health(ApiModel):
    ok: bool = True
    version: str
    graphs: int
    executor: str
    workers_offline: bool = Field(
        False, description="true when the SPARQL query workers run with no network at all (graphsvc.http.netns)"
    )


class WhoAmI(ApiModel):
    anonymous: bool = Field(description="true without a key (where anonymous access is on)")
    key_id: str | None = Field(description="the key's id (never its secret)")
    name: str = Field(description="the name the key was created with")
    role: str = Field(description="reader, writer, admin or anonymous")
    tenant: str | None = Field(description="the organisation the key belongs to, if any")
    scope: str = Field(description="what the key reads: admin, tenant:<org> or public")
    private_orgs: list[str] = Field(
        description="organisations whose private graphs the key reads; of any other, only what it publishes"
    )


# -- the older page URLs: the styled pages of graphsvc.http.pages answer them (issue 14) ---------------
@service_router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("ui/", status_code=307)


@service_router.get("/sparql-editor", include_in_schema=False)
def sparql_editor(request: Request) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse("ui/sparql" + (f"?{query}" if query else ""), status_code=307)


# -- the caller (the web pages check a key with it when it is entered) ----------------------------
@service_router.get("/whoami", response_model=WhoAmI, tags=["service"], responses=ERRORS, summary="Who the API key is")
def whoami(request: Request, state: StateArg, _: Auth = None) -> dict[str, Any]:
    """The caller as the server sees its key: role, tenant, and the organisations whose private
    graphs it reads (every other organisation: only what it publishes). A wrong or revoked key is
    401, so a client can check a key before it relies on it."""
    p = state.principal(request)
    private = org_ids(state.service.store.named_graphs()) if p.is_admin else [p.tenant] if p.tenant else []
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
@service_router.get("/health", response_model=Health, tags=["service"], summary="Liveness and store summary")
def health(state: StateArg) -> dict[str, Any]:
    return {
        "ok": True,
        "version": __version__,
        "graphs": len(state.service.store.named_graphs()),
        "executor": type(state.executor).__name__,
        "workers_offline": bool(getattr(state.executor, "network_isolated", lambda: False)()),
    }
