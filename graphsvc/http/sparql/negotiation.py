"""Content negotiation for the SPARQL endpoint and the Graph Store: which media type to answer in.

A response's media type depends on what the query returns (the query *form*):

========================= ====================================================================
form                      offered, in the order used when the caller accepts anything
========================= ====================================================================
SELECT                    SPARQL results JSON, XML, CSV, TSV
ASK                       SPARQL results JSON, XML
CONSTRUCT, DESCRIBE       Turtle, N-Triples, JSON-LD, RDF/XML (also a Graph Store GET and the
                          service description)
========================= ====================================================================

**ASK is never CSV or TSV.** The W3C CSV/TSV results format defines a table of bindings and has
no boolean form; a bare ``true`` is read by rdflib as an empty table (False) and not at all by
its TSV parser. A request for an ASK result that accepts only CSV or TSV is answered ``406``,
and ``text/csv, */*;q=0.1`` gets JSON.

**``format=``** (repeatable, as SPARQLWrapper sends it; handy in a browser) is read by query form:
``json`` is SPARQL results JSON for SELECT and ASK but JSON-LD for CONSTRUCT and DESCRIBE, ``xml``
is SPARQL results XML or RDF/XML, ``n3`` is Turtle (a subset of N3), ``rdf`` is RDF/XML. A value
may also be a media type. ``format=`` picks among what the Accept header allows: it never
overrides an Accept header that rules out what it names (then Accept decides), and a ``format=``
that names nothing this form offers, with no Accept header naming something it does, is ``406``.
SPARQLWrapper's default for CONSTRUCT (``format=xml`` with ``Accept: application/rdf+xml``)
therefore gets RDF/XML.

>>> choose_media("CONSTRUCT", "application/rdf+xml", ["xml"])
'application/rdf+xml'
>>> choose_media("SELECT", None, ["xml"])
'application/sparql-results+xml'
>>> choose_media("ASK", "text/csv, */*;q=0.1", None)
'application/sparql-results+json'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from graphsvc.errors import BadRequest, NotAcceptable

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

#: Offered for SELECT, in the order used when the caller accepts any.
SOLUTION_TYPES = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
#: Offered for ASK: the CSV/TSV results format has no boolean form.
BOOLEAN_TYPES = (RESULTS_JSON, RESULTS_XML)
#: Offered for CONSTRUCT, DESCRIBE, the service description and Graph Store GET.
GRAPH_TYPES = (TURTLE, NTRIPLES, JSONLD, RDFXML)

#: Other names of the solution types in an Accept header or ``format=``.
ALIASES = {
    "application/json": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/json+ld": JSONLD,
}
#: Other names of the graph types in an Accept header or ``format=``.
GRAPH_ALIASES = {
    "application/json": JSONLD,
    "application/x-json+ld": JSONLD,
    "application/json+ld": JSONLD,
    "text/plain": NTRIPLES,
    "application/x-turtle": TURTLE,
    "application/turtle": TURTLE,
    "text/n3": TURTLE,
    "text/rdf+n3": TURTLE,
    "application/n3": TURTLE,
    "application/xml": RDFXML,
    "text/xml": RDFXML,
}
#: ``format=`` short names for SELECT and ASK results.
SOLUTION_FORMATS = {"json": RESULTS_JSON, "xml": RESULTS_XML, "csv": CSV, "tsv": TSV}
#: ``format=`` short names for graphs (CONSTRUCT, DESCRIBE, Graph Store).
GRAPH_FORMATS = {
    "json": JSONLD,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "xml": RDFXML,
    "rdf": RDFXML,
    "rdfxml": RDFXML,
    "rdf+xml": RDFXML,
    "turtle": TURTLE,
    "ttl": TURTLE,
    "n3": TURTLE,
    "ntriples": NTRIPLES,
    "n-triples": NTRIPLES,
    "nt": NTRIPLES,
}
#: Every ``format=`` short name, for documentation.
FORMATS = {**GRAPH_FORMATS, **SOLUTION_FORMATS}

_RANGE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$|^\*/\*$|^[A-Za-z0-9!#$&^_.+-]+/\*$")
_QVALUE = re.compile(r"^(0(\.\d{0,3})?|1(\.0{0,3})?)$")


def parse_accept(header: str) -> list[tuple[str, float, int]]:
    """``(media range, q, position)`` for each entry of an Accept header.

    >>> parse_accept("text/csv;q=0.5, application/sparql-results+json")
    [('text/csv', 0.5, 0), ('application/sparql-results+json', 1.0, 1)]

    :raises BadRequest: an entry is not ``type/subtype`` or a q value is not 0..1.
    """
    out = []
    for pos, raw in enumerate(header.split(",")):
        part = raw.strip()
        if not part:
            continue
        kind, *params = (p.strip() for p in part.split(";"))
        kind = kind.lower()
        if not _RANGE.match(kind):
            raise BadRequest(f"malformed Accept header: {part[:80]!r} is not a media range (type/subtype)")
        q = 1.0
        for p in params:
            name, sep, value = p.partition("=")
            if not sep:
                raise BadRequest(f"malformed Accept header: parameter {p[:40]!r} has no value")
            if name.strip().lower() == "q":
                value = value.strip()
                if not _QVALUE.match(value):
                    raise BadRequest(f"malformed Accept header: q={value[:20]!r} is not a number from 0 to 1")
                q = float(value)
        out.append((kind, q, pos))
    return out


def _best(
    ranges: Sequence[tuple[str, float, int]], offered: Sequence[str], aliases: Mapping[str, str], *, explicit: bool
) -> str | None:
    """The offered type the ranges prefer; with ``explicit``, only types a range names (no wildcard)."""
    best: tuple[float, int, int, int] | None = None  # q, specificity, -position, -offer index
    chosen = None
    for idx, media in enumerate(offered):
        match: tuple[int, float, int] | None = None  # specificity, q, position of the most specific range
        for kind, q, pos in ranges:
            target = aliases.get(kind, kind)
            if target == media:
                spec = 3
            elif explicit:
                continue
            elif kind.endswith("/*") and kind != "*/*" and media.startswith(kind[:-1]):
                spec = 2
            elif kind == "*/*":
                spec = 1
            else:
                continue
            if match is None or spec > match[0]:
                match = (spec, q, pos)
        if match is None or match[1] <= 0:
            continue
        spec, q, pos = match
        key = (q, spec, -pos, -idx)
        if best is None or key > best:
            best, chosen = key, media
    return chosen


def negotiate(accept: str | None, offered: Sequence[str], aliases: Mapping[str, str] | None = None) -> str:
    """The offered media type the caller prefers; the first offered one if it accepts anything.

    >>> negotiate("text/csv, */*;q=0.1", SOLUTION_TYPES)
    'text/csv'
    >>> negotiate("application/json", SOLUTION_TYPES, ALIASES)
    'application/sparql-results+json'

    :raises BadRequest: a malformed header.
    :raises NotAcceptable: nothing offered is acceptable.
    """
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    chosen = _best(ranges, offered, aliases if aliases is not None else ALIASES, explicit=False)
    if chosen is None:
        raise NotAcceptable(
            f"cannot answer with any of: {accept[:200]}; this result is offered as {', '.join(offered)}"
        )
    return chosen


def offered_for(form: str) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    """``(offered media types, Accept aliases, format= short names)`` for a query form.

    >>> offered_for("ASK")[0]
    ('application/sparql-results+json', 'application/sparql-results+xml')
    """
    if form == "SELECT":
        return SOLUTION_TYPES, ALIASES, SOLUTION_FORMATS
    if form == "ASK":
        return BOOLEAN_TYPES, ALIASES, SOLUTION_FORMATS
    return GRAPH_TYPES, GRAPH_ALIASES, GRAPH_FORMATS


def _why(form: str, offered: Sequence[str]) -> str:
    note = " (the CSV and TSV results formats carry SELECT results only)" if form == "ASK" else ""
    article = "an" if form[:1] in "AEIOU" else "a"
    return f"{article} {form} result is offered as {', '.join(offered)}{note}"


def choose_media(form: str, accept: str | None, fmt: str | Sequence[str] | None) -> str:
    """The response media type for a query of ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE).

    ``fmt`` holds the ``format=`` values, read by query form (module docstring).

    >>> choose_media("SELECT", None, ["tsv", "text/tab-separated-values"])
    'text/tab-separated-values'
    >>> choose_media("DESCRIBE", "*/*", ["json"])
    'application/ld+json'

    :raises NotAcceptable: neither ``format=`` nor Accept names something this form offers.
    :raises BadRequest: a malformed Accept header.
    """
    offered, aliases, short = offered_for(form)
    values = [fmt] if isinstance(fmt, str) else list(fmt or [])
    candidates: list[str] = []
    for value in values:
        text = value.strip().lower()
        media = short.get(text) or aliases.get(text, text)
        if media in offered and media not in candidates:
            candidates.append(media)
    ranges = parse_accept(accept) if accept and accept.strip() else []
    if candidates:
        if not ranges:
            return candidates[0]
        chosen = _best(ranges, candidates, aliases, explicit=False)
        if chosen is not None:
            return chosen
        return negotiate(accept, offered, aliases)  # Accept rules out what format= names: Accept decides
    if values:
        chosen = _best(ranges, offered, aliases, explicit=True)
        if chosen is None:
            raise NotAcceptable(f"format={values[0][:40]!r}: {_why(form, offered)}")
        return chosen
    if ranges and _best(ranges, offered, aliases, explicit=False) is None:
        raise NotAcceptable(f"cannot answer with any of: {accept[:200] if accept else ''}; {_why(form, offered)}")
    return negotiate(accept, offered, aliases)
