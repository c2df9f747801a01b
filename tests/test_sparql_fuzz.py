"""Differential fuzzing of the SPARQL guard against the engine (issue 18).

Thousands of variants of every known attack (comments ended by ``\\r``, ``\\r\\n`` or a form feed;
``\\u``/``\\U`` escapes everywhere; escaped prefixed names; ``BASE`` tricks; the payload nested in
OPTIONAL, MINUS, EXISTS, sub-queries, UNION and GRAPH) go through the guard exactly as the
endpoint uses it. Whatever the guard lets through is executed by pyoxigraph, as the canonical
text the guard returns, over a store holding a marker triple in every graph. The test then
checks what actually happened, not what the guard said:

* no graph outside the caller's own changed;
* no other tenant's private marker reached a graph the caller can read, or a query answer;
* no outbound connection was made (a canary listener on loopback counts connections, and every
  SERVICE and LOAD IRI points at it).
"""

from __future__ import annotations

import itertools
import random
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, QueryTriples, Store

from graphsvc.errors import GraphSvcError
from graphsvc.http.sparql.endpoint import authorise_update, prepare_query, query_dataset
from graphsvc.namespaces import PREFIXES
from graphsvc.store.tenancy import ANONYMOUS, Principal, can_read, can_write

G = "https://w3id.org/graphsvc/graph/"
OWN, OWN_PUB = G + "org/contoso", G + "org/contoso/published"
VICTIM, VICTIM_PUB = G + "org/microsoft", G + "org/microsoft/published"
CATALOG = G + "catalog/euaia-2024-1689"
GRAPHS = [OWN, OWN_PUB, VICTIM, VICTIM_PUB, CATALOG]
WRITER = Principal(key_id="k-contoso", role="writer", tenant="contoso", name="contoso-writer")
READER = Principal(key_id="k-contoso-r", role="reader", tenant="contoso", name="contoso-reader")
SECRET = "SECRET-MICROSOFT-PRIVATE"


