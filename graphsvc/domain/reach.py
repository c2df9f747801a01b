"""Reach report: how far one framework's mapping set reaches into another, item by item.

For every target requirement that coverage reports on (:func:`graphsvc.domain.coverage_assess.targets`:
the EU AI Act obligations, or the leaves of another catalog) the report says which of three
it is, grouped by article (or clause, Annex A objective, AI RMF category):

* ``mapped``: at least one approved direct mapping (not ``not-related``) links a requirement
  of the source framework to it, in either direction;
* ``no counterpart``: the source framework's set records that it has nothing for it
  (:mod:`graphsvc.sources.decisions`);
* ``nothing``: neither; nobody has decided yet.

Chained links are not counted: a reach report measures what the curated sets say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphsvc.domain.coverage_assess import targets
from graphsvc.sources.decisions import between

#: Catalog kinds a target is grouped under (the nearest such ancestor; else the topmost one).
GROUP_KINDS = ("article", "annex", "annex_objective", "category")
STATES = ("mapped", "no counterpart", "nothing")


@dataclass
class Group:
    """One article (or clause) of the target framework and the state of each of its items."""

    notation: str
    title: str
    items: dict[str, str] = field(default_factory=dict)  # target notation -> state

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATES, 0)
        for state in self.items.values():
            out[state] += 1
        return out


def _group_of(svc: Any, req: str, by_iri: dict[str, dict[str, Any]]) -> dict[str, Any]:
    line = [by_iri[x] for x in svc.lineage(req) if x in by_iri]
    return next((x for x in line if x["kind"] in GROUP_KINDS), line[-1])


def mapped_targets(svc: Any, source_fw: str, target_fw: str) -> set[str]:
    """Targets with at least one approved direct mapping (not not-related) from ``source_fw``."""
    fw = svc.framework_of
    out: set[str] = set()
    for m in svc.crosswalk_index().mappings:
        if m.derived or m.status != "approved" or m.relation == "not-related":
            continue
        for a, b in ((m.subject, m.object), (m.object, m.subject)):
            if fw.get(a) == source_fw and fw.get(b) == target_fw:
                out.add(b)
    return out


def reach_report(svc: Any, source_fw: str, target_fw: str) -> dict[str, Any]:
    """Per group of the target framework: how many items are mapped, decided, or neither."""
    svc.check_framework(source_fw)
    svc.check_framework(target_fw)
    by_iri = {c["iri"]: c for c in svc.catalog_cached(target_fw)}
    mapped = mapped_targets(svc, source_fw, target_fw)
    decided = {d.target for d in between(svc, source_fw, target_fw)}
    groups: dict[str, Group] = {}
    for t in targets(svc, target_fw):
        g = _group_of(svc, t["iri"], by_iri)
        group = groups.setdefault(g["iri"], Group(g["notation"], g["title"]))
        state = "mapped" if t["iri"] in mapped else "no counterpart" if t["iri"] in decided else "nothing"
        group.items[t["notation"]] = state
    rows = []
    total = dict.fromkeys(STATES, 0)
    for g in groups.values():
        c = g.counts()
        for k in STATES:
            total[k] += c[k]
        rows.append(
            {
                "group": g.notation,
                "title": g.title,
                "items": len(g.items),
                **c,
                "undecided": [n for n, s in g.items.items() if s == "nothing"],
            }
        )
    n = sum(total.values())
    return {
        "source": source_fw,
        "target": target_fw,
        "items": n,
        "totals": total,
        "mapped_share": round(100 * total["mapped"] / n, 1) if n else 0.0,
        "decided_share": round(100 * (total["mapped"] + total["no counterpart"]) / n, 1) if n else 0.0,
        "groups": rows,
    }
