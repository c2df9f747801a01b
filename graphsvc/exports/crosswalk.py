"""Crosswalk exports: SSSOM TSV, OSCAL 1.2 mapping collection JSON, and an xlsx workbook.

:func:`render` is what ``graphsvc crosswalk … --format sssom|oscal|xlsx`` calls with the
rows made by :func:`graphsvc.service.link_row`. Every row becomes a :class:`Mapping` first
(direct rows keep the curated mapping's rationale, justification, author, reviewer and
confidence; a row walked against a mapping's direction carries the inverse relation;
chained rows are ``semapv:MappingChaining`` with their path in the comment), and the same
writer (:func:`sssom_tsv`) also writes a whole mapping set read back from a store
(:func:`read_mapping_set`), so that SSSOM → graph → SSSOM can be checked for loss.

OSCAL: relations use the OSCAL 1.2 / NIST IR 8477 vocabulary (:data:`OSCAL_RELATION`);
strength, status, derivation, mapping set and source travel as ``props`` in the graphsvc
namespace (:data:`PROP_NS`), the comment as ``remarks``. ``id-ref`` is the requirement's
local identifier in graphsvc (``A.6.2.8``, ``art12.1``, ``GOVERN-1.1``), the same
identifier ``graphsvc import oscal`` resolves, and a ``notation`` prop gives the notation
as the source writes it (``12(1)``).

>>> OSCAL_RELATION["subset"]
'subset-of'
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingT
from typing import Any

import yaml

from graphsvc import __version__
from graphsvc.errors import QueryParameterError
from graphsvc.namespaces import (
    DCTERMS,
    FRAMEWORK,
    FRAMEWORK_PREFIXES,
    GS,
    PREFIXES,
    RDFS,
    SEMAPV,
    SSSOM,
    compress,
    expand,
)
from graphsvc.sources.mappingsets import (
    NO_COUNTERPART_PREDICATE,
    NO_TERM_FOUND,
    PREDICATE_FOR,
    Mapping,
    NoCounterpart,
    mapping_iri,
)
from graphsvc.terms import py

FORMATS = ("sssom", "oscal", "xlsx")
EXPORT_BASE = "https://w3id.org/graphsvc/mappings/export/"
CHAINING = SEMAPV + "MappingChaining"
CHAINING_AUTHOR = "graphsvc:chaining"
#: OSCAL 1.2 mapping relationship for each set relation.
OSCAL_RELATION = {
    "equal": "equivalent-to",
    "subset": "subset-of",
    "superset": "superset-of",
    "intersects": "intersects-with",
    "not-related": "no-relationship",
}
#: Namespace of the graphsvc props in OSCAL output (strength, status, derived, …).
PROP_NS = "https://w3id.org/graphsvc/ontology"
OSCAL_VERSION = "1.2.1"  # the newest OSCAL version compliance-trestle 5.x reads (1.2.0-1.2.1)

SSSOM_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "author_id",
    "reviewer_id",
    "confidence",
    "comment",
    "source",
    "set_relation",
    "strength",
    "rationale",
    "status",
    "derived",
)
_XSD = "http://www.w3.org/2001/XMLSchema#"
EXTENSION_DEFINITIONS = [
    {"slot_name": "set_relation", "property": GS + "set_relation", "type_hint": _XSD + "string"},
    {"slot_name": "strength", "property": GS + "strength", "type_hint": _XSD + "integer"},
    {"slot_name": "rationale", "property": GS + "rationale", "type_hint": _XSD + "string"},
    {"slot_name": "status", "property": GS + "status", "type_hint": _XSD + "string"},
    {"slot_name": "source", "property": DCTERMS + "source", "type_hint": _XSD + "string"},
    {"slot_name": "derived", "property": GS + "derived", "type_hint": _XSD + "boolean"},
]
_BASE_PREFIXES = ("skos", "semapv", "sssom", "graphsvc")


def render(svc: Any, rows: Sequence[MappingT[str, Any]], fmt: str, source_fw: str, target_fw: str) -> str | bytes:
    """Crosswalk rows (from :func:`graphsvc.service.link_row`) in an export format."""
    if fmt == "sssom":
        return crosswalk_sssom(svc, rows, source_fw, target_fw)
    if fmt == "oscal":
        return json.dumps(crosswalk_oscal(svc, rows, source_fw, target_fw), indent=2, ensure_ascii=False) + "\n"
    if fmt == "xlsx":
        return crosswalk_xlsx(svc, rows, source_fw, target_fw)
    raise QueryParameterError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")


# -- rows → Mapping records ----------------------------------------------------------------
def _mapping_index(svc: Any) -> dict[str, Mapping]:
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


def _set_meta(svc: Any) -> dict[str, dict[str, Any]]:
    cache = svc.cache("exports:sets")
    if not cache:
        for r in svc.store.select(_SET_QUERY):
            cache[r["set"].value] = {k: py(v) for k, v in r.items() if k != "set"}
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
    index = _mapping_index(svc)
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
        if not row["derived"]:
            m = hops[0]
            out.append(
                Mapping(
                    **common,
                    rationale=m.rationale,
                    justification=m.justification,
                    comment=m.comment,
                    source=m.source,
                    author=m.author,
                    reviewer=m.reviewer,
                    confidence=confidence.get(m.iri),
                    path=(m.iri,),
                )
            )
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
    index = _mapping_index(svc)
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


# -- SSSOM ----------------------------------------------------------------------------------
def _curie(value: str) -> str:
    return compress(value) if value.startswith(("http://", "https://")) else value


def _prefixes_for(mappings: Sequence[Mapping], no_counterparts: Sequence[NoCounterpart] = ()) -> dict[str, str]:
    used: set[str] = set(_BASE_PREFIXES)
    for m in mappings:
        for value in (m.subject, m.object, m.justification, m.author, m.reviewer):
            prefix, sep, _ = _curie(value).partition(":")
            if sep and prefix in PREFIXES:
                used.add(prefix)
    for nc in no_counterparts:
        for value in (nc.object, nc.justification, nc.author, nc.reviewer):
            prefix, sep, _ = _curie(value).partition(":")
            if sep and prefix in PREFIXES:
                used.add(prefix)
    order = [*FRAMEWORK_PREFIXES, *_BASE_PREFIXES]
    return {p: PREFIXES[p] for p in sorted(used, key=lambda p: (order.index(p) if p in order else 99, p))}


def sssom_header(meta: MappingT[str, Any]) -> str:
    text = yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False)
    return "".join(f"# {line}\n" for line in text.splitlines())


def sssom_tsv(
    mappings: Sequence[Mapping],
    meta: MappingT[str, Any],
    labels: MappingT[str, str] | None = None,
    no_counterparts: Sequence[NoCounterpart] = (),
) -> str:
    """A mapping set as SSSOM TSV with its ``#`` YAML header.

    ``meta`` holds the set metadata (``mapping_set_id``, ``mapping_set_title``,
    ``mapping_set_version``, ``license``, ``creator_id``, …); ``curie_map`` and
    ``extension_definitions`` are added. ``labels`` gives requirement titles by IRI.
    ``no_counterparts`` are written after the mappings as ``sssom:NoTermFound`` rows in the
    format of notes/coordination.md (the reason in both comment and rationale).
    """
    labels = labels or {}
    header: dict[str, Any] = {"curie_map": _prefixes_for(mappings, no_counterparts)}
    header.update({k: v for k, v in meta.items() if v not in (None, "", [])})
    header["extension_definitions"] = EXTENSION_DEFINITIONS
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(SSSOM_COLUMNS)
    for m in mappings:
        w.writerow(
            [
                _curie(m.subject),
                labels.get(m.subject, ""),
                PREDICATE_FOR[m.relation],
                "Not" if m.relation == "not-related" else "",
                _curie(m.object),
                labels.get(m.object, ""),
                _curie(m.justification),
                m.author,
                m.reviewer,
                "" if m.confidence is None else repr(m.confidence),
                m.comment,
                m.source,
                m.relation,
                m.strength,
                m.rationale,
                m.status,
                "true" if m.derived else "false",
            ]
        )
    for nc in no_counterparts:
        w.writerow(
            [
                NO_TERM_FOUND,
                "",
                NO_COUNTERPART_PREDICATE,
                "",
                _curie(nc.object),
                labels.get(nc.object, ""),
                _curie(nc.justification),
                nc.author,
                nc.reviewer,
                "" if nc.confidence is None else repr(nc.confidence),
                nc.reason,
                nc.source,
                "",
                "",
                nc.reason,
                nc.status,
                "false",
            ]
        )
    return sssom_header(header) + buf.getvalue()


def _framework_titles(svc: Any) -> dict[str, str]:
    return {f["id"]: f["title"] for f in svc.frameworks()}


def _labels(svc: Any, mappings: Sequence[Mapping]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in mappings:
        for req in (m.subject, m.object):
            if req not in out:
                out[req] = svc.requirement_info(req)["title"]
    return out


def _export_meta(
    svc: Any, rows: Sequence[MappingT[str, Any]], mappings: Sequence[Mapping], set_id: str, frm: str, to: str
) -> dict[str, Any]:
    titles = {**_framework_titles(svc), "any": "every framework"}
    index = _mapping_index(svc)
    sets = _set_meta(svc)
    used = Counter(index[h["mapping"]].set_id for r in rows for h in r["path"])
    direct = sorted({index[r["path"][0]["mapping"]].set_id.rsplit("/", 1)[-1] for r in rows if not r["derived"]})
    chained = sorted({index[h["mapping"]].set_id.rsplit("/", 1)[-1] for r in rows if r["derived"] for h in r["path"]})
    licences: Counter[str] = Counter()
    for s, n in used.items():
        licences[str(sets.get(s, {}).get("license", ""))] += n
    licences.pop("", None)
    licence = licences.most_common(1)[0][0] if licences else "https://creativecommons.org/licenses/by/4.0/"
    derived = sum(1 for m in mappings if m.derived)
    description = (
        f"Crosswalk from {titles.get(frm, frm)} to {titles.get(to, to)} exported by graphsvc {__version__}: "
        f"{len(mappings) - derived} direct row(s) from the mapping set(s) {', '.join(direct) or '(none)'}, "
        "oriented from source to target (a row walked against its mapping's direction carries the inverse "
        f"relation), and {derived} row(s) derived by chaining (semapv:MappingChaining) through "
        f"{', '.join(chained) or '(none)'} under the set algebra of NIST IR 8477, each with its path in the "
        "comment and a strength no higher than its weakest hop."
    )
    if len(licences) > 1:
        description += " The rows come from sets under different licences: " + ", ".join(sorted(licences)) + "."
    today = dt.date.today()
    return {
        "mapping_set_id": set_id,
        "mapping_set_title": f"{titles.get(frm, frm)} to {titles.get(to, to)} crosswalk (graphsvc export)",
        "mapping_set_version": today.isoformat(),
        "mapping_set_description": description,
        "license": licence,
        "creator_id": sorted({m.author for m in mappings if m.author}) or ["graphsvc:team"],
        "mapping_tool": "graphsvc",
        "mapping_tool_version": __version__,
        "mapping_date": today,
    }


def crosswalk_sssom(svc: Any, rows: Sequence[MappingT[str, Any]], source_fw: str = "", target_fw: str = "") -> str:
    set_id, frm, to = export_set_id(svc, rows, source_fw, target_fw)
    mappings = row_mappings(svc, rows, set_id)
    meta = _export_meta(svc, rows, mappings, set_id, frm, to)
    nothing = _no_counterparts(svc, source_fw, target_fw)
    labels = {**_labels(svc, mappings), **{nc.object: svc.requirement_info(nc.object)["title"] for nc in nothing}}
    return sssom_tsv(mappings, meta, labels, nothing)


def _no_counterparts(svc: Any, source_fw: str, target_fw: str) -> list[NoCounterpart]:
    """The no-counterpart decisions of a whole-matrix export (source and target both named)."""
    if not (source_fw and target_fw):
        return []
    from graphsvc.sources.decisions import between

    return [d.record for d in between(svc, source_fw, target_fw)]


# -- a mapping set read back from a store ---------------------------------------------------
_SET_QUERY = f"""
SELECT ?set ?mapping_set_title ?mapping_set_version ?license ?mapping_set_description ?mapping_date WHERE {{
  ?set a <{GS}MappingSet> ; <{DCTERMS}title> ?mapping_set_title ; <{GS}version> ?mapping_set_version .
  OPTIONAL {{ ?set <{DCTERMS}license> ?license }}
  OPTIONAL {{ ?set <{DCTERMS}description> ?mapping_set_description }}
  OPTIONAL {{ ?set <{DCTERMS}issued> ?mapping_date }}
}}"""
_CREATORS_QUERY = f"SELECT ?creator WHERE {{ ?_set <{DCTERMS}creator> ?creator }} ORDER BY ?creator"

_MAPPINGS_QUERY = f"""
SELECT ?m ?subject ?object ?relation ?strength ?status ?rationale ?justification ?comment ?source
       ?derived ?author ?reviewer ?confidence WHERE {{
  ?m <{GS}mappingSet> ?_set ; a <{GS}Mapping> ;
     <{GS}subject> ?subject ; <{GS}object> ?object ; <{GS}relation> ?relation ; <{GS}strength> ?strength ;
     <{GS}status> ?status ; <{GS}rationale> ?rationale ; <{SSSOM}mapping_justification> ?justification ;
     <{RDFS}comment> ?comment ; <{DCTERMS}source> ?source ; <{GS}derived> ?derived .
  OPTIONAL {{ ?m <{SSSOM}author_id> ?author }}
  OPTIONAL {{ ?m <{SSSOM}reviewer_id> ?reviewer }}
  OPTIONAL {{ ?m <{SSSOM}confidence> ?confidence }}
}}"""

_NO_COUNTERPARTS_QUERY = f"""
SELECT ?d ?object ?framework ?reason ?status ?source ?justification ?author ?reviewer ?confidence WHERE {{
  ?d <{GS}mappingSet> ?_set ; a <{GS}NoCounterpart> ; <{GS}noCounterpartFor> ?object ;
     <{GS}searchedFramework> ?framework ; <{RDFS}comment> ?reason ; <{GS}status> ?status ;
     <{DCTERMS}source> ?source ; <{SSSOM}mapping_justification> ?justification .
  OPTIONAL {{ ?d <{SSSOM}author_id> ?author }}
  OPTIONAL {{ ?d <{SSSOM}reviewer_id> ?reviewer }}
  OPTIONAL {{ ?d <{SSSOM}confidence> ?confidence }}
}}"""

_HOPS_QUERY = f"""
SELECT ?m ?i ?hop WHERE {{
  ?m <{GS}mappingSet> ?_set ; <{GS}hop> ?h . ?h <{GS}hopIndex> ?i ; <{GS}hopMapping> ?hop .
}}"""


def read_mapping_set(store: Any, set_id: str) -> tuple[dict[str, Any], list[Mapping]]:
    """A mapping set's metadata and rows as stored (in the order subject, object, relation).

    Reads everything :func:`graphsvc.sources.mappingsets.set_triples` writes, including confidence
    and, for derived mappings, the path. ``creator_id`` comes from ``dcterms:creator`` on the
    set where the graph has it, else from the authors of the set's rows.
    """
    from pyoxigraph import NamedNode

    bind = {"_set": NamedNode(set_id)}
    meta: dict[str, Any] = {"mapping_set_id": set_id}
    for r in store.select(_SET_QUERY, bindings={"set": NamedNode(set_id)}):
        meta.update({k: py(v) for k, v in r.items() if k != "set"})
    hops: dict[str, dict[int, str]] = defaultdict(dict)
    for r in store.select(_HOPS_QUERY, bindings=bind):
        hops[r["m"].value][int(r["i"].value)] = r["hop"].value
    out = []
    for r in store.select(_MAPPINGS_QUERY, bindings=bind):
        v = {k: py(t) for k, t in r.items()}
        path = hops.get(v["m"], {})
        out.append(
            Mapping(
                iri=v["m"],
                subject=v["subject"],
                object=v["object"],
                relation=v["relation"].rsplit("rel-", 1)[-1],
                strength=int(v["strength"]),
                status=v["status"],
                rationale=v["rationale"],
                justification=v["justification"],
                comment=v["comment"],
                source=v["source"],
                set_id=set_id,
                author=v.get("author", ""),
                reviewer=v.get("reviewer", ""),
                confidence=v.get("confidence"),
                derived=bool(v["derived"]),
                path=tuple(path[i] for i in sorted(path)),
            )
        )
    out.sort(key=lambda m: (m.subject, m.object, m.relation))
    creators = [compress(r["creator"].value) for r in store.select(_CREATORS_QUERY, bindings=bind)]
    # the graph may not hold the set's creators (set_triples keeps none): fall back on its rows' authors
    meta["creator_id"] = creators or sorted({m.author for m in out if m.author})
    return meta, out


def read_no_counterparts(store: Any, set_id: str) -> list[NoCounterpart]:
    """A mapping set's no-counterpart decisions as stored, by object."""
    from pyoxigraph import NamedNode

    out = []
    for r in store.select(_NO_COUNTERPARTS_QUERY, bindings={"_set": NamedNode(set_id)}):
        v = {k: py(t) for k, t in r.items()}
        out.append(
            NoCounterpart(
                iri=v["d"],
                object=v["object"],
                framework=v["framework"],
                reason=v["reason"],
                status=v["status"],
                source=v["source"],
                set_id=set_id,
                justification=v["justification"],
                author=v.get("author", ""),
                reviewer=v.get("reviewer", ""),
                confidence=v.get("confidence"),
            )
        )
    return sorted(out, key=lambda nc: nc.object)


