"""The default store: embedded Oxigraph on disk.

Every other module talks to a :class:`~graphsvc.store.base.GraphStore`; only this module
(and the remote store) touch a SPARQL engine.

>>> from pyoxigraph import Literal, NamedNode
>>> s = EmbeddedStore.in_memory()
>>> s.replace_graphs({"http://example.org/g": [(NamedNode("http://e/s"), NamedNode("http://e/p"), Literal("o"))]})
>>> s.select("SELECT ?o WHERE { ?s ?p ?o }")[0]["o"].value
'o'
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
)

from graphsvc.errors import QuerySyntaxError, StoreError
from graphsvc.store import unions
from graphsvc.store.base import Row, Term, TripleTuple, bind_values, ntriples_line


def _graph_node(graph: str) -> NamedNode | DefaultGraph:
    return DefaultGraph() if graph == unions.DEFAULT_GRAPH else NamedNode(graph)


class EmbeddedStore:
    """pyoxigraph's on-disk store (RocksDB), or an in-memory one for tests.

    The on-disk store lives at ``<data_dir>/store``, a symlink to a generation directory,
    so that :func:`write_fresh_store` can swap a fully built store in with one atomic
    rename and a failed build leaves the previous store exactly as it was.
    """

    def __init__(self, store: Store, path: Path | None = None, *, writable: bool = True) -> None:
        self._store = store
        self.path = path
        #: does this store keep the union graphs of :mod:`graphsvc.store.unions`? (a store built by an
        #: older graphsvc does not, until it is first opened for writing)
        self.has_unions = unions.present(self._all_graph_names())
        if writable and not self.has_unions:
            self._apply(" ;\n".join(unions.recompute()))
            self.has_unions = True

    @classmethod
    def in_memory(cls) -> EmbeddedStore:
        return cls(Store())

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> EmbeddedStore:
        if not path.exists():
            raise StoreError(f"no store at {path}: run `graphsvc build` first")
        if read_only and is_locked(path):
            raise StoreError(
                f"the store at {path} is open for writing by another process (a running `graphsvc serve`?): "
                "ask that server (its REST API or /sparql), or stop it first"
            )
        try:
            store = Store.read_only(str(path)) if read_only else Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        return cls(store, path, writable=not read_only)

    # -- reading -------------------------------------------------------------------
    def _all_graph_names(self) -> list[str]:
        return [g.value for g in self._store.named_graphs() if isinstance(g, NamedNode)]

    def _dataset(self, default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None) -> dict[str, Any]:
        """pyoxigraph's dataset arguments. None is the whole store: its default graph and every
        named graph, through the union graphs when the store keeps them; ``DEFAULT`` in a list
        is the store's default graph."""
        if default_graph is None and not self.has_unions:
            out: dict[str, Any] = {"use_default_graph_as_union": True}
        else:
            names = [unions.DEFAULT_GRAPH, *unions.UNIONS] if default_graph is None else list(default_graph)
            out = {"default_graph": [_graph_node(g) for g in names] or [DefaultGraph()]}
        if named_graphs is None and self.has_unions:
            named_graphs = self.named_graphs()
        if named_graphs is not None:
            out["named_graphs"] = [NamedNode(g) for g in named_graphs]
        return out

    def _run(
        self,
        query: str,
        bindings: Mapping[str, Term] | None,
        graphs: Sequence[str] | None,
        default_graph: Sequence[str] | None = None,
    ) -> Any:
        dataset = self._dataset(graphs if default_graph is None else default_graph, graphs)
        try:
            return self._store.query(bind_values(query, bindings), **dataset)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from exc

    def select(
        self,
        query: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        graphs: Sequence[str] | None = None,
        default_graph: Sequence[str] | None = None,
    ) -> list[Row]:
        """Rows of a SELECT over ``graphs`` (None: the whole store); ``default_graph`` sets the
        default graph apart from the named graphs (a tenant's view through the union graphs)."""
        result = self._run(query, bindings, graphs, default_graph)
        names = [v.value for v in result.variables]
        rows: list[Row] = []
        for sol in result:
            row: Row = {}
            for i, name in enumerate(names):
                value = sol[i]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(
        self,
        query: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        graphs: Sequence[str] | None = None,
        default_graph: Sequence[str] | None = None,
    ) -> bool:
        return bool(self._run(query, bindings, graphs, default_graph))

    def raw_query(
        self, query: str, *, default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        try:
            return self._store.query(query, **self._dataset(default_graph, named_graphs))
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from exc

    def named_graphs(self) -> list[str]:
        """The named graphs, without those the store keeps itself (:mod:`graphsvc.store.unions`)."""
        return unions.whole_store_named(self._all_graph_names())

    def triples(self, graph: str) -> Iterator[TripleTuple]:
        for q in self._store.quads_for_pattern(None, None, None, NamedNode(graph)):
            yield (q.subject, q.predicate, q.object)  # type: ignore[misc]

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            inner = sum(self.count(u) for u in unions.UNIONS) if self.has_unions else 0
            return len(self._store) - inner
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, NamedNode(graph)))

    # -- writing -------------------------------------------------------------------
    def update(self, update: str, *, written: Collection[str] | None = None) -> None:
        """Apply a SPARQL Update in one transaction, then flush it to disk (on-disk stores), so
        that a read-only handle opened next, in this process or another, sees it.

        ``written`` names the graphs it may change (``DEFAULT``, ``ALL`` as in
        :class:`graphsvc.http.sparql.guard.UpdateInfo`): the union graphs are brought up to date in
        the same transaction, for those graphs only (None: unknown, both are recomputed).
        """
        self._apply(unions.maintained(update, written) if self.has_unions else update)

    def _apply(self, update: str) -> None:
        try:
            self._store.update(update)
            if self.path is not None:
                self._store.flush()
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store write failed: {exc}") from exc

    def replace_graphs(self, graphs: Mapping[str, Iterable[TripleTuple]]) -> None:
        """Replace whole named graphs in one transaction: all of them change, or none."""
        parts = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
        inserts = []
        for g, triples in graphs.items():
            body = "\n".join(ntriples_line(s, p, o) for s, p, o in triples)
            if body:
                inserts.append(f"GRAPH <{g}> {{\n{body}\n}}")
        if inserts:
            parts.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
        self.update(" ;\n".join(parts), written=list(graphs))

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        names = list(graphs)
        if names:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in names), written=names)

    def bulk_load(self, quads: Iterable[Quad]) -> None:
        self._store.bulk_extend(unions.with_unions(quads) if self.has_unions else quads)

    def optimize(self) -> None:
        self._store.optimize()

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError, RuntimeError):  # a read-only store has nothing to flush
                self._store.flush()
        del self._store


