"""Issue 18's reproductions, over HTTP against the shipped example data: each one ran on the
guard that read SPARQL with rdflib and a text scan, and each must now be refused with the
store unchanged and no outbound connection made.

The tenants are the shipped ones: contoso (the attacker, with a writer key) and microsoft (the
victim, whose private graph holds its internal controls and evidence).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graphsvc.config import Settings
from graphsvc.errors import GraphSvcError
from graphsvc.http.app import create_app
from graphsvc.http.keys import KeyStore
from graphsvc.http.sparql.evaluation import Job
from graphsvc.http.sparql.workers import ProcessExecutor
from graphsvc.namespaces import graph_iri
from graphsvc.service import GraphService
from tests.test_api import assert_error, auth, copy_store
from tests.test_sparql_fuzz import Canary

G = graph_iri("")
CONTOSO, CONTOSO_PUB = graph_iri("org/contoso"), graph_iri("org/contoso/published")
MS, MS_PUB = graph_iri("org/microsoft"), graph_iri("org/microsoft/published")
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.sock.close()


def make_env(built: Settings, dest: Path, **overrides: Any) -> Iterator[dict[str, Any]]:
    settings = copy_store(built, dest, **overrides)
    ks = KeyStore(settings.data_path / "keys.json")
    keys = {
        "admin": ks.create("admin", name="admin")[1],
        "contoso": ks.create("writer", tenant="contoso", name="contoso-writer")[1],
    }
    service = GraphService.from_settings(settings, read_only=False)
    with TestClient(create_app(service, settings), raise_server_exceptions=False) as client:
        yield {"client": client, "keys": keys}


@pytest.fixture(scope="module")
def env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two query workers, 5 s timeout, answers cut at 1 MB, 256 MiB of heap per worker, 0.2 s queueing."""
    yield from make_env(
        built_settings,
        Path(tmp_path_factory.mktemp("attacks")),
        query_timeout=5.0,
        result_bytes=1_000_000,
        worker_memory=256,
        queue_wait=0.2,
    )