# -- OSCAL 1.2 mapping collection ---------------------------------------------------------------
def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(parts)))


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": PROP_NS, "value": str(value)}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _local_id(iri: str, framework: str) -> str:
    ns = FRAMEWORK_PREFIXES.get(framework, "")
    return iri[len(ns) :] if ns and iri.startswith(ns) else compress(iri)


def crosswalk_oscal(
    svc: Any, rows: Sequence[MappingT[str, Any]], source_fw: str = "", target_fw: str = ""
) -> dict[str, Any]:
    """Crosswalk rows as an OSCAL 1.2 ``mapping-collection`` (a JSON-ready dict)."""
    if not rows:
        raise QueryParameterError("the crosswalk is empty: an OSCAL mapping collection needs at least one map")
    set_id, frm, to = export_set_id(svc, rows, source_fw, target_fw)
    mappings = row_mappings(svc, rows, set_id)
    meta = _export_meta(svc, rows, mappings, set_id, frm, to)
    fw_of = svc.framework_of
    frameworks = {f["id"]: f for f in svc.frameworks()}
    digest = hashlib.sha256("\n".join(sorted(f"{m.iri}|{m.strength}|{m.status}" for m in mappings)).encode())
    rationale = Counter(m.rationale for m in mappings).most_common(1)
    groups: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for m in mappings:
        groups[(fw_of.get(m.subject, ""), fw_of.get(m.object, ""))].append(m)
    nothing = _no_counterparts(svc, source_fw, target_fw)
    if nothing and (frm, to) not in groups:
        groups[(frm, to)] = []
    oscal_mappings = []
    for (sfw, tfw), items in sorted(groups.items()):
        maps = []
        for m in items:
            props = [
                _prop("strength", m.strength),
                _prop("status", m.status),
                _prop("derived", "true" if m.derived else "false"),
                _prop("set-relation", m.relation),
                _prop("justification", _curie(m.justification)),
                _prop("source", _one_line(m.source)),
            ]
            if m.author:
                props.append(_prop("author", m.author))
            if m.reviewer:
                props.append(_prop("reviewer", m.reviewer))
            props += [_prop("derived-from", h) for h in m.path if m.derived]
            entry: dict[str, Any] = {
                "uuid": _uuid(m.iri),
                "matching-rationale": m.rationale,
                "relationship": OSCAL_RELATION[m.relation],
                "sources": [_item(svc, m.subject, sfw)],
                "targets": [_item(svc, m.object, tfw)],
            }
            if m.confidence is not None:
                entry["confidence-score"] = {"percentage": m.confidence}
            entry["props"] = props
            entry["remarks"] = m.comment
            maps.append(entry)
        group: dict[str, Any] = {
            "uuid": _uuid(set_id, sfw, tfw),
            "source-resource": _resource(frameworks, sfw),
            "target-resource": _resource(frameworks, tfw),
            "maps": maps,
        }
        if nothing and (sfw, tfw) == (frm, to):
            _add_no_counterparts(group, nothing, tfw)
        oscal_mappings.append(group)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    provenance: dict[str, Any] = {
        "method": "hybrid" if any(m.derived for m in mappings) else "human",
        "matching-rationale": rationale[0][0] if rationale else "semantic",
        "status": "complete" if all(m.status == "approved" for m in mappings) else "draft",
        "mapping-description": meta["mapping_set_description"],
        "props": [_prop("mapping-set", set_id), _prop("license", meta["license"])],
    }
    return {
        "mapping-collection": {
            "uuid": _uuid(set_id, digest.hexdigest()),
            "metadata": {
                "title": meta["mapping_set_title"],
                "last-modified": now,
                "version": meta["mapping_set_version"],
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("generator", f"graphsvc {__version__}")],
                "remarks": f"Licence of the mapping content: {meta['license']}.",
            },
            "provenance": provenance,
            "mappings": oscal_mappings,
        }
    }


