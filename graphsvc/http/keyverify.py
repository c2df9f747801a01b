"""API keys checked without stalling anyone: scrypt off the event loop, and wrong keys slowed down.

Checking a key's secret costs a scrypt hash (tens of milliseconds of CPU, by design). Done on the
server's event loop, ten requests with wrong keys held up every other caller (an anonymous
``ASK {}`` went from 9 ms to 486 ms). :class:`KeyAuth` (an ASGI wrapper) resolves the caller of
every HTTP request before any route runs, in three steps:

1. the cheap part on the loop (:meth:`graphsvc.http.keys.KeyStore.lookup`): parse the token, find
   its record, and the cache of verified keys: a key verified before, whose record is unchanged,
   costs no hash at all;
2. the client's failure budget (:class:`FailureThrottle`): each client address may fail
   :data:`BURST` times, then one more attempt every :data:`REFILL` seconds, and a client that has
   failed before also draws on a budget shared by all such clients (:data:`SHARED_BURST`, one
   more every :data:`SHARED_REFILL` seconds; a client that never failed never waits for it);
   past that, a key that
   is not already verified is not checked at all and the request is answered ``429`` with
   ``Retry-After``, after holding it :data:`HOLD` seconds (a client that retries at once would
   otherwise flood the server with cheap 429s); a verified key still passes, so a throttled
   address does not lock its own good keys out;
3. the scrypt in a small thread pool of its own (:data:`HASH_WORKERS`), never on the loop and
   never in the pool the routes run in, at the lowest CPU priority (nice 19 for that thread on
   Linux): hashlib's scrypt releases the GIL, so the hash only competes for a core, and there
   every other thread of the server comes first.

The result (a :class:`~graphsvc.store.tenancy.Principal`, or the error) is left in the ASGI scope;
:meth:`graphsvc.http.app.AppState.principal` reads it there, and raises the error only in a route
that needs the caller. The budget is per client address as the server sees it (behind a reverse
proxy, every caller shares the proxy's).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from graphsvc.errors import AuthError, GraphSvcError, TooManyRequests
from graphsvc.http.keys import KeyStore
from graphsvc.store.tenancy import ANONYMOUS, Principal

#: Failures a client may have before it is slowed down.
BURST = 5
#: Seconds after which a slowed-down client may try one more key.
REFILL = 2.0
#: Failed checks the clients that failed before may have between them, and the seconds after which
#: they may have one more: many addresses each failing cannot keep the hash thread busy either.
SHARED_BURST = 4
SHARED_REFILL = 2.0
#: Seconds a refused (429) request is held before its answer, so a client that ignores Retry-After
#: and retries at once sends at most one request per connection per this many seconds. Held by
#: the event loop (a sleeping coroutine), it costs the server nothing.
HOLD = 1.0
#: Threads that hash secrets (wrong keys queue behind each other, never in front of queries).
HASH_WORKERS = 1
#: Most client addresses tracked at once (least recently seen first out).
CLIENTS = 10_000

PRINCIPAL = "graphsvc.principal"
AUTH_ERROR = "graphsvc.auth_error"


class FailureThrottle:
    """A token bucket of failed key checks per client: :data:`BURST` tokens, one back per :data:`REFILL` s.

    >>> t = FailureThrottle(burst=2, refill=60.0, clock=lambda: 0.0)
    >>> t.reserve("a"), t.reserve("a"), t.reserve("a"), t.reserve("b")
    (None, None, 60, None)
    >>> t.refund("a"); t.reserve("a") is None
    True
    """

    def __init__(
        self,
        burst: int = BURST,
        refill: float = REFILL,
        clients: int = CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill = refill
        self.clients = clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def _tokens(self, client: str, now: float) -> float:
        tokens, at = self._buckets.get(client, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - at) / self.refill)

    def reserve(self, client: str) -> int | None:
        """Take one attempt from the client's budget: None if granted, else the seconds to wait."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(client, now)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                self._buckets.move_to_end(client)
                return max(1, math.ceil((1.0 - tokens) * self.refill))
            self._buckets[client] = (tokens - 1.0, now)
            self._buckets.move_to_end(client)
            while len(self._buckets) > self.clients:
                self._buckets.popitem(last=False)
            return None

    def has_failed(self, client: str) -> bool:
        """Has the client used any of its budget recently (a failure not yet refilled)?"""
        with self._lock:
            return client in self._buckets and self._tokens(client, self.clock()) < self.burst - 1e-9

    def refund(self, client: str) -> None:
        """Give back an attempt that turned out to be a good key."""
        with self._lock:
            now = self.clock()
            if client in self._buckets:
                self._buckets[client] = (min(float(self.burst), self._tokens(client, now) + 1.0), now)


