"""The store contract, on the embedded store and on a real SPARQL engine, and graphsvc's
answers from Virtuoso against the embedded store's.

* The contract tests run on ``EmbeddedStore.in_memory()`` in the fast suite, and on Virtuoso
  (``slow``) when ``GRAPHSVC_TEST_VIRTUOSO_URL``, ``_USER`` and ``_PASSWORD`` are set:
  ``eval "$(bash .ci/virtuoso.sh start)"`` starts a private instance on 127.0.0.1 and prints
  them (.ci/run does this). Without them the Virtuoso tests are skipped, saying why.
* The remote store's protocol handling (dialects, dataset parameters, Virtuoso's quirks,
  errors, authentication, chunking) is also tested without any engine, over a mock transport.
* Tests that use Virtuoso hold an exclusive file lock while they run, so that pytest-xdist
  workers sharing the one instance never see each other's half-done writes (Virtuoso's
  writes are not isolated; see graphsvc/store/remote.py).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples

from graphsvc.config import PROJECT_ROOT, Settings, load_settings
from graphsvc.errors import QuerySyntaxError, QueryTimeout, StoreError
from graphsvc.service import GraphService
from graphsvc.sources.queries import QueryRegistry
from graphsvc.store.dialects import DIALECTS
from graphsvc.store.embedded import EmbeddedStore
from graphsvc.store.insert_batches import insert_batches as _chunks
from graphsvc.store.remote import EMPTY_GRAPH, RemoteStore
from graphsvc.store.remote_load import load_compiled
from graphsvc.terms import plain_rows

ENV = ("GRAPHSVC_TEST_VIRTUOSO_URL", "GRAPHSVC_TEST_VIRTUOSO_USER", "GRAPHSVC_TEST_VIRTUOSO_PASSWORD")
NO_VIRTUOSO = (
    "no Virtuoso to test against: GRAPHSVC_TEST_VIRTUOSO_URL, _USER and _PASSWORD are not set "
    '(run `eval "$(bash .ci/virtuoso.sh start)"` first; .ci/run does)'
)
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/graphsvc-test/"


def ex(local: str) -> NamedNode:
    return NamedNode(EX + local)


# -- Virtuoso access -------------------------------------------------------------------------
def virtuoso_env() -> tuple[str, str, str] | None:
    values = tuple(os.environ.get(k, "") for k in ENV)
    return values if all(values) else None  # type: ignore[return-value]


def open_virtuoso(**kw: Any) -> RemoteStore:
    env = virtuoso_env()
    if env is None:
        pytest.skip(NO_VIRTUOSO)
    url, user, password = env
    return RemoteStore(url, user=user, password=password, **kw)


def lock_path(url: str) -> Path:
    return Path(tempfile.gettempdir()) / f"graphsvc-virtuoso-tests-{hashlib.sha256(url.encode()).hexdigest()[:12]}.lock"


@pytest.fixture
def virtuoso_lock() -> Iterator[None]:
    """One Virtuoso test at a time across pytest-xdist workers."""
    env = virtuoso_env()
    if env is None:
        pytest.skip(NO_VIRTUOSO)
    with lock_path(env[0]).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- the contract ----------------------------------------------------------------------------
@pytest.fixture(params=["embedded", pytest.param("virtuoso", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Each store the contract must hold for."""
    if request.param == "embedded":
        yield EmbeddedStore.in_memory()
        return
    request.getfixturevalue("virtuoso_lock")
    s = open_virtuoso()
    yield s
    s.close()


@pytest.fixture
def graphs(store: Any) -> Iterator[tuple[str, str, str]]:
    """Three fresh graph names, dropped afterwards."""
    base = f"urn:graphsvc-test:{uuid.uuid4().hex}/"
    names = (base + "g1", base + "g2", base + "g3")
    yield names
    store.drop_graphs(names)


def term_set(triples: Any) -> set[tuple[Any, ...]]:
    return {tuple(t) for t in triples}


