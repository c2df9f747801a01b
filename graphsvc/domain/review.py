"""Review of proposed mappings: a person accepts, edits or rejects each one.

The queue is an organisation's mapping set (:mod:`graphsvc.sources.orgmappings`). :func:`queue_proposals`
fills it from the matcher (:mod:`graphsvc.domain.proposals`) for the organisation's controls; pairs a
person already decided on are never proposed again, and a new run replaces only the waiting
proposals of the controls it proposes for. :func:`review` applies decisions, all or none:

* ``accept``: the row becomes ``approved`` with the suggested relation and strength, unless the
  decision gives others (``edit`` is the same with at least one change);
* ``reject``: the row becomes ``rejected`` and stays, so the pair is not proposed again.

Each decision names its proposal by id (``p-…``, as ``graphsvc propose`` and the API show it)
and carries the reviewer's name; the review time is recorded with it (PROV-O). A decision on a
proposal that is no longer in the queue (a later ``propose`` replaced it) is refused with
:class:`~graphsvc.errors.UnknownTerm`; one on a row already decided with
:class:`~graphsvc.errors.Conflict`; either way nothing is written.

A containment relation (``equal``, ``subset``, ``superset``) needs strength 10: DESIGN.md's rule
that such a row holds only if every conforming implementation of one side meets the other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.domain.org_mapping_set import load_rows, save_rows
from graphsvc.domain.proposals import AUTHOR, org_controls, proposal_id, propose
from graphsvc.errors import Conflict, DataLoadError, QueryParameterError, UnknownTerm
from graphsvc.namespaces import compress, org_graph
from graphsvc.sources.mappingsets import RATIONALES, RELATIONS
from graphsvc.sources.orgmappings import LEXICAL, OrgMapping

ACTIONS = {
    "accept": "approved",
    "accepted": "approved",
    "approve": "approved",
    "approved": "approved",
    "edit": "approved",
    "edited": "approved",
    "reject": "rejected",
    "rejected": "rejected",
}
SKIP = {"", "proposed", "skip", "pending"}


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one proposal; empty fields keep the proposal's values."""

    proposal: str
    action: str  # accept | edit | reject
    relation: str = ""
    strength: int | None = None
    comment: str = ""
    rationale: str = ""
    where: str = "request"  # file:row, for error messages


@dataclass
class QueueReport:
    org: str
    target: str
    proposed: int  # waiting proposals written by this run
    replaced: int  # waiting proposals of the same controls that this run replaced
    skipped_reviewed: int  # pairs not proposed again because a person decided on them
    waiting: int  # waiting proposals in the queue after the run


def queue_proposals(
    svc: Any, org: str, to: str, *, top: int = 5, include_mapped: bool = False, today: dt.date | None = None
) -> QueueReport:
    """Propose for an organisation's controls and put the proposals in its review queue."""
    svc.check_framework(to)
    rows = load_rows(svc, org)
    decided = {(m.subject, m.object) for m in rows if not m.pending}
    proposals = propose(svc, to, controls=org, top=top, include_mapped=include_mapped, exclude=decided)
    subjects = {p.subject.iri for p in proposals}
    replaced = [m for m in rows if m.pending and m.subject in subjects and compress(m.object).startswith(to + ":")]
    gone = {m.id for m in replaced}
    kept = [m for m in rows if m.id not in gone]
    date = (today or dt.date.today()).isoformat()
    new = [
        OrgMapping(
            id=proposal_id(p.subject.iri, p.object.iri),
            subject=p.subject.iri,
            subject_label=p.subject.label,
            object=p.object.iri,
            object_label=p.object.label,
            relation=p.relation,
            strength=p.strength,
            status="proposed",
            rationale="syntactic",
            comment=p.comment(),
            source="graphsvc lexical matcher (TF-IDF) over titles, summaries and imported licensed text",
            author=AUTHOR,
            justification=LEXICAL,
            proposed=date,
            confidence=p.confidence,
            matched="; ".join(p.matched),
        )
        for p in proposals
    ]
    save_rows(svc, org, kept + new)
    return QueueReport(
        org=org,
        target=to,
        proposed=len(new),
        replaced=len(gone - {m.id for m in new}),
        skipped_reviewed=sum(1 for s, _ in decided if s in subjects),
        waiting=sum(1 for m in kept + new if m.pending),
    )


