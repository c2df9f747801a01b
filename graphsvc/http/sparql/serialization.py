"""SPARQL results and RDF graphs as bytes: the W3C SELECT results formats and pyoxigraph's RDF writers.

SELECT results are written here (JSON, XML, CSV, TSV, per the W3C specs) because pyoxigraph's
``QuerySolutions.serialize`` can only write a whole, unread iterator, which rules out both the
deadline checks and the result cap of :mod:`graphsvc.http.sparql.evaluation`; ASK results and
graphs (Turtle, N-Triples, JSON-LD, RDF/XML) are written by pyoxigraph's serializers.
tests/test_api.py reads every format back with pyoxigraph's and rdflib's parsers.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, RdfFormat, Triple, serialize

from graphsvc.errors import NotAcceptable
from graphsvc.http.sparql.negotiation import CSV, JSONLD, NTRIPLES, RDFXML, RESULTS_JSON, RESULTS_XML, TSV, TURTLE

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_PLAIN = frozenset({XSD_STRING, RDF_LANGSTRING})  # datatypes a JSON literal leaves unsaid
_json_str = encode_basestring  # a JSON string, as json.dumps(text, ensure_ascii=False) writes it

_RDF_FORMATS = {
    TURTLE: RdfFormat.TURTLE,
    NTRIPLES: RdfFormat.N_TRIPLES,
    JSONLD: RdfFormat.JSON_LD,
    RDFXML: RdfFormat.RDF_XML,
}


def _json_term(t: Any) -> str:
    """One RDF term as a SPARQL 1.1 Results JSON object, written directly: the same text
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` gives for the W3C structure,
    several times faster than building and dumping a dict per term (tests/test_protocol.py)."""
    if isinstance(t, NamedNode):
        return '{"type":"uri","value":' + _json_str(t.value) + "}"
    if isinstance(t, BlankNode):
        return '{"type":"bnode","value":' + _json_str(t.value) + "}"
    if isinstance(t, Literal):
        head = '{"type":"literal","value":' + _json_str(t.value)
        if t.language:
            return head + ',"xml:lang":' + _json_str(t.language) + "}"
        datatype = t.datatype.value
        if datatype not in _PLAIN:
            return head + ',"datatype":' + _json_str(datatype) + "}"
        return head + "}"
    if isinstance(t, Triple):
        return (
            '{"type":"triple","value":{"subject":'
            + _json_term(t.subject)
            + ',"predicate":'
            + _json_term(t.predicate)
            + ',"object":'
            + _json_term(t.object)
            + "}}"
        )
    return '{"type":"literal","value":' + _json_str(str(t)) + "}"


_XML_BAD = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return xml_escape(_XML_BAD.sub("\ufffd", text))


def _xml_term(t: Any) -> str:
    if isinstance(t, NamedNode):
        return f"<uri>{_x(t.value)}</uri>"
    if isinstance(t, BlankNode):
        return f"<bnode>{_x(t.value)}</bnode>"
    if isinstance(t, Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{_x(t.value)}</literal>"
        if t.datatype.value not in {XSD_STRING, RDF_LANGSTRING}:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{_x(t.value)}</literal>"
        return f"<literal>{_x(t.value)}</literal>"
    if isinstance(t, Triple):
        return (
            f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}</predicate>"
            f"<object>{_xml_term(t.object)}</object></triple>"
        )
    return f"<literal>{_x(str(t))}</literal>"


def _csv_cell(t: Any) -> str:
    if t is None:
        return ""
    if isinstance(t, BlankNode):
        return "_:" + t.value
    if isinstance(t, NamedNode | Literal):
        return t.value
    return str(t)


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def serialize_solutions(variables: Sequence[str], rows: Iterable[Sequence[Any]], media_type: str) -> bytes:
    """SELECT results in one of :data:`SOLUTION_TYPES` (W3C SPARQL 1.1 results formats).

    >>> from pyoxigraph import NamedNode, Literal
    >>> serialize_solutions(["s", "o"], [(NamedNode("http://e/s"), Literal("x", language="en"))], RESULTS_JSON)
    b'{"head":{"vars":["s","o"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://e/s"},"o":{"type":"literal","value":"x","xml:lang":"en"}}]}}'
    """
    buf = io.StringIO()
    if media_type == RESULTS_JSON:
        buf.write('{"head":{"vars":' + json.dumps(list(variables), separators=(",", ":")) + '},"results":{"bindings":[')
        keys = [_json_str(v) + ":" for v in variables]
        for i, row in enumerate(rows):
            cells = ",".join(k + _json_term(term) for k, term in zip(keys, row, strict=True) if term is not None)
            buf.write(("," if i else "") + "{" + cells + "}")
        buf.write("]}}")
    elif media_type == RESULTS_XML:
        buf.write('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
        buf.write("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + "</head><results>")
        for row in rows:
            buf.write("<result>")
            for v, t in zip(variables, row, strict=True):
                if t is not None:
                    buf.write(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            buf.write("</result>")
        buf.write("</results></sparql>\n")
    elif media_type == CSV:
        buf.write(",".join(_csv_quote(v) for v in variables) + "\r\n")
        for row in rows:
            buf.write(",".join(_csv_quote(_csv_cell(t)) for t in row) + "\r\n")
    elif media_type == TSV:
        buf.write("\t".join("?" + v for v in variables) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    else:
        raise NotAcceptable(f"{media_type} cannot carry SELECT results")
    return buf.getvalue().encode("utf-8")


#: pyoxigraph's writer of an ASK result, by results media type.
RESULTS_FORMATS = {
    RESULTS_JSON: QueryResultsFormat.JSON,
    RESULTS_XML: QueryResultsFormat.XML,
    CSV: QueryResultsFormat.CSV,
    TSV: QueryResultsFormat.TSV,
}


def serialize_triples(triples: Iterable[Any], media_type: str, *, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples as Turtle, N-Triples, JSON-LD or RDF/XML, written by pyoxigraph."""
    fmt = _RDF_FORMATS.get(media_type)
    if fmt is None:
        raise NotAcceptable(f"{media_type} cannot carry an RDF graph")
    if fmt in {RdfFormat.TURTLE, RdfFormat.RDF_XML} and prefixes:
        return serialize(triples, format=fmt, prefixes=prefixes)
    return serialize(triples, format=fmt)
