"""What the REST routers share: the error responses they document, the query parameters several
routes take (the EU AI Act attributes among them), the organisation id check, and the coverage
options built from them. graphsvc.http.app and every router module import it; it imports none of them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Depends, Query, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from graphsvc.domain import coverage as C
from graphsvc.domain.applicability import parse_facts
from graphsvc.errors import QueryParameterError
from graphsvc.service import GraphService
from graphsvc.sources import layers as L


class ApiModel(BaseModel):
    """The base of the REST answers' models: a field with an alias (``from_`` as ``from``) may be
    filled by either name."""

    model_config = ConfigDict(populate_by_name=True)


class ErrorBody(ApiModel):
    ok: bool = False
    error: str = Field(description="What went wrong, for a person.")
    errors: list[str] = Field(description="Every problem found (e.g. each SHACL violation).")
    status: int
    code: str = Field(description="Stable error code, e.g. query_not_found, forbidden, query_timeout.")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Malformed request or parameter"},
    401: {"model": ErrorBody, "description": "Missing or unknown API key"},
    403: {"model": ErrorBody, "description": "The key may not do this"},
    404: {"model": ErrorBody, "description": "Not found (or not visible to this key)"},
    429: {
        "model": ErrorBody,
        "description": "Too many failed API keys from this client; the key was not checked",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    },
}


# -- parameters shared by several routes ---------------------------------------------------------
#: Documents the bearer scheme in OpenAPI; the key itself is read (and checked) by AppState.principal.
Auth = Annotated[Any, Security(HTTPBearer(auto_error=False, description="An API key from `graphsvc keys create`."))]
Depth = Annotated[int, Query(ge=1, le=3, description="Most mapping hops in a chained link.")]
MinStrength = Annotated[int, Query(ge=1, le=10, description="Ignore mappings weaker than this.")]
Proposed = Annotated[bool, Query(description="Also follow proposed (not yet approved) mappings.")]
AsOf = Annotated[dt.date | None, Query(description="Date (YYYY-MM-DD); default today.")]
LawVersion = Annotated[
    str | None,
    Query(
        description="EU AI Act law layer: in-force (default: the law in force on the as-of date), adopted, amended or proposal-2025."
    ),
]


Target = Annotated[str, Query(description="Target framework id, e.g. euaia.")]
Explain = Annotated[bool, Query(description="Include the justification paths of each requirement.")]
MaxPaths = Annotated[
    int,
    Query(
        ge=1, le=1000, description="With explain: the most paths per requirement, best first (path_count has them all)."
    ),
]
GraphArg = Annotated[str | None, Query(description="The graph's IRI (or a CURIE such as gsg:org/acme).")]
DefaultArg = Annotated[str | None, Query(description="Present (?default) for the store's default graph.")]


def coverage_options(
    svc: GraphService, as_of: dt.date | None, law_version: str | None, depth: int, proposed: bool
) -> C.Options:
    day = as_of or dt.date.today()
    return C.Options(
        as_of=day,
        layer=L.resolve_layer(svc, law_version or svc.settings.law_version, day),
        depth=depth,
        include_proposed=proposed,
    )


class CoverageQuery:
    """The query parameters every coverage question takes (a FastAPI class dependency)."""

    def __init__(
        self,
        target: Target,
        as_of: AsOf = None,
        law_version: LawVersion = None,
        include_proposed: Proposed = False,
        depth: Depth = 2,
    ) -> None:
        self.target = target
        self.as_of = as_of
        self.law_version = law_version
        self.include_proposed = include_proposed
        self.depth = depth

    def options(self, svc: GraphService) -> C.Options:
        return coverage_options(svc, self.as_of, self.law_version, self.depth, self.include_proposed)


CoverageArgs = Annotated[CoverageQuery, Depends()]


class Attributes:
    """The organisation and system attributes EU AI Act conditions test, as query parameters
    (named as in the organisation YAML; see docs/orgdata.md)."""

    def __init__(
        self,
        public_body: Annotated[
            bool | None, Query(description="A public authority, Union body or body governed by public law.")
        ] = None,
        public_service_provider: Annotated[
            bool | None, Query(description="A private entity providing public services.")
        ] = None,
        established_in_union: Annotated[
            bool | None, Query(description="Established in the Union (default true).")
        ] = None,
        financial_institution: Annotated[
            bool | None, Query(description="Subject to Union financial governance rules (default false).")
        ] = None,
        annex_iii_area: Annotated[
            str | None, Query(description="Annex III area or point of the use, e.g. 4(a).")
        ] = None,
        annex_i_section: Annotated[str | None, Query(description="A or B, for an Annex I product.")] = None,
        placed_on_market: Annotated[str | None, Query(description="Date placed on the market (YYYY-MM-DD).")] = None,
        used_at_workplace: Annotated[bool | None, Query(description="Used at the workplace by an employer.")] = None,
        open_source: Annotated[
            bool | None, Query(description="A GPAI model under a free and open-source licence.")
        ] = None,
        substantially_modified: Annotated[
            bool | None, Query(description="Substantially modified by this operator.")
        ] = None,
        rebranded: Annotated[bool | None, Query(description="This operator put its name or trademark on it.")] = None,
        art6_3_exemption: Annotated[
            bool | None, Query(description="The provider claims the Art. 6(3) derogation.")
        ] = None,
    ) -> None:
        self.facts = parse_facts({k: v for k, v in locals().items() if k != "self"}, how="query parameter")


AttributesArg = Annotated[Attributes, Depends()]

_ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def org_id(org: str) -> str:
    """``org`` if it is an organisation id (letters, digits, '.', '_' or '-').

    :raises QueryParameterError: it is not.
    """
    if not _ORG_ID.match(org):
        raise QueryParameterError(f"organisation id {org!r}: letters, digits, '.', '_' or '-'")
    return org
