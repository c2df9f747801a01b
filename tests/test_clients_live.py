"""Standard SPARQL clients against ``graphsvc serve`` on a free 127.0.0.1 port (slow).

SPARQLWrapper with its defaults and with each of its return formats, for SELECT, ASK, CONSTRUCT
and DESCRIBE; rdflib's SPARQLStore and SPARQLUpdateStore with JSON, XML, CSV and TSV results;
and a plain HTTP client with every result media type the service description lists. Where a
client asks for something the service does not offer (a SELECT as Turtle, an ASK as CSV: the
CSV/TSV results format has no boolean form), the answer is 406 and the client raises.
"""

from __future__ import annotations

import shutil
import urllib.error
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_server_live import Server, free_port

from graphsvc.config import Settings
from graphsvc.http.keys import KeyStore
from graphsvc.namespaces import graph_iri

pytestmark = pytest.mark.slow

ACME = graph_iri("org/acme")
GS = "https://w3id.org/graphsvc/ontology#"
QUERIES = {
    "SELECT": f"SELECT ?id WHERE {{ ?f <{GS}shortName> ?id }} ORDER BY ?id",
    "ASK": f"ASK {{ ?f <{GS}shortName> 'euaia' }}",
    "CONSTRUCT": f"CONSTRUCT WHERE {{ ?f <{GS}shortName> ?id }}",
    "DESCRIBE": "DESCRIBE <https://w3id.org/graphsvc/req/iso42001-2023/A.6.2.8>",
}


@pytest.fixture(scope="module")
def server(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("clients")
    shutil.copytree(built_settings.store_path.resolve(), data / "store-copy")
    (data / "store").symlink_to("store-copy")
    ks = KeyStore(data / "keys.json")
    keys = {
        name: ks.create(role, tenant=tenant, name=name)[1]
        for name, role, tenant in [
            ("admin", "admin", None),
            ("acme_writer", "writer", "acme"),
            ("acme_reader", "reader", "acme"),
        ]
    }
    srv = Server(data, free_port(), keys)
    srv.start()
    yield srv
    srv.stop()


# -- SPARQLWrapper -----------------------------------------------------------------------------------
def check_converted(form: str, fmt: str, result: Any) -> None:
    """What SPARQLWrapper's convert() returns for each form and return format, checked for content."""
    import rdflib

    if form in {"CONSTRUCT", "DESCRIBE"}:
        if fmt in {"turtle", "n3"}:
            result = rdflib.Graph().parse(data=result, format="turtle")
        assert isinstance(result, rdflib.Graph) and len(result) > 0, (form, fmt)
        return
    if fmt == "json":
        assert result["boolean"] is True if form == "ASK" else len(result["results"]["bindings"]) >= 5
    elif fmt == "xml":
        if form == "ASK":
            assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
        else:
            assert len(result.getElementsByTagName("result")) >= 5
    else:  # csv, tsv
        lines = result.decode().strip().splitlines()
        assert lines[0] in {"id", "?id"} and len(lines) >= 6


def test_sparqlwrapper_defaults_for_every_query_form(server: Server) -> None:
    from SPARQLWrapper import SPARQLWrapper

    for form, query in QUERIES.items():
        sw = SPARQLWrapper(server.sparql)
        sw.setQuery(query)
        res = sw.query()
        ctype = res.response.headers["content-type"].split(";")[0]
        expected = "application/sparql-results+xml" if form in {"SELECT", "ASK"} else "application/rdf+xml"
        assert ctype == expected, (form, ctype)
        check_converted(form, "xml", res.convert())


#: (query form, SPARQLWrapper return format) -> the media type answered, or 406
OUTCOMES: dict[tuple[str, str], str | int] = {}
for _form in ("SELECT", "ASK"):
    for _fmt in ("json", "xml", "csv", "tsv", "turtle", "n3", "rdf", "rdf+xml", "json-ld"):
        _ok = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml"}
        if _form == "SELECT":
            _ok |= {"csv": "text/csv", "tsv": "text/tab-separated-values"}
        OUTCOMES[(_form, _fmt)] = _ok.get(_fmt, 406)
for _form in ("CONSTRUCT", "DESCRIBE"):
    for _fmt, _media in {
        "json": "application/ld+json",
        "xml": "application/rdf+xml",
        "csv": 406,
        "tsv": 406,
        "turtle": "text/turtle",
        "n3": "text/turtle",
        "rdf": "application/rdf+xml",
        "rdf+xml": "application/rdf+xml",
        "json-ld": "application/ld+json",
    }.items():
        OUTCOMES[(_form, _fmt)] = _media


@pytest.mark.parametrize(("form", "fmt"), sorted(OUTCOMES))
def test_sparqlwrapper_every_return_format(server: Server, form: str, fmt: str) -> None:
    from SPARQLWrapper import GET, POST, SPARQLWrapper

    expected = OUTCOMES[(form, fmt)]
    for method in (GET, POST):
        sw = SPARQLWrapper(server.sparql)
        sw.setQuery(QUERIES[form])
        sw.setReturnFormat(fmt)
        sw.setMethod(method)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # SPARQLWrapper warns where it sends Accept: */*
            if expected == 406:
                with pytest.raises(urllib.error.HTTPError) as info:
                    sw.query()
                assert info.value.code == 406
                continue
            res = sw.query()
            assert res.response.headers["content-type"].split(";")[0] == expected, (form, fmt, method)
            check_converted(form, fmt, res.convert())


def test_sparqlwrapper_update_with_using_graph_uri(server: Server) -> None:
    from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

    for how in (POST, POSTDIRECTLY):
        up = SPARQLWrapper(server.sparql, updateEndpoint=server.sparql)
        up.addCustomHttpHeader("Authorization", f"Bearer {server.keys['acme_writer']}")
        up.setMethod(POST)
        up.setRequestMethod(how)
        up.setQuery(f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:c:{how}> <urn:c:p> "{how}" }} }}')
        assert up.query().response.status == 204
    assert server.count("SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:c:p> ?o }", "acme_reader") == 2


