"""SPARQL 1.1 Graph Store HTTP Protocol (W3C Recommendation 2013-03-21), indirect identification:
one test per clause, named for its section; and HEAD on every route that serves GET."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from apptools import ACME, ACME_PUB, BETA, app_client, bearer, error_of
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse
from starlette.routing import Mount, Route

from graphsvc.config import Settings
from graphsvc.http.sparql.graph_store import CREATED_PREFIX, parse_graph_body

NT = '<https://w3id.org/graphsvc/id/system/acme/gsp-test> <urn:g:p> "one" .\n'


@pytest.fixture(scope="module")
def env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    with app_client(built_settings, tmp_path_factory.mktemp("gsp")) as pair:
        yield pair


@pytest.fixture
def client(env: tuple[TestClient, Any]) -> TestClient:
    return env[0]


@pytest.fixture
def keys(env: tuple[TestClient, Any]) -> dict[str, str]:
    return env[1]


def triples_of(client: TestClient, graph: str, token: str | None = None) -> set[str]:
    r = client.get("/rdf-graphs", params={"graph": graph}, headers=bearer(token, accept="application/n-triples"))
    assert r.status_code == 200, r.text
    return {line for line in r.text.splitlines() if line.strip()}


def multipart(*parts: tuple[str, str, bytes, str | None]) -> tuple[bytes, str]:
    """A multipart/form-data body from (field name, file name, content, content type) parts."""
    boundary = "graphsvc-test-boundary"
    out = b""
    for name, filename, content, ctype in parts:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# -- 4.2 indirect graph identification -----------------------------------------------------------------
def test_4_2_graph_parameter_is_an_absolute_iri(client: TestClient) -> None:
    error_of(client.get("/rdf-graphs", params={"graph": "relative/graph"}), 400)
    assert client.get("/rdf-graphs", params={"graph": "gsg:org/acme/published"}).status_code in {200, 404}


def test_4_2_graph_and_default_together_are_refused(client: TestClient) -> None:
    error_of(client.get("/rdf-graphs", params={"graph": ACME_PUB, "default": ""}), 400)


# -- 5.2 GET -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
    ],
)
def test_5_2_get_returns_the_graph_in_the_negotiated_format(
    client: TestClient, keys: dict[str, str], accept: str, fmt: RdfFormat
) -> None:
    r = client.get("/rdf-graphs", params={"graph": ACME}, headers=bearer(keys["acme_reader"], accept=accept))
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == accept
    assert [str(q.object) for q in parse(r.content, format=fmt)] == ['"SECRET-ACME"']


def test_5_2_get_of_a_graph_that_does_not_exist_is_404(client: TestClient, keys: dict[str, str]) -> None:
    error_of(client.get("/rdf-graphs", params={"graph": "urn:x:nothing"}), 404)
    error_of(client.get("/rdf-graphs", params={"graph": BETA}, headers=bearer(keys["acme_reader"])), 404)


# -- 5.3 PUT -----------------------------------------------------------------------------------------------
def test_5_3_put_creating_a_graph_is_201_and_replacing_one_is_204(client: TestClient, keys: dict[str, str]) -> None:
    a, g = keys["admin"], "urn:x:put"
    assert (
        client.put("/rdf-graphs", params={"graph": g}, content=NT, headers=bearer(a, "text/turtle")).status_code == 201
    )
    two = '<https://w3id.org/graphsvc/id/system/acme/gsp-test> <urn:g:p> "two" .'
    assert (
        client.put("/rdf-graphs", params={"graph": g}, content=two, headers=bearer(a, "text/turtle")).status_code == 204
    )
    assert triples_of(client, g, a) == {'<https://w3id.org/graphsvc/id/system/acme/gsp-test> <urn:g:p> "two" .'}


def test_5_3_put_of_the_default_graph(client: TestClient, keys: dict[str, str]) -> None:
    a = keys["admin"]
    r = client.put("/rdf-graphs", params={"default": ""}, content=NT, headers=bearer(a, "application/n-triples"))
    assert r.status_code in {201, 204}
    r = client.put("/rdf-graphs", params={"default": ""}, content=NT, headers=bearer(a, "application/n-triples"))
    assert r.status_code == 204  # it exists now
    r = client.get("/rdf-graphs", params={"default": ""}, headers=bearer(a, accept="application/n-triples"))
    assert r.text.strip() == NT.strip()
    assert client.delete("/rdf-graphs", params={"default": ""}, headers=bearer(a)).status_code == 204


# -- 5.4 DELETE ----------------------------------------------------------------------------------------------
def test_5_4_delete_is_204_and_a_missing_graph_is_404(client: TestClient, keys: dict[str, str]) -> None:
    a, g = keys["admin"], "urn:x:delete"
    client.put("/rdf-graphs", params={"graph": g}, content=NT, headers=bearer(a, "text/turtle"))
    assert client.delete("/rdf-graphs", params={"graph": g}, headers=bearer(a)).status_code == 204
    error_of(client.delete("/rdf-graphs", params={"graph": g}, headers=bearer(a)), 404)


# -- 5.5 POST ------------------------------------------------------------------------------------------------
def test_5_5_post_merges_into_the_graph(client: TestClient, keys: dict[str, str]) -> None:
    w = keys["acme_writer"]
    r = client.post("/rdf-graphs", params={"graph": ACME_PUB}, content=NT, headers=bearer(w, "text/turtle"))
    assert r.status_code in {201, 204}
    more = '<https://w3id.org/graphsvc/id/system/acme/gsp-test> <urn:g:p> "more" .'
    assert (
        client.post(
            "/rdf-graphs", params={"graph": ACME_PUB}, content=more, headers=bearer(w, "text/turtle")
        ).status_code
        == 204
    )
    assert {NT.strip(), more} <= triples_of(client, ACME_PUB)


def test_5_5_post_to_a_new_graph_creates_it(client: TestClient, keys: dict[str, str]) -> None:
    a = keys["admin"]
    r = client.post("/rdf-graphs", params={"graph": "urn:x:posted"}, content=NT, headers=bearer(a, "text/turtle"))
    assert r.status_code == 201


def test_5_5_post_to_the_graph_store_creates_a_graph_named_in_location(
    client: TestClient, keys: dict[str, str]
) -> None:
    a = keys["admin"]
    r = client.post("/rdf-graphs", content=NT, headers=bearer(a, "text/turtle"))
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    url = urllib.parse.urlsplit(location)
    assert url.path == "/rdf-graphs" and location != "http://testserver/rdf-graphs"
    graph = urllib.parse.parse_qs(url.query)["graph"][0]
    assert graph.startswith(CREATED_PREFIX)
    got = client.get(location, headers=bearer(a, accept="application/n-triples"))
    assert got.status_code == 200 and got.text.strip() == NT.strip()
    again = client.post("/rdf-graphs", content=NT, headers=bearer(a, "text/turtle"))
    assert again.headers["location"] != location  # a new graph each time


def test_5_5_post_to_the_graph_store_needs_a_key_that_may_create_graphs(
    client: TestClient, keys: dict[str, str]
) -> None:
    error_of(client.post("/rdf-graphs", content=NT, headers=bearer(keys["acme_writer"], "text/turtle")), 403)
    error_of(client.post("/rdf-graphs", content=NT, headers=bearer(None, "text/turtle")), 401)
    error_of(client.put("/rdf-graphs", content=NT, headers=bearer(keys["admin"], "text/turtle")), 400)


def test_5_5_multipart_form_data_post_merges_every_part(client: TestClient, keys: dict[str, str]) -> None:
    body, ctype = multipart(
        ("graph1", "a.ttl", b'_:x <urn:m:p> "turtle part" .', "text/turtle"),
        ("graph2", "b.nt", b'_:x <urn:m:p> "n-triples part" .', "application/n-triples"),
        ("graph3", "c.ttl", b'_:x <urn:m:p> "file upload" .', "application/octet-stream"),
    )
    w = keys["acme_writer"]
    # acme's private graph: a published graph holds no blank-node subjects (graphsvc.sources.ownership)
    r = client.post("/rdf-graphs", params={"graph": ACME}, content=body, headers=bearer(w, ctype))
    assert r.status_code == 204, r.text
    lines = [t for t in triples_of(client, ACME, keys["acme_reader"]) if "urn:m:p" in t]
    assert len(lines) == 3 and len({t.split()[0] for t in lines}) == 3  # blank nodes stay apart


def test_5_5_multipart_parts_of_another_media_type_are_415(client: TestClient, keys: dict[str, str]) -> None:
    body, ctype = multipart(("g", "a.png", b"\x89PNG", "image/png"))
    w = keys["acme_writer"]
    error_of(client.post("/rdf-graphs", params={"graph": ACME_PUB}, content=body, headers=bearer(w, ctype)), 415)
    body, ctype = multipart(("g", "a.ttl", NT.encode(), "text/turtle"))
    error_of(client.put("/rdf-graphs", params={"graph": ACME_PUB}, content=body, headers=bearer(w, ctype)), 415)


def test_5_5_multipart_is_parsed_without_the_network() -> None:
    body, ctype = multipart(("one", "x.nt", NT.encode(), "application/n-triples"), ("two", "y.ttl", NT.encode(), None))
    assert len(parse_graph_body(body, ctype, None, multipart=True)) == 2


# -- 5.6 HEAD ------------------------------------------------------------------------------------------------
def test_5_6_head_is_get_without_a_body(client: TestClient, keys: dict[str, str]) -> None:
    h = bearer(keys["acme_reader"], accept="text/turtle")
    get = client.get("/rdf-graphs", params={"graph": ACME}, headers=h)
    head = client.head("/rdf-graphs", params={"graph": ACME}, headers=h)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "vary"):
        assert head.headers[name] == get.headers[name]
    assert client.head("/rdf-graphs", params={"graph": "urn:x:nothing"}).status_code == 404


# -- status codes --------------------------------------------------------------------------------------------
def test_5_status_a_body_that_does_not_parse_is_400(client: TestClient, keys: dict[str, str]) -> None:
    r = client.put(
        "/rdf-graphs", params={"graph": ACME_PUB}, content="<a> <b", headers=bearer(keys["acme_writer"], "text/turtle")
    )
    error_of(r, 400)


def test_5_status_an_unsupported_media_type_is_415(client: TestClient, keys: dict[str, str]) -> None:
    w = keys["acme_writer"]
    for ctype in ("application/x-foo", "application/n-quads", "application/trig"):
        error_of(client.put("/rdf-graphs", params={"graph": ACME_PUB}, content=NT, headers=bearer(w, ctype)), 415)


# -- HEAD on every route that serves GET -----------------------------------------------------------------
SAMPLES = {
    "curie": "iso42001:A.6.2.8",
    "framework": "iso42001",
    "name": "systems",
    "org": "contoso",
    "system": "hr-screening",
    "certificate": "nothing",
    "path": "index.html",
}


def _sample_path(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLES.get(m.group(1), "x"), path)


def app_routes(app: Any) -> Iterator[tuple[Any, str]]:
    """Every route of the app with its path, those of included routers too (FastAPI 0.165 keeps an
    included router as one entry of ``app.routes``; earlier versions copied its routes there)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from ((r, r.path) for r in app.routes)
        return
    for ctx in iter_route_contexts(app.routes):
        yield ctx.original_route, ctx.path


def test_head_is_served_wherever_get_is(client: TestClient) -> None:
    paths = []
    for route, path in app_routes(client.app):  # type: ignore[arg-type]
        if isinstance(route, Route) and "GET" in (route.methods or set()):
            paths.append(_sample_path(path))
        elif isinstance(route, Mount):
            paths.append(path + "/")
    assert len(paths) > 20
    for path in paths:
        params = {"target": "euaia", "from": "iso42001", "to": "euaia", "graph": ACME_PUB}
        get = client.get(path, params=params)
        head = client.head(path, params=params)
        assert head.status_code == get.status_code != 405, (path, head.status_code, get.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
    r = client.put("/health")
    assert r.status_code == 405 and "HEAD" in r.headers["allow"]
