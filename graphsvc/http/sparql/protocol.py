"""Reading a SPARQL 1.1 Protocol request: which operation, with which parameters, from which encoding.

The protocol (W3C Recommendation, 21 March 2013) defines three encodings for a query and two for
an update, and where each parameter goes:

================================= ================================= =================================
operation                         URL query string                  body
================================= ================================= =================================
query via GET (2.1.1)             query, default-graph-uri,         none
                                  named-graph-uri
query via URL-encoded POST        none                              query, default-graph-uri,
(2.1.2)                                                             named-graph-uri (form)
query via POST directly (2.1.3)   default-graph-uri,                the query
                                  named-graph-uri                   (``application/sparql-query``)
update via URL-encoded POST       none                              update, using-graph-uri,
(2.2.1)                                                             using-named-graph-uri (form)
update via POST directly (2.2.2)  using-graph-uri,                  the update
                                  using-named-graph-uri             (``application/sparql-update``)
================================= ================================= =================================

Anything else is refused with 400: ``query=`` or ``update=`` in the URL of a POST (the protocol
defines no such parameter there, and honouring one would run a text the body does not carry),
a protocol parameter in the URL of a form POST, two queries, a query and an update, an update by
GET, dataset parameters of the other operation. A POST body of another media type is 415.
``format=`` (graphsvc's shortcut for Accept, :mod:`graphsvc.http.sparql.negotiation`) may go in the URL or
the form; other unknown parameters (SPARQLWrapper's ``output=``, ``results=``) are ignored.

``using-graph-uri`` / ``using-named-graph-uri`` are handed on as data
(:attr:`SparqlRequest.using_graphs`, :attr:`SparqlRequest.using_named_graphs`); the update guard
applies them as ``USING`` / ``USING NAMED`` (:func:`graphsvc.http.sparql.guard.inspect_update`).

>>> parse_request("GET", None, [("query", "ASK {}")]).query
'ASK {}'
>>> parse_request("POST", "application/sparql-update", [("using-graph-uri", "http://g")], b"DELETE WHERE { ?s ?p ?o }").using_graphs
['http://g']
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from graphsvc.errors import BadRequest, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
#: The parameters the protocol defines (2.1 and 2.2).
PROTOCOL_PARAMETERS = (
    "query",
    "update",
    "default-graph-uri",
    "named-graph-uri",
    "using-graph-uri",
    "using-named-graph-uri",
)


@dataclass
class SparqlRequest:
    """One SPARQL Protocol request, from any of its encodings."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)  # using-graph-uri: USING <g> for every operation
    using_named_graphs: list[str] = field(default_factory=list)  # using-named-graph-uri: USING NAMED <g>
    formats: list[str] = field(default_factory=list)  # ``format=`` values (graphsvc.http.sparql.negotiation)


def split_content_type(content_type: str | None) -> tuple[str, str]:
    """``(media type, charset)`` of a Content-Type header; UTF-8 when no charset is given.

    >>> split_content_type('text/turtle; charset="UTF-8"')
    ('text/turtle', 'utf-8')
    """
    if not content_type:
        return "", "utf-8"
    kind, *params = (p.strip() for p in content_type.split(";"))
    charset = "utf-8"
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind.lower(), charset


def decode_body(body: bytes, charset: str) -> str:
    """:raises UnsupportedMediaType: a charset other than UTF-8 (or ASCII).
    :raises BadRequest: bytes that are not UTF-8."""
    if charset not in {"utf-8", "utf8", "us-ascii", "ascii"}:
        raise UnsupportedMediaType(f"charset {charset!r}: SPARQL requests must be UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8: {exc}") from None


def _refuse_in_url(url_fields: list[tuple[str, str]], names: Iterable[str], why: str) -> None:
    given = sorted({k for k, _ in url_fields if k in set(names)})
    if given:
        raise BadRequest(f"{', '.join(given)} in the URL of a POST: {why}")


def parse_request(
    method: str, content_type: str | None, params: Iterable[tuple[str, str]], body: bytes = b""
) -> SparqlRequest:
    """Read a query or update request as the SPARQL 1.1 Protocol defines it (module docstring).

    ``params`` are the URL's query-string parameters, in order.

    >>> parse_request("POST", "application/sparql-update", [], b"CLEAR DEFAULT").update
    'CLEAR DEFAULT'
    >>> parse_request("POST", "application/x-www-form-urlencoded", [("update", "CLEAR ALL")], b"")
    Traceback (most recent call last):
    ...
    graphsvc.errors.BadRequest: update in the URL of a POST: the protocol takes the query or update in the body; send it there

    :raises BadRequest: see the module docstring.
    :raises UnsupportedMediaType: a POST body that is not one of the three protocol types.
    """
    url_fields: list[tuple[str, str]] = list(params)
    fields = list(url_fields)
    method = method.upper()
    if method == "POST":
        kind, charset = split_content_type(content_type)
        _refuse_in_url(
            url_fields, ("query", "update"), "the protocol takes the query or update in the body; send it there"
        )
        if kind == FORM:
            _refuse_in_url(
                url_fields,
                PROTOCOL_PARAMETERS,
                "a URL-encoded POST carries every protocol parameter in its body (SPARQL 1.1 Protocol 2.1.2, 2.2.1)",
            )
            text = decode_body(body, charset)
            try:
                fields += urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest(f"malformed form body: {exc}") from None
        elif kind == SPARQL_QUERY:
            fields.append(("query", decode_body(body, charset)))
        elif kind == SPARQL_UPDATE:
            fields.append(("update", decode_body(body, charset)))
        else:
            raise UnsupportedMediaType(
                f"Content-Type {content_type or '(none)'!r}: POST a query as application/sparql-query or "
                "application/x-www-form-urlencoded (query=…), an update as application/sparql-update or a form (update=…)"
            )
    req = SparqlRequest()
    queries = [v for k, v in fields if k == "query"]
    updates = [v for k, v in fields if k == "update"]
    if len(queries) > 1 or len(updates) > 1:
        raise BadRequest("give one query or one update per request")
    if queries and updates:
        raise BadRequest("a request carries either a query or an update, not both")
    if updates and method != "POST":
        raise BadRequest("SPARQL updates must be sent by POST")
    req.query = queries[0] if queries else None
    req.update = updates[0] if updates else None
    for k, v in fields:
        if k == "default-graph-uri":
            req.default_graphs.append(v)
        elif k == "named-graph-uri":
            req.named_graphs.append(v)
        elif k == "using-graph-uri":
            req.using_graphs.append(v)
        elif k == "using-named-graph-uri":
            req.using_named_graphs.append(v)
        elif k == "format":
            req.formats.append(v)
    if req.update is not None and (req.default_graphs or req.named_graphs):
        raise BadRequest("default-graph-uri and named-graph-uri go with queries; updates take using-graph-uri")
    if req.query is not None and (req.using_graphs or req.using_named_graphs):
        raise BadRequest("using-graph-uri and using-named-graph-uri go with updates; queries take default-graph-uri")
    if req.query is None and req.update is None and (req.using_graphs or req.using_named_graphs):
        raise BadRequest("using-graph-uri and using-named-graph-uri need an update")
    return req
