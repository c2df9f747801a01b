"""Per-caller concurrency: no caller, and not all anonymous callers together, may hold every
query worker, so one client looping heavy queries cannot starve the rest.

A caller is its API key; every anonymous caller shares one pool. A request beyond its caller's
share waits a little (``settings.queue_wait``) for one of that caller's own requests to finish,
then is answered with 429 and ``Retry-After``: a burst queues, a flood is turned away, and the
other callers' requests never wait behind it.

>>> import asyncio
>>> async def demo() -> str:
...     limits = CallerLimits(per_key=1, anonymous=1, wait=0.01)
...     async with limits.slot("k1"):
...         try:
...             async with limits.slot("k1"):
...                 return "ran"
...         except TooManyRequests as exc:
...             return exc.code
>>> asyncio.run(demo())
'too_many_requests'
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from graphsvc.errors import TooManyRequests

ANONYMOUS_POOL = "(anonymous)"


class CallerLimits:
    """Counts each caller's requests in flight (used from the event loop only)."""

    def __init__(self, per_key: int, anonymous: int, wait: float = 2.0) -> None:
        self.per_key = max(1, per_key)
        self.anonymous = max(1, anonymous)
        self.wait = max(0.0, wait)
        self._slots: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def for_workers(cls, workers: int, per_key: int = 0, anonymous: int = 0, wait: float = 2.0) -> CallerLimits:
        """Shares of ``workers``: by default each key and the anonymous pool get all but one."""
        share = max(1, workers - 1)
        return cls(per_key or share, anonymous or share, wait)

    def _limit(self, caller: str | None) -> int:
        return self.anonymous if caller is None else self.per_key

    def running(self, caller: str | None) -> int:
        """How many requests ``caller`` (None: the anonymous pool) has in flight."""
        sem = self._slots.get(caller or ANONYMOUS_POOL)
        return 0 if sem is None else self._limit(caller) - sem._value

    @asynccontextmanager
    async def slot(self, caller: str | None) -> AsyncIterator[None]:
        """Hold one of ``caller``'s slots (``None`` for anonymous) while the block runs.

        :raises TooManyRequests: the caller's share stayed in use for ``wait`` seconds.
        """
        limit = self._limit(caller)
        sem = self._slots.setdefault(caller or ANONYMOUS_POOL, asyncio.Semaphore(limit))
        try:
            await asyncio.wait_for(sem.acquire(), timeout=self.wait)
        except TimeoutError:
            who = "anonymous callers together already run" if caller is None else "this caller already runs"
            raise TooManyRequests(
                f"{who} {limit} SPARQL request{'s' if limit > 1 else ''} at once (their share of the query "
                "workers); retry when one has finished"
            ) from None
        try:
            yield
        finally:
            sem.release()
