"""The HTTP API in-process (FastAPI TestClient): REST routes, SPARQL Protocol, Update, Graph Store,
keys, tenant isolation, refusals, limits and the one error shape.

The app runs over a private copy of the session's built store, with worker processes for
SPARQL (as ``graphsvc serve`` does), a 2 s query timeout and a 50-row result cap.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from graphsvc.config import Settings, load_settings
from graphsvc.errors import BadRequest, NotAcceptable, QueryRefused, QuerySyntaxError, QueryTimeout
from graphsvc.http.app import create_app
from graphsvc.http.keys import KeyStore
from graphsvc.http.sparql.evaluation import Job, ThreadExecutor, evaluate
from graphsvc.http.sparql.guard import inspect_query, inspect_update
from graphsvc.http.sparql.negotiation import CSV, RESULTS_JSON, RESULTS_XML, TSV, negotiate
from graphsvc.http.sparql.serialization import serialize_solutions
from graphsvc.namespaces import graph_iri
from graphsvc.service import GraphService
from graphsvc.store.embedded import EmbeddedStore
from graphsvc.store.tenancy import ANONYMOUS, Principal, can_read, can_write

GS = "https://w3id.org/graphsvc/ontology#"
MS_PRIVATE = graph_iri("org/microsoft")
MS_PUBLISHED = graph_iri("org/microsoft/published")
ACME = graph_iri("org/acme")
ACME_PUB = graph_iri("org/acme/published")
BETA = graph_iri("org/beta")
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

ACME_YAML = """\
organisation:
  id: acme
  name: Acme Test Ltd
  tenant: acme
  illustrative: true
systems:
  - id: helpdesk-bot
    name: Acme helpdesk assistant
    roles: [deployer]
    intended_purpose: Answers customers' questions about orders.
    interacts_with_persons: true
    depends_on: [microsoft/m365-copilot]
controls:
  - id: acme-logging
    name: Keep interaction logs
    responsibility: customer
    customer_responsibility: Acme keeps the logs itself.
    status: implemented
    owner: IT
    implements_partly: [euaia:art26.6]
    applies_to: [helpdesk-bot]
evidence:
  - id: ev-acme-logs
    name: Log retention configuration (private evidence)
    document: acme/log-retention.pdf
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"
    valid_from: 2025-01-01
    valid_until: 2030-12-31
    supports: [acme-logging]
