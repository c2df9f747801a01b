"""graphsvc → CISO Assistant library YAML: a catalog as a framework library, a mapping set as a mapping library.

What is written is what the content law allows: identifiers, titles and the project's own
summaries (``dcterms:description`` of the catalog's own graph). Text an import brought in
(``gs:specification``: AICM specifications, the descriptions of an imported CISO Assistant
framework) and titles an import added outside the catalog graph are never written.

**URNs.** A framework or node imported from CISO Assistant keeps its URN. A shipped catalog is
written under graphsvc's own URNs: library ``urn:graphsvc:risk:library:<key>``, framework
``urn:graphsvc:risk:framework:<key>``, node ``urn:graphsvc:risk:req_node:<key>:<id>``. A mapping
set imported from CISO Assistant names the nodes by the URNs of the frameworks it was written
against (CISO Assistant's ISO/IEC 42001 URNs, say); a shipped set names graphsvc's, and
depends on the framework libraries :func:`export_framework` writes.

**Assessable.** An imported node keeps its flag. For a shipped catalog a node is assessable
unless it is pure structure (kinds chapter, section, annex, annex objective, function,
category, domain) or a parent with no mapping of its own.

**Mapping rows.** ``relationship`` is the set relation in CISO Assistant's spelling (same
direction), ``strength_of_relationship`` the strength, ``rationale`` the rationale, and
``annotation`` the comment followed by ``Source:`` and, where set, ``Status:``,
``Justification:``, ``Author:``, ``Reviewer:`` and ``Confidence:`` lines (which the import reads
back). Fields an import had to assume (``gs:assumed``) are left out again. Rejected rows are
never written; proposed rows only when asked, with ``Status: proposed``. A set whose rows join
more than one pair of frameworks is written as one ``requirement_mapping_sets`` entry per pair.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from graphsvc.errors import UnknownTerm
from graphsvc.namespaces import FRAMEWORK, compress, graph_iri
from graphsvc.sources.ciso_assistant.convert import BRIDGES, CA_PREFIX, CA_RELATIONSHIP, bridge_urn, graphsvc_urn, slug

STRUCTURE_KINDS = {"chapter", "section", "annex", "annex_objective", "function", "category", "domain"}
_BRIDGED = {v: k for k, v in BRIDGES.items()}  # graphsvc catalog key -> CISO Assistant framework id


def library_version(text: str) -> int:
    """CISO Assistant wants an integer version: ``7`` → 7, ``1.2.3`` → 10203, ``2026-11-23`` → 20261123.

    >>> library_version("1.0.0"), library_version("12"), library_version("2026-11-23")
    (10000, 12, 20261123)
    """
    parts = [int(p) for p in re.findall(r"\d+", text)]
    if not parts:
        return 1
    if len(parts) == 1:
        return parts[0]
    major, minor, patch = [*parts, 0, 0][:3]
    return major * 10000 + minor * 100 + patch


def _date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v not in (None, "", [])}


class _Dumper(yaml.SafeDumper):
    """Multi-line text (annotations with their Source: lines) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


def dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Frameworks:
    """Per framework: its catalog key, graph, requirements and the URN each requirement is written with."""

    def __init__(self, svc: Any) -> None:
        self.svc = svc
        self._meta: dict[str, dict[str, Any]] = {}
        self._reqs: dict[str, list[dict[str, Any]]] = {}

    def meta(self, short: str) -> dict[str, Any]:
        if short not in self._meta:
            self.svc.check_framework(short)
            rows = self.svc.select("ciso_framework", framework=short)
            if not rows:
                raise UnknownTerm(f"framework {short!r} has no catalog metadata")
            m = rows[0]
            m["key"] = m["framework"][len(FRAMEWORK) :]
            m["graph"] = graph_iri("framework/" + m["key"])
            m["imported"] = bool(m.get("urn"))
            self._meta[short] = m
        return self._meta[short]

    def library_urn(self, short: str, *, bridged: bool = False) -> str:
        return self._urn(short, "library", "source", bridged)

    def framework_urn(self, short: str, *, bridged: bool = False) -> str:
        return self._urn(short, "framework", "urn", bridged)

    def _urn(self, short: str, kind: str, imported_field: str, bridged: bool) -> str:
        """The URN of a framework's library or of the framework itself (``kind``): as imported
        (metadata field ``imported_field``), CISO Assistant's own for a bridged shipped
        catalog, else graphsvc's."""
        m = self.meta(short)
        if m["imported"]:
            urn: str = m[imported_field]
            return urn
        if bridged and m["key"] in _BRIDGED:
            return f"{CA_PREFIX}{kind}:{_BRIDGED[m['key']]}"
        return graphsvc_urn(kind, slug(m["key"]))

    def requirements(self, short: str) -> list[dict[str, Any]]:
        if short not in self._reqs:
            m = self.meta(short)
            rows = self.svc.select("ciso_requirements", graph=m["graph"])
            for r in rows:
                local = r["req"][len(m["namespace"]) :] if r["req"].startswith(m["namespace"]) else r["req"]
                r["graphsvc_urn"] = graphsvc_urn("req_node", slug(m["key"]), slug(local))
                ca = _BRIDGED.get(m["key"])
                r["bridged_urn"] = bridge_urn(ca, r["notation"]) if ca else None
            self._reqs[short] = rows
        return self._reqs[short]

    def urn_of(self, short: str, req: str, *, bridged: bool = False) -> str:
        for r in self.requirements(short):
            if r["req"] == req:
                if r.get("urn"):
                    return str(r["urn"])
                if bridged and r["bridged_urn"]:
                    return str(r["bridged_urn"])
                return str(r["graphsvc_urn"])
        raise UnknownTerm(f"{compress(req)} is not a requirement of {short}")


