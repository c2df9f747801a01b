"""What wrong API keys cost the other callers: anonymous ASK p50 with and without wrong keys in flight.

    python bench/keys.py                     # builds a store from the shipped files (~15 s), then ~1 minute
    python bench/keys.py --store DATA_DIR    # over an existing data directory (its keys.json gets one key)

Starts ``graphsvc serve`` on a free 127.0.0.1 port and times ``--repeat`` anonymous ``ASK {}``
requests one after the other, in ``--rounds`` interleaved rounds: first with nothing else running, then while ``--wrong`` threads
each keep one request in flight with a real key id and a wrong secret (so the server does hash
it, until it slows that client down with 429), from one client address and then from
``--wrong`` loopback addresses (127.0.0.2, 127.0.0.3, …). It prints ``latency NAME P50_MS
P95_MS`` lines, ``ratio NAME VALUE`` lines (p50 under load / p50 quiet: 1.0 means the wrong
keys cost nothing) and how the wrong-key requests were answered. All traffic stays on the
loopback address; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphsvc.http.keys import KeyStore  # noqa: E402


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [
        sys.executable,
        "-m",
        "graphsvc.cli.server",
        "--store",
        str(data),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"graphsvc serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("graphsvc serve did not start in 120 s")


def time_asks(url: str, repeat: int) -> list[float]:
    out = []
    with httpx.Client(timeout=30) as c:
        c.get(url, params={"query": "ASK {}"})  # warm the connection
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = c.get(url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
            out.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"ASK answered {r.status_code}: {r.text[:200]}")
    return out


def under_wrong_keys(
    url: str, repeat: int, tokens: list[str], addresses: list[str]
) -> tuple[list[float], Counter[int]]:
    stop = threading.Event()
    answers: Counter[int] = Counter()
    lock = threading.Lock()

    def hammer(token: str, address: str) -> None:
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(transport=transport, timeout=30) as c:
            for _ in range(10_000):  # bounded; stopped long before
                if stop.is_set():
                    return
                with contextlib.suppress(httpx.HTTPError):
                    r = c.get(url, params={"query": "ASK {}"}, headers={"Authorization": f"Bearer {token}"})
                    with lock:
                        answers[r.status_code] += 1

    threads = [
        threading.Thread(target=hammer, args=(t, addresses[i % len(addresses)]), daemon=True)
        for i, t in enumerate(tokens)
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)  # let them get going
    try:
        return time_asks(url, repeat), answers
    finally:
        stop.set()
        for t in threads:
            t.join(35)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="data directory of a built store (default: build one in a temporary directory)")
    ap.add_argument("--repeat", type=int, default=200, help="timed ASK requests per phase (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the three phases, interleaved (default 3)")
    ap.add_argument("--wrong", type=int, default=10, help="wrong-key requests kept in flight (default 10)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="graphsvc-bench-keys-") as tmp:
        data = Path(args.store) if args.store else Path(tmp) / "data"
        if not args.store:
            env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
            subprocess.run(
                [sys.executable, "-m", "graphsvc", "build", "--store", str(data)],
                check=True,
                cwd=str(ROOT),
                env=env,
                capture_output=True,
            )
        rec, token = KeyStore(data / "keys.json").create("reader", name="bench/keys.py")
        prefix = token[: len("gsk_") + 12]  # gsk_<key id>: a real key, so the server does hash the wrong secret
        wrong = [f"{prefix}_wrong-secret-{i:02d}-{'x' * 30}" for i in range(args.wrong)]
        port = free_port()
        proc = start(data, port)
        url = f"http://127.0.0.1:{port}/sparql"
        quiet: list[float] = []
        one: list[float] = []
        spread: list[float] = []
        one_answers: Counter[int] = Counter()
        spread_answers: Counter[int] = Counter()
        spread_addresses = [f"127.0.0.{2 + i}" for i in range(args.wrong)]
        try:
            for _ in range(args.rounds):  # interleaved, so that drift in the machine's load hits every phase alike
                quiet += time_asks(url, args.repeat)
                samples, answers = under_wrong_keys(url, args.repeat, wrong, ["127.0.0.1"])
                one += samples
                one_answers += answers
                samples, answers = under_wrong_keys(url, args.repeat, wrong, spread_addresses)
                spread += samples
                spread_answers += answers
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            KeyStore(data / "keys.json").revoke(rec.id)
    q50 = pct(quiet)[0]
    print(
        f"anonymous ASK {{}} over HTTP, {args.rounds} x {args.repeat} requests per phase, "
        f"{args.wrong} wrong-key requests in flight"
    )
    for name, values in (("quiet", quiet), ("wrong_keys_one_client", one), ("wrong_keys_ten_clients", spread)):
        p50, p95 = pct(values)
        print(f"latency ask_anonymous_{name} {p50:.2f} {p95:.2f}")
    print(f"ratio ask_p50_wrong_keys_one_client_vs_quiet {pct(one)[0] / q50:.2f}")
    print(f"ratio ask_p50_wrong_keys_ten_clients_vs_quiet {pct(spread)[0] / q50:.2f}")
    for name, answers in (("one client", one_answers), ("ten clients", spread_answers)):
        print(f"wrong-key requests ({name}): " + ", ".join(f"{n} x {s}" for s, n in sorted(answers.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
