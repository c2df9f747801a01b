"""Tenant isolation through the union graphs on the benchmark's synthetic enterprise (tens of
organisations, each with private and published graphs): a tenant's key sees exactly the public
graphs and its own private graph, never a triple that only another tenant's private graph holds,
whichever way it asks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from apptools import bearer
from fastapi.testclient import TestClient

from graphsvc.config import PROJECT_ROOT, load_settings
from graphsvc.http.app import create_app
from graphsvc.http.keys import KeyStore
from graphsvc.namespaces import PRIVATE_UNION, PUBLIC_UNION
from graphsvc.service import GraphService
from graphsvc.store.tenancy import Principal, can_read, is_public_graph

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def enterprise(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    base = tmp_path_factory.mktemp("scale")
    generate.generate(base / "gen", 60_000, seed=11)
    generate.load(base / "gen", base / "data")
    settings = load_settings(environ={}, overrides={"data_dir": str(base / "data"), "result_cap": 500_000})
    service = GraphService.from_settings(settings, read_only=False, build_if_missing=False)
    keys = KeyStore(settings.data_path / "keys.json")
    tokens = {t: keys.create("reader", tenant=t, name=t)[1] for t in ("cust-00000", "cust-00001", "prov-000")}
    app = create_app(service, settings, keys=keys, query_workers=1)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens, service.store


def rows(client: TestClient, token: str, query: str) -> list[dict[str, Any]]:
    r = client.post("/sparql", data={"query": query}, headers=bearer(token, accept="application/sparql-results+json"))
    assert r.status_code == 200, r.text[:300]
    return r.json()["results"]["bindings"]


def triples_of(store: Any, graphs: list[str]) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for g in graphs for s, p, o in store.triples(g)}


@pytest.mark.parametrize("tenant", ["cust-00000", "cust-00001", "prov-000"])
def test_a_tenant_sees_the_public_graphs_and_its_own_and_nothing_of_another_tenants_private_graph(
    enterprise: tuple[TestClient, dict[str, str], Any], tenant: str
) -> None:
    client, tokens, store = enterprise
    token = tokens[tenant]
    graphs = store.named_graphs()
    who = Principal(key_id="t", role="reader", tenant=tenant, name=tenant)
    public = [g for g in graphs if is_public_graph(g)]
    own = [g for g in graphs if not is_public_graph(g) and can_read(who, g)]
    foreign = [g for g in graphs if not can_read(who, g)]
    assert own and len(foreign) >= 10, (len(own), len(foreign))  # the test means something at this scale
    seen_public, seen_own = triples_of(store, public), triples_of(store, own)
    hidden = triples_of(store, foreign) - seen_public - seen_own
    assert hidden

    # the default graph: each public triple once, then the tenant's own graphs
    n = rows(client, token, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"]
    assert int(n) == len(seen_public) + sum(1 for g in own for _ in store.triples(g))
    got = {
        (b["s"]["value"], b["p"]["value"], b["o"]["value"])
        for b in rows(client, token, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }")
    }
    plain = {
        (s.strip("<>"), p.strip("<>"), o.strip("<>")) for s, p, o in hidden if s.startswith("<") and o.startswith("<")
    }
    assert plain and not (got & plain)
    # named graphs: exactly the readable ones, no union graph
    names = {b["g"]["value"] for b in rows(client, token, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert names == {g for g in public + own if any(True for _ in store.triples(g))}
    # asking for the foreign graphs or the private union by name
    for g in [foreign[0], PRIVATE_UNION]:
        r = client.post("/sparql", data={"query": f"SELECT * FROM <{g}> WHERE {{ ?s ?p ?o }}"}, headers=bearer(token))
        assert r.status_code == 403, (g, r.status_code)
        assert rows(client, token, f"SELECT * WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} LIMIT 1") == []
    # the public union by name holds only public triples
    pu = rows(
        client, token, f"SELECT ?s ?p ?o FROM <{PUBLIC_UNION}> WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }}"
    )
    assert not ({(b["s"]["value"], b["p"]["value"], b["o"]["value"]) for b in pu} & plain)
