"""SPARQL 1.1 Protocol (W3C Recommendation 2013-03-21), one test per clause, named for its section.

Over the app in-process on a private copy of the built store. The dataset restriction and the
update guard have their own tests (tests/test_api.py, tests/test_sparql_attacks.py); these check
the protocol: where each parameter may go, status codes, media types and error bodies.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptools import ACME, ACME_PUB, BETA, app_client, bearer, error_of
from fastapi.testclient import TestClient
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

from graphsvc.config import Settings
from graphsvc.errors import BadRequest, UnsupportedMediaType
from graphsvc.http.sparql.protocol import parse_request
from graphsvc.namespaces import GRAPHSVC_BASE_IRI

RESULTS_JSON = "application/sparql-results+json"
FRAMEWORK_IDS = "SELECT ?id WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id } ORDER BY ?id"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    with app_client(built_settings, tmp_path_factory.mktemp("protocol")) as pair:
        yield pair


@pytest.fixture
def client(env: tuple[TestClient, Any]) -> TestClient:
    return env[0]


@pytest.fixture
def keys(env: tuple[TestClient, Any]) -> dict[str, str]:
    return env[1]


def ids(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [b["id"]["value"] for b in r.json()["results"]["bindings"]]


def count(client: TestClient, query: str, token: str | None) -> int:
    r = client.post("/sparql", data={"query": query}, headers=bearer(token, accept=RESULTS_JSON))
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- 2.1 query operation ----------------------------------------------------------------------------
def test_2_1_1_query_via_get(client: TestClient) -> None:
    assert ids(client.get("/sparql", params={"query": FRAMEWORK_IDS}))[:2] == ["aicm", "euaia"]


def test_2_1_1_query_via_get_takes_exactly_one_query_string(client: TestClient) -> None:
    error_of(client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), 400)


def test_2_1_2_query_via_url_encoded_post(client: TestClient) -> None:
    r = client.post("/sparql", content=f"query={FRAMEWORK_IDS}", headers={"Content-Type": FORM})
    assert ids(r)[:2] == ["aicm", "euaia"]


def test_2_1_2_a_url_encoded_post_takes_no_parameter_in_the_url(client: TestClient) -> None:
    body = error_of(client.post("/sparql?query=ASK%20%7B%7D", content=b"", headers={"Content-Type": FORM}), 400)
    assert "URL of a POST" in body["error"]
    r = client.post(
        "/sparql", params={"default-graph-uri": ACME_PUB}, data={"query": "ASK {}"}, headers={"Accept": RESULTS_JSON}
    )
    error_of(r, 400)


def test_2_1_3_query_via_post_directly(client: TestClient) -> None:
    r = client.post("/sparql", content=FRAMEWORK_IDS, headers={"Content-Type": "application/sparql-query"})
    assert ids(r)[:2] == ["aicm", "euaia"]
    # the dataset parameters go in the URL
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    r = client.post(
        "/sparql",
        params={"default-graph-uri": BETA},
        content=q,
        headers=bearer(None, "application/sparql-query", RESULTS_JSON),
    )
    error_of(r, 403)  # beta's private graph, asked for by an anonymous caller


def test_2_1_3_a_direct_post_carries_no_query_in_the_url(client: TestClient) -> None:
    r = client.post(
        "/sparql?query=ASK%20%7B%7D", content="ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    error_of(r, 400)


def test_2_1_4_protocol_dataset_overrides_the_query_dataset(client: TestClient, keys: dict[str, str]) -> None:
    q = f"SELECT (COUNT(*) AS ?n) FROM <{ACME_PUB}> WHERE {{ ?s ?p ?o FILTER(STR(?o) = 'SECRET-ACME') }}"
    assert count(client, q, keys["acme_reader"]) == 0
    r = client.post(
        "/sparql",
        data={"query": q, "default-graph-uri": ACME},
        headers=bearer(keys["acme_reader"], accept=RESULTS_JSON),
    )
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "1"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+xml", QueryResultsFormat.XML),
        ("text/tab-separated-values", QueryResultsFormat.TSV),
        ("text/csv", QueryResultsFormat.CSV),
    ],
)
def test_2_1_5_select_results_in_each_results_format_with_its_media_type(
    client: TestClient, accept: str, fmt: QueryResultsFormat
) -> None:
    r = client.get("/sparql", params={"query": FRAMEWORK_IDS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    if fmt == QueryResultsFormat.CSV:
        rows = [row[0] for row in csv.reader(io.StringIO(r.text))][1:]
    else:
        rows = [s["id"].value for s in parse_query_results(r.content, format=fmt)]  # type: ignore[union-attr]
    assert rows[:2] == ["aicm", "euaia"]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
    ],
)
def test_2_1_5_construct_and_describe_as_an_rdf_graph_with_its_media_type(
    client: TestClient, accept: str, fmt: RdfFormat
) -> None:
    for q in (
        "CONSTRUCT WHERE { ?s <https://w3id.org/graphsvc/ontology#shortName> ?o }",
        "DESCRIBE <https://w3id.org/graphsvc/req/iso42001-2023/A.6.2.8>",
    ):
        r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept, r.text
        assert len(list(parse(r.content, format=fmt))) > 0


def test_2_1_5_ask_is_offered_in_the_results_formats_that_define_a_boolean(client: TestClient) -> None:
    for accept, fmt in (("application/sparql-results+json", "JSON"), ("application/sparql-results+xml", "XML")):
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
        assert bool(parse_query_results(r.content, format=getattr(QueryResultsFormat, fmt))) is True
    for accept in ("text/csv", "text/tab-separated-values"):
        body = error_of(client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept}), 406)
        assert "SELECT results only" in body["error"]
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv, */*;q=0.1"})
    assert r.headers["content-type"].startswith(RESULTS_JSON) and r.json() == {"head": {}, "boolean": True}


def test_2_1_6_a_successful_query_is_200(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_2_1_7_a_malformed_query_is_400_with_an_error_body(client: TestClient) -> None:
    body = error_of(client.get("/sparql", params={"query": "SELECT WHERE {"}), 400)
    assert body["code"] == "query_syntax_error" and body["error"]


def test_2_1_7_an_unacceptable_result_type_is_406_with_an_error_body(client: TestClient) -> None:
    assert error_of(client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}), 406)[
        "code"
    ] == ("not_acceptable")


def test_2_1_7_a_query_stopped_at_the_timeout_is_5xx(built_settings: Settings, tmp_path: Path) -> None:
    with app_client(built_settings, tmp_path, query_timeout=0.5) as (c, _):
        r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
        assert error_of(r, 503)["code"] == "query_timeout"


# -- 2.2 update operation ---------------------------------------------------------------------------------
def test_2_2_1_update_via_url_encoded_post(client: TestClient, keys: dict[str, str]) -> None:
    text = f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:p:form> <urn:p:v> "form" }} }}'
    r = client.post("/sparql", data={"update": text}, headers=bearer(keys["acme_writer"]))
    assert r.status_code == 204, r.text
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { <urn:p:form> ?p ?o }", keys["acme_reader"]) == 1


def test_2_2_1_an_update_in_the_url_of_a_post_is_refused_and_changes_nothing(
    client: TestClient, keys: dict[str, str]
) -> None:
    before = count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", keys["admin"])
    for ct in (FORM, "application/sparql-update"):
        r = client.post("/sparql?update=CLEAR%20ALL", content=b"", headers=bearer(keys["admin"], ct))
        assert "URL of a POST" in error_of(r, 400)["error"]
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", keys["admin"]) == before


def test_2_2_2_update_via_post_directly(client: TestClient, keys: dict[str, str]) -> None:
    text = f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:p:direct> <urn:p:v> "direct" }} }}'
    r = client.post("/sparql", content=text, headers=bearer(keys["acme_writer"], "application/sparql-update"))
    assert r.status_code == 204, r.text
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { <urn:p:direct> ?p ?o }", keys["acme_reader"]) == 1


def test_2_2_3_using_graph_uri_is_handed_on_from_the_form_and_the_url() -> None:
    form = parse_request(
        "POST",
        FORM,
        [],
        f"update=DELETE+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D&using-graph-uri={ACME}&using-named-graph-uri={ACME_PUB}".encode(),
    )
    assert (form.using_graphs, form.using_named_graphs) == ([ACME], [ACME_PUB])
    direct = parse_request(
        "POST",
        "application/sparql-update",
        [("using-graph-uri", ACME), ("using-graph-uri", ACME_PUB), ("using-named-graph-uri", BETA)],
        b"DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    )
    assert (direct.using_graphs, direct.using_named_graphs) == ([ACME, ACME_PUB], [BETA])
    with pytest.raises(BadRequest):  # a query takes default-graph-uri, not using-graph-uri
        parse_request("GET", None, [("query", "ASK {}"), ("using-graph-uri", ACME)])
    with pytest.raises(BadRequest):  # and an update takes no default-graph-uri
        parse_request("POST", "application/sparql-update", [("default-graph-uri", ACME)], b"CLEAR DEFAULT")


def test_2_2_3_using_graph_uri_acts_as_using(client: TestClient, keys: dict[str, str]) -> None:
    w = keys["acme_writer"]
    # copy what the WHERE clause sees back into acme's private graph: only acme's private fact
    text = f"INSERT {{ GRAPH <{ACME}> {{ ?s <urn:p:copied> ?o }} }} WHERE {{ ?s <urn:t:label> ?o }}"
    r = client.post(
        "/sparql", params={"using-graph-uri": ACME}, content=text, headers=bearer(w, "application/sparql-update")
    )
    assert r.status_code == 204, r.text
    q = "SELECT ?o WHERE { ?s <urn:p:copied> ?o }"
    r = client.post("/sparql", data={"query": q}, headers=bearer(keys["acme_reader"], accept=RESULTS_JSON))
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["SECRET-ACME"]
    # a graph the writer may not read is refused as USING <g> would be
    r = client.post(
        "/sparql", params={"using-graph-uri": BETA}, content=text, headers=bearer(w, "application/sparql-update")
    )
    error_of(r, 403)


def test_2_2_3_using_named_graph_uri_acts_as_using_named(client: TestClient, keys: dict[str, str]) -> None:
    w = keys["acme_writer"]
    text = f"INSERT {{ GRAPH <{ACME}> {{ ?g <urn:p:named> ?o }} }} WHERE {{ GRAPH ?g {{ ?s <urn:t:label> ?o }} }}"
    r = client.post("/sparql", data={"update": text, "using-named-graph-uri": ACME}, headers=bearer(w))
    assert r.status_code == 204, r.text
    r = client.post(
        "/sparql",
        data={"query": "SELECT ?g WHERE { ?g <urn:p:named> ?o }"},
        headers=bearer(keys["acme_reader"], accept=RESULTS_JSON),
    )
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [ACME]


def test_2_2_3_using_graph_uri_with_using_or_with_in_the_update_is_an_error(
    client: TestClient, keys: dict[str, str]
) -> None:
    w = keys["acme_writer"]
    for text in (
        f"WITH <{ACME}> DELETE {{ ?s <urn:none> ?o }} WHERE {{ ?s <urn:none> ?o }}",
        f"DELETE {{ GRAPH <{ACME}> {{ ?s <urn:none> ?o }} }} USING <{ACME}> WHERE {{ ?s <urn:none> ?o }}",
    ):
        r = client.post("/sparql", data={"update": text, "using-graph-uri": ACME_PUB}, headers=bearer(w))
        error_of(r, 400)


def test_2_2_4_a_successful_update_is_2xx(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/sparql",
        content=f"CLEAR SILENT GRAPH <{ACME_PUB}/none>",
        headers=bearer(keys["admin"], "application/sparql-update"),
    )
    assert 200 <= r.status_code < 300


def test_2_2_5_a_malformed_update_is_400_with_an_error_body(client: TestClient, keys: dict[str, str]) -> None:
    r = client.post(
        "/sparql", content="INSERT DATA { GRAPH <", headers=bearer(keys["acme_writer"], "application/sparql-update")
    )
    assert error_of(r, 400)["code"] == "query_syntax_error"


def test_2_2_update_is_post_only(client: TestClient, keys: dict[str, str]) -> None:
    error_of(client.get("/sparql", params={"update": "CLEAR ALL"}, headers=bearer(keys["admin"])), 400)


# -- request encodings ------------------------------------------------------------------------------------
def test_a_post_body_of_another_media_type_is_415() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_request("POST", "text/plain", [], b"ASK {}")
    with pytest.raises(UnsupportedMediaType):
        parse_request("POST", "application/sparql-query; charset=latin-1", [], b"ASK {}")


def test_a_query_and_an_update_in_one_request_is_400(client: TestClient) -> None:
    error_of(client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}), 400)


# -- base IRI -------------------------------------------------------------------------------------------------
def test_relative_iris_resolve_against_the_base_iri_the_service_description_states(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?i WHERE { BIND(<thing> AS ?i) }"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["i"]["value"] == GRAPHSVC_BASE_IRI + "thing"
    sd = client.get("/sparql", headers={"Accept": "application/n-triples"}).text
    assert f"<{GRAPHSVC_BASE_IRI}>" in sd


# -- Service Description (SPARQL 1.1 Service Description, section 2) --------------------------------------------
SD_NS = "http://www.w3.org/ns/sparql-service-description#"


def description(client: TestClient, token: str | None = None) -> Any:
    import rdflib

    r = client.get("/sparql", headers=bearer(token, accept="text/turtle"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=r.text, format="turtle")


def test_sd_2_the_endpoint_without_a_query_describes_itself_in_each_rdf_format(client: TestClient) -> None:
    for accept, fmt in (
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
    ):
        r = client.get("/sparql", headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
        assert any(str(q.object) == f"<{SD_NS}Service>" for q in parse(r.content, format=fmt))


def test_sd_every_result_format_listed_is_served(client: TestClient) -> None:
    import rdflib

    from graphsvc.http.sparql.service_description import RESULT_FORMATS

    listed = {str(o) for o in description(client).objects(None, rdflib.URIRef(SD_NS + "resultFormat"))}
    media = {iri: m for m, iri in RESULT_FORMATS.items()}
    assert listed == set(media)
    for iri in listed:
        m = media[iri]
        results = "sparql-results" in m or m in {"text/csv", "text/tab-separated-values"}
        q = FRAMEWORK_IDS if results else "CONSTRUCT WHERE { ?s <https://w3id.org/graphsvc/ontology#shortName> ?o }"
        r = client.get("/sparql", params={"query": q}, headers={"Accept": m})
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == m, (m, r.text[:200])


def test_sd_every_input_format_listed_is_accepted_by_the_graph_store(client: TestClient, keys: dict[str, str]) -> None:
    import rdflib
    from pyoxigraph import Literal, NamedNode, Triple, serialize

    from graphsvc.http.sparql.service_description import INPUT_FORMATS

    listed = {str(o) for o in description(client).objects(None, rdflib.URIRef(SD_NS + "inputFormat"))}
    assert listed == set(INPUT_FORMATS.values())
    triple = Triple(NamedNode("urn:sd:s"), NamedNode("urn:sd:p"), Literal("in"))
    for m, fmt in INPUT_FORMATS.items():
        body = serialize([triple], format=RdfFormat.from_media_type(m))
        r = client.put("/rdf-graphs", params={"graph": "urn:sd:g"}, content=body, headers=bearer(keys["admin"], m))
        assert r.status_code in {201, 204}, (fmt, r.text)


def test_sd_features_hold(client: TestClient, keys: dict[str, str]) -> None:
    import rdflib

    g = description(client)
    features = {str(o) for o in g.objects(None, rdflib.URIRef(SD_NS + "feature"))}
    assert features == {SD_NS + "UnionDefaultGraph", SD_NS + "EmptyGraphs"}
    # UnionDefaultGraph: a catalog's fact is in the default graph, without GRAPH
    r = client.get("/sparql", params={"query": "ASK { ?s <https://w3id.org/graphsvc/ontology#shortName> 'euaia' }"})
    assert r.json()["boolean"] is True
    # EmptyGraphs: a graph created empty stays and is listed
    a = keys["admin"]
    r = client.put("/rdf-graphs", params={"graph": "urn:sd:empty"}, content=b"", headers=bearer(a, "text/turtle"))
    assert r.status_code == 201
    assert client.get("/rdf-graphs", params={"graph": "urn:sd:empty"}, headers=bearer(a)).status_code == 200
    names = {str(o) for o in description(client, a).objects(None, rdflib.URIRef(SD_NS + "name"))}
    assert "urn:sd:empty" in names


def test_sd_update_is_listed_only_for_a_key_that_may_write(client: TestClient, keys: dict[str, str]) -> None:
    import rdflib

    def languages(token: str | None) -> set[str]:
        return {str(o) for o in description(client, token).objects(None, rdflib.URIRef(SD_NS + "supportedLanguage"))}

    assert languages(None) == languages(keys["acme_reader"]) == {SD_NS + "SPARQL11Query"}
    assert languages(keys["acme_writer"]) == {SD_NS + "SPARQL11Query", SD_NS + "SPARQL11Update"}


def test_select_results_json_is_the_w3c_structure_as_json_dumps_writes_it() -> None:
    """The endpoint writes SELECT results JSON by hand, term by term, for speed: the bytes must be
    what json.dumps writes for the W3C structure, for every kind of term and awkward text."""
    import json

    from pyoxigraph import BlankNode, Literal, NamedNode, Triple

    from graphsvc.http.sparql.negotiation import RESULTS_JSON
    from graphsvc.http.sparql.serialization import serialize_solutions

    xsd = "http://www.w3.org/2001/XMLSchema#"
    texts = ["plain", 'quote " and \\ backslash', "line\nbreak\ttab\x01ctl", "\u2028\u2029 sep", "é ü 中文 🙂", ""]
    terms: list[Any] = [NamedNode("http://e/x?q=1&r=\u00e9"), BlankNode("b0")]
    for text in texts:
        terms += [Literal(text), Literal(text, language="en-GB"), Literal(text, datatype=NamedNode(xsd + "token"))]
    terms += [Literal(42), Literal(True), Literal("x", datatype=NamedNode(xsd + "string"))]
    terms.append(Triple(NamedNode("http://e/s"), NamedNode("http://e/p"), Literal("o", language="fr")))

    def reference(t: Any) -> dict[str, Any]:
        if isinstance(t, NamedNode):
            return {"type": "uri", "value": t.value}
        if isinstance(t, BlankNode):
            return {"type": "bnode", "value": t.value}
        if isinstance(t, Triple):
            parts = {"subject": t.subject, "predicate": t.predicate, "object": t.object}
            return {"type": "triple", "value": {k: reference(v) for k, v in parts.items()}}
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value not in {xsd + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}:
            out["datatype"] = t.datatype.value
        return out

    variables = ["a", "b", "c"]
    rows = [
        (terms[i], terms[(i + 1) % len(terms)] if i % 3 else None, terms[(i * 7) % len(terms)])
        for i in range(len(terms))
    ]
    expected = {
        "head": {"vars": variables},
        "results": {
            "bindings": [
                {v: reference(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
            ]
        },
    }
    body = serialize_solutions(variables, rows, RESULTS_JSON)
    assert body == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert json.loads(body) == expected
    assert (
        serialize_solutions(variables, [], RESULTS_JSON) == b'{"head":{"vars":["a","b","c"]},"results":{"bindings":[]}}'
    )