def requirement_text(svc: Any, req: str) -> dict[str, str]:
    info = svc.requirement_info(req)
    return {"notation": info["notation"], "title": info["title"], "summary": info.get("summary", "")}


def queue(svc: Any, org: str, *, status: str | None = None, with_texts: bool = False) -> list[dict[str, Any]]:
    """The organisation's rows (waiting ones first, best first), as plain rows.

    :raises QueryParameterError: an unknown status filter.
    """
    if status is not None and status not in {"proposed", "approved", "rejected"}:
        raise QueryParameterError(f"status {status!r}: expected proposed, approved or rejected")
    visible = set(svc.store.named_graphs())
    if not {org_graph(org), org_graph(org, "published")} & visible:
        raise UnknownTerm(f"no organisation {org!r} in the graph (or not visible to this key)")
    rows = [m for m in load_rows(svc, org) if status is None or m.status == status]
    rows.sort(key=lambda m: (not m.pending, -(m.confidence or 0), m.subject, m.object))
    controls = {c.item.iri: c for c in org_controls(svc, org)} if with_texts else {}
    out = []
    for m in rows:
        row: dict[str, Any] = {
            "id": m.id,
            "control": compress(m.subject),
            "control_label": m.subject_label,
            "requirement": compress(m.object),
            "requirement_label": m.object_label,
            "status": m.status,
            "relation": m.relation,
            "strength": m.strength,
            "confidence": m.confidence,
            "matched": m.matched,
            "reviewer": m.reviewer,
            "reviewed": m.reviewed,
            "comment": m.comment,
        }
        if with_texts:
            c = controls.get(m.subject)
            desc = ""
            if c is not None:
                label = c.item.label.split(" ", 1)[-1]
                desc = c.item.text.removeprefix(label).strip()
            req = requirement_text(svc, m.object)
            row["control_text"] = desc
            row["requirement_title"] = req["title"]
            row["requirement_text"] = req["summary"]
        out.append(row)
    return out


def _check(d: Decision, current: OrgMapping) -> tuple[str, str, int, str, str]:
    status = ACTIONS.get(d.action.strip().lower())
    if status is None:
        raise QueryParameterError(f"{d.where}: field 'decision' is {d.action!r}; expected accept, edit or reject")
    relation = d.relation.strip() or current.relation
    if relation not in RELATIONS:
        raise QueryParameterError(
            f"{d.where}: field 'relation' is {relation!r}; expected one of {', '.join(RELATIONS)}"
        )
    strength = current.strength if d.strength is None else d.strength
    if not 1 <= strength <= 10:
        raise QueryParameterError(f"{d.where}: field 'strength' is {strength}; expected 1-10")
    if status == "approved" and relation in {"equal", "subset", "superset"} and strength != 10:
        raise QueryParameterError(
            f"{d.where}: relation {relation} needs strength 10 (a containment holds for every conforming "
            f"implementation, or it is an intersects row); got {strength}"
        )
    rationale = d.rationale.strip() or ("semantic" if status == "approved" else current.rationale)
    if rationale not in RATIONALES:
        raise QueryParameterError(
            f"{d.where}: field 'rationale' is {rationale!r}; expected one of {', '.join(RATIONALES)}"
        )
    if d.action.strip().lower() in {"edit", "edited"} and not (d.relation or d.strength is not None or d.comment):
        raise QueryParameterError(f"{d.where}: an edit must change relation, strength or comment")
    return status, relation, strength, rationale, d.comment.strip()


