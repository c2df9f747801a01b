"""REST routes for proposed mappings and their review, mounted by :func:`graphsvc.http.app.create_app`.

``review_router`` is a router over the app's state (service, keys, write lock) with

* ``GET  /orgs/{org}/proposals``: the organisation's queue (waiting rows first), with both
  texts when ``texts=true``; readers of that tenant (and admins) only;
* ``POST /orgs/{org}/proposals``: propose for the organisation's controls in a framework and
  queue the proposals (writer of that tenant);
* ``POST /orgs/{org}/proposals/{id}/review``: accept, edit or reject one proposal (writer);
* ``POST /orgs/{org}/reviews``: several decisions at once, all or none (writer).

Writes take the app's write lock and reuse the key and role machinery of
:mod:`graphsvc.store.tenancy`: a writer key may review only its own organisation's queue. A
decision on a proposal that no longer exists is a 404, on one already decided a 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from graphsvc.domain.review import Decision, queue, queue_proposals, review
from graphsvc.errors import QueryParameterError
from graphsvc.http.deps import ServerState, StateArg
from graphsvc.http.pages import _ORG_ID
from graphsvc.namespaces import org_graph
from graphsvc.store.tenancy import require_org_writer, require_read

Auth = Annotated[Any, Security(HTTPBearer(auto_error=False, description="An API key from `graphsvc keys create`."))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposeBody(_Model):
    to: str = Field(description="Target framework id (iso42001, euaia, nistairmf, aicm).")
    top: int = Field(5, ge=1, le=50, description="Proposals per control.")
    include_mapped: bool = Field(False, description="Also controls that already implement a requirement.")


class ReviewBody(_Model):
    decision: str = Field(description="accept, edit or reject.")
    relation: str | None = Field(None, description="equal, subset, superset, intersects or not-related.")
    strength: int | None = Field(None, description="1-10; a containment relation needs 10.")
    comment: str | None = Field(None, description="Why, in one or two sentences (the row's comment).")
    rationale: str | None = Field(None, description="semantic, syntactic or functional (default semantic).")
    reviewer: str | None = Field(None, description="The reviewer's name (default: the API key's name).")


class BatchItem(ReviewBody):
    id: str = Field(description="The proposal id (p-…).")


class BatchBody(_Model):
    reviewer: str | None = Field(None, description="The reviewer's name (default: the API key's name).")
    decisions: list[BatchItem]


def _org(org: str) -> str:
    if not _ORG_ID.match(org):
        raise QueryParameterError(f"organisation id {org!r}: letters, digits, '.', '_' or '-'")
    return org


def _decision(pid: str, body: ReviewBody, where: str) -> Decision:
    return Decision(
        proposal=pid,
        action=body.decision,
        relation=body.relation or "",
        strength=body.strength,
        comment=body.comment or "",
        rationale=body.rationale or "",
        where=where,
    )


def _row(m: Any) -> dict[str, Any]:
    from graphsvc.namespaces import compress

    return {
        "id": m.id,
        "control": compress(m.subject),
        "requirement": compress(m.object),
        "status": m.status,
        "relation": m.relation,
        "strength": m.strength,
        "comment": m.comment,
        "reviewer": m.reviewer,
        "reviewed": m.reviewed,
    }


#: The review routes; create_app includes them.
review_router = APIRouter(tags=["review"])


def _reviewer_of(principal: Any, given: str | None) -> str:
    name = (given or "").strip() or principal.name or ""
    if not name:
        raise QueryParameterError("name the reviewer: give 'reviewer' (this API key has no name)")
    return name


@review_router.get("/orgs/{org}/proposals")
def proposals_list(
    request: Request,
    org: str,
    state: StateArg,
    status: Annotated[str | None, Query(description="proposed, approved or rejected")] = None,
    texts: Annotated[bool, Query(description="Include both texts (control and requirement).")] = False,
    _: Auth = None,
) -> list[dict[str, Any]]:
    """An organisation's proposed and reviewed mappings (its private data: its own keys only)."""

    principal = state.principal(request)
    org = _org(org)
    require_read(principal, [org_graph(org)], what="read the review queue of")
    return queue(state.view(principal), org, status=status, with_texts=texts)


@review_router.post("/orgs/{org}/proposals")
async def proposals_make(
    request: Request, org: str, body: ProposeBody, state: StateArg, _: Auth = None
) -> dict[str, Any]:
    """Propose mappings for the organisation's controls and put them in its review queue."""
    principal = state.writer(request)
    org = _org(org)
    require_org_writer(principal, org)

    def work() -> dict[str, Any]:
        with state.write_lock:
            try:
                r = queue_proposals(state.service, org, body.to, top=body.top, include_mapped=body.include_mapped)
            finally:
                state.after_write()
        return {
            "ok": True,
            "organisation": org,
            "target": r.target,
            "proposed": r.proposed,
            "replaced": r.replaced,
            "skipped_reviewed": r.skipped_reviewed,
            "waiting": r.waiting,
        }

    return await run_in_threadpool(work)


def _apply(
    state: ServerState, request: Request, org: str, decisions: list[Decision], reviewer: str | None
) -> dict[str, Any]:
    """Apply decisions to an organisation's queue under the write lock (in a thread), all or none."""
    principal = state.writer(request)
    org = _org(org)
    require_org_writer(principal, org)
    who = _reviewer_of(principal, reviewer)
    with state.write_lock:
        try:
            done = review(state.service, org, decisions, who)
        finally:
            state.after_write()
    return {"ok": True, "organisation": org, "reviewer": who, "reviewed": [_row(m) for m in done]}


@review_router.post("/orgs/{org}/proposals/{pid}/review")
async def proposal_review(
    request: Request, org: str, pid: str, body: ReviewBody, state: StateArg, _: Auth = None
) -> dict[str, Any]:
    """Accept, edit or reject one proposal; approved rows are used by coverage from then on."""
    return await run_in_threadpool(_apply, state, request, org, [_decision(pid, body, "request")], body.reviewer)


@review_router.post("/orgs/{org}/reviews")
async def reviews_batch(request: Request, org: str, body: BatchBody, state: StateArg, _: Auth = None) -> dict[str, Any]:
    """Several decisions at once: all are applied, or none."""
    decisions = [_decision(d.id, d, f"decisions[{i}]") for i, d in enumerate(body.decisions)]
    return await run_in_threadpool(_apply, state, request, org, decisions, body.reviewer)
