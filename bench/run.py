#!/usr/bin/env python
"""graphsvc benchmark: one run on one synthetic enterprise, every figure measured in that run.

    python bench/run.py --size small                 # a few minutes
    python bench/run.py --size medium --repeat 20
    python bench/run.py --growth --sizes small,medium

It generates the enterprise (bench/generate.py), loads it with the shipped catalogs and mapping
sets into an on-disk embedded store (build throughput, resident memory), then times five
questions through graphsvc (crosswalk lookup, certificate coverage, system coverage with
inheritance and explanations, an organisation gap report, a SPARQL endpoint round trip) and
the same questions written as naive SPARQL (bench/naive/*.rq) on rdflib's in-memory Graph (small
size only), on pyoxigraph directly (the same on-disk store, and in memory), and on Virtuoso when
GRAPHSVC_TEST_VIRTUOSO_URL/USER/PASSWORD are set. Baselines run in worker processes, each run
capped by --timeout. Besides the tables it prints machine-readable lines::

    latency NAME P50_MS P95_MS
    ratio NAME VALUE        (VALUE is a number, or "timeout" when the baseline did not finish)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

QUESTIONS = ("crosswalk", "certificate", "system", "org")
NAIVE = {
    "crosswalk": "crosswalk.rq",
    "certificate": "certificate_coverage.rq",
    "system": "system_coverage.rq",
    "org": "org_gaps.rq",
}
LABELS = {
    "crosswalk": "crosswalk lookup (ISO control -> EU AI Act)",
    "certificate": "certificate coverage (ISO 42001 cert -> EU AI Act)",
    "system": "system coverage, inheritance + explanations",
    "org": "organisation gap report",
    "endpoint": "SPARQL endpoint round trip",
}
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


# -- small helpers ------------------------------------------------------------------------------
def pct(values: list[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank) of a list of milliseconds."""
    s = sorted(values)
    if not s:
        return float("nan"), float("nan")
    p95 = s[min(len(s) - 1, max(0, round(0.95 * len(s) + 0.5) - 1))]
    return statistics.median(s), p95


def fill(query: str, params: dict[str, str]) -> str:
    """Paste parameters into a naive query as SPARQL terms (IRIs or an xsd:date), longest name first."""
    for name in sorted(params, key=len, reverse=True):
        value = params[name]
        term = f'"{value}"^^<{XSD_DATE}>' if name.endswith("_date") else f"<{value}>"
        query = query.replace("?" + name, term)
    return query