# -- rdflib SPARQLStore / SPARQLUpdateStore --------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rdflib_sparqlstore_results_formats(server: Server, fmt: str) -> None:
    from rdflib import Graph

    g = Graph(store=_sparqlstore(server, fmt))
    ids = sorted(str(row[0]) for row in g.query(QUERIES["SELECT"]))
    assert ids[:3] == ["aicm", "euaia", "iso42001"]
    if fmt in {"json", "xml"}:
        assert g.query(QUERIES["ASK"]).askAnswer is True
    else:  # an ASK cannot be answered in CSV/TSV: 406, which rdflib reports as an error
        with pytest.raises(ValueError):
            g.query(QUERIES["ASK"])


def _sparqlstore(server: Server, fmt: str) -> Any:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    return SPARQLStore(server.sparql, returnFormat=fmt)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rdflib_sparqlupdatestore_round_trip(server: Server, fmt: str) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    hdr = {"Authorization": f"Bearer {server.keys['acme_writer']}"}
    store = SPARQLUpdateStore(server.sparql, server.sparql, returnFormat=fmt, headers=hdr)
    g = Graph(store=store, identifier=URIRef(ACME))
    s = URIRef(f"urn:rdflib:{fmt}")
    g.add((s, URIRef("urn:rdflib:p"), Literal(f"added with {fmt}")))
    found = list(g.triples((s, None, None)))
    assert [str(o) for _, _, o in found] == [f"added with {fmt}"]
    g.remove((s, None, None))
    assert list(g.triples((s, None, None))) == []


# -- a plain HTTP client with every result media type the service description lists ----------------------------
def test_every_listed_result_format_over_http(server: Server) -> None:
    import rdflib
    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

    from graphsvc.http.sparql.service_description import RESULT_FORMATS

    sd = rdflib.Graph().parse(data=httpx.get(server.sparql, headers={"Accept": "text/turtle"}).text, format="turtle")
    listed = {
        str(o) for o in sd.objects(None, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#resultFormat"))
    }
    media = {iri: m for m, iri in RESULT_FORMATS.items() if iri in listed}
    assert len(media) == len(listed) == 8
    tables = {
        "application/sparql-results+json": QueryResultsFormat.JSON,
        "application/sparql-results+xml": QueryResultsFormat.XML,
        "text/csv": QueryResultsFormat.CSV,
        "text/tab-separated-values": QueryResultsFormat.TSV,
    }
    with httpx.Client(timeout=30) as c:
        for m in media.values():
            forms = ["SELECT", "ASK"] if m in tables else ["CONSTRUCT", "DESCRIBE"]
            if m in {"text/csv", "text/tab-separated-values"}:
                forms = ["SELECT"]
            for form in forms:
                for r in (
                    c.get(server.sparql, params={"query": QUERIES[form]}, headers={"Accept": m}),
                    c.post(
                        server.sparql,
                        content=QUERIES[form],
                        headers={"Accept": m, "Content-Type": "application/sparql-query"},
                    ),
                ):
                    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == m, (
                        m,
                        form,
                        r.text[:200],
                    )
                    if m in tables:
                        if m != "text/csv":  # pyoxigraph reads every results format but CSV, which is lossy
                            assert parse_query_results(r.content, format=tables[m]) is not None
                    else:
                        assert len(list(parse(r.content, format=RdfFormat.from_media_type(m)))) > 0
            if m in {"text/csv", "text/tab-separated-values"}:
                assert c.get(server.sparql, params={"query": QUERIES["ASK"]}, headers={"Accept": m}).status_code == 406
        assert c.head(server.sparql, params={"query": QUERIES["SELECT"]}).status_code == 200
