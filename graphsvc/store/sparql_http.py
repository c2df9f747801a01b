"""The HTTP side of a remote store: authentication, request bodies, what to accept, and the
engine's errors as graphsvc's (:mod:`graphsvc.store.remote` sends the requests)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

import httpx

from graphsvc.errors import QuerySyntaxError, QueryTimeout, StoreError

RESULTS_JSON = "application/sparql-results+json"
ACCEPT_RESULTS = f"{RESULTS_JSON}, application/sparql-results+xml;q=0.9"
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
ACCEPT_ANY = f"{ACCEPT_RESULTS}, {ACCEPT_GRAPH}"
_FORM_RE = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
FORM = "application/x-www-form-urlencoded"
_TIMEOUT_MARKERS = ("S1T00", "SR171", "timed out", "timeout", "Timeout")  # looked for in 5xx answers only


class AutoAuth(httpx.Auth):
    """HTTP basic or digest authentication, whichever the server's first challenge asks for
    (``mode="auto"``), or the one configured. Digest keeps its nonce between requests, so
    only the first request of a store pays the extra round trip."""

    requires_request_body = True

    def __init__(self, user: str, password: str, mode: str = "auto") -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self.mode = mode

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        if self.mode == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self.mode == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if scheme not in {"basic", "digest"}:
            return
        self.mode = scheme
        if scheme == "basic":
            yield from self._basic.auth_flow(request)
        else:
            flow = self._digest.auth_flow(request)
            next(flow)  # DigestAuth first sends the request bare; answer with the challenge we have
            try:
                yield flow.send(response)
            except StopIteration:
                return


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE ("" when none is found), to ask for the right media type.

    >>> query_form("PREFIX s: <http://e/#select> # ASK me\\nCONSTRUCT WHERE { ?s ?p 'SELECT' }")
    'CONSTRUCT'
    """
    text = re.sub(r"<[^<>\"{}|^`\\\s]*>", "<>", query)
    text = re.sub(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", "''", text)
    text = re.sub(r"#[^\n]*", "", text)
    m = _FORM_RE.search(text)
    return m.group(1).upper() if m else ""


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    """An ``application/x-www-form-urlencoded`` request body."""
    return urllib.parse.urlencode(pairs).encode("ascii")


def raise_engine_error(response: httpx.Response, url: str) -> None:
    """The engine's failed answer (HTTP 300 or more) raised as graphsvc's error: credentials,
    no endpoint, a rejected request (:class:`QuerySyntaxError`), a timeout, or any other failure."""
    status = response.status_code
    text = response.text.strip()
    # Virtuoso echoes the whole query after its message; keep the message
    message = re.split(r"\n\s*SPARQL (?:query|request):", text, maxsplit=1)[0].strip()[:800]
    if status in {401, 403}:
        raise StoreError(
            f"the SPARQL engine at {url} refused the credentials (HTTP {status}); "
            "check store_user, store_password and store_auth, and that the user may update"
        )
    if status == 404:
        raise StoreError(f"no SPARQL endpoint at {url} (HTTP 404)")
    if status == 400:
        raise QuerySyntaxError(f"the SPARQL engine rejected the request: {message}")
    if status in {408, 504} or (status >= 500 and any(m in message for m in _TIMEOUT_MARKERS)):
        raise QueryTimeout(f"the SPARQL engine stopped the query: {message or status}")
    raise StoreError(f"the SPARQL engine at {url} failed (HTTP {status}): {message}")