class Canary:
    """A loopback listener that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.sock.close()


def fresh_store() -> Store:
    store = Store()
    for g in GRAPHS:
        label = SECRET if g == VICTIM else f"marker {g}"
        store.add(Quad(NamedNode(f"urn:marker:{g}"), NamedNode("urn:p"), Literal(label), NamedNode(g)))
    return store


def snapshot(store: Store) -> dict[str, set[str]]:
    return {g: {str(q) for q in store.quads_for_pattern(None, None, None, NamedNode(g))} for g in GRAPHS}


# -- the ways one IRI, one separator and one pattern can be written ------------------------------------
def iri_forms(iri: str) -> list[tuple[str, str]]:
    """(prologue, term) pairs that all denote ``iri`` to a conformant reader."""
    local = iri[len(G) :]
    first, rest = iri[0], iri[1:]
    return [
        ("", f"<{iri}>"),
        (f"PREFIX gsg: <{G}>\n", "gsg:" + local.replace("/", "\\/")),
        (f"PREFIX g: <{G}>\n", "g:" + local.replace("/", "\\/").replace("-", "\\-")),
        (f"PREFIX x: <{G}org/>\n", "x:" + local[len("org/") :].replace("/", "\\/")),
        ("", f"<\\u{ord(first):04X}{rest}>"),
        ("", f"<{iri[:-1]}\\U{ord(iri[-1]):08x}>"),
        (f"BASE <{G}>\n", f"<{local}>"),
        (f"BASE <{G}org/x/>\n", f"<../{local[len('org/') :]}>"),
        (f"PREFIX : <{G}>\n", ":" + local.replace("/", "\\/")),
        ("", "gsg:" + local.replace("/", "\\/")),  # predeclared prefix
    ]


SEPARATORS = [
    " ",
    "\n",
    " # x\r",
    " # x\r\n",
    " # x\n",
    " #\r",
    "\f",
    " # \f x\n",
    "\\u000A",
    "\\u0020",
    " #\\u000A ",
    "\t\r",
]

CASES = [str.upper, str.lower, lambda s: s[:1].upper() + s[1:].lower()]


def nest(pattern: str) -> list[str]:
    return [
        pattern,
        f"OPTIONAL {{ {pattern} }}",
        f"?a ?b ?c MINUS {{ {pattern} }}",
        f"FILTER EXISTS {{ {pattern} }}",
        f"FILTER NOT EXISTS {{ {pattern} }}",
        f"{{ SELECT * WHERE {{ {pattern} }} }}",
        f"{{ ?a ?b ?c }} UNION {{ {pattern} }}",
        f"GRAPH <{OWN}> {{ ?a ?b ?c }} {pattern}",
        f"BIND(1 AS ?one) {pattern}",
    ]


def update_variants(canary: Canary) -> Iterator[str]:
    """Updates a contoso writer must not be able to run as written."""
    own_insert = f"INSERT DATA {{ GRAPH <{OWN}> {{ <urn:a> <urn:b> 1 }} }}"
    tails = [
        "CLEAR ALL",
        "DROP ALL",
        "CLEAR NAMED",
        f"DROP GRAPH <{VICTIM}>",
        f"CLEAR GRAPH <{VICTIM_PUB}>",
        f"INSERT DATA {{ GRAPH <{VICTIM_PUB}> {{ <urn:x> <urn:y> 2 }} }}",
        f"LOAD <{canary.url}>",
        f"LOAD <{canary.url}> INTO GRAPH <{OWN}>",
        f"INSERT {{ GRAPH <{OWN}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
    ]
    for sep, tail, case in itertools.product(SEPARATORS, tails, CASES[:2]):
        yield f"{own_insert}{sep}; {case(tail.split(' ', 1)[0])} {tail.split(' ', 1)[1]}"
        yield f"{own_insert} ;{sep}{tail}"
    for (pro, term), (pro_own, own_term) in itertools.product(iri_forms(VICTIM), iri_forms(OWN)[:3]):
        prologue = pro + (pro_own if pro_own and pro_own != pro else "")
        copy_where = [
            f"INSERT {{ GRAPH {own_term} {{ ?s ?p ?o }} }} USING {term} WHERE {{ ?s ?p ?o }}",
            f"INSERT {{ GRAPH {own_term} {{ ?s ?p ?o }} }} USING NAMED {term} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"ADD {term} TO {own_term}",
            f"COPY GRAPH {term} TO GRAPH {own_term}",
            f"MOVE {term} TO {own_term}",
            f"INSERT DATA {{ GRAPH {term} {{ <urn:x> <urn:y> 3 }} }}",
            f"DELETE WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }}",
            f"WITH {term} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
            f"DROP GRAPH {term}",
        ]
        for text in copy_where:
            yield prologue + text
        for pattern in nest(f"GRAPH {term} {{ ?s ?p ?o }}"):
            yield f"{prologue}INSERT {{ GRAPH {own_term} {{ ?s ?p ?o }} }} WHERE {{ {pattern} }}"
    for (pro, term), sep in itertools.product(iri_forms(VICTIM_PUB), SEPARATORS):
        yield f"{pro}{own_insert}{sep}; INSERT DATA {{ GRAPH {term} {{ <urn:x> <urn:y> 4 }} }}"
    # strings and escapes that try to end a string early for one reader only
    for q in ['"', "'"]:
        for esc in ["\\u0022", "\\u0027", "\\U00000022", '\\"', "\\'"]:
            yield (
                f"INSERT DATA {{ GRAPH <{OWN}> {{ <urn:a> <urn:b> {q}{esc} }} }} ; DROP GRAPH <{VICTIM}> # {q} }} }}"
            )
            yield (
                f"INSERT {{ GRAPH <{OWN}> {{ <urn:a> <urn:b> {q}{esc}{q} }} }} WHERE {{}} ;"
                f" INSERT {{ GRAPH <{VICTIM}> {{ <urn:a> <urn:b> 1 }} }} WHERE {{}} ;"
                f" INSERT {{ GRAPH <{OWN}> {{ <urn:a> <urn:b> {q}{esc}{q} }} }} WHERE {{}}"
            )


def query_variants(canary: Canary) -> Iterator[str]:
    """Queries that try to reach the canary or another tenant's private graph."""
    service = f"SERVICE <{canary.url}> {{ ?x ?y ?z }}"
    for sep, case in itertools.product(SEPARATORS, CASES):
        svc = case("SERVICE") + service[len("SERVICE") :]
        for pattern in nest(svc):
            yield f"SELECT * WHERE {{ BIND(1 AS ?a){sep}{pattern} }}"
        yield f"SELECT * WHERE {{ ?s ?p ?o #{sep}{svc}\n}}"
    for pro, term in iri_forms(VICTIM):
        for pattern in nest(f"GRAPH {term} {{ ?s ?p ?o }}"):
            yield f"{pro}SELECT * WHERE {{ {pattern} }}"
        yield f"{pro}SELECT * FROM {term} WHERE {{ ?s ?p ?o }}"
        yield f"{pro}SELECT * FROM NAMED {term} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        yield f"{pro}CONSTRUCT {{ ?s ?p ?o }} FROM {term} WHERE {{ ?s ?p ?o }}"
        yield f"{pro}ASK {{ GRAPH {term} {{ ?s ?p ?o }} }}"
        yield f"{pro}DESCRIBE <urn:marker:{VICTIM}> FROM {term}"


