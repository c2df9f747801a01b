"""The FastAPI dependency the router modules read the app's state through.

:func:`graphsvc.http.app.create_app` keeps one :class:`graphsvc.http.app.AppState` in
``app.state.gs``; a route that needs it takes a parameter ``state: StateArg``. The routes still ask
the state for the caller (``state.principal(request)``) in their bodies, at the point they did when
they were closures over it, so a request's errors come in the same order as before.

:class:`ServerState` lists what the routers use of that state: this module cannot import
graphsvc.http.app (which imports the routers), and the routers need only this much of it.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from graphsvc.config import Settings
from graphsvc.http.limits import CallerLimits
from graphsvc.service import GraphService
from graphsvc.store.tenancy import Principal


class ServerState(Protocol):
    """What the routers use of :class:`graphsvc.http.app.AppState`."""

    service: GraphService
    settings: Settings
    executor: Any
    limits: CallerLimits
    write_lock: threading.Lock

    def principal(self, request: Request) -> Principal: ...

    def writer(self, request: Request) -> Principal: ...

    def view(self, principal: Principal) -> GraphService: ...

    def after_write(self) -> None: ...


def state_of(request: Request) -> ServerState:
    """The state of the app serving this request (``app.state.gs``, set by create_app)."""
    state: ServerState = request.app.state.gs
    return state


#: A route parameter receiving the app's state.
StateArg = Annotated[ServerState, Depends(state_of)]