"""


def copy_store(built: Settings, dest: Path, **overrides: Any) -> Settings:
    """Settings over a private copy of the built store (so tests may write)."""
    dest.mkdir(parents=True, exist_ok=True)
    gen = dest / "store-copy"
    shutil.copytree(built.store_path.resolve(), gen)
    (dest / "store").symlink_to(gen.name)
    return load_settings(environ={}, overrides={"data_dir": str(dest), **overrides})


@pytest.fixture(scope="session")
def api_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_store(
        built_settings,
        tmp_path_factory.mktemp("api"),
        query_timeout=2.0,
        result_cap=50,
        body_limit=300_000,
    )


@pytest.fixture(scope="session")
def api_service(api_settings: Settings) -> GraphService:
    return GraphService.from_settings(api_settings, read_only=False)


@pytest.fixture(scope="session")
def keys(api_settings: Settings) -> dict[str, str]:
    ks = KeyStore(api_settings.data_path / "keys.json")
    out = {}
    for name, role, tenant in [
        ("admin", "admin", None),
        ("acme_writer", "writer", "acme"),
        ("acme_reader", "reader", "acme"),
        ("beta_writer", "writer", "beta"),
        ("beta_reader", "reader", "beta"),
        ("ms_reader", "reader", "microsoft"),
        ("public_reader", "reader", None),
        ("delta_writer", "writer", "delta"),
    ]:
        out[name] = ks.create(role, tenant=tenant, name=name)[1]
    return out


@pytest.fixture(scope="session")
def client(api_service: GraphService, api_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(api_service, api_settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        # private data for two test tenants, written through the Graph Store Protocol
        for graph, key, label in (
            (ACME, "acme_writer", "SECRET-ACME"),
            (BETA, "beta_writer", "SECRET-BETA"),
            (ACME_PUB, "acme_writer", "public-acme"),
        ):
            # (a published graph holds statements about its tenant's own resources only: graphsvc.sources.ownership)
            node = f"system/acme/{label}" if graph == ACME_PUB else f"note/{label}"
            ttl = f'<https://w3id.org/graphsvc/id/{node}> <http://www.w3.org/2000/01/rdf-schema#label> "{label}" .'
            r = c.put("/rdf-graphs", params={"graph": graph}, content=ttl, headers=auth(keys[key], "text/turtle"))
            assert r.status_code in {201, 204}, r.text
        yield c


def auth(token: str | None, content_type: str | None = None, accept: str | None = None) -> dict[str, str]:
    h = {}
    if token:
        h["Authorization"] = f"Bearer {token}"
    if content_type:
        h["Content-Type"] = content_type
    if accept:
        h["Accept"] = accept
    return h


def assert_error(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status", "code"}, body
    assert body["ok"] is False and body["status"] == status and body["errors"]
    if code:
        assert body["code"] == code, body
    return body


def select(client: TestClient, query: str, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
    r = client.post("/sparql", data={"query": query, **params}, headers=auth(token, accept=RESULTS_JSON))
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


# -- pyoxigraph facts the design relies on ---------------------------------------------------------
def test_pyoxigraph_dataset_arguments_override_from_and_from_named() -> None:
    store = Store()
    a, b = NamedNode("http://g/a"), NamedNode("http://g/b")
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("in-a"), a))
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("in-b"), b))

    def values(q: str) -> set[str]:
        return {s["o"].value for s in store.query(q, default_graph=[a], named_graphs=[a])}

    assert values("SELECT ?o FROM <http://g/b> WHERE { ?s ?p ?o }") == {"in-a"}
    assert values("SELECT ?o FROM NAMED <http://g/b> WHERE { GRAPH ?g { ?s ?p ?o } }") == {"in-a"}
    assert values("SELECT ?o WHERE { GRAPH <http://g/b> { ?s ?p ?o } }") == set()
    # no dataset arguments: FROM is honoured, so the endpoint always passes them for non-admins
    assert {s["o"].value for s in store.query("SELECT ?o FROM <http://g/b> WHERE { ?s ?p ?o }")} == {"in-b"}
    # FROM <file:…> is only a graph name to pyoxigraph: nothing is read from the file
    assert list(store.query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")) == []


def test_pyoxigraph_update_is_one_transaction_and_using_named_restricts_graph_var() -> None:
    store = Store()
    with pytest.raises(RuntimeError, match="already exists"):
        store.update("INSERT DATA { GRAPH <http://g> { <http://a> <http://b> <http://c> } } ; CREATE GRAPH <http://g>")
    assert len(store) == 0  # the failed second operation rolled back the first
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("a"), NamedNode("http://g/a")))
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("b"), NamedNode("http://g/b")))
    store.update(
        "INSERT { GRAPH <http://g/c> { ?s <http://copy> ?o } } USING NAMED <http://g/a> WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    copied = {q.object.value for q in store.quads_for_pattern(None, None, None, NamedNode("http://g/c"))}
    assert copied == {"a"}


# -- analysis and negotiation (pure functions) -------------------------------------------------------
def test_analyse_update_reads_and_writes() -> None:
    u = inspect_update(
        "PREFIX ex: <http://e/>\n"
        "INSERT DATA { GRAPH <http://g1> { ex:a ex:b ex:c } ex:x ex:y ex:z } ;\n"
        "WITH <http://g2> DELETE { ?s ?p ?o } INSERT { GRAPH <http://g3> { ?s ?p ?o } } "
        "USING <http://g4> USING NAMED <http://g5> WHERE { GRAPH <http://g6> { ?s ?p ?o } } ;\n"
        "CLEAR GRAPH <http://g7> ; CREATE GRAPH <http://g8> ; ADD <http://g9> TO DEFAULT ;"
        "MOVE <http://g10> TO <http://g11> ; COPY DEFAULT TO <http://g12> ;"
        "DELETE WHERE { GRAPH <http://g13> { ?s ?p ?o } }"
    ).info
    assert u.writes == {
        "http://g1",
        "DEFAULT",
        "http://g2",
        "http://g3",
        "http://g7",
        "http://g8",
        "http://g10",
        "http://g11",
        "http://g12",
        "http://g13",
    }
    assert u.reads == {"http://g4", "http://g5", "http://g6", "http://g9", "http://g10", "DEFAULT", "http://g13"}
    assert not u.any_named_read
    assert inspect_update("DROP ALL").info.writes == {"ALL"}
    assert inspect_update(
        "INSERT { GRAPH <http://a> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    ).info.any_named_read


@pytest.mark.parametrize(
    ("text", "writes"),
    [
        ('INSERT DATA { <urn:s> <urn:p> "} GRAPH <urn:evil> {" }', {"DEFAULT"}),
        ('INSERT DATA { <urn:s> <urn:p> """ } GRAPH <urn:evil> { """ }', {"DEFAULT"}),
        ("PREFIX ex: <urn:ex:> INSERT DATA { <urn:s> <urn:p> ex:a.GRAPH }", {"DEFAULT"}),
        ('INSERT DATA { <urn:s> <urn:p> "x"@GRAPH }', {"DEFAULT"}),
        ("INSERT DATA { <urn:s> <urn:p> 1 } # INSERT DATA { GRAPH <urn:evil> { <urn:s> <urn:p> 1 } }", {"DEFAULT"}),
        (
            "INSERT DATA { GRAPH <urn:a> { <urn:s> <urn:p> 1 } . GRAPH <urn:b> { <urn:s> <urn:p> 2 } <urn:s> <urn:p> 3 }",
            {"urn:a", "urn:b", "DEFAULT"},
        ),
        (
            "PREFIX g: <urn:g:> insert data { graph g:x { <urn:s> <urn:p> 1 } } ; DELETE DATA { GRAPH g:y { <urn:s> <urn:p> 1 } }",
            {"urn:g:x", "urn:g:y"},
        ),
        ("BASE <http://b/> INSERT DATA { GRAPH <g> { <s> <p> <o> } }", {"http://b/g"}),
        # the comment ends at the line break: the block closes there, as the grammar reads it
        ("INSERT DATA { <urn:s> <urn:p> 1 # } GRAPH <urn:evil> {\n }", {"DEFAULT"}),
    ],
)
def test_data_blocks_are_read_from_canonical_tokens(text: str, writes: set[str]) -> None:
    assert inspect_update(text).info.writes == writes


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX ex: <urn:ex:> INSERT DATA { <urn:s> <urn:p> ex:a\\#} GRAPH <urn:evil> { <urn:s> <urn:p> 1 } }",
        "INSERT DATA { GRAPH ?g { <urn:s> <urn:p> 1 } }",
        "INSERT DATA { GRAPH <urn:a> { <urn:s> <urn:p> 1 }",
    ],
)
def test_malformed_data_blocks_are_refused(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        inspect_update(text)


def test_bulk_insert_data_is_analysed_quickly(client: TestClient, keys: dict[str, str]) -> None:
    body = "\n".join(f'<urn:bulk:{i}> <urn:bulk:p> "v {i}" .' for i in range(5000))
    ok = f"INSERT DATA {{ GRAPH <{ACME}> {{\n{body}\n}} }}"
    t0 = time.monotonic()
    assert update(client, ok, keys["acme_writer"]).status_code == 204
    assert time.monotonic() - t0 < 10
    sneaky = f"INSERT DATA {{ GRAPH <{ACME}> {{\n{body}\n}} GRAPH <{BETA}> {{ <urn:x> <urn:y> 1 }} }}"
    assert_error(update(client, sneaky, keys["acme_writer"]), 403, "forbidden")
    cleanup = f"DELETE WHERE {{ GRAPH <{ACME}> {{ ?s <urn:bulk:p> ?o }} }}"
    assert update(client, cleanup, keys["acme_writer"]).status_code == 204


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://localhost/x> { ?s ?p ?o } }",
        "select * where { ?s ?p ?o FILTER EXISTS { service <http://127.0.0.1/> { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://[::1]/> { ?s ?p ?o } } } }",
    ],
)
def test_service_is_refused_in_any_position(text: str) -> None:
    with pytest.raises(QueryRefused):
        inspect_query(text)


def test_keyword_scan_ignores_names_strings_and_iris() -> None:
    info = inspect_query(
        'PREFIX service: <http://e/service#> SELECT ?service WHERE { ?service service:x "SERVICE <http://x>" . '
        "?s <http://e/SERVICE> ?o } # SERVICE in a comment"
    ).info
    assert info.form == "SELECT"


@pytest.mark.parametrize("text", ["LOAD <file:///etc/passwd>", "LOAD <http://127.0.0.1:1/x> INTO GRAPH <http://g>"])
def test_load_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused):
        inspect_update(text)


def test_negotiation() -> None:
    offered = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
    assert negotiate(None, offered) == RESULTS_JSON
    assert negotiate("*/*", offered) == RESULTS_JSON
    assert negotiate("text/*", offered) == CSV
    assert negotiate("application/sparql-results+xml", offered) == RESULTS_XML
    assert negotiate("text/csv;q=0.4, text/tab-separated-values;q=0.9", offered) == TSV
    assert negotiate("application/sparql-results+xml, application/sparql-results+json", offered) == RESULTS_XML
    assert negotiate("text/html, */*;q=0.1", offered) == RESULTS_JSON
    with pytest.raises(NotAcceptable):
        negotiate("image/png", offered)
    with pytest.raises(NotAcceptable):
        negotiate("application/sparql-results+json;q=0", offered)
    for bad in ("garbage", "text/csv;q=2", "text/csv;q=abc", "/json", "text/csv;q"):
        with pytest.raises(BadRequest):
            negotiate(bad, offered)


def test_own_results_serializers_read_back_like_pyoxigraph() -> None:
    store = Store()
    g = NamedNode("http://g")
    for o in (
        Literal('tab\tquote" <amp&> \n nl'),
        Literal("hallo", language="de"),
        Literal("42", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        NamedNode("http://e/x?a=1&b=2#f"),
        Literal("ctrl\x01char"),
    ):
        store.add(Quad(NamedNode("http://e/s"), NamedNode("http://e/p"), o, g))
    store.add(Quad(NamedNode("http://e/s2"), NamedNode("http://e/p"), Literal("x"), DefaultGraph()))
    q = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://none> ?none } } ORDER BY STR(?o)"
    expected_rows = [tuple(s[i] for i in range(3)) for s in store.query(q, use_default_graph_as_union=True)]
    for media, fmt in (
        (RESULTS_JSON, QueryResultsFormat.JSON),
        (RESULTS_XML, QueryResultsFormat.XML),
        (TSV, QueryResultsFormat.TSV),
    ):
        ours = serialize_solutions(["s", "o", "none"], expected_rows, media)
        back = [tuple(s[i] for i in range(3)) for s in parse_query_results(ours, format=fmt)]
        if media == RESULTS_XML:  # XML 1.0 cannot carry U+0001: it becomes U+FFFD
            expected = [
                tuple(Literal("ctrl\ufffdchar") if t == Literal("ctrl\x01char") else t for t in r)
                for r in expected_rows
            ]
        else:
            expected = expected_rows
        assert back == expected, media
    csv_text = serialize_solutions(["s", "o", "none"], expected_rows, CSV).decode()
    assert csv_text.startswith("s,o,none\r\n") and '"tab\tquote"" <amp&> \n nl"' in csv_text


def test_thread_executor_stops_a_streaming_query_at_the_deadline() -> None:
    mem = EmbeddedStore.in_memory()
    mem.replace_graphs(
        {"http://g": [(NamedNode(f"http://e/{i}"), NamedNode("http://e/p"), Literal(str(i))) for i in range(300)]}
    )
    job = Job("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", RESULTS_JSON, cap=10**9, timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout):
        evaluate(mem, job, time.monotonic() + 0.5)
    assert time.monotonic() - t0 < 3
    ex = ThreadExecutor(mem, workers=1)
    with pytest.raises(QueryTimeout):
        ex.run(job)
    ok = ex.run(Job("ASK { ?s ?p ?o }", RESULTS_JSON, timeout=5))  # the thread was freed
    assert json.loads(ok.body)["boolean"] is True
    ex.close()


# -- graph policy ------------------------------------------------------------------------------------
def test_graph_policy() -> None:
    w = Principal("k", "writer", "acme")
    r = Principal("k", "reader", "acme")
    admin = Principal("k", "admin")
    fw = graph_iri("framework/iso42001-2023")
    assert can_read(ANONYMOUS, fw) and can_read(ANONYMOUS, MS_PUBLISHED) and not can_read(ANONYMOUS, MS_PRIVATE)
    assert can_read(w, ACME) and not can_read(w, BETA) and can_read(admin, BETA)
    assert can_write(w, ACME) and can_write(w, ACME_PUB) and not can_write(w, BETA) and not can_write(w, fw)
    assert not can_write(w, "DEFAULT") and not can_write(r, ACME) and can_write(admin, "DEFAULT")
    assert not can_write(w, graph_iri("org/acme-evil")) and not can_write(w, graph_iri("org/acme/../beta"))


# -- keys ----------------------------------------------------------------------------------------
def test_keys_are_stored_hashed_and_revocable(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.json")
    rec, token = ks.create("writer", tenant="acme", name="ci")
    raw = (tmp_path / "keys.json").read_text()
    assert token not in raw and token.split("_", 2)[2] not in raw and rec.hash in raw
    assert oct((tmp_path / "keys.json").stat().st_mode & 0o777) == "0o600"
    assert ks.authenticate(token) == Principal(rec.id, "writer", "acme", "ci")
    with pytest.raises(Exception, match="unknown"):
        ks.authenticate(token[:-2] + ("xx" if not token.endswith("xx") else "yy"))
    other = KeyStore(tmp_path / "keys.json")  # e.g. the CLI while a server runs
    other.revoke(rec.id)
    with pytest.raises(Exception, match="revoked"):
        ks.authenticate(token)
    with pytest.raises(Exception, match="tenant"):
        ks.create("writer")
    assert [r.id for r in ks.list()] == [rec.id]


def test_bad_credentials(client: TestClient, keys: dict[str, str]) -> None:
    assert_error(client.get("/frameworks", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401, "unauthorized")
    assert_error(client.get("/frameworks", headers=auth("gsk_000000000000_nope")), 401, "unauthorized")
    assert_error(client.get("/frameworks", headers=auth("not-a-key")), 401)
    r = client.get("/frameworks", headers=auth(keys["acme_reader"]))
    assert r.status_code == 200


# -- SPARQL protocol -----------------------------------------------------------------------------
def test_query_by_get_form_and_direct_post(client: TestClient) -> None:
    q = "SELECT ?id WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id } ORDER BY ?id"
    get = client.get("/sparql", params={"query": q})
    form = client.post("/sparql", data={"query": q})
    direct = client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"})
    bodies = [r.json() for r in (get, form, direct)]
    assert all(r.status_code == 200 for r in (get, form, direct))
    assert bodies[0] == bodies[1] == bodies[2]
    assert [b["id"]["value"] for b in bodies[0]["results"]["bindings"]][:3] == ["aicm", "euaia", "iso42001"]
    assert get.headers["content-type"].startswith(RESULTS_JSON)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (RESULTS_JSON, QueryResultsFormat.JSON),
        (RESULTS_XML, QueryResultsFormat.XML),
        (CSV, QueryResultsFormat.CSV),
        (TSV, QueryResultsFormat.TSV),
    ],
)
def test_select_formats_parse(client: TestClient, accept: str, fmt: QueryResultsFormat) -> None:
    q = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?s LIMIT 5"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    if fmt == QueryResultsFormat.CSV:  # lossy by design; pyoxigraph does not read it back
        rows = list(csv.reader(io.StringIO(r.text)))[1:]
    else:
        rows = list(parse_query_results(r.content, format=fmt))
    assert len(rows) == 5


def test_ask_and_graph_formats(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": RESULTS_XML})
    assert r.status_code == 200 and bool(parse_query_results(r.content, format=QueryResultsFormat.XML))
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 10"
    for accept, fmt in (
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
    ):
        r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept), r.text
        assert len(list(parse(r.content, format=fmt))) == 10
    r = client.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/graphsvc/req/iso42001-2023/A.6.2.8>"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle") and b"A.6.2.8" in r.content
    import rdflib

    g = rdflib.Graph().parse(data=client.get("/sparql", params={"query": q, "format": "jsonld"}).text, format="json-ld")
    assert len(g) == 10


def test_service_description(client: TestClient, keys: dict[str, str]) -> None:
    import rdflib

    r = client.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, rdflib.RDF.type, sd.Service) in g
    names = {str(o) for o in g.objects(None, sd.name)}
    assert MS_PUBLISHED in names and MS_PRIVATE not in names and ACME not in names
    names = {
        str(o)
        for o in rdflib.Graph()
        .parse(data=client.get("/sparql", headers=auth(keys["acme_reader"])).text)
        .objects(None, sd.name)
    }
    assert ACME in names and BETA not in names
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")


def test_protocol_errors(client: TestClient) -> None:
    assert_error(client.get("/sparql", params={"query": "SELECT WHERE {"}), 400, "query_syntax_error")
    assert_error(client.get("/sparql", params={"query": "   "}), 400)
    assert_error(
        client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}), 406, "not_acceptable"
    )
    assert_error(
        client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv;q=oops"}), 400, "bad_request"
    )
    assert_error(client.get("/sparql", params={"query": "ASK {}", "format": "turtle"}), 406)
    assert_error(client.get("/sparql", params={"query": "ASK {}", "update": "CLEAR ALL"}), 400)
    assert_error(client.get("/sparql", params={"update": "CLEAR ALL"}), 400)
    assert_error(
        client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type"
    )
    assert_error(
        client.post("/sparql", content=b"", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400
    )
    assert_error(client.post("/sparql", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}), 400)
    assert_error(client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), 400)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # still answering


def test_result_cap_truncates_with_header(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200 and r.headers["X-Graphsvc-Truncated"] == "true"
    assert len(r.json()["results"]["bindings"]) == 50
    r = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"}
    )
    assert r.headers["X-Graphsvc-Truncated"] == "true" and len(r.text.strip().splitlines()) == 50
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "X-Graphsvc-Truncated" not in r.headers


def test_timeout_returns_503_and_frees_the_worker(client: TestClient) -> None:
    executor = client.app.state.gs.executor  # type: ignore[attr-defined]
    killed = executor.killed
    t0 = time.monotonic()
    r = client.get("/sparql", params={"query": CARTESIAN_COUNT})
    elapsed = time.monotonic() - t0
    assert_error(r, 503, "query_timeout")
    assert elapsed < 2.0 + 1.0 + 2.0, elapsed  # timeout + grace + slack
    assert executor.killed == killed + 1  # the worker still evaluating was killed …
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True  # … and replaced


def test_a_fault_inside_a_query_worker_is_an_internal_error_not_a_store_outage(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A worker that fails on something other than the query or the store (here: a media type no
    serialiser knows, which no request can send) answers 500 internal_error, not 503, and the
    worker stays in service."""
    from graphsvc.errors import InternalError
    from graphsvc.http.sparql.evaluation import Job

    executor = client.app.state.gs.executor  # type: ignore[attr-defined]
    assert type(executor).__name__ == "ProcessExecutor"
    with caplog.at_level("ERROR", logger="graphsvc.http.sparql.workers"), pytest.raises(InternalError) as err:
        executor.run(Job("ASK { ?s ?p ?o }", "application/x-no-such-format"))
    assert err.value.http_status == 500 and err.value.code == "internal_error"
    assert "KeyError" in caplog.text  # the details go to the server log, not to the caller
    assert "sha256=" in caplog.text and "?s ?p ?o" not in caplog.text  # the log names the query, never its text
    assert "KeyError" not in err.value.message
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


# -- tenant isolation over SPARQL ------------------------------------------------------------------------
def count_of(client: TestClient, token: str | None, query: str) -> int:
    rows = select(client, query, token)
    return int(rows[0]["n"]["value"])


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'SECRET-')) }",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'SECRET-')) } }",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/graphsvc/graph/org/beta> { ?s ?p ?o } }",
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } } } FILTER(CONTAINS(STR(?o), 'SECRET-BETA')) }",
    ],
)
def test_sparql_tenant_isolation(client: TestClient, keys: dict[str, str], query: str) -> None:
    beta_only = "org/beta" in query or "SECRET-BETA" in query
    assert count_of(client, keys["admin"], query) >= 1
    assert count_of(client, None, query) == 0
    assert count_of(client, keys["public_reader"], query) == 0
    assert count_of(client, keys["acme_reader"], query) == (0 if beta_only else 1)
    assert count_of(client, keys["beta_writer"], query) >= 1


