"""The remote store: the :class:`~graphsvc.store.base.GraphStore` interface over a SPARQL engine's
SPARQL 1.1 Query, Update and Graph Store HTTP Protocol endpoints (Virtuoso, Apache Jena Fuseki,
GraphDB, Amazon Neptune, or any other), chosen by configuration (``store_url`` and friends).

Answers come back as pyoxigraph terms, exactly as from the embedded store, so every module
above the store runs unchanged. What differs between engines is kept in one :class:`Dialect`:

* **the union of graphs.** ``graphs=None`` means "every named graph" (pyoxigraph's
  ``use_default_graph_as_union``). Virtuoso, GraphDB and Neptune already query every graph
  when a request names no dataset ("native"); Fuseki's default graph is a separate, unnamed
  graph unless the dataset sets ``unionDefaultGraph``, so for Fuseki and unknown engines the
  store names every graph explicitly as ``default-graph-uri`` and ``named-graph-uri``
  parameters ("list"; the graph list is cached for a few seconds). ``graphs=[…]`` is always
  sent as those parameters, both of them (Virtuoso, given only ``default-graph-uri``, still
  lets ``GRAPH ?g`` range over every graph).
* **atomicity of writes.** Fuseki (TDB2), GraphDB and Neptune run one update request as one
  transaction (so their documentation says; not tested here), so
  :meth:`RemoteStore.replace_graphs` sends one request and is all-or-nothing there.
  Virtuoso is not: measured on 7.2.5 over HTTP, the operations of one request are committed
  one by one (an earlier ``INSERT DATA`` stays when a later operation fails), and
  ``DROP``, ``DELETE WHERE``, ``INSERT … WHERE``, ``MOVE`` and Graph Store ``PUT`` are each
  visible half-done to concurrent readers (reads are read-committed, the writes commit in
  batches). So on Virtuoso a replacement is done graph by graph with one Graph Store ``PUT``
  each (the fastest path, about 20 thousand triples per second here), a failure names the
  graphs already replaced (repeating the call repairs it: every step is idempotent), and a
  reader may see a graph half-replaced while it runs. Without a Graph Store endpoint the
  store falls back to ``INSERT`` requests of at most ``insert_chunk`` triples (Virtuoso's
  SPARQL compiler refuses larger ones and slows down quadratically with several operations in
  one request), keeping each blank node's triples in one request.
* **Virtuoso's literal quirks.** It returns stored booleans as ``"1"^^xsd:boolean`` (turned
  back into ``"true"``), computed booleans as ``1``/``0`` integers (left as they are:
  :func:`graphsvc.terms.py` reads them as truthy), blank nodes as ``nodeID://b123`` (turned
  into ``_:b123``), refuses blank nodes in ``INSERT DATA`` (sent as ``INSERT … WHERE {}``),
  and cuts SELECT results at ``ResultSetMaxRows`` saying so only in an ``X-SPARQL-MaxRows``
  header, which is raised here as a :class:`StoreError` rather than returning a partial answer.
  Its CONSTRUCT results are cut at that limit too, without any sign: :meth:`triples` uses
  SELECT for that reason, and ``raw_query`` CONSTRUCTs on Virtuoso are only as complete as
  ``ResultSetMaxRows`` allows.
* **Virtuoso's query quirks.** Parameters are bound with one ``VALUES`` block per variable
  (one block of several variables makes Virtuoso 7.2 fail on some queries with "no
  SPART_VARR_FIXED") plus, for IRIs, an equality ``FILTER`` on the same variable (Virtuoso
  otherwise ignores a ``VALUES``-bound start of a property path such as ``?_system_iri
  gs:dependsOn+ ?dep`` and answers for every subject). Graphs are listed with ``GROUP BY ?g``,
  not ``DISTINCT ?g``, which took 4 s on 20 thousand triples. A ``GROUP_CONCAT`` over unbound
  values is "" on Virtuoso where Oxigraph leaves it unbound.

>>> d = DIALECTS["virtuoso"]
>>> d.union, d.atomic_updates
('native', False)
>>> _bnode_id("nodeID://b10007")
'b10007'
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from graphsvc.errors import ConfigError, QuerySyntaxError, QueryTimeout, StoreError
from graphsvc.store.base import _WHERE, Row, Term, TripleTuple, bind_values, ntriples_line

if TYPE_CHECKING:
    from graphsvc.config import Settings

__all__ = ["DIALECTS", "Dialect", "LoadReport", "RemoteStore", "load_compiled"]

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
#: A graph no engine holds: the dataset of a query asked over no graph at all.
EMPTY_GRAPH = "urn:graphsvc:empty-dataset"
RESULTS_JSON = "application/sparql-results+json"
_ACCEPT_RESULTS = f"{RESULTS_JSON}, application/sparql-results+xml;q=0.9"
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_ACCEPT_ANY = f"{_ACCEPT_RESULTS}, {_ACCEPT_GRAPH}"
_FORM_RE = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_FORM = "application/x-www-form-urlencoded"
_TIMEOUT_MARKERS = ("S1T00", "SR171", "timed out", "timeout", "Timeout")  # looked for in 5xx answers only


@dataclass(frozen=True)
class Dialect:
    """What one SPARQL engine does differently (see the module docstring)."""

    name: str
    #: "native": the engine's default graph already is the union of all graphs;
    #: "list": name every graph in the request's dataset parameters.
    union: str = "list"
    #: One update request is one transaction (all-or-nothing, invisible until done).
    atomic_updates: bool = True
    #: ``INSERT DATA`` may hold blank nodes (SPARQL 1.1 allows it; Virtuoso does not).
    bnodes_in_insert_data: bool = True
    #: Most triples in one INSERT operation when writes go in pieces; 0: no limit.
    insert_chunk: int = 0
    #: Prefixes of graphs the engine keeps for itself (hidden from named_graphs and count).
    system_graphs: tuple[str, ...] = ()
    #: Rewrite "1"/"0"^^xsd:boolean as "true"/"false".
    boolean_digits: bool = False
    #: Prefix the engine puts before blank node labels in results.
    bnode_prefix: str = ""
    #: Bind each parameter in a VALUES block of its own, plus an equality FILTER for IRIs
    #: (Virtuoso 7.2 fails on some queries with one multi-variable block, "ssg_print_rvr_fixed_val():
    #: no SPART_VARR_FIXED", and ignores a VALUES-bound start of a property path).
    values_per_variable: bool = False
    #: Graph Store endpoint derived from the query endpoint: (suffix of the query URL, replacement).
    gsp_from_query: tuple[tuple[str, str], ...] = ()


DIALECTS: dict[str, Dialect] = {
    "virtuoso": Dialect(
        "virtuoso",
        union="native",
        atomic_updates=False,
        bnodes_in_insert_data=False,
        insert_chunk=400,
        system_graphs=(
            "http://www.openlinksw.com/schemas/virtrdf#",
            "http://www.w3.org/ns/ldp#",
            "http://localuriqaserver/",
            "http://www.w3.org/2002/07/owl#",
        ),
        boolean_digits=True,
        bnode_prefix="nodeID://",
        values_per_variable=True,
        gsp_from_query=(("/sparql-auth", "/sparql-graph-crud-auth"), ("/sparql", "/sparql-graph-crud")),
    ),
    "fuseki": Dialect("fuseki", union="list"),
    "graphdb": Dialect("graphdb", union="native"),
    "neptune": Dialect("neptune", union="native"),
    "generic": Dialect("generic", union="list"),
}

_VIRTUOSO_LOCAL_GRAPH = re.compile(r"^https?://[^/]+/(?:sparql|DAV/?)$")


def _bnode_id(value: str, prefix: str = "nodeID://") -> str:
    """A blank node label pyoxigraph accepts, from whatever the engine sent."""
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    if value.startswith("_:"):
        value = value[2:]
    try:
        BlankNode(value)
        return value
    except ValueError:
        return "x" + value.encode("utf-8").hex()


class _AutoAuth(httpx.Auth):
    """HTTP basic or digest authentication, whichever the server's first challenge asks for
    (``mode="auto"``), or the one configured. Digest keeps its nonce between requests, so
    only the first request of a store pays the extra round trip."""

    requires_request_body = True

    def __init__(self, user: str, password: str, mode: str = "auto") -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self.mode = mode

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        if self.mode == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self.mode == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if scheme not in {"basic", "digest"}:
            return
        self.mode = scheme
        if scheme == "basic":
            yield from self._basic.auth_flow(request)
        else:
            flow = self._digest.auth_flow(request)
            next(flow)  # DigestAuth first sends the request bare; answer with the challenge we have
            try:
                yield flow.send(response)
            except StopIteration:
                return


@dataclass
class LoadReport:
    triples: int
    graphs: int
    dropped: list[str]
    seconds: float


class RemoteStore:
    """A :class:`~graphsvc.store.base.GraphStore` over SPARQL 1.1 HTTP endpoints.

    :param query_url: the SPARQL Query endpoint (also used for updates unless ``update_url``).
    :param gsp_url: the Graph Store Protocol endpoint, if any ("" derives Virtuoso's from
        ``query_url``; "none" never uses one).
    :param dialect: "auto" (guessed from the URL and the server's answer), or a key of :data:`DIALECTS`.
    :param union: "" (the dialect's way), "native" or "list" (see the module docstring).
    :param auth: "auto" (the server's challenge decides), "basic" or "digest".
    """

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str = "",
        gsp_url: str = "",
        user: str = "",
        password: str = "",
        auth: str = "auto",
        dialect: str = "auto",
        union: str = "",
        timeout: float = 30.0,
        write_timeout: float = 600.0,
        graph_cache_seconds: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not query_url.startswith(("http://", "https://")):
            raise ConfigError(f"store_url {query_url!r} is not an http(s) URL of a SPARQL endpoint")
        if dialect != "auto" and dialect not in DIALECTS:
            raise ConfigError(f"store_dialect {dialect!r}: expected auto or one of {', '.join(DIALECTS)}")
        if union not in {"", "native", "list"}:
            raise ConfigError(f"store_union_graph {union!r}: expected native or list (or empty)")
        if auth not in {"auto", "basic", "digest"}:
            raise ConfigError(f"store_auth {auth!r}: expected auto, basic or digest")
        self.query_url = query_url
        self.update_url = update_url or query_url
        self._gsp_setting = gsp_url
        self._dialect_setting = dialect
        self._union_setting = union
        self._dialect: Dialect | None = None
        self.timeout = timeout
        self.write_timeout = write_timeout
        self._graph_cache_seconds = graph_cache_seconds
        self._graph_cache: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()
        self._terms: dict[tuple[str, str, str, str], Term] = {}
        self._client = httpx.Client(
            auth=_AutoAuth(user, password, auth) if user else None,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            headers={"User-Agent": "graphsvc"},
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store the settings describe (``store_url`` and the other ``store_*`` settings)."""

        def get(name: str, default: Any) -> Any:
            return getattr(settings, name, default)

        return cls(
            settings.store_url,
            update_url=get("store_update_url", ""),
            gsp_url=get("store_gsp_url", ""),
            user=get("store_user", ""),
            password=get("store_password", ""),
            auth=get("store_auth", "auto") or "auto",
            dialect=get("store_dialect", "auto") or "auto",
            union=get("store_union_graph", ""),
            timeout=float(get("query_timeout", 30.0)),
            write_timeout=float(get("store_write_timeout", 600.0)),
        )

    # -- the engine ------------------------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            name = self._dialect_setting if self._dialect_setting != "auto" else self._detect()
            d = DIALECTS[name]
            if self._union_setting:
                d = replace(d, union=self._union_setting)
            self._dialect = d
        return self._dialect

    def _detect(self) -> str:
        url = self.query_url.lower()
        if ".neptune.amazonaws.com" in url:
            return "neptune"
        if "/repositories/" in url:
            return "graphdb"
        response = self._send("POST", self.query_url, _form([("query", "ASK {}")]), RESULTS_JSON, self.timeout)
        server = response.headers.get("server", "").lower()
        if "virtuoso" in server:
            return "virtuoso"
        if "fuseki" in server or "fuseki-request-id" in response.headers:
            return "fuseki"
        if "graphdb" in server:
            return "graphdb"
        return "generic"

    @property
    def gsp_url(self) -> str:
        """The Graph Store endpoint used for whole-graph writes ("" when there is none)."""
        if self._gsp_setting == "none":
            return ""
        if self._gsp_setting:
            return self._gsp_setting
        base = self.update_url.split("?", 1)[0].rstrip("/")
        for suffix, gsp in self.dialect.gsp_from_query:
            if base.endswith(suffix):
                return base[: -len(suffix)] + gsp
        return ""

    # -- HTTP ------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        accept: str,
        timeout: float,
        *,
        content_type: str = _FORM,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            response = self._client.request(
                method, url, content=body, headers=headers, params=params, timeout=httpx.Timeout(timeout, connect=10.0)
            )
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the SPARQL engine at {url} did not answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL engine at {url}: {exc}") from exc
        if response.status_code >= 300:
            _raise_for(response, url)
        return response

    def _query(self, query: str, dataset: list[tuple[str, str]], accept: str) -> httpx.Response:
        response = self._send("POST", self.query_url, _form([("query", query), *dataset]), accept, self.timeout)
        if response.headers.get("x-sql-state") == "S1TAT":  # Virtuoso's "anytime" partial answer
            raise QueryTimeout("the SPARQL engine ran out of time and returned a partial answer; graphsvc refuses it")
        cap = response.headers.get("x-sparql-maxrows")
        if cap:
            raise StoreError(
                f"the SPARQL engine cut the answer at {cap} rows (Virtuoso: [SPARQL] ResultSetMaxRows in "
                "virtuoso.ini); raise that limit: graphsvc never works on a partial answer"
            )
        return response

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            ctype = response.headers.get("content-type", "?")
            raise StoreError(f"the SPARQL engine answered {ctype}, not SPARQL JSON results: {exc}") from exc

    def _bindings(self, response: httpx.Response) -> list[dict[str, Any]]:
        data = self._json(response)
        try:
            return data["results"]["bindings"]
        except (KeyError, TypeError):
            raise StoreError("the SPARQL engine did not answer a SELECT query with solutions") from None

    # -- terms -----------------------------------------------------------------------------
    def _term(self, b: Mapping[str, str]) -> Term:
        kind = b.get("type", "")
        value = b.get("value", "")
        lang = b.get("xml:lang", "")
        dtype = b.get("datatype", "")
        key = (kind, value, lang, dtype)
        term = self._terms.get(key)
        if term is not None:
            return term
        try:
            if kind == "uri":
                term = NamedNode(value)
            elif kind == "bnode":
                term = BlankNode(_bnode_id(value, self.dialect.bnode_prefix))
            elif kind in {"literal", "typed-literal"}:
                if lang:
                    term = Literal(value, language=lang)
                elif dtype:
                    if dtype == XSD_BOOLEAN and self.dialect.boolean_digits and value in {"1", "0"}:
                        value = "true" if value == "1" else "false"
                    term = Literal(value, datatype=NamedNode(dtype))
                else:
                    term = Literal(value)
            else:
                raise StoreError(f"the SPARQL engine returned a term of type {kind!r}, which graphsvc does not read")
        except ValueError as exc:
            raise StoreError(f"the SPARQL engine returned an invalid term {dict(b)!r}: {exc}") from exc
        if len(self._terms) > 200_000:
            self._terms.clear()
        self._terms[key] = term
        return term

    def _normalise_json(self, data: dict[str, Any]) -> dict[str, Any]:
        """SPARQL JSON results rewritten so that pyoxigraph's parser and graphsvc read them
        the way they read the embedded store's (blank node labels, boolean digits)."""
        d = self.dialect
        if not (d.bnode_prefix or d.boolean_digits) or "results" not in data:
            return data
        for binding in data["results"].get("bindings", []):
            for b in binding.values():
                if b.get("type") == "bnode":
                    b["value"] = _bnode_id(b["value"], d.bnode_prefix)
                elif b.get("type") == "typed-literal":
                    b["type"] = "literal"
                if b.get("datatype") == XSD_BOOLEAN and b.get("value") in {"1", "0"}:
                    b["value"] = "true" if b["value"] == "1" else "false"
        return data

    # -- datasets --------------------------------------------------------------------------
    def _union_graphs(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._graph_cache
        if cached is not None and now - cached[0] < self._graph_cache_seconds:
            return cached[1]
        graphs = self.named_graphs()
        with self._lock:
            self._graph_cache = (now, graphs)
        return graphs

    def _forget_graphs(self) -> None:
        with self._lock:
            self._graph_cache = None

    def _dataset(
        self, default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None
    ) -> list[tuple[str, str]]:
        """Protocol parameters for a dataset; ``None`` is the union of all graphs (default
        graph) or every named graph (named graphs), as with the embedded store."""
        if default_graph is None and named_graphs is None and self.dialect.union == "native":
            return []
        every: list[str] | None = None
        if default_graph is None or named_graphs is None:
            every = self._union_graphs()
        dg = list(every if default_graph is None else default_graph) or [EMPTY_GRAPH]  # type: ignore[arg-type]
        ng = list(every if named_graphs is None else named_graphs) or [EMPTY_GRAPH]  # type: ignore[arg-type]
        for g in (*dg, *ng):
            _check_iri(g)
        return [("default-graph-uri", g) for g in dg] + [("named-graph-uri", g) for g in ng]

    # -- reading ---------------------------------------------------------------------------
    def _bind(self, query: str, bindings: Mapping[str, Term] | None) -> str:
        if not bindings or not self.dialect.values_per_variable:
            return bind_values(query, bindings)
        for name, value in reversed(list(bindings.items())):
            query = bind_values(query, {name: value})
        # Virtuoso 7.2 ignores a VALUES-bound start of a property path (``?_s gs:dependsOn+ ?d``
        # then answers for every subject); an equality filter on the same variable anchors it
        filters = " ".join(f"FILTER (?{k} = {v})" for k, v in bindings.items() if isinstance(v, NamedNode))
        if filters:
            m = _WHERE.search(query)
            assert m is not None  # bind_values found it above
            query = query[: m.end()] + " " + filters + "\n" + query[m.end() :]
        return query

    def select(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> list[Row]:
        text = self._bind(query, bindings)
        data = self._json(self._query(text, self._dataset(graphs, graphs), RESULTS_JSON))
        if "results" not in data:
            raise QuerySyntaxError("select() needs a SELECT query; use ask() or raw_query() for other forms")
        names = data.get("head", {}).get("vars", [])
        term = self._term
        rows: list[Row] = []
        for binding in data["results"].get("bindings", []):
            rows.append({n: term(binding[n]) for n in names if n in binding})
        return rows

    def ask(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> bool:
        text = self._bind(query, bindings)
        data = self._json(self._query(text, self._dataset(graphs, graphs), RESULTS_JSON))
        if "boolean" not in data:
            raise QuerySyntaxError("ask() needs an ASK query")
        return bool(data["boolean"])

    def raw_query(
        self, query: str, *, default_graph: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Any query, answered with pyoxigraph's own result objects (as the embedded store's).

        ``default_graph=None`` is the union of all graphs, ``[]`` an empty default graph (a
        remote store holds named graphs only); ``named_graphs=None`` is every named graph.
        """
        form = query_form(query)
        accept = _ACCEPT_GRAPH if form in {"CONSTRUCT", "DESCRIBE"} else _ACCEPT_RESULTS if form else _ACCEPT_ANY
        response = self._query(query, self._dataset(default_graph, named_graphs), accept)
        ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            if ctype in {RESULTS_JSON, "application/json"}:
                data = self._normalise_json(self._json(response))
                return parse_query_results(json.dumps(data).encode("utf-8"), format=QueryResultsFormat.JSON)
            if ctype in {"application/sparql-results+xml", "application/xml", "text/xml"}:
                return parse_query_results(response.content, format=QueryResultsFormat.XML)
            fmt = {
                "application/n-triples": RdfFormat.N_TRIPLES,
                "text/plain": RdfFormat.N_TRIPLES,
                "text/turtle": RdfFormat.TURTLE,
                "application/x-turtle": RdfFormat.TURTLE,
                "application/rdf+xml": RdfFormat.RDF_XML,
            }.get(ctype)
            if fmt is None:
                raise StoreError(
                    f"the SPARQL engine answered in {ctype or 'no media type'}, which graphsvc does not read"
                )
            # pyoxigraph's QueryTriples has no public constructor: let an in-memory store make one
            tmp = Store()
            tmp.bulk_extend(Quad(t.subject, t.predicate, t.object) for t in parse(response.content, format=fmt))
            result = tmp.query("CONSTRUCT WHERE { ?s ?p ?o }")
            assert isinstance(result, QueryTriples)
            return result
        except SyntaxError as exc:
            raise StoreError(f"the SPARQL engine's answer ({ctype}) does not parse: {exc}") from exc

    def named_graphs(self) -> list[str]:
        rows = self._bindings(self._query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", [], RESULTS_JSON))
        graphs = {b["g"]["value"] for b in rows if b.get("g", {}).get("type") == "uri"}
        return sorted(g for g in graphs if not self._is_system_graph(g))

    def _is_system_graph(self, graph: str) -> bool:
        d = self.dialect
        if graph.startswith(d.system_graphs) or graph == EMPTY_GRAPH:
            return True
        return d.name == "virtuoso" and bool(_VIRTUOSO_LOCAL_GRAPH.match(graph))

    def triples(self, graph: str) -> Iterator[TripleTuple]:
        query = f"SELECT ?s ?p ?o WHERE {{ GRAPH {_check_iri(graph)} {{ ?s ?p ?o }} }}"
        rows = self._bindings(self._query(query, [], RESULTS_JSON))
        term = self._term
        for b in rows:
            yield (term(b["s"]), term(b["p"]), term(b["o"]))  # type: ignore[misc]

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_check_iri(graph)} {{ ?s ?p ?o }} }}"
            rows = self._bindings(self._query(query, [], RESULTS_JSON))
            return int(rows[0]["n"]["value"]) if rows else 0
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = self._bindings(self._query(query, [], RESULTS_JSON))
        return sum(int(r["n"]["value"]) for r in rows if not self._is_system_graph(r["g"]["value"]))

    # -- writing ---------------------------------------------------------------------------
    def update(self, update: str, *, written: Collection[str] | None = None) -> None:
        """Send one SPARQL Update request (one transaction where the engine makes it one).
        ``written`` is not needed: a remote store keeps no union graphs (its engine's own union
        default graph serves the whole-store view)."""
        try:
            self._send(
                "POST", self.update_url, _form([("update", update)]), f"{RESULTS_JSON}, */*;q=0.1", self.write_timeout
            )
        finally:
            self._forget_graphs()

    def replace_graphs(self, graphs: Mapping[str, Iterable[TripleTuple]]) -> None:
        """Replace whole named graphs (an empty one is dropped).

        All-or-nothing on engines that run an update request as one transaction; on Virtuoso
        graph by graph (see the module docstring): a failure names what was done, and calling
        again with the same graphs repairs it.
        """
        items = {_check_iri(g)[1:-1]: list(ts) for g, ts in graphs.items()}
        if not items:
            return
        d = self.dialect
        if d.atomic_updates:
            parts = [f"DROP SILENT GRAPH <{g}>" for g in items]
            blocks = [f"GRAPH <{g}> {{\n{_nt(ts)}\n}}" for g, ts in items.items() if ts]
            if blocks:
                parts.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
            self.update(" ;\n".join(parts))
            return
        done: list[str] = []
        try:
            for g, ts in items.items():
                self._replace_one(g, ts)
                done.append(g)
        except StoreError as exc:
            left = [g for g in items if g not in done]
            raise StoreError(
                f"{exc.message} — the {d.name} engine applies writes graph by graph: replaced "
                f"{len(done)} graph(s) ({', '.join(done) or 'none'}), not replaced {len(left)} "
                f"({', '.join(left)}); repeating the same replacement repairs it"
            ) from exc
        finally:
            self._forget_graphs()

    def _replace_one(self, graph: str, triples: list[TripleTuple]) -> None:
        gsp = self.gsp_url
        if not triples:
            self.update(f"DROP SILENT GRAPH <{graph}>")
        elif gsp:
            body = (_nt(triples) + "\n").encode("utf-8")
            self._send(
                "PUT",
                gsp,
                body,
                "*/*",
                self.write_timeout,
                content_type="application/n-triples",
                params={"graph": graph},
            )
        else:
            self.update(f"DROP SILENT GRAPH <{graph}>")
            for chunk in _chunks(triples, self.dialect.insert_chunk):
                body = _nt(chunk)
                if self.dialect.bnodes_in_insert_data or not _has_bnode(chunk):
                    self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
                else:
                    self.update(f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{}}")

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        names = [_check_iri(g) for g in graphs]
        if names:
            self.update(" ;\n".join(f"DROP SILENT GRAPH {g}" for g in names))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers -------------------------------------------------------------------------------------
def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE ("" when none is found), to ask for the right media type.

    >>> query_form("PREFIX s: <http://e/#select> # ASK me\\nCONSTRUCT WHERE { ?s ?p 'SELECT' }")
    'CONSTRUCT'
    """
    text = re.sub(r"<[^<>\"{}|^`\\\s]*>", "<>", query)
    text = re.sub(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", "''", text)
    text = re.sub(r"#[^\n]*", "", text)
    m = _FORM_RE.search(text)
    return m.group(1).upper() if m else ""


def _form(pairs: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(pairs).encode("ascii")


def _check_iri(graph: str) -> str:
    """``<graph>``, after checking that it is an IRI (so it cannot change an update's text)."""
    try:
        return str(NamedNode(graph))
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{graph!r} is not a valid graph IRI") from exc


def _nt(triples: Iterable[TripleTuple]) -> str:
    return "\n".join(ntriples_line(s, p, o) for s, p, o in triples)


def _has_bnode(triples: Iterable[TripleTuple]) -> bool:
    return any(isinstance(s, BlankNode) or isinstance(o, BlankNode) for s, _p, o in triples)


def _chunks(triples: list[TripleTuple], size: int) -> Iterator[list[TripleTuple]]:
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


def _raise_for(response: httpx.Response, url: str) -> None:
    status = response.status_code
    text = response.text.strip()
    # Virtuoso echoes the whole query after its message; keep the message
    message = re.split(r"\n\s*SPARQL (?:query|request):", text, maxsplit=1)[0].strip()[:800]
    if status in {401, 403}:
        raise StoreError(
            f"the SPARQL engine at {url} refused the credentials (HTTP {status}); "
            "check store_user, store_password and store_auth, and that the user may update"
        )
    if status == 404:
        raise StoreError(f"no SPARQL endpoint at {url} (HTTP 404)")
    if status == 400:
        raise QuerySyntaxError(f"the SPARQL engine rejected the request: {message}")
    if status in {408, 504} or (status >= 500 and any(m in message for m in _TIMEOUT_MARKERS)):
        raise QueryTimeout(f"the SPARQL engine stopped the query: {message or status}")
    raise StoreError(f"the SPARQL engine at {url} failed (HTTP {status}): {message}")


# -- build ---------------------------------------------------------------------------------------
def load_compiled(
    store: RemoteStore, compiled: Mapping[str, list[TripleTuple]], *, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Load a build's graphs (graph name → triples; ``Compiled.graphs``) into a remote store: every compiled graph replaced, and every
    graphsvc graph the build no longer makes (an organisation removed since) dropped, so the
    engine ends up holding what a fresh embedded store would.

    Atomic on engines with transactional update requests; on Virtuoso graph by graph (a
    failure says which graphs were done; run the build again).

    :raises DataLoadError: the build put triples in the default graph (a remote store holds named graphs only).
    """
    from graphsvc.errors import DataLoadError
    from graphsvc.namespaces import graph_iri

    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    if compiled.get(""):
        raise DataLoadError("the build put triples in the default graph; a remote store holds named graphs only")
    graphs = {g: ts for g, ts in compiled.items() if g}
    prefix = graph_iri("")
    stale = [g for g in store.named_graphs() if g.startswith(prefix) and g not in graphs]
    n = sum(len(ts) for ts in graphs.values())
    say(f"loading {n} triples in {len(graphs)} graphs into {store.query_url}")
    store.replace_graphs({**graphs, **{g: [] for g in stale}})
    if stale:
        say(f"dropped {len(stale)} graph(s) the build no longer makes")
    return LoadReport(triples=n, graphs=len(graphs), dropped=stale, seconds=time.perf_counter() - t0)
