"""The SPARQL 1.1 Protocol and Update over the graph, safe by default: what a caller may run.

This module holds the rules; :mod:`graphsvc.http.sparql.routes` only routes HTTP requests to them.
It never imports a web framework, so the same functions can be tested without one. A query runs
through :mod:`graphsvc.http.sparql.evaluation` (deadline and result cap, threads) or
:mod:`graphsvc.http.sparql.workers` (killable worker processes, :func:`make_executor` chooses),
and its results are written by :mod:`graphsvc.http.sparql.serialization`.

**Dataset restriction.** Every query a non-admin runs gets an explicit dataset: the graphs the
caller may read (:func:`graphsvc.store.tenancy.can_read`) as the default graph (their union) and as
the named graphs. pyoxigraph's dataset arguments override the query's own ``FROM`` and
``FROM NAMED`` (tested in tests/test_api.py), and ``GRAPH <g>`` over a graph outside the
dataset matches nothing. A query's ``FROM``/``FROM NAMED`` (or the protocol's
``default-graph-uri``/``named-graph-uri``) naming a graph the caller may not read is refused
with 403 rather than silently emptied, and a non-HTTP IRI there (``file:``) with 403 too.

**One reading, no dereferencing.** The guard and the engine read the same text: every query and
update is lexed once (:mod:`graphsvc.http.sparql.text`) and rewritten in a canonical form (no comments,
no prefixed names, no ``BASE``, no escapes outside strings, one space between tokens); the guard
(:mod:`graphsvc.http.sparql.guard`) reads the canonical tokens and the engine executes the canonical
text. pyoxigraph would fetch ``SERVICE`` and ``LOAD`` IRIs over HTTP: both are keywords, one token
each in the canonical stream, and refused for every caller. pyoxigraph never dereferences ``FROM``
IRIs: it only looks them up as graph names. No rdflib parser runs on the request path.

**Updates** are analysed from the same tokens: which graphs each operation writes (``INSERT DATA``
and ``DELETE DATA`` quads, ``GRAPH`` in templates, ``WITH``, ``CLEAR``/``DROP``/``CREATE``
targets, ``ADD``/``MOVE``/``COPY``, the default graph) and which it reads (``USING``,
``USING NAMED``, ``WITH``, ``GRAPH`` in ``WHERE``, ``ADD``/``MOVE``/``COPY`` sources). A
writer may only write its own organisation's graphs and read what it may read; a ``GRAPH ?g``
over all named graphs is refused unless ``USING NAMED`` restricts it. Each update runs as one
pyoxigraph transaction: all of it happens, or none.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, parse

from graphsvc.errors import (
    BadRequest,
    Forbidden,
    QueryParameterError,
    QueryRefused,
    QuerySyntaxError,
    StoreError,
    UpdateFailed,
)
from graphsvc.http.sparql.evaluation import Job as Job  # routes.py imports the Job it builds from here
from graphsvc.http.sparql.evaluation import ThreadExecutor
from graphsvc.http.sparql.guard import ALL_GRAPHS, Query, QueryInfo, Update, UpdateInfo, inspect_query, inspect_update
from graphsvc.http.sparql.workers import ProcessExecutor, SnapshotManager
from graphsvc.namespaces import PREFIXES, expand, is_curie
from graphsvc.sources.ownership import check_graph_subjects, published_org
from graphsvc.store.tenancy import (
    DEFAULT_GRAPH,
    Principal,
    readable,
    refuse_internal_writes,
    require_read,
    require_write,
    tenant_default,
)


# -- analysis: one reading of every text (graphsvc.http.sparql.guard) ------------------------------------
def prepare_query(text: str) -> Query:
    """A query as graphsvc reads it: its form, its dataset clauses, and the canonical text to run.

    The project's prefixes (:data:`graphsvc.namespaces.PREFIXES`) are predeclared.

    :raises QuerySyntaxError: the text does not lex or is not a query.
    :raises QueryRefused: SERVICE.
    """
    return inspect_query(text, prefixes=PREFIXES)


def check_update(principal: Principal, info: UpdateInfo) -> None:
    """:raises Forbidden: the caller may not write or read a graph the update touches."""
    for iri in (info.reads | info.writes) - {ALL_GRAPHS, DEFAULT_GRAPH}:
        _check_fetchable(iri)
    refuse_internal_writes(info.writes)
    if principal.is_admin:
        return
    if ALL_GRAPHS in info.writes:
        raise Forbidden("CLEAR/DROP ALL or NAMED needs an admin key; name your graph")
    require_write(principal, info.writes)
    if info.any_named_read:
        raise QueryRefused(
            "GRAPH ?g in an update reads every named graph: name the graphs, or restrict them with USING NAMED"
        )
    require_read(principal, info.reads - {ALL_GRAPHS})


def graph_iri_arg(value: str) -> str:
    """A graph IRI from a parameter: a CURIE (``gsg:org/acme``) or an absolute IRI.

    :raises BadRequest: not an absolute IRI.
    """
    text = value.strip()
    if is_curie(text):
        text = expand(text)
    try:
        NamedNode(text)
    except ValueError:
        raise BadRequest(f"{value[:200]!r} is not an absolute IRI") from None
    if ":" not in text:
        raise BadRequest(f"{value[:200]!r} is not an absolute IRI")
    return text


def _check_fetchable(iri: str) -> None:
    scheme = iri.split(":", 1)[0].lower()
    if scheme not in {"http", "https", "urn"}:
        raise QueryRefused(
            f"<{iri[:200]}> is refused: graphsvc reads only its own named graphs (http, https or urn IRIs) "
            "and never opens files or fetches URLs"
        )


def query_dataset(
    principal: Principal,
    info: QueryInfo,
    protocol_default: Sequence[str],
    protocol_named: Sequence[str],
    graphs: Sequence[str],
    *,
    unions: bool = False,
) -> tuple[list[str] | None, list[str] | None]:
    """The (default graphs, named graphs) a query runs over; None means the whole store.

    The protocol's default-graph-uri/named-graph-uri override the query's FROM/FROM NAMED
    (SPARQL 1.1 Protocol 2.1.4). Without either, an admin reads the union of the store and
    everyone else the union of what they may read: with ``unions`` (the store keeps the graphs
    of :mod:`graphsvc.store.unions`) the union of the public graphs and the caller's own private
    graphs, a few graphs whatever the number of tenants; the named graphs are the same either way.

    :raises QueryRefused: a non-HTTP IRI in the dataset.
    :raises Forbidden: a graph the caller may not read.
    """
    if protocol_default or protocol_named:
        default, named = list(protocol_default), list(protocol_named)
    elif info.from_graphs or info.from_named:
        default, named = list(info.from_graphs), list(info.from_named)
    else:
        if principal.is_admin:
            return None, None
        allowed = readable(principal, graphs)
        return (tenant_default(allowed) if unions else allowed), allowed
    for iri in [*default, *named]:
        _check_fetchable(iri)
    require_read(principal, [*default, *named], what="query")
    return default, named


# -- where queries run (graphsvc.http.sparql.evaluation and graphsvc.http.sparql.workers) -------------
def make_executor(
    store: Any, data_dir: Path | None, workers: int = 2, memory_mib: int = 0
) -> ThreadExecutor | ProcessExecutor:
    """Worker processes for a writable on-disk store, threads otherwise."""
    path = getattr(store, "path", None)
    if path is not None and data_dir is not None and hasattr(store, "_store"):
        snapshots = SnapshotManager(store, data_dir / "query-snapshots")
        try:
            snapshots.start()
        except StoreError:
            snapshots.close()
        else:
            return ProcessExecutor(snapshots, workers, memory_mib=memory_mib)
    return ThreadExecutor(store, workers=max(2, workers))


# -- updates (the Graph Store Protocol: graphsvc.http.sparql.graph_store) ------------------------------------------------------
#: The operations that may write an organisation's published graph: their triples are known
#: before the update runs (INSERT DATA) or they only remove.
_CHECKABLE = frozenset({"InsertData", "DeleteData", "DeleteWhere", "Clear", "Drop", "Create"})


def check_published_writes(info: UpdateInfo) -> None:
    """A published graph speaks only of its tenant's own resources (:mod:`graphsvc.sources.ownership`),
    whoever writes it: it is written by INSERT DATA, whose triples are checked here, or emptied.

    :raises QueryRefused: INSERT … WHERE, ADD, COPY or MOVE into a published graph.
    :raises Forbidden: an inserted triple about another organisation's resource.
    """
    for op, writes in info.op_writes:
        published = sorted(g for g in writes if published_org(g) is not None)
        if published and op not in _CHECKABLE:
            raise QueryRefused(
                f"{op} into {published[0]} is refused: a published graph is written with INSERT DATA, "
                "the Graph Store Protocol or an organisation import, whose statements graphsvc checks first"
            )
    for graph, text in info.inserted:
        if published_org(graph) is None:
            continue
        try:
            quads = parse(f"GRAPH <{graph}> {{ {text} }}".encode(), format=RdfFormat.TRIG)
            triples = [(q.subject, q.predicate, q.object) for q in quads]
        except (SyntaxError, ValueError) as exc:
            raise QuerySyntaxError(f"the SPARQL update does not parse: {str(exc)[:300]}") from None
        check_graph_subjects(graph, triples)


def authorise_update(
    principal: Principal, text: str, *, using: Sequence[str] = (), using_named: Sequence[str] = ()
) -> Update:
    """Analyse a SPARQL update and check the caller may do all of it (before taking the write lock).

    ``using``/``using_named`` are the protocol's ``using-graph-uri``/``using-named-graph-uri``.
    Apply :attr:`Update.text`, the canonical text that was analysed, never the text as sent.

    :raises Forbidden: not a writer, or a graph outside the caller's.
    :raises QueryRefused: LOAD, SERVICE, unnamed graphs, a graph IRI that is not http, https or urn.
    :raises QuerySyntaxError: it does not parse.
    """
    if not principal.may_write:
        raise Forbidden("SPARQL updates need a writer or admin key (Authorization: Bearer KEY)")
    upd = inspect_update(text, prefixes=PREFIXES, using=using, using_named=using_named)
    check_update(principal, upd.info)
    check_published_writes(upd.info)
    return upd


def run_update(store: Any, principal: Principal, text: str) -> UpdateInfo:
    """Check and apply a SPARQL update in one transaction."""
    upd = authorise_update(principal, text)
    apply_update(store, upd.text, upd.info.writes)
    return upd.info


def apply_update(store: Any, text: str, written: Collection[str] | None) -> None:
    """One update, one transaction; ``written``: the graphs it may change (None: unknown).

    :raises UpdateFailed: pyoxigraph refused it while applying it (it was rolled back).
    """
    try:
        store.update(text, written=written)
    except RuntimeError as exc:
        raise UpdateFailed(f"the update failed and changed nothing: {exc}") from None


def check_query_text(text: str) -> None:
    """:raises QueryParameterError: an empty query."""
    if not text.strip():
        raise QueryParameterError("the query is empty")
