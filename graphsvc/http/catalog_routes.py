"""REST routes over the catalogs: the framework editions in the graph, a framework's requirements a
page at a time, and one requirement by CURIE or IRI (:class:`graphsvc.service.GraphService`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from graphsvc.http.deps import StateArg
from graphsvc.http.params import ERRORS, ApiModel, Auth

catalog_router = APIRouter()


class Framework(ApiModel):
    id: str
    title: str
    edition: str
    requirements: int
    publisher: str
    iri: str


class RequirementItem(ApiModel):
    curie: str
    notation: str
    title: str = ""
    kind: str
    parent: str = ""
    summary: str = ""
    layer: str = Field(default="", description="set when the requirement exists only in this EU AI Act law layer")


class RequirementPage(ApiModel):
    framework: str
    total: int
    limit: int
    offset: int
    items: list[RequirementItem]


class Requirement(ApiModel):
    iri: str
    curie: str
    framework: str
    notation: str
    title: str = ""
    kind: str
    parent: str = ""
    summary: str = ""


@catalog_router.get("/frameworks", response_model=list[Framework], tags=["catalogs"], responses=ERRORS)
def frameworks(request: Request, state: StateArg, _: Auth = None) -> list[dict[str, Any]]:
    """The framework editions in the graph, with their requirement counts."""
    return state.view(state.principal(request)).frameworks()


@catalog_router.get(
    "/frameworks/{framework}/requirements", response_model=RequirementPage, tags=["catalogs"], responses=ERRORS
)
def framework_requirements(
    request: Request,
    state: StateArg,
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


@catalog_router.get("/requirements/{curie:path}", response_model=Requirement, tags=["catalogs"], responses=ERRORS)
def requirement(request: Request, state: StateArg, curie: str, _: Auth = None) -> dict[str, Any]:
    """One requirement by CURIE (`iso42001:A.6.2.8`, `euaia:26(1)`, `nistairmf:GOVERN-1.1`) or IRI."""
    svc = state.view(state.principal(request))
    return svc.requirement_info(svc.resolve(curie))
