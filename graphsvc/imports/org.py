"""Importing and deleting an organisation's data in a live store: checked, SHACL-validated,
written in one transaction.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.build import (
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SHAPES_GRAPH,
    Compiled,
    check_org_refs,
    classify_orgs,
    validate,
)
from graphsvc.config import kept_dir
from graphsvc.errors import DataLoadError
from graphsvc.imports.report import ImportReport
from graphsvc.namespaces import org_graph
from graphsvc.sources.orgdata import OrgData, read_org
from graphsvc.sources.ownership import check_published_subjects
from graphsvc.store.base import TripleTuple


def _graph(svc: Any, name: str) -> list[TripleTuple]:
    return list(svc.store.triples(name))


def loaded_orgs(svc: Any) -> list[OrgData]:
    """The published part of every organisation in the store, as OrgData (for classification)."""
    from graphsvc.namespaces import graph_iri

    prefix = graph_iri("org/")
    out = []
    for g in svc.store.named_graphs():
        if g.startswith(prefix) and g.endswith("/published"):
            org_id = g[len(prefix) : -len("/published")]
            out.append(OrgData(org_id=org_id, tenant=org_id, path=Path(org_id), published=_graph(svc, g)))
    return out


def import_org(svc: Any, path: Path, *, keep: bool = True) -> ImportReport:
    """Validate one organisation's YAML (file or folder) and replace its graphs atomically.

    :raises DataLoadError: with file:line and field; the store is unchanged.
    :raises ValidationError: SHACL violations; the store is unchanged.
    """
    od = read_org(path)
    report = load_org(svc, od)
    if keep:
        keep_org_files(svc, od.org_id, path)
    return report


def keep_org_files(svc: Any, org_id: str, path: Path) -> None:
    """Keep an imported organisation's files, so that a later ``graphsvc build`` loads them again."""
    dest = kept_dir(svc.settings.data_path, "org") / org_id
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in [path] if path.is_file() else sorted(path.glob("*.y*ml")):
        shutil.copy2(f, dest / f.name)


@dataclass
class PreparedOrg:
    """An organisation checked against the graph and classified, ready to be swapped in."""

    od: OrgData
    inferred: list[TripleTuple]
    generation: int  # the service's write generation the classification was computed from


def load_org(svc: Any, od: OrgData) -> ImportReport:
    """Check an organisation against the graph and replace its graphs in one transaction."""
    return commit_org(svc, prepare_org(svc, od))


def prepare_org(svc: Any, od: OrgData) -> PreparedOrg:
    """Everything an import does before it writes: references, ownership, SHACL, OWL classification.

    This is the slow part (it grows with the document) and only reads the store, so a server
    runs it outside its write lock; :func:`commit_org` is the swap.

    :raises DataLoadError: a reference to something the graph does not hold.
    :raises Forbidden: a published statement about another organisation's resource.
    :raises ValidationError: SHACL violations.
    """
    generation = svc.generation
    known = set(svc.framework_of)
    frameworks = {f["iri"] for f in svc.frameworks()}
    others = {s["system"] for s in svc.select("systems")}
    others |= {
        r["s"].value
        for r in svc.store.select(
            "PREFIX gs: <https://w3id.org/graphsvc/ontology#> "
            "SELECT ?s WHERE { ?s a ?c FILTER (?c IN (gs:CertificationBody, gs:AccreditationBody)) }"
        )
    }
    check_org_refs([od], known, frameworks, others)
    check_published_subjects(od.org_id, od.published)
    compiled = Compiled()
    compiled.graphs[ONTOLOGY_GRAPH] = _graph(svc, ONTOLOGY_GRAPH)
    compiled.graphs[SHAPES_GRAPH] = _graph(svc, SHAPES_GRAPH)
    compiled.graphs.update(od.graphs())
    # the requirements the org names, so shapes can check their types
    catalogs = [g for g in svc.store.named_graphs() if "/graph/framework/" in g]
    for g in catalogs:
        compiled.graphs[g] = _graph(svc, g)
    compiled.origins.update(od.origins)
    validate(compiled)
    return PreparedOrg(od, _classify_with(svc, od), generation)


def _classify_with(svc: Any, od: OrgData) -> list[TripleTuple]:
    orgs = [o for o in loaded_orgs(svc) if o.org_id != od.org_id] + [od]
    return classify_orgs(Compiled(orgs=orgs), svc.settings)


def commit_org(svc: Any, prepared: PreparedOrg) -> ImportReport:
    """Swap a prepared organisation in, in one transaction (a server calls it with its write lock held).

    The inferred graph classifies every organisation's systems; if anything was written since
    :func:`prepare_org` read the store, it is classified again first, so no concurrent write is lost.
    """
    od = prepared.od
    inferred = prepared.inferred if svc.generation == prepared.generation else _classify_with(svc, od)
    graphs = {**od.graphs(), INFERRED_GRAPH: inferred}
    svc.store.replace_graphs(graphs)
    svc.invalidate()
    return ImportReport("org", od.org_id, {g: len(t) for g, t in graphs.items()})


def delete_org(svc: Any, org_id: str) -> ImportReport:
    """Remove an organisation's graphs (and its kept import) in one transaction."""

    names = [org_graph(org_id), org_graph(org_id, "published")]
    if not any(n in svc.store.named_graphs() for n in names):
        raise DataLoadError(f"organisation {org_id!r} is not in the store")
    # and its imported control catalog and mapping set (graphsvc.sources.controls, graphsvc.sources.orgmappings)
    parts = [org_graph(org_id, "controls"), org_graph(org_id, "mappings")]
    orgs = [o for o in loaded_orgs(svc) if o.org_id != org_id]
    inferred = classify_orgs(Compiled(orgs=orgs), svc.settings) if orgs else []
    svc.store.replace_graphs({**{n: [] for n in names + parts}, INFERRED_GRAPH: inferred})
    svc.invalidate()
    for dest in (
        kept_dir(svc.settings.data_path, "org") / org_id,
        kept_dir(svc.settings.data_path, "controls") / org_id,
        kept_dir(svc.settings.data_path, "mappings") / f"{org_id}.sssom.tsv",
    ):
        if dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
    return ImportReport("org", org_id, {n: 0 for n in names})