def test_select_binds_terms_and_values_cannot_escape(store: Any, graphs: tuple[str, str, str]) -> None:
    g1, _, _ = graphs
    evil = Literal('x" } ; DROP ALL ; SELECT * WHERE { #')
    store.replace_graphs(
        {
            g1: [
                (ex("a"), ex("name"), Literal("Alice")),
                (ex("b"), ex("name"), evil),
                (ex("a"), ex("knows"), ex("b")),
                (ex("a"), ex("born"), Literal("1990-05-01", datatype=NamedNode(XSD + "date"))),
            ]
        }
    )
    q = "SELECT ?who ?name WHERE { ?who <http://example.org/graphsvc-test/name> ?name }"
    assert store.select(q, bindings={"name": Literal("Alice")}, graphs=[g1]) == [
        {"who": ex("a"), "name": Literal("Alice")}
    ]
    assert store.select(q, bindings={"name": evil}, graphs=[g1]) == [{"who": ex("b"), "name": evil}]
    q2 = (
        "SELECT ?friend ?name WHERE { ?me <http://example.org/graphsvc-test/knows> ?friend . "
        "?friend <http://example.org/graphsvc-test/name> ?name }"
    )
    assert store.select(q2, bindings={"me": ex("a")}) == [{"friend": ex("b"), "name": evil}]
    q3 = "SELECT ?who WHERE { ?who <http://example.org/graphsvc-test/born> ?d }"
    date = Literal("1990-05-01", datatype=NamedNode(XSD + "date"))
    assert store.select(q3, bindings={"d": date}, graphs=[g1]) == [{"who": ex("a")}]
    assert store.select(q3, bindings={"d": Literal("1990-05-01")}, graphs=[g1]) == []
    assert store.count(g1) == 4, "a bound value never changed anything"
    # an unbound OPTIONAL variable is absent from the row, as from the embedded store
    rows = store.select(
        "SELECT ?who ?x WHERE { ?who <http://example.org/graphsvc-test/knows> ?b "
        "OPTIONAL { ?who <http://example.org/graphsvc-test/nothing> ?x } }",
        graphs=[g1],
    )
    assert rows == [{"who": ex("a")}]


def test_union_of_all_graphs_and_restricted_datasets(store: Any, graphs: tuple[str, str, str]) -> None:
    g1, g2, _ = graphs
    store.replace_graphs({g1: [(ex("s1"), ex("p"), Literal("one"))], g2: [(ex("s2"), ex("p"), Literal("two"))]})
    q = "SELECT ?s WHERE { ?s <http://example.org/graphsvc-test/p> ?o }"
    mine = {ex("s1"), ex("s2")}
    assert {r["s"] for r in store.select(q)} & mine == mine, "graphs=None is the union of every graph"
    assert [r["s"] for r in store.select(q, graphs=[g1])] == [ex("s1")]
    assert {r["s"] for r in store.select(q, graphs=[g1, g2])} == mine
    assert store.select(q, graphs=[]) == []
    qg = "SELECT ?g ?s WHERE { GRAPH ?g { ?s <http://example.org/graphsvc-test/p> ?o } }"
    assert store.select(qg, graphs=[g2]) == [{"g": NamedNode(g2), "s": ex("s2")}]
    assert {(r["g"].value, r["s"]) for r in store.select(qg)} >= {(g1, ex("s1")), (g2, ex("s2"))}
    assert store.ask("ASK { ?s <http://example.org/graphsvc-test/p> 'two' }", graphs=[g2])
    assert not store.ask("ASK { ?s <http://example.org/graphsvc-test/p> 'two' }", graphs=[g1])
    assert store.ask("ASK WHERE { ?s ?p ?o }", bindings={"o": Literal("one")})