def test_from_outside_the_callers_graphs_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    q = f"SELECT (COUNT(*) AS ?n) FROM <{BETA}> WHERE {{ ?s ?p ?o }}"
    assert_error(client.get("/sparql", params={"query": q}, headers=auth(keys["acme_reader"])), 403, "forbidden")
    assert_error(client.get("/sparql", params={"query": q}), 403)
    assert count_of(client, keys["beta_reader"], q) == 1
    q = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{MS_PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert_error(client.get("/sparql", params={"query": q}, headers=auth(keys["acme_reader"])), 403)
    assert count_of(client, keys["ms_reader"], q) > 0
    # the protocol's dataset parameters are checked the same way
    r = client.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": BETA}, headers=auth(keys["acme_reader"])
    )
    assert_error(r, 403)
    q = f"SELECT (COUNT(*) AS ?n) FROM <{ACME}> WHERE {{ ?s ?p ?o }}"  # own graph only
    assert count_of(client, keys["acme_reader"], q) == 1


def test_file_and_service_iris_are_refused(client: TestClient) -> None:
    assert_error(
        client.get("/sparql", params={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}),
        403,
        "query_refused",
    )
    r = client.get(
        "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:8000/sparql> { ?s ?p ?o } }"}
    )
    assert_error(r, 403, "query_refused")


