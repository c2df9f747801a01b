"""Importing a CISO Assistant library into a live store, atomically.

:func:`import_library` reads and checks the whole file, builds the catalog and mapping-set
graphs, validates them with the SHACL shapes, recomputes the chained mappings (``gsg:derived``)
with the new set included, and only then replaces those graphs in one store transaction: a
failed import changes nothing. The file is then kept (:mod:`graphsvc.sources.ciso_assistant.kept`) so
that ``graphsvc build`` imports it again.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.sources.catalogs import load_catalogs
from graphsvc.sources.ciso_assistant.convert import (
    ImportedCatalog,
    ImportedSet,
    KnownFramework,
    Resolver,
    known_framework,
    slug,
    urn_parts,
)
from graphsvc.sources.ciso_assistant.kept import SET_PREFIX, Options, convert_library, kept_dir
from graphsvc.sources.ciso_assistant.library import read_library
from graphsvc.store.base import TripleTuple


@dataclass
class CaImportReport:
    library: str
    frameworks: list[dict[str, Any]] = field(default_factory=list)
    mapping_sets: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graphs: dict[str, int] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def known_in_store(svc: Any) -> list[KnownFramework]:
    rows: dict[str, dict[str, Any]] = {}
    for r in svc.select("ciso_urns"):
        f = rows.setdefault(
            r["framework"],
            {"id": r["id"], "ns": r["namespace"], "urn": r.get("frameworkUrn"), "reqs": []},
        )
        f["reqs"].append((r["req"], r["notation"], r.get("urn")))
    return [known_framework(iri_, f["id"], f["ns"], f["reqs"], f["urn"]) for iri_, f in rows.items()]


def _check_still_used(svc: Any, path: Path, catalogs: list[ImportedCatalog], replaced_sets: set[str]) -> None:
    """A re-imported framework may not drop requirements that mappings or organisations still name."""
    for cat in catalogs:
        old = {r["req"] for r in svc.select("ciso_requirements", graph=cat.graph)}
        removed = old - {r.iri for r in cat.requirements}
        if not removed:
            continue
        users = [
            f"{r['req'].rsplit('/', 1)[-1]} (used by {r['user']})"
            for r in svc.select("ciso_requirement_uses", graph=cat.graph)
            if r["req"] in removed
        ]
        users += [
            f"{(m.subject if m.subject in removed else m.object).rsplit('/', 1)[-1]} (mapped in {m.set_id})"
            for m in svc.mappings()
            if not m.derived and m.set_id not in replaced_sets and {m.subject, m.object} & removed
        ]
        if users:
            raise DataLoadError(
                f"{path}: importing {cat.key} again would remove {len(removed)} requirement(s) that are still "
                f"used: {'; '.join(sorted(users)[:5])}{' …' if len(users) > 5 else ''}",
                errors=sorted(users),
            )


def _derived(
    svc: Any, replaced: set[str], sets: list[ImportedSet], catalogs: list[ImportedCatalog]
) -> list[TripleTuple]:
    """The chained mappings as a build would make them, with the new sets in place of the old."""
    from graphsvc.domain.crosswalk import CrosswalkIndex
    from graphsvc.sources.mappingsets import all_mappings, load_mapping_sets, mapping_triples

    shipped = all_mappings(load_mapping_sets(svc.settings.mappings_dir, None))
    imported = [
        m for m in svc.mappings() if not m.derived and m.set_id.startswith(SET_PREFIX) and m.set_id not in replaced
    ]
    new = [m for s in sets for m in s.mapping_set.mappings]
    framework_of = dict(svc.framework_of)
    framework_of.update({r.iri: c.short_name for c in catalogs for r in c.requirements})
    index = CrosswalkIndex(shipped + imported + new, framework_of)
    return [t for m in index.derived_mappings(svc.settings.chain_depth) for t in mapping_triples(m)]


def import_library(
    svc: Any,
    path: Path,
    *,
    options: Options | None = None,
    strict: bool = False,
    keep: bool = True,
) -> CaImportReport:
    """Import one CISO Assistant library file (frameworks and mapping sets) into the store.

    :param strict: refuse the file when a mapping row names a node that does not exist
        (by default such rows are reported and kept as ``gs:UnresolvedMapping``).
    :raises DataLoadError: any bad field, with file:line; the store is unchanged.
    :raises ValidationError: SHACL violations; the store is unchanged.
    """
    from graphsvc.build import DERIVED_GRAPH, ONTOLOGY_GRAPH, SHAPES_GRAPH, Compiled, validate

    opts = options or Options()
    path = Path(path)
    lib = read_library(path, strength_scale=opts.strength_scale)
    known = known_in_store(svc)
    resolver = Resolver(known)
    taken = {f.short_name: f.iri for f in known}
    shipped = {c.key for c in load_catalogs(svc.settings.mappings_dir)}
    catalogs, sets = convert_library(lib, resolver, opts, taken=taken, shipped=shipped)
    _check_still_used(svc, path, catalogs, {s.mapping_set.set_id for s in sets})
    unresolved = [u for s in sets for u in s.unresolved]
    if strict and unresolved:
        raise DataLoadError(
            f"{unresolved[0].row.where}: {len(unresolved)} mapping row(s) name nodes that do not exist; "
            f"first: {unresolved[0].reason}",
            errors=[f"{u.row.where}: {u.reason}" for u in unresolved],
        )
    graphs: dict[str, list[TripleTuple]] = {c.graph: c.triples() for c in catalogs}
    graphs.update({s.mapping_set.graph: s.triples() for s in sets})
    compiled = Compiled()
    compiled.graphs[ONTOLOGY_GRAPH] = list(svc.store.triples(ONTOLOGY_GRAPH))
    compiled.graphs[SHAPES_GRAPH] = list(svc.store.triples(SHAPES_GRAPH))
    compiled.graphs.update(graphs)
    for c in catalogs:
        compiled.origins.update({r.iri: r.source_ref for r in c.requirements})
    for s in sets:
        compiled.origins.update(s.mapping_set.origins)
    validate(compiled)
    graphs[DERIVED_GRAPH] = _derived(svc, {s.mapping_set.set_id for s in sets}, sets, catalogs)
    svc.store.replace_graphs(graphs)
    svc.invalidate()
    if keep:
        dest = kept_dir(svc.settings.data_path)
        dest.mkdir(parents=True, exist_ok=True)
        stem = slug(urn_parts(lib.urn)[2])
        shutil.copy2(path, dest / f"{stem}.yaml")
        (dest / f"{stem}.options.json").write_text(json.dumps(opts.__dict__, indent=2) + "\n", encoding="utf-8")
    return CaImportReport(
        library=lib.urn,
        frameworks=[
            {"id": c.short_name, "catalog": c.key, "edition": c.meta["edition"], "requirements": len(c.requirements)}
            for c in catalogs
        ],
        mapping_sets=[
            {
                "id": s.mapping_set.key,
                "source": s.source_framework,
                "target": s.target_framework,
                "mappings": len(s.mapping_set.mappings),
                "unresolved": len(s.unresolved),
            }
            for s in sets
        ],
        unresolved=[u.as_dict() for u in unresolved],
        notes=[f"skipped {s}: graphsvc has no counterpart" for s in lib.skipped] + [n for s in sets for n in s.notes],
        graphs={g: len(t) for g, t in graphs.items()},
    )