def _lowest_priority() -> None:
    """Run this thread at the lowest CPU priority (nice 19): hashing yields to every other thread."""
    with contextlib.suppress(AttributeError, OSError):  # not on every platform
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class KeyVerifier:
    """Resolves an ``Authorization`` header to a principal; hashes in its own threads."""

    def __init__(
        self,
        keys: KeyStore,
        *,
        anonymous: bool,
        throttle: FailureThrottle | None = None,
        shared: FailureThrottle | None = None,
        workers: int = HASH_WORKERS,
        hold: float = HOLD,
    ) -> None:
        self.keys = keys
        self.hold = hold
        self.anonymous = anonymous
        self.throttle = throttle or FailureThrottle()
        self.shared = shared or FailureThrottle(burst=SHARED_BURST, refill=SHARED_REFILL, clients=1)
        self.workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _hashing_pool(self) -> ThreadPoolExecutor:
        """The hashing threads, started on first use and again after :meth:`close` (an app's
        lifespan may run more than once, as in-process test clients do)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="graphsvc-keys", initializer=_lowest_priority
                )
            return self._pool

    async def principal(self, authorization: str | None, client: str) -> Principal:
        """:raises AuthError: no key where one is needed, a bad scheme, a bad key.
        :raises TooManyRequests: the client used up its failure budget (the key was not checked)."""
        if not authorization:
            if self.anonymous:
                return ANONYMOUS
            raise AuthError("anonymous access is turned off: send Authorization: Bearer KEY")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("use Authorization: Bearer KEY")
        failure: AuthError | None = None
        check = None
        try:
            check = self.keys.lookup(token)
        except AuthError as exc:
            failure = exc
        if check is not None and check.principal is not None:
            return check.principal
        failed_before = self.throttle.has_failed(client)
        wait = self.throttle.reserve(client)
        if wait is None and failed_before:
            wait = self.shared.reserve("*")
            if wait is not None:
                self.throttle.refund(client)
        if wait is not None:
            await asyncio.sleep(min(float(wait), self.hold))
            raise TooManyRequests(
                f"too many failed API keys from {client}: this key was not checked; try again in {wait} s",
                retry_after=wait,
            )
        if failure is not None or check is None:
            raise failure or AuthError("unknown API key")
        loop = asyncio.get_running_loop()
        principal = await loop.run_in_executor(self._hashing_pool(), self.keys.verify, check)
        self.throttle.refund(client)
        if failed_before:
            self.shared.refund("*")
        return principal

    def close(self) -> None:
        """Stop the hashing threads; the next key to check starts new ones."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class KeyAuth:
    """ASGI wrapper: resolve the caller of each HTTP request (module docstring) into the scope."""

    def __init__(self, app: ASGIApp, verifier: KeyVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http":
            authorization = None
            for name, value in scope.get("headers", []):
                if name == b"authorization":
                    authorization = value.decode("latin-1")
            client = scope.get("client")
            scope = dict(scope)
            try:
                scope[PRINCIPAL] = await self.verifier.principal(authorization, client[0] if client else "unknown")
            except GraphSvcError as exc:
                scope[AUTH_ERROR] = exc
        await self.app(scope, receive, send)


def principal_in(scope: Scope) -> Principal | None:
    """The caller :class:`KeyAuth` resolved for this request, None if it did not run.

    :raises AuthError: the error it found (a fresh copy each time).
    """
    error = scope.get(AUTH_ERROR)
    if error is not None:
        raise copy.copy(error)
    principal = scope.get(PRINCIPAL)
    return principal if isinstance(principal, Principal) else None
