"""The SPARQL 1.1 Graph Store HTTP Protocol, indirect identification (``?graph=IRI``, ``?default``).

Served at ``/rdf-graphs`` (and ``/graph-store``); :mod:`graphsvc.http.app` routes each method to one
:class:`GraphStore` method and turns the :class:`GspResponse` into an HTTP response. What each
method does, as the Recommendation (2013-03-21) defines it:

======== ===========================================================================================
GET      the graph, in the RDF format negotiated (Turtle, N-Triples, JSON-LD, RDF/XML); 404 if it
         does not exist, or is another tenant's private graph (which reads the same)
HEAD     as GET without a body (the ASGI wrapper :class:`graphsvc.http.head.HeadAsGet` serves HEAD on
         every GET route)
PUT      replaces the graph in one transaction: 201 if it was created, 204 if it existed
DELETE   drops it (or empties the default graph): 204, or 404 if it does not exist
POST     merges the body into the graph (201 if that created it, 204 otherwise); POST to the
         graph store itself (no ``?graph=``, no ``?default``) creates a new graph named
         ``gsg:store/<uuid>`` and answers 201 with its ``?graph=`` URL in Location (an admin key:
         a writer may write only its organisation's two graphs)
======== ===========================================================================================

A body is Turtle, N-Triples, RDF/XML or JSON-LD (:data:`INPUT_TYPES`, the ``sd:inputFormat`` of
the service description); another media type is 415, a body that does not parse 400. POST also
takes ``multipart/form-data`` (section 5.5): every part is an RDF document, typed by its own
Content-Type (or, for a file upload sent as ``application/octet-stream``, by its file name's
extension), and their RDF merge is added in one transaction. Blank nodes are fresh per
document, so two parts (or a POST and the graph it adds to) never share one by label.
"""

from __future__ import annotations

import email.parser
import email.policy
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, DefaultGraph, RdfFormat, Triple, parse

from graphsvc.errors import BadRequest, DataLoadError, Forbidden, UnknownTerm, UnsupportedMediaType
from graphsvc.http.audit import record_write
from graphsvc.http.sparql.endpoint import apply_update, graph_iri_arg
from graphsvc.http.sparql.negotiation import JSONLD, NTRIPLES, RDFXML, TURTLE, choose_media
from graphsvc.http.sparql.protocol import split_content_type
from graphsvc.http.sparql.serialization import serialize_triples
from graphsvc.namespaces import GSG
from graphsvc.sources.ownership import check_graph_subjects
from graphsvc.store.base import ntriples_line
from graphsvc.store.tenancy import DEFAULT_GRAPH, Principal, can_read, require_write

MULTIPART = "multipart/form-data"
#: Media types a Graph Store body may have, with their other names.
INPUT_TYPES = {
    TURTLE: RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    NTRIPLES: RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    RDFXML: RdfFormat.RDF_XML,
    JSONLD: RdfFormat.JSON_LD,
}
_EXTENSIONS = {".ttl": TURTLE, ".nt": NTRIPLES, ".rdf": RDFXML, ".owl": RDFXML, ".jsonld": JSONLD}
#: Where graphs created by POST to the graph store are named.
CREATED_PREFIX = GSG + "store/"


@dataclass
class GspResponse:
    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def gsp_target(graph: str | None, default: bool) -> str | None:
    """The graph a request is about: an IRI, :data:`DEFAULT_GRAPH`, or None for the graph store itself.

    >>> gsp_target("gsg:org/acme", False)
    'https://w3id.org/graphsvc/graph/org/acme'
    >>> gsp_target(None, True), gsp_target(None, False)
    ('DEFAULT', None)

    :raises BadRequest: both ?graph= and ?default, or a graph that is not an absolute IRI.
    """
    if default and graph:
        raise BadRequest("give ?graph=IRI or ?default, not both")
    if default:
        return DEFAULT_GRAPH
    if graph is None or not graph.strip():
        return None
    return graph_iri_arg(graph)


def _named(target: str | None) -> str:
    if target is None:
        raise BadRequest("give ?graph=IRI (a CURIE such as gsg:org/acme works too) or ?default")
    return target


def graph_exists(store: Any, target: str) -> bool:
    return target == DEFAULT_GRAPH or target in set(store.named_graphs())