def export_framework(svc: Any, framework: str, *, version: int | None = None) -> str:
    """A CISO Assistant framework library for one catalog, as YAML text.

    :raises UnknownTerm: no framework of that id.
    """
    fws = _Frameworks(svc)
    m = fws.meta(framework)
    reqs = fws.requirements(framework)
    mapped = {x.subject for x in svc.mappings()} | {x.object for x in svc.mappings()}
    urn_of = {r["req"]: fws.urn_of(framework, r["req"]) for r in reqs}
    depth: dict[str, int] = {}
    nodes = []
    for r in reqs:
        depth[r["req"]] = depth.get(r.get("parent", ""), 0) + 1
        if "assessable" in r:
            assessable = bool(r["assessable"])
        else:
            assessable = r["kind"] not in STRUCTURE_KINDS and (not r["hasChildren"] or r["req"] in mapped)
        nodes.append(
            _drop_empty(
                {
                    "urn": urn_of[r["req"]],
                    "assessable": assessable,
                    "depth": depth[r["req"]],
                    "parent_urn": urn_of.get(r.get("parent", "")),
                    "ref_id": r["notation"],
                    "name": r.get("title"),
                    "description": r.get("summary"),
                }
            )
        )
    imported = m["imported"]
    lib_urn = fws.library_urn(framework)
    doc = _drop_empty(
        {
            "urn": lib_urn,
            "locale": m.get("libLocale") or "en",
            "ref_id": m.get("libRef") or m["key"],
            "name": m.get("libTitle") or m["title"],
            "description": None if imported else m.get("comment"),
            "copyright": m.get("libRights") or (None if imported else m["license"]),
            "version": version or (int(m["libVersion"]) if m.get("libVersion") is not None else 1),
            "publication_date": _date(m.get("libIssued") or m.get("issued")),
            "provider": m.get("libPublisher") or (None if imported else m["publisher"]),
            "packager": m.get("libPackager") or (None if imported else "graphsvc"),
        }
    )
    doc["objects"] = {
        "framework": _drop_empty(
            {
                "urn": fws.framework_urn(framework),
                "ref_id": m.get("refId") or m["key"],
                "name": m["title"],
                "description": None if imported else m.get("comment"),
                "requirement_nodes": nodes,
            }
        )
    }
    head = (
        f"# CISO Assistant framework library written by graphsvc from catalog {m['key']}: identifiers, titles\n"
        "# and the graphsvc project's own summaries only (no text of the standard, no imported text).\n"
    )
    return head + dump(doc)


def _annotation(row: dict[str, Any], assumed: set[str]) -> str | None:
    comment = "" if "annotation" in assumed else str(row["comment"])
    lines = []
    if "source" not in assumed:
        lines.append(f"Source: {row['source']}")
    if "status" not in assumed and row["status"] != "approved":
        lines.append(f"Status: {row['status']}")
    if "justification" not in assumed:
        lines.append(f"Justification: {compress(row['justification'])}")
    if "author" not in assumed and row.get("author"):
        lines.append(f"Author: {row['author']}")
    if row.get("reviewer"):
        lines.append(f"Reviewer: {row['reviewer']}")
    if row.get("confidence") is not None:
        lines.append(f"Confidence: {row['confidence']}")
    text = "\n\n".join(p for p in (comment, "\n".join(lines)) if p)
    return text or None


