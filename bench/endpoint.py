"""The SPARQL endpoint against raw pyoxigraph, per caller, on the same query and the same graphs.

    python bench/endpoint.py --size small                 # ~2 minutes (generates and loads first)
    python bench/endpoint.py --size medium --reuse        # over the data an earlier run left

For an anonymous caller, a tenant reader (the anchor customer ``cust-00000``) and an admin, it
times the benchmark's SPARQL queries: the naive crosswalk and certificate questions of
``bench/naive``, the hand-tuned system coverage query of ``bench/tuned`` and ``queries/mappings.rq``
(the naive system and organisation queries are left out: they are the strawmen graphsvc's own
coverage is measured against in ``run.py``, and take half a minute to minutes on pyoxigraph at
the medium size whatever the dataset)
through ``graphsvc serve`` on a loopback port, and the same canonical query text on the server's
store with pyoxigraph directly, over exactly the dataset the endpoint chose for that caller
(``sparql_endpoint.query_dataset``). It prints, per caller and query:

* ``ratio endpoint_overhead_<caller>_<query>`` HTTP p50 / raw p50 (evaluation only) and ``…_ms``
  the difference; ``endpoint_overhead_serialized_…`` the same against raw evaluation plus
  pyoxigraph's own SPARQL JSON serialisation (what any server has to do before it answers);
* ``ratio status_<caller>_<query>`` the HTTP status of every timed request (200 when all were);
* for the tenant and anonymous callers, ``ratio union_speedup_<caller>_<query>``: raw p50 over
  the dataset as a list of every graph the caller may read (how graphsvc ran before the union
  graphs) divided by raw p50 over the union graphs: one run each (the list costs hundreds of times
  more at medium), and only for queries whose union run is under ``--list-below`` ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

from pyoxigraph import QueryResultsFormat  # noqa: E402
from run import NAIVE, Endpoint, _params, build, fill, open_service  # noqa: E402


def p50(values: list[float]) -> float:
    return statistics.median(values)


#: ``graphsvc serve``'s query worker processes (its default): each has caches of its own, so an HTTP
#: measurement first sends the query often enough to reach every worker.
QUERY_WORKERS = 2


def timed(fn: Callable[[], Any], repeat: int, budget: float, warm: int = 1) -> tuple[list[float], list[Any]]:
    """``warm`` warm-up calls, then up to ``repeat`` timed calls within ``budget`` seconds (at least one)."""
    for _ in range(warm):
        fn()
    times, out = [], []
    start = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        out.append(fn())
        times.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - start > budget:
            break
    return times, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="small", help="tiny, small, medium or large (default small)")
    ap.add_argument("--store-dir", default=str(Path(tempfile.gettempdir()) / "graphsvc-bench"))
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per caller and query (default 20)")
    ap.add_argument("--budget", type=float, default=15.0, help="seconds of runs per measurement (default 15)")
    ap.add_argument(
        "--list-below",
        type=float,
        default=150.0,
        help="time the graph-list dataset for queries under this many ms (150)",
    )
    ap.add_argument("--reuse", action="store_true", help="reuse the data and store of an earlier run of this size")
    args = ap.parse_args(argv)

    from graphsvc.http.keys import KeyStore
    from graphsvc.http.sparql.endpoint import prepare_query, query_dataset
    from graphsvc.store.tenancy import ANONYMOUS, Principal, readable

    base = Path(args.store_dir)
    built = build(args.size, base, reuse=args.reuse)
    m = built["manifest"]
    data = base / args.size / "data"
    tenant = m["anchors"]["org"].rsplit("/", 1)[-1]
    keys = KeyStore(data / "keys.json")
    tokens = {
        "anonymous": None,
        "tenant": keys.create("reader", tenant=tenant, name="bench-endpoint-reader")[1],
        "admin": keys.create("admin", name="bench-endpoint-admin")[1],
    }
    principals = {
        "anonymous": ANONYMOUS,
        "tenant": Principal(key_id="bench", role="reader", tenant=tenant, name="bench"),
        "admin": Principal(key_id="bench", role="admin", name="bench"),
    }
    queries = {
        q: fill((BENCH / "naive" / NAIVE[q]).read_text(), _params(q, m["anchors"], m["as_of"]))
        for q in ("crosswalk", "certificate")
    }
    tuned = (BENCH / "tuned" / "system_coverage.rq").read_text()
    queries["system_tuned"] = fill(tuned, _params("system", m["anchors"], m["as_of"]))
    queries["mappings"] = (ROOT / "queries" / "mappings.rq").read_text()

    svc = open_service(data)
    store = svc.store
    graphs = store.named_graphs()
    print(
        f"# endpoint benchmark, size {args.size}: {built['load']['triples']:,} triples in {len(graphs)} named graphs; "
        f"union graphs kept: {store.has_unions}; tenant {tenant}",
        flush=True,
    )
    ep = Endpoint(data, svc)
    if not ep.start():
        print(f"# endpoint did not start: {ep.note}")
        return 1
    print(f"# endpoint: {ep.mode}", flush=True)
    lines: list[str] = []
    table: list[tuple[str, ...]] = []
    try:
        for caller, token in tokens.items():
            headers = {"Accept": "application/sparql-results+json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            for name, text in queries.items():
                prepared = prepare_query(text)
                default, named = query_dataset(
                    principals[caller], prepared.info, [], [], graphs, unions=store.has_unions
                )

                def http(text: str = text, headers: dict[str, str] = headers) -> int:
                    r = ep.client.get("/sparql", params={"query": text}, headers=headers)
                    return int(r.status_code)

                def raw(default: Any = default, named: Any = named, q: str = prepared.text) -> int:
                    return sum(1 for _ in store.raw_query(q, default_graph=default, named_graphs=named))

                e_times, statuses = timed(http, args.repeat, args.budget, warm=2 * QUERY_WORKERS)

                def served(default: Any = default, named: Any = named, q: str = prepared.text) -> int:
                    result = store.raw_query(q, default_graph=default, named_graphs=named)
                    return len(result.serialize(format=QueryResultsFormat.JSON) or b"")

                r_times, _ = timed(raw, len(e_times), args.budget)
                s_times, _ = timed(served, len(e_times), args.budget)
                e50, r50, s50 = p50(e_times), p50(r_times), p50(s_times)
                bad = sorted({s for s in statuses if s != 200})
                lines.append(f"ratio endpoint_overhead_{caller}_{name} {e50 / r50:.3f}")
                lines.append(f"ratio endpoint_overhead_{caller}_{name}_ms {e50 - r50:.3f}")
                lines.append(f"ratio endpoint_overhead_serialized_{caller}_{name} {e50 / s50:.3f}")
                lines.append(f"ratio endpoint_overhead_serialized_{caller}_{name}_ms {e50 - s50:.3f}")
                lines.append(f"ratio status_{caller}_{name} {bad[0] if bad else 200}")
                lines.append(f"latency endpoint_{caller}_{name} {e50:.2f}")
                lines.append(f"latency raw_{caller}_{name} {r50:.2f}")
                speed = "-"
                if caller != "admin" and store.has_unions and r50 < args.list_below:
                    listed = readable(principals[caller], graphs)

                    def as_list(listed: list[str] = listed, q: str = prepared.text) -> int:
                        return sum(1 for _ in store.raw_query(q, default_graph=listed, named_graphs=listed))

                    t = time.perf_counter()
                    as_list()
                    l_times = [(time.perf_counter() - t) * 1000]
                    speed = f"{p50(l_times) / r50:.1f}x"
                    lines.append(f"ratio union_speedup_{caller}_{name} {p50(l_times) / r50:.2f}")
                    lines.append(f"latency raw_list_{caller}_{name} {p50(l_times):.2f}")
                table.append(
                    (
                        caller,
                        name,
                        f"{e50:.2f}",
                        f"{r50:.2f}",
                        f"{e50 - r50:+.2f}",
                        f"{e50 / r50:.2f}x",
                        f"{s50:.2f}",
                        f"{e50 / s50:.2f}x",
                        speed,
                        ",".join(map(str, bad)) or "200",
                    )
                )
                print(
                    f"# {caller} {name}: HTTP {e50:.2f} ms, raw {r50:.2f} ms, raw+JSON {s50:.2f} ms, list-dataset speed-up {speed}",
                    flush=True,
                )
    finally:
        ep.stop()
    print()
    head = (
        "caller",
        "query",
        "HTTP p50 ms",
        "raw p50 ms",
        "diff ms",
        "ratio",
        "raw+JSON p50 ms",
        "ratio",
        "union vs list",
        "status",
    )
    widths = [max(len(str(r[i])) for r in [head, *table]) for i in range(len(head))]
    for row in [head, *table]:
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print("\n".join(lines))
    (base / args.size / "endpoint.json").write_text(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
