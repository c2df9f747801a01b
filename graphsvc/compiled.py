"""What a build compiles the source files into, before it goes into a store: named graphs of
triples, with where each subject came from, and the catalogs, mapping sets and organisations
read on the way. The graph names of the build's own graphs live here too. graphsvc.build
writes it; the store adapters (remote), the importers and the CISO Assistant reader use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import DefaultGraph, NamedNode, Quad

from graphsvc.namespaces import graph_iri
from graphsvc.sources.catalogs import Catalog
from graphsvc.sources.mappingsets import MappingSet
from graphsvc.sources.orgdata import OrgData
from graphsvc.store.base import TripleTuple

__all__ = ["DERIVED_GRAPH", "INFERRED_GRAPH", "ONTOLOGY_GRAPH", "SHAPES_GRAPH", "Compiled"]

ONTOLOGY_GRAPH = graph_iri("ontology")
SHAPES_GRAPH = graph_iri("shapes")
DERIVED_GRAPH = graph_iri("derived")
INFERRED_GRAPH = graph_iri("inferred")


@dataclass
class Compiled:
    graphs: dict[str, list[TripleTuple]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    catalogs: list[Catalog] = field(default_factory=list)
    mapping_sets: list[MappingSet] = field(default_factory=list)
    orgs: list[OrgData] = field(default_factory=list)

    def triple_count(self) -> int:
        return sum(len(t) for t in self.graphs.values())

    def quads(self) -> list[Quad]:
        return [
            Quad(s, p, o, NamedNode(gname) if gname else DefaultGraph())
            for gname, triples in self.graphs.items()
            for s, p, o in triples
        ]