def is_locked(path: Path) -> bool:
    """Whether another process holds the store's RocksDB lock (a writer has it open)."""
    import fcntl

    lock = path / "LOCK"
    if not lock.exists():
        return False
    with lock.open("rb") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(fh, fcntl.LOCK_UN)
    return False


def write_fresh_store(store_link: Path, quads: Sequence[Quad]) -> Path:
    """Bulk-load ``quads`` into a new store generation and swap it in atomically.

    ``store_link`` is a symlink (``<data_dir>/store``) to the live generation directory.
    The new generation is complete and flushed before the rename; if anything fails the
    link still points to the previous store, and the half-built directory is removed.
    Returns the path of the new generation.
    """
    parent = store_link.parent
    parent.mkdir(parents=True, exist_ok=True)
    gen = parent / f"store-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    try:
        store = Store(str(gen))
        store.bulk_extend(unions.with_unions(quads))
        store.optimize()
        store.flush()
        del store
        tmp_link = parent / f".store-link-{os.getpid()}"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(gen.name)
        old = store_link.resolve() if store_link.is_symlink() else None
        if old is not None and is_locked(old):
            raise StoreError(
                f"the store at {store_link} is open in another process (a running `graphsvc serve`?); "
                "stop it before rebuilding, or load organisations through its API"
            )
        if store_link.exists() and not store_link.is_symlink():
            raise StoreError(f"{store_link} is a directory, not a graphsvc store link; move it away")
        os.replace(tmp_link, store_link)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    if old is not None and old != gen and old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return gen
