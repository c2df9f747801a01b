"""Roles and tenants: which named graphs a caller may read or write.

A caller is a :class:`Principal`: anonymous, or the holder of an API key sent as
``Authorization: Bearer KEY`` (the header every SPARQL 1.1 client can send). A key has a
role and, for readers and writers, a tenant (an organisation id):

========== ===================================================================================
role       may
========== ===================================================================================
reader     read the public graphs and, with a tenant, its own organisation's private graph
writer     the same, and write its own organisation's graphs (``gsg:org/<tenant>`` and
           ``gsg:org/<tenant>/published``); a writer always has a tenant
admin      read and write every graph, the store's default graph included
anonymous  read the public graphs, when ``settings.anonymous`` is on
========== ===================================================================================

The public graphs are every graph but the organisations' private ones (``gsg:org/<id>``
without ``/published``): catalogs, date layers, mapping sets, derived and inferred triples,
and what each organisation publishes to its customers.

>>> p = Principal(key_id="k1", role="writer", tenant="acme", name="ci")
>>> can_write(p, "https://w3id.org/graphsvc/graph/org/acme")
True
>>> can_read(p, "https://w3id.org/graphsvc/graph/org/other")
False
>>> can_read(ANONYMOUS, "https://w3id.org/graphsvc/graph/org/other/published")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphsvc.errors import Forbidden
from graphsvc.namespaces import PUBLIC_UNION, UNION_PREFIX, graph_iri, org_graph

ROLES = ("reader", "writer", "admin")
ORG_PREFIX = graph_iri("org/")

DEFAULT_GRAPH = "DEFAULT"
ALL_GRAPHS = "ALL"  # CLEAR/DROP ALL or NAMED: only an admin may
#: Private graphs of an organisation besides ``gsg:org/<id>``: its imported control catalog and
#: its own mapping set (proposals and reviews), see graphsvc.sources.controls and graphsvc.domain.review.
ORG_PRIVATE_PARTS = frozenset({"controls", "mappings"})  # the store's default graph, in read and write sets


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's id, role and tenant, or anonymous."""

    key_id: str | None
    role: str  # reader | writer | admin | anonymous
    tenant: str | None = None
    name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_anonymous(self) -> bool:
        return self.role == "anonymous"

    @property
    def may_write(self) -> bool:
        return self.role in {"writer", "admin"}

    @property
    def scope(self) -> str:
        """What the caller may read, as a cache key: ``admin``, ``tenant:<id>`` or ``public``."""
        if self.is_admin:
            return "admin"
        return f"tenant:{self.tenant}" if self.tenant else "public"


ANONYMOUS = Principal(key_id=None, role="anonymous", name="anonymous")


# -- graph policy -----------------------------------------------------------------------
def org_of_graph(graph: str) -> tuple[str, bool] | None:
    """``(org id, published)`` for an organisation graph, None for any other graph.

    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/published")
    ('acme', True)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/mappings")
    ('acme', False)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/org/acme/../beta")
    ('acme/../beta', False)
    >>> org_of_graph("https://w3id.org/graphsvc/graph/framework/iso42001-2023") is None
    True
    """
    if not graph.startswith(ORG_PREFIX):
        return None
    rest = graph[len(ORG_PREFIX) :]
    org, _, part = rest.partition("/")
    if part == "published":
        return org, True
    if part in ORG_PRIVATE_PARTS:  # gsg:org/<id>/controls, …/mappings: private parts of <id>
        return org, False
    return rest, False  # any other path names no tenant ("acme/../beta" is not acme's)


def is_public_graph(graph: str) -> bool:
    org = org_of_graph(graph)
    return org is None or org[1]


def can_read(principal: Principal, graph: str) -> bool:
    """May the caller read this named graph (or :data:`DEFAULT_GRAPH`)?

    Of the graphs the store keeps itself (:mod:`graphsvc.store.unions`) everyone may read the union
    of the public graphs, only an admin the rest (the union of the private graphs).
    """
    if principal.is_admin or graph == DEFAULT_GRAPH:
        return True
    if graph.startswith(UNION_PREFIX):
        return graph == PUBLIC_UNION
    org = org_of_graph(graph)
    if org is None or org[1]:
        return True
    return principal.tenant is not None and org[0] == principal.tenant


def can_write(principal: Principal, graph: str) -> bool:
    """May the caller write this named graph (or :data:`DEFAULT_GRAPH`)? Nobody writes the
    graphs the store keeps itself (:mod:`graphsvc.store.unions`), an admin neither."""
    if graph.startswith(UNION_PREFIX):
        return False
    if principal.is_admin:
        return True
    if principal.role != "writer" or not principal.tenant or graph == DEFAULT_GRAPH:
        return False
    org = org_of_graph(graph)
    return org is not None and org[0] == principal.tenant


def readable(principal: Principal, graphs: Iterable[str]) -> list[str]:
    return [g for g in graphs if can_read(principal, g)]