def review(
    svc: Any, org: str, decisions: Sequence[Decision], reviewer: str, *, when: dt.datetime | None = None
) -> list[OrgMapping]:
    """Apply decisions to an organisation's queue, all or none; returns the reviewed rows.

    :raises UnknownTerm: a decision names a proposal not in the queue.
    :raises Conflict: a decision names a row already decided.
    :raises QueryParameterError: a bad decision, relation, strength or rationale; no reviewer.
    """
    if not reviewer.strip():
        raise QueryParameterError("a review needs the reviewer's name (--reviewer, or the reviewer field)")
    if not decisions:
        raise QueryParameterError("no decisions to apply")
    when = when or dt.datetime.now(dt.UTC)
    rows = load_rows(svc, org)
    by_id = {m.id: m for m in rows}
    changed: dict[str, OrgMapping] = {}
    for d in decisions:
        current = by_id.get(d.proposal)
        if current is None:
            raise UnknownTerm(
                f"{d.where}: proposal {d.proposal!r} is not in {org}'s review queue: it no longer exists "
                "(a later `graphsvc propose` replaced it, or the controls were re-imported)"
            )
        if not current.pending or d.proposal in changed:
            raise Conflict(
                f"{d.where}: proposal {d.proposal} ({compress(current.subject)} → {compress(current.object)}) "
                f"was already {current.status if not current.pending else 'decided in this file'}"
                + (f" by {current.reviewer} on {current.reviewed[:10]}" if current.reviewer else "")
            )
        status, relation, strength, rationale, comment = _check(d, current)
        if comment == current.comment:  # a file that carries the proposal's own comment back
            comment = ""
        verb = "Accepted" if status == "approved" else "Rejected"
        text = comment or f"{verb} by {reviewer.strip()} as proposed. {current.comment}"
        changed[d.proposal] = current.reviewed_as(
            status, reviewer.strip(), when, relation=relation, strength=strength, comment=text, rationale=rationale
        )
    save_rows(svc, org, [changed.get(m.id, m) for m in rows])
    return list(changed.values())


# -- a reviewed file ------------------------------------------------------------------------------
def _pick(row: dict[str, str], *names: str) -> str:
    for n in names:
        if row.get(n):
            return row[n].strip()
    return ""


def read_decisions(path: Path) -> tuple[list[Decision], str]:
    """Decisions from a reviewed CSV (``graphsvc propose -f csv`` or ``review --export``) or
    SSSOM TSV: each row names its proposal (``id`` or ``proposal_id``) and a decision
    (``decision``, or ``status`` approved/rejected); ``relation``/``set_relation``,
    ``strength``, ``comment`` and ``rationale`` edit it; ``reviewer``/``reviewer_id`` name the
    reviewer. Rows still ``proposed`` (or blank) are skipped.

    Returns the decisions and the reviewer named in the file (if one name is used throughout).

    :raises DataLoadError: with file:row and field.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    lines = text.splitlines()
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    body = "\n".join(lines[n:])
    delimiter = "\t" if "\t" in (lines[n] if n < len(lines) else "") else ","
    reader = csv.DictReader(io.StringIO(body), delimiter=delimiter)
    fields = set(reader.fieldnames or [])
    if not fields & {"id", "proposal_id"}:
        raise DataLoadError(f"{path}:{n + 1}: column 'id' (or 'proposal_id') is missing")
    if not fields & {"decision", "status"}:
        raise DataLoadError(f"{path}:{n + 1}: column 'decision' (or 'status') is missing")
    out: list[Decision] = []
    reviewers: set[str] = set()
    for row in reader:
        where = f"{path}:{n + reader.line_num}"
        action = _pick(row, "decision", "status").lower()
        if action in SKIP:
            continue
        if action not in ACTIONS:
            raise DataLoadError(f"{where}: field 'decision' is {action!r}; expected accept, edit, reject or blank")
        pid = _pick(row, "proposal_id", "id")
        if not pid:
            raise DataLoadError(f"{where}: field 'id' is empty")
        strength_text = _pick(row, "strength")
        try:
            strength = int(strength_text) if strength_text else None
        except ValueError:
            raise DataLoadError(f"{where}: field 'strength' is {strength_text!r}; expected 1-10") from None
        relation = _pick(row, "relation", "set_relation")
        reviewer = _pick(row, "reviewer", "reviewer_label", "reviewer_id")
        if reviewer:
            reviewers.add(reviewer)
        out.append(
            Decision(
                proposal=pid,
                action=action,
                relation=relation,
                strength=strength,
                comment=_pick(row, "review_comment", "comment"),
                rationale=_pick(row, "rationale") if _pick(row, "rationale") in RATIONALES else "",
                where=where,
            )
        )
    return out, (reviewers.pop() if len(reviewers) == 1 else "")
