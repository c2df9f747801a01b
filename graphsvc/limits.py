"""Per-caller concurrency: no caller, and not all anonymous callers together, may hold every
query worker, so one client looping heavy queries cannot starve the rest.

A caller is its API key; every anonymous caller shares one pool. A request that would go past
its caller's share is answered at once with 429 and ``Retry-After`` rather than queued behind
the work it would wait for.

>>> limits = CallerLimits(per_key=1, anonymous=1)
>>> with limits.slot("k1"):
...     with limits.slot("k1"):
...         pass
Traceback (most recent call last):
...
graphsvc.errors.TooManyRequests: this caller already runs 1 SPARQL request at once (its share of the query workers); retry when one has finished
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from graphsvc.errors import TooManyRequests

ANONYMOUS_POOL = "(anonymous)"


class CallerLimits:
    """Counts the requests each caller has in flight (thread-safe)."""

    def __init__(self, per_key: int, anonymous: int) -> None:
        self.per_key = max(1, per_key)
        self.anonymous = max(1, anonymous)
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_workers(cls, workers: int, per_key: int = 0, anonymous: int = 0) -> CallerLimits:
        """Shares of ``workers``: by default each key and the anonymous pool get all but one."""
        share = max(1, workers - 1)
        return cls(per_key or share, anonymous or share)

    def running(self, caller: str | None) -> int:
        """How many requests ``caller`` (None: the anonymous pool) has in flight."""
        with self._lock:
            return self._running.get(caller or ANONYMOUS_POOL, 0)

    @contextmanager
    def slot(self, caller: str | None) -> Iterator[None]:
        """Hold one of ``caller``'s slots (``None`` for anonymous) while the block runs.

        :raises TooManyRequests: the caller's share is in use.
        """
        key = caller or ANONYMOUS_POOL
        limit = self.anonymous if caller is None else self.per_key
        with self._lock:
            running = self._running.get(key, 0)
            if running >= limit:
                who = "anonymous callers together already run" if caller is None else "this caller already runs"
                raise TooManyRequests(
                    f"{who} {limit} SPARQL request{'s' if limit > 1 else ''} at once (their share of the query "
                    "workers); retry when one has finished"
                )
            self._running[key] = running + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]