def tenant_default(readable_graphs: Iterable[str]) -> list[str]:
    """A non-admin caller's default graph in a store that keeps union graphs
    (:mod:`graphsvc.store.unions`): the union of the public graphs and the caller's own private
    graphs, given the graphs it may read. A few graphs, whatever the number of tenants."""
    own = sorted(g for g in readable_graphs if not is_public_graph(g) and not g.startswith(UNION_PREFIX))
    return [PUBLIC_UNION, *own]


def require_read(principal: Principal, graphs: Iterable[str], what: str = "read") -> None:
    """:raises Forbidden: some graph is another tenant's private graph."""
    bad = sorted(g for g in graphs if not can_read(principal, g))
    if bad:
        raise Forbidden(f"may not {what} {', '.join(bad)}: it is another organisation's private graph")


def refuse_internal_writes(graphs: Iterable[str]) -> None:
    """:raises Forbidden: one of the graphs is kept by the store itself (an admin may not write it either)."""
    internal = sorted(g for g in graphs if g.startswith(UNION_PREFIX))
    if internal:
        raise Forbidden(
            f"may not write {', '.join(internal)}: the store keeps it itself, as the union of other graphs; "
            "write those graphs"
        )


def require_write(principal: Principal, graphs: Iterable[str]) -> None:
    """:raises Forbidden: the caller may not write one of the graphs."""
    if not principal.may_write:
        raise Forbidden("this needs a writer or admin key")
    graphs = list(graphs)
    refuse_internal_writes(graphs)
    bad = sorted(g for g in graphs if not can_write(principal, g))
    if bad:
        mine = (
            f"{ORG_PREFIX}{principal.tenant} and {ORG_PREFIX}{principal.tenant}/published"
            if principal.tenant
            else "none"
        )
        names = ", ".join("the default graph" if g == DEFAULT_GRAPH else g for g in bad)
        raise Forbidden(f"may not write {names}; this key may write {mine}")


def require_org_writer(principal: Principal, org_id: str) -> None:
    """:raises Forbidden: the caller is neither that organisation's writer nor an admin."""
    require_write(principal, [org_graph(org_id), org_graph(org_id, "published")])


# -- a store that only shows what a caller may read ------------------------------------------
class ScopedStore:
    """A read view of a store restricted to the graphs a principal may read.

    Domain functions (coverage, crosswalk, applicability) run on a GraphService built over
    this view, so a REST answer for a tenant is computed from exactly the graphs its SPARQL
    queries could read: every query gets an explicit dataset, and a caller's explicit
    ``graphs=`` list is intersected with what it may read. Writes are refused; they go
    through the unscoped service.
    """

    def __init__(self, base: Any, principal: Principal) -> None:
        self.base = base
        self.principal = principal
        self._allowed: list[str] | None = None

    def allowed(self) -> list[str]:
        if self._allowed is None:
            self._allowed = readable(self.principal, self.base.named_graphs())
        return self._allowed

    def _graphs(self, graphs: Sequence[str] | None) -> list[str]:
        allowed = self.allowed()
        if graphs is None:
            return allowed
        ok = set(allowed)
        return [g for g in graphs if g in ok]

    def _default(self, graphs: Sequence[str] | None) -> dict[str, Any]:
        """The whole view's default graph through the union graphs, when the store keeps them."""
        if graphs is None and getattr(self.base, "has_unions", False):
            return {"default_graph": tenant_default(self.allowed())}
        return {}

    def select(self, query: str, *, bindings: Any = None, graphs: Sequence[str] | None = None) -> Any:
        return self.base.select(query, bindings=bindings, graphs=self._graphs(graphs), **self._default(graphs))

    def ask(self, query: str, *, bindings: Any = None, graphs: Sequence[str] | None = None) -> bool:
        return bool(self.base.ask(query, bindings=bindings, graphs=self._graphs(graphs), **self._default(graphs)))

    def raw_query(
        self, query: str, *, default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
    ) -> Any:
        default = self._default(default_graph).get("default_graph") or self._graphs(default_graph)
        return self.base.raw_query(query, default_graph=default, named_graphs=self._graphs(named_graphs))

    def named_graphs(self) -> list[str]:
        return list(self.allowed())

    def triples(self, graph: str) -> Iterator[Any]:
        if graph not in set(self.allowed()):
            return iter(())
        return self.base.triples(graph)

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return sum(self.base.count(g) for g in self.allowed())
        return self.base.count(graph) if graph in set(self.allowed()) else 0

    def update(self, update: str, *, written: Any = None) -> None:
        raise Forbidden("a scoped view is read-only")

    def replace_graphs(self, graphs: Any) -> None:
        raise Forbidden("a scoped view is read-only")

    def drop_graphs(self, graphs: Any) -> None:
        raise Forbidden("a scoped view is read-only")

    def close(self) -> None:  # the base store is closed by its owner
        pass