def test_replace_graphs_replaces_whole_graphs_and_keeps_terms_exact(store: Any, graphs: tuple[str, str, str]) -> None:
    g1, g2, g3 = graphs
    before = store.count()
    store.replace_graphs({g1: [(ex("old"), ex("p"), Literal("old"))], g2: [(ex("keep"), ex("p"), Literal("keep"))]})
    assert store.count() == before + 2
    node = BlankNode()
    tricky = [
        (ex("s"), ex("text"), Literal('quotes " and \\ and\nnewline, tab\t, é — 日本語')),
        (ex("s"), ex("lang"), Literal("colour", language="en-gb")),
        (ex("s"), ex("flag"), Literal("true", datatype=NamedNode(XSD + "boolean"))),
        (ex("s"), ex("off"), Literal("false", datatype=NamedNode(XSD + "boolean"))),
        (ex("s"), ex("n"), Literal("42", datatype=NamedNode(XSD + "integer"))),
        (ex("s"), ex("d"), Literal("2026-08-02", datatype=NamedNode(XSD + "date"))),
        (ex("s"), ex("node"), node),
        (node, ex("value"), Literal("inside a blank node")),
    ]
    store.replace_graphs({g1: tricky, g3: [(ex("new"), ex("p"), Literal("new"))]})
    assert store.count(g1) == len(tricky)
    got = list(store.triples(g1))
    plain = {t for t in term_set(got) if not any(isinstance(x, BlankNode) for x in t)}
    assert plain == {t for t in term_set(tricky) if not any(isinstance(x, BlankNode) for x in t)}
    # the blank node is still one node, linking its two triples
    rows = store.select(
        "SELECT ?v WHERE { ?s <http://example.org/graphsvc-test/node> ?b . ?b <http://example.org/graphsvc-test/value> ?v }",
        graphs=[g1],
    )
    assert rows == [{"v": Literal("inside a blank node")}]
    assert term_set(store.triples(g2)) == {(ex("keep"), ex("p"), Literal("keep"))}, "other graphs are untouched"
    assert store.count(g3) == 1
    assert {g1, g2, g3} <= set(store.named_graphs())
    assert store.count() == before + len(tricky) + 2
    store.replace_graphs({g2: []})
    assert g2 not in store.named_graphs(), "an empty replacement drops the graph"
    assert store.count(g2) == 0


def test_drop_graphs_named_graphs_and_count(store: Any, graphs: tuple[str, str, str]) -> None:
    g1, g2, g3 = graphs
    before = store.count()
    store.replace_graphs(
        {g1: [(ex("a"), ex("p"), Literal(str(i))) for i in range(5)], g2: [(ex("b"), ex("p"), ex("c"))]}
    )
    names = store.named_graphs()
    assert names == sorted(names)
    assert {g1, g2} <= set(names) and g3 not in names
    assert (store.count(g1), store.count(g2), store.count(g3)) == (5, 1, 0)
    assert store.count() == before + 6
    store.drop_graphs([g1, g3])  # dropping a graph that does not exist is not an error
    assert g1 not in store.named_graphs() and g2 in store.named_graphs()
    assert store.count() == before + 1
    store.drop_graphs([])


def test_update_and_raw_query_forms(store: Any, graphs: tuple[str, str, str]) -> None:
    g1, g2, _ = graphs
    store.update(
        f"INSERT DATA {{ GRAPH <{g1}> {{ <{EX}a> <{EX}p> 'x' . <{EX}a> <{EX}q> <{EX}b> }} "
        f"GRAPH <{g2}> {{ <{EX}c> <{EX}p> 'y' }} }}"
    )
    sel = store.raw_query(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o", default_graph=[g1, g2])
    assert isinstance(sel, QuerySolutions)
    assert [v.value for v in sel.variables] == ["s", "o"]
    assert [(r["s"], r["o"]) for r in sel] == [(ex("a"), Literal("x")), (ex("c"), Literal("y"))]
    ask = store.raw_query(f"ASK {{ <{EX}c> ?p ?o }}", default_graph=[g1])
    assert isinstance(ask, QueryBoolean) and not bool(ask)
    con = store.raw_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}")
    assert isinstance(con, QueryTriples)
    assert {(t.subject, t.predicate, t.object) for t in con} == {
        (ex("a"), ex("p"), Literal("x")),
        (ex("a"), ex("q"), ex("b")),
    }
    named = store.raw_query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=[], named_graphs=[g2])
    assert [r["g"] for r in named] == [NamedNode(g2)]


