"""REST routes of the named queries (``queries/*.rq``, :class:`graphsvc.sources.queries.QueryRegistry`):
the list, one query's text and parameters, and ``/queries/NAME/run`` for each query, its
parameters typed in OpenAPI and bound as RDF terms, never pasted into the query."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request

from graphsvc.errors import QueryNotFound
from graphsvc.exports.results import jsonable
from graphsvc.http.deps import StateArg, state_of
from graphsvc.http.params import ERRORS, ApiModel
from graphsvc.sources.queries import NamedQuery, QueryRegistry

query_router = APIRouter()


class QueryParamInfo(ApiModel):
    name: str
    kind: str
    required: bool
    default: str | None = None
    help: str = ""


class NamedQueryInfo(ApiModel):
    name: str
    summary: str
    description: str = ""
    tags: list[str]
    form: str
    params: list[QueryParamInfo]
    run: str
    text: str | None = None


class QueryRun(ApiModel):
    query: str
    total: int
    limit: int
    offset: int
    rows: list[dict[str, Any]]


def _query_info(q: NamedQuery, *, text: bool) -> dict[str, Any]:
    return {
        "name": q.name,
        "summary": q.summary,
        "description": q.description,
        "tags": list(q.tags),
        "form": q.form,
        "params": [
            {"name": p.name, "kind": p.kind, "required": p.required, "default": p.default, "help": p.help}
            for p in q.params
        ],
        "run": f"/queries/{q.name}/run",
        "text": q.text if text else None,
    }


@query_router.get("/queries", response_model=list[NamedQueryInfo], tags=["named queries"])
def queries(state: StateArg) -> list[dict[str, Any]]:
    """Every named query of queries/, with its parameters."""
    return [_query_info(q, text=False) for q in state.service.registry]


@query_router.get("/queries/{name}", response_model=NamedQueryInfo, tags=["named queries"], responses=ERRORS)
def query_show(state: StateArg, name: str) -> dict[str, Any]:
    """One named query: its text and parameters."""
    return _query_info(state.service.registry.get(name), text=True)


def run_router(registry: QueryRegistry) -> APIRouter:
    """``GET`` and ``POST /queries/NAME/run`` for every query of ``registry``, then the 404 of a
    name it does not have (registered last, so it answers only those)."""
    router = APIRouter()
    for q in registry:
        for method in ("GET", "POST"):
            router.add_api_route(
                f"/queries/{q.name}/run",
                _named_query_endpoint(q),
                methods=[method],
                response_model=QueryRun,
                tags=["named queries"],
                summary=q.summary,
                description=(q.description or q.summary)
                + "\n\nParameters are bound as RDF terms, never pasted into the query.",
                operation_id=f"run_{q.name}_{method.lower()}",
                responses=ERRORS,
            )
    router.add_api_route("/queries/{name}/run", query_unknown, methods=["GET", "POST"], include_in_schema=False)
    return router


def query_unknown(state: StateArg, name: str) -> None:
    registry = state.service.registry
    raise QueryNotFound(f"no named query {name!r}; known: {', '.join(sorted(q.name for q in registry))}")


_KINDS: dict[str, type] = {"iri": str, "literal": str, "integer": int, "date": dt.date, "boolean": bool}


def _named_query_endpoint(q: NamedQuery) -> Callable[..., dict[str, Any]]:
    """A route function whose signature lists the query's parameters, typed, for OpenAPI."""
    names = {p.name for p in q.params}
    paging = not names & {"limit", "offset", "request"}
    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    for p in q.params:
        kind = _KINDS[p.kind]
        help_ = p.help or ("an IRI or CURIE" if p.kind == "iri" else p.kind)
        if p.default is not None:
            default: Any = Query(p.default, description=help_)
            annotation: Any = kind
        elif p.required:
            default, annotation = Query(description=help_), kind
        else:
            default, annotation = Query(None, description=help_), kind | None
        params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    if paging:
        params.append(
            inspect.Parameter(
                "limit", inspect.Parameter.KEYWORD_ONLY, default=Query(1000, ge=1, le=10000), annotation=int
            )
        )
        params.append(
            inspect.Parameter("offset", inspect.Parameter.KEYWORD_ONLY, default=Query(0, ge=0), annotation=int)
        )

    def endpoint(**kwargs: Any) -> dict[str, Any]:
        request = kwargs.pop("request")
        limit = kwargs.pop("limit", 1000) if paging else 10**9
        offset = kwargs.pop("offset", 0) if paging else 0
        values = {}
        for k, v in kwargs.items():
            if v is None:
                continue
            values[k] = str(v).lower() if isinstance(v, bool) else (v.isoformat() if isinstance(v, dt.date) else str(v))
        state = state_of(request)
        rows = state.view(state.principal(request)).select(q.name, **values)
        return {
            "query": q.name,
            "total": len(rows),
            "limit": limit if paging else len(rows),
            "offset": offset,
            "rows": jsonable(rows[offset : offset + limit]),
        }

    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = f"run_{q.name}"
    return endpoint
