"""Build: files → checked RDF → a fresh store, swapped in atomically.

``compile_sources`` reads ontology/, the catalogs and date layers, the SSSOM mapping sets
and the organisation files into named graphs, checking references as it goes (each error
names its file, line or row, and field). ``validate`` runs the SHACL shapes. ``build``
adds the derived graphs (chained mappings, OWL classification), then bulk-loads everything
into a new store generation and swaps it in; a build that fails at any step leaves the
previous store exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, parse

from graphsvc.compiled import DERIVED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, Compiled
from graphsvc.config import Settings, kept_dir
from graphsvc.domain.crosswalk import CrosswalkIndex
from graphsvc.errors import DataLoadError, ValidationError
from graphsvc.sources.catalogs import load_catalogs
from graphsvc.sources.layer_graphs import catalog_graphs
from graphsvc.sources.mappingsets import all_mappings, load_mapping_sets, mapping_triples, set_triples
from graphsvc.sources.orgdata import OrgData, org_paths, read_org
from graphsvc.store.base import TripleTuple
from graphsvc.store.embedded import write_fresh_store

Progress = Callable[[str], None]


def _parse_turtle(path: Path) -> list[TripleTuple]:
    try:
        return [(t.subject, t.predicate, t.object) for t in parse(path=str(path), format=RdfFormat.TURTLE)]  # type: ignore[misc]
    except SyntaxError as exc:
        raise DataLoadError(f"{path}: Turtle syntax error: {exc}") from exc
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc


def compile_sources(settings: Settings, progress: Progress | None = None, *, orgs: bool = True) -> Compiled:
    """Read every source file into named graphs, checking cross-references."""
    say = progress or (lambda _m: None)
    out = Compiled()
    say("ontology")
    out.graphs[ONTOLOGY_GRAPH] = _parse_turtle(settings.ontology_dir / "graphsvc.ttl")
    out.graphs[SHAPES_GRAPH] = _parse_turtle(settings.ontology_dir / "shapes.ttl")
    say("catalogs")
    out.catalogs = load_catalogs(settings.mappings_dir)
    known: set[str] = set()
    for cat in out.catalogs:
        out.graphs[cat.graph] = cat.triples()
        for r in cat.requirements:
            known.add(r.iri)
            out.origins[r.iri] = r.source_ref
        extra, layer_graphs = catalog_graphs(cat)
        if layer_graphs:
            say(f"law layers of {cat.short_name}")
            out.graphs[cat.graph] += extra
            out.graphs.update(layer_graphs)
            for s, p, _o in extra:
                if p.value.endswith("#inLayer"):
                    known.add(s.value)
    say("mapping sets")
    namespaces = {cat.meta["namespace"]: cat.iri for cat in out.catalogs}
    out.mapping_sets = load_mapping_sets(settings.mappings_dir, known, namespaces)
    for ms in out.mapping_sets:
        out.graphs[ms.graph] = set_triples(ms)
        out.origins.update(ms.origins)
    from graphsvc.sources.ciso_assistant.kept import kept_sources

    ca_catalogs, ca_sets = kept_sources(settings, out.catalogs)
    for cat in ca_catalogs:  # CISO Assistant libraries imported earlier (graphsvc import ciso-assistant)
        say(f"CISO Assistant import {cat.key}")
        out.catalogs.append(cat)
        out.graphs[cat.graph] = cat.triples()
        known.update(r.iri for r in cat.requirements)
        out.origins.update({r.iri: r.source_ref for r in cat.requirements})
    for ca_set in ca_sets:
        out.mapping_sets.append(ca_set.mapping_set)
        out.graphs[ca_set.mapping_set.graph] = ca_set.triples()
        out.origins.update(ca_set.mapping_set.origins)
    kept_aicm = kept_dir(settings.data_path, "aicm")
    if kept_aicm.is_dir():
        from graphsvc.sources.aicm import aicm_graphs

        for path in sorted(kept_aicm.iterdir()):
            say(f"AICM import {path.name}")
            out.graphs.update(aicm_graphs(path, out.catalogs)[1])
    if orgs:
        say("organisations")
        kept = kept_dir(settings.data_path, "org")
        paths = org_paths(settings.org_path_list()) + (sorted(kept.iterdir()) if kept.is_dir() else [])
        out.orgs = [read_org(p) for p in paths]
        seen: dict[str, OrgData] = {}
        for od in out.orgs:  # an imported organisation replaces a shipped one of the same id
            seen[od.org_id] = od
        out.orgs = list(seen.values())
        check_org_refs(out.orgs, known, {c.iri for c in out.catalogs})
        for od in out.orgs:
            out.graphs.update(od.graphs())
            out.origins.update(od.origins)
        from graphsvc.sources.controls import kept_org_graphs

        out.graphs.update(kept_org_graphs(settings.data_path, out.orgs, known))  # control catalogs, reviews
    return out


def check_org_refs(orgs: list[OrgData], known: set[str], frameworks: set[str], others: set[str] | None = None) -> None:
    """Every requirement, framework and cross-organisation system an org names must exist."""
    ids: dict[str, Path] = {}
    systems: set[str] = set(others or ())
    for od in orgs:
        if od.org_id in ids:
            raise DataLoadError(f"{od.path}: organisation id {od.org_id!r} is also used by {ids[od.org_id]}")
        ids[od.org_id] = od.path
        systems.update(s for s, o in od.origins.items() if "/system/" in s)
        systems.update(s for s, o in od.origins.items() if "/body/" in s)
    for od in orgs:
        for req, where in od.requirement_refs:
            if req not in known:
                raise DataLoadError(f"{where}: {req.rsplit('/', 1)[-1]} ({req}) is not a requirement in the catalogs")
        for fw, where in od.framework_refs:
            if fw not in frameworks:
                raise DataLoadError(
                    f"{where}: {fw.rsplit('/', 1)[-1]!r} is not a framework edition in mappings/catalogs"
                )
        for ref, where in od.external_refs:
            if ref not in systems:
                raise DataLoadError(f"{where}: {ref} is not defined by any organisation loaded")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_rdflib(graphs: list[list[TripleTuple]]):  # type: ignore[no-untyped-def]
    """The triples as one rdflib Graph, term by term.

    Not through N-Triples text: rdflib's N-Triples reader rescans its whole buffer for a line
    end after every 2 KB it reads, so a line holding one long literal costs time quadratic in
    its length (a 4 MB description took minutes to import).
    """
    import rdflib

    from graphsvc.store.base import BlankNode, Literal

    nodes: dict[str, rdflib.URIRef] = {}

    def conv(t: Any) -> Any:
        if isinstance(t, Literal):
            if t.language:
                return rdflib.Literal(t.value, lang=t.language)
            dt_ = t.datatype.value
            return rdflib.Literal(t.value) if dt_ == _XSD_STRING else rdflib.Literal(t.value, datatype=conv(t.datatype))
        if isinstance(t, BlankNode):
            return rdflib.BNode(t.value)
        node = nodes.get(t.value)
        if node is None:
            node = nodes[t.value] = rdflib.URIRef(t.value)
        return node

    g = rdflib.Graph()
    add = g.add
    for triples in graphs:
        for s, p, o in triples:
            add((conv(s), conv(p), conv(o)))
    return g


def validate(compiled: Compiled) -> None:
    """SHACL-validate everything but the ontology and shapes graphs.

    :raises ValidationError: listing each violation with the source position of its focus node.
    """
    import pyshacl

    data = _to_rdflib([t for gname, t in compiled.graphs.items() if gname not in {ONTOLOGY_GRAPH, SHAPES_GRAPH}])
    shapes = _to_rdflib([compiled.graphs[SHAPES_GRAPH]])
    ont = _to_rdflib([compiled.graphs[ONTOLOGY_GRAPH]])
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ont, inference="none", allow_warnings=True
    )
    if conforms:
        return
    errors = shacl_messages(report, compiled.origins)
    if errors:
        raise ValidationError(f"{len(errors)} shape violation(s); first: {errors[0]}", errors=errors)


def shacl_messages(report, origins: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    from rdflib import URIRef
    from rdflib.namespace import SH

    out = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        node = str(focus)
        where = origins.get(node)
        while where is None and "/" in node:
            node = node.rsplit("/", 1)[0]
            where = origins.get(node)
        field_name = str(path).rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(path, URIRef) else str(path or "")
        out.append(
            f"{where or focus}: field {field_name!r}: {message}" + (f" (value {value})" if value is not None else "")
        )
    return sorted(set(out))


def derive(compiled: Compiled, settings: Settings, progress: Progress | None = None) -> None:
    """Add the derived graphs: chained mappings and OWL classification of AI systems."""
    say = progress or (lambda _m: None)
    say("chained mappings")
    framework_of = {r.iri: c.short_name for c in compiled.catalogs for r in c.requirements}
    index = CrosswalkIndex(all_mappings(compiled.mapping_sets), framework_of)
    derived = index.derived_mappings(settings.chain_depth)
    compiled.graphs[DERIVED_GRAPH] = [t for m in derived for t in mapping_triples(m)]
    if any(od.published for od in compiled.orgs):
        say("classifying AI systems (OWL, HermiT)")
        compiled.graphs[INFERRED_GRAPH] = classify_orgs(compiled, settings)


def classify_orgs(compiled: Compiled, settings: Settings) -> list[TripleTuple]:
    from pyoxigraph import BlankNode, Literal

    from graphsvc.domain.classify import classify_systems, inferred_triples

    systems = _to_rdflib([od.published for od in compiled.orgs])
    inferences = classify_systems(systems, settings.ontology_dir / "graphsvc.ttl")
    out: list[TripleTuple] = []

    def conv(t):  # type: ignore[no-untyped-def]
        import rdflib

        if isinstance(t, rdflib.URIRef):
            return NamedNode(str(t))
        if isinstance(t, rdflib.BNode):
            return BlankNode(str(t))
        if t.datatype:
            return Literal(str(t), datatype=NamedNode(str(t.datatype)))
        return Literal(str(t), language=t.language) if t.language else Literal(str(t))

    for s, p, o in inferred_triples(inferences):
        out.append((conv(s), conv(p), conv(o)))
    return out


@dataclass
class BuildReport:
    triples: int
    graphs: int
    seconds: float
    store: Path | str
    store_bytes: int
    steps: list[tuple[str, float]]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    """Compile, validate, derive and write a fresh embedded store; atomic."""
    t0 = time.perf_counter()
    steps: list[tuple[str, float]] = []  # (step, seconds it took)
    current = ["start", t0]

    def say(msg: str) -> None:
        now = time.perf_counter()
        if current[0] != "start":
            steps.append((str(current[0]), now - float(current[1])))
        current[0], current[1] = msg, now
        if progress:
            progress(msg)

    compiled = compile_sources(settings, say)
    say("SHACL validation")
    validate(compiled)
    derive(compiled, settings, say)
    if settings.store_url:
        from graphsvc.store.remote import RemoteStore
        from graphsvc.store.remote_load import load_compiled

        say("loading the remote store")
        with RemoteStore.from_settings(settings) as remote:
            load_compiled(remote, compiled.graphs)
        say("done")
        return BuildReport(
            triples=compiled.triple_count(),
            graphs=len(compiled.graphs),
            seconds=time.perf_counter() - t0,
            store=settings.store_url,
            store_bytes=0,
            steps=steps,
        )
    say("writing the store")
    gen = write_fresh_store(settings.store_path, compiled.quads())
    say("done")
    return BuildReport(
        triples=compiled.triple_count(),
        graphs=len(compiled.graphs),
        seconds=time.perf_counter() - t0,
        store=gen,
        store_bytes=dir_size(gen),
        steps=steps,
    )
