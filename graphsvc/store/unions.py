"""Materialised union graphs: a query's dataset is a few graphs, whatever the number of tenants.

pyoxigraph evaluates a default graph given as a list of N graphs by looking every triple
pattern up N times: with 329 public graphs (bench medium) the crosswalk query takes 8.1 s
against 27 ms over the union of the store. So the store keeps two graphs of its own:

================  ==========================================================================
graph             holds (set union, each triple once)
================  ==========================================================================
PUBLIC_UNION      every public graph: catalogs, layers, mapping sets, derived and inferred
                  triples, each organisation's ``/published`` graph
PRIVATE_UNION     every organisation's private graphs (``gsg:org/<id>``, ``…/controls``, …)
================  ==========================================================================

A tenant's default graph is then PUBLIC_UNION and its own private graphs; the whole store (an
admin, the domain code's ``graphs=None``) is the store's default graph, PUBLIC_UNION and
PRIVATE_UNION. The union graphs are never named graphs of a dataset (``GRAPH ?g`` sees the
real graphs only), nobody writes them (:mod:`graphsvc.store.tenancy`), and only an admin reads
PRIVATE_UNION.

Every write brings them up to date in the same transaction (one SPARQL update request is one
transaction in Oxigraph): :func:`maintained` wraps the update with operations that copy each
written graph to a scratch graph first, and afterwards add what the graph gained and remove
what it lost unless another graph of its class still holds it. A write whose graphs are not
known (``CLEAR ALL``, or a caller that does not say) recomputes both unions. Readers therefore
never see a union that disagrees with the graphs. A store built before the unions existed has
none (:func:`present` is False): it is read as before, and the first writable open adds them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator

from pyoxigraph import NamedNode, Quad

from graphsvc.namespaces import PRIVATE_UNION, PUBLIC_UNION, UNION_PREFIX
from graphsvc.store.tenancy import ALL_GRAPHS, DEFAULT_GRAPH, ORG_PREFIX, is_public_graph

SCRATCH_PREFIX = UNION_PREFIX + "scratch/"
UNIONS = (PUBLIC_UNION, PRIVATE_UNION)

# The SPARQL reading of security.org_of_graph: a graph under gsg:org/ is public exactly when
# the rest of its IRI is "<id>/published" with no other "/" (tests check both agree).
_STR = "STR(?g)"
_IS_ORG = f'STRSTARTS({_STR}, "{ORG_PREFIX}")'
_IS_PUBLISHED = f'REGEX(STRAFTER({_STR}, "{ORG_PREFIX}"), "^[^/]*/published$")'
_IS_INTERNAL = f'STRSTARTS({_STR}, "{UNION_PREFIX}")'
PUBLIC_FILTER = f"(!{_IS_INTERNAL} && (!{_IS_ORG} || {_IS_PUBLISHED}))"
PRIVATE_FILTER = f"({_IS_ORG} && !{_IS_PUBLISHED})"


def is_internal(graph: str) -> bool:
    """A graph the store maintains itself (a union or a scratch graph)."""
    return graph.startswith(UNION_PREFIX)


def union_of(graph: str) -> str:
    """The union graph that holds this graph's triples."""
    return PUBLIC_UNION if is_public_graph(graph) else PRIVATE_UNION


def with_unions(quads: Iterable[Quad]) -> Iterator[Quad]:
    """``quads`` and, after each quad of a named graph, its copy in the union graph (the store
    keeps each quad once, so a triple in many graphs lands in its union once)."""
    unions = {u: NamedNode(u) for u in UNIONS}
    for q in quads:
        yield q
        g = q.graph_name
        if isinstance(g, NamedNode) and not is_internal(g.value):
            yield Quad(q.subject, q.predicate, q.object, unions[union_of(g.value)])


def recompute() -> list[str]:
    """Update operations that rebuild both union graphs from every named graph."""
    ops = [f"DROP SILENT GRAPH <{u}>" for u in UNIONS]
    for union, test in ((PUBLIC_UNION, PUBLIC_FILTER), (PRIVATE_UNION, PRIVATE_FILTER)):
        ops.append(f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER {test} }}")
    return ops


def _scratch(graph: str) -> str:
    return SCRATCH_PREFIX + hashlib.sha256(graph.encode()).hexdigest()[:32]


def maintained(update: str, written: Collection[str] | None) -> str:
    """``update`` with the operations that keep the union graphs right, as one request.

    ``written`` names the graphs the update may change (``DEFAULT`` for the store's default
    graph, ``ALL`` for CLEAR/DROP ALL or NAMED); None when unknown: both unions are recomputed.
    """
    body = update.strip().rstrip(";").rstrip()
    if not body:
        return update
    if written is None or ALL_GRAPHS in written:
        return " ;\n".join([body, *recompute()])
    graphs = sorted(g for g in written if g != DEFAULT_GRAPH and not is_internal(g))
    if not graphs:
        return body
    before: list[str] = []
    after_add: list[str] = []
    after_remove: list[str] = []
    for g in graphs:
        scratch, union = _scratch(g), union_of(g)
        same_class = PUBLIC_FILTER if union == PUBLIC_UNION else PRIVATE_FILTER
        before += [
            f"DROP SILENT GRAPH <{scratch}>",
            f"INSERT {{ GRAPH <{scratch}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
        ]
        after_add.append(
            f"INSERT {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH <{scratch}> {{ ?s ?p ?o }} }} }}"
        )
        after_remove += [
            f"DELETE {{ GRAPH <{union}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{scratch}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ ?s ?p ?o }} }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER {same_class} }} }}",
            f"DROP SILENT GRAPH <{scratch}>",
        ]
    return " ;\n".join([*before, body, *after_add, *after_remove])


def present(graph_names: Iterable[str]) -> bool:
    """Does a store with these named graphs keep union graphs? (An empty store does.)"""
    names = set(graph_names)
    return bool(names & set(UNIONS)) or not any(not is_internal(g) for g in names)


def whole_store_named(graph_names: Iterable[str]) -> list[str]:
    """The named graphs of the whole-store dataset: every graph but the internal ones."""
    return sorted(g for g in graph_names if not is_internal(g))