def mutate(text: str, rng: random.Random) -> str:
    """One random, meaning-preserving-or-not rewrite: extra comments, case, white space."""
    choice = rng.randrange(4)
    if choice == 0:
        return text.replace(" ", rng.choice([" # c\r", "\n", "\t", " # c\r\n"]), 1)
    if choice == 1:
        return text.replace("{", "{" + rng.choice(["# }\r", "\r\n", " "]), 1)
    if choice == 2:
        return text.lower() if rng.random() < 0.5 else text.upper()
    return text


def with_mutations(base: Iterator[str], n: int = 2) -> Iterator[str]:
    rng = random.Random(18)
    for text in base:
        yield text
        for _ in range(n):
            yield mutate(text, rng)


def _run_update(text: str, principal: Principal, canary: Canary) -> str:
    """Guard, then engine; returns what happened ('refused', 'failed' or 'ran')."""
    try:
        upd = authorise_update(principal, text)
    except GraphSvcError:
        return "refused"
    store = fresh_store()
    before = snapshot(store)
    try:
        store.update(upd.text)
    except (SyntaxError, RuntimeError, OSError):
        return "failed"
    after = snapshot(store)
    for g in GRAPHS:
        if before[g] != after[g]:
            assert can_write(principal, g), f"{g} changed by {text!r}"
    for g in GRAPHS:
        if can_read(principal, g) and g != VICTIM:
            assert not any(SECRET in q for q in after[g]), f"{text!r} copied the private marker into {g}"
    return "ran"


def _run_query(text: str, principal: Principal) -> str:
    try:
        q = prepare_query(text)
        default, named = query_dataset(principal, q.info, [], [], GRAPHS)
    except GraphSvcError:
        return "refused"
    store = fresh_store()
    kwargs: dict[str, object] = {}
    if default is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [NamedNode(g) for g in default]
        kwargs["named_graphs"] = [NamedNode(g) for g in named or []]
    try:
        res = store.query(q.text, **kwargs)  # type: ignore[arg-type]
        out = " ".join(str(x) for x in res) if isinstance(res, QuerySolutions | QueryTriples) else str(bool(res))
    except (SyntaxError, RuntimeError, OSError):
        return "failed"
    assert SECRET not in out, f"{text!r} read another tenant's private graph"
    return "ran"


def _drive(texts: Iterator[str], run: Callable[[str], str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for text in texts:
        outcome = run(text)
        seen[outcome] = seen.get(outcome, 0) + 1
    return seen


def test_fuzzed_updates_never_leave_the_callers_graphs(canary: Canary) -> None:
    outcomes = _drive(with_mutations(update_variants(canary)), lambda t: _run_update(t, WRITER, canary))
    assert sum(outcomes.values()) >= 2000, outcomes
    assert outcomes.get("refused", 0) > 0
    assert canary.hits == 0


def test_fuzzed_queries_never_read_private_graphs_or_call_out(canary: Canary) -> None:
    texts = list(with_mutations(query_variants(canary)))
    assert len(texts) >= 1000
    for principal in (ANONYMOUS, READER):
        outcomes = _drive(iter(texts), lambda t, p=principal: _run_query(t, p))
        assert outcomes.get("refused", 0) > 0, outcomes
    assert canary.hits == 0


def test_the_harness_sees_an_attack_that_gets_through() -> None:
    """The checks above can fail: executing an attack's original text (no guard) trips them."""
    canary = Canary()
    store = fresh_store()
    store.update(f"INSERT {{ GRAPH <{OWN}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{VICTIM}> {{ ?s ?p ?o }} }}")
    assert any(SECRET in q for q in snapshot(store)[OWN])
    with pytest.raises(OSError):
        list(Store().query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"))
    assert canary.hits == 1
    canary.sock.close()


def test_the_predeclared_prefixes_are_the_projects() -> None:
    assert PREFIXES["gsg"] == G


def _answers(store: object, text: str) -> object:
    res = store.raw_query(text)  # type: ignore[attr-defined]
    if isinstance(res, QuerySolutions):
        return sorted(str(s) for s in res)
    if isinstance(res, QueryTriples):
        return sorted(str(t) for t in res)
    return bool(res)


@pytest.mark.shipped
def test_the_canonical_text_answers_like_the_original_for_every_named_query(service: object) -> None:
    """The rewrite changes how a query is written, never what it asks: all of queries/*.rq."""
    from graphsvc.config import PROJECT_ROOT

    files = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        canonical = prepare_query(text).text
        assert _answers(service.store, canonical) == _answers(service.store, text), path.name  # type: ignore[attr-defined]
