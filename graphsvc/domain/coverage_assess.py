"""From starts to coverage rows: every requirement coverage reports on in the target framework,
with its status (``satisfied``, ``partial``, ``gap``, or, against the EU AI Act, what
applicability makes of it), its justification paths, the heading it is listed under, why a
gap is one, and an explanation in words.
"""

from __future__ import annotations

from typing import Any, Protocol

from graphsvc.domain.coverage_applicability import apply_applicability
from graphsvc.domain.coverage_paths import Walk, best_first, explain_path, links, path
from graphsvc.domain.coverage_starts import Start
from graphsvc.domain.crosswalk import TRANSFER
from graphsvc.sources.decisions import gap_reason
from graphsvc.sources.layers import hidden_requirements


class Assessing(Walk, Protocol):
    """What an assessment depends on besides the walk (:class:`graphsvc.domain.coverage.Options` is one)."""

    layer: str
    max_paths: int


def targets(svc: Any, target_fw: str) -> list[dict[str, Any]]:
    """The requirements coverage is reported on: every EU AI Act obligation (paragraphs and
    their points alike, since mappings may target either); in other frameworks, the leaves of
    the catalog (subclauses, Annex A controls, subcategories, AICM controls)."""
    cat = svc.catalog_cached(target_fw)
    if target_fw == "euaia":
        return [c for c in cat if c["obligation"]]
    parents = {c["parent"] for c in cat}
    return [c for c in cat if c["notation"] not in parents and c["kind"] not in {"chapter", "section", "annex"}]


def group_of(svc: Any, framework: str, req: str) -> dict[str, str]:
    """The heading a requirement is listed under: for an EU AI Act provision its article (an annex
    point: its annex), for a requirement of another framework its parent (a clause, a control group,
    a function category, a control domain); a top-level requirement is its own heading.
    """
    cache = svc.cache("groups")
    if framework not in cache:
        cache[framework] = {c["iri"]: c for c in svc.catalog_cached(framework)}
    by_iri: dict[str, dict[str, Any]] = cache[framework]
    item = by_iri.get(req)
    if item is None:
        return {"notation": "", "title": ""}
    lineage = [by_iri[x] for x in svc.lineage(req) if x in by_iri]
    if framework == "euaia":
        heads = [x for x in lineage if x["kind"] == "article"] or [
            x for x in lineage if x["kind"] not in {"chapter", "section"}
        ][-1:]
        head = heads[0] if heads else item
    else:
        head = lineage[1] if len(lineage) > 1 else item
    return {"notation": head["notation"], "title": head["title"]}


def _paths_by_target(svc: Any, starts: list[Start], target_fw: str, walk: Walk) -> dict[str, list[dict[str, Any]]]:
    """Target requirement IRI → every path that reaches it from a start (links that transfer nothing left out)."""
    by_target: dict[str, list[dict[str, Any]]] = {}
    for st in starts:
        if svc.framework_of.get(st.requirement) == target_fw:
            by_target.setdefault(st.requirement, []).append(path(svc, st, None))
        for link in links(svc, st.requirement, target_fw, walk):
            if TRANSFER[link.relation] == "none":
                continue
            by_target.setdefault(link.target, []).append(path(svc, st, link))
    return by_target


def _explanation(notation: str, row: dict[str, Any], best: dict[str, Any] | None) -> str:
    """A row's status in words: why it does not apply, what it would be, why it is a gap, or its best path."""
    if row["status"] == "not-applicable":
        return f"{notation}: not applicable: {row['applicability']['reason']}"
    if row["status"] in {"upcoming", "conditional"}:
        then = row["gap"]["text"] if best is None else explain_path(notation, row["would_be"], best)
        lead = (
            f"upcoming: applies from {row['applicability']['from']}; on that date"
            if row["status"] == "upcoming"
            else f"conditional: {row['applicability']['reason']}; if it binds,"
        )
        return f"{notation}: {lead} it would be {row['would_be']}: {then}"
    if row["status"] == "gap":
        return f"{notation}: gap; {row['gap']['text']}"
    assert best is not None  # satisfied or partial: some path reaches it
    return explain_path(notation, row["status"], best)


def _row(
    svc: Any,
    t: dict[str, Any],
    paths: list[dict[str, Any]],
    target_fw: str,
    start_fws: set[str],
    applicability: dict[str, dict[str, Any]] | None,
    scope: str,
    binds: dict[str, list[str]] | None,
) -> dict[str, Any]:
    """The coverage row of target requirement ``t`` reached by ``paths`` (best first)."""
    best = paths[0] if paths else None
    status = "gap"
    if best is not None:
        status = "satisfied" if best["transfer"] == "full" else "partial"
    group = group_of(svc, target_fw, t["iri"])
    row: dict[str, Any] = {
        "notation": t["notation"],
        "curie": t["curie"],
        "title": t["title"],
        "group": group["notation"],
        "group_title": group["title"],
        "status": status,
        "via": sorted({p["origin"] for p in paths}),
        "residual": sorted({p["start"]["residual"] for p in paths if p["start"]["residual"]}),
    }
    if applicability is not None:
        apply_applicability(row, applicability.get(t["iri"]), scope)
    elif binds is not None:
        row["binds"] = binds.get(t["iri"], [])
    if row["status"] == "gap" or row.get("would_be") == "gap":
        row["gap"] = gap_reason(svc, t["iri"], start_fws, target_fw)
    row["explanation"] = _explanation(t["notation"], row, best)
    return row


def assess(
    svc: Any,
    starts: list[Start],
    target_fw: str,
    opts: Assessing,
    applicability: dict[str, dict[str, Any]] | None,
    *,
    explain: bool = True,
    max_paths: int | None = None,
    scope: str = "",
    binds: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Assign a status and justification paths to every target requirement.

    ``applicability`` (obligation IRI → row of :func:`~graphsvc.domain.applicability.applicable`,
    does-not-apply rows included) filters EU AI Act targets; ``scope`` says, in words, for whom
    an obligation missing from it was looked up; ``binds`` (IRI → roles) is shown on each row
    when no filter applies. Each row names its ``group``: the article an EU AI Act obligation
    belongs to, or the parent of a requirement of another framework (:func:`group_of`)."""
    by_target = _paths_by_target(svc, starts, target_fw, opts)
    start_fws = {svc.framework_of.get(st.requirement, "") for st in starts} - {target_fw, ""}
    out = []
    # requirements that do not exist in the law layer asked about (issue 11b, graphsvc/sources/layers.py)
    hidden = hidden_requirements(svc, opts.layer) if target_fw == "euaia" else set()
    for t in targets(svc, target_fw):
        if t["iri"] in hidden:
            continue
        paths = sorted(by_target.get(t["iri"], []), key=best_first)
        row = _row(svc, t, paths, target_fw, start_fws, applicability, scope, binds)
        if explain:
            row["paths"] = paths[: opts.max_paths if max_paths is None else max_paths]
        row["path_count"] = len(paths)
        out.append(row)
    return out
