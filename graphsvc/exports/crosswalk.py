"""Crosswalk exports: SSSOM TSV, OSCAL 1.2 mapping collection JSON, and an xlsx workbook.

:func:`render` is what ``graphsvc crosswalk … --format sssom|oscal|xlsx`` calls with the
rows made by :func:`graphsvc.service.link_row`. Every row becomes a :class:`Mapping` first
(:mod:`graphsvc.exports.crosswalk_records`), and the same writer
(:func:`graphsvc.exports.sssom.sssom_tsv`) also writes a whole mapping set read back from a store
(:func:`read_mapping_set`), so that SSSOM → graph → SSSOM can be checked for loss. The workbook
is :mod:`graphsvc.exports.crosswalk_xlsx`'s; this module writes the OSCAL mapping collection.

OSCAL: relations use the OSCAL 1.2 / NIST IR 8477 vocabulary (:data:`OSCAL_RELATION`);
strength, status, derivation, mapping set and source travel as ``props`` in the graphsvc
namespace (:data:`~graphsvc.exports.oscal.PROP_NS`), the comment as ``remarks``. ``id-ref`` is the
requirement's local identifier in graphsvc (``A.6.2.8``, ``art12.1``, ``GOVERN-1.1``), the same
identifier ``graphsvc import oscal`` resolves, and a ``notation`` prop gives the notation
as the source writes it (``12(1)``).

>>> OSCAL_RELATION["subset"]
'subset-of'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from typing import Any

from graphsvc import __version__
from graphsvc.errors import QueryParameterError
from graphsvc.exports.crosswalk_records import export_set_id, mapping_index, no_counterparts, row_mappings
from graphsvc.exports.crosswalk_xlsx import crosswalk_xlsx
from graphsvc.exports.oscal import OSCAL_VERSION, PROP_NS, one_line, oscal_uuid
from graphsvc.exports.sssom import curie, sssom_tsv
from graphsvc.namespaces import DCTERMS, FRAMEWORK, FRAMEWORK_PREFIXES, GS, RDFS, SSSOM, compress
from graphsvc.sources.mappingsets import Mapping, NoCounterpart, mapping_from_row
from graphsvc.terms import py

FORMATS = ("sssom", "oscal", "xlsx")
#: OSCAL 1.2 mapping relationship for each set relation.
OSCAL_RELATION = {
    "equal": "equivalent-to",
    "subset": "subset-of",
    "superset": "superset-of",
    "intersects": "intersects-with",
    "not-related": "no-relationship",
}


def render(svc: Any, rows: Sequence[MappingT[str, Any]], fmt: str, source_fw: str, target_fw: str) -> str | bytes:
    """Crosswalk rows (from :func:`graphsvc.service.link_row`) in an export format."""
    if fmt == "sssom":
        return crosswalk_sssom(svc, rows, source_fw, target_fw)
    if fmt == "oscal":
        return json.dumps(crosswalk_oscal(svc, rows, source_fw, target_fw), indent=2, ensure_ascii=False) + "\n"
    if fmt == "xlsx":
        return crosswalk_xlsx(svc, rows, source_fw, target_fw)
    raise QueryParameterError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")


# -- the export's metadata ------------------------------------------------------------------
def _set_meta(svc: Any) -> dict[str, dict[str, Any]]:
    cache = svc.cache("exports:sets")
    if not cache:
        for r in svc.store.select(_SET_QUERY):
            cache[r["set"].value] = {k: py(v) for k, v in r.items() if k != "set"}
    return cache


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
    index = mapping_index(svc)
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
    nothing = no_counterparts(svc, source_fw, target_fw)
    labels = {**_labels(svc, mappings), **{nc.object: svc.requirement_info(nc.object)["title"] for nc in nothing}}
    return sssom_tsv(mappings, meta, labels, nothing)


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
        out.append(mapping_from_row(v, iri=v["m"], set_id=set_id, path=tuple(path[i] for i in sorted(path))))
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
def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": PROP_NS, "value": str(value)}


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
    groups: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    for m in mappings:
        groups[(fw_of.get(m.subject, ""), fw_of.get(m.object, ""))].append(m)
    nothing = no_counterparts(svc, source_fw, target_fw)
    if nothing and (frm, to) not in groups:
        groups[(frm, to)] = []
    oscal_mappings = []
    for (sfw, tfw), items in sorted(groups.items()):
        maps = [_oscal_map(svc, m, sfw, tfw) for m in items]
        group: dict[str, Any] = {
            "uuid": oscal_uuid(set_id, sfw, tfw),
            "source-resource": _resource(frameworks, sfw),
            "target-resource": _resource(frameworks, tfw),
            "maps": maps,
        }
        if nothing and (sfw, tfw) == (frm, to):
            _add_no_counterparts(group, nothing, tfw)
        oscal_mappings.append(group)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "mapping-collection": {
            "uuid": oscal_uuid(set_id, digest.hexdigest()),
            "metadata": {
                "title": meta["mapping_set_title"],
                "last-modified": now,
                "version": meta["mapping_set_version"],
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("generator", f"graphsvc {__version__}")],
                "remarks": f"Licence of the mapping content: {meta['license']}.",
            },
            "provenance": _provenance(mappings, meta, set_id),
            "mappings": oscal_mappings,
        }
    }


def _oscal_map(svc: Any, m: Mapping, source_fw: str, target_fw: str) -> dict[str, Any]:
    """One mapping as an OSCAL ``map``: relationship, source and target, graphsvc's props, the comment."""
    props = [
        _prop("strength", m.strength),
        _prop("status", m.status),
        _prop("derived", "true" if m.derived else "false"),
        _prop("set-relation", m.relation),
        _prop("justification", curie(m.justification)),
        _prop("source", one_line(m.source)),
    ]
    if m.author:
        props.append(_prop("author", m.author))
    if m.reviewer:
        props.append(_prop("reviewer", m.reviewer))
    props += [_prop("derived-from", h) for h in m.path if m.derived]
    entry: dict[str, Any] = {
        "uuid": oscal_uuid(m.iri),
        "matching-rationale": m.rationale,
        "relationship": OSCAL_RELATION[m.relation],
        "sources": [_item(svc, m.subject, source_fw)],
        "targets": [_item(svc, m.object, target_fw)],
    }
    if m.confidence is not None:
        entry["confidence-score"] = {"percentage": m.confidence}
    entry["props"] = props
    entry["remarks"] = m.comment
    return entry


