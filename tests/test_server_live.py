"""graphsvc serve as a real process on a free 127.0.0.1 port, driven by real SPARQL clients.

httpx, SPARQLWrapper and rdflib's SPARQLStore / SPARQLUpdateStore against the live server;
the tenant-isolation matrix (every route and SPARQL form, two tenants, anonymous); the attack
list (each refused with a clear 4xx, the server still answering); kill -9 durability and
before-or-after reads during a large write. All traffic stays on the loopback address.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphsvc.config import Settings
from graphsvc.http.keys import KeyStore
from graphsvc.namespaces import graph_iri

pytestmark = pytest.mark.slow

GS = "https://w3id.org/graphsvc/ontology#"
ACME, ACME_PUB, BETA, BETA_PUB = (
    graph_iri("org/acme"),
    graph_iri("org/acme/published"),
    graph_iri("org/beta"),
    graph_iri("org/beta/published"),
)
TIMEOUT = 3.0
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out


def cpu_ticks(pid: int) -> int:
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(f[11]) + int(f[12])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Server:
    data: Path
    port: int
    keys: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def start(self) -> None:
        log = self.data / f"server-{len(self.log)}.log"
        self.log.append(log)
        cmd = [
            sys.executable,
            "-m",
            "graphsvc.cli.server",
            "--store",
            str(self.data),
            "--port",
            str(self.port),
            "--query-timeout",
            str(TIMEOUT),
            "--result-cap",
            "100000",
            "--body-limit",
            "20000000",
            "--log-level",
            "warning",
        ]
        with log.open("wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {log.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def h(self, who: str | None, content_type: str | None = None, accept: str | None = None) -> dict[str, str]:
        out = {}
        if who:
            out["Authorization"] = f"Bearer {self.keys[who]}"
        if content_type:
            out["Content-Type"] = content_type
        if accept:
            out["Accept"] = accept
        return out

    def count(self, query: str, who: str | None = None) -> int:
        r = httpx.post(
            self.sparql, data={"query": query}, headers=self.h(who, accept="application/sparql-results+json")
        )
        assert r.status_code == 200, r.text
        return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def server(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("live")
    shutil.copytree(built_settings.store_path.resolve(), data / "store-copy")
    (data / "store").symlink_to("store-copy")
    ks = KeyStore(data / "keys.json")
    keys = {}
    for name, role, tenant in [
        ("admin", "admin", None),
        ("acme_writer", "writer", "acme"),
        ("acme_reader", "reader", "acme"),
        ("beta_writer", "writer", "beta"),
        ("beta_reader", "reader", "beta"),
    ]:
        keys[name] = ks.create(role, tenant=tenant, name=name)[1]
    srv = Server(data, free_port(), keys)
    srv.start()
    # one private and one published fact per tenant
    for tenant in ("acme", "beta"):
        for graph, what in ((graph_iri(f"org/{tenant}"), "private"), (graph_iri(f"org/{tenant}/published"), "public")):
            ttl = f'<https://w3id.org/graphsvc/id/system/{tenant}/t> <urn:t:{what}> "{tenant.upper()}-{what.upper()}" .'
            r = httpx.put(
                srv.url + "/rdf-graphs",
                params={"graph": graph},
                content=ttl,
                headers=srv.h(f"{tenant}_writer", "text/turtle"),
            )
            assert r.status_code in {201, 204}, r.text
    # a system only in beta's private graph
    system = f"""
    <https://w3id.org/graphsvc/id/system/beta/hidden> a <{GS}AISystem> ;
        <http://www.w3.org/2000/01/rdf-schema#label> "Hidden" ;
        <{GS}operator> <https://w3id.org/graphsvc/id/org/beta> ;
        <{GS}operatorRole> <{GS}role-deployer> ;
        <{GS}intendedPurpose> "internal" .
    <https://w3id.org/graphsvc/id/org/beta> <http://www.w3.org/2000/01/rdf-schema#label> "Beta" .
    """
    r = httpx.post(
        srv.url + "/rdf-graphs", params={"graph": BETA}, content=system, headers=srv.h("beta_writer", "text/turtle")
    )
    assert r.status_code == 204, r.text
    yield srv
    srv.stop()


# -- real clients ------------------------------------------------------------------------------------
def test_httpx_protocol_forms(server: Server) -> None:
    q = "SELECT ?id WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id } ORDER BY ?id"
    with httpx.Client() as c:
        get = c.get(server.sparql, params={"query": q})
        form = c.post(server.sparql, data={"query": q})
        direct = c.post(server.sparql, content=q, headers={"Content-Type": "application/sparql-query"})
    assert get.json() == form.json() == direct.json()
    assert "iso42001" in {b["id"]["value"] for b in get.json()["results"]["bindings"]}


def test_sparqlwrapper(server: Server) -> None:
    from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(server.sparql)
    sw.setQuery("SELECT ?id WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id }")
    sw.setReturnFormat(JSON)
    ids = {b["id"]["value"] for b in sw.query().convert()["results"]["bindings"]}
    assert "euaia" in ids
    sw.setReturnFormat(XML)
    assert len(sw.query().convert().getElementsByTagName("result")) == len(ids)
    for fmt in (CSV, TSV):
        sw.setReturnFormat(fmt)
        assert len(sw.query().convert().decode().strip().splitlines()) == len(ids) + 1
    sw.setQuery("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 7")
    sw.setReturnFormat(TURTLE)
    assert sw.query().response.headers["content-type"].startswith("text/turtle")
    sw.setReturnFormat(JSONLD)
    assert len(sw.query().convert()) == 7
    sw.setMethod(POST)
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    # updates, by form and by direct POST, with a writer key
    up = SPARQLWrapper(server.sparql, updateEndpoint=server.sparql)
    up.addCustomHttpHeader("Authorization", f"Bearer {server.keys['acme_writer']}")
    up.setMethod(POST)
    up.setQuery(f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:sw:1> <urn:sw:p> "form" }} }}')
    assert up.query().response.status == 204
    up.setRequestMethod(POSTDIRECTLY)
    up.setQuery(f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:sw:1> <urn:sw:p> "direct" }} }}')
    assert up.query().response.status == 204
    assert server.count("SELECT (COUNT(*) AS ?n) WHERE { <urn:sw:1> ?p ?o }", "acme_reader") == 2
    assert server.count("SELECT (COUNT(*) AS ?n) WHERE { <urn:sw:1> ?p ?o }", "beta_reader") == 0
    # an update without a key is refused with a clear error
    anon = SPARQLWrapper(server.sparql, updateEndpoint=server.sparql)
    anon.setMethod(POST)
    anon.setQuery(f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:sw:2> <urn:sw:p> "x" }} }}')
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    with pytest.raises(Unauthorized, match="writer or admin API key"):
        anon.query()


def test_rdflib_sparqlstore_and_updatestore(server: Server) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore

    ro = Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    rows = list(ro.query("SELECT ?s WHERE { ?s a <https://w3id.org/graphsvc/ontology#Framework> }"))
    assert len(rows) >= 5
    xml = Graph(store=SPARQLStore(server.sparql))  # rdflib's default: SPARQL XML results
    assert len(list(xml.query("SELECT * WHERE { ?s ?p ?o } LIMIT 3"))) == 3
    hdr = {"Authorization": f"Bearer {server.keys['acme_writer']}"}
    store = SPARQLUpdateStore(server.sparql, server.sparql, headers=hdr)
    g = Graph(store=store, identifier=URIRef(ACME))
    g.add((URIRef("urn:rdflib:s"), URIRef("urn:rdflib:p"), Literal("added by rdflib")))
    assert (URIRef("urn:rdflib:s"), URIRef("urn:rdflib:p"), Literal("added by rdflib")) in g
    g.remove((URIRef("urn:rdflib:s"), None, None))
    assert server.count("SELECT (COUNT(*) AS ?n) WHERE { <urn:rdflib:s> ?p ?o }", "admin") == 0
    other = Graph(store=SPARQLUpdateStore(server.sparql, server.sparql, headers=hdr), identifier=URIRef(BETA))
    with pytest.raises(Exception):  # noqa: B017 - rdflib wraps the 403 in its own error types
        other.add((URIRef("urn:rdflib:s"), URIRef("urn:rdflib:p"), Literal("not yours")))
    assert server.count("SELECT (COUNT(*) AS ?n) WHERE { <urn:rdflib:s> ?p ?o }", "admin") == 0


# -- the tenant-isolation matrix ---------------------------------------------------------------------------
PRINCIPALS = [None, "acme_reader", "acme_writer", "beta_reader", "beta_writer", "admin"]


def sees_beta_private(who: str | None) -> bool:
    return who in {"beta_reader", "beta_writer", "admin"}


def test_isolation_matrix_sparql_forms(server: Server) -> None:
    secret = "FILTER(STR(?o) = 'BETA-PRIVATE')"
    forms = {
        "default graph": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {secret} }}",
        "GRAPH ?g": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o {secret} }} }}",
        "GRAPH <beta>": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BETA}> {{ ?s ?p ?o }} }}",
        "subquery": f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} }} {secret} }}",
        "EXISTS": f"SELECT (COUNT(*) AS ?n) WHERE {{ BIND(1 AS ?x) FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o {secret} }} }} }}",
        "property path": "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/graphsvc/id/system/beta/t> (<urn:t:private>|<urn:t:public>)+ ?o "
        "FILTER(STR(?o) = 'BETA-PRIVATE') }",
    }
    for who in PRINCIPALS:
        for name, q in forms.items():
            n = server.count(q, who)
            assert (n > 0) == sees_beta_private(who), (who, name, n)
    # FROM / FROM NAMED / protocol dataset naming beta's private graph: 403 for outsiders
    for q, params in [
        (f"SELECT (COUNT(*) AS ?n) FROM <{BETA}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{BETA}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default-graph-uri": BETA}),
        ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": BETA}),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM <{BETA}> WHERE {{ ?s ?p ?o }}", {}),
        (f"DESCRIBE <https://w3id.org/graphsvc/id/system/beta/t> FROM <{BETA}>", {}),
        (f"ASK FROM <{BETA}> {{ ?s ?p ?o }}", {}),
    ]:
        for who in PRINCIPALS:
            r = httpx.get(server.sparql, params={"query": q, **params}, headers=server.h(who))
            assert r.status_code == (200 if sees_beta_private(who) else 403), (who, q, r.text)
    # DESCRIBE and CONSTRUCT without FROM only see what the caller may read
    for who in PRINCIPALS:
        r = httpx.get(
            server.sparql,
            params={"query": "DESCRIBE <https://w3id.org/graphsvc/id/system/beta/t>"},
            headers=server.h(who, accept="application/n-triples"),
        )
        assert ("BETA-PRIVATE" in r.text) == sees_beta_private(who), who
        assert "BETA-PUBLIC" in r.text
    # the service description lists only readable graphs
    for who in PRINCIPALS:
        text = httpx.get(server.sparql, headers=server.h(who, accept="application/n-triples")).text
        assert (f"<{BETA}>" in text) == sees_beta_private(who), who


def test_isolation_matrix_rest_and_graph_store(server: Server) -> None:
    checks: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/rdf-graphs", {"graph": BETA}),
        ("GET", "/coverage/system/beta/hidden", {"target": "euaia"}),
        ("GET", "/queries/system_profile/run", {"system": "gsd:system/beta/hidden"}),
    ]
    for who in PRINCIPALS:
        for method, path, params in checks:
            r = httpx.request(method, server.url + path, params=params, headers=server.h(who))
            if path.startswith("/queries"):
                assert r.status_code == 200
                assert (r.json()["total"] > 0) == sees_beta_private(who), (who, path)
            else:
                assert r.status_code == (200 if sees_beta_private(who) else 404), (who, path, r.text)
        listing = httpx.get(server.url + "/systems", headers=server.h(who)).text
        assert ("beta/hidden" in listing) == sees_beta_private(who), who
        orgs = {o["id"]: o for o in httpx.get(server.url + "/orgs", headers=server.h(who)).json()}
        assert (BETA in orgs["beta"]["graphs"]) == sees_beta_private(who), who
        assert BETA_PUB in orgs["beta"]["graphs"]  # published data is visible to all
        beta = httpx.get(server.url + "/orgs/beta", headers=server.h(who)).json()
        assert (BETA in beta["graphs"]) == sees_beta_private(who)
        for path in ("/", "/ui/", "/frameworks", "/sparql-editor", "/ui/sparql"):
            page = httpx.get(server.url + path, headers=server.h(who), follow_redirects=True)
            assert page.status_code == 200 and page.text and "BETA-PRIVATE" not in page.text, (who, path)
    # writes: only beta's writer (or an admin) may write beta's graphs, on every write route
    nt = '<https://w3id.org/graphsvc/id/system/beta/w> <urn:t:p> "w" .'
    for who in PRINCIPALS:
        expected = {None: 401, "admin": 204, "beta_writer": 204}.get(who, 403)  # type: ignore[call-overload]
        r = httpx.post(
            server.url + "/rdf-graphs", params={"graph": BETA_PUB}, content=nt, headers=server.h(who, "text/turtle")
        )
        assert r.status_code == expected, (who, r.text)
        r = httpx.post(
            server.sparql,
            content=f"INSERT DATA {{ GRAPH <{BETA_PUB}> {{ <https://w3id.org/graphsvc/id/system/beta/w> <urn:t:p> 'u' }} }}",
            headers=server.h(who, "application/sparql-update"),
        )
        assert r.status_code == expected, (who, r.text)
        r = httpx.delete(server.url + "/orgs/beta-nonexistent", headers=server.h(who))
        assert r.status_code == {None: 401, "admin": 404}.get(who, 403)  # type: ignore[call-overload]


# -- the attack list -----------------------------------------------------------------------------------
def still_answers(server: Server) -> None:
    r = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_attacks_are_refused_and_the_server_keeps_answering(server: Server) -> None:
    attacks: list[tuple[str, dict[str, Any], int]] = [
        (
            "update without a key",
            {
                "method": "POST",
                "content": f"CLEAR GRAPH <{ACME}>",
                "headers": {"Content-Type": "application/sparql-update"},
            },
            401,
        ),
        (
            "update with a reader key",
            {
                "method": "POST",
                "content": f"CLEAR GRAPH <{ACME}>",
                "headers": server.h("acme_reader", "application/sparql-update"),
            },
            403,
        ),
        (
            "SERVICE to loopback",
            {"method": "GET", "params": {"query": f"SELECT * WHERE {{ SERVICE <{server.sparql}> {{ ?s ?p ?o }} }}"}},
            403,
        ),
        (
            "SERVICE to loopback, admin",
            {
                "method": "GET",
                "params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"},
                "headers": server.h("admin"),
            },
            403,
        ),
        (
            "LOAD, writer",
            {
                "method": "POST",
                "content": f"LOAD <file:///etc/passwd> INTO GRAPH <{ACME}>",
                "headers": server.h("acme_writer", "application/sparql-update"),
            },
            403,
        ),
        (
            "LOAD http, admin",
            {
                "method": "POST",
                "content": f"LOAD <{server.url}/health>",
                "headers": server.h("admin", "application/sparql-update"),
            },
            403,
        ),
        (
            "FROM file",
            {"method": "GET", "params": {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}},
            403,
        ),
        (
            "FROM file, admin",
            {
                "method": "GET",
                "params": {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
                "headers": server.h("admin"),
            },
            403,
        ),
        (
            "malformed Accept",
            {"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "text/csv;q=nonsense, ;;;"}},
            400,
        ),
        (
            "unsupported Accept",
            {"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "image/gif"}},
            406,
        ),
        ("malformed query", {"method": "GET", "params": {"query": "SELECT * WHERE { ?s ?p"}}, 400),
        (
            "deeply nested query",
            # by POST: by GET its 18 KB request line is answered 414 before any parsing
            {"method": "POST", "data": {"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000}},
            400,
        ),
    ]
    for name, kw, status in attacks:
        method = kw.pop("method")
        r = httpx.request(method, server.sparql, timeout=30, **kw)
        assert r.status_code == status, (name, r.status_code, r.text[:300])
        body = r.json()
        assert body["ok"] is False and body["status"] == status and body["error"], name
        still_answers(server)


def test_a_100_mb_body_is_refused(server: Server) -> None:
    big = b"#" * 100_000_000
    r = httpx.post(server.sparql, content=big, headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"#" * 1_000_000

    r = httpx.put(
        server.url + "/rdf-graphs",
        params={"graph": ACME},
        content=chunks(),
        headers=server.h("acme_writer", "text/turtle"),
        timeout=60,
    )
    assert r.status_code == 413
    still_answers(server)


def test_a_query_that_would_run_for_minutes_is_stopped_and_frees_its_worker(server: Server) -> None:
    assert server.proc is not None
    before = set(children(server.proc.pid))
    t0 = time.monotonic()
    r = httpx.get(server.sparql, params={"query": CARTESIAN_COUNT}, timeout=120)
    elapsed = time.monotonic() - t0
    assert r.status_code == 503 and r.json()["code"] == "query_timeout", r.text
    assert elapsed < TIMEOUT + 4, elapsed
    still_answers(server)
    time.sleep(1.0)
    after = set(children(server.proc.pid))
    gone = before - after
    assert gone and not any(alive(p) for p in gone), (before, after)  # the busy worker was killed
    assert len(after) == len(before)  # … and replaced
    t = {p: cpu_ticks(p) for p in after}
    time.sleep(1.0)
    burning = {p: cpu_ticks(p) - t[p] for p in after}
    assert all(v < 20 for v in burning.values()), burning  # nobody is still computing it
    # streaming work is stopped by the worker itself at the deadline, and the worker stays
    r = httpx.get(server.sparql, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}, timeout=60)
    assert r.status_code in {200, 503}
    still_answers(server)


# -- reliability ---------------------------------------------------------------------------------------
def ntriples(n: int, tag: str) -> bytes:
    return "".join(
        f'<https://w3id.org/graphsvc/id/system/acme/big-{i}> <urn:big:p> "{tag} {i}" .\n' for i in range(n)
    ).encode()


def test_readers_see_the_graph_before_or_after_a_large_write(server: Server) -> None:
    g = graph_iri("org/acme/published")
    sizes = (20_000, 60_000)
    headers = server.h("acme_writer", "application/n-triples")
    assert httpx.put(
        server.url + "/rdf-graphs", params={"graph": g}, content=ntriples(sizes[0], "a"), headers=headers, timeout=120
    ).status_code in {201, 204}
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s <urn:big:p> ?o }} }}"
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                r = c.post(
                    server.sparql,
                    data={"query": q},
                    headers=server.h("acme_reader", accept="application/sparql-results+json"),
                )
                seen.append(int(r.json()["results"]["bindings"][0]["n"]["value"]))
                r = c.get(server.url + "/queries/catalog/run", params={"framework": "starai"})
                assert r.status_code == 200

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(4):
        n = sizes[(i + 1) % 2]
        r = httpx.put(
            server.url + "/rdf-graphs", params={"graph": g}, content=ntriples(n, str(i)), headers=headers, timeout=120
        )
        assert r.status_code == 204, r.text
    stop.set()
    for t in threads:
        t.join()
    assert len(seen) > 4 and set(seen) <= set(sizes), sorted(set(seen))
    assert server.count(q, "acme_reader") == sizes[0]


def test_acknowledged_writes_survive_kill_9_and_interrupted_writes_leave_nothing_half_written(server: Server) -> None:
    assert server.proc is not None
    w = server.h("acme_writer", "application/sparql-update")
    r = httpx.post(
        server.sparql, content=f'INSERT DATA {{ GRAPH <{ACME}> {{ <urn:durable:1> <urn:p> "acked" }} }}', headers=w
    )
    assert r.status_code == 204
    r = httpx.put(
        server.url + "/rdf-graphs",
        params={"graph": graph_iri("org/acme/published")},
        content=ntriples(5_000, "acked"),
        headers=server.h("acme_writer", "application/n-triples"),
        timeout=60,
    )
    assert r.status_code == 204
    workers = children(server.proc.pid)
    server.kill9()  # no flush, no shutdown: the acknowledged writes must already be durable
    server.start()
    q1 = "SELECT (COUNT(*) AS ?n) WHERE { <urn:durable:1> ?p ?o }"
    assert server.count(q1, "acme_reader") == 1
    q2 = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ACME_PUB}> {{ ?s <urn:big:p> ?o }} }}"
    assert server.count(q2, "acme_reader") == 5_000
    time.sleep(1.5)
    assert not any(alive(p) for p in workers)  # the old server's query workers went with it
    # a large replacement killed before it is acknowledged: the graph is old or new, never between
    old, new = 5_000, 150_000
    body = ntriples(new, "interrupted")
    result: dict[str, Any] = {}

    def put() -> None:
        try:
            result["r"] = httpx.put(
                server.url + "/rdf-graphs",
                params={"graph": ACME_PUB},
                content=body,
                headers=server.h("acme_writer", "application/n-triples"),
                timeout=120,
            )
        except httpx.HTTPError as exc:
            result["error"] = exc

    t = threading.Thread(target=put)
    t.start()
    time.sleep(0.8)  # the body is sent and the server is parsing or writing it
    server.kill9()
    t.join()
    server.start()
    n = server.count(q2, "acme_reader")
    acknowledged = "r" in result and result["r"].status_code == 204
    assert n == new if acknowledged else n in {old, new}, (n, result)


GAMMA_YAML = """\
organisation:
  id: gamma
  name: Gamma Test GmbH
  tenant: gamma
systems:
  - id: triage
    name: Gamma ticket triage
    roles: [deployer]
    intended_purpose: Sorts incoming support tickets.
    depends_on: [microsoft/foundry]
"""


def test_organisation_lifecycle_over_http(server: Server) -> None:
    admin = server.h("admin", "application/yaml")
    r = httpx.put(server.url + "/orgs/gamma", content=GAMMA_YAML, headers=admin, timeout=120)
    assert r.status_code == 201, r.text
    assert httpx.get(server.url + "/orgs/gamma").json()["systems"] == ["gamma/triage"]
    r = httpx.get(server.url + "/coverage/system/gamma/triage", params={"target": "euaia", "as_of": "2027-01-01"})
    assert r.status_code == 200 and r.json()["system"]["depends_on"]
    r = httpx.post(server.url + "/orgs/gamma", content=GAMMA_YAML, headers=admin, timeout=120)
    assert r.status_code == 409
    r = httpx.delete(server.url + "/orgs/gamma", headers=server.h("admin"), timeout=120)
    assert r.status_code == 200, r.text
    assert httpx.get(server.url + "/orgs/gamma").status_code == 404
    assert httpx.get(server.url + "/coverage/system/gamma/triage", params={"target": "euaia"}).status_code == 404
