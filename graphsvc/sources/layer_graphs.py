"""The triples the law layers of a catalog compile into.

Requirements that exist in one layer only go into the catalog's graph, each marked
``gs:inLayer`` (:func:`addition_triples`). Every layer gets a named graph of its own
(:func:`layer_triples`): the layer, the act it rests on and its legal status, what was verified
and where, its Annex I assignments, what it repeals or rewords, and one ``gs:ApplicationDate``
per (obligation, category) that exists in it (dates from :mod:`graphsvc.sources.layers`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from graphsvc.namespaces import DCTERMS, GS, GSD, RDFS, SKOS
from graphsvc.sources.catalogs import Catalog, Requirement, requirement_triples
from graphsvc.sources.layer_files import Change, Layer, load_layers, requirements_by_notation
from graphsvc.sources.layers import DateAssignment, assign_dates
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit


def catalog_graphs(catalog: Catalog) -> tuple[list[TripleTuple], dict[str, list[TripleTuple]]]:
    """For one catalog with layers: the extra catalog triples (layer-only requirements) and one
    graph per layer. Both empty when the catalog has no ``layers/`` directory."""
    layers = load_layers(catalog.path, catalog)
    if not layers:
        return [], {}
    return addition_triples(catalog, layers), layer_triples(layers, assign_dates(catalog, layers), catalog)


def _ordered(catalog: Catalog, layers: dict[str, Layer]) -> dict[str, int]:
    """A document order for every requirement: an addition shares the position of the sibling it
    follows (``after``), or of its parent (gs:order is an integer, and the catalog's own rows
    keep theirs)."""
    order: dict[str, int] = {r.notation: r.order for r in catalog.requirements}
    for layer in layers.values():
        for r in layer.additions:
            anchor = layer.after.get(r.notation) or r.parent or ""
            order[r.notation] = order.get(anchor, len(order) + 1)
    return order


def addition_triples(catalog: Catalog, layers: dict[str, Layer]) -> list[TripleTuple]:
    """The requirements that exist in one layer only, for the catalog graph, each marked
    ``gs:inLayer`` with its layer."""
    fw = iri(catalog.iri)
    order = _ordered(catalog, layers)
    by_notation = requirements_by_notation(catalog, layers)
    out: list[TripleTuple] = []
    for layer in layers.values():
        for r in layer.additions:
            broader = by_notation[r.parent].iri if r.parent else None
            out += requirement_triples(r, fw, order[r.notation], broader)
            out.append((iri(r.iri), g("inLayer"), iri(layer.iri)))
            if layer.add_notes.get(r.notation):
                out.append((iri(r.iri), iri(RDFS + "comment"), lit(layer.add_notes[r.notation])))
    return out


def _iri_or_text(value: str) -> Any:
    return iri(value) if re.fullmatch(r"https?://\S+", value) else lit(value)


def _node(kind: str, *parts: str) -> str:
    return GSD + kind + "/" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def layer_triples(
    layers: dict[str, Layer], dates: list[DateAssignment], catalog: Catalog | None = None
) -> dict[str, list[TripleTuple]]:
    """One named graph per layer: the layer, its act and legal status, what was verified, what it
    repeals or rewords, and the materialised application dates."""
    by_notation = requirements_by_notation(catalog, layers)
    graphs: dict[str, list[TripleTuple]] = {}
    for layer in layers.values():
        triples = _layer_head(layer, layers)
        triples += _act_triples(layer)
        triples += _verification_triples(layer)
        triples += _annex_i_triples(layer)
        for c in layer.changes:
            req = by_notation.get(c.notation)
            if req is not None:
                triples += _change_triples(layer, c, req)
        graphs[layer.graph] = triples
    for d in dates:
        graphs[layers[d.layer].graph] += _date_triples(d, layers[d.layer])
    return graphs


def _layer_head(layer: Layer, layers: dict[str, Layer]) -> list[TripleTuple]:
    """The layer itself: id, title, source, legal status, entry into force, note, base, issue date."""
    L = iri(layer.iri)
    triples: list[TripleTuple] = [
        (L, RDF_TYPE, g("DateLayer")),
        (L, g("layerId"), lit(layer.id)),
        (L, iri(RDFS + "label"), lit(layer.title)),
        (L, iri(DCTERMS + "source"), _iri_or_text(layer.source)),
        (L, g("legalStatus"), g("status-" + layer.status)),
    ]
    if layer.in_force_from:
        triples.append((L, g("inForceFrom"), lit(layer.in_force_from)))
    if layer.note:
        triples.append((L, iri(RDFS + "comment"), lit(layer.note)))
    if layer.base:
        triples.append((L, g("baseLayer"), iri(layers[layer.base].iri)))
    if layer.issued:
        triples.append((L, iri(DCTERMS + "issued"), lit(layer.issued)))
    return triples


def _act_triples(layer: Layer) -> list[TripleTuple]:
    """The legal act the layer rests on (``gs:restsOnAct``), with the references it has."""
    if not layer.act:
        return []
    L, A = iri(layer.iri), iri(_node("act", layer.id))
    triples: list[TripleTuple] = [(L, g("restsOnAct"), A), (A, RDF_TYPE, g("LegalAct"))]
    for key, pred in (
        ("title", DCTERMS + "title"),
        ("celex", DCTERMS + "identifier"),
        ("oj", GS + "ojReference"),
        ("proposal", GS + "proposalReference"),
    ):
        if layer.act.get(key):
            triples.append((A, iri(pred), lit(layer.act[key])))
    for key in ("eli", "url"):
        if layer.act.get(key):
            triples.append((A, g("eli") if key == "eli" else iri(RDFS + "seeAlso"), _iri_or_text(layer.act[key])))
    return triples


def _verification_triples(layer: Layer) -> list[TripleTuple]:
    """Each fact about the act, how far it was verified, and the sources read."""
    triples: list[TripleTuple] = []
    for k, c in enumerate(layer.verification):
        props = [(g("fact"), lit(c.fact)), (g("verificationStatus"), lit(c.status))]
        props += [(iri(DCTERMS + "source"), _iri_or_text(s)) for s in c.sources]
        triples += _part(layer, ("verification", k), "verification", "Verification", props, c.note)
    return triples


def _annex_i_triples(layer: Layer) -> list[TripleTuple]:
    """Which Annex I section the layer puts each piece of Union legislation in."""
    triples: list[TripleTuple] = []
    for k, a in enumerate(layer.annex_i):
        props = [(g("legislation"), lit(a["legislation"])), (g("assignedSection"), lit(a["section"]))]
        triples += _part(layer, ("annex-i", k), "annexIAssignment", "AnnexIAssignment", props, a["note"])
    return triples


def _part(
    layer: Layer, entry: tuple[str, int], link: str, cls: str, props: list[tuple[Any, Any]], note: str
) -> list[TripleTuple]:
    """One entry of a list of the layer (``entry``: the list's node kind and the entry's index): a
    ``gs:<cls>`` node linked from the layer by ``gs:<link>``, with its properties and note."""
    kind, k = entry
    N = iri(_node(kind, layer.id, str(k)))
    triples: list[TripleTuple] = [(iri(layer.iri), g(link), N), (N, RDF_TYPE, g(cls))]
    triples += [(N, pred, obj) for pred, obj in props]
    if note:
        triples.append((N, iri(RDFS + "comment"), lit(note)))
    return triples


def _change_triples(layer: Layer, c: Change, req: Requirement) -> list[TripleTuple]:
    """A repeal (``gs:repealedIn``, with a ``gs:Repeal`` node for its note) or a rewording
    (a ``gs:RequirementVersion`` with the new title or summary) of ``req`` by the layer."""
    L = iri(layer.iri)
    if c.action == "repeal":
        triples: list[TripleTuple] = [(iri(req.iri), g("repealedIn"), L)]
        if c.note:
            N = iri(_node("repeal", layer.id, c.notation))
            triples += [
                (N, RDF_TYPE, g("Repeal")),
                (N, g("inLayer"), L),
                (N, g("repeals"), iri(req.iri)),
                (N, iri(RDFS + "comment"), lit(c.note)),
            ]
        return triples
    V = iri(_node("version", layer.id, c.notation))
    triples = [
        (V, RDF_TYPE, g("RequirementVersion")),
        (V, g("versionOf"), iri(req.iri)),
        (V, g("inLayer"), L),
    ]
    if c.title:
        triples.append((V, iri(SKOS + "prefLabel"), lit(c.title)))
    if c.summary:
        triples.append((V, iri(DCTERMS + "description"), lit(c.summary)))
    if c.note:
        triples.append((V, iri(RDFS + "comment"), lit(c.note)))
    return triples


def _date_triples(d: DateAssignment, layer: Layer) -> list[TripleTuple]:
    """One materialised ``gs:ApplicationDate``, with the layer's transitional clause where it has one."""
    key = hashlib.sha1(f"{d.layer}|{d.obligation}|{d.category}".encode()).hexdigest()[:16]
    node = iri(GSD + "appdate/" + key)
    triples: list[TripleTuple] = [
        (node, RDF_TYPE, g("ApplicationDate")),
        (node, g("obligation"), iri(d.obligation)),
        (node, g("category"), g("cat-" + d.category)),
        (node, g("layer"), iri(layer.iri)),
        (node, g("appliesFrom"), lit(d.date)),
        (node, g("rule"), lit(d.reason)),
    ]
    t = d.transitional
    if t is not None:
        triples += [
            (node, g("legacyPlacedBefore"), lit(t.placed_before)),
            (node, g("legacyCondition"), lit(t.condition)),
            (node, g("legacyWhenUnknown"), lit(t.when_unknown)),
        ]
        if t.from_:
            triples.append((node, g("legacyAppliesFrom"), lit(t.from_)))
    return triples
