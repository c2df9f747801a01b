"""HEAD wherever GET is served: an ASGI wrapper around the whole app.

HTTP (RFC 9110, 9.3.2) and the Graph Store Protocol (5.6) define HEAD as GET without the body.
FastAPI routes answer only the methods they are declared with, so a HEAD would get 405 on every
route. :class:`HeadAsGet` runs a HEAD request as a GET and drops the body it produces, so the
status and every header (Content-Type, Content-Length, Vary, …) are exactly those of the GET,
on every route, mount and static file, and a route needs no second declaration (which would
also put a second operation for each path in the OpenAPI document). A 405 whose ``Allow``
lists GET gets HEAD added there.

The route still does the GET's work (a SPARQL query is evaluated to learn its length); a caller
that wants less sends a cheaper request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _with_head(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [m.strip() for m in value.decode("latin-1").split(",") if m.strip()]
            if "GET" in methods and "HEAD" not in methods:
                methods.append("HEAD")
            value = ", ".join(methods).encode("latin-1")
        out.append((name, value))
    return out


class HeadAsGet:
    """Serve HEAD as GET without a body; add HEAD to the Allow header of a 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def reply(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 405:
                message = {**message, "headers": _with_head(list(message.get("headers", [])))}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        if head:
            scope = {**scope, "method": "GET", "graphsvc.http.head": True}
        await self.app(scope, receive, reply)
