#!/usr/bin/env python
"""How good are graphsvc's proposed mappings? Measured against the shipped, person-approved sets.

    python bench/proposals.py                 # every mappings/sssom/*.sssom.tsv in this tree
    python bench/proposals.py --top 10 --store ~/.local/share/graphsvc

For each shipped mapping set (read from disk, so the figures follow whatever sets the tree
holds), the set's own graph and the derived (chained) mappings are dropped from a fresh
in-memory store, and the lexical matcher of :mod:`graphsvc.domain.proposals` proposes candidates for
every requirement of the set's subject framework in its object framework, from titles and
summaries alone. The proposals are then scored against the set's approved rows (no-counterpart
records and ``not-related`` rows excluded), per subject that has at least one approved row:

* precision@1: the share of subjects whose first proposal is an approved row;
* precision@5: the share of the first five proposals that are approved rows (mean over subjects);
* recall@10: the share of a subject's approved rows found among its first ten (mean over subjects).

``random@1`` is what picking one candidate at random would give, for scale. Besides the table
it prints one machine-readable line per set::

    proposals SET P_AT_1 P_AT_5 R_AT_10
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class GoldSet:
    key: str
    path: Path
    subject_fw: str
    object_fw: str
    gold: dict[str, set[str]]  # subject IRI -> approved object IRIs


@dataclass
class Score:
    key: str
    subject_fw: str
    object_fw: str
    subjects: int
    pairs: int
    unreachable: int  # approved pairs whose object the matcher never offers (a structural node)
    p1: float
    p5: float
    r10: float
    r5: float
    random1: float


def read_gold(path: Path) -> GoldSet:
    """The approved rows of one SSSOM TSV file, read on their own (so the benchmark does not
    depend on the loader's rules for other kinds of rows)."""
    import yaml

    from graphsvc.namespaces import FRAMEWORK_PREFIXES

    lines = path.read_text(encoding="utf-8").splitlines()
    head = [ln[1:] for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if not ln.startswith("#")]
    meta = yaml.safe_load("\n".join(head)) or {}
    curie_map: dict[str, str] = dict(meta.get("curie_map") or {})
    by_ns = {ns: fw for fw, ns in FRAMEWORK_PREFIXES.items()}

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return curie_map.get(prefix, FRAMEWORK_PREFIXES.get(prefix, prefix + ":")) + local

    def fw_of(iri: str) -> str:
        return next((fw for ns, fw in by_ns.items() if iri.startswith(ns)), "")

    gold: dict[str, set[str]] = {}
    fws: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t"):
        subject, obj = (row.get("subject_id") or "").strip(), (row.get("object_id") or "").strip()
        if not subject or not obj or "NoTermFound" in subject or "NoTermFound" in obj:
            continue
        if (row.get("status") or "").strip() != "approved":
            continue
        if (row.get("set_relation") or "").strip() in {"", "not-related"}:
            continue
        s, o = expand(subject), expand(obj)
        gold.setdefault(s, set()).add(o)
        fws[f"{fw_of(s)}>{fw_of(o)}"] = fws.get(f"{fw_of(s)}>{fw_of(o)}", 0) + 1
    if not fws:
        return GoldSet(path.name.removesuffix(".sssom.tsv"), path, "", "", {})
    direction = max(fws, key=lambda k: fws[k])
    subject_fw, object_fw = direction.split(">")
    return GoldSet(path.name.removesuffix(".sssom.tsv"), path, subject_fw, object_fw, gold)


def measure(svc: Any, gs: GoldSet, *, top: int = 10) -> Score:
    """Propose for the set's subject framework and score against its approved rows."""
    from graphsvc.domain.proposals import Item, LexicalMatcher, framework_items

    candidates = framework_items(svc, gs.object_fw)
    offered = {c.iri for c in candidates}
    sources = framework_items(svc, gs.subject_fw)
    have = {s.iri for s in sources}
    for s in gs.gold:  # a subject the matcher would skip as structural is still asked about
        if s not in have:
            info = svc.requirement_info(s)
            text = " ".join([info["title"], info["title"], info.get("summary", "")])
            sources.append(Item(s, f"{info['notation']} {info['title']}", text, gs.subject_fw, info["kind"]))
    ranked: dict[str, list[str]] = {}
    for p in LexicalMatcher(candidates, sources).rank(top=top):
        ranked.setdefault(p.subject.iri, []).append(p.object.iri)
    p1 = p5 = r10 = r5 = rnd = 0.0
    subjects = [s for s in gs.gold if gs.gold[s]]
    for s in subjects:
        got, want = ranked.get(s, []), gs.gold[s]
        p1 += 1.0 if got[:1] and got[0] in want else 0.0
        p5 += len(set(got[:5]) & want) / 5
        r10 += len(set(got[:10]) & want) / len(want)
        r5 += len(set(got[:5]) & want) / len(want)
        rnd += len(want & offered) / max(1, len(offered))
    n = max(1, len(subjects))
    return Score(
        gs.key,
        gs.subject_fw,
        gs.object_fw,
        len(subjects),
        sum(len(v) for v in gs.gold.values()),
        sum(1 for v in gs.gold.values() for o in v if o not in offered),
        p1 / n,
        p5 / n,
        r10 / n,
        r5 / n,
        rnd / n,
    )


def gold_sets(mappings_dir: Path) -> list[GoldSet]:
    return [read_gold(p) for p in sorted((mappings_dir / "sssom").glob("*.sssom.tsv"))]


def run(settings: Any, *, top: int = 10) -> list[Score]:
    """Every shipped set, each measured on an in-memory store built without it."""
    from graphsvc.build import DERIVED_GRAPH
    from graphsvc.service import GraphService

    svc = GraphService.in_memory(settings)
    sets = [gs for gs in gold_sets(settings.mappings_dir) if gs.gold]
    # Hide every set (and the chains made from them) at once: the matcher reads texts only,
    # so hiding them all hides each one in turn, and the store is built once.
    keys = {"/mappings/" + gs.key for gs in sets}
    svc.store.drop_graphs([g for g in svc.store.named_graphs() if any(g.endswith(k) for k in keys)] + [DERIVED_GRAPH])
    svc.invalidate()
    return [measure(svc, gs, top=top) for gs in sets]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=10, help="proposals per subject (10 is what recall@10 needs)")
    args = ap.parse_args(argv)
    from graphsvc.config import load_settings

    settings = load_settings()
    scores = run(settings, top=max(10, args.top))
    header = f"{'set':<24} {'direction':<20} {'subj':>5} {'pairs':>5} {'p@1':>6} {'p@5':>6} {'r@5':>6} {'r@10':>6} {'random@1':>9}"
    print(header)
    print("-" * len(header))
    for s in scores:
        print(
            f"{s.key:<24} {s.subject_fw + ' → ' + s.object_fw:<20} {s.subjects:>5} {s.pairs:>5} "
            f"{s.p1:>6.2f} {s.p5:>6.2f} {s.r5:>6.2f} {s.r10:>6.2f} {s.random1:>9.3f}"
        )
        if s.unreachable:
            print(f"  ({s.unreachable} approved pair(s) point at a structural node the matcher never offers)")
    for s in scores:
        print(f"proposals {s.key} {s.p1:.3f} {s.p5:.3f} {s.r10:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