def test_syntax_errors_are_query_syntax_errors(store: Any) -> None:
    with pytest.raises(QuerySyntaxError):
        store.select("SELEC ?x WHERE { ?x ?y ?z }")
    with pytest.raises(QuerySyntaxError):
        store.update("INSERT DAT { <http://e/s> <http://e/p> 1 }")
    with pytest.raises(QuerySyntaxError):
        store.select("SELECT ?x { ?x ?y ?z }", bindings={"x": Literal("no WHERE keyword to bind after")})


# -- Virtuoso only: how writes behave there ----------------------------------------------------
class _FailingPut(httpx.HTTPTransport):
    """The real transport, except that the ``fail_at``-th authenticated PUT fails."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.puts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and "authorization" in request.headers:
            self.puts += 1
            if self.puts == self.fail_at:
                raise httpx.ConnectError("injected failure", request=request)
        return super().handle_request(request)


@pytest.mark.slow
def test_virtuoso_is_detected_and_a_failed_replacement_says_what_was_done(virtuoso_lock: None) -> None:
    transport = _FailingPut(fail_at=0)
    s = open_virtuoso(transport=transport)
    assert s.dialect.name == "virtuoso" and s.gsp_url.endswith("/sparql-graph-crud-auth")
    base = f"urn:graphsvc-test:{uuid.uuid4().hex}/"
    g1, g2, g3 = base + "a", base + "b", base + "c"
    try:
        s.replace_graphs({g: [(ex("old"), ex("p"), Literal(g))] for g in (g1, g2, g3)})
        new = {g: [(ex("new"), ex("p"), Literal(g)), (ex("new"), ex("q"), Literal("2"))] for g in (g1, g2, g3)}
        transport.puts, transport.fail_at = 0, 2
        with pytest.raises(StoreError) as err:
            s.replace_graphs(new)
        msg = str(err.value)
        assert "graph by graph" in msg and f"replaced 1 graph(s) ({g1})" in msg and "not replaced 2" in msg
        assert s.count(g1) == 2 and s.count(g2) == 1 and s.count(g3) == 1
        transport.fail_at = 0
        s.replace_graphs(new)  # repeating the replacement repairs it
        assert all(term_set(s.triples(g)) == term_set(new[g]) for g in new)
    finally:
        s.drop_graphs([g1, g2, g3])
        s.close()


@pytest.mark.slow
def test_virtuoso_without_graph_store_endpoint_inserts_in_pieces(virtuoso_lock: None) -> None:
    s = open_virtuoso(gsp_url="none")
    g = f"urn:graphsvc-test:{uuid.uuid4().hex}/chunks"
    n = 700  # 2,100 triples: six INSERT requests; blank-node chains must not be cut between them
    triples: list[Any] = []
    for i in range(n):
        b = BlankNode()
        triples += [
            (ex(f"s{i}"), ex("node"), b),
            (b, ex("value"), Literal(str(i))),
            (ex(f"s{i}"), ex("i"), Literal(str(i))),
        ]
    try:
        assert s.gsp_url == ""
        s.replace_graphs({g: triples})
        assert s.count(g) == 3 * n
        linked = s.select(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/graphsvc-test/node> ?b . "
            "?b <http://example.org/graphsvc-test/value> ?v . ?s <http://example.org/graphsvc-test/i> ?v }",
            graphs=[g],
        )
        assert int(linked[0]["n"].value) == n
    finally:
        s.drop_graphs([g])
        s.close()


# -- graphsvc's answers: Virtuoso against the embedded store -----------------------------------
MARKER = "urn:graphsvc-test:loaded"


@pytest.fixture(scope="module")
def compiled_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Any]:
    from graphsvc.build import compile_sources, derive, validate

    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path_factory.mktemp("remote-data"))})
    compiled = compile_sources(settings)
    validate(compiled)
    derive(compiled, settings)
    return settings, compiled


def _fingerprint(compiled: Any) -> str:
    h = hashlib.sha256()
    for g in sorted(compiled.graphs):
        h.update(g.encode())
        for line in sorted(f"{s} {p} {o}" for s, p, o in compiled.graphs[g]):
            h.update(line.encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def services(request: pytest.FixtureRequest) -> Iterator[tuple[GraphService, GraphService, dict[str, Any]]]:
    """(embedded, Virtuoso, load facts): the same build in both stores.

    The build is loaded into Virtuoso once per content (a marker graph keeps its fingerprint),
    so parallel workers and repeated runs do not reload it.
    """
    env = virtuoso_env()
    if env is None:
        pytest.skip(NO_VIRTUOSO)
    settings, compiled = request.getfixturevalue("compiled_data")
    embedded = EmbeddedStore.in_memory()
    embedded.bulk_load(compiled.quads())
    remote = open_virtuoso()
    registry = QueryRegistry.from_dir(settings.queries_dir)
    fp = _fingerprint(compiled)
    facts: dict[str, Any] = {}
    with lock_path(env[0]).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            loaded = remote.select(f"SELECT ?fp WHERE {{ GRAPH <{MARKER}> {{ <{MARKER}> <{MARKER}#fp> ?fp }} }}")
            if not loaded or loaded[0]["fp"].value != fp:
                from graphsvc.namespaces import graph_iri

                ghost = graph_iri("org/ghost-from-an-earlier-build")
                remote.replace_graphs({ghost: [(ex("ghost"), ex("p"), Literal("stale"))]})
                report = load_compiled(remote, compiled.graphs)
                remote.replace_graphs({MARKER: [(NamedNode(MARKER), NamedNode(MARKER + "#fp"), Literal(fp))]})
                facts = {"report": report, "ghost": ghost}
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    yield GraphService(settings, embedded, registry), GraphService(settings, remote, registry), facts
    remote.close()


def canonical(value: Any) -> Any:
    """Lists as sorted lists (answers whose queries set no order may come in any order)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def both(
    services: tuple[GraphService, GraphService, dict[str, Any]], fn: Callable[[GraphService], Any]
) -> tuple[Any, Any]:
    embedded, remote, _ = services
    return fn(embedded), fn(remote)


