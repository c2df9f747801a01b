"""The union graphs the store keeps (graphsvc.store.unions): always equal to the union of the graphs
they stand for, after every kind of write, in the same transaction; invisible as named graphs;
never written by anyone; the private one readable by an admin only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptools import ACME, ACME_PUB, BETA, app_client, bearer, error_of
from fastapi.testclient import TestClient
from pyoxigraph import DefaultGraph, NamedNode, Quad, Store

from graphsvc.config import Settings
from graphsvc.namespaces import PRIVATE_UNION, PUBLIC_UNION, graph_iri
from graphsvc.store import unions
from graphsvc.store.embedded import EmbeddedStore
from graphsvc.store.tenancy import is_public_graph

CATALOG, LAYER = graph_iri("framework/x"), graph_iri("layer/y")
BETA_PUB = graph_iri("org/beta/published")
ACME_CONTROLS = graph_iri("org/acme/controls")
GRAPHS = [CATALOG, LAYER, ACME, ACME_PUB, ACME_CONTROLS, BETA, BETA_PUB]
TRICKY = [
    *GRAPHS,
    graph_iri("org/acme/../beta"),
    graph_iri("org/acme/published/x"),
    graph_iri("org//published"),
    graph_iri("org/acme/mappings"),
    graph_iri("orgs/acme"),
    "urn:x:g",
]


def node(i: int) -> NamedNode:
    return NamedNode(f"urn:t:{i}")


def expected(store: EmbeddedStore) -> dict[str, set[tuple[Any, ...]]]:
    """What each union graph must hold, computed from the graphs in Python."""
    out: dict[str, set[tuple[Any, ...]]] = {PUBLIC_UNION: set(), PRIVATE_UNION: set()}
    for g in store.named_graphs():
        for t in store.triples(g):
            out[unions.union_of(g)].add(tuple(str(x) for x in t))
    return out


def held(store: EmbeddedStore) -> dict[str, set[tuple[Any, ...]]]:
    return {u: {tuple(str(x) for x in t) for t in store.triples(u)} for u in unions.UNIONS}


def test_sparql_and_python_agree_on_which_graphs_are_public() -> None:
    s = EmbeddedStore.in_memory()
    s.bulk_load(Quad(node(1), node(2), NamedNode(g), NamedNode(g)) for g in TRICKY)
    rows = s.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER {unions.PUBLIC_FILTER} }}", graphs=TRICKY)
    assert {r["g"].value for r in rows} == {g for g in TRICKY if is_public_graph(g)}
    rows = s.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER {unions.PRIVATE_FILTER} }}", graphs=TRICKY)
    assert {r["g"].value for r in rows} == {g for g in TRICKY if not is_public_graph(g)}


def test_a_bulk_load_fills_the_unions_and_the_whole_store_view_counts_each_triple_once() -> None:
    s = EmbeddedStore.in_memory()
    shared = (node(1), node(2), node(3))
    s.bulk_load([Quad(*shared, NamedNode(CATALOG)), Quad(*shared, NamedNode(ACME_PUB)), Quad(*shared, NamedNode(BETA))])
    assert held(s) == expected(s)
    assert held(s)[PUBLIC_UNION] == {tuple(str(x) for x in shared)}
    assert unions.PUBLIC_UNION not in s.named_graphs() and PRIVATE_UNION not in s.named_graphs()
    assert s.count() == 3  # the three quads, not the union copies
    # the whole store: each public triple once through the union, the private one once more
    assert len(s.select("SELECT * WHERE { ?s ?p ?o }")) == 2
    assert {r["g"].value for r in s.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")} == {
        CATALOG,
        ACME_PUB,
        BETA,
    }


UPDATES = [
    "INSERT DATA {{ GRAPH <{g}> {{ <urn:t:{a}> <urn:t:p> <urn:t:{b}> }} }}",
    "DELETE DATA {{ GRAPH <{g}> {{ <urn:t:{a}> <urn:t:p> <urn:t:{b}> }} }}",
    "DELETE WHERE {{ GRAPH <{g}> {{ <urn:t:{a}> ?p ?o }} }}",
    "CLEAR SILENT GRAPH <{g}>",
    "DROP SILENT GRAPH <{g}>",
    "COPY SILENT <{g}> TO <{h}>",
    "MOVE SILENT <{g}> TO <{h}>",
    "ADD SILENT <{g}> TO <{h}>",
    "INSERT {{ GRAPH <{h}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
    "DELETE {{ GRAPH <{h}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
]


def writes_of(template: str, g: str, h: str) -> list[str]:
    if template.startswith(("COPY", "ADD")) or "GRAPH <{h}>" in template:
        return [h]
    if template.startswith("MOVE"):
        return [g, h]
    return [g]


@pytest.mark.parametrize("say_what_is_written", [True, False])
def test_the_unions_stay_equal_to_the_graphs_through_random_writes(say_what_is_written: bool) -> None:
    rnd = random.Random(42 if say_what_is_written else 7)
    s = EmbeddedStore.in_memory()
    s.bulk_load(
        Quad(node(rnd.randrange(6)), NamedNode("urn:t:p"), node(rnd.randrange(6)), NamedNode(rnd.choice(GRAPHS)))
        for _ in range(60)
    )
    for step in range(120):
        ops, written = [], []
        for _ in range(rnd.randint(1, 3)):  # one request of one to three operations
            template = rnd.choice(UPDATES)
            g, h = rnd.sample(GRAPHS, 2)
            ops.append(template.format(g=g, h=h, a=rnd.randrange(6), b=rnd.randrange(6)))
            written += writes_of(template, g, h)
        s.update(" ;\n".join(ops), written=written if say_what_is_written else None)
        assert held(s) == expected(s), f"after step {step}: {ops}"
    s.update("CLEAR ALL", written=["ALL"])
    assert held(s) == expected(s) == {PUBLIC_UNION: set(), PRIVATE_UNION: set()}


def test_a_triple_another_graph_of_its_class_holds_stays_in_the_union() -> None:
    s = EmbeddedStore.in_memory()
    t = "<urn:t:1> <urn:t:p> <urn:t:2>"
    s.update(f"INSERT DATA {{ GRAPH <{ACME_PUB}> {{ {t} }} GRAPH <{CATALOG}> {{ {t} }} GRAPH <{BETA}> {{ {t} }} }}")
    s.update(f"DROP GRAPH <{ACME_PUB}>", written=[ACME_PUB])
    assert held(s)[PUBLIC_UNION] == held(s)[PRIVATE_UNION] != set()  # still in the catalog and beta's graph
    s.update(f"DROP GRAPH <{CATALOG}>", written=[CATALOG])
    assert held(s) == {PUBLIC_UNION: set(), PRIVATE_UNION: held(s)[PRIVATE_UNION]} and held(s)[PRIVATE_UNION]


def test_a_failed_update_leaves_graphs_and_unions_as_they_were() -> None:
    s = EmbeddedStore.in_memory()
    s.update(f"INSERT DATA {{ GRAPH <{ACME}> {{ <urn:t:1> <urn:t:p> <urn:t:2> }} }}")
    before = (held(s), set(s.named_graphs()))
    with pytest.raises(RuntimeError, match="does not exist"):  # DROP of a missing graph, without SILENT
        s.update(
            f"INSERT DATA {{ GRAPH <{ACME}> {{ <urn:t:3> <urn:t:p> <urn:t:4> }} }} ; DROP GRAPH <urn:t:none>",
            written=[ACME, "urn:t:none"],
        )
    assert (held(s), set(s.named_graphs())) == before
    assert s.count(ACME) == 1


def test_a_store_built_before_the_unions_is_read_as_before_and_gains_them_when_opened_for_writing(
    tmp_path: Path,
) -> None:
    raw = Store(str(tmp_path / "old"))
    raw.bulk_extend(
        [Quad(node(1), node(2), node(3), NamedNode(CATALOG)), Quad(node(1), node(2), node(4), NamedNode(ACME))]
    )
    raw.add(Quad(node(9), node(9), node(9), DefaultGraph()))
    raw.flush()
    del raw
    old = EmbeddedStore.open(tmp_path / "old", read_only=True)
    assert not old.has_unions
    assert len(old.select("SELECT * WHERE { ?s ?p ?o }")) == 3
    old.close()
    writable = EmbeddedStore.open(tmp_path / "old")
    assert writable.has_unions and held(writable) == expected(writable)
    assert len(writable.select("SELECT * WHERE { ?s ?p ?o }")) == 3  # the same answer through the unions
    writable.close()


# -- through the SPARQL endpoint -------------------------------------------------------------
@pytest.fixture(scope="module")
def env(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    with app_client(built_settings, tmp_path_factory.mktemp("unions")) as pair:
        yield pair


def ask(client: TestClient, token: str | None, query: str) -> Any:
    return client.post(
        "/sparql", data={"query": query}, headers=bearer(token, accept="application/sparql-results+json")
    )


def test_a_tenant_sees_public_data_and_its_own_private_graph_through_the_unions(env: tuple[TestClient, Any]) -> None:
    client, keys = env
    secret = 'SELECT ?o WHERE { ?s <urn:t:label> ?o FILTER(STRSTARTS(?o, "SECRET")) }'
    seen = {
        who: {b["o"]["value"] for b in ask(client, keys.get(who), secret).json()["results"]["bindings"]}
        for who in ("acme_reader", "beta_reader", "admin")
    }
    assert seen == {
        "acme_reader": {"SECRET-ACME"},
        "beta_reader": {"SECRET-BETA"},
        "admin": {"SECRET-ACME", "SECRET-BETA"},
    }
    anon = ask(client, None, secret).json()["results"]["bindings"]
    assert anon == []
    # the public catalog is there for everyone, each requirement once
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?r a <https://w3id.org/graphsvc/ontology#Requirement> }"
    counts = {
        who: ask(client, keys.get(who), q).json()["results"]["bindings"][0]["n"]["value"]
        for who in (None, "acme_reader", "admin")
    }
    assert len(set(counts.values())) == 1 and int(counts[None]) > 0


def test_no_caller_sees_a_union_graph_as_a_named_graph(env: tuple[TestClient, Any]) -> None:
    client, keys = env
    for who in (None, "acme_reader", "admin"):
        rows = ask(client, keys.get(who), "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").json()
        names = {b["g"]["value"] for b in rows["results"]["bindings"]}
        assert names and not any(unions.is_internal(g) for g in names), who
        if who != "admin":
            assert BETA not in names


def test_only_an_admin_reads_the_union_of_the_private_graphs(env: tuple[TestClient, Any]) -> None:
    client, keys = env
    for query in (
        f"SELECT * FROM <{PRIVATE_UNION}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{PRIVATE_UNION}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        assert ask(client, keys["acme_reader"], query).status_code == 403
        assert ask(client, None, query).status_code == 403
    r = client.get("/rdf-graphs", params={"graph": PRIVATE_UNION}, headers=bearer(keys["beta_reader"]))
    assert r.status_code in {403, 404}
    q = f"SELECT ?o WHERE {{ GRAPH <{PRIVATE_UNION}> {{ ?s <urn:t:label> ?o }} }}"
    assert ask(client, keys["acme_reader"], q).json()["results"]["bindings"] == []
    admin = {
        b["o"]["value"]
        for b in ask(client, keys["admin"], f"SELECT ?o FROM <{PRIVATE_UNION}> WHERE {{ ?s <urn:t:label> ?o }}").json()[
            "results"
        ]["bindings"]
    }
    assert {"SECRET-ACME", "SECRET-BETA"} <= admin


@pytest.mark.parametrize("who", ["acme_writer", "admin"])
@pytest.mark.parametrize("union", [PUBLIC_UNION, PRIVATE_UNION])
def test_nobody_writes_a_union_graph(env: tuple[TestClient, Any], who: str, union: str) -> None:
    client, keys = env
    update = f'INSERT DATA {{ GRAPH <{union}> {{ <urn:t:x> <urn:t:label> "SECRET-FORGED" }} }}'
    r = client.post("/sparql", data={"update": update}, headers=bearer(keys[who]))
    assert "the store keeps it itself" in error_of(r, 403)["error"]
    r = client.put(
        "/rdf-graphs",
        params={"graph": union},
        content="<urn:t:x> <urn:t:y> <urn:t:z> .",
        headers=bearer(keys[who], "text/turtle"),
    )
    assert r.status_code == 403, r.text
    forged = ask(client, keys["admin"], 'ASK { ?s ?p "SECRET-FORGED" }').json()["boolean"]
    assert forged is False


def test_a_tenants_write_reaches_the_unions_in_the_same_request(env: tuple[TestClient, Any]) -> None:
    client, keys = env
    pub = f'INSERT DATA {{ GRAPH <{ACME_PUB}> {{ <https://w3id.org/graphsvc/id/control/acme/union-test> <urn:t:label> "PUBLISHED-NOW" }} }}'
    r = client.post("/sparql", data={"update": pub}, headers=bearer(keys["acme_writer"]))
    assert r.status_code in {200, 204}, r.text
    assert ask(client, keys["beta_reader"], 'ASK { ?s ?p "PUBLISHED-NOW" }').json()["boolean"] is True
    r = client.post("/sparql", data={"update": f"DROP GRAPH <{ACME_PUB}>"}, headers=bearer(keys["acme_writer"]))
    assert r.status_code in {200, 204}, r.text
    assert ask(client, keys["beta_reader"], 'ASK { ?s ?p "PUBLISHED-NOW" }').json()["boolean"] is False
    r = client.put(
        "/rdf-graphs",
        params={"graph": ACME},
        content='<urn:t:n> <urn:t:label> "SECRET-ACME-2" .',
        headers=bearer(keys["acme_writer"], "text/turtle"),
    )
    assert r.status_code in {201, 204}, r.text
    labels = {
        b["o"]["value"]
        for b in ask(client, keys["acme_reader"], "SELECT ?o WHERE { ?s <urn:t:label> ?o }").json()["results"][
            "bindings"
        ]
    }
    assert "SECRET-ACME-2" in labels and "SECRET-ACME" not in labels  # PUT replaced the graph, the union followed
    assert ask(client, keys["beta_reader"], 'ASK { ?s ?p "SECRET-ACME-2" }').json()["boolean"] is False


def test_a_scoped_view_reads_through_the_public_union_and_its_own_graphs_only() -> None:
    from graphsvc.store.tenancy import Principal, ScopedStore

    s = EmbeddedStore.in_memory()
    shared = "<urn:t:1> <urn:t:p> <urn:t:shared>"
    s.update(
        f"INSERT DATA {{ GRAPH <{CATALOG}> {{ {shared} }} GRAPH <{ACME_PUB}> {{ {shared} }} "
        f"GRAPH <{ACME}> {{ <urn:t:1> <urn:t:p> <urn:t:acme> }} GRAPH <{BETA}> {{ <urn:t:1> <urn:t:p> <urn:t:beta> }} }}"
    )
    view = ScopedStore(s, Principal(key_id="k", role="reader", tenant="acme", name="t"))
    seen = [r["o"].value for r in view.select("SELECT ?o WHERE { ?s ?p ?o }")]
    assert sorted(seen) == ["urn:t:acme", "urn:t:shared"]  # the shared triple once, beta's never
    assert not view.ask("ASK { ?s ?p <urn:t:beta> }")
    graphs = {r["g"].value for r in view.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {CATALOG, ACME_PUB, ACME}
