"""The build's graphs loaded into a remote store, so that its engine holds what a fresh embedded
store would (``graphsvc build`` with ``store_url`` set)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graphsvc.store.base import TripleTuple
from graphsvc.store.remote import RemoteStore


@dataclass
class LoadReport:
    triples: int
    graphs: int
    dropped: list[str]
    seconds: float


def load_compiled(
    store: RemoteStore, compiled: Mapping[str, list[TripleTuple]], *, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Load a build's graphs (graph name → triples; ``Compiled.graphs``) into a remote store: every compiled graph replaced, and every
    graphsvc graph the build no longer makes (an organisation removed since) dropped, so the
    engine ends up holding what a fresh embedded store would.

    Atomic on engines with transactional update requests; on Virtuoso graph by graph (a
    failure says which graphs were done; run the build again).

    :raises DataLoadError: the build put triples in the default graph (a remote store holds named graphs only).
    """
    from graphsvc.errors import DataLoadError
    from graphsvc.namespaces import graph_iri

    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    if compiled.get(""):
        raise DataLoadError("the build put triples in the default graph; a remote store holds named graphs only")
    graphs = {g: ts for g, ts in compiled.items() if g}
    prefix = graph_iri("")
    stale = [g for g in store.named_graphs() if g.startswith(prefix) and g not in graphs]
    n = sum(len(ts) for ts in graphs.values())
    say(f"loading {n} triples in {len(graphs)} graphs into {store.query_url}")
    store.replace_graphs({**graphs, **{g: [] for g in stale}})
    if stale:
        say(f"dropped {len(stale)} graph(s) the build no longer makes")
    return LoadReport(triples=n, graphs=len(graphs), dropped=stale, seconds=time.perf_counter() - t0)
