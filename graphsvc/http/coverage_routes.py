"""REST routes of coverage (:mod:`graphsvc.domain.coverage`): which requirements of a target
framework one certificate, one AI system or every system of an organisation meets on a date, and
why; the same answers the coverage pages and downloads of :mod:`graphsvc.http.pages` give."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from graphsvc.domain import coverage as C
from graphsvc.exports.results import jsonable
from graphsvc.http.applicability_routes import LawLayer
from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.params import ERRORS, AttributesArg, Auth, CoverageArgs, CoverageQuery, Explain, MaxPaths, org_id
from graphsvc.service import GraphService

coverage_router = APIRouter()


class _Open(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")


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


def _question(state: ServerState, request: Request, q: CoverageQuery, max_paths: int) -> tuple[GraphService, C.Options]:
    """The store as the caller may read it, and the coverage options the query parameters ask for."""
    svc = state.view(state.principal(request))
    return svc, dataclasses.replace(q.options(svc), max_paths=max_paths)


@coverage_router.get(
    "/coverage/certificate/{certificate:path}",
    response_model=CertificateCoverage,
    tags=["coverage"],
    responses=ERRORS,
)
def coverage_certificate(
    request: Request,
    state: StateArg,
    certificate: str,
    q: CoverageArgs,
    attributes: AttributesArg,
    explain: Explain = False,
    max_paths: MaxPaths = C.Options.max_paths,
    role: Annotated[str | None, Query(description="Applicability context: an operator role.")] = None,
    category: Annotated[str | None, Query(description="Applicability context: the system's category.")] = None,
    system: Annotated[str | None, Query(description="Applicability context: an AI system (ORG/ID).")] = None,
    _: Auth = None,
) -> dict[str, Any]:
    """Which requirements of the target framework one certificate alone evidences on a date, and why;
    against the EU AI Act optionally for a role and category, or a system (else no filter)."""
    svc, opts = _question(state, request, q, max_paths)
    context = (
        {"system": system, "facts": attributes.facts}
        if system
        else {"roles": [role], "categories": [category] if category else [], "facts": attributes.facts}
        if role
        else None
    )
    return jsonable(C.certificate_coverage(svc, certificate, q.target, opts, explain=explain, context=context))


@coverage_router.get(
    "/coverage/system/{org}/{system}", response_model=SystemCoverage, tags=["coverage"], responses=ERRORS
)
def coverage_system(
    request: Request,
    state: StateArg,
    org: str,
    system: str,
    q: CoverageArgs,
    explain: Explain = False,
    max_paths: MaxPaths = C.Options.max_paths,
    _: Auth = None,
) -> dict[str, Any]:
    """Coverage of one AI system: own controls and certificates, and what it inherits from providers."""
    svc, opts = _question(state, request, q, max_paths)
    sys_iri = C.resolve_system(svc, f"{org_id(org)}/{system}")
    return jsonable(C.system_coverage(svc, sys_iri, q.target, opts, explain=explain))


@coverage_router.get("/coverage/org/{org}", response_model=OrgCoverage, tags=["coverage"], responses=ERRORS)
def coverage_org(
    request: Request,
    state: StateArg,
    org: str,
    q: CoverageArgs,
    explain: Explain = False,
    max_paths: MaxPaths = C.Options.max_paths,
    _: Auth = None,
) -> dict[str, Any]:
    """Coverage of every AI system of an organisation, with the gaps ranked by application date."""
    svc, opts = _question(state, request, q, max_paths)
    return jsonable(C.org_coverage(svc, org_id(org), q.target, opts, explain=explain))
