"""REST routes for plans (:mod:`graphsvc.domain.plan`), mounted by :func:`graphsvc.http.app.create_app`.

``plan_router`` is a router with

* ``GET /plan/{org}/{system}?target=…``: the plan of one AI system, as JSON;
* ``GET /plan/{org}?target=…``: the plan of every AI system of an organisation;
* ``GET /plan/{org}/{system}/export?target=…&format=csv|xlsx|oscal``: the same plan as CSV, an
  xlsx workbook, or OSCAL Plan of Action and Milestones JSON.

Access follows the coverage routes: each answer is computed on the caller's view of the store
(``state.view``, a :class:`graphsvc.store.tenancy.ScopedStore`), so a system only in another
tenant's private graph is a 404, and another tenant's key sees a plan computed from published
data only, without the organisation's private controls, evidence or recorded actions.

The routes read the app's state through :data:`graphsvc.http.deps.StateArg`.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from graphsvc.domain import plan as P
from graphsvc.domain.resolve import resolve_system
from graphsvc.errors import QueryParameterError
from graphsvc.exports import plan as X
from graphsvc.exports.results import jsonable
from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.params import ERRORS, AsOf, Auth, Depth, LawVersion, Proposed, Target

__all__ = ["PlanAnswer", "plan_router"]

_ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "oscal": "application/json",
}


# -- response models (documentation and output validation) -----------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class PlanMappingRow(_Model):
    mapping: str = Field(description="The mapping row's IRI.")
    subject: str
    relation: str = Field(description="As the mapping set states it: subject relation object.")
    object: str
    strength: int
    status: str
    set: str = Field(description="The mapping set's IRI.")
    source: str = Field(description="Where the row comes from (clause, document, or the project's analysis).")
    comment: str
    walked_backwards: bool = Field(description="The suggestion reads this row from object to subject.")


class PlanSuggestion(_Model):
    framework: str
    curie: str
    notation: str
    title: str
    rank: int | None = Field(
        description="Pick of this requirement in the greedy cover of the system's open items (1: reaches most); "
        "null when it adds nothing the earlier picks do not reach."
    )
    reaches: int = Field(description="Open items it is the first to reach in that cover.")
    relation: str = Field(description="The link's relation, read source → item (composed when chained).")
    transfer: str = Field(description="full: implementing it would satisfy the item; partial: reach it partly.")
    strength: int
    derived: bool = Field(description="A chained link (more than one mapping row).")
    mappings: list[PlanMappingRow]


class PlanAction(_Model):
    id: str = Field(description="Stable id of the item: gsd:action/<org>/<system>/<requirement>.")
    system: str
    system_label: str
    requirement: str = Field(description="CURIE of the target requirement.")
    notation: str
    title: str
    group: str = Field(description="The article, clause or category it belongs to.")
    kind: str = Field(description="gap, partial or residual (satisfied, with a responsibility left to you).")
    coverage: str = Field(description="Coverage status on the date: gap, partial, satisfied, upcoming or conditional.")
    would_be: str = Field(description="For upcoming and conditional items: the status the paths give it.")
    binds_from: dt.date | None = Field(description="The date the requirement binds the system from.")
    due: dt.date | None = Field(description="The organisation's own due date, else binds_from.")
    overdue: bool
    gap: str = Field(description="For gaps: no-counterpart or not-reached.")
    why: str = Field(description="Coverage's explanation.")
    residual: list[str]
    status: str = Field(description="The organisation's: open (default), in-progress, done or risk-accepted.")
    owner: str
    notes: str
    recorded: str = Field(description="The recorded action (organisation YAML, actions:) the fields come from.")
    suggestions: list[PlanSuggestion]


class PlanRecorded(_Model):
    id: str
    requirement: str
    system: str
    status: str
    owner: str
    due: dt.date | None
    notes: str


class PlanSystem(_Model):
    system: str
    label: str
    organisation: str
    organisation_label: str
    roles: list[str]
    categories: list[str]
    coverage: dict[str, int] = Field(description="Coverage's summary of the system, for comparison.")
    counts: dict[str, int] = Field(description="Items by kind.")
    actions: list[PlanAction]
    recorded_only: list[PlanRecorded] = Field(
        description="Actions recorded for the system on requirements where coverage leaves nothing to do."
    )


class PlanAnswer(_Model):
    target: str
    as_of: dt.date
    law_version: str
    law_layer: dict[str, Any] = Field(description="The law layer used and its legal status in words.")
    sources: list[str] = Field(description="Frameworks the suggestions come from.")
    mappings_used: str
    suggestions_from: str
    systems: list[PlanSystem]


@dataclass(frozen=True)
class PlanArgs:
    """The query parameters of a plan request."""

    target: str
    as_of: dt.date | None
    law_version: str | None
    sources: list[str] | None
    kinds: list[str] | None
    suggestions: int
    depth: int
    include_proposed: bool


def _org(org: str) -> str:
    if not _ORG_ID.match(org):
        raise QueryParameterError(f"organisation id {org!r}: letters, digits, '.', '_' or '-'")
    return org


#: The plan routes; create_app includes them.
plan_router = APIRouter(tags=["plan"])

From = Annotated[
    list[str] | None,
    Query(
        alias="from",
        description="Framework(s) the suggestions come from (repeat the parameter); default: every framework "
        "a mapping set links to the target.",
    ),
]
Kind = Annotated[list[str] | None, Query(description="Only these kinds: gap, partial, residual.")]
Suggestions = Annotated[int, Query(ge=0, le=50, description="Suggestions per item (0: all).")]


def plan_args(
    target: Target,
    as_of: AsOf = None,
    law_version: LawVersion = None,
    source: From = None,
    kind: Kind = None,
    suggestions: Suggestions = 3,
    depth: Depth = 2,
    include_proposed: Proposed = False,
    _: Auth = None,
) -> PlanArgs:
    """The query parameters every plan route shares."""
    return PlanArgs(target, as_of, law_version, source, kind, suggestions, depth, include_proposed)


Args = Annotated[PlanArgs, Depends(plan_args)]


def _compute(state: ServerState, request: Request, org: str, system: str | None, a: PlanArgs) -> P.Plan:
    """The plan of one system (or, with ``system`` None, of every system of ``org``) on the caller's view."""
    svc = state.view(state.principal(request))
    kwargs: dict[str, Any] = {
        "on": a.as_of,
        "law_version": a.law_version,
        "sources": a.sources or None,
        "depth": a.depth,
        "include_proposed": a.include_proposed,
        "max_suggestions": a.suggestions or None,
        "kinds": a.kinds or None,
    }
    if system is None:
        return P.org_plan(svc, _org(org), a.target, **kwargs)
    sys_iri = resolve_system(svc, f"{_org(org)}/{system}")
    return P.plan(svc, sys_iri, a.target, **kwargs)