# -- SPARQL Update ---------------------------------------------------------------------------------------
def update(client: TestClient, text: str, token: str | None) -> Any:
    return client.post("/sparql", content=text, headers=auth(token, "application/sparql-update"))


def test_update_permissions(client: TestClient, keys: dict[str, str]) -> None:
    ins = f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:x:u1> <urn:x:p> "u1" }} }}'
    assert_error(update(client, ins, None), 401, "unauthorized")
    assert_error(client.post("/sparql", data={"update": ins}), 401)
    assert_error(update(client, ins, keys["acme_reader"]), 403, "forbidden")
    assert_error(update(client, ins, keys["beta_writer"]), 403)
    assert update(client, ins, keys["acme_writer"]).status_code == 204
    assert count_of(client, keys["acme_reader"], "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:u1> ?p ?o }") == 1
    assert count_of(client, keys["beta_reader"], "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:u1> ?p ?o }") == 0
    refused = [
        'INSERT DATA { <urn:x:a> <urn:x:p> "default graph" }',
        f"INSERT DATA {{ GRAPH <{graph_iri('framework/iso42001-2023')}> {{ <urn:x:a> <urn:x:p> 1 }} }}",
        f"WITH <{BETA}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ GRAPH <{ACME}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{BETA}> {{ ?s ?p ?o }} }}",
        f"INSERT {{ GRAPH <{ACME}> {{ ?s ?p ?o }} }} USING <{MS_PRIVATE}> WHERE {{ ?s ?p ?o }}",
        f"INSERT {{ GRAPH <{ACME}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"INSERT {{ GRAPH ?g {{ <urn:x:a> <urn:x:p> 1 }} }} WHERE {{ GRAPH <{ACME}> {{ ?s ?p ?o }} }}",
        f"COPY <{BETA}> TO <{ACME}>",
        f"MOVE <{ACME}> TO <{BETA}>",
        "DROP ALL",
        "CLEAR NAMED",
        f"CLEAR GRAPH <{BETA}>",
        f"LOAD <file:///etc/passwd> INTO GRAPH <{ACME}>",
        f"INSERT {{ GRAPH <{ACME}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <http://127.0.0.1:9/> {{ ?s ?p ?o }} }}",
    ]
    for text in refused:
        r = update(client, text, keys["acme_writer"])
        assert r.status_code == 403, (text, r.text)
    # allowed: own graphs, including a read restricted by USING NAMED to readable graphs
    ok = f"INSERT {{ GRAPH <{ACME}> {{ ?s <urn:x:copied> ?o }} }} USING NAMED <{ACME_PUB}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert update(client, ok, keys["acme_writer"]).status_code == 204
    assert (
        update(client, f"DELETE WHERE {{ GRAPH <{ACME}> {{ ?s <urn:x:copied> ?o }} }}", keys["acme_writer"]).status_code
        == 204
    )
    # a published graph is written only in forms whose triples are checked first (graphsvc.sources.ownership)
    to_pub = f"INSERT {{ GRAPH <{ACME_PUB}> {{ ?s <urn:x:copied> ?o }} }} USING NAMED <{ACME}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert_error(update(client, to_pub, keys["acme_writer"]), 403, "query_refused")
    assert (
        update(
            client, f'DELETE DATA {{ GRAPH <{ACME}> {{ <urn:x:u1> <urn:x:p> "u1" }} }}', keys["acme_writer"]
        ).status_code
        == 204
    )
    assert_error(update(client, "INSERT DATA { GRAPH <", keys["acme_writer"]), 400, "query_syntax_error")
    # an update pyoxigraph rejects while running is a 400, and changes nothing
    r = update(
        client,
        f"INSERT DATA {{ GRAPH <{ACME}> {{ <urn:x:t> <urn:x:p> 1 }} }} ; CREATE GRAPH <{ACME}>",
        keys["acme_writer"],
    )
    assert_error(r, 400, "update_failed")
    assert count_of(client, keys["acme_reader"], "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:t> ?p ?o }") == 0