def _provenance(mappings: Sequence[Mapping], meta: MappingT[str, Any], set_id: str) -> dict[str, Any]:
    """The collection's provenance: how it was made (curated, or also chained), its most common
    rationale, whether every row is approved, the export's description, set and licence."""
    rationale = Counter(m.rationale for m in mappings).most_common(1)
    return {
        "method": "hybrid" if any(m.derived for m in mappings) else "human",
        "matching-rationale": rationale[0][0] if rationale else "semantic",
        "status": "complete" if all(m.status == "approved" for m in mappings) else "draft",
        "mapping-description": meta["mapping_set_description"],
        "props": [_prop("mapping-set", set_id), _prop("license", meta["license"])],
    }


def _add_no_counterparts(group: dict[str, Any], nothing: Sequence[NoCounterpart], target_fw: str) -> None:
    """No-counterpart decisions in OSCAL: the targets in ``target-gap-summary`` (mapped by
    nothing), and one ``no-counterpart`` prop per target whose remarks give the reason."""
    ids = [_local_id(nc.object, target_fw) for nc in nothing]
    group["target-gap-summary"] = {
        "uuid": oscal_uuid(group["uuid"], "target-gap-summary"),
        "unmapped-controls": [{"with-ids": ids}],
    }
    group["props"] = [
        {**_prop("no-counterpart", ident), "remarks": f"{one_line(nc.reason)} Source: {one_line(nc.source)}"}
        for ident, nc in zip(ids, nothing, strict=True)
    ]


def _resource(frameworks: MappingT[str, MappingT[str, Any]], fw: str) -> dict[str, Any]:
    f = frameworks.get(fw)
    out: dict[str, Any] = {"type": "catalog", "href": f["iri"] if f else FRAMEWORK + (fw or "unknown")}
    if f:
        out["props"] = [_prop("framework", fw), _prop("title", one_line(f["title"]))]
    return out


def _item(svc: Any, req: str, fw: str) -> dict[str, Any]:
    info = svc.requirement_info(req)
    return {
        "type": "control",
        "id-ref": _local_id(req, fw),
        "props": [_prop("notation", info["notation"]), _prop("curie", info["curie"])],
    }
