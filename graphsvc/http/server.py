"""How ``graphsvc serve`` runs uvicorn: limits on the request head, and an access log without query texts.

* **Request head limits.** h11 (uvicorn's HTTP/1.1 parser here) buffers a request line and its
  headers up to :data:`MAX_HEAD_BYTES`; past that it gives up, and uvicorn's stock answer is a
  400 followed by closing a socket that still holds unread data, which the kernel turns into a
  TCP reset, so clients see "connection reset" rather than an answer. :class:`LimitedH11Protocol`
  answers ``414 URI Too Long`` when the request line alone does not fit and ``431 Request Header
  Fields Too Large`` when the headers do not, as JSON in graphsvc's error shape, then stops
  writing and reads (and drops) what the client still sends for a moment before closing, so
  the answer arrives.
* **Access log.** A GET carries its SPARQL query in the URL, and a query can hold whatever the
  caller searched for. :class:`AccessLogFilter` logs the path and, in place of the query string,
  the first 12 hex digits of its SHA-256 (``/sparql?sha256=…``), enough to tell requests apart
  and to match a complaint, not enough to read them.

>>> f = AccessLogFilter()
>>> rec = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
...                         ("127.0.0.1:5", "GET", "/sparql?query=SELECT%20secret", "1.1", 200), None)
>>> f.filter(rec) and rec.getMessage()
'127.0.0.1:5 - "GET /sparql?sha256=... HTTP/1.1" 200'
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "MAX_HEAD_BYTES",
    "AccessLogFilter",
    "LimitedH11Protocol",
    "install_access_log_filter",
    "log_digest",
    "serve_app",
]

#: The largest request line plus headers graphsvc reads (h11's default, stated here): longer
#: SPARQL queries go in a POST body.
MAX_HEAD_BYTES = 16 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
#: Seconds to keep reading (and dropping) a refused client's bytes before closing.
DRAIN_SECONDS = 2.0


def _error_body(status: int, code: str, message: str) -> bytes:
    body = {"ok": False, "error": message, "errors": [message], "status": status, "code": code}
    return json.dumps(body).encode("utf-8")


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering 414/431 (instead of 400 and a reset) to an oversized head."""

    _draining = False

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return  # the answer is sent; what the client still sends is dropped
        super().data_received(data)

    def handle_events(self) -> None:
        head = self._pending_head()
        if head is not None:
            end = _HEAD_END.search(head)
            if (end is None and len(head) > MAX_HEAD_BYTES) or (end is not None and end.start() > MAX_HEAD_BYTES):
                self._refuse_head(head)
                return
        super().handle_events()

    def _pending_head(self) -> bytes | None:
        """The start of what h11 holds for a request it has not parsed yet (None while a body streams)."""
        if self.conn.their_state is not h11.IDLE:
            return None
        try:  # h11 has no public view of its buffer
            return bytes(self.conn._receive_buffer._data[: MAX_HEAD_BYTES + 4])  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - another h11: its own limit (a 400) still applies
            return None

    def _refuse_head(self, head: bytes) -> None:
        line_end = head.find(b"\n")
        if line_end == -1:
            status, code, reason = 414, "uri_too_long", "URI Too Long"
            message = f"the request line is longer than {MAX_HEAD_BYTES:,} bytes: send a long query as a POST body"
        else:
            status, code, reason = 431, "header_fields_too_large", "Request Header Fields Too Large"
            message = f"the request headers are larger than {MAX_HEAD_BYTES:,} bytes"
        self.logger.warning("refused a request head of more than %d bytes (%d)", MAX_HEAD_BYTES, status)
        body = _error_body(status, code, message)
        response = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode("ascii") + body
        self._draining = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_event_loop().call_later(DRAIN_SECONDS, self.transport.close)


def log_digest(text: str) -> str:
    """What a log line says of a text that may hold what a caller searched for: the first 12 hex
    digits of its SHA-256, enough to tell requests apart and match a complaint, not to read them."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class AccessLogFilter(logging.Filter):
    """Replace the query string of every access-log line with a short hash of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            path, _, query = args[2].partition("?")
            record.args = (*args[:2], f"{path}?sha256={log_digest(query)}", *args[3:])
        return True


def install_access_log_filter() -> None:
    """Attach :class:`AccessLogFilter` to uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in logger.filters):
        logger.addFilter(AccessLogFilter())


def serve_app(app: Any, *, host: str, port: int, log_level: str = "info") -> None:
    """Run ``app`` with uvicorn, with the head limits and the access-log filter above."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=5,
        http=LimitedH11Protocol,
        # h11's own limit sits just above ours, so the 414/431 above answers first
        h11_max_incomplete_event_size=MAX_HEAD_BYTES + 8,
    )
    install_access_log_filter()  # after Config, which configures uvicorn's loggers
    uvicorn.Server(config).run()
