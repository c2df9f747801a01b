"""Crosswalks: the set-relation algebra, chaining, and graph analysis over mappings.

Read ``A r B`` as a relation between what A demands and what B demands (NIST IR 8477 /
OSCAL 1.2). Chained mappings compose by set algebra (:data:`COMPOSE`), never by "weakest
link"; a derived mapping records its path and a strength no higher than its weakest hop,
and a direct mapping between the same pair always wins.

>>> compose("superset", "subset")
'intersects'
>>> compose("subset", "superset") is None
True
>>> inverse("subset")
'superset'
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import networkx as nx

from graphsvc.namespaces import GSD, SEMAPV
from graphsvc.sources.mappingsets import Mapping, mapping_iri

EQ, SUB, SUP, INT, NOT = "equal", "subset", "superset", "intersects", "not-related"

#: How much of B meeting A meets, for ``A r B``.
TRANSFER = {EQ: "full", SUP: "full", SUB: "partial", INT: "partial", NOT: "none"}

_INVERSE = {EQ: EQ, SUB: SUP, SUP: SUB, INT: INT, NOT: NOT}

#: (r1, r2) -> r for A r1 B, B r2 C; a missing cell infers nothing.
COMPOSE: dict[tuple[str, str], str] = {
    **{(EQ, r): r for r in (EQ, SUB, SUP, INT, NOT)},
    **{(r, EQ): r for r in (EQ, SUB, SUP, INT, NOT)},
    (SUP, SUP): SUP,  # A ⊇ B ⊇ C
    (SUB, SUB): SUB,  # A ⊆ B ⊆ C
    (SUP, SUB): INT,  # A ⊇ B ⊆ C: both contain B
    (INT, SUB): INT,  # A ∩ B ≠ ∅, B ⊆ C
    (SUP, INT): INT,  # A ⊇ B, B ∩ C ≠ ∅
    (SUB, NOT): NOT,  # A ⊆ B, B ∩ C = ∅
    (NOT, SUP): NOT,  # A ∩ B = ∅, B ⊇ C
}

CHAINING = SEMAPV + "MappingChaining"


def inverse(relation: str) -> str:
    return _INVERSE[relation]


def compose(r1: str, r2: str) -> str | None:
    """The relation of A to C given A r1 B and B r2 C, or None where nothing follows."""
    return COMPOSE.get((r1, r2))


@dataclass(frozen=True)
class Hop:
    """A mapping walked in one direction: from ``source`` to ``target``."""

    mapping: Mapping
    source: str
    target: str
    relation: str  # from source to target (inverted when the mapping is walked backwards)
    inverted: bool = False


@dataclass(frozen=True)
class Link:
    """A direct or chained link from one requirement to another, with its path."""

    source: str
    target: str
    relation: str
    strength: int
    status: str
    hops: tuple[Hop, ...]

    @property
    def derived(self) -> bool:
        return len(self.hops) > 1

    @property
    def transfer(self) -> str:
        return TRANSFER[self.relation]


def _hops_from(mappings: Iterable[Mapping]) -> dict[str, list[Hop]]:
    out: dict[str, list[Hop]] = defaultdict(list)
    for m in mappings:
        if m.status == "rejected" or m.derived:
            continue
        out[m.subject].append(Hop(m, m.subject, m.object, m.relation))
        out[m.object].append(Hop(m, m.object, m.subject, inverse(m.relation), inverted=True))
    return out


@dataclass
class CrosswalkIndex:
    """Direct mappings indexed both ways, with a framework lookup for every requirement.

    Build it once per store generation (:meth:`GraphService.crosswalk_index` caches it);
    every lookup is then a walk from the requirement asked about, so its cost grows with
    the answer, not with the graph.
    """

    mappings: list[Mapping]
    framework_of: dict[str, str]  # requirement IRI -> framework short name
    hops: dict[str, list[Hop]] = field(init=False)

    def __post_init__(self) -> None:
        self.hops = _hops_from(self.mappings)

    def links(
        self,
        source: str,
        *,
        depth: int = 2,
        min_strength: int = 1,
        include_proposed: bool = False,
        to_framework: str | None = None,
    ) -> list[Link]:
        """Every link from ``source``: direct ones, then chained ones up to ``depth`` hops.

        A chain continues only where :data:`COMPOSE` gives a relation; a derived link is
        dropped where a direct link to the same target exists; among derived links to one
        target, the strongest (then shortest) wins. Links back into the source's own
        framework are not returned.
        """
        ok = {"approved", "proposed"} if include_proposed else {"approved"}
        home = self.framework_of.get(source)
        best: dict[str, Link] = {}
        direct_targets: set[str] = set()
        frontier: list[Link] = []
        for hop in self.hops.get(source, []):
            if hop.mapping.status in ok and hop.mapping.strength >= min_strength:
                link = Link(source, hop.target, hop.relation, hop.mapping.strength, hop.mapping.status, (hop,))
                direct_targets.add(hop.target)
                prev = best.get(hop.target)
                if prev is None or (link.strength, TRANSFER[link.relation] == "full") > (
                    prev.strength,
                    TRANSFER[prev.relation] == "full",
                ):
                    best[hop.target] = link
                frontier.append(link)
        for _ in range(depth - 1):
            nxt: list[Link] = []
            for link in frontier:
                visited = {link.source, *(h.target for h in link.hops)}
                for hop in self.hops.get(link.target, []):
                    m = hop.mapping
                    if m.status not in ok or m.strength < min_strength or hop.target in visited:
                        continue
                    rel = compose(link.relation, hop.relation)
                    if rel is None:
                        continue
                    status = "approved" if link.status == "approved" and m.status == "approved" else "proposed"
                    new = Link(source, hop.target, rel, min(link.strength, m.strength), status, (*link.hops, hop))
                    nxt.append(new)
                    if hop.target in direct_targets:
                        continue
                    prev = best.get(hop.target)
                    if prev is None or (new.strength, -len(new.hops)) > (prev.strength, -len(prev.hops)):
                        best[hop.target] = new
            frontier = nxt
        out = [
            lk
            for t, lk in best.items()
            if t != source
            and self.framework_of.get(t) != home
            and (to_framework is None or self.framework_of.get(t) == to_framework)
        ]
        out.sort(key=lambda lk: (lk.derived, -lk.strength, lk.target))
        return out

    def derived_mappings(self, depth: int) -> list[Mapping]:
        """Every chained link between two frameworks, as a derived :class:`Mapping`.

        Derived from approved and proposed direct mappings; a derived mapping is approved
        only when every hop is. Each pair appears once, in the direction walked from the
        subject.
        """
        out: dict[tuple[str, str], Mapping] = {}
        for source in sorted(self.hops):
            for link in self.links(source, depth=depth, include_proposed=True):
                if not link.derived:
                    continue
                path = tuple(h.mapping.iri for h in link.hops)
                via = " → ".join(
                    f"{h.relation}{' (inverse)' if h.inverted else ''} {h.target.rsplit('/', 1)[-1]}" for h in link.hops
                )
                m = Mapping(
                    iri=mapping_iri(GSD + "mappings/derived", link.source, link.target, link.relation),
                    subject=link.source,
                    object=link.target,
                    relation=link.relation,
                    strength=link.strength,
                    status=link.status,
                    rationale="semantic",
                    justification=CHAINING,
                    comment=f"Derived by chaining: {via}.",
                    source="; ".join(sorted({h.mapping.source for h in link.hops})),
                    set_id=GSD + "mappings/derived",
                    author="graphsvc:chaining",
                    derived=True,
                    path=path,
                )
                out[(link.source, link.target)] = m
        return list(out.values())

    # -- networkx analysis --------------------------------------------------------------
    def graph(self, *, include_proposed: bool = False) -> nx.Graph:
        ok = {"approved", "proposed"} if include_proposed else {"approved"}
        G = nx.Graph()
        for m in self.mappings:
            if m.status in ok and not m.derived and m.relation != NOT:
                G.add_edge(m.subject, m.object, mapping=m, weight=11 - m.strength)
        for n in G.nodes:
            G.nodes[n]["framework"] = self.framework_of.get(n, "")
        return G

    def explain_path(self, a: str, b: str) -> list[Mapping]:
        """The shortest chain of mappings between two requirements (any relation but not-related)."""
        G = self.graph()
        if a not in G or b not in G:
            return []
        try:
            nodes = nx.shortest_path(G, a, b, weight="weight")
        except nx.NetworkXNoPath:
            return []
        return [G.edges[u, v]["mapping"] for u, v in itertools.pairwise(nodes)]

    def components(self) -> list[set[str]]:
        return sorted(nx.connected_components(self.graph()), key=len, reverse=True)

    def central(self, k: int = 10, framework: str | None = None) -> list[tuple[str, float]]:
        G = self.graph()
        scores = nx.degree_centrality(G) if len(G) else {}
        items = [(n, s) for n, s in scores.items() if framework is None or self.framework_of.get(n) == framework]
        return heapq.nlargest(k, items, key=lambda x: (x[1], x[0]))

    def greedy_cover(
        self,
        source_fw: str,
        target_fw: str,
        budget: int = 12,
        depth: int = 2,
        *,
        within: Collection[str] | None = None,
    ) -> list[tuple[str, list[str]]]:
        """Pick up to ``budget`` requirements of ``source_fw`` that together reach the most
        requirements of ``target_fw`` (fully or partly), each step taking the one that adds
        the most not yet reached. Returns (requirement, newly reached targets) in pick order.

        ``within`` limits the targets that count to those given (a plan's open items:
        :mod:`graphsvc.domain.plan`); by default every requirement of ``target_fw`` counts.
        """
        wanted = None if within is None else set(within)
        reach: dict[str, set[str]] = {}
        for req, fw in self.framework_of.items():
            if fw != source_fw:
                continue
            hits = {lk.target for lk in self.links(req, depth=depth, to_framework=target_fw) if lk.transfer != "none"}
            if wanted is not None:
                hits &= wanted
            if hits:
                reach[req] = hits
        covered: set[str] = set()
        picks: list[tuple[str, list[str]]] = []
        for _ in range(budget):
            best = max(reach, key=lambda r: (len(reach[r] - covered), r), default=None)
            if best is None or not reach[best] - covered:
                break
            new = sorted(reach[best] - covered)
            picks.append((best, new))
            covered |= reach.pop(best)
        return picks
