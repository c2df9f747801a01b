"""What one SPARQL engine does differently, for :mod:`graphsvc.store.remote`: one :class:`Dialect` each.

* **the union of graphs.** ``graphs=None`` means "every named graph" (pyoxigraph's
  ``use_default_graph_as_union``). Virtuoso, GraphDB and Neptune already query every graph
  when a request names no dataset ("native"); Fuseki's default graph is a separate, unnamed
  graph unless the dataset sets ``unionDefaultGraph``, so for Fuseki and unknown engines the
  store names every graph explicitly as ``default-graph-uri`` and ``named-graph-uri``
  parameters ("list"; the graph list is cached for a few seconds). ``graphs=[…]`` is always
  sent as those parameters, both of them (Virtuoso, given only ``default-graph-uri``, still
  lets ``GRAPH ?g`` range over every graph).
* **atomicity of writes.** Fuseki (TDB2), GraphDB and Neptune run one update request as one
  transaction (so their documentation says; not tested here), so
  :meth:`RemoteStore.replace_graphs` sends one request and is all-or-nothing there.
  Virtuoso is not: measured on 7.2.5 over HTTP, the operations of one request are committed
  one by one (an earlier ``INSERT DATA`` stays when a later operation fails), and
  ``DROP``, ``DELETE WHERE``, ``INSERT … WHERE``, ``MOVE`` and Graph Store ``PUT`` are each
  visible half-done to concurrent readers (reads are read-committed, the writes commit in
  batches). So on Virtuoso a replacement is done graph by graph with one Graph Store ``PUT``
  each (the fastest path, about 20 thousand triples per second here), a failure names the
  graphs already replaced (repeating the call repairs it: every step is idempotent), and a
  reader may see a graph half-replaced while it runs. Without a Graph Store endpoint the
  store falls back to ``INSERT`` requests of at most ``insert_chunk`` triples (Virtuoso's
  SPARQL compiler refuses larger ones and slows down quadratically with several operations in
  one request), keeping each blank node's triples in one request.
* **Virtuoso's literal quirks.** It returns stored booleans as ``"1"^^xsd:boolean`` (turned
  back into ``"true"``), computed booleans as ``1``/``0`` integers (left as they are:
  :func:`graphsvc.terms.py` reads them as truthy), blank nodes as ``nodeID://b123`` (turned
  into ``_:b123``), refuses blank nodes in ``INSERT DATA`` (sent as ``INSERT … WHERE {}``),
  and cuts SELECT results at ``ResultSetMaxRows`` saying so only in an ``X-SPARQL-MaxRows``
  header, which is raised here as a :class:`StoreError` rather than returning a partial answer.
  Its CONSTRUCT results are cut at that limit too, without any sign: :meth:`triples` uses
  SELECT for that reason, and ``raw_query`` CONSTRUCTs on Virtuoso are only as complete as
  ``ResultSetMaxRows`` allows.
* **Virtuoso's query quirks.** Parameters are bound with one ``VALUES`` block per variable
  (one block of several variables makes Virtuoso 7.2 fail on some queries with "no
  SPART_VARR_FIXED") plus, for IRIs, an equality ``FILTER`` on the same variable (Virtuoso
  otherwise ignores a ``VALUES``-bound start of a property path such as ``?_system_iri
  gs:dependsOn+ ?dep`` and answers for every subject). Graphs are listed with ``GROUP BY ?g``,
  not ``DISTINCT ?g``, which took 4 s on 20 thousand triples. A ``GROUP_CONCAT`` over unbound
  values is "" on Virtuoso where Oxigraph leaves it unbound.

>>> d = DIALECTS["virtuoso"]
>>> d.union, d.atomic_updates
('native', False)
>>> bnode_id("nodeID://b10007")
'b10007'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, NamedNode

from graphsvc.store.base import _WHERE, Term, bind_values

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


@dataclass(frozen=True)
class Dialect:
    """What one SPARQL engine does differently (see the module docstring)."""

    name: str
    #: "native": the engine's default graph already is the union of all graphs;
    #: "list": name every graph in the request's dataset parameters.
    union: str = "list"
    #: One update request is one transaction (all-or-nothing, invisible until done).
    atomic_updates: bool = True
    #: ``INSERT DATA`` may hold blank nodes (SPARQL 1.1 allows it; Virtuoso does not).
    bnodes_in_insert_data: bool = True
    #: Most triples in one INSERT operation when writes go in pieces; 0: no limit.
    insert_chunk: int = 0
    #: Prefixes of graphs the engine keeps for itself (hidden from named_graphs and count).
    system_graphs: tuple[str, ...] = ()
    #: Rewrite "1"/"0"^^xsd:boolean as "true"/"false".
    boolean_digits: bool = False
    #: Prefix the engine puts before blank node labels in results.
    bnode_prefix: str = ""
    #: Bind each parameter in a VALUES block of its own, plus an equality FILTER for IRIs
    #: (Virtuoso 7.2 fails on some queries with one multi-variable block, "ssg_print_rvr_fixed_val():
    #: no SPART_VARR_FIXED", and ignores a VALUES-bound start of a property path).
    values_per_variable: bool = False
    #: Graph Store endpoint derived from the query endpoint: (suffix of the query URL, replacement).
    gsp_from_query: tuple[tuple[str, str], ...] = ()


DIALECTS: dict[str, Dialect] = {
    "virtuoso": Dialect(
        "virtuoso",
        union="native",
        atomic_updates=False,
        bnodes_in_insert_data=False,
        insert_chunk=400,
        system_graphs=(
            "http://www.openlinksw.com/schemas/virtrdf#",
            "http://www.w3.org/ns/ldp#",
            "http://localuriqaserver/",
            "http://www.w3.org/2002/07/owl#",
        ),
        boolean_digits=True,
        bnode_prefix="nodeID://",
        values_per_variable=True,
        gsp_from_query=(("/sparql-auth", "/sparql-graph-crud-auth"), ("/sparql", "/sparql-graph-crud")),
    ),
    "fuseki": Dialect("fuseki", union="list"),
    "graphdb": Dialect("graphdb", union="native"),
    "neptune": Dialect("neptune", union="native"),
    "generic": Dialect("generic", union="list"),
}

VIRTUOSO_LOCAL_GRAPH = re.compile(r"^https?://[^/]+/(?:sparql|DAV/?)$")


def bnode_id(value: str, prefix: str = "nodeID://") -> str:
    """A blank node label pyoxigraph accepts, from whatever the engine sent."""
    if prefix and value.startswith(prefix):
        value = value[len(prefix) :]
    if value.startswith("_:"):
        value = value[2:]
    try:
        BlankNode(value)
        return value
    except ValueError:
        return "x" + value.encode("utf-8").hex()


def bind_parameters(query: str, bindings: Mapping[str, Term] | None, dialect: Dialect) -> str:
    """``query`` with ``bindings`` bound the way the engine reads them (see :attr:`Dialect.values_per_variable`)."""
    if not bindings or not dialect.values_per_variable:
        return bind_values(query, bindings)
    for name, value in reversed(list(bindings.items())):
        query = bind_values(query, {name: value})
    # Virtuoso 7.2 ignores a VALUES-bound start of a property path (``?_s gs:dependsOn+ ?d``
    # then answers for every subject); an equality filter on the same variable anchors it
    filters = " ".join(f"FILTER (?{k} = {v})" for k, v in bindings.items() if isinstance(v, NamedNode))
    if filters:
        m = _WHERE.search(query)
        assert m is not None  # bind_values found it above
        query = query[: m.end()] + " " + filters + "\n" + query[m.end() :]
    return query


def normalise_results(data: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """SPARQL JSON results rewritten so that pyoxigraph's parser and graphsvc read them
    the way they read the embedded store's (blank node labels, boolean digits)."""
    if not (dialect.bnode_prefix or dialect.boolean_digits) or "results" not in data:
        return data
    for binding in data["results"].get("bindings", []):
        for b in binding.values():
            if b.get("type") == "bnode":
                b["value"] = bnode_id(b["value"], dialect.bnode_prefix)
            elif b.get("type") == "typed-literal":
                b["type"] = "literal"
            if b.get("datatype") == XSD_BOOLEAN and b.get("value") in {"1", "0"}:
                b["value"] = "true" if b["value"] == "1" else "false"
    return data