def _default_is_empty(store: Any) -> bool:
    return not bool(store.raw_query("ASK { ?s ?p ?o }", default_graph=[], named_graphs=[]))


def gsp_read(store: Any, principal: Principal, target: str) -> list[Any]:
    """The triples of a graph the caller may read.

    :raises UnknownTerm: no such graph (or one the caller may not see, which reads the same).
    """
    if not can_read(principal, target) or not graph_exists(store, target):
        raise UnknownTerm(f"no graph {target} in this store" if target != DEFAULT_GRAPH else "no default graph")
    if target == DEFAULT_GRAPH:
        return list(store.raw_query("CONSTRUCT WHERE { ?s ?p ?o }", default_graph=[], named_graphs=[]))
    return [Triple(s, p, o) for s, p, o in store.triples(target)]


def _rdf_format(kind: str, filename: str | None = None) -> RdfFormat:
    fmt = INPUT_TYPES.get(kind)
    if fmt is None and filename and kind in {"", "application/octet-stream"}:
        ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        fmt = INPUT_TYPES.get(_EXTENSIONS.get(ext, ""))
    if fmt is None:
        raise UnsupportedMediaType(
            f"Content-Type {kind or '(none)'!r}: send a graph as text/turtle, application/n-triples, "
            "application/rdf+xml or application/ld+json"
            + (" (or POST several as multipart/form-data)" if not filename else "")
        )
    return fmt


def parse_document(body: bytes, fmt: RdfFormat, base: str | None, what: str = "the request body") -> list[Any]:
    """The triples of one RDF document, each blank node fresh (never one of another document's).

    :raises DataLoadError: it does not parse, or holds named graphs.
    """
    try:
        quads = list(parse(body, format=fmt, base_iri=base))
    except (SyntaxError, ValueError) as exc:
        raise DataLoadError(f"{what} is not valid {fmt.name}: {exc}") from None
    fresh: dict[str, BlankNode] = {}

    def term(t: Any) -> Any:
        if isinstance(t, BlankNode):
            return fresh.setdefault(t.value, BlankNode())
        return t

    out = []
    for q in quads:
        if not isinstance(q.graph_name, DefaultGraph):
            raise DataLoadError(f"{what} holds named graphs; the Graph Store Protocol takes one graph per request")
        out.append((term(q.subject), q.predicate, term(q.object)))
    return out


def parse_graph_body(
    body: bytes, content_type: str | None, base: str | None, *, multipart: bool = False
) -> list[tuple[Any, Any, Any]]:
    """Triples from a request body in one of :data:`INPUT_TYPES`, or (``multipart``) the RDF merge
    of the parts of a ``multipart/form-data`` body.

    >>> len(parse_graph_body(b'<http://s> <http://p> "o" .', "text/turtle", None))
    1

    :raises UnsupportedMediaType: another Content-Type (of the body or of a part).
    :raises DataLoadError: a document does not parse (400), or holds named graphs.
    """
    kind, _ = split_content_type(content_type)
    if kind != MULTIPART:
        return parse_document(body, _rdf_format(kind), base)
    if not multipart:
        raise UnsupportedMediaType("multipart/form-data is taken by POST only; PUT one graph document")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    if not message.is_multipart():
        raise BadRequest("a multipart/form-data body without a boundary or parts")
    triples: list[tuple[Any, Any, Any]] = []
    parts = 0
    for part in message.iter_parts():
        parts += 1
        name = part.get_param("name", header="content-disposition") or f"part {parts}"
        filename = part.get_filename()
        fmt = _rdf_format(part.get_content_type() if part.get("content-type") else "", filename or str(name))
        payload = part.get_payload(decode=True)
        triples += parse_document(payload if isinstance(payload, bytes) else b"", fmt, base, f"part {name!r}")
    if not parts:
        raise BadRequest("a multipart/form-data body without parts")
    return triples


