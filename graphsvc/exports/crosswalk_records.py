"""Crosswalk rows (from :func:`graphsvc.service.link_row`) as :class:`~graphsvc.sources.mappingsets.Mapping`
records, oriented from each row's source to its target, for the crosswalk exports
(:mod:`graphsvc.exports.crosswalk`, :mod:`graphsvc.exports.crosswalk_xlsx`).

A direct row keeps the curated mapping's rationale, justification, author, reviewer and
confidence; a row walked against a mapping's direction carries the inverse relation; a
chained row is ``semapv:MappingChaining`` with its path in the comment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingT
from dataclasses import replace
from typing import Any

from graphsvc.namespaces import SEMAPV, SSSOM, expand
from graphsvc.sources.mappingsets import Mapping, NoCounterpart, mapping_iri

EXPORT_BASE = "https://w3id.org/graphsvc/mappings/export/"
CHAINING = SEMAPV + "MappingChaining"
CHAINING_AUTHOR = "graphsvc:chaining"


def mapping_index(svc: Any) -> dict[str, Mapping]:
    """Every curated mapping of the store by IRI (cached on the service)."""
    cache = svc.cache("exports:mappings")
    if not cache:
        cache.update({m.iri: m for m in svc.mappings()})
    return cache


def _confidences(svc: Any) -> dict[str, float]:
    cache = svc.cache("exports:confidence")
    if not cache:
        rows = svc.store.select(f"SELECT ?m ?c WHERE {{ ?m <{SSSOM}confidence> ?c }}")
        cache.update({r["m"].value: float(r["c"].value) for r in rows})
        cache.setdefault("", 0.0)  # marks the cache as filled
    return cache


def export_set_id(svc: Any, rows: Sequence[MappingT[str, Any]], source_fw: str, target_fw: str) -> tuple[str, str, str]:
    """The export's mapping set IRI (``…/mappings/export/<from>-<to>``), from and to."""
    frm = source_fw or _only(svc.framework_of.get(expand(r["source_curie"]), "") for r in rows) or "any"
    to = target_fw or _only(r.get("target_framework", "") for r in rows) or "any"
    return f"{EXPORT_BASE}{frm}-{to}", frm, to


def _only(values: Iterable[str]) -> str:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else ""


def row_mappings(svc: Any, rows: Sequence[MappingT[str, Any]], set_id: str) -> list[Mapping]:
    """One :class:`Mapping` per crosswalk row, oriented from the row's source to its target."""
    index = mapping_index(svc)
    confidence = _confidences(svc)
    out: list[Mapping] = []
    for row in rows:
        subject, obj, relation = expand(row["source_curie"]), expand(row["target_curie"]), row["relation"]
        hops = [index[h["mapping"]] for h in row["path"]]
        common = {
            "iri": mapping_iri(set_id, subject, obj, relation),
            "subject": subject,
            "object": obj,
            "relation": relation,
            "strength": int(row["strength"]),
            "status": row["status"],
            "set_id": set_id,
        }
        if not row["derived"]:  # the curated mapping, turned to the row's direction
            m = hops[0]
            out.append(replace(m, **common, confidence=confidence.get(m.iri), derived=False, path=(m.iri,)))
            continue
        rationales = {m.rationale for m in hops}
        out.append(
            Mapping(
                **common,
                rationale=rationales.pop() if len(rationales) == 1 else "semantic",
                justification=CHAINING,
                comment=chain_comment(svc, row),
                source=row["source_ref"] or "; ".join(dict.fromkeys(m.source for m in hops)),
                author=CHAINING_AUTHOR,
                derived=True,
                path=tuple(m.iri for m in hops),
            )
        )
    return out


def chain_comment(svc: Any, row: MappingT[str, Any]) -> str:
    """The comment of a chained row: every hop with its relation and mapping set."""
    index = mapping_index(svc)
    steps = []
    for h in row["path"]:
        m = index[h["mapping"]]
        how = "inverse of a curated row" if h["inverted"] else "curated row"
        steps.append(f"{h['relation']} {h['to_curie']} ({how} of {m.set_id.rsplit('/', 1)[-1]}, strength {m.strength})")
    return (
        f"Derived by chaining (semapv:MappingChaining), not curated directly: {row['source_curie']} "
        + " then ".join(steps)
        + f"; composed by set algebra to {row['relation']}, strength that of the weakest hop."
    )


def no_counterparts(svc: Any, source_fw: str, target_fw: str) -> list[NoCounterpart]:
    """The no-counterpart decisions of a whole-matrix export (source and target both named)."""
    if not (source_fw and target_fw):
        return []
    from graphsvc.sources.decisions import between

    return [d.record for d in between(svc, source_fw, target_fw)]
