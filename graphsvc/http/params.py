"""What the REST routers share: the error responses they document, the query parameters several
routes take, and the coverage options built from them. graphsvc.http.app and every router module
(web, plan_api, review_api, api_ciso_assistant) import it; it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Query, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from graphsvc.domain import coverage as C
from graphsvc.service import GraphService
from graphsvc.sources import layers as L


class ErrorBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

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