def _add_no_counterparts(group: dict[str, Any], nothing: Sequence[NoCounterpart], target_fw: str) -> None:
    """No-counterpart decisions in OSCAL: the targets in ``target-gap-summary`` (mapped by
    nothing), and one ``no-counterpart`` prop per target whose remarks give the reason."""
    ids = [_local_id(nc.object, target_fw) for nc in nothing]
    group["target-gap-summary"] = {
        "uuid": _uuid(group["uuid"], "target-gap-summary"),
        "unmapped-controls": [{"with-ids": ids}],
    }
    group["props"] = [
        {**_prop("no-counterpart", ident), "remarks": f"{_one_line(nc.reason)} Source: {_one_line(nc.source)}"}
        for ident, nc in zip(ids, nothing, strict=True)
    ]


def _resource(frameworks: MappingT[str, MappingT[str, Any]], fw: str) -> dict[str, Any]:
    f = frameworks.get(fw)
    out: dict[str, Any] = {"type": "catalog", "href": f["iri"] if f else FRAMEWORK + (fw or "unknown")}
    if f:
        out["props"] = [_prop("framework", fw), _prop("title", _one_line(f["title"]))]
    return out


def _item(svc: Any, req: str, fw: str) -> dict[str, Any]:
    info = svc.requirement_info(req)
    return {
        "type": "control",
        "id-ref": _local_id(req, fw),
        "props": [_prop("notation", info["notation"]), _prop("curie", info["curie"])],
    }