@pytest.mark.slow
def test_build_loads_every_graph_and_drops_stale_ones(services: Any, virtuoso_lock: None) -> None:
    embedded, remote, facts = services
    graphsvc_graphs = [g for g in remote.store.named_graphs() if not g.startswith("urn:graphsvc-test:")]
    assert graphsvc_graphs == embedded.store.named_graphs()
    for g in graphsvc_graphs:
        assert remote.store.count(g) == embedded.store.count(g), g
    if facts:  # this worker loaded it (another one may have)
        assert facts["report"].dropped == [facts["ghost"]]
        assert facts["report"].triples == embedded.store.count()


@pytest.mark.slow
def test_frameworks_and_catalog_match(services: Any, virtuoso_lock: None) -> None:
    e, r = both(services, lambda s: s.frameworks())
    assert e and r == e
    e, r = both(services, lambda s: s.catalog("iso42001"))
    assert len(e) > 30 and r == e


@pytest.mark.slow
def test_applicability_matches(services: Any, virtuoso_lock: None) -> None:
    from graphsvc.domain.applicability import applicable

    e, r = both(
        services, lambda s: applicable(s, ["deployer"], ["high-risk-annex-iii"], dt.date(2026, 8, 2), "adopted")
    )
    assert e and r == e


@pytest.mark.slow
def test_every_named_query_gives_the_same_rows(services: Any, virtuoso_lock: None) -> None:
    from test_queries import SAMPLE_PARAMS

    embedded, remote, _ = services
    for q in embedded.registry:
        params = SAMPLE_PARAMS.get(q.name, {})
        e = plain_rows(embedded.registry.select(embedded.store, q.name, **params))
        r = plain_rows(remote.registry.select(remote.store, q.name, **params))
        assert Counter(map(row_key, r)) == Counter(map(row_key, e)), q.name