@plan_router.get("/plan/{org}/{system}", response_model=PlanAnswer, responses=ERRORS)
def plan_system(
    request: Request,
    org: str,
    system: str,
    a: Args,
    state: StateArg,
) -> dict[str, Any]:
    """What is left for one AI system, as actions: every gap, partial and residual responsibility of its
    coverage, due on the date it binds from, with the owner and status its organisation recorded and the
    requirements of a source framework that would close it (ranked by the greedy cover)."""
    return dict(jsonable(_compute(state, request, org, system, a)))


@plan_router.get("/plan/{org}", response_model=PlanAnswer, responses=ERRORS)
def plan_org(
    request: Request,
    org: str,
    a: Args,
    state: StateArg,
) -> dict[str, Any]:
    """The plan of every AI system of an organisation (the caller sees what its key may read)."""
    return dict(jsonable(_compute(state, request, org, None, a)))


@plan_router.get(
    "/plan/{org}/{system}/export",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "description": "The plan as CSV, xlsx or OSCAL plan-of-action-and-milestones JSON.",
            "content": {media.split(";")[0]: {} for media in MEDIA.values()},
        },
    },
)
def plan_export(
    request: Request,
    org: str,
    system: str,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx|oscal)$", description="csv, xlsx or oscal.")],
    a: Args,
    state: StateArg,
) -> Response:
    """The plan of one AI system as a file: CSV, an xlsx workbook (a sheet per system, filters, frozen
    header) or OSCAL Plan of Action and Milestones (POA&M) JSON with stable UUIDs."""
    result = _compute(state, request, org, system, a)
    data = X.render(result, fmt)
    name = f"plan-{org}-{system}-{result.target}-{result.as_of.isoformat()}"
    ext = {"csv": "csv", "xlsx": "xlsx", "oscal": "poam.json"}[fmt]
    return Response(
        data,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"', "Vary": "Authorization"},
    )
