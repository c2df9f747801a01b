"""Cross-set consistency: do the mapping sets agree with each other?

Two sets that share a framework imply, by the set algebra (:data:`graphsvc.domain.crosswalk.COMPOSE`),
links between the frameworks at their ends: AI RMF → ISO/IEC 42001 → AI Act derives AI RMF →
AI Act links. The check walks every two-hop chain of approved direct mappings through a third
framework and reports:

* ``unconfirmed``: the chain derives a relation between two requirements that no direct row
  links (a curator should add the row, or say why the chain does not hold);
* ``contradicted``: a direct row links the two, with a relation the chain's relation cannot
  stand beside. A derived ``intersects`` only says the two overlap, so it agrees with any
  direct relation but ``not-related``; any other derived relation must equal the direct one;
* ``decision-contradicted``: the chain reaches a requirement for which the source framework's
  own set records *no counterpart*.

``mappings/chains.yaml`` may record, for a chain that does not hold, why (``from``, ``to``,
``via``, ``reason``); such findings are listed as ``explained`` rather than open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.domain.crosswalk import NOT, compose, inverse
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import compress, expand
from graphsvc.sources.decisions import decisions
from graphsvc.sources.yamlfiles import load_yaml

KINDS = ("contradicted", "decision-contradicted", "unconfirmed")


@dataclass(frozen=True)
class Finding:
    kind: str
    source: str
    target: str
    via: str
    relation: str  # derived by the chain
    direct: str  # the direct row's relation ("" when there is none)
    strength: int
    hops: tuple[str, str]  # the two mapping IRIs
    explanation: str = ""


def agrees(derived: str, direct: str) -> bool:
    """Can a direct ``direct`` row stand beside a chain that derives ``derived``?

    >>> agrees("intersects", "subset"), agrees("subset", "intersects"), agrees("intersects", "not-related")
    (True, False, False)
    """
    if derived == "intersects":
        return direct != NOT
    return derived == direct


def chains(index: Any) -> Iterable[tuple[str, str, str, str, int, tuple[str, str]]]:
    """Every (source, via, target, relation, strength, hops) of two approved direct mappings
    through a framework other than the two at the ends, where the algebra gives a relation."""
    fw = index.framework_of
    for x in sorted(index.hops):
        for h1 in index.hops[x]:
            if h1.mapping.status != "approved":
                continue
            y = h1.target
            for h2 in index.hops.get(y, []):
                z = h2.target
                if h2.mapping.status != "approved" or z == x:
                    continue
                if len({fw.get(x), fw.get(y), fw.get(z)}) != 3:
                    continue
                rel = compose(h1.relation, h2.relation)
                if rel is None:
                    continue
                strength = min(h1.mapping.strength, h2.mapping.strength)
                yield x, y, z, rel, strength, (h1.mapping.iri, h2.mapping.iri)


def load_explanations(path: Path) -> dict[tuple[str, str, str], str]:
    """``mappings/chains.yaml``: why a chain that the algebra derives does not hold.

    :raises DataLoadError: a missing field, with the file and entry.
    """
    if not path.exists():
        return {}
    data = load_yaml(path) or {}
    out: dict[tuple[str, str, str], str] = {}
    for i, entry in enumerate(data.get("chains") or [], start=1):
        for key in ("from", "to", "via", "reason"):
            if not str(entry.get(key) or "").strip():
                raise DataLoadError(f"{path}: chain {i}: field {key!r} is missing")
        out[(expand(entry["from"]), expand(entry["to"]), expand(entry["via"]))] = str(entry["reason"]).strip()
    return out


def check(svc: Any, explanations: dict[tuple[str, str, str], str] | None = None) -> list[Finding]:
    """Every finding over the approved direct mappings in the store, open ones first."""
    index = svc.crosswalk_index()
    fw = index.framework_of
    direct: dict[tuple[str, str], str] = {}
    for m in index.mappings:
        if m.status == "approved" and not m.derived:
            direct[(m.subject, m.object)] = m.relation
            direct.setdefault((m.object, m.subject), inverse(m.relation))
    oriented = {(fw.get(m.subject, ""), fw.get(m.object, "")) for m in index.mappings}
    decided = {(d.target, d.framework) for ds in decisions(svc).values() for d in ds}
    explanations = explanations or {}
    best: dict[tuple[str, str, str], Finding] = {}
    for x, y, z, rel, strength, hops in chains(index):
        have = direct.get((x, z), "")
        if (z, fw.get(x)) in decided:
            kind = "decision-contradicted"  # x's own set says it has nothing for z
        elif not _forward(fw.get(x, ""), fw.get(z, ""), oriented):
            continue  # every chain is walked from both ends: report it once, as the sets read
        elif not have:
            kind = "unconfirmed"
        elif not agrees(rel, have):
            kind = "contradicted"
        else:
            continue
        key = (x, z, y)
        why = explanations.get(key, "") or explanations.get((z, x, y), "")
        best[key] = Finding(kind, x, z, y, rel, have, strength, hops, why)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(best.values(), key=lambda f: (bool(f.explanation), order[f.kind], f.source, f.target))


def _forward(a: str, b: str, oriented: set[tuple[str, str]]) -> bool:
    """Whether frameworks ``a`` → ``b`` is the direction to report (the one mapping sets use)."""
    if (a, b) in oriented and (b, a) not in oriented:
        return True
    if (b, a) in oriented and (a, b) not in oriented:
        return False
    return a < b


def finding_rows(svc: Any, findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as plain rows for the CLI and the API."""
    fw = svc.framework_of
    return [
        {
            "kind": f.kind,
            "status": "explained" if f.explanation else "open",
            "source": f"{fw.get(f.source, '')} {svc.notation_of(f.source)}",
            "via": f"{fw.get(f.via, '')} {svc.notation_of(f.via)}",
            "target": f"{fw.get(f.target, '')} {svc.notation_of(f.target)}",
            "derived": f.relation,
            "direct": f.direct,
            "strength": f.strength,
            "source_curie": compress(f.source),
            "via_curie": compress(f.via),
            "target_curie": compress(f.target),
            "explanation": f.explanation,
        }
        for f in findings
    ]