# -- Graph Store Protocol ---------------------------------------------------------------------------------
def test_graph_store_protocol(client: TestClient, keys: dict[str, str]) -> None:
    w, g = keys["acme_writer"], graph_iri("org/acme/published")
    own = "https://w3id.org/graphsvc/id/system/acme/gsp"  # acme's own resource (graphsvc.sources.ownership)
    nt = f'<{own}> <urn:x:p> "one" .\n'
    r = client.put("/rdf-graphs", params={"graph": g}, content=nt, headers=auth(w, "application/n-triples"))
    assert r.status_code in {201, 204}
    r = client.post(
        "/rdf-graphs", params={"graph": g}, content=f'<{own}> <urn:x:p> "two" .', headers=auth(w, "text/turtle")
    )
    assert r.status_code == 204
    r = client.get(
        "/rdf-graphs", params={"graph": "gsg:org/acme/published"}, headers={"Accept": "application/n-triples"}
    )
    assert r.status_code == 200 and r.text.count("system/acme/gsp") == 2
    r = client.get("/graph-store", params={"graph": g}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and "system/acme/gsp" in r.text
    other = f'<{own}-2> <urn:x:p> "replaced" .'
    r = client.put("/rdf-graphs", params={"graph": g}, content=other, headers=auth(w, "text/turtle"))
    assert r.status_code == 204 and client.get("/rdf-graphs", params={"graph": g}).text.count("system/acme/gsp>") == 0
    # refusals
    assert_error(
        client.get("/rdf-graphs", params={"graph": BETA}, headers=auth(keys["acme_reader"])), 404, "unknown_term"
    )
    assert_error(client.get("/rdf-graphs", params={"graph": BETA}), 404)
    assert client.get("/rdf-graphs", params={"graph": BETA}, headers=auth(keys["beta_reader"])).status_code == 200
    assert_error(
        client.put("/rdf-graphs", params={"graph": g}, content=nt, headers={"Content-Type": "text/turtle"}), 401
    )
    assert_error(client.put("/rdf-graphs", params={"graph": BETA}, content=nt, headers=auth(w, "text/turtle")), 403)
    assert_error(client.put("/rdf-graphs", params={"default": ""}, content=nt, headers=auth(w, "text/turtle")), 403)
    assert_error(client.delete("/rdf-graphs", params={"graph": MS_PRIVATE}, headers=auth(w)), 403)
    assert_error(client.put("/rdf-graphs", params={"graph": g}, content="<a> <b", headers=auth(w, "text/turtle")), 400)
    assert_error(client.put("/rdf-graphs", params={"graph": g}, content=nt, headers=auth(w, "application/x-foo")), 415)
    assert_error(client.get("/rdf-graphs", params={"graph": g, "default": ""}), 400)
    assert_error(client.get("/rdf-graphs"), 400)
    assert_error(client.get("/rdf-graphs", params={"graph": "not an iri"}), 400)
    assert_error(client.get("/rdf-graphs", params={"graph": graph_iri("nothing-here")}), 404)
    # admin: anything, the default graph included
    a = keys["admin"]
    assert (  # 201: the default graph was empty (GSP 5.3: content created)
        client.put("/rdf-graphs", params={"default": ""}, content=nt, headers=auth(a, "text/turtle")).status_code == 201
    )
    assert "system/acme/gsp" in client.get("/rdf-graphs", params={"default": ""}, headers=auth(a)).text
    assert client.delete("/rdf-graphs", params={"default": ""}, headers=auth(a)).status_code == 204
    tmp = graph_iri("test/tmp")
    assert (
        client.put("/rdf-graphs", params={"graph": tmp}, content=nt, headers=auth(a, "text/turtle")).status_code == 201
    )
    assert client.delete("/rdf-graphs", params={"graph": tmp}, headers=auth(a)).status_code == 204
    assert_error(client.delete("/rdf-graphs", params={"graph": tmp}, headers=auth(a)), 404)


# -- REST -------------------------------------------------------------------------------------------------
def test_catalog_routes(client: TestClient) -> None:
    fws = client.get("/frameworks").json()
    assert {f["id"] for f in fws} >= {"iso42001", "euaia", "nistairmf", "aicm", "starai"}
    page = client.get("/frameworks/iso42001/requirements", params={"limit": 10, "offset": 5}).json()
    assert page["total"] == next(f["requirements"] for f in fws if f["id"] == "iso42001")
    assert len(page["items"]) == 10 and page["offset"] == 5
    r = client.get("/requirements/euaia:26(1)")
    assert r.status_code == 200 and r.json()["framework"] == "euaia"
    assert client.get("/requirements/iso42001:A.6.2.8").json()["notation"] == "A.6.2.8"
    assert_error(client.get("/requirements/iso42001:Z.9"), 404, "unknown_term")
    assert_error(client.get("/frameworks/nope/requirements"), 404)
    assert_error(client.get("/frameworks/iso42001/requirements", params={"limit": 0}), 422, "request_invalid")


def test_crosswalk_routes(client: TestClient) -> None:
    r = client.get("/crosswalk/nistairmf:GOVERN-1.1", params={"to": "iso42001"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"]) and body["mappings_used"] == "approved only"
    assert all(i["target_framework"] == "iso42001" for i in body["items"])
    m = client.get("/crosswalk", params={"from": "iso42001", "to": "nistairmf", "limit": 5}).json()
    assert m["total"] >= len(m["items"]) == 5
    c = client.get("/cover", params={"from": "nistairmf", "to": "iso42001", "budget": 3}).json()
    assert [i["rank"] for i in c["items"]] == [1, 2, 3]
    assert_error(client.get("/crosswalk", params={"from": "iso42001"}), 422)
    assert_error(client.get("/crosswalk/iso42001:A.6.2.8", params={"depth": 9}), 422)


def test_applicability_systems_certificates(client: TestClient) -> None:
    a = client.get("/applicable", params={"role": "deployer", "category": "high-risk-annex-iii", "as_of": "2030-01-01"})
    assert a.status_code == 200 and a.json()["total"] > 0
    # Art. 26(8), 27, 49(3) ... turn on attributes not given: conditional, never silently applied
    assert {i["status"] for i in a.json()["items"]} == {"applies", "conditional"}
    assert all(i["decided_by"] for i in a.json()["items"] if i["status"] == "conditional")
    assert_error(client.get("/applicable", params={"role": "deployer"}), 400, "query_parameter_error")
    assert_error(client.get("/applicable", params={"role": "ruler", "category": "all"}), 400)
    systems = client.get("/systems").json()
    assert any(s["id"] == "microsoft/foundry" for s in systems)
    s = client.get("/applicable", params={"system": "microsoft/foundry"})
    assert s.status_code == 200 and s.json()["roles"] == ["provider"]
    certs = client.get("/certificates").json()
    assert any(c["framework"] == "iso42001" for c in certs)


def test_coverage_routes(client: TestClient) -> None:
    r = client.get(
        "/coverage/certificate/microsoft/iso42001-azure", params={"target": "nistairmf", "as_of": "2026-01-01"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["certificate"]["valid_on_date"] is True and sum(body["summary"].values()) == len(body["requirements"])
    assert "paths" not in body["requirements"][0] or body["requirements"][0]["paths"] is None
    r = client.get(
        "/coverage/system/microsoft/foundry",
        params={"target": "euaia", "as_of": "2027-01-01", "law_version": "adopted", "explain": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["law_version"] == "adopted" and "paths" in r.json()["requirements"][0]
    r = client.get("/coverage/org/microsoft", params={"target": "iso42001"})
    assert r.status_code == 200 and r.json()["systems"]
    assert_error(client.get("/coverage/system/microsoft/nope", params={"target": "euaia"}), 404)
    assert_error(client.get("/coverage/certificate/nope", params={"target": "euaia"}), 404)
    assert_error(client.get("/coverage/org/microsoft", params={"target": "nope"}), 404)
    assert_error(client.get("/coverage/org/microsoft"), 422)


def test_named_query_routes(client: TestClient) -> None:
    listed = client.get("/queries").json()
    names = {q["name"] for q in listed}
    assert {"catalog", "systems", "frameworks"} <= names
    shown = client.get("/queries/catalog").json()
    assert "SELECT" in shown["text"] and {p["name"] for p in shown["params"]} == {"framework", "kind"}
    r = client.get("/queries/catalog/run", params={"framework": "starai"})
    assert r.status_code == 200 and r.json()["total"] == len(r.json()["rows"]) > 0
    r = client.post("/queries/catalog/run", params={"framework": "iso42001", "kind": "clause", "limit": 2})
    assert r.status_code == 200 and len(r.json()["rows"]) == 2 and r.json()["total"] > 2
    r = client.get("/queries/systems/run", params={"org": "gsd:org/microsoft"})
    assert r.status_code == 200 and r.json()["total"] > 0
    assert_error(client.get("/queries/requirement/run"), 422)  # required parameter missing
    assert_error(client.get("/queries/nope"), 404, "query_not_found")
    assert_error(client.get("/queries/nope/run"), 404, "query_not_found")
    spec = client.get("/openapi.json").json()
    for name in names:
        op = spec["paths"][f"/queries/{name}/run"]["get"]
        assert op["operationId"] == f"run_{name}_get"
    params = {p["name"]: p for p in spec["paths"]["/queries/catalog/run"]["get"]["parameters"]}
    assert (
        params["framework"]["schema"]["type"] == "string" and params["framework"]["schema"].get("default") == "iso42001"
    )


def test_every_route_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/frameworks",
        "/frameworks/{framework}/requirements",
        "/requirements/{curie}",
        "/crosswalk/{curie}",
        "/crosswalk",
        "/cover",
        "/applicable",
        "/systems",
        "/certificates",
        "/coverage/certificate/{certificate}",
        "/coverage/system/{org}/{system}",
        "/coverage/org/{org}",
        "/orgs",
        "/orgs/{org}",
        "/queries",
        "/queries/{name}",
        "/sparql",
        "/rdf-graphs",
        "/health",
        "/whoami",
    ):
        assert p in paths, p
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


# -- tenant isolation over REST --------------------------------------------------------------------------
def test_rest_tenant_isolation(client: TestClient, keys: dict[str, str]) -> None:
    # a system only in acme's private graph
    private = f"""
    <https://w3id.org/graphsvc/id/system/acme/secret-bot> a <{GS}AISystem> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "Secret bot" ;
        <{GS}operator> <https://w3id.org/graphsvc/id/org/acme> ;
        <{GS}operatorRole> <{GS}role-deployer> ;
        <{GS}intendedPurpose> "internal" .
    <https://w3id.org/graphsvc/id/org/acme> <http://www.w3.org/2000/01/rdf-schema#label> "Acme" .
    """
    r = client.post(
        "/rdf-graphs", params={"graph": ACME}, content=private, headers=auth(keys["acme_writer"], "text/turtle")
    )
    assert r.status_code == 204, r.text
    path, params = "/coverage/system/acme/secret-bot", {"target": "euaia"}
    assert client.get(path, params=params, headers=auth(keys["acme_reader"])).status_code == 200
    assert client.get(path, params=params, headers=auth(keys["admin"])).status_code == 200
    for who in (None, keys["beta_reader"], keys["public_reader"], keys["ms_reader"]):
        assert_error(client.get(path, params=params, headers=auth(who)), 404)
        assert "acme/secret-bot" not in client.get("/systems", headers=auth(who)).text
        assert "SECRET-ACME" not in client.get("/orgs", headers=auth(who)).text
    assert "acme/secret-bot" in client.get("/systems", headers=auth(keys["acme_reader"])).text
    r = client.get("/queries/systems/run", headers=auth(keys["beta_reader"]))
    assert "secret-bot" not in r.text
    assert client.get("/orgs/acme", headers=auth(keys["acme_reader"])).json()["graphs"].get(ACME)
    assert ACME not in client.get("/orgs/acme", headers=auth(keys["beta_reader"])).json()["graphs"]
    # published data is visible to all: microsoft's systems and certificates
    for who in (None, keys["beta_reader"]):
        assert client.get("/coverage/system/microsoft/foundry", params=params, headers=auth(who)).status_code == 200
        assert (
            client.get("/coverage/certificate/microsoft/iso42001-azure", params=params, headers=auth(who)).status_code
            == 200
        )


def test_coverage_never_reads_another_tenants_private_graph(client: TestClient, keys: dict[str, str]) -> None:
    """Microsoft's private evidence counts for Microsoft, never for anyone else's view of its systems."""
    params = {"target": "iso42001", "as_of": "2026-06-01", "explain": True}
    mine = client.get("/coverage/system/microsoft/m365-copilot", params=params, headers=auth(keys["ms_reader"])).json()
    theirs = client.get(
        "/coverage/system/microsoft/m365-copilot", params=params, headers=auth(keys["beta_reader"])
    ).json()
    assert "ev-ms-" in json.dumps(mine) and "ev-ms-" not in json.dumps(theirs)


# -- organisations ----------------------------------------------------------------------------------------
def test_org_routes(client: TestClient, keys: dict[str, str], api_settings: Settings) -> None:
    """Create, replace and refuse organisation documents (tenant delta, so no other test depends on it)."""
    w, doc = keys["delta_writer"], ACME_YAML.replace("acme", "delta").replace("Acme", "Delta")
    delta = graph_iri("org/delta")
    yaml_type = "text/yaml"
    assert_error(client.put("/orgs/delta", content=doc, headers={"Content-Type": yaml_type}), 401)
    assert_error(client.put("/orgs/delta", content=doc, headers=auth(keys["beta_writer"], yaml_type)), 403)
    assert_error(client.put("/orgs/delta", content=doc, headers=auth(keys["acme_reader"], yaml_type)), 403)
    assert_error(client.put("/orgs/beta", content=doc, headers=auth(keys["beta_writer"], yaml_type)), 400)
    assert_error(client.put("/orgs/delta", content=doc, headers=auth(w, "image/png")), 415)
    marker = '<urn:x:delta> <urn:x:p> "before" .'
    assert (
        client.put("/rdf-graphs", params={"graph": delta}, content=marker, headers=auth(w, "text/turtle")).status_code
        == 201
    )

    def graph_text() -> str:
        return client.get("/rdf-graphs", params={"graph": delta}, headers=auth(w, accept="application/n-triples")).text

    # a shared control that does not say what is left to the customer: refused by the loader or the shapes
    bad = doc.replace("    customer_responsibility: Delta keeps the logs itself.\n", "").replace(
        "responsibility: customer", "responsibility: shared"
    )
    r = client.put("/orgs/delta", content=bad, headers=auth(w, yaml_type))
    assert r.status_code in {400, 422}, r.text
    body = assert_error(r, r.status_code)
    assert body["code"] in {"data_load_error", "validation_error"} and "ustomer" in body["error"]
    assert "body:" in body["error"] and "/tmp" not in json.dumps(body)
    assert_error(client.put("/orgs/delta", content="organisation: [", headers=auth(w, yaml_type)), 400)
    assert_error(client.put("/orgs/delta", content="- just a list", headers=auth(w, yaml_type)), 400)
    assert "before" in graph_text()  # a refused import changed nothing
    r = client.put("/orgs/delta", content=doc, headers=auth(w, yaml_type))
    assert r.status_code == 200, r.text  # the graph existed (the marker), so this replaced it
    assert r.json()["ok"] is True and r.json()["graphs"][graph_iri("org/delta/published")] > 0
    assert "before" not in graph_text()
    assert (api_settings.data_path / "imports" / "org" / "delta" / "delta.yaml").exists()
    assert_error(client.post("/orgs/delta", content=doc, headers=auth(w, yaml_type)), 409, "conflict")
    params = {"target": "euaia", "as_of": "2027-01-01", "explain": True}
    cov = client.get("/coverage/system/delta/helpdesk-bot", params=params, headers=auth(w))
    assert cov.status_code == 200 and "ev-delta-logs" in cov.text
    anon = client.get("/coverage/system/delta/helpdesk-bot", params=params)
    assert anon.status_code == 200 and "ev-delta-logs" not in anon.text and "SECRET" not in anon.text
    assert_error(client.delete("/orgs/delta", headers=auth(keys["beta_writer"])), 403)
    assert_error(client.delete("/orgs/nobody", headers=auth(keys["admin"])), 404)


# -- pages, limits, CORS, anonymous off, the error shape -----------------------------------------------------
def test_pages(client: TestClient) -> None:
    """The start page and the SPARQL editor are the styled pages of /ui/ (graphsvc.http.pages)."""
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "ui/"
    assert client.head("/", follow_redirects=False).status_code == 307
    editor = client.get("/sparql-editor", params={"query": "ASK {}"}, follow_redirects=False)
    assert editor.status_code == 307 and editor.headers["location"] == "ui/sparql?query=ASK+%7B%7D"
    assert client.get("/sparql-editor", follow_redirects=False).headers["location"] == "ui/sparql"
    page = client.get("/sparql-editor")
    assert page.status_code == 200 and "<textarea" in page.text and 'href="static/app.css"' in page.text
    assert "//" not in "".join(line for line in page.text.splitlines() if "<script" in line or "<link" in line)


def test_whoami_says_who_a_key_is(client: TestClient, keys: dict[str, str], api_settings: Settings) -> None:
    anonymous = client.get("/whoami").json()
    assert anonymous == {
        "anonymous": True,
        "key_id": None,
        "name": "anonymous",
        "role": "anonymous",
        "tenant": None,
        "scope": "public",
        "private_orgs": [],
    }
    reader = client.get("/whoami", headers=auth(keys["acme_reader"])).json()
    assert reader["role"] == "reader" and reader["tenant"] == "acme" and reader["name"] == "acme_reader"
    assert reader["private_orgs"] == ["acme"] and reader["scope"] == "tenant:acme" and reader["anonymous"] is False
    assert keys["acme_reader"] not in json.dumps(reader) and reader["key_id"] in keys["acme_reader"]
    assert client.get("/whoami", headers=auth(keys["public_reader"])).json()["private_orgs"] == []
    admin = client.get("/whoami", headers=auth(keys["admin"])).json()
    assert {"acme", "beta", "microsoft", "contoso"} <= set(admin["private_orgs"])
    # a wrong key is refused here as everywhere, so a client can check one before relying on it
    ks = KeyStore(api_settings.data_path / "keys.json")
    gone, token = ks.create("reader", tenant="acme", name="gone")
    ks.revoke(gone.id)
    assert "revoked" in assert_error(client.get("/whoami", headers=auth(token)), 401, "unauthorized")["error"]
    assert_error(client.get("/whoami", headers=auth("not-a-key")), 401, "unauthorized")
    assert_error(client.get("/whoami", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401, "unauthorized")
    op = client.get("/openapi.json").json()["paths"]["/whoami"]["get"]
    assert op["security"] and "401" in op["responses"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(client.get("/openapi.json").json()["components"]["schemas"][schema]["properties"]) == set(reader)


def test_coverage_routes_give_every_path_on_request(client: TestClient) -> None:
    params = {"target": "euaia", "as_of": "2026-11-23", "law_version": "adopted", "explain": True}
    routes = ("/coverage/system/microsoft/m365-copilot", "/coverage/certificate/microsoft/iso42001-m365-copilot")
    for route in routes:
        few = client.get(route, params=params).json()["requirements"]
        assert max(len(r["paths"]) for r in few) <= 5
        if route == routes[0]:
            assert max(len(r["paths"]) for r in few) == 5 < max(r["path_count"] for r in few), "5 by default"
        every = client.get(route, params={**params, "max_paths": 1000}).json()["requirements"]
        assert all(len(r["paths"]) == r["path_count"] for r in every)
        assert [r["paths"][:5] for r in every] == [r["paths"] for r in few], "best first, the default's five first"
        hop = next(h for r in every for p in r["paths"] for h in p["hops"])
        assert hop["to_curie"].startswith("euaia:") and ":" in hop["from_curie"] and "to_title" in hop
        assert all(p["requirement"]["title"] for r in every for p in r["paths"])
    org = client.get("/coverage/org/microsoft", params={**params, "max_paths": 1}).json()
    assert all(len(r["paths"]) <= 1 for s in org["systems"] for r in s["requirements"])
    for bad in (0, 1001, "all"):
        assert_error(client.get(routes[0], params={**params, "max_paths": bad}), 422)


def test_body_limit(client: TestClient, keys: dict[str, str]) -> None:
    big = b"#" * 400_000
    r = client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert_error(r, 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"#" * 10_000

    r = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert_error(r, 413)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_cors_is_off_unless_configured(client: TestClient, api_service: GraphService, api_settings: Settings) -> None:
    r = client.get("/frameworks", headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in r.headers
    from dataclasses import replace

    s = replace(api_settings, cors_origins="https://example.org", anonymous=False)
    app = create_app(api_service, s, executor=ThreadExecutor(api_service.store))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
        assert r.headers["access-control-allow-origin"] == "https://example.org"
        # anonymous access turned off
        assert_error(c.get("/frameworks"), 401)
        assert_error(c.get("/sparql", params={"query": "ASK {}"}), 401)
        # the pages still load (their header asks for a key: /whoami says why without one)
        assert c.get("/").status_code == 200 and 'id="apikey"' in c.get("/").text
        assert "anonymous access is turned off" in assert_error(c.get("/whoami"), 401)["error"]


def test_unexpected_errors_are_generic_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(GraphService, "frameworks", boom)
    body = assert_error(client.get("/frameworks"), 500, "internal_error")
    assert "secret" not in json.dumps(body)


# -- reliability (in-process) --------------------------------------------------------------------------------
def test_readers_see_before_or_after_a_graph_replacement(client: TestClient, keys: dict[str, str]) -> None:
    g, w = graph_iri("org/acme/published"), keys["acme_writer"]
    sizes = (300, 1200)

    def body(n: int) -> str:
        return "".join(f'<https://w3id.org/graphsvc/id/system/acme/r{i}> <urn:x:p> "{n}" .\n' for i in range(n))

    assert client.put(
        "/rdf-graphs", params={"graph": g}, content=body(sizes[0]), headers=auth(w, "text/turtle")
    ).status_code in {201, 204}
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s <urn:x:p> ?o }} }}"
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.append(count_of(client, w, q))

    t = threading.Thread(target=reader)
    t.start()
    for i in range(6):
        n = sizes[(i + 1) % 2]
        assert (
            client.put("/rdf-graphs", params={"graph": g}, content=body(n), headers=auth(w, "text/turtle")).status_code
            == 204
        )
    stop.set()
    t.join()
    assert seen and set(seen) <= set(sizes), set(seen)
    assert count_of(client, w, q) == sizes[0]  # read your writes: the last PUT (i=5) wrote sizes[0]


def test_keys_file_survives_concurrent_creation(tmp_path: Path) -> None:
    ks = KeyStore(tmp_path / "keys.json")
    threads = [threading.Thread(target=ks.create, args=("reader",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(KeyStore(tmp_path / "keys.json").list()) == 4
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".keys-")]


def test_applicable_takes_the_attributes_as_query_parameters(client: TestClient) -> None:
    """Art. 27(1) for a private employer (does not apply) and a public body (applies)."""
    base = {"role": "deployer", "annex_iii_area": "4(a)", "as_of": "2026-11-23", "law_version": "adopted"}
    private = client.get(
        "/applicable", params={**base, "public_body": "false", "public_service_provider": "false", "all": "true"}
    )
    public = client.get("/applicable", params={**base, "public_body": "true", "used_at_workplace": "true"})
    assert private.status_code == public.status_code == 200
    p = {i["notation"]: i for i in private.json()["items"]}
    q = {i["notation"]: i for i in public.json()["items"]}
    assert p["27(1)"]["status"] == "does-not-apply" and "Art. 27(1)" in p["27(1)"]["reason"]
    assert q["27(1)"]["status"] == "applies" and q["26(7)"]["status"] == "applies"
    assert public.json()["attributes"]["public_body"] is True
    assert private.json()["summary"]["does-not-apply"] >= 14
    hidden = client.get("/applicable", params={**base, "public_body": "false"}).json()
    assert all(i["status"] != "does-not-apply" for i in hidden["items"])
    assert_error(client.get("/applicable", params={**base, "annex_iii_area": "4(c)"}), 400, "query_parameter_error")
    assert_error(client.get("/applicable", params={**base, "placed_on_market": "soon"}), 400, "query_parameter_error")
    assert_error(client.get("/applicable", params={**base, "public_bodies": "true"}), 400, "query_parameter_error")


def test_certificate_coverage_with_and_without_a_context(client: TestClient) -> None:
    url = "/coverage/certificate/microsoft/iso42001-m365-copilot"
    alone = client.get(url, params={"target": "euaia", "as_of": "2026-11-23"}).json()
    assert alone["applicability"].startswith("none: no applicability filter")
    assert all(r["binds"] for r in alone["requirements"])
    ctx = client.get(
        url, params={"target": "euaia", "as_of": "2026-11-23", "role": "deployer", "category": "transparency"}
    )
    assert ctx.status_code == 200 and ctx.json()["summary"]["not-applicable"] > 0
