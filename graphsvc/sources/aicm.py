"""Importer for the user's own licensed copy of the CSA AI Controls Matrix (AICM).

graphsvc ships only AICM control identifiers (``mappings/catalogs/aicm-<version>/``); titles,
specifications, the shared-responsibility ownership per layer and CSA's mapping columns come
from the workbook (``.xlsx``) or STIX 2.1 bundle (``.json``) the user downloaded from CSA.
:func:`read_aicm` parses either into an :class:`~graphsvc.sources.aicm_records.AicmImport`
(:mod:`graphsvc.sources.aicm_workbook`, :mod:`graphsvc.sources.aicm_stix`, which describe the
two formats); :func:`import_graphs` checks it against the catalogs and turns it into named
graphs. Nothing here writes a file or a store.

**Version.** An AICM ID means nothing without its version (1.1.0 renumbered 55 IDs). The
version comes from the file (a JSON declaration such as ``{"specification_version": "1.1.0"}``
in a cell, "AI Controls Matrix v1.1" in a title row or the sheet name, the workbook properties;
``framework_version`` or the SecID in STIX); a version given by the caller must agree with it,
and is required when the file names none or only ``major.minor``.

**Relations.** CSA defines the gap level from the AICM control's side: *No Gap* means the target
requirement fully corresponds to, i.e. satisfies, the AICM control; *Partial Gap* that the
target does not fully satisfy it; *Full Gap* that nothing in the target does (AICM v1.1
introductory guidance, section on the Scope Applicability (Mappings) tab; the schema of the
``x-gap-mapping`` object in CSA's Security Controls Catalog says the same: the verdict is whether
the targets cover the source control's requirement). Read ``AICM r target``
as in :mod:`graphsvc.domain.crosswalk`:

- No Gap → ``subset`` (meeting the target meets the AICM control; meeting the AICM control
  meets only part of the target), strength 8. When the verdict covers several targets at once
  (several lines in the cell, including other standards' controls), no single target is known
  to cover the control, so each gets ``intersects``, strength 8.
- Partial Gap → ``intersects``, strength 5.
- Full Gap → ``not-related``, strength 1.

The verdict is kept verbatim (``gs:gapVerdict`` and the comment "CSA verdict: Partial Gap").
:data:`GAP_RELATIONS` is the one place to change this reading.

Errors are :class:`~graphsvc.errors.DataLoadError` naming the file, the sheet (``objects`` for a
STIX bundle), the row (the object's index) and the column (the object's property).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, SEMAPV, SKOS, graph_iri
from graphsvc.sources.aicm_records import FRAMEWORK_LABELS, FRAMEWORKS, AicmImport, AicmMappingRow
from graphsvc.sources.aicm_stix import read_stix
from graphsvc.sources.aicm_targets import resolve_target
from graphsvc.sources.aicm_workbook import read_workbook
from graphsvc.sources.catalogs import Catalog, Requirement
from graphsvc.sources.mappingsets import Mapping, MappingSet, mapping_iri, set_triples
from graphsvc.store.base import TripleTuple
from graphsvc.terms import g, iri, lit

#: CSA gap verdict → (relation of the AICM control to the target, strength). See the module doc.
GAP_RELATIONS: dict[str, tuple[str, int]] = {
    "no-gap": ("subset", 8),
    "partial-gap": ("intersects", 5),
    "full-gap": ("not-related", 1),
}
#: The relation used instead of ``subset`` when a No Gap verdict covers several targets jointly.
JOINT_NO_GAP = "intersects"

LICENSE = "CSA licence: the user's own copy"
AUTHOR = "CSA"
JUSTIFICATION = SEMAPV + "ManualMappingCuration"

#: A control's IRI in the AICM catalog, from its ID and where (file:sheet:row, column) it was read.
_ControlIri = Callable[[str, str, str], str]
#: A mapping row with its subject (AICM control IRI), the target requirement, and whether it is exact.
_Resolved = tuple[AicmMappingRow, str, Requirement, bool]


def read_aicm(path: Path, version: str | None = None) -> AicmImport:
    """Read the user's AICM copy: a workbook (``.xlsx``/``.xlsm``) or a STIX 2.1 bundle (``.json``).

    :param version: the AICM version (``1.1.0``); needed only when the file does not state it
        exactly, and must agree with the file when both do.
    :raises DataLoadError: unreadable file, missing headers, a malformed or repeated control ID,
        an unknown gap level, no or conflicting version; with file, sheet, row and column.
    """
    path = Path(path)
    if not path.exists():
        raise DataLoadError(f"{path}: no such file")
    suffix = path.suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        return read_workbook(path, version)
    if suffix == ".json":
        return read_stix(path, version)
    raise DataLoadError(f"{path}: expected CSA's AICM workbook (.xlsx) or STIX 2.1 bundle (.json)")


def import_graphs(imp: AicmImport, catalog: Catalog, targets: dict[str, Catalog]) -> dict[str, list[TripleTuple]]:
    """Named graphs for an import: ``gsg:import/aicm-<version>`` (titles, specifications,
    ownership) and ``gsg:mappings/aicm-<version>-<framework>`` (CSA's mappings as gs:Mapping).

    :param catalog: the AICM catalog of the same version (its IDs are checked against it).
    :param targets: target catalogs by CLI id (``iso42001``, ``euaia``).
    :raises DataLoadError: a control ID not in the catalog, a target that does not resolve, a
        framework with mappings but no catalog; with the file, sheet, row and column.
    """
    control_iri = _control_iris(imp, catalog)
    graphs: dict[str, list[TripleTuple]] = {graph_iri(f"import/aicm-{imp.version}"): _imported(imp, control_iri)}
    for fw in FRAMEWORKS:
        rows = [r for r in imp.mapping_rows if r.framework == fw]
        target = targets.get(fw)
        if target is None:
            if rows:
                raise DataLoadError(
                    f"{rows[0].where}: the file maps AICM to {FRAMEWORK_LABELS[fw]}, but no {fw} catalog was given"
                )
            continue
        if target.short_name != fw:
            raise DataLoadError(f"{target.path}: catalog {target.key} is {target.short_name!r}, not {fw!r}")
        graph, triples = _mapping_graph(imp, fw, _resolve(fw, rows, target, control_iri))
        graphs[graph] = triples
    return graphs


def _same_control_set(version: str, edition: str) -> bool:
    """AICM patch releases keep the controls (1.1.1 = 1.1.0 + mappings); minor releases renumber."""
    return version.split(".")[:2] == edition.split(".")[:2]


def _control_iris(imp: AicmImport, catalog: Catalog) -> _ControlIri:
    """The lookup of the import's control IDs in ``catalog``, once it is checked to be the import's AICM.

    The lookup raises :class:`DataLoadError` for an ID the catalog does not have.
    """
    v = imp.version
    edition = str(catalog.meta.get("edition", ""))
    if catalog.short_name != "aicm":
        raise DataLoadError(f"{catalog.path}: catalog {catalog.key} is not an AICM catalog")
    if not _same_control_set(v, edition):
        raise DataLoadError(
            f"{imp.path}: the file is AICM {v}, but catalog {catalog.key} is AICM {edition}; "
            "AICM control IDs only mean something within their version"
        )
    controls_by_notation = {r.notation: r for r in catalog.requirements if r.kind == "control"}

    def control_iri(cid: str, where: str, column: str) -> str:
        req = controls_by_notation.get(cid)
        if req is None:
            raise DataLoadError(f"{where}: column {column}: control {cid!r} is not in AICM {edition} ({catalog.key})")
        return req.iri

    return control_iri


def _imported(imp: AicmImport, control_iri: _ControlIri) -> list[TripleTuple]:
    """The controls' titles, specifications and owners per layer, on the catalog's control nodes."""
    v = imp.version
    imported: list[TripleTuple] = []
    for c in imp.controls:
        s = iri(control_iri(c.id, c.where or str(imp.path), c.id_column or "Control ID"))
        imported += [(s, iri(SKOS + "prefLabel"), lit(c.title)), (s, g("specification"), lit(c.specification))]
        for layer, owner in c.ownership.items():
            node = iri(f"{GSD}aicm-ownership/{v}/{quote(c.id, safe='&-')}/{quote(layer, safe='-')}")
            imported += [(s, g("ownership"), node), (node, g("ssrmLayer"), lit(layer)), (node, g("owner"), lit(owner))]
    return imported


def _resolve(fw: str, rows: list[AicmMappingRow], target: Catalog, control_iri: _ControlIri) -> list[_Resolved]:
    """Each row with its AICM control and the ``target`` requirement it names, checked to be in the catalogs."""
    resolved: list[_Resolved] = []
    for row in rows:
        subject = control_iri(row.control_id, row.where, row.id_column or "Control ID")
        hit = resolve_target(fw, row.target_notation, target)
        if hit is None:
            raise DataLoadError(
                f"{row.where}: column {row.target_column or 'Control Mapping'}: {FRAMEWORK_LABELS[fw]} target "
                f"{row.target_notation!r} (control {row.control_id}) is not in catalog {target.key}"
            )
        resolved.append((row, subject, *hit))
    return resolved


def _mappings(set_id: str, source: str, resolved: list[_Resolved]) -> dict[tuple[str, str], tuple[Mapping, str]]:
    """The mapping of each (AICM control, target) pair, with CSA's verdict; the weaker claim where rows conflict."""
    # One verdict covers all the targets of its cell (or STIX object) together.
    per_cell: dict[tuple[str, str], set[str]] = {}
    for row, _, req, _ in resolved:
        per_cell.setdefault((row.where, row.control_id), set()).add(req.iri)
    chosen: dict[tuple[str, str], tuple[Mapping, str]] = {}
    for row, subject, req, exact in resolved:
        relation, strength = GAP_RELATIONS[row.gap]
        joint = len(per_cell[(row.where, row.control_id)]) > 1 or bool(row.co_cited)
        comment = f"CSA verdict: {row.verdict or row.gap}"
        if row.gap == "no-gap" and joint:
            relation = JOINT_NO_GAP
            comment += " (given for several targets together, so this one alone is not known to cover the control)"
        if not exact:
            comment += f"; CSA cites {row.target_notation!r}, resolved to {req.notation}"
        m = Mapping(
            iri=mapping_iri(set_id, subject, req.iri, relation),
            subject=subject,
            object=req.iri,
            relation=relation,
            strength=strength,
            status="approved",
            rationale="semantic",
            justification=JUSTIFICATION,
            comment=comment,
            source=source,
            set_id=set_id,
            author=AUTHOR,
        )
        key = (subject, req.iri)
        if key not in chosen or m.strength < chosen[key][0].strength:  # conflicting rows: the weaker claim
            chosen[key] = (m, row.verdict or row.gap)
    return chosen


def _mapping_graph(imp: AicmImport, fw: str, resolved: list[_Resolved]) -> tuple[str, list[TripleTuple]]:
    """The named graph of CSA's mapping of AICM to ``fw``: its mapping set, with each mapping's verdict."""
    v = imp.version
    label = FRAMEWORK_LABELS[fw]
    set_id = f"{GSD}mappingset/aicm-{v}-{fw}"
    chosen = _mappings(set_id, f"CSA AICM {v} mapping to {label}", resolved)
    ms = MappingSet(
        set_id=set_id,
        key=f"aicm-{v}-{fw}",
        meta={
            "mapping_set_title": f"CSA AI Controls Matrix {v} to {label} (the user's imported copy)",
            "mapping_set_version": v,
            "license": LICENSE,
            "mapping_set_description": (
                f"CSA's own mapping of AICM {v} to {label}, read from the user's licensed copy; "
                "relations follow CSA's gap levels (No Gap: subset, or intersects when one verdict "
                "covers several targets; Partial Gap: intersects; Full Gap: not-related)."
            ),
        },
        mappings=[m for m, _ in chosen.values()],
        path=imp.path,
    )
    triples = set_triples(ms)
    triples.append((iri(set_id), iri(DCTERMS + "source"), lit(f"CSA AI Controls Matrix {v}, mapping column")))
    triples += [(iri(m.iri), g("gapVerdict"), lit(verdict)) for m, verdict in chosen.values()]
    return ms.graph, triples


def aicm_graphs(
    path: Path, catalogs: list[Any], version: str | None = None
) -> tuple[str, dict[str, list[TripleTuple]]]:
    """Read a licensed AICM copy and build its named graphs against the shipped catalogs."""
    imp = read_aicm(path, version)
    by_short = {c.short_name: c for c in catalogs}
    if "aicm" not in by_short:
        raise DataLoadError(f"{path}: no AICM catalog is loaded to check the control IDs against")
    targets = {k: by_short[k] for k in ("iso42001", "euaia") if k in by_short}
    return imp.version, import_graphs(imp, by_short["aicm"], targets)