def gsp_write(store: Any, principal: Principal, target: str, triples: Sequence[Any], *, replace: bool) -> bool:
    """Replace (PUT) or add to (POST) a graph in one transaction; True when it was created
    (for the default graph: when it was empty).

    :raises Forbidden: the caller may not write it.
    """
    require_write(principal, [target])
    existed = not _default_is_empty(store) if target == DEFAULT_GRAPH else graph_exists(store, target)
    body = "\n".join(ntriples_line(s, p, o) for s, p, o in triples)
    if target == DEFAULT_GRAPH:
        parts = ["DROP SILENT DEFAULT"] if replace else []
        if body:
            parts.append("INSERT DATA {\n" + body + "\n}")
    else:
        parts = [f"DROP SILENT GRAPH <{target}>"] if replace else []
        parts.append(f"CREATE SILENT GRAPH <{target}>")
        if body:
            parts.append(f"INSERT DATA {{ GRAPH <{target}> {{\n{body}\n}} }}")
    if parts:
        apply_update(store, " ;\n".join(parts), [target])
    return not existed and (target != DEFAULT_GRAPH or bool(body))


def gsp_delete(store: Any, principal: Principal, target: str) -> None:
    """Drop a graph (or empty the default graph).

    :raises Forbidden: the caller may not write it.
    :raises UnknownTerm: no such graph.
    """
    require_write(principal, [target])
    if target == DEFAULT_GRAPH:
        apply_update(store, "DROP SILENT DEFAULT", [DEFAULT_GRAPH])
        return
    if not graph_exists(store, target):
        raise UnknownTerm(f"no graph {target} in this store")
    apply_update(store, f"DROP GRAPH <{target}>", [target])


class GraphStore:
    """The protocol's four methods over a store, writing under one lock.

    ``after_write`` runs after every write with the lock still held (the API refreshes its caches
    and the query workers' snapshot there). Every write is checked for tenant-owned facts
    (:mod:`graphsvc.sources.ownership`) and recorded in the audit log under ``audit_dir``.
    """

    def __init__(
        self, store: Any, write_lock: threading.Lock, after_write: Callable[[], None], audit_dir: Path
    ) -> None:
        self.store = store
        self.write_lock = write_lock
        self.after_write = after_write
        self.audit_dir = audit_dir

    def get(
        self, principal: Principal, graph: str | None, default: bool, accept: str | None, formats: Sequence[str]
    ) -> GspResponse:
        target = _named(gsp_target(graph, default))
        media = choose_media("CONSTRUCT", accept, formats)
        data = serialize_triples(gsp_read(self.store, principal, target), media)
        return GspResponse(200, data, media, {"Vary": "Accept, Authorization"})

    def write(
        self,
        principal: Principal,
        graph: str | None,
        default: bool,
        body: bytes,
        content_type: str | None,
        *,
        replace: bool,
        store_url: str,
    ) -> GspResponse:
        """PUT (``replace``) or POST; a POST to the graph store itself creates a new graph."""
        target = gsp_target(graph, default)
        location = None
        if target is None:
            if replace:
                raise BadRequest("give ?graph=IRI or ?default: PUT replaces one graph")
            if not principal.is_admin:
                raise Forbidden(
                    "POST to the graph store creates a new graph, which needs an admin key; a writer POSTs to "
                    "?graph= of its organisation's graphs"
                )
            target = CREATED_PREFIX + str(uuid.uuid4())
            location = f"{store_url}?{urllib.parse.urlencode({'graph': target})}"
        require_write(principal, [target])
        triples = parse_graph_body(
            body, content_type, None if target == DEFAULT_GRAPH else target, multipart=not replace
        )
        check_graph_subjects(target, triples)  # a published graph speaks only of its tenant's resources
        with self.write_lock:
            try:
                created = gsp_write(self.store, principal, target, triples, replace=replace)
            finally:
                self.after_write()
            method = "PUT" if replace else "POST"
            record_write(self.audit_dir, principal, f"graph-store {method}", [target], triples=len(triples))
        if location is not None:
            return GspResponse(201, headers={"Location": location})
        return GspResponse(201 if created else 204)

    def delete(self, principal: Principal, graph: str | None, default: bool) -> GspResponse:
        target = _named(gsp_target(graph, default))
        require_write(principal, [target])
        with self.write_lock:
            try:
                gsp_delete(self.store, principal, target)
            finally:
                self.after_write()
            record_write(self.audit_dir, principal, "graph-store DELETE", [target])
        return GspResponse(204)