def row_key(row: dict[str, Any]) -> str:
    """A row as text, in the form where the engines' known differences vanish:

    * Virtuoso answers a computed boolean (``BIND (EXISTS {…} AS ?x)``) with the integer 1 or 0
      (which Python compares equal to True and False), so booleans are written as 0/1;
    * a ``GROUP_CONCAT`` over a group whose values are all unbound is "" on Virtuoso and
      unbound on Oxigraph, so empty strings are left out;
    * ``GROUP_CONCAT`` joins its values in an engine-dependent order, so the words of a text are
      compared as a sorted list.
    """

    def norm(v: Any) -> Any:
        if isinstance(v, bool):
            return int(v)
        return " ".join(sorted(v.split())) if isinstance(v, str) else v

    return json.dumps({k: norm(v) for k, v in row.items() if v != ""}, sort_keys=True, default=str)


@pytest.mark.slow
@pytest.mark.skipif(
    not (PROJECT_ROOT / "mappings" / "examples" / "contoso.yaml").exists(), reason="no example organisations shipped"
)
def test_system_coverage_matches(services: Any, virtuoso_lock: None) -> None:
    from graphsvc.domain.coverage import Options, system_coverage

    opts = Options(as_of=dt.date(2026, 11, 23), layer="amended")
    e, r = both(services, lambda s: system_coverage(s, "contoso/hr-screening", "euaia", opts))
    assert {x["notation"]: x["status"] for x in r["requirements"]} == {
        x["notation"]: x["status"] for x in e["requirements"]
    }
    assert r["summary"] == e["summary"]
    assert canonical(r["system"]) == canonical(e["system"])
    assert canonical(r["certificates"]) == canonical(e["certificates"])
    for x, y in zip(e["requirements"], r["requirements"], strict=True):
        # which of several equally good paths is listed first may follow the engine's row order
        assert (y["via"], y["residual"], y["path_count"]) == (x["via"], x["residual"], x["path_count"]), x["notation"]


# -- the remote store's protocol handling, without an engine -----------------------------------
JSON_HEADERS = {"content-type": "application/sparql-results+json"}


