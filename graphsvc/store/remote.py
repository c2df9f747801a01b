"""The remote store: the :class:`~graphsvc.store.base.GraphStore` interface over a SPARQL engine's
SPARQL 1.1 Query, Update and Graph Store HTTP Protocol endpoints (Virtuoso, Apache Jena Fuseki,
GraphDB, Amazon Neptune, or any other), chosen by configuration (``store_url`` and friends).

Answers come back as pyoxigraph terms, exactly as from the embedded store, so every module
above the store runs unchanged. What differs between engines (the union of graphs, atomicity of
writes, Virtuoso's literal and query quirks) is kept in one :class:`~graphsvc.store.dialects.Dialect`
per engine (:mod:`graphsvc.store.dialects`, which explains each); the HTTP details (authentication,
media types, the engine's errors) are in :mod:`graphsvc.store.sparql_http`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
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
from graphsvc.store.base import Row, Term, TripleTuple
from graphsvc.store.dialects import (
    DIALECTS,
    VIRTUOSO_LOCAL_GRAPH,
    XSD_BOOLEAN,
    Dialect,
    bind_parameters,
    bnode_id,
    normalise_results,
)
from graphsvc.store.insert_batches import has_bnode, insert_batches, ntriples_text
from graphsvc.store.sparql_http import (
    ACCEPT_ANY,
    ACCEPT_GRAPH,
    ACCEPT_RESULTS,
    FORM,
    RESULTS_JSON,
    AutoAuth,
    form_body,
    query_form,
    raise_engine_error,
)

if TYPE_CHECKING:
    from graphsvc.config import Settings

__all__ = ["RemoteStore"]

#: A graph no engine holds: the dataset of a query asked over no graph at all.
EMPTY_GRAPH = "urn:graphsvc:empty-dataset"


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
            auth=AutoAuth(user, password, auth) if user else None,
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
        response = self._send("POST", self.query_url, form_body([("query", "ASK {}")]), RESULTS_JSON, self.timeout)
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
        content_type: str = FORM,
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
            raise_engine_error(response, url)
        return response

    def _query(self, query: str, dataset: list[tuple[str, str]], accept: str) -> httpx.Response:
        response = self._send("POST", self.query_url, form_body([("query", query), *dataset]), accept, self.timeout)
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
                term = BlankNode(bnode_id(value, self.dialect.bnode_prefix))
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

    def select(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> list[Row]:
        text = bind_parameters(query, bindings, self.dialect)
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
        text = bind_parameters(query, bindings, self.dialect)
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
        accept = ACCEPT_GRAPH if form in {"CONSTRUCT", "DESCRIBE"} else ACCEPT_RESULTS if form else ACCEPT_ANY
        response = self._query(query, self._dataset(default_graph, named_graphs), accept)
        ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            if ctype in {RESULTS_JSON, "application/json"}:
                data = normalise_results(self._json(response), self.dialect)
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
        return d.name == "virtuoso" and bool(VIRTUOSO_LOCAL_GRAPH.match(graph))

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
                "POST",
                self.update_url,
                form_body([("update", update)]),
                f"{RESULTS_JSON}, */*;q=0.1",
                self.write_timeout,
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
            blocks = [f"GRAPH <{g}> {{\n{ntriples_text(ts)}\n}}" for g, ts in items.items() if ts]
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
            body = (ntriples_text(triples) + "\n").encode("utf-8")
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
            for chunk in insert_batches(triples, self.dialect.insert_chunk):
                body = ntriples_text(chunk)
                if self.dialect.bnodes_in_insert_data or not has_bnode(chunk):
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


def _check_iri(graph: str) -> str:
    """``<graph>``, after checking that it is an IRI (so it cannot change an update's text)."""
    try:
        return str(NamedNode(graph))
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{graph!r} is not a valid graph IRI") from exc