def memory() -> dict[str, float]:
    from generate import memory_mb

    return memory_mb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fmt_ms(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v != v:
        return "-"
    return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"


def fmt_ratio(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v != v:
        return "-"
    return f"{v:,.1f}x" if v < 1000 else f"{v:,.0f}x"


class Report:
    """Collects the machine-readable lines, printed as they come and again at the end."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def latency(self, name: str, values: list[float] | None, *, timeout: bool = False) -> None:
        if timeout:
            line = f"latency {name} timeout timeout"
        elif values:
            p50, p95 = pct(values)
            line = f"latency {name} {p50:.3f} {p95:.3f}"
        else:
            return
        self.lines.append(line)
        print(line, flush=True)

    def ratio(self, name: str, value: float | str | None) -> None:
        if value is None:
            return
        if isinstance(value, str):
            line = f"ratio {name} {value}"
        else:
            line = f"ratio {name} {value:.0f}" if abs(value) >= 1000 else f"ratio {name} {value:.4g}"
        self.lines.append(line)
        print(line, flush=True)


# -- baseline workers (separate processes, killed on timeout) ----------------------------------------
def worker_main(engine: str, files: list[str], store: str) -> None:
    """Load the data into one engine, then answer queries from stdin (one JSON per line)."""
    t0 = time.perf_counter()
    from pyoxigraph import RdfFormat, Store, parse

    if engine == "rdflib":
        import rdflib
        from pyoxigraph import Literal, NamedNode

        g = rdflib.Graph()

        def conv(t: Any) -> Any:
            if isinstance(t, NamedNode):
                return rdflib.URIRef(t.value)
            if isinstance(t, Literal):
                if t.language:
                    return rdflib.Literal(t.value, lang=t.language)
                return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
            return rdflib.BNode(t.value)

        for f in files:
            for q in parse(path=f, format=RdfFormat.N_QUADS):
                g.add((conv(q.subject), conv(q.predicate), conv(q.object)))

        def run(text: str) -> int:
            return len(list(g.query(text)))

    else:
        st = Store.read_only(store) if engine == "oxigraph-disk" else Store()
        if engine == "oxigraph-mem":
            for f in files:
                st.bulk_load(path=f, format=RdfFormat.N_QUADS)

        def run(text: str) -> int:
            return sum(1 for _ in st.query(text, use_default_graph_as_union=True))

    from generate import memory_mb

    ready = {"ready": True, "load_s": time.perf_counter() - t0, **memory_mb()}
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        t = time.perf_counter()
        try:
            rows = run(req["q"])
            out: dict[str, Any] = {"ms": (time.perf_counter() - t) * 1000, "rows": rows}
        except Exception as exc:
            out = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(json.dumps(out), flush=True)


class Worker:
    """A baseline engine in its own process; a run that exceeds the timeout kills it (restarted on demand)."""

    def __init__(self, engine: str, files: list[Path], store: Path, load_timeout: float = 1800) -> None:
        self.engine = engine
        self.files = [str(f) for f in files]
        self.store = str(store)
        self.load_timeout = load_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", self.engine, "--store-path", self.store]
        for f in self.files:
            cmd += ["--file", f]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        line = self._read(self.load_timeout)
        if line is None:
            self.kill()
            raise RuntimeError(f"{self.engine} did not load the data in {self.load_timeout:.0f} s")
        self.info = json.loads(line)

    def _read(self, timeout: float) -> str | None:
        assert self.proc and self.proc.stdout
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return line or None

    def run(self, query: str, timeout: float) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(json.dumps({"q": query}) + "\n")
        self.proc.stdin.flush()
        line = self._read(timeout)
        if line is None:
            self.kill()
            return {"timeout": True}
        return json.loads(line)

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            self.proc.wait()
            self.proc = None


def time_baseline(worker: Worker, query: str, repeat: int, timeout: float, budget: float) -> dict[str, Any]:
    """Run a query up to ``repeat`` times (fewer once ``budget`` seconds are spent); stop at a timeout."""
    times: list[float] = []
    rows = None
    spent = 0.0
    for _ in range(repeat):
        r = worker.run(query, timeout)
        if r.get("timeout"):
            return {"timeout": True, "times": times}
        if "error" in r:
            return {"error": r["error"], "times": times}
        times.append(r["ms"])
        rows = r["rows"]
        spent += r["ms"] / 1000
        if spent > budget and len(times) >= 1:
            break
    return {"times": times, "rows": rows}


# -- graphsvc -----------------------------------------------------------------------------------
def time_calls(fn: Callable[[], Any], repeat: int) -> tuple[list[float], float, Any]:
    t = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return times, first, result


def build(size: str, base: Path, *, reuse: bool) -> dict[str, Any]:
    """Generate and load (in a child process, so its peak memory is the build's own)."""
    gen, data = base / size / "gen", base / size / "data"
    saved = data / "load.json"
    if reuse and saved.exists() and (data / "store").exists():
        report = json.loads(saved.read_text())
        report["reused"] = True
        return report
    cmd = [sys.executable, str(BENCH / "generate.py"), "--size", size, "--out", str(gen), "--load", str(data), "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=str(ROOT))
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["reused"] = False
    return report


def open_service(data: Path) -> Any:
    from graphsvc.config import load_settings
    from graphsvc.service import GraphService

    settings = load_settings(environ={}, overrides={"data_dir": str(data), "root": str(ROOT)})
    return GraphService.from_settings(settings, read_only=True, build_if_missing=False)


def graphsvc_questions(svc: Any, anchors: dict[str, Any], as_of: dt.date) -> dict[str, Callable[[], Any]]:
    from graphsvc.domain.coverage import Options, certificate_coverage, org_coverage, system_coverage
    from graphsvc.service import crosswalk

    opts = Options(as_of=as_of, layer="amended")
    target = anchors["target"]
    return {
        "crosswalk": lambda: crosswalk(svc, anchors["crosswalk"], target),
        "certificate": lambda: certificate_coverage(svc, anchors["certificate"], target, opts),
        "system": lambda: system_coverage(svc, anchors["system"], target, opts, explain=True),
        "org": lambda: org_coverage(svc, anchors["org"], target, opts),
    }


def describe(q: str, result: Any) -> str:
    if q == "crosswalk":
        return f"{len(result)} links"
    if q == "org":
        unreached = sum(1 for s in result["systems"] for r in s["requirements"] if not r["path_count"])
        return f"{len(result['systems'])} systems, {len(result['gaps'])} gaps/partials, {unreached} unreached pairs"
    s = result["summary"]
    extra = ""
    if q == "system":
        extra = f", {len(result['system']['depends_on'])} dependencies, {sum(r['path_count'] for r in result['requirements'])} paths"
    return f"{s['satisfied']} satisfied, {s['partial']} partial, {s['gap']} gap, {s['not-applicable']} n/a{extra}"


# -- the SPARQL endpoint ----------------------------------------------------------------------------
class Endpoint:
    """``graphsvc serve`` in a subprocess on a free loopback port (or the ASGI app in-process)."""

    def __init__(self, data: Path, svc: Any) -> None:
        self.data = data
        self.svc = svc
        self.proc: subprocess.Popen[bytes] | None = None
        self.client: Any = None
        self.mode = ""
        self.note = ""

    def start(self) -> bool:
        import importlib.util

        if importlib.util.find_spec("graphsvc.http.app") is None:
            self.note = "graphsvc.http.app is not there: endpoint round trip skipped"
            return False
        # `graphsvc serve` first; else the app factory under uvicorn; else the ASGI app in-process
        serve = [sys.executable, "-m", "graphsvc", "serve", "--store", str(self.data), "--log-level", "warning"]
        launcher = (
            "import sys, uvicorn; from graphsvc.config import load_settings; from graphsvc.service import GraphService; "
            "from graphsvc.http.app import create_app; "
            "st = load_settings(environ={}, overrides={'data_dir': sys.argv[1]}); "
            "svc = GraphService.from_settings(st, read_only=True, build_if_missing=False); "
            "uvicorn.run(create_app(svc, st), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')"
        )
        why = []
        for how, cmd in (
            ("graphsvc serve", lambda port: [*serve, "--port", str(port)]),
            (
                "uvicorn + graphsvc.http.app.create_app",
                lambda port: [sys.executable, "-c", launcher, str(self.data), str(port)],
            ),
        ):
            port = free_port()
            err = self._spawn(cmd(port), port)
            if not err:
                self.mode = f"{how} in a subprocess on http://127.0.0.1:{port}"
                return True
            why.append(f"{how}: {err}")
        return self._in_process("; ".join(why))

    def _spawn(self, cmd: list[str], port: int) -> str:
        import httpx

        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
        deadline = time.time() + 120
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if self.client.get("/health").status_code == 200:
                    return ""
            except httpx.HTTPError:
                time.sleep(0.3)
        err = b""
        if self.proc.poll() is not None and self.proc.stderr:
            err = self.proc.stderr.read()[-300:]
        self.stop()
        text = " ".join(err.decode(errors="replace").split())
        return f"did not start ({text[-160:]})" if text else "did not start"

    def _in_process(self, why: str) -> bool:
        import httpx

        try:
            from graphsvc.http.app import create_app

            app = create_app(self.svc, self.svc.settings)
            self.client = _AsgiClient(app)
            self.mode = f"ASGI app in-process (httpx.ASGITransport): {why}"
            return True
        except Exception as exc:  # the API is still being written: report, do not fail the run
            self.note = f"{why}; in-process ASGI app failed too ({type(exc).__name__}: {exc}); skipped"
            self.client = None
            del httpx
            return False

    def query(self, text: str) -> int:
        r = self.client.get("/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"})
        if r.status_code != 200:
            raise RuntimeError(f"/sparql answered {r.status_code}: {r.text[:200]}")
        return len(r.json()["results"]["bindings"])

    def stop(self) -> None:
        if self.client is not None and hasattr(self.client, "close"):
            with contextlib.suppress(Exception):
                self.client.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


class _AsgiClient:
    """A synchronous face over an ASGI app through httpx.ASGITransport (with its lifespan run)."""

    def __init__(self, app: Any) -> None:
        import asyncio

        import httpx

        self.loop = asyncio.new_event_loop()
        self.app = app
        self._lifespan = app.router.lifespan_context(app)
        self.loop.run_until_complete(self._lifespan.__aenter__())
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def get(self, url: str, **kw: Any) -> Any:
        return self.loop.run_until_complete(self.client.get(url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.close()


# -- Virtuoso --------------------------------------------------------------------------------------
class Virtuoso:
    """Virtuoso (GRAPHSVC_TEST_VIRTUOSO_URL/USER/PASSWORD): the generated data loaded once per data set."""

    def __init__(self, url: str, user: str, password: str) -> None:
        import httpx

        self.url = url
        self.user = user
        self.password = password
        # /sparql-auth (what .ci/virtuoso.sh gives) wants HTTP digest; a plain /sparql needs nothing
        self.http = httpx.Client(timeout=600, auth=httpx.DigestAuth(user, password) if user else None)

    @classmethod
    def from_env(cls) -> Virtuoso | None:
        url = os.environ.get("GRAPHSVC_TEST_VIRTUOSO_URL", "")
        if not url:
            return None
        return cls(
            url,
            os.environ.get("GRAPHSVC_TEST_VIRTUOSO_USER", ""),
            os.environ.get("GRAPHSVC_TEST_VIRTUOSO_PASSWORD", ""),
        )

    def load(self, files: list[Path], tag: str) -> dict[str, Any]:
        """Replace the graphs of ``files`` in Virtuoso (skipped when a marker says they hold ``tag``)."""
        from pyoxigraph import NamedNode, RdfFormat, parse

        from graphsvc.store.remote import RemoteStore

        marker = "urn:graphsvc-bench:loaded"
        try:
            n = self.query(f"ASK {{ GRAPH <{marker}> {{ <{marker}> <{marker}> {json.dumps(tag)} }} }}", raw=True)
        except Exception:
            n = False
        if n:
            return {"reused": True, "seconds": 0.0}
        store = RemoteStore(self.url, user=self.user, password=self.password)
        t0 = time.perf_counter()
        graphs: dict[str, list[Any]] = {}
        total = 0
        for f in files:
            for q in parse(path=str(f), format=RdfFormat.N_QUADS):
                graphs.setdefault(q.graph_name.value, []).append((q.subject, q.predicate, q.object))
                total += 1
        from graphsvc.namespaces import GSG

        stale = [g for g in store.named_graphs() if g.startswith(GSG) and g not in graphs]
        for i in range(0, len(stale), 50):  # graphs of another data set (e.g. a larger size loaded before)
            store.replace_graphs({g: [] for g in stale[i : i + 50]})
        names = sorted(graphs)
        for i in range(0, len(names), 50):
            store.replace_graphs({g: graphs[g] for g in names[i : i + 50]})
        from pyoxigraph import Literal

        store.replace_graphs({marker: [(NamedNode(marker), NamedNode(marker), Literal(tag))]})
        store.close()
        return {"reused": False, "seconds": time.perf_counter() - t0, "triples": total}

    def query(self, text: str, *, raw: bool = False, timeout: float = 600) -> Any:
        r = self.http.post(
            self.url,
            data={"query": text},
            headers={"Accept": "application/sparql-results+json"},
            timeout=timeout,
        )
        r.raise_for_status()
        data = r.json()
        if raw and "boolean" in data:
            return data["boolean"]
        return len(data["results"]["bindings"])

    def value(self, text: str) -> str:
        r = self.http.post(self.url, data={"query": text}, headers={"Accept": "application/sparql-results+json"})
        r.raise_for_status()
        row = r.json()["results"]["bindings"][0]
        return next(iter(row.values()))["value"]

    def time(self, query: str, repeat: int, timeout: float, budget: float) -> dict[str, Any]:
        import httpx

        times: list[float] = []
        rows = None
        for _ in range(repeat):
            t = time.perf_counter()
            try:
                rows = self.query(query, timeout=timeout)
            except httpx.TimeoutException:
                return {"timeout": True, "times": times}
            except Exception as exc:
                return {"error": f"{type(exc).__name__}: {exc}"[:300], "times": times}
            times.append((time.perf_counter() - t) * 1000)
            if sum(times) / 1000 > budget:
                break
        return {"times": times, "rows": rows}


# -- one run -------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    base = Path(args.store_dir)
    rep = Report()
    t_start = time.perf_counter()
    print(f"# graphsvc benchmark, size {args.size}: generating and loading into {base / args.size} ...", flush=True)
    built = build(args.size, base, reuse=args.reuse)
    m, load = built["manifest"], built["load"]
    gen_dir, data_dir = base / args.size / "gen", base / args.size / "data"
    anchors = m["anchors"]
    as_of = dt.date.fromisoformat(m["as_of"])
    c = m["counts"]
    print(
        f"# data: {load['triples']:,} triples ({m['reference_triples']:,} catalogs/mappings + {m['generated_triples']:,} "
        f"generated): {c['organisations']} organisations ({c['providers']} providers), {c['systems']:,} AI systems, "
        f"{c['controls']:,} controls, {c['evidence']:,} evidence ({c['expired_evidence']:,} expired), "
        f"{c['certificates']} certificates, {c['cross_org_dependencies']:,} cross-organisation dependencies"
    )
    print(
        f"# build: generated in {m['seconds']} s; loaded {load['triples']:,} triples in {load['build_seconds']} s "
        f"(bulk load {load['load_seconds']} s + optimize {load['optimize_seconds']} s) = {load['triples_per_s']:,} triples/s; "
        f"build peak RSS {load['peak_rss_mb']} MB; store {load['store_mb']} MB on disk"
        + (" (reused from an earlier build)" if built.get("reused") else "")
    )
    rep.ratio("build_triples_per_s", float(load["triples_per_s"]))
    rep.ratio("build_rss_mb", float(load["peak_rss_mb"]))

    # -- graphsvc ---------------------------------------------------------------------------------
    svc = open_service(data_dir)
    qs = graphsvc_questions(svc, anchors, as_of)
    ours: dict[str, dict[str, Any]] = {}
    for q in QUESTIONS:
        repeat = max(2, args.repeat // 4) if q == "org" else args.repeat
        times, first, result = time_calls(qs[q], repeat)
        ours[q] = {"times": times, "first": first, "what": describe(q, result)}
        rep.latency(q, times)
    mem = memory()

    # -- the endpoint ---------------------------------------------------------------------------------
    naive = {q: fill((BENCH / "naive" / f).read_text(), _params(q, anchors, m["as_of"])) for q, f in NAIVE.items()}
    tuned_system = fill((BENCH / "tuned" / "system_coverage.rq").read_text(), _params("system", anchors, m["as_of"]))
    heavy = (ROOT / "queries" / "mappings.rq").read_text()
    endpoint_queries = {"endpoint": naive["crosswalk"], "endpoint_heavy": heavy}
    ep = Endpoint(data_dir, svc)
    ep_times: dict[str, list[float]] = {}
    raw_times: dict[str, list[float]] = {}
    if ep.start():
        print(f"# endpoint: {ep.mode}", flush=True)
        try:
            for name, text in endpoint_queries.items():
                ep.query(text)
                ep_times[name] = []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    ep.query(text)
                    ep_times[name].append((time.perf_counter() - t) * 1000)
                    if sum(ep_times[name]) > args.budget * 1000 and len(ep_times[name]) >= 3:
                        break
                raw_times[name] = []
                sum(1 for _ in svc.store.raw_query(text))
                for _ in range(len(ep_times[name])):
                    t = time.perf_counter()
                    sum(1 for _ in svc.store.raw_query(text))
                    raw_times[name].append((time.perf_counter() - t) * 1000)
        except Exception as exc:
            ep.note = f"endpoint query failed: {exc}"
            ep_times.clear()
        finally:
            ep.stop()
    if ep.note:
        print(f"# endpoint: {ep.note}", flush=True)
    for name in ep_times:
        rep.latency(name, ep_times[name])
        rep.latency(f"raw_{name}", raw_times[name])
    if "endpoint" in ep_times:
        ours["endpoint"] = {
            "times": ep_times["endpoint"],
            "first": float("nan"),
            "what": "naive crosswalk query over HTTP",
        }

    # -- baselines ------------------------------------------------------------------------------------
    files = [gen_dir / f for f in m["files"]]
    store_path = (data_dir / "store").resolve()
    engines = ["oxigraph-disk", "oxigraph-mem"]
    if args.size in {"small", "tiny"} or args.rdflib:
        engines.insert(0, "rdflib")
    else:
        print("# rdflib: skipped above the small size (it does not finish); --rdflib forces it", flush=True)
    base_res: dict[str, dict[str, dict[str, Any]]] = {}
    worker_info: dict[str, dict[str, Any]] = {}
    for engine in engines:
        w = Worker(engine, files, store_path)
        try:
            w.start()
        except RuntimeError as exc:
            print(f"# {engine}: {exc}", flush=True)
            continue
        worker_info[engine] = w.info
        print(f"# {engine}: loaded in {w.info['load_s']:.1f} s, RSS {w.info['rss_mb']:.0f} MB", flush=True)
        res: dict[str, dict[str, Any]] = {}
        for q in [*QUESTIONS, "system_tuned"]:
            text = tuned_system if q == "system_tuned" else naive[q]
            if engine == "rdflib" and q == "system_tuned":
                continue
            repeat = args.repeat if engine != "rdflib" else min(args.repeat, 5)
            res[q] = time_baseline(w, text, repeat, args.timeout, args.budget)
            key = f"{engine.replace('-', '_')}_{q}"
            rep.latency(key, res[q]["times"], timeout=bool(res[q].get("timeout")))
            if "error" in res[q]:
                print(f"# {engine} {q}: error {res[q]['error']}", flush=True)
        w.kill()
        base_res[engine] = res
    virt = Virtuoso.from_env()
    if virt is None:
        print("# virtuoso: GRAPHSVC_TEST_VIRTUOSO_URL is not set (.ci/virtuoso.sh sets it): skipped", flush=True)
    else:
        try:
            tag = hashlib.sha1(json.dumps([m["size"], m["seed"], m["generated_triples"]]).encode()).hexdigest()
            info = virt.load(files, tag)
            how = "already loaded" if info["reused"] else f"loaded in {info['seconds']:.0f} s"
            print(f"# virtuoso: {virt.url}, data {how}", flush=True)
            res = {}
            for q in [*QUESTIONS, "system_tuned"]:
                text = tuned_system if q == "system_tuned" else naive[q]
                res[q] = virt.time(text, args.repeat, args.timeout, args.budget)
                if q == "org" and res[q].get("times"):
                    with contextlib.suppress(Exception):
                        gaps = virt.value(text)
                        print(f"# virtuoso org: answered {gaps} unreached (system, obligation) pairs", flush=True)
                rep.latency(f"virtuoso_{q}", res[q]["times"], timeout=bool(res[q].get("timeout")))
                if "error" in res[q]:
                    print(f"# virtuoso {q}: error {res[q]['error']}", flush=True)
            base_res["virtuoso"] = res
        except Exception as exc:
            print(f"# virtuoso: failed ({type(exc).__name__}: {exc}); skipped", flush=True)

    # -- ratios ---------------------------------------------------------------------------------------
    def speedup(engine: str, q: str, baseline_q: str | None = None) -> float | str | None:
        # the endpoint round trip is compared with the same (crosswalk) query on each engine
        r = base_res.get(engine, {}).get(baseline_q or ("crosswalk" if q == "endpoint" else q))
        if r is None or q not in ours or "error" in r:
            return None
        if r.get("timeout"):
            return "timeout"
        if not r["times"]:
            return None
        return pct(r["times"])[0] / pct(ours[q]["times"])[0]

    table_names = [q for q in (*QUESTIONS, "endpoint") if q in ours]
    engine_names = {
        "rdflib": "rdflib",
        "oxigraph-disk": "naive_oxigraph",
        "oxigraph-mem": "naive_oxigraph_mem",
        "virtuoso": "virtuoso",
    }
    for engine, short in engine_names.items():
        for q in table_names:
            v = speedup(engine, q)
            rep.ratio(f"speedup_vs_{short}_{q}", v)
            if v == "timeout":
                rep.ratio(f"speedup_vs_{short}_{q}_lower_bound", args.timeout * 1000 / pct(ours[q]["times"])[0])
    for engine, short in engine_names.items():
        if engine == "rdflib":
            continue
        rep.ratio(f"speedup_vs_{short}_best_system", speedup(engine, "system", "system_tuned"))
    if "endpoint_heavy" in ep_times:
        e50, r50 = pct(ep_times["endpoint_heavy"])[0], pct(raw_times["endpoint_heavy"])[0]
        rep.ratio("endpoint_overhead", e50 / r50)
        rep.ratio("endpoint_overhead_ms", e50 - r50)
    if "endpoint" in ep_times:
        e50, r50 = pct(ep_times["endpoint"])[0], pct(raw_times["endpoint"])[0]
        rep.ratio("endpoint_overhead_small", e50 / r50)
        rep.ratio("endpoint_overhead_small_ms", e50 - r50)
    rep.ratio("rss_mb", mem["peak_mb"])

    # -- tables -------------------------------------------------------------------------------------
    print()
    print(
        f"graphsvc benchmark: size {args.size}, {load['triples']:,} triples, repeat {args.repeat}, as of {m['as_of']}"
    )
    print(f"{'question':52s} {'p50 ms':>9s} {'p95 ms':>9s} {'first ms':>9s}  answer")
    for q in table_names:
        p50, p95 = pct(ours[q]["times"])
        print(f"{LABELS[q]:52s} {fmt_ms(p50):>9s} {fmt_ms(p95):>9s} {fmt_ms(ours[q]['first']):>9s}  {ours[q]['what']}")
    print()
    cols = [e for e in ("rdflib", "oxigraph-disk", "oxigraph-mem", "virtuoso") if e in base_res]
    head = "".join(f"{e + ' p50':>20s}" for e in cols)
    print(f"{'naive SPARQL on (p50 ms; x = graphsvc faster by)':52s}{head}")
    for q in [*table_names, "system_tuned"]:
        cells = []
        for e in cols:
            r = base_res[e].get("crosswalk" if q == "endpoint" else q)
            if r is None:
                cells.append("-")
                continue
            if r.get("timeout"):
                cells.append(f">{args.timeout:.0f}s timeout")
                continue
            if "error" in r or not r["times"]:
                cells.append("error")
                continue
            p50 = pct(r["times"])[0]
            ref = "system" if q == "system_tuned" else q
            cells.append(f"{fmt_ms(p50)} ({fmt_ratio(p50 / pct(ours[ref]['times'])[0])})")
        label = "system coverage, hand-tuned query" if q == "system_tuned" else LABELS[q]
        print(f"{label:52s}" + "".join(f"{c:>20s}" for c in cells))
    print()
    if ep_times:
        for name in ep_times:
            e50, r50 = pct(ep_times[name])[0], pct(raw_times[name])[0]
            what = "naive crosswalk query" if name == "endpoint" else "queries/mappings.rq (every mapping)"
            print(
                f"endpoint {what}: HTTP p50 {fmt_ms(e50)} ms, raw pyoxigraph p50 {fmt_ms(r50)} ms, overhead {e50 - r50:.2f} ms ({e50 / r50:.2f}x)"
            )
    print(
        f"memory: serving process peak {mem['peak_mb']:.0f} MB (now {mem['rss_mb']:.0f} MB); build peak {load['peak_rss_mb']} MB"
        + "".join(f"; {e} worker {i['rss_mb']:.0f} MB" for e, i in worker_info.items())
    )
    print(f"total run time {time.perf_counter() - t_start:.0f} s")
    print()
    print("\n".join(rep.lines))
    return 0


def _params(q: str, anchors: dict[str, Any], as_of: str) -> dict[str, str]:
    from graphsvc.namespaces import expand

    p = {"_target_iri": anchors["target_framework"], "_as_of_date": as_of}
    if q == "crosswalk":
        p["_req_iri"] = expand(anchors["crosswalk"])
    elif q == "certificate":
        p["_cert_iri"] = anchors["certificate"]
    elif q == "system":
        p["_system_iri"] = anchors["system"]
    elif q == "org":
        p["_org_iri"] = anchors["org"]
    return p


def growth(args: argparse.Namespace) -> int:
    sizes = [s.strip() for s in args.sizes.split(",")]
    base = Path(args.store_dir)
    p50s: dict[str, dict[str, float]] = {}
    rep = Report()
    for size in sizes:
        print(f"# building {size} ...", flush=True)
        built = build(size, base, reuse=args.reuse)
        m = built["manifest"]
        svc = open_service(base / size / "data")
        qs = graphsvc_questions(svc, m["anchors"], dt.date.fromisoformat(m["as_of"]))
        p50s[size] = {}
        for q in ("crosswalk", "certificate", "system"):
            times, _first, _ = time_calls(qs[q], args.repeat)
            rep.latency(f"{size}_{q}", times)
            p50s[size][q] = pct(times)[0]
        print(f"# {size}: {built['load']['triples']:,} triples", flush=True)
        del svc  # (EmbeddedStore.close() flushes, which a read-only store refuses)
    small, big = sizes[0], sizes[-1]
    for q in ("crosswalk", "certificate", "system"):
        rep.ratio(f"growth_p50_{q}", p50s[big][q] / p50s[small][q])
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="small", help="tiny, small, medium or large (default small)")
    ap.add_argument("--store-dir", default=str(Path(tempfile.gettempdir()) / "graphsvc-bench"))
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per question (default 20)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds one baseline run may take (default 30)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds of runs per baseline question (default 20)")
    ap.add_argument("--reuse", action="store_true", help="reuse the data and store of an earlier run of this size")
    ap.add_argument("--rdflib", action="store_true", help="run rdflib above the small size too")
    ap.add_argument("--growth", action="store_true", help="p50 growth of graphsvc's questions between --sizes")
    ap.add_argument("--sizes", default="small,medium", help="sizes for --growth (default small,medium)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--file", action="append", default=[], help=argparse.SUPPRESS)
    ap.add_argument("--store-path", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, args.file, args.store_path)
        return 0
    return growth(args) if args.growth else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
