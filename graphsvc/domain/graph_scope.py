"""Which named graphs a question reads: an organisation's own graphs, the published graph a
customer inherits from, the graphs of a resource's holder, and those that belong to no one.

Asking over just the graphs needed keeps a query fast (pyoxigraph pays for every graph in a
dataset list) and keeps tenants apart: a question about one organisation's resource never
reads another organisation's statements about it.
"""

from __future__ import annotations

from typing import Any

from graphsvc.errors import UnknownTerm
from graphsvc.namespaces import GSD, compress, graph_iri, org_graph
from graphsvc.sources.ownership import owner_of


def org_graphs(org_iri: str) -> tuple[str, str]:
    """(private graph, published graph) of an organisation, by its IRI."""
    org_id = org_iri.rsplit("/", 1)[-1]
    return org_graph(org_id), org_graph(org_id, "published")


def published_graph(org_iri: str) -> str:
    """The graph an organisation publishes: all a customer inherits from, or may see, of it."""
    return org_graphs(org_iri)[1]


def own_graphs(org_iri: str) -> list[str]:
    """Every graph of an organisation: its private and published graphs, and the private graphs
    it adds by importing a control catalog and reviewing proposals (:mod:`graphsvc.domain.review`)."""
    org_id = org_iri.rsplit("/", 1)[-1]
    return [*org_graphs(org_iri), org_graph(org_id, "controls"), org_graph(org_id, "mappings")]


def holder_graphs(svc: Any, thing: str) -> list[str]:
    """The graphs that may say anything about an organisation's resource (``gsd:<kind>/<org>/…``):
    that organisation's own two graphs and the framework catalogs, never another tenant's.

    :raises UnknownTerm: the IRI belongs to no organisation.
    """
    org = owner_of(thing)
    if org is None:
        raise UnknownTerm(f"{compress(thing)} belongs to no organisation")
    return [*org_graphs(GSD + "org/" + org), *svc.framework_graph_list()]


def reference_graphs(svc: Any) -> list[str]:
    """Every graph that belongs to no organisation: ontology, catalogs, layers, mapping sets,
    derived mappings and inferred classifications."""
    return [g for g in svc.store.named_graphs() if not g.startswith(graph_iri("org/"))]


def public_graphs(svc: Any) -> list[str]:
    """Catalogs, layers, mapping sets, derived and inferred graphs, and every published org graph."""
    return [
        g for g in svc.store.named_graphs() if not (g.startswith(graph_iri("org/")) and not g.endswith("/published"))
    ]
