"""An organisation's own mapping set in the store: read its rows, and replace them (store and kept
file together). The row format, the TSV and the triples are :mod:`graphsvc.sources.orgmappings`'s.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from graphsvc.domain.proposals import org_controls
from graphsvc.namespaces import DCTERMS, GS, GSD, PROV, RDFS, SSSOM, compress
from graphsvc.sources.orgmappings import OrgMapping, kept_file, mappings_graph, set_triples, to_tsv
from graphsvc.terms import py

#: predicate IRI → OrgMapping field, for reading a set back from the store
_FIELDS = {
    GS + "proposalId": "id",
    GS + "subject": "subject",
    GS + "object": "object",
    SSSOM + "subject_label": "subject_label",
    SSSOM + "object_label": "object_label",
    GS + "relation": "relation",
    GS + "strength": "strength",
    GS + "status": "status",
    GS + "rationale": "rationale",
    SSSOM + "mapping_justification": "justification",
    RDFS + "comment": "comment",
    DCTERMS + "source": "source",
    SSSOM + "author_id": "author",
    SSSOM + "mapping_date": "proposed",
    SSSOM + "confidence": "confidence",
    GS + "matchedWords": "matched",
    SSSOM + "reviewer_label": "reviewer",
}


def load_rows(svc: Any, org: str) -> list[OrgMapping]:
    """The organisation's rows as the store holds them (empty when it has none)."""
    graph = mappings_graph(org)
    if graph not in set(svc.store.named_graphs()):
        return []
    rows: dict[str, dict[str, Any]] = {}
    times: dict[str, str] = {}
    for s, p, o in svc.store.triples(graph):
        if p.value == PROV + "endedAtTime":
            times[s.value.removesuffix("/review")] = str(o.value)
            continue
        name = _FIELDS.get(p.value)
        if name is None or not s.value.startswith(f"{GSD}mapping/org/"):
            continue
        value = py(o)
        if name == "relation":
            value = str(value).rsplit("rel-", 1)[-1]
        elif name == "justification":
            value = compress(str(value))
        elif name == "proposed":
            value = value.isoformat() if isinstance(value, dt.date) else str(value)
        rows.setdefault(s.value, {})[name] = value
    out = [OrgMapping(**{**r, "reviewed": times.get(node, "")}) for node, r in rows.items()]
    return sorted(out, key=lambda m: (m.subject, m.status != "proposed", -(m.confidence or 0), m.object))


def _atomic_write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name, dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    return Path(tmp)


def save_rows(svc: Any, org: str, rows: list[OrgMapping], controls: set[str] | None = None) -> int:
    """Replace the organisation's set in the store (one transaction) and in its kept file.

    The file is written to a temporary name first and renamed only after the store took the
    new graph, so a failure leaves both as they were. Returns the triples written.
    """
    if controls is None:
        controls = {c.item.iri for c in org_controls(svc, org)}
    triples = set_triples(org, rows, controls)
    target = kept_file(svc.settings.data_path, org)
    tmp = _atomic_write(target, to_tsv(org, rows))
    try:
        svc.store.replace_graphs({mappings_graph(org): triples})
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    svc.invalidate()
    return len(triples)
