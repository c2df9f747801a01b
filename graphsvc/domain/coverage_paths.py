"""Justification paths: from a start's requirement along crosswalk links to a target requirement,
and the sentence that explains one.

Links come from the in-memory :class:`~graphsvc.domain.crosswalk.CrosswalkIndex` (built once per
store generation) and are cached per (requirement, target framework, walk). A path transfers
fully only if its start is full and every hop transfers fully; its strength is its weakest hop.
"""

from __future__ import annotations

from typing import Any, Protocol

from graphsvc.domain.coverage_starts import Start
from graphsvc.domain.crosswalk import Hop, Link
from graphsvc.namespaces import compress

RANK = {"full": 2, "partial": 1, "none": 0}
#: Kinds of start that certify rather than implement.
CERTIFIED = frozenset({"certificate", "inherited-certificate", "attestation", "inherited-attestation"})
_PHRASE = {
    "equal": "which equals",
    "subset": "which is part of",
    "superset": "which covers all of",
    "intersects": "which overlaps",
    "not-related": "which is unrelated to",
}


class Walk(Protocol):
    """How coverage follows mapping links (:class:`graphsvc.domain.coverage.Options` is one)."""

    depth: int
    min_strength: int
    include_proposed: bool


def links(svc: Any, req: str, target_fw: str, walk: Walk) -> list[Link]:
    """The links from ``req`` into ``target_fw`` (cached until the next write)."""
    key = (req, target_fw, walk.depth, walk.min_strength, walk.include_proposed)
    cache = svc.cache("links")
    if key not in cache:
        cache[key] = svc.crosswalk_index().links(
            req,
            depth=walk.depth,
            min_strength=walk.min_strength,
            include_proposed=walk.include_proposed,
            to_framework=target_fw,
        )
    return cache[key]


def _hop(svc: Any, h: Hop) -> dict[str, Any]:
    m = h.mapping
    return {
        "from": svc.notation_of(h.source),
        "from_curie": compress(h.source),
        "to": svc.notation_of(h.target),
        "to_curie": compress(h.target),
        "to_title": svc.requirement_info(h.target)["title"],
        "relation": h.relation,
        "strength": m.strength,
        "status": m.status,
        "source": m.source,
        "comment": m.comment,
        "inverted": h.inverted,
    }


def path(svc: Any, start: Start, link: Link | None) -> dict[str, Any]:
    """A justification path: ``start``, then ``link`` (None: the start's requirement is the target)."""
    strength = 10
    transfer = start.extent
    if link is not None:
        strength = link.strength
        if RANK[link.transfer] < RANK[transfer]:
            transfer = link.transfer
    info = svc.requirement_info(start.requirement)
    return {
        "transfer": transfer,
        "strength": strength,
        "origin": start.origin,
        "start": {
            "kind": start.kind,
            "id": start.id,
            "label": start.label,
            "system": compress(start.system),
            "extent": start.extent,
            "evidence": start.evidence,
            "residual": start.residual,
            **start.detail,
        },
        "requirement": {
            "curie": info["curie"],
            "notation": info["notation"],
            "framework": info["framework"],
            "title": info["title"],
        },
        "hops": [_hop(svc, h) for h in link.hops] if link is not None else [],
        "derived": link is not None and link.derived,
    }


def best_first(p: dict[str, Any]) -> tuple[int, int, int, str]:
    """Sort key of paths: full before partial, then stronger, shorter, and by start."""
    return (-RANK[p["transfer"]], -p["strength"], len(p["hops"]), p["start"]["id"])


def _start_words(p: dict[str, Any]) -> str:
    s = p["start"]
    rests_on = (s.get("rests_on") or {}).get("label", "")
    return {
        "control": f"control {s['id']} ({s['label']})",
        "inherited-control": f"the provider's {'shared' if p['origin'] == 'shared' else 'provided'} control {s['id']} ({s['label']}) on {s['system']}",
        "certificate": f"certificate {s['label']}",
        "inherited-certificate": f"the provider's certificate {s['label']} for {s['system']}",
        "attestation": f"attestation {s['label']}, through {rests_on} on which it rests,",
        "inherited-attestation": f"the provider's attestation {s['label']} for {s['system']}, through "
        f"{rests_on} on which it rests,",
    }[s["kind"]]


def explain_path(target_notation: str, status: str, p: dict[str, Any]) -> str:
    """Why ``target_notation`` has ``status``, in words, by path ``p``."""
    s = p["start"]
    if s["kind"] in CERTIFIED:
        verb = "certifies" if s["extent"] == "full" else "partly certifies"
    else:
        verb = "implements" if s["extent"] == "full" else "partly implements"
    req = p["requirement"]
    text = f"{target_notation} is {status} because {_start_words(p)} {verb} {req['framework']} {req['notation']}"
    for h in p["hops"]:
        text += f", {_PHRASE[h['relation']]} {h['to']} (strength {h['strength']}, source: {h['source']})"
    if s.get("evidence"):
        ev = s["evidence"][0]
        text += f"; evidenced by {ev['id']}, valid until {ev['valid_until']}"
    if s.get("valid_until") and s["kind"] in CERTIFIED:
        text += f"; certificate valid until {s['valid_until']}"
    if s.get("residual"):
        text += f"; left to you: {s['residual']}"
    return text


def path_text(p: dict[str, Any]) -> str:
    """A path on one line: start, its requirement, each hop, and how it transfers."""
    s = p["start"]
    parts = [f"{s['kind']} {s['id']}", f"{p['requirement']['framework']} {p['requirement']['notation']}"]
    parts += [f"{h['relation']} {h['to']} ({h['strength']})" for h in p["hops"]]
    return " → ".join(parts) + f" [{p['transfer']}]"
