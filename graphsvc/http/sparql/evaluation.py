"""A query evaluated against a deadline and a result cap, and the executor that runs it in threads.

pyoxigraph cannot be interrupted from Python, and it evaluates aggregates, ``ORDER BY`` and
``DISTINCT`` before it yields the first row (measured: a ``COUNT(*)`` over a three-way cartesian
product of a 16k-triple store blocks inside ``Store.query`` for minutes, with the GIL released).
Streaming results are read here in chunks against a deadline, so such a query stops by itself;
for the rest, the on-disk store runs queries in worker processes
(:mod:`graphsvc.http.sparql.workers`) that are killed at the deadline. An in-memory store (tests)
uses :class:`ThreadExecutor`, which stops streaming queries at the deadline but can only abandon
a blocking one. At most ``result_cap`` rows (or triples) are returned; the response then carries
``X-Graphsvc-Truncated: true``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples

from graphsvc.errors import BadRequest, GraphSvcError, QueryTimeout, StoreError
from graphsvc.http.sparql.serialization import RESULTS_FORMATS, serialize_solutions, serialize_triples
from graphsvc.namespaces import PREFIXES


@dataclass(frozen=True)
class Job:
    """One query to evaluate, picklable for a worker process."""

    query: str
    media_type: str
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    cap: int = 10000
    timeout: float = 30.0
    byte_cap: int = 32_000_000


@dataclass(frozen=True)
class Result:
    body: bytes
    media_type: str
    truncated: bool = False
    count: int = 0
    seconds: float = 0.0


_CHUNK = 256


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout("the query ran past the timeout and was stopped")


def evaluate(store: Any, job: Job, deadline: float | None = None) -> Result:
    """Run a query with its dataset and serialise at most ``job.cap`` rows or triples.

    Rows are read in chunks of 256 against ``deadline``; pyoxigraph releases the GIL while it
    evaluates, so a deadline check runs between chunks.

    :raises QueryTimeout: the deadline passed while reading results.
    """
    error: GraphSvcError | None = None
    try:
        return _evaluate(store, job, deadline)
    except GraphSvcError as exc:
        # a fresh exception, raised outside this handler, keeps no traceback into _evaluate's frame:
        # pyoxigraph's result iterators must be dropped on the thread that made them
        error = type(exc)(exc.message, errors=exc.errors)
    raise error


def _term_bytes(terms: Sequence[Any]) -> int:
    """About how many bytes ``terms`` take in a serialised answer (their text and the format's
    markup); the serialised body is measured after, so this only needs to be close, and cheap."""
    size = 8
    for t in terms:
        if t is not None:
            value = getattr(t, "value", None)  # a quoted triple has none: its N-Triples text then
            size += (len(value) if isinstance(value, str) else len(str(t))) + 40
    return size


def _evaluate(store: Any, job: Job, deadline: float | None) -> Result:
    start = time.monotonic()
    try:
        res = store.raw_query(
            job.query,
            default_graph=list(job.default_graph) if job.default_graph is not None else None,
            named_graphs=list(job.named_graphs) if job.named_graphs is not None else None,
        )
    except RuntimeError as exc:  # pyoxigraph's evaluation errors
        raise BadRequest(f"the query failed: {exc}") from None
    _check(deadline)
    truncated = False
    count = 0
    if isinstance(res, QueryBoolean):
        body = res.serialize(format=RESULTS_FORMATS[job.media_type])
        count = 1
    elif isinstance(res, QuerySolutions):
        variables = [v.value for v in res.variables]
        rows, truncated = _read_capped(iter(res), job, deadline, keep=tuple)
        body, rows, cut = _cut_to_size(
            rows, lambda rs: serialize_solutions(variables, rs, job.media_type), job.byte_cap
        )
        truncated = truncated or cut
        count = len(rows)
    elif isinstance(res, QueryTriples):
        triples, truncated = _read_capped(iter(res), job, deadline, terms=lambda t: (t.subject, t.predicate, t.object))
        body, triples, cut = _cut_to_size(
            triples, lambda ts: serialize_triples(ts, job.media_type, prefixes=dict(PREFIXES)), job.byte_cap
        )
        truncated = truncated or cut
        count = len(triples)
    else:  # pragma: no cover
        raise StoreError(f"unexpected query result {type(res).__name__}")
    return Result(body, job.media_type, truncated, count, time.monotonic() - start)


def _same(item: Any) -> Any:
    return item


def _read_capped(
    results: Iterator[Any],
    job: Job,
    deadline: float | None,
    *,
    keep: Callable[[Any], Any] = _same,
    terms: Callable[[Any], Sequence[Any]] = _same,
) -> tuple[list[Any], bool]:
    """What to answer of ``results``: each result as ``keep`` makes it, at most ``job.cap`` of them
    and about ``job.byte_cap`` bytes (the size of a kept result's ``terms``), read in chunks of
    256 with a deadline check after each; and whether results were left out."""
    kept: list[Any] = []
    size = 0
    truncated = False
    while True:
        chunk = list(itertools.islice(results, _CHUNK))
        _check(deadline)
        for result in chunk:
            item = keep(result)
            size += _term_bytes(terms(item))
            if len(kept) >= job.cap or size > job.byte_cap:
                truncated = True
                break
            kept.append(item)
        if truncated or len(chunk) < _CHUNK:
            break
    return kept, truncated


def _cut_to_size(items: list[Any], write: Callable[[list[Any]], bytes], byte_cap: int) -> tuple[bytes, list[Any], bool]:
    """``items`` written, and cut until the body is at most ``byte_cap`` bytes (the estimate of
    :func:`_read_capped` was short); the body, the items it holds, and whether it was cut."""
    body = write(items)
    cut = False
    while len(body) > byte_cap and items:
        items = items[: int(len(items) * byte_cap / len(body) * 0.9)]
        body = write(items)
        cut = True
    return body, items, cut


# -- the executor of in-memory and remote stores ------------------------------------------------
class ThreadExecutor:
    """Runs queries in threads of this process (in-memory or remote stores).

    A streaming query stops at the deadline; a blocking one (aggregate, ORDER BY) is
    abandoned with a 503 but keeps its thread until pyoxigraph returns.
    """

    def __init__(self, store: Any, workers: int = 4, grace: float = 0.5) -> None:
        self.store = store
        self.grace = grace
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphsvc-query")

    def start(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def run(self, job: Job) -> Result:
        deadline = time.monotonic() + job.timeout
        future = self._pool.submit(evaluate, self.store, job, deadline)
        try:
            return future.result(timeout=job.timeout + self.grace)
        except FutureTimeout:
            future.cancel()
            raise QueryTimeout(
                f"the query ran longer than {job.timeout:g} s and was stopped (settings.query_timeout)"
            ) from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