# -- xlsx ---------------------------------------------------------------------------------------
def _path_text(row: MappingT[str, Any]) -> str:
    if not row["path"]:
        return ""
    first = row["path"][0]
    return first["from"] + "".join(
        f" -{h['relation']}{' (inverse)' if h['inverted'] else ''}-> {h['to']}" for h in row["path"]
    )


def crosswalk_xlsx(svc: Any, rows: Sequence[MappingT[str, Any]], source_fw: str = "", target_fw: str = "") -> bytes:
    """Sheet "Crosswalk" (one row per link), sheet "Matrix" (sources × targets, relation per
    cell) and, for a whole matrix, sheet "No counterpart" (the target requirements the source
    framework has nothing for, with the reason)."""
    from graphsvc.exports.results import to_xlsx

    many_sources = len({svc.framework_of.get(expand(r["source_curie"]), "") for r in rows}) > 1
    many_targets = len({r.get("target_framework", "") for r in rows}) > 1

    def src_name(r: MappingT[str, Any]) -> str:
        fw = svc.framework_of.get(expand(r["source_curie"]), "")
        return f"{fw} {r['source']}" if many_sources else r["source"]

    def tgt_name(r: MappingT[str, Any]) -> str:
        return f"{r.get('target_framework', '')} {r['target']}" if many_targets else r["target"]

    sheet = [
        {
            "source": src_name(r),
            "source title": svc.requirement_info(expand(r["source_curie"]))["title"],
            "target": tgt_name(r),
            "target title": r.get("target_title", ""),
            "relation": r["relation"],
            "strength": r["strength"],
            "status": r["status"],
            "derived": "yes" if r["derived"] else "no",
            "source_ref": r["source_ref"],
            "comment": r["comment"] if not r["derived"] else chain_comment(svc, r),
            "path": _path_text(r),
        }
        for r in rows
    ]
    if not sheet:
        sheet = [dict.fromkeys(_CROSSWALK_COLUMNS, "")]

    def order(curie: str) -> tuple[str, int, str]:
        req = expand(curie)
        fw = svc.framework_of.get(req, "")
        cache = svc.cache("exports:order")
        if fw not in cache:
            cache[fw] = {item["iri"]: i for i, item in enumerate(svc.catalog_cached(fw))}
        return (fw, cache[fw].get(req, 10**9), curie)

    sources = sorted({r["source_curie"]: src_name(r) for r in rows}.items(), key=lambda kv: order(kv[0]))
    targets = sorted({r["target_curie"]: tgt_name(r) for r in rows}.items(), key=lambda kv: order(kv[0]))
    cell = {
        (r["source_curie"], r["target_curie"]): r["relation"] + (" (chained)" if r["derived"] else "") for r in rows
    }
    corner = "source \\ target"
    matrix = [
        {corner: name, **{tname: cell.get((scurie, tcurie), "") for tcurie, tname in targets}}
        for scurie, name in sources
    ] or [{corner: ""}]
    sheets: dict[str, list[dict[str, Any]]] = {"Crosswalk": sheet, "Matrix": matrix}
    if source_fw and target_fw:
        nothing = [
            {
                "target": svc.notation_of(nc.object),
                "target title": svc.requirement_info(nc.object)["title"],
                "searched framework": source_fw,
                "decision": "no counterpart",
                "reason": nc.reason,
                "source_ref": nc.source,
                "status": nc.status,
            }
            for nc in _no_counterparts(svc, source_fw, target_fw)
        ]
        sheets["No counterpart"] = nothing or [dict.fromkeys(("target", "reason"), "")]
    return to_xlsx(sheets, status_column=None)


_CROSSWALK_COLUMNS = (
    "source",
    "source title",
    "target",
    "target title",
    "relation",
    "strength",
    "status",
    "derived",
    "source_ref",
    "comment",
    "path",
)