@pytest.fixture(scope="module")
def wide_env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Anonymous callers may run 16 queries at once (the F5 race needs them in flight together)."""
    yield from make_env(built_settings, Path(tmp_path_factory.mktemp("attacks-wide")), anonymous_concurrency=16)


def count(env: dict[str, Any], graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
    r = env["client"].post(
        "/sparql",
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"},
        headers=auth(env["keys"]["admin"], accept=JSON),
    )
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def update(env: dict[str, Any], text: str, key: str = "contoso") -> Any:
    return env["client"].post(
        "/sparql", content=text.encode(), headers=auth(env["keys"][key], "application/sparql-update")
    )


def own_insert() -> str:
    return f"INSERT DATA {{ GRAPH <{CONTOSO}> {{ <urn:a> <urn:b> 1 }} }}"


@pytest.fixture
def unchanged(env: dict[str, Any]) -> Iterator[None]:
    """The store's triple count and Microsoft's two graphs are the same after the test."""
    before = (count(env), count(env, MS), count(env, MS_PUB))
    assert before[1] > 0
    yield
    assert (count(env), count(env, MS), count(env, MS_PUB)) == before


# -- F1: a comment ended by a bare carriage return ---------------------------------------------------
@pytest.mark.parametrize(
    ("tail", "status"),
    [
        ("CLEAR ALL", 403),
        (f"DROP GRAPH <{MS}>", 403),
        (f"INSERT DATA {{ GRAPH <{MS_PUB}> {{ <urn:x> <urn:y> 1 }} }}", 403),
        ("CLEAR NAMED", 403),
    ],
)
def test_f1_a_comment_ended_by_cr_hides_no_operation(
    env: dict[str, Any], unchanged: None, tail: str, status: int
) -> None:
    r = update(env, f"{own_insert()} # x\r; {tail}")
    assert_error(r, status)


def test_f1_a_comment_ended_by_cr_hides_no_load(env: dict[str, Any], canary: Canary, unchanged: None) -> None:
    r = update(env, f"{own_insert()} # x\r; LOAD <{canary.url}> INTO GRAPH <{CONTOSO}>")
    assert_error(r, 403, "query_refused")
    assert canary.hits == 0


def test_f1_anonymous_service_after_a_cr_comment_calls_nobody(env: dict[str, Any], canary: Canary) -> None:
    q = f"SELECT * WHERE {{ BIND(1 AS ?a) # x\r SERVICE <{canary.url}> {{ ?x ?y ?z }} }}"
    r = env["client"].get("/sparql", params={"query": q}, headers={"Accept": JSON})
    assert_error(r, 403, "query_refused")
    assert canary.hits == 0


# -- F2: escapes in prefixed names --------------------------------------------------------------------
PFX = f"PREFIX gsg: <{G}>\n"


@pytest.mark.parametrize(
    "text",
    [
        f"{PFX}INSERT {{ GRAPH <{CONTOSO}> {{ ?s ?p ?o }} }} USING gsg:org\\/microsoft WHERE {{ ?s ?p ?o }}",
        f"{PFX}ADD gsg:org\\/microsoft TO <{CONTOSO}>",
        f"{PFX}INSERT {{ GRAPH <{CONTOSO}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH gsg:org\\/microsoft {{ ?s ?p ?o }} }}",
        # the project's prefixes are predeclared: the same without PREFIX
        f"INSERT {{ GRAPH <{CONTOSO}> {{ ?s ?p ?o }} }} USING gsg:org\\/microsoft WHERE {{ ?s ?p ?o }}",
    ],
)
def test_f2_an_escaped_prefixed_name_is_the_graph_it_names(env: dict[str, Any], unchanged: None, text: str) -> None:
    before = count(env, CONTOSO)
    assert_error(update(env, text), 403, "forbidden")
    assert count(env, CONTOSO) == before


# -- F3: codepoint escapes ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        # inside an IRI the escape is decoded: the graph is Microsoft's, and refused as such
        f"INSERT DATA {{ GRAPH <{G}org/\\u006Dicrosoft> {{ <urn:a> <urn:b> 1 }} }}",
        f"INSERT DATA {{ GRAPH <{G}org/microsoft/publishe\\U00000064> {{ <urn:a> <urn:b> 1 }} }}",
        f"INSERT {{ GRAPH <{CONTOSO}> {{ ?s ?p ?o }} }} USING <{G}org/\\u006dicrosoft> WHERE {{ ?s ?p ?o }}",
        # read with escapes expanded first, the two "\u0022" strings open and close one long string
        # that hides the middle operation; the engine reads three operations
        f'INSERT {{ GRAPH <{CONTOSO}> {{ <urn:a> <urn:b> "\\u0022" }} }} WHERE {{}} ;'
        f" INSERT {{ GRAPH <{MS}> {{ <urn:a> <urn:b> 1 }} }} WHERE {{}} ;"
        f' INSERT {{ GRAPH <{MS_PUB}> {{ <urn:a> <urn:b> "\\u0022" }} }} WHERE {{}}',
    ],
)
def test_f3_an_escape_inside_an_iri_or_string_is_decoded_there(env: dict[str, Any], unchanged: None, text: str) -> None:
    assert_error(update(env, text), 403, "forbidden")


@pytest.mark.parametrize(
    "text",
    [
        # outside strings and IRIs an escape could be read as a quote, a brace or ';': refused
        f"{own_insert()} \\u003B DROP GRAPH <{MS}>",
        f"INSERT DATA {{ GRAPH <{CONTOSO}> {{ <urn:a> <urn:b> 1 }} \\u007D \\u007D ; DROP GRAPH <{MS}>",
        f"INSERT DATA {{ GRAPH <{CONTOSO}> {{ <urn:a> <urn:b> \\u0022x\\u0022 }} }}",
    ],
)
def test_f3_an_escape_outside_strings_and_iris_is_refused(env: dict[str, Any], unchanged: None, text: str) -> None:
    body = assert_error(update(env, text), 400, "query_syntax_error")
    assert "codepoint escape" in body["error"]


def test_f3_an_escaped_quote_stays_inside_its_string(env: dict[str, Any], unchanged: None) -> None:
    """In a string, ``\\u0022`` is a quote character of the value, not the end of the string."""
    text = (
        f'INSERT DATA {{ GRAPH <{CONTOSO}> {{ <urn:f3> <urn:b> "\\u0022 }} }} ; DROP GRAPH <{MS}> #" }} }} ;'
        f' DELETE DATA {{ GRAPH <{CONTOSO}> {{ <urn:f3> <urn:b> "\\u0022 }} }} ; DROP GRAPH <{MS}> #" }} }}'
    )
    assert update(env, text).status_code == 204


# -- F5: no shared parser on the request path ---------------------------------------------------------
def test_f5_concurrent_first_uses_of_query_forms_break_nothing(wide_env: dict[str, Any]) -> None:
    env = wide_env
    forms = [
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
        "ASK { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1",
        "DESCRIBE <urn:x>",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), 'a', 'i')) } GROUP BY ?p HAVING (COUNT(*) > 1)",
        "SELECT * WHERE { ?s ?p ?o MINUS { ?s a ?t } } LIMIT 1",
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 } UNION { BIND(1 AS ?x) } }",
        "SELECT * WHERE { ?s <urn:p>+ ?o OPTIONAL { ?o ?q ?r } VALUES ?z { 1 2 } } LIMIT 1",
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(len(forms))

    def run(q: str) -> None:
        barrier.wait()
        statuses.append(env["client"].get("/sparql", params={"query": q}).status_code)

    threads = [threading.Thread(target=run, args=(q,)) for q in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(forms)
    assert env["client"].get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


# -- F11 (part): USING <file:…> is refused as FROM <file:…> is --------------------------------------
def test_f11_using_a_file_iri_is_refused_like_from(env: dict[str, Any], unchanged: None) -> None:
    text = f"INSERT {{ GRAPH <{CONTOSO}> {{ ?s ?p ?o }} }} USING <file:///etc/passwd> WHERE {{ ?s ?p ?o }}"
    assert_error(update(env, text), 403, "query_refused")
    q = "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"
    assert_error(env["client"].get("/sparql", params={"query": q}), 403, "query_refused")


# -- F7: answers bounded in bytes, workers bounded in memory -------------------------------------------
def doubling(steps: int) -> str:
    """A short query whose one value doubles ``steps`` times (16 bytes * 2**steps)."""
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(steps))
    return f'SELECT ?v{steps} WHERE {{ BIND("0123456789abcdef" AS ?v0) {binds} }}'


def test_f7_an_answer_is_cut_at_the_byte_cap(env: dict[str, Any]) -> None:
    r = env["client"].get("/sparql", params={"query": doubling(17)}, headers={"Accept": JSON})  # a 2 MiB value
    assert r.status_code == 200, r.text
    assert r.headers["X-Graphsvc-Truncated"] == "true"
    assert len(r.content) <= 1_000_000
    rows = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    r = env["client"].get("/sparql", params={"query": rows}, headers={"Accept": JSON})
    assert r.status_code == 200 and len(r.content) <= 1_000_000
    assert r.headers["X-Graphsvc-Truncated"] == "true"


def test_f7_a_query_past_the_worker_memory_is_stopped_and_the_worker_replaced(env: dict[str, Any]) -> None:
    r = env["client"].get("/sparql", params={"query": doubling(24)}, headers={"Accept": JSON})  # a 256 MiB value
    assert_error(r, 400, "query_resource_limit")
    ok = env["client"].get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


# -- F8: no caller holds every worker -------------------------------------------------------------------
def test_f8_anonymous_callers_share_a_quota_and_keys_keep_a_worker(env: dict[str, Any]) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    done = threading.Event()

    hog_status: list[int] = []

    def hog() -> None:
        hog_status.append(env["client"].get("/sparql", params={"query": slow}, headers={"Accept": JSON}).status_code)
        done.set()

    limits = env["client"].app.state.gs.limits
    t = threading.Thread(target=hog)
    t.start()
    try:
        deadline = time.monotonic() + 5
        while limits.running(None) == 0 and time.monotonic() < deadline:  # until the hog holds the share
            time.sleep(0.01)
        r = env["client"].get("/sparql", params={"query": "ASK {}"}, headers={"Accept": JSON})
        assert not done.is_set(), hog_status
        body = assert_error(r, 429, "too_many_requests")
        assert r.headers["Retry-After"] == "1" and "anonymous" in body["error"]
        keyed = env["client"].get(
            "/sparql", params={"query": "ASK {}"}, headers=auth(env["keys"]["contoso"], accept=JSON)
        )
        assert keyed.status_code == 200
    finally:
        t.join()


# -- defence in depth: the query workers have no network ---------------------------------------------
def test_a_query_worker_cannot_connect_anywhere_even_past_the_guard(env: dict[str, Any], canary: Canary) -> None:
    """Sent straight to a worker, bypassing the guard, a SERVICE query still reaches nobody."""
    executor = env["client"].app.state.gs.executor
    if not isinstance(executor, ProcessExecutor) or not executor.network_isolated():
        pytest.skip("network namespaces are not available on this machine (graphsvc.http.netns)")
    assert env["client"].get("/health").json()["workers_offline"] is True
    job = Job(query=f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}", media_type=JSON, timeout=5)
    with pytest.raises(GraphSvcError):
        executor.run(job)
    assert canary.hits == 0


# -- F6 over SPARQL Update: a published graph speaks only of its tenant's resources -------------------
CERT = "https://w3id.org/graphsvc/id/certificate/microsoft/iso42001-m365-copilot"
VALID_UNTIL = "https://w3id.org/graphsvc/ontology#validUntil"


@pytest.mark.parametrize(
    "text",
    [
        f'INSERT DATA {{ GRAPH <{CONTOSO_PUB}> {{ <{CERT}> <{VALID_UNTIL}> "2026-06-01" }} }}',
        f'PREFIX gs: <https://w3id.org/graphsvc/ontology#> INSERT DATA {{ GRAPH <{CONTOSO_PUB}> {{ <{CERT}> gs:validUntil "2026-06-01" }} }}',
        f"INSERT DATA {{ GRAPH <{CONTOSO_PUB}> {{ _:b <{VALID_UNTIL}> 1 }} }}",
    ],
)
def test_f6_a_tenant_cannot_publish_facts_about_another_tenants_resources(
    env: dict[str, Any], unchanged: None, text: str
) -> None:
    before = count(env, CONTOSO_PUB)
    assert_error(update(env, text), 403, "forbidden")
    assert count(env, CONTOSO_PUB) == before


def test_f6_a_published_graph_is_not_written_from_a_pattern(env: dict[str, Any], unchanged: None) -> None:
    """INSERT … WHERE decides its triples only when it runs, so it cannot be checked first."""
    text = f"INSERT {{ GRAPH <{CONTOSO_PUB}> {{ <{CERT}> <{VALID_UNTIL}> ?o }} }} WHERE {{ BIND(1 AS ?o) }}"
    assert_error(update(env, text), 403, "query_refused")
    assert_error(update(env, f"COPY <{CONTOSO}> TO <{CONTOSO_PUB}>"), 403, "query_refused")


def test_sparql_writes_are_audited(env: dict[str, Any]) -> None:
    from graphsvc.http.audit import read_audit

    data_dir = env["client"].app.state.gs.settings.data_path
    assert update(env, f"INSERT DATA {{ GRAPH <{CONTOSO}> {{ <urn:audit> <urn:p> 1 }} }}").status_code == 204
    last = read_audit(data_dir)[-1]
    assert last["action"] == "sparql update" and last["graphs"] == [CONTOSO]
    assert last["tenant"] == "contoso" and last["key_name"] == "contoso-writer"
    assert env["keys"]["contoso"] not in (data_dir / "audit.log").read_text()
