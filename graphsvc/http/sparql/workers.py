"""The query worker processes of the on-disk store: killable at the deadline, off the network.

The on-disk store runs queries in a pool of worker processes (:class:`ProcessExecutor`), each
reading a RocksDB checkpoint of the store taken after every write (:class:`SnapshotManager`);
a worker still busy at the deadline is killed (SIGKILL) and replaced: that is what actually
frees the CPU (see :mod:`graphsvc.http.sparql.evaluation` for why a query cannot be stopped
otherwise). Each worker drops its network interfaces (:mod:`graphsvc.http.netns`) and may have
its heap capped (``settings.worker_memory``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from graphsvc.errors import (
    BadRequest,
    Forbidden,
    GraphSvcError,
    InternalError,
    NotAcceptable,
    QueryRefused,
    QueryResourceLimit,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    UpdateFailed,
)
from graphsvc.http.server import log_digest
from graphsvc.http.sparql.evaluation import Job, Result, evaluate

log = logging.getLogger("graphsvc.http.sparql.workers")


class SnapshotManager:
    """RocksDB checkpoints of the live store, one per write, for the query workers.

    A checkpoint hard-links the store's files, so it costs milliseconds and little disk. Each
    query reads the checkpoint current when it started (before or after a write, never
    between); a checkpoint is deleted once it is neither current nor in use.
    """

    def __init__(self, store: Any, root: Path) -> None:
        self.store = store
        self.root = root
        self._lock = threading.Lock()
        self._seq = 0
        self._current: Path | None = None
        self._users: dict[Path, int] = {}

    def start(self) -> None:
        if self._current is None:
            if self.root.exists():
                shutil.rmtree(self.root, ignore_errors=True)
            self.refresh()

    def refresh(self) -> None:
        """Take a checkpoint after a write (call with the write lock held)."""
        with self._lock:
            self._seq += 1
            path = self.root / f"{self._seq:08d}-{os.getpid()}"
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                # EmbeddedStore has no backup method yet; the checkpoint is pyoxigraph's Store.backup.
                self.store._store.backup(str(path))
            except OSError as exc:
                raise StoreError(f"cannot checkpoint the store for the query workers: {exc}") from exc
            old, self._current = self._current, path
            self._users.setdefault(path, 0)
            if old is not None and self._users.get(old, 0) == 0:
                self._drop(old)

    def acquire(self) -> Path:
        with self._lock:
            if self._current is None:
                raise StoreError("the query snapshot is not ready")
            self._users[self._current] = self._users.get(self._current, 0) + 1
            return self._current

    def release(self, path: Path) -> None:
        with self._lock:
            self._users[path] = self._users.get(path, 1) - 1
            if self._users[path] <= 0 and path != self._current:
                self._drop(path)

    def _drop(self, path: Path) -> None:
        self._users.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            shutil.rmtree(self.root, ignore_errors=True)
            self._current = None
            self._users.clear()


_ERRORS: dict[str, type[GraphSvcError]] = {
    cls.code: cls
    for cls in (
        QuerySyntaxError,
        QueryTimeout,
        StoreError,
        QueryRefused,
        NotAcceptable,
        BadRequest,
        Forbidden,
        UpdateFailed,
    )
}


def _worker_main(fd: int, parent_pid: int, memory_mib: int = 0) -> None:  # pragma: no cover - a child process
    """A query worker: open the checkpoint named by each job and evaluate it.

    ``memory_mib`` caps the worker's heap (RLIMIT_DATA): a query that builds huge values makes
    the worker fail an allocation and die, and the parent answers with an error and starts another.
    """
    import resource
    from multiprocessing.connection import Connection

    from graphsvc.http.netns import isolate

    if memory_mib > 0:
        limit = memory_mib * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    offline = isolate()  # no network interface from here on: nothing a query says can connect anywhere

    from graphsvc.store.embedded import EmbeddedStore

    conn = Connection(fd)

    def watchdog() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    conn.send(("hello", offline))
    store = None
    opened: str | None = None
    while True:
        try:
            snapshot, job = conn.recv()
        except (EOFError, OSError):
            return
        deadline = time.monotonic() + job.timeout
        try:
            if snapshot != opened:
                store = None
                store = EmbeddedStore.open(Path(snapshot), read_only=True)
                opened = snapshot
            conn.send(("ok", evaluate(store, job, deadline)))
        except GraphSvcError as exc:
            conn.send(("error", (exc.code, exc.message)))
        except OSError as exc:
            conn.send(("error", ("store_error", f"the query failed reading the store: {exc}")))
        except Exception as exc:  # a fault of graphsvc's own: the parent logs it, the caller gets a 500
            conn.send(("error", ("internal_error", f"{type(exc).__name__}: {exc}")))


def package_root() -> Path:
    """The folder that holds the ``graphsvc`` package, which a worker needs on its path (and
    nothing inside the package, whose ``http`` folder would hide the standard library's)."""
    import graphsvc

    return Path(graphsvc.__file__).resolve().parent.parent


class _Worker:
    """A worker process (``python -c``, not multiprocessing's spawn, so that it never re-imports
    the server's main module) talking over a socket pair."""

    def __init__(self, memory_mib: int = 0) -> None:
        parent, child = socket.socketpair()
        fd = child.fileno()
        env = dict(os.environ)
        root = str(package_root())
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        code = f"from graphsvc.http.sparql.workers import _worker_main; _worker_main({fd}, {os.getpid()}, {int(memory_mib)})"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=[fd], stdin=subprocess.DEVNULL, env=env, close_fds=True
        )
        child.close()
        self.conn = Connection(parent.detach())
        self._hello: tuple[str, str | None] | None = None

    def ready(self, timeout: float = 30.0) -> None:
        """Wait for the worker's first message, which says whether it is off the network."""
        if self._hello is None and self.conn.poll(timeout):
            self._hello = self.conn.recv()

    @property
    def isolated(self) -> bool:
        """Has the worker no network at all (see :mod:`graphsvc.http.netns`)?"""
        self.ready()
        return self._hello is not None and self._hello[0] == "hello" and self._hello[1] is None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class ProcessExecutor:
    """A pool of worker processes over checkpoints of the on-disk store; killable at the deadline."""

    def __init__(self, snapshots: SnapshotManager, workers: int = 2, grace: float = 1.0, memory_mib: int = 0) -> None:
        self.snapshots = snapshots
        self.workers = max(1, workers)
        self.memory_mib = memory_mib
        self.grace = grace
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.killed = 0

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self.snapshots.start()
            for _ in range(self.workers):
                self._idle.put(_Worker(self.memory_mib))

    def refresh(self) -> None:
        if self._started:
            self.snapshots.refresh()

    def _replace(self) -> None:
        def spawn() -> None:
            if not self._closed:
                self._idle.put(_Worker(self.memory_mib))

        threading.Thread(target=spawn, daemon=True, name="graphsvc-respawn").start()

    def run(self, job: Job) -> Result:
        self.start()
        deadline = time.monotonic() + job.timeout
        try:
            worker = self._idle.get(timeout=job.timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"every query worker stayed busy for {job.timeout:g} s (settings.query_timeout); try again"
            ) from None
        snapshot = self.snapshots.acquire()
        healthy = False
        try:
            worker.ready(job.timeout)
            remaining = max(0.05, deadline - time.monotonic())
            worker.conn.send((str(snapshot), replace(job, timeout=remaining)))
            if not worker.conn.poll(remaining + self.grace):
                self.killed += 1
                raise QueryTimeout(
                    f"the query ran longer than {job.timeout:g} s and was stopped (settings.query_timeout)"
                )
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise QueryResourceLimit(
                "the query worker stopped while evaluating this query: it went past its memory limit "
                f"({self.memory_mib} MiB, settings.worker_memory) or crashed; simplify the query"
            ) from None
        finally:
            self.snapshots.release(snapshot)
            if healthy:
                self._idle.put(worker)
            else:
                worker.kill()
                self._replace()
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        code, message = payload
        if code == InternalError.code:
            log.error("a query worker failed on the query sha256=%s: %s", log_digest(job.query), message)
            raise InternalError()
        raise _ERRORS.get(code, StoreError)(message)

    def network_isolated(self) -> bool:
        """Does a query worker run with no network at all? (asks one idle worker)"""
        self.start()
        try:
            worker = self._idle.get(timeout=5)
        except queue.Empty:
            return False
        try:
            return worker.isolated
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        self.snapshots.close()
