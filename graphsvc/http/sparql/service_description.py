"""The SPARQL 1.1 Service Description of the endpoint: what a client may send and what it gets back.

``GET /sparql`` without a query answers this description (SPARQL 1.1 Service Description,
section 2), in the RDF format the caller negotiates. Every statement in it is one the service
keeps (tests/test_protocol.py and tests/test_clients_live.py check each):

- ``sd:supportedLanguage``: SPARQL 1.1 Query, and Update for a caller whose key may write;
- ``sd:resultFormat``: the result media types of :mod:`graphsvc.http.sparql.negotiation` (SPARQL results
  JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD, RDF/XML). CSV and TSV carry SELECT results
  only (ASK is JSON or XML), which the description says in an ``rdfs:comment``;
- ``sd:inputFormat``: the RDF formats the Graph Store Protocol accepts in a request body
  (LOAD is refused, so these are its only inputs);
- ``sd:feature``: ``sd:UnionDefaultGraph`` (the default graph is the union of the named graphs
  the caller may read) and ``sd:EmptyGraphs`` (a graph created empty stays, e.g. by a Graph Store
  PUT of an empty body); ``sd:BasicFederatedQuery`` is absent, SERVICE being refused;
- ``sd:defaultEntailmentRegime``: simple entailment (inferred triples are materialised at build
  time into their own graph, none at query time);
- ``gs:baseIRI``: the base IRI relative IRIs in queries and updates resolve against,
  :data:`graphsvc.namespaces.GRAPHSVC_BASE_IRI` (the Service Description vocabulary has no term
  for it);
- ``sd:defaultDataset``: the named graphs the caller may read.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from graphsvc.errors import NotAcceptable
from graphsvc.http.sparql.negotiation import CSV, JSONLD, NTRIPLES, RDFXML, RESULTS_JSON, RESULTS_XML, TSV, TURTLE
from graphsvc.namespaces import GRAPHSVC_BASE_IRI, GS, RDFS

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

#: The W3C format IRI of each result media type the endpoint answers in.
RESULT_FORMATS = {
    RESULTS_JSON: FORMATS_NS + "SPARQL_Results_JSON",
    RESULTS_XML: FORMATS_NS + "SPARQL_Results_XML",
    CSV: FORMATS_NS + "SPARQL_Results_CSV",
    TSV: FORMATS_NS + "SPARQL_Results_TSV",
    TURTLE: FORMATS_NS + "Turtle",
    NTRIPLES: FORMATS_NS + "N-Triples",
    JSONLD: FORMATS_NS + "JSON-LD",
    RDFXML: FORMATS_NS + "RDF_XML",
}
#: The RDF formats a Graph Store request body may be in (media type -> format IRI).
INPUT_FORMATS = {
    TURTLE: FORMATS_NS + "Turtle",
    NTRIPLES: FORMATS_NS + "N-Triples",
    JSONLD: FORMATS_NS + "JSON-LD",
    RDFXML: FORMATS_NS + "RDF_XML",
}
_SERIALIZERS = {
    TURTLE: RdfFormat.TURTLE,
    NTRIPLES: RdfFormat.N_TRIPLES,
    JSONLD: RdfFormat.JSON_LD,
    RDFXML: RdfFormat.RDF_XML,
}
NOTE = (
    "CSV and TSV results are for SELECT queries only; ASK is answered as SPARQL results JSON or XML. "
    "Relative IRIs in queries and updates resolve against the base IRI given by gs:baseIRI. "
    "SERVICE and LOAD are refused: the service never fetches anything."
)


def service_description(endpoint: str, graphs: Sequence[str], media_type: str, *, updates: bool) -> bytes:
    """An ``sd:Service`` for the endpoint, listing the named graphs the caller may read.

    >>> b"gs:baseIRI <https://w3id.org/graphsvc/base/>" in service_description(
    ...     "http://127.0.0.1/sparql", [], "text/turtle", updates=False)
    True

    :raises NotAcceptable: ``media_type`` is not an RDF graph type.
    """
    me = NamedNode(endpoint)

    def sd(local: str) -> NamedNode:
        return NamedNode(SD + local)

    triples = [
        Triple(me, RDF_TYPE, sd("Service")),
        Triple(me, sd("endpoint"), me),
        Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(me, sd("feature"), sd("UnionDefaultGraph")),
        Triple(me, sd("feature"), sd("EmptyGraphs")),
        Triple(me, sd("defaultEntailmentRegime"), NamedNode(ENTAILMENT_SIMPLE)),
        Triple(me, NamedNode(GS + "baseIRI"), NamedNode(GRAPHSVC_BASE_IRI)),
        Triple(me, NamedNode(RDFS + "comment"), Literal(NOTE, language="en")),
    ]
    if updates:
        triples.append(Triple(me, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [Triple(me, sd("resultFormat"), NamedNode(iri)) for iri in RESULT_FORMATS.values()]
    triples += [Triple(me, sd("inputFormat"), NamedNode(iri)) for iri in INPUT_FORMATS.values()]
    dataset, default = BlankNode(), BlankNode()
    triples += [
        Triple(me, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, RDF_TYPE, sd("Graph")),
    ]
    for g in graphs:
        node = BlankNode()
        triples += [
            Triple(dataset, sd("namedGraph"), node),
            Triple(node, RDF_TYPE, sd("NamedGraph")),
            Triple(node, sd("name"), NamedNode(g)),
        ]
    fmt = _SERIALIZERS.get(media_type)
    if fmt is None:
        raise NotAcceptable(f"{media_type} cannot carry an RDF graph")
    if fmt in {RdfFormat.TURTLE, RdfFormat.RDF_XML}:
        return serialize(triples, format=fmt, prefixes={"sd": SD, "formats": FORMATS_NS, "gs": GS})
    return serialize(triples, format=fmt)
