"""No-counterpart decisions: what a gap means.

A mapping set may record that its source framework holds nothing for a target requirement
(an SSSOM row with subject ``sssom:NoTermFound``, stored as ``gs:NoCounterpart``; see
:mod:`graphsvc.sources.mappingsets`). Such a record is not a mapping and reaches nothing. Coverage
reads it to say why a target is a gap:

* ``no-counterpart``: every framework that the starts of the answer come from has recorded
  that it has nothing for the target, so no control, certificate or evidence in those
  frameworks could ever reach it ("no ISO/IEC 42001 counterpart: REASON");
* ``not-reached``: a counterpart exists or nobody decided, but nothing that holds on the
  date reaches the target ("reached by nothing that holds on the date"); any decisions that
  do exist for some of the frameworks are listed too.

The index is read from the store once per store generation (``svc.cache``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphsvc.sources.mappingsets import NoCounterpart

NOT_REACHED = "reached by nothing that holds on the date"


@dataclass(frozen=True)
class Decision:
    """One no-counterpart decision as stored."""

    iri: str
    target: str
    notation: str
    target_framework: str
    framework: str  # short name of the framework searched
    framework_label: str
    reason: str
    source: str
    status: str
    set_id: str
    record: NoCounterpart  # the row as loaded, for exports


def framework_label(title: str) -> str:
    """The short human name of a framework from its title: the part before the edition.

    >>> framework_label("ISO/IEC 42001:2023 Information technology - Artificial intelligence")
    'ISO/IEC 42001'
    >>> framework_label("Artificial Intelligence Risk Management Framework (AI RMF 1.0)")
    'AI RMF 1.0'
    """
    if "(" in title and title.rstrip().endswith(")"):
        return title.rsplit("(", 1)[1].rstrip(") ")
    return title.split(":", 1)[0].strip()


def decisions(svc: Any) -> dict[str, list[Decision]]:
    """Every approved no-counterpart decision, by target requirement IRI."""
    cache = svc.cache("no-counterparts")
    if "by_target" not in cache:
        titles = {f["id"]: f["title"] for f in svc.frameworks()}
        out: dict[str, list[Decision]] = {}
        for r in svc.select("no_counterparts"):
            if r["status"] != "approved":
                continue
            record = NoCounterpart(
                iri=r["decision"],
                object=r["target"],
                framework=r["searched"],
                reason=r["reason"],
                status=r["status"],
                source=r["source"],
                set_id=r["set"],
                justification=r["justification"],
                author=r.get("author", ""),
                reviewer=r.get("reviewer", ""),
                confidence=r.get("confidence"),
            )
            d = Decision(
                iri=r["decision"],
                target=r["target"],
                notation=r["notation"],
                target_framework=r["targetId"],
                framework=r["searchedId"],
                framework_label=framework_label(titles.get(r["searchedId"], r["searchedId"])),
                reason=r["reason"],
                source=r["source"],
                status=r["status"],
                set_id=r["set"],
                record=record,
            )
            out.setdefault(d.target, []).append(d)
        cache["by_target"] = out
    result: dict[str, list[Decision]] = cache["by_target"]
    return result


def between(svc: Any, source_fw: str, target_fw: str) -> list[Decision]:
    """The decisions that ``source_fw`` has no counterpart for requirements of ``target_fw``."""
    return [
        d for ds in decisions(svc).values() for d in ds if d.framework == source_fw and d.target_framework == target_fw
    ]


def linked_frameworks(svc: Any, target_fw: str) -> set[str]:
    """The frameworks with at least one direct mapping or decision into ``target_fw``."""
    cache = svc.cache("linked-frameworks")
    if target_fw not in cache:
        fw = svc.framework_of
        out = {d.framework for ds in decisions(svc).values() for d in ds if d.target_framework == target_fw}
        for m in svc.crosswalk_index().mappings:
            a, b = fw.get(m.subject, ""), fw.get(m.object, "")
            if target_fw in (a, b) and a != b:
                out.add(b if a == target_fw else a)
        cache[target_fw] = out
    result: set[str] = cache[target_fw]
    return result


def gap_reason(svc: Any, target: str, start_frameworks: Iterable[str], target_fw: str = "") -> dict[str, Any]:
    """Why ``target`` is a gap, given the frameworks the answer's starts come from.

    Frameworks no mapping set links to ``target_fw`` at all (such as the STAR for AI levels
    an attestation starts from) are left out: they can neither reach nor decide anything.
    Returns ``{"kind": "no-counterpart" | "not-reached", "text": ..., "decisions": [...]}``.
    """
    frameworks = (
        sorted(set(start_frameworks) & linked_frameworks(svc, target_fw))
        if target_fw
        else sorted(set(start_frameworks))
    )
    mine = [d for d in decisions(svc).get(target, []) if d.framework in frameworks]
    listed = [
        {"framework": d.framework, "label": d.framework_label, "reason": d.reason, "source": d.source} for d in mine
    ]
    if frameworks and {d.framework for d in mine} == set(frameworks):
        text = "; ".join(f"no {d.framework_label} counterpart: {d.reason}" for d in mine)
        return {"kind": "no-counterpart", "text": text, "decisions": listed}
    text = NOT_REACHED
    if mine:
        text += "; " + "; ".join(f"no {d.framework_label} counterpart: {d.reason}" for d in mine)
    return {"kind": "not-reached", "text": text, "decisions": listed}
