"""``graphsvc serve`` as a real process: oversized request heads are answered (414/431), not reset,
and the access log keeps no query text (issue 18, F11). Raw sockets on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graphsvc.config import Settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    data = tmp_path_factory.mktemp("limits")
    shutil.copytree(built_settings.store_path.resolve(), data / "store-copy")
    (data / "store").symlink_to("store-copy")
    port, log = _free_port(), data / "server.log"
    cmd = [sys.executable, "-m", "graphsvc.cli.server", "--store", str(data), "--port", str(port)]
    cmd += ["--query-workers", "1", "--log-level", "info"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def raw_exchange(port: int, head: bytes) -> bytes:
    """Send a request head and read the whole answer; a reset raises ConnectionResetError."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def status_and_body(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_an_overlong_request_line_gets_414(live: tuple[int, Path]) -> None:
    port, _ = live
    for size in (40_000, 1_000_000):  # (a megabyte used to end in a TCP reset)
        answer = raw_exchange(port, b"GET /sparql?query=" + b"A" * size + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        status, body = status_and_body(answer)
        assert status == 414 and body["status"] == 414 and body["code"] == "uri_too_long", answer[:300]


def test_overlong_headers_get_431(live: tuple[int, Path]) -> None:
    port, _ = live
    answer = raw_exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40_000 + b"\r\n\r\n")
    status, body = status_and_body(answer)
    assert status == 431 and body["code"] == "header_fields_too_large", answer[:300]
    many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(400))
    status, _ = status_and_body(raw_exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"))
    assert status == 431


def test_requests_within_the_limits_are_served(live: tuple[int, Path]) -> None:
    port, _ = live
    query = "ASK { ?s ?p ?o } #" + "x" * 8_000  # a long GET that still fits
    r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": query}, headers={"X-Pad": "p" * 4000})
    assert r.status_code == 200, r.text
    big = "ASK {} #" + "y" * 200_000  # a long query fits in a POST body
    r = httpx.post(f"http://127.0.0.1:{port}/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200, r.text


def test_the_access_log_keeps_no_query_text(live: tuple[int, Path]) -> None:
    port, log = live
    secret = "SecretSearchTerm4711"
    r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": f'ASK {{ ?s ?p "{secret}" }}'})
    assert r.status_code == 200
    deadline = time.monotonic() + 10
    while "GET /sparql?sha256=" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    assert secret not in log.read_text(errors="replace")
