"""The SPARQL 1.1 Protocol, Update and Graph Store Protocol over the graph, safe by default.

This module holds the logic; :mod:`graphsvc.http.app` only routes HTTP requests to it. It never
imports a web framework, so the same functions can be tested without one.

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

**Timeout and result cap.** pyoxigraph cannot be interrupted from Python, and it evaluates
aggregates, ``ORDER BY`` and ``DISTINCT`` before it yields the first row (measured: a
``COUNT(*)`` over a three-way cartesian product of a 16k-triple store blocks inside
``Store.query`` for minutes, with the GIL released). Streaming results are read in chunks
against a deadline, so such a query stops by itself; for the rest, the on-disk store runs
queries in a pool of worker processes (:class:`ProcessExecutor`), each reading a RocksDB
checkpoint of the store taken after every write (:class:`SnapshotManager`), and a worker still
busy at the deadline is killed (SIGKILL) and replaced: that is what actually frees the CPU.
An in-memory store (tests) uses :class:`ThreadExecutor`, which stops streaming queries at
the deadline but can only abandon a blocking one. At most ``result_cap`` rows (or triples) are
returned; the response then carries ``X-Graphsvc-Truncated: true``.

SELECT results are written by this module (JSON, XML, CSV, TSV, per the W3C specs) because
pyoxigraph's ``QuerySolutions.serialize`` can only write a whole, unread iterator, which
rules out both the deadline checks and the cap; ASK results and graphs (Turtle, N-Triples,
JSON-LD, RDF/XML) are written by pyoxigraph's serializers. tests/test_api.py reads every
format back with pyoxigraph's and rdflib's parsers.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from graphsvc.errors import (
    BadRequest,
    Forbidden,
    GraphSvcError,
    NotAcceptable,
    QueryParameterError,
    QueryRefused,
    QueryResourceLimit,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    UpdateFailed,
)
from graphsvc.http.sparql.guard import ALL_GRAPHS, Query, QueryInfo, Update, UpdateInfo, inspect_query, inspect_update
from graphsvc.http.sparql.negotiation import CSV, JSONLD, NTRIPLES, RDFXML, RESULTS_JSON, RESULTS_XML, TSV, TURTLE
from graphsvc.http.sparql.negotiation import choose_media as choose_media
from graphsvc.http.sparql.negotiation import negotiate as negotiate
from graphsvc.http.sparql.protocol import SparqlRequest as SparqlRequest
from graphsvc.http.sparql.protocol import parse_request as parse_request
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

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# -- media types (graphsvc.http.sparql.negotiation) ------------------------------------------------------
_RDF_FORMATS = {
    TURTLE: RdfFormat.TURTLE,
    NTRIPLES: RdfFormat.N_TRIPLES,
    JSONLD: RdfFormat.JSON_LD,
    RDFXML: RdfFormat.RDF_XML,
}


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


# -- evaluation and serialisation ------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One query to evaluate, picklable for a worker process."""

    query: str
    media_type: str
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    cap: int = 10000
    timeout: float = 30.0
    byte_cap: int = 32_000_000


@dataclass(frozen=True)
class Result:
    body: bytes
    media_type: str
    truncated: bool = False
    count: int = 0
    seconds: float = 0.0


_CHUNK = 256


def _json_term(t: Any) -> dict[str, Any]:
    if isinstance(t, NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, Literal):
        out: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value not in {XSD_STRING, RDF_LANGSTRING}:
            out["datatype"] = t.datatype.value
        return out
    if isinstance(t, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(t.subject),
                "predicate": _json_term(t.predicate),
                "object": _json_term(t.object),
            },
        }
    return {"type": "literal", "value": str(t)}


_XML_BAD = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return xml_escape(_XML_BAD.sub("\ufffd", text))


