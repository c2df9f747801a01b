"""The REST route of EU AI Act applicability (``/applicable``): the obligations for a role and
category, or a system, each with its status and the reason in words (:mod:`graphsvc.domain.applicability`,
on the law layer :mod:`graphsvc.sources.layers` resolves). :class:`LawLayer` describes that layer
here and in the coverage answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from graphsvc.domain import applicability as A
from graphsvc.domain import coverage as C
from graphsvc.errors import QueryParameterError
from graphsvc.http.deps import StateArg
from graphsvc.http.params import ERRORS, ApiModel, AsOf, AttributesArg, Auth, LawVersion
from graphsvc.sources import layers as L
from graphsvc.sources.conditions import ATTRIBUTES

applicability_router = APIRouter()

#: The query parameters /applicable knows; any other is refused rather than ignored.
APPLICABLE_PARAMS = {"role", "category", "system", "as_of", "law_version", "all", *ATTRIBUTES}


class LawLayer(ApiModel):
    id: str = Field(description="the law layer used, e.g. amended")
    title: str
    status: str = Field(description="in-force or proposal")
    in_force_from: str | None = Field(default=None, description="when the act the layer rests on entered into force")
    statement: str = Field(description="the legal status in words, e.g. 'law in force since 2026-07-27'")
    act: str = ""
    source: str = ""


class ApplicableRow(ApiModel):
    notation: str
    title: str
    curie: str
    status: str = Field(
        description="applies, applies-from (a later date), conditional, or does-not-apply (with all=true)"
    )
    condition: str = Field(default="", description="what decides a conditional row, in words")
    from_: dt.date = Field(alias="from")
    role: str
    category: str
    layer: str
    reason: str = Field(description="Why, in words, citing the article")
    condition: str = Field(description="The conditions the Regulation attaches to this obligation, if any")
    decided_by: list[str] = Field(description="For a conditional row: the attributes (or @facts) that would decide it")


class ApplicableAnswer(ApiModel):
    roles: list[str]
    categories: list[str]
    system: str | None = None
    attributes: dict[str, Any] = Field(description="The attributes the answer rests on (given, recorded or default)")
    not_given: list[str] = Field(description="Attributes not given: obligations they decide are conditional")
    as_of: dt.date
    law_version: str
    law_layer: LawLayer
    summary: dict[str, int] = Field(description="Rows per status, does-not-apply included")
    total: int
    items: list[ApplicableRow]


@applicability_router.get("/applicable", response_model=ApplicableAnswer, tags=["euaia"], responses=ERRORS)
def applicable_route(
    request: Request,
    state: StateArg,
    attributes: AttributesArg,
    role: Annotated[str | None, Query(description="provider, deployer, importer, distributor, …")] = None,
    category: Annotated[str | None, Query(description="all, high-risk-annex-iii, transparency, gpai, …")] = None,
    system: Annotated[str | None, Query(description="An AI system id (ORG/ID) instead of role and category.")] = None,
    as_of: AsOf = None,
    law_version: LawVersion = None,
    show_all: Annotated[
        bool, Query(alias="all", description="Also list the obligations that do not apply, and why.")
    ] = False,
    _: Auth = None,
) -> dict[str, Any]:
    """The EU AI Act obligations for a role and category, or a system: status (applies, applies-from,
    conditional, does-not-apply) and the reason in words for each."""
    unknown = sorted(set(request.query_params) - APPLICABLE_PARAMS)
    if unknown:
        raise QueryParameterError(
            f"unknown query parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(APPLICABLE_PARAMS))}"
        )
    svc = state.view(state.principal(request))
    day = as_of or dt.date.today()
    layer = L.resolve_layer(svc, law_version or state.settings.law_version, day)
    res = A.answer(
        svc,
        system=C.resolve_system(svc, system) if system else None,
        roles=[role] if role else [],
        categories=[category] if category else [],
        facts=attributes.facts,
        as_of=day,
        layer=layer,
        include_all=show_all,
    )
    res["law_layer"] = L.describe_layer(svc, layer)
    return res
