"""The store interface: what every other module talks to, and the RDF term types it passes.

Terms are pyoxigraph terms (``NamedNode``, ``Literal``, ``BlankNode``), which are small and
fast, whatever engine answers. :mod:`graphsvc.store.embedded` is the default engine,
:mod:`graphsvc.store.remote` the adapter for a SPARQL server.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Triple,
)

from graphsvc.errors import QuerySyntaxError

__all__ = [
    "BlankNode",
    "GraphStore",
    "Literal",
    "NamedNode",
    "Quad",
    "Row",
    "Term",
    "Triple",
    "TripleTuple",
    "bind_values",
    "ntriples_line",
]

Term = NamedNode | Literal | BlankNode
TripleTuple = tuple[NamedNode | BlankNode, NamedNode, Term]
Row = dict[str, Term]


class GraphStore(Protocol):
    """What graphsvc needs of a store; the embedded and the remote store both provide it."""

    def select(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> list[Row]: ...

    def ask(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> bool: ...

    def raw_query(
        self, query: str, *, default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
    ) -> QuerySolutions | QueryBoolean | QueryTriples: ...

    def update(self, update: str, *, written: Collection[str] | None = None) -> None: ...

    def replace_graphs(self, graphs: Mapping[str, Iterable[TripleTuple]]) -> None: ...

    def drop_graphs(self, graphs: Iterable[str]) -> None: ...

    def named_graphs(self) -> list[str]: ...

    def triples(self, graph: str) -> Iterator[TripleTuple]: ...

    def count(self, graph: str | None = None) -> int: ...

    def close(self) -> None: ...


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_values(query: str, bindings: Mapping[str, Term] | None) -> str:
    r"""Bind variables to RDF terms with an inline ``VALUES`` block opening the WHERE clause.

    The terms are serialised by pyoxigraph (IRIs are validated when made, literals are
    escaped), so a value can never change the query's structure; putting the block first
    makes the engine start from the bound values, which keeps anchored queries fast.

    >>> print(bind_values("SELECT ?x WHERE { ?x ?p ?_v }", {"_v": Literal('a" } ; DROP ALL #')}))
    SELECT ?x WHERE { VALUES (?_v) { ("a\" } ; DROP ALL #") }
     ?x ?p ?_v }
    """
    if not bindings:
        return query
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(str(v) for v in bindings.values())
    block = f"VALUES ({names}) {{ ({terms}) }}\n"
    m = _WHERE.search(_strip_comments(query))
    if m is None:
        raise QuerySyntaxError("a query with parameters needs a WHERE { … } clause")
    return query[: m.end()] + " " + block + query[m.end() :]


def _strip_comments(query: str) -> str:
    """The query with comment text blanked out (same length, so offsets stay valid)."""
    return re.sub(r"(?m)^\s*#.*$", lambda m: " " * len(m.group(0)), query)


def ntriples_line(s: Any, p: Any, o: Any) -> str:
    return f"{s} {p} {o} ."
