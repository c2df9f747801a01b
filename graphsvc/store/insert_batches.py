"""Triples in the INSERT requests a remote engine takes: N-Triples text, in pieces of at most
``Dialect.insert_chunk`` triples (Virtuoso's SPARQL compiler refuses larger ones), every blank
node's triples in one piece (:mod:`graphsvc.store.remote` writes them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import BlankNode

from graphsvc.store.base import TripleTuple, ntriples_line


def ntriples_text(triples: Iterable[TripleTuple]) -> str:
    """The triples as N-Triples lines (the body of an INSERT DATA block or a Graph Store PUT)."""
    return "\n".join(ntriples_line(s, p, o) for s, p, o in triples)


def has_bnode(triples: Iterable[TripleTuple]) -> bool:
    """Does a triple have a blank node (which Virtuoso refuses in INSERT DATA)?"""
    return any(isinstance(s, BlankNode) or isinstance(o, BlankNode) for s, _p, o in triples)


def insert_batches(triples: list[TripleTuple], size: int) -> Iterator[list[TripleTuple]]:
    """Triples in pieces of about ``size``, every blank node's triples in one piece (a blank
    node label means one node only within one request); a piece is larger than ``size`` only
    when one blank-node structure is."""
    if size <= 0 or len(triples) <= size:
        if triples:
            yield triples
        return
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    plain: list[TripleTuple] = []
    linked: list[TripleTuple] = []
    for t in triples:
        s, _p, o = t
        ids = [n.value for n in (s, o) if isinstance(n, BlankNode)]
        if not ids:
            plain.append(t)
            continue
        linked.append(t)
        roots = [find(i) for i in ids]
        for r in roots[1:]:
            parent[r] = roots[0]
    groups: dict[str, list[TripleTuple]] = {}
    for t in linked:
        s, _p, o = t
        node = s if isinstance(s, BlankNode) else o
        groups.setdefault(find(node.value), []).append(t)  # type: ignore[union-attr]
    piece: list[TripleTuple] = []
    for group in groups.values():
        if piece and len(piece) + len(group) > size:
            yield piece
            piece = []
        piece.extend(group)
    for t in plain:
        if len(piece) >= size:
            yield piece
            piece = []
        piece.append(t)
    if piece:
        yield piece