def export_mapping_set(svc: Any, set_id: str, *, include_proposed: bool = False, version: int | None = None) -> str:
    """A CISO Assistant mapping library for one mapping set (``iso42001-euaia``, ``ca-…``), as YAML text.

    :raises UnknownTerm: no mapping set of that id, or one with no rows to write.
    """
    graph = graph_iri("mappings/" + set_id)
    heads = svc.select("ciso_mapping_set", graph=graph)
    if not heads:
        known = sorted(g.rsplit("/mappings/", 1)[-1] for g in svc.store.named_graphs() if "/graph/mappings/" in g)
        raise UnknownTerm(f"unknown mapping set {set_id!r}; known: {', '.join(known)}")
    head = heads[0]
    fws = _Frameworks(svc)
    pairs, left_out = _rows_by_pair(svc, graph, include_proposed)
    if not pairs:
        raise UnknownTerm(
            f"mapping set {set_id!r} has no {'approved or proposed' if include_proposed else 'approved'} rows"
        )
    # A set imported from CISO Assistant names each framework as the file did (bridged URNs).
    bridged = (
        str(head.get("subjectSource", "")).startswith(CA_PREFIX),
        str(head.get("objectSource", "")).startswith(CA_PREFIX),
    )
    base_urn = head.get("urn") or graphsvc_urn("req_mapping_set", slug(set_id))
    out_sets = []
    deps: list[str] = []
    for (src, tgt), items in sorted(pairs.items()):
        suffix = "" if len(pairs) == 1 else f"-{src}-{tgt}"
        for fw, side_bridged in zip((src, tgt), bridged, strict=True):
            dep = fws.library_urn(fw, bridged=side_bridged)
            if dep not in deps:
                deps.append(dep)
        out_sets.append(
            _drop_empty(
                {
                    "urn": base_urn + suffix,
                    "ref_id": (head.get("refId") or set_id) + suffix,
                    "name": head["title"] + ("" if len(pairs) == 1 else f" ({src} to {tgt})"),
                    "description": head.get("description"),
                    "source_framework_urn": fws.framework_urn(src, bridged=bridged[0]),
                    "target_framework_urn": fws.framework_urn(tgt, bridged=bridged[1]),
                    "requirement_mappings": [_row(fws, src, tgt, r, bridged) for r in items],
                }
            )
        )
    doc = _mapping_library(head, set_id, deps, version)
    doc["objects"] = (
        {"requirement_mapping_set": out_sets[0]} if len(out_sets) == 1 else {"requirement_mapping_sets": out_sets}
    )
    head_lines = [f"CISO Assistant mapping library written by graphsvc from mapping set {set_id}."]
    head_lines += [f"Not written: {n} {why}." for why, n in sorted(left_out.items())]
    return "".join(f"# {line}\n" for line in head_lines) + dump(doc)


def _rows_by_pair(
    svc: Any, graph: str, include_proposed: bool
) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, int]]:
    """The rows of a set to write, by (source, target) framework, and how many were left out, by why."""
    framework_of = svc.framework_of
    ok = {"approved", "proposed"} if include_proposed else {"approved"}
    left_out: dict[str, int] = {}
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in svc.select("ciso_mappings", graph=graph):
        pair = (framework_of.get(r["subject"], ""), framework_of.get(r["object"], ""))
        if r["status"] not in ok:
            why = f"{r['status']} rows" + (" (--include-proposed writes them)" if r["status"] == "proposed" else "")
        elif not all(pair):
            why = "rows with no requirement on one side (no-counterpart records have no CISO Assistant form)"
        else:
            pairs.setdefault(pair, []).append(r)
            continue
        left_out[why] = left_out.get(why, 0) + 1
    return pairs, left_out


def _mapping_library(head: dict[str, Any], set_id: str, deps: list[str], version: int | None) -> dict[str, Any]:
    """The library fields of a mapping library (its ``objects`` aside): as imported, or graphsvc's."""
    imported = bool(head.get("urn"))
    lib_urn = head.get("library") if imported else graphsvc_urn("library", "mapping-" + slug(set_id))
    return _drop_empty(
        {
            "urn": lib_urn,
            "locale": head.get("libLocale") or "en",
            "ref_id": head.get("libRef") or f"mapping-{set_id}",
            "name": head.get("libTitle") or head["title"],
            "description": head.get("description"),
            "copyright": head.get("libRights") or (None if imported else f"Licence: {head['license']}"),
            "version": version
            or (
                int(head["libVersion"]) if head.get("libVersion") is not None else library_version(str(head["version"]))
            ),
            "publication_date": _date(head.get("libIssued") or head.get("issued")),
            "provider": head.get("libPublisher") or (None if imported else "graphsvc"),
            "packager": head.get("libPackager") or (None if imported else "graphsvc"),
            "dependencies": deps,
        }
    )


def _row(fws: _Frameworks, src: str, tgt: str, r: dict[str, Any], bridged: tuple[bool, bool]) -> dict[str, Any]:
    assumed = set(str(r.get("assumedFields") or "").split())
    row = {
        "source_requirement_urn": fws.urn_of(src, r["subject"], bridged=bridged[0]),
        "target_requirement_urn": fws.urn_of(tgt, r["object"], bridged=bridged[1]),
        "relationship": CA_RELATIONSHIP[r["relation"].rsplit("rel-", 1)[-1]],
        "rationale": None if "rationale" in assumed else r["rationale"],
        "strength_of_relationship": None if "strength" in assumed else r["strength"],
    }
    annotation = _annotation(r, assumed)
    if annotation:
        row["annotation"] = annotation
    return row