def _xml_term(t: Any) -> str:
    if isinstance(t, NamedNode):
        return f"<uri>{_x(t.value)}</uri>"
    if isinstance(t, BlankNode):
        return f"<bnode>{_x(t.value)}</bnode>"
    if isinstance(t, Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{_x(t.value)}</literal>"
        if t.datatype.value not in {XSD_STRING, RDF_LANGSTRING}:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{_x(t.value)}</literal>"
        return f"<literal>{_x(t.value)}</literal>"
    if isinstance(t, Triple):
        return (
            f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
            f"<object>{_xml_term(t.object)}</object></triple>"
        )
    return f"<literal>{_x(str(t))}</literal>"


def _csv_cell(t: Any) -> str:
    if t is None:
        return ""
    if isinstance(t, BlankNode):
        return "_:" + t.value
    if isinstance(t, NamedNode | Literal):
        return t.value
    return str(t)


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(variables: Sequence[str], rows: Iterable[Sequence[Any]], media_type: str) -> bytes:
    """SELECT results in one of :data:`SOLUTION_TYPES` (W3C SPARQL 1.1 results formats).

    >>> from pyoxigraph import NamedNode, Literal
    >>> serialize_solutions(["s", "o"], [(NamedNode("http://e/s"), Literal("x", language="en"))], RESULTS_JSON)
    b'{"head":{"vars":["s","o"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/s"},"o":{"type":"literal","value":"x","xml:lang":"en"}}]}}'
    """
    buf = io.StringIO()
    if media_type == RESULTS_JSON:
        buf.write('{"head":{"vars":' + json.dumps(list(variables), separators=(",", ":")) + '},"results":{"bindings":[')
        for i, row in enumerate(rows):
            binding = {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            buf.write(("," if i else "") + json.dumps(binding, ensure_ascii=False, separators=(",", ":")))
        buf.write("]}}")
    elif media_type == RESULTS_XML:
        buf.write('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
        buf.write("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>")
        for row in rows:
            buf.write("<result>")
            for v, t in zip(variables, row, strict=True):
                if t is not None:
                    buf.write(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            buf.write("</result>")
        buf.write("</results></sparql>\n")
    elif media_type == CSV:
        buf.write(",".join(_csv_quote(v) for v in variables) + "\r\n")
        for row in rows:
            buf.write(",".join(_csv_quote(_csv_cell(t)) for t in row) + "\r\n")
    elif media_type == TSV:
        buf.write("\t".join("?" + v for v in variables) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    else:
        raise NotAcceptable(f"{media_type} cannot carry SELECT results")
    return buf.getvalue().encode("utf-8")


_RESULTS_FORMATS = {
    RESULTS_JSON: QueryResultsFormat.JSON,
    RESULTS_XML: QueryResultsFormat.XML,
    CSV: QueryResultsFormat.CSV,
    TSV: QueryResultsFormat.TSV,
}


def serialize_triples(triples: Iterable[Any], media_type: str, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples as Turtle, N-Triples, JSON-LD or RDF/XML, written by pyoxigraph."""
    fmt = _RDF_FORMATS.get(media_type)
    if fmt is None:
        raise NotAcceptable(f"{media_type} cannot carry an RDF graph")
    if fmt in {RdfFormat.TURTLE, RdfFormat.RDF_XML} and prefixes:
        return serialize(triples, format=fmt, prefixes=prefixes)
    return serialize(triples, format=fmt)


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout("the query ran past the timeout and was stopped")


def evaluate(store: Any, job: Job, deadline: float | None = None) -> Result:
    """Run a query with its dataset and serialise at most ``job.cap`` rows or triples.

    Rows are read in chunks of 256 against ``deadline``; pyoxigraph releases the GIL while it
    evaluates, so a deadline check runs between chunks.

    :raises QueryTimeout: the deadline passed while reading results.
    """
    error: GraphSvcError | None = None
    try:
        return _evaluate(store, job, deadline)
    except GraphSvcError as exc:
        # a fresh exception, raised outside this handler, keeps no traceback into _evaluate's frame:
        # pyoxigraph's result iterators must be dropped on the thread that made them
        error = type(exc)(exc.message, errors=exc.errors)
    raise error


def _term_bytes(terms: Sequence[Any]) -> int:
    """About how many bytes ``terms`` take in a serialised answer (their N-Triples length and the
    format's markup); the serialised body is measured after, so this only needs to be close."""
    return sum(len(str(t)) + 40 for t in terms if t is not None) + 8


def _evaluate(store: Any, job: Job, deadline: float | None) -> Result:
    start = time.monotonic()
    try:
        res = store.raw_query(
            job.query,
            default_graph=list(job.default_graph) if job.default_graph is not None else None,
            named_graphs=list(job.named_graphs) if job.named_graphs is not None else None,
        )
    except RuntimeError as exc:  # pyoxigraph's evaluation errors
        raise BadRequest(f"the query failed: {exc}") from None
    _check(deadline)
    truncated = False
    count = 0
    if isinstance(res, QueryBoolean):
        body = res.serialize(format=_RESULTS_FORMATS[job.media_type])
        count = 1
    elif isinstance(res, QuerySolutions):
        variables = [v.value for v in res.variables]
        n = len(variables)
        rows: list[tuple[Any, ...]] = []
        size = 0
        it = iter(res)
        while True:
            chunk = list(itertools.islice(it, _CHUNK))
            _check(deadline)
            for sol in chunk:
                row = tuple(sol[i] for i in range(n))
                size += _term_bytes(row)
                if len(rows) >= job.cap or size > job.byte_cap:
                    truncated = True
                    break
                rows.append(row)
            if truncated or len(chunk) < _CHUNK:
                break
        body = serialize_solutions(variables, rows, job.media_type)
        while len(body) > job.byte_cap and rows:  # the estimate was short: cut to the measured size
            rows = rows[: int(len(rows) * job.byte_cap / len(body) * 0.9)]
            body = serialize_solutions(variables, rows, job.media_type)
            truncated = True
        count = len(rows)
    elif isinstance(res, QueryTriples):
        triples: list[Any] = []
        size = 0
        it = iter(res)
        while True:
            chunk = list(itertools.islice(it, _CHUNK))
            _check(deadline)
            for t in chunk:
                size += _term_bytes((t.subject, t.predicate, t.object))
                if len(triples) >= job.cap or size > job.byte_cap:
                    truncated = True
                    break
                triples.append(t)
            if truncated or len(chunk) < _CHUNK:
                break
        body = serialize_triples(triples, job.media_type, prefixes=dict(PREFIXES))
        while len(body) > job.byte_cap and triples:
            triples = triples[: int(len(triples) * job.byte_cap / len(body) * 0.9)]
            body = serialize_triples(triples, job.media_type, prefixes=dict(PREFIXES))
            truncated = True
        count = len(triples)
    else:  # pragma: no cover
        raise StoreError(f"unexpected query result {type(res).__name__}")
    return Result(body, job.media_type, truncated, count, time.monotonic() - start)


# -- executors --------------------------------------------------------------------------------
class ThreadExecutor:
    """Runs queries in threads of this process (in-memory or remote stores).

    A streaming query stops at the deadline; a blocking one (aggregate, ORDER BY) is
    abandoned with a 503 but keeps its thread until pyoxigraph returns.
    """

    def __init__(self, store: Any, workers: int = 4, grace: float = 0.5) -> None:
        self.store = store
        self.grace = grace
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphsvc-query")

    def start(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def run(self, job: Job) -> Result:
        deadline = time.monotonic() + job.timeout
        future = self._pool.submit(evaluate, self.store, job, deadline)
        try:
            return future.result(timeout=job.timeout + self.grace)
        except FutureTimeout:
            future.cancel()
            raise QueryTimeout(
                f"the query ran longer than {job.timeout:g} s and was stopped (settings.query_timeout)"
            ) from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class SnapshotManager:
    """RocksDB checkpoints of the live store, one per write, for the query workers.

    A checkpoint hard-links the store's files, so it costs milliseconds and little disk. Each
    query reads the checkpoint current when it started (before or after a write, never
    between); a checkpoint is deleted once it is neither current nor in use.
    """

    def __init__(self, store: Any, root: Path) -> None:
        self.store = store
        self.root = root
        self._lock = threading.Lock()
        self._seq = 0
        self._current: Path | None = None
        self._users: dict[Path, int] = {}

    def start(self) -> None:
        if self._current is None:
            if self.root.exists():
                shutil.rmtree(self.root, ignore_errors=True)
            self.refresh()

    def refresh(self) -> None:
        """Take a checkpoint after a write (call with the write lock held)."""
        with self._lock:
            self._seq += 1
            path = self.root / f"{self._seq:08d}-{os.getpid()}"
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                # EmbeddedStore has no backup method yet; the checkpoint is pyoxigraph's Store.backup.
                self.store._store.backup(str(path))
            except OSError as exc:
                raise StoreError(f"cannot checkpoint the store for the query workers: {exc}") from exc
            old, self._current = self._current, path
            self._users.setdefault(path, 0)
            if old is not None and self._users.get(old, 0) == 0:
                self._drop(old)

    def acquire(self) -> Path:
        with self._lock:
            if self._current is None:
                raise StoreError("the query snapshot is not ready")
            self._users[self._current] = self._users.get(self._current, 0) + 1
            return self._current

    def release(self, path: Path) -> None:
        with self._lock:
            self._users[path] = self._users.get(path, 1) - 1
            if self._users[path] <= 0 and path != self._current:
                self._drop(path)

    def _drop(self, path: Path) -> None:
        self._users.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            shutil.rmtree(self.root, ignore_errors=True)
            self._current = None
            self._users.clear()


_ERRORS: dict[str, type[GraphSvcError]] = {
    cls.code: cls
    for cls in (
        QuerySyntaxError,
        QueryTimeout,
        StoreError,
        QueryRefused,
        NotAcceptable,
        BadRequest,
        Forbidden,
        UpdateFailed,
    )
}


def _worker_main(fd: int, parent_pid: int, memory_mib: int = 0) -> None:  # pragma: no cover - a child process
    """A query worker: open the checkpoint named by each job and evaluate it.

    ``memory_mib`` caps the worker's heap (RLIMIT_DATA): a query that builds huge values makes
    the worker fail an allocation and die, and the parent answers with an error and starts another.
    """
    import resource
    from multiprocessing.connection import Connection

    from graphsvc.http.netns import isolate

    if memory_mib > 0:
        limit = memory_mib * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    offline = isolate()  # no network interface from here on: nothing a query says can connect anywhere

    from graphsvc.store.embedded import EmbeddedStore

    conn = Connection(fd)

    def watchdog() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    conn.send(("hello", offline))
    store = None
    opened: str | None = None
    while True:
        try:
            snapshot, job = conn.recv()
        except (EOFError, OSError):
            return
        deadline = time.monotonic() + job.timeout
        try:
            if snapshot != opened:
                store = None
                store = EmbeddedStore.open(Path(snapshot), read_only=True)
                opened = snapshot
            conn.send(("ok", evaluate(store, job, deadline)))
        except GraphSvcError as exc:
            conn.send(("error", (exc.code, exc.message)))
        except Exception as exc:
            conn.send(("error", ("store_error", f"the query failed: {type(exc).__name__}: {exc}")))


class _Worker:
    """A worker process (``python -c``, not multiprocessing's spawn, so that it never re-imports
    the server's main module) talking over a socket pair."""

    def __init__(self, memory_mib: int = 0) -> None:
        parent, child = socket.socketpair()
        fd = child.fileno()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        code = f"from graphsvc.http.sparql.endpoint import _worker_main; _worker_main({fd}, {os.getpid()}, {int(memory_mib)})"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=[fd], stdin=subprocess.DEVNULL, env=env, close_fds=True
        )
        child.close()
        self.conn = Connection(parent.detach())
        self._hello: tuple[str, str | None] | None = None

    def ready(self, timeout: float = 30.0) -> None:
        """Wait for the worker's first message, which says whether it is off the network."""
        if self._hello is None and self.conn.poll(timeout):
            self._hello = self.conn.recv()

    @property
    def isolated(self) -> bool:
        """Has the worker no network at all (see :mod:`graphsvc.http.netns`)?"""
        self.ready()
        return self._hello is not None and self._hello[0] == "hello" and self._hello[1] is None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class ProcessExecutor:
    """A pool of worker processes over checkpoints of the on-disk store; killable at the deadline."""

    def __init__(self, snapshots: SnapshotManager, workers: int = 2, grace: float = 1.0, memory_mib: int = 0) -> None:
        self.snapshots = snapshots
        self.workers = max(1, workers)
        self.memory_mib = memory_mib
        self.grace = grace
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.killed = 0

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self.snapshots.start()
            for _ in range(self.workers):
                self._idle.put(_Worker(self.memory_mib))

    def refresh(self) -> None:
        if self._started:
            self.snapshots.refresh()

    def _replace(self) -> None:
        def spawn() -> None:
            if not self._closed:
                self._idle.put(_Worker(self.memory_mib))

        threading.Thread(target=spawn, daemon=True, name="graphsvc-respawn").start()

    def run(self, job: Job) -> Result:
        self.start()
        deadline = time.monotonic() + job.timeout
        try:
            worker = self._idle.get(timeout=job.timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"every query worker stayed busy for {job.timeout:g} s (settings.query_timeout); try again"
            ) from None
        snapshot = self.snapshots.acquire()
        healthy = False
        try:
            worker.ready(job.timeout)
            remaining = max(0.05, deadline - time.monotonic())
            worker.conn.send((str(snapshot), replace(job, timeout=remaining)))
            if not worker.conn.poll(remaining + self.grace):
                self.killed += 1
                raise QueryTimeout(
                    f"the query ran longer than {job.timeout:g} s and was stopped (settings.query_timeout)"
                )
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise QueryResourceLimit(
                "the query worker stopped while evaluating this query: it went past its memory limit "
                f"({self.memory_mib} MiB, settings.worker_memory) or crashed; simplify the query"
            ) from None
        finally:
            self.snapshots.release(snapshot)
            if healthy:
                self._idle.put(worker)
            else:
                worker.kill()
                self._replace()
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        code, message = payload
        raise _ERRORS.get(code, StoreError)(message)

    def network_isolated(self) -> bool:
        """Does a query worker run with no network at all? (asks one idle worker)"""
        self.start()
        try:
            worker = self._idle.get(timeout=5)
        except queue.Empty:
            return False
        try:
            return worker.isolated
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        self.snapshots.close()


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
