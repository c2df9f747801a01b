"""REST routes over the crosswalks: what one requirement maps to, every link from one framework to
another a page at a time, and the greedy cover of one framework by another (:mod:`graphsvc.service`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from graphsvc import service as S
from graphsvc.http.catalog_routes import Requirement
from graphsvc.http.deps import StateArg
from graphsvc.http.params import ERRORS, ApiModel, Auth, Depth, MinStrength, Proposed

crosswalk_router = APIRouter()


class Hop(ApiModel):
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


class CrosswalkLink(ApiModel):
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


class CrosswalkAnswer(ApiModel):
    requirement: Requirement
    to: str | None
    mappings_used: str
    total: int
    items: list[CrosswalkLink]


class CrosswalkPage(ApiModel):
    from_: str = Field(alias="from")
    to: str
    mappings_used: str
    total: int
    limit: int
    offset: int
    items: list[CrosswalkLink]


class CoverRow(ApiModel):
    rank: int
    notation: str
    title: str
    curie: str
    new_targets: int
    cumulative: int
    targets: list[str]


class CoverAnswer(ApiModel):
    from_: str = Field(alias="from")
    to: str
    budget: int
    items: list[CoverRow]


def _mappings_used(include_proposed: bool) -> str:
    return "approved and proposed" if include_proposed else "approved only"


@crosswalk_router.get("/crosswalk/{curie:path}", response_model=CrosswalkAnswer, tags=["crosswalk"], responses=ERRORS)
def crosswalk_one(
    request: Request,
    state: StateArg,
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


@crosswalk_router.get("/crosswalk", response_model=CrosswalkPage, tags=["crosswalk"], responses=ERRORS)
def crosswalk_matrix(
    request: Request,
    state: StateArg,
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


@crosswalk_router.get("/cover", response_model=CoverAnswer, tags=["crosswalk"], responses=ERRORS)
def cover(
    request: Request,
    state: StateArg,
    source: Annotated[str, Query(alias="from", description="Framework to pick requirements from.")],
    to: Annotated[str, Query(description="Framework to reach.")],
    budget: Annotated[int, Query(ge=1, le=200, description="How many requirements to pick.")] = 12,
    depth: Depth = 2,
    _: Auth = None,
) -> dict[str, Any]:
    """Greedy cover: the requirements of one framework that together reach most of another."""
    svc = state.view(state.principal(request))
    return {"from": source, "to": to, "budget": budget, "items": S.cover(svc, source, to, budget, depth)}