def mock_store(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> RemoteStore:
    kw.setdefault("dialect", "generic")
    return RemoteStore("http://127.0.0.1:1/sparql", transport=httpx.MockTransport(handler), **kw)


def form(request: httpx.Request) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(request.content.decode(), keep_blank_values=True)


def results(vars_: list[str], bindings: list[dict[str, Any]], headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps({"head": {"vars": vars_}, "results": {"bindings": bindings}})
    return httpx.Response(200, content=body.encode(), headers={**JSON_HEADERS, **(headers or {})})


def test_dataset_parameters_per_dialect() -> None:
    seen: list[list[tuple[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        pairs = form(request)
        seen.append(pairs)
        if "GROUP BY ?g" in dict(pairs)["query"]:
            return results(["g"], [{"g": {"type": "uri", "value": g}} for g in ("http://g/2", "http://g/1")])
        return results(["x"], [])

    listing = mock_store(handler, dialect="fuseki")
    listing.select("SELECT ?x WHERE { ?x ?p ?o }")
    ds = [p for p in seen[-1] if p[0] != "query"]
    assert ds == [
        ("default-graph-uri", "http://g/1"),
        ("default-graph-uri", "http://g/2"),
        ("named-graph-uri", "http://g/1"),
        ("named-graph-uri", "http://g/2"),
    ], "Fuseki (no unionDefaultGraph): every graph named"
    native = mock_store(handler, dialect="virtuoso")
    native.select("SELECT ?x WHERE { ?x ?p ?o }")
    assert [p for p in seen[-1] if p[0] != "query"] == [], "Virtuoso: its default graph is the union"
    native.select("SELECT ?x WHERE { ?x ?p ?o }", graphs=["http://g/1"])
    assert [p for p in seen[-1] if p[0] != "query"] == [
        ("default-graph-uri", "http://g/1"),
        ("named-graph-uri", "http://g/1"),
    ]
    native.select("SELECT ?x WHERE { ?x ?p ?o }", graphs=[])
    assert [p for p in seen[-1] if p[0] != "query"] == [
        ("default-graph-uri", EMPTY_GRAPH),
        ("named-graph-uri", EMPTY_GRAPH),
    ]
    forced = mock_store(handler, dialect="fuseki", union="native")
    forced.select("SELECT ?x WHERE { ?x ?p ?o }")
    assert [p for p in seen[-1] if p[0] != "query"] == [], "store_union_graph=native overrides the dialect"
    with pytest.raises(StoreError, match="not a valid graph IRI"):
        native.select("SELECT ?x WHERE { ?x ?p ?o }", graphs=["not an iri> . ?s ?p ?o <x"])


def test_virtuoso_terms_bindings_and_row_cap() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(dict(form(request))["query"])
        bindings = [
            {
                "b": {"type": "bnode", "value": "nodeID://b10007"},
                "t": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"},
                "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "1"},
                "l": {"type": "literal", "xml:lang": "en-gb", "value": "colour"},
            }
        ]
        return results(["b", "t", "n", "l", "unbound"], bindings)

    s = mock_store(handler, dialect="virtuoso")
    rows = s.select(
        "SELECT * WHERE { ?s ?p ?o }", bindings={"s": NamedNode("http://e/s"), "o": Literal("x")}, graphs=None
    )
    assert rows == [
        {
            "b": BlankNode("b10007"),
            "t": Literal("true", datatype=NamedNode(XSD + "boolean")),
            "n": Literal("1", datatype=NamedNode(XSD + "integer")),
            "l": Literal("colour", language="en-gb"),
        }
    ]
    q = sent[-1]
    assert "VALUES (?s) { (<http://e/s>) }" in q and 'VALUES (?o) { ("x") }' in q, "one VALUES block per variable"
    assert "FILTER (?s = <http://e/s>)" in q, "an IRI is also pinned by a filter (property path starts)"
    raw = s.raw_query("SELECT * WHERE { ?s ?p ?o }")
    assert [r["b"] for r in raw] == [BlankNode("b10007")]

    capped = mock_store(lambda r: results(["x"], [], {"X-SPARQL-MaxRows": "10000"}), dialect="virtuoso")
    with pytest.raises(StoreError, match="cut the answer at 10000 rows"):
        capped.select("SELECT ?x WHERE { ?x ?p ?o }")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            "Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error\n\nSPARQL query:\nSELEC",
            QuerySyntaxError,
        ),
        (401, "", StoreError),
        (404, "not here", StoreError),
        (500, "Virtuoso S1T00 Error SR171: Transaction timed out", QueryTimeout),
        (500, "Virtuoso 42000 Error: something else", StoreError),
    ],
)
def test_engine_errors_become_graphsvc_errors(status: int, body: str, error: type[Exception]) -> None:
    s = mock_store(lambda r: httpx.Response(status, text=body))
    with pytest.raises(error) as exc:
        s.select("SELECT ?x WHERE { ?x ?p ?o }")
    assert "SPARQL query:" not in str(exc.value), "Virtuoso's echo of the query is left out"


def test_unreachable_engine_and_client_timeout() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    with pytest.raises(StoreError, match="cannot reach"):
        mock_store(refuse).ask("ASK {}")
    with pytest.raises(QueryTimeout):
        mock_store(slow).ask("ASK {}")


def test_auth_answers_the_servers_challenge() -> None:
    import base64

    seen: list[str | None] = []

    def basic_only(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization")
        seen.append(auth)
        if auth != "Basic " + base64.b64encode(b"u:p").decode():
            return httpx.Response(401, headers={"www-authenticate": 'Basic realm="x"'})
        return httpx.Response(200, json={"head": {}, "boolean": True}, headers=JSON_HEADERS)

    s = mock_store(basic_only, user="u", password="p", dialect="graphdb")
    assert s.ask("ASK {}") and s.ask("ASK {}")
    assert seen[0] is None and seen[1] and seen[2], "challenged once, then basic up front"

    def digest(request: httpx.Request) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Digest "):
            return httpx.Response(401, headers={"www-authenticate": 'Digest realm="SPARQL", nonce="abc", qop="auth"'})
        return httpx.Response(200, json={"head": {}, "boolean": True}, headers=JSON_HEADERS)

    assert mock_store(digest, user="u", password="p", dialect="graphdb").ask("ASK {}")


def test_writes_on_transactional_engines_are_one_request() -> None:
    updates: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        updates.append(dict(form(request)).get("update", ""))
        return httpx.Response(200, text="ok")

    s = mock_store(handler, dialect="fuseki", update_url="http://127.0.0.1:1/update")
    b = BlankNode()
    s.replace_graphs({"http://g/1": [(ex("s"), ex("p"), b), (b, ex("p"), Literal("x"))], "http://g/2": []})
    assert len(updates) == 1
    assert updates[0].startswith("DROP SILENT GRAPH <http://g/1> ;\nDROP SILENT GRAPH <http://g/2> ;\nINSERT DATA {")
    assert f"_:{b.value}" in updates[0], "blank nodes go into INSERT DATA on engines that allow it"


def test_chunks_keep_blank_node_structures_whole() -> None:
    triples: list[Any] = [(ex(f"s{i}"), ex("p"), Literal(str(i))) for i in range(25)]
    b1, b2, b3 = BlankNode(), BlankNode(), BlankNode()
    chain = [(ex("a"), ex("p"), b1), (b1, ex("p"), b2), (b2, ex("p"), Literal("end"))]
    triples[3:3] = chain[:1]
    triples[17:17] = chain[1:]
    triples.append((b3, ex("p"), Literal("alone")))
    pieces = list(_chunks(triples, 5))
    assert sorted(map(repr, (t for p in pieces for t in p))) == sorted(map(repr, triples))
    holder = [p for p in pieces if chain[0] in p]
    assert len(holder) == 1 and all(t in holder[0] for t in chain), "the chain b1-b2 stays in one piece"
    assert all(len(p) <= 5 for p in pieces)
    assert list(_chunks([], 5)) == [] and list(_chunks(triples[:3], 0)) == [triples[:3]]


def test_dialects_and_settings() -> None:
    assert {"virtuoso", "fuseki", "graphdb", "neptune", "generic"} <= set(DIALECTS)
    from graphsvc.errors import ConfigError

    with pytest.raises(ConfigError):
        RemoteStore("ftp://example.org/sparql")
    with pytest.raises(ConfigError):
        RemoteStore("http://127.0.0.1:1/sparql", dialect="oracle")
    s = RemoteStore("http://127.0.0.1:1/sparql-auth", dialect="virtuoso")
    assert s.gsp_url == "http://127.0.0.1:1/sparql-graph-crud-auth" and s.update_url == s.query_url
    assert RemoteStore("http://127.0.0.1:1/sparql", dialect="virtuoso", gsp_url="none").gsp_url == ""
    settings = load_settings(environ={}, overrides={"store_url": "http://127.0.0.1:1/sparql"})
    from_settings = RemoteStore.from_settings(settings)
    assert from_settings.query_url == "http://127.0.0.1:1/sparql" and from_settings.timeout == settings.query_timeout
