"""Importing an organisation's control catalog into a live store, and withdrawing the proposals of
controls it no longer has. Reading and checking the spreadsheet is :mod:`graphsvc.sources.controls`'s.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.config import kept_dir
from graphsvc.domain.org_mapping_set import load_rows, save_rows
from graphsvc.domain.proposals import org_controls
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import GSD, org_graph
from graphsvc.sources.controls import OrgContext, catalog_triples, controls_graph, read_controls


def org_context(svc: Any, org: str) -> OrgContext:
    """The organisation as the store holds it (its YAML part, not a previous catalog import).

    :raises DataLoadError: no such organisation in the store.
    """
    private, published = org_graph(org), org_graph(org, "published")
    graphs = set(svc.store.named_graphs())
    if private not in graphs and published not in graphs:
        raise DataLoadError(f"organisation {org!r} is not in the store: import its data first (graphsvc import org)")
    systems = {r["system"].rsplit("/", 1)[-1] for r in svc.select("org_systems", org=GSD + "org/" + org)}
    rows = svc.registry.select(svc.store, "org_controls", org=GSD + "org/" + org, graphs=[private, published])
    controls = {r["control"].value for r in rows}
    return OrgContext(org, systems, controls, set(svc.framework_of))


@dataclass
class ControlsReport:
    org: str
    controls: int
    unmapped: int
    triples: int
    graph: str


def import_controls(svc: Any, org: str, path: Path, *, keep: bool = True) -> ControlsReport:
    """Check a control catalog against the graph and replace the organisation's catalog graph.

    :raises DataLoadError: with file:row and field; the store is unchanged.
    """
    rows = read_controls(path)
    ctx = org_context(svc, org)
    triples = catalog_triples(rows, ctx, Path(path).name)
    graph = controls_graph(org)
    svc.store.replace_graphs({graph: triples})
    svc.invalidate()
    _drop_vanished_proposals(svc, org)
    if keep:
        dest = kept_dir(svc.settings.data_path, "controls") / org
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        shutil.copy2(path, dest / Path(path).name)
    unmapped = sum(1 for r in rows if not r.implements and not r.implements_partly)
    return ControlsReport(org, len(rows), unmapped, len(triples), graph)


def _drop_vanished_proposals(svc: Any, org: str) -> None:
    """Waiting proposals of controls the new catalog no longer has are withdrawn (a review of
    one then gets "no longer exists"); reviewed rows stay as the record of a decision."""
    rows = load_rows(svc, org)
    if not rows:
        return
    present = {c.item.iri for c in org_controls(svc, org)}
    kept = [m for m in rows if not m.pending or m.subject in present]
    if len(kept) != len(rows) or any(m.subject not in present for m in kept):
        save_rows(svc, org, kept, present)
