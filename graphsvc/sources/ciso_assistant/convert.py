"""CISO Assistant library → graphsvc graphs: the URNs, a framework as a catalog, and what a mapping set becomes.

**Identifiers.** A framework keeps its URN (``dcterms:identifier``) and is minted under the
catalog key taken from the URN's last part (``urn:intuitem:risk:framework:iso27001-2022`` →
``iso27001-2022``, short name ``iso27001``, edition ``2022``); each node keeps its URN too and
becomes ``https://w3id.org/graphsvc/req/<key>/<id>``. A node URN in a mapping set is looked up,
in this order, among: the nodes of frameworks in the same file or imported before; graphsvc's
own export URNs (``urn:graphsvc:risk:req_node:<catalog key>:<id>``); and the CISO Assistant
URNs of the frameworks graphsvc ships itself (:data:`BRIDGES`: CISO Assistant's ISO/IEC
42001:2023 and NIST AI RMF 1.0 write a node as its ref_id in lower case with ``-`` for spaces,
so ``urn:intuitem:risk:req_node:iso42001-2023:a.6.2.8`` is graphsvc's ``iso42001:A.6.2.8``).
Rows whose source or target is none of these are reported (:class:`Unresolved`) and kept as
``gs:UnresolvedMapping`` records, never silently dropped.

**Direction.** CISO Assistant reads a row as "source *relationship* target" in the OLIR sense
(``subset``: the source requirement is contained in the target; ``superset``: the source
contains the target) and its engine projects ``equal`` and ``superset`` rows fully from source
to target. graphsvc reads ``A r B`` the same way (meeting A meets B fully for ``equal`` and
``superset``), so a row becomes ``source r target`` with only the spelling changed
(:data:`RELATIONS`). Chaining is then graphsvc's set algebra, not CISO Assistant's weakest link.

How the rows of a mapping set become mappings is :mod:`graphsvc.sources.ciso_assistant.mapping_rows`.
Nothing here reads or writes a file or a store; :mod:`graphsvc.sources.ciso_assistant.kept` and
:mod:`graphsvc.imports.ciso_assistant` do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import BASE, DCTERMS, FRAMEWORK, OWL, RDFS, SKOS, graph_iri
from graphsvc.sources.catalogs import Catalog, Requirement, framework_triples, requirement_triples
from graphsvc.sources.ciso_assistant.library import URN, Framework, Library, Row
from graphsvc.sources.mappingsets import MappingSet, set_triples
from graphsvc.store.base import TripleTuple
from graphsvc.terms import g, iri, lit

#: CISO Assistant's relationship names → graphsvc's set relations (same direction).
RELATIONS = {
    "equal": "equal",
    "subset": "subset",
    "superset": "superset",
    "intersect": "intersects",
    "not_related": "not-related",
}
CA_RELATIONSHIP = {v: k for k, v in RELATIONS.items()}
#: CISO Assistant framework ids (the last part of their URN) of catalogs graphsvc ships itself.
BRIDGES = {"iso42001-2023": "iso42001-2023", "nist-ai-rmf-1.0": "nistairmf-1.0"}
CA_PREFIX = "urn:intuitem:risk:"
GS_PREFIX = "urn:graphsvc:risk:"
_EDITION = re.compile(r"^(?P<base>[a-z][a-z0-9-]*?)-(?P<edition>v?\d{4}|v?\d+(?:\.\d+)+)$")


def urn_parts(urn: str) -> tuple[str, str | None, str]:
    """(type, scope, id) of a URN, split at its colons (the scope may hold dots, which
    CISO Assistant's own pattern would not read as a scope).

    >>> urn_parts("urn:intuitem:risk:req_node:nist-ai-rmf-1.0:govern-1.1")
    ('req_node', 'nist-ai-rmf-1.0', 'govern-1.1')
    >>> urn_parts("urn:intuitem:risk:framework:iso27001-2022")
    ('framework', None, 'iso27001-2022')
    """
    if not URN.match(urn):
        raise ValueError(urn)
    parts = urn.split(":")
    if len(parts) == 5:
        return parts[3], None, parts[4]
    return parts[3], parts[4], ":".join(parts[5:])


def slug(text: str) -> str:
    """A URN- and IRI-safe lower-case id: ``A&A-01`` → ``a-and-a-01``, ``GOVERN 1.1`` → ``govern-1.1``."""
    s = text.strip().lower().replace("&", "-and-")
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9._()-]+", "-", s)).strip("-") or "node"


def graphsvc_urn(kind: str, *parts: str) -> str:
    return GS_PREFIX + kind + ":" + ":".join(parts)


def bridge_id(notation: str) -> str:
    """How CISO Assistant's ISO/IEC 42001 and NIST AI RMF libraries write a ref_id in a node URN."""
    return notation.lower().replace(" ", "-")


def bridge_urn(ca_id: str, notation: str) -> str:
    """``bridge_urn("iso42001-2023", "A.6.2.8")`` → ``urn:intuitem:risk:req_node:iso42001-2023:a.6.2.8``."""
    return f"{CA_PREFIX}req_node:{ca_id}:{bridge_id(notation)}"


def split_key(key: str) -> tuple[str, str] | None:
    """(short name, edition) from a catalog key such as ``iso27001-2022``, or None."""
    m = _EDITION.match(key)
    return (m.group("base"), m.group("edition").lstrip("v")) if m else None


# ---------------------------------------------------------------------------------------------
# What is already known: catalogs with their requirements and URNs


@dataclass
class KnownFramework:
    iri: str
    key: str
    short_name: str
    urn: str | None  # the CISO Assistant URN an imported framework came with
    by_local: dict[str, str] = field(default_factory=dict)  # slug(local id) -> requirement IRI
    by_notation: dict[str, str] = field(default_factory=dict)  # bridge URN id -> requirement IRI
    by_urn: dict[str, str] = field(default_factory=dict)  # node URN -> requirement IRI


class Resolver:
    """Finds the graphsvc framework or requirement a CISO Assistant URN names."""

    def __init__(self, frameworks: Iterable[KnownFramework]) -> None:
        self.frameworks = {f.key: f for f in frameworks}
        self.by_urn: dict[str, tuple[str, str]] = {}
        self.framework_urns: dict[str, str] = {}
        for f in self.frameworks.values():
            self.add(f)

    def add(self, f: KnownFramework) -> None:
        self.frameworks[f.key] = f
        if f.urn:
            self.framework_urns[f.urn] = f.key
        for urn, req in f.by_urn.items():
            self.by_urn[urn] = (req, f.key)

    def framework(self, urn: str) -> KnownFramework | None:
        if urn in self.framework_urns:
            return self.frameworks[self.framework_urns[urn]]
        kind, _scope, ident = urn_parts(urn)
        if kind != "framework":
            return None
        if urn.startswith(GS_PREFIX):
            return self.frameworks.get(ident)
        if urn.startswith(CA_PREFIX) and ident in BRIDGES:
            return self.frameworks.get(BRIDGES[ident])
        return None

    def requirement(self, urn: str) -> tuple[str, str] | None:
        """(requirement IRI, catalog key), or None."""
        if urn in self.by_urn:
            return self.by_urn[urn]
        kind, scope, ident = urn_parts(urn)
        if kind != "req_node" or scope is None:
            return None
        if urn.startswith(GS_PREFIX) and scope in self.frameworks:
            req = self.frameworks[scope].by_local.get(ident)
            return (req, scope) if req else None
        if urn.startswith(CA_PREFIX) and scope in BRIDGES and BRIDGES[scope] in self.frameworks:
            key = BRIDGES[scope]
            req = self.frameworks[key].by_notation.get(ident)
            return (req, key) if req else None
        return None


def known_framework(
    iri_: str, short_name: str, namespace: str, reqs: Iterable[tuple[str, str, str | None]], urn: str | None = None
) -> KnownFramework:
    """A :class:`KnownFramework` from (requirement IRI, notation, URN or None) triples."""
    key = iri_[len(FRAMEWORK) :] if iri_.startswith(FRAMEWORK) else slug(iri_.rsplit("/", 1)[-1])
    kf = KnownFramework(iri=iri_, key=key, short_name=short_name, urn=urn)
    for req, notation, req_urn in reqs:
        local = req[len(namespace) :] if req.startswith(namespace) else req.rsplit("/", 1)[-1]
        kf.by_local.setdefault(slug(local), req)
        kf.by_notation.setdefault(bridge_id(notation), req)
        if req_urn:
            kf.by_urn[req_urn] = req
    return kf


def known_from_catalog(cat: Catalog) -> KnownFramework:
    urns = cat.urns if isinstance(cat, ImportedCatalog) else {}
    reqs = [(r.iri, r.notation, urns.get(r.iri)) for r in cat.requirements]
    urn = cat.framework_urn if isinstance(cat, ImportedCatalog) else None
    return known_framework(cat.iri, cat.short_name, cat.meta["namespace"], reqs, urn)


# ---------------------------------------------------------------------------------------------
# Frameworks


@dataclass
class ImportedCatalog(Catalog):
    """A catalog read from a CISO Assistant framework: its triples carry URNs and library metadata."""

    framework_urn: str = ""
    library: Library | None = None
    framework_ref: str = ""
    urns: dict[str, str] = field(default_factory=dict)  # requirement IRI -> node URN
    parents: dict[str, str] = field(default_factory=dict)  # requirement IRI -> parent IRI
    assessable: dict[str, bool] = field(default_factory=dict)
    specifications: dict[str, str] = field(default_factory=dict)  # the file's descriptions (not exported)
    description: str = ""

    def triples(self) -> list[TripleTuple]:
        lib = self.library
        assert lib is not None
        fw = iri(self.iri)
        out = framework_triples(fw, self.meta, iri(lib.urn))
        out += [
            (fw, iri(DCTERMS + "identifier"), lit(self.framework_urn)),
            (fw, iri(SKOS + "notation"), lit(self.framework_ref)),
            (fw, iri(RDFS + "comment"), lit(self.meta["comment"])),
        ]
        if self.description:
            out.append((fw, g("specification"), lit(self.description)))
        out += library_triples(lib)
        for r in self.requirements:
            # summary, url and roles are empty: an imported requirement carries its description as a specification
            out += requirement_triples(r, fw, r.order, self.parents.get(r.iri))
            s = iri(r.iri)
            out += [
                (s, iri(DCTERMS + "identifier"), lit(self.urns[r.iri])),
                (s, g("assessable"), lit(self.assessable[r.iri])),
            ]
            if r.iri in self.specifications:
                out.append((s, g("specification"), lit(self.specifications[r.iri])))
        return out


def library_triples(lib: Library) -> list[TripleTuple]:
    """The library a framework or mapping set came in, described under its URN."""
    s = iri(lib.urn)
    out: list[TripleTuple] = [
        (s, iri(DCTERMS + "title"), lit(lib.name)),
        (s, iri(SKOS + "notation"), lit(lib.ref_id)),
        (s, iri(OWL + "versionInfo"), lit(lib.version)),
        (s, iri(DCTERMS + "language"), lit(lib.locale)),
    ]
    for prop, value in (
        ("rights", lib.copyright),
        ("publisher", lib.provider),
        ("contributor", lib.packager),
    ):
        if value:
            out.append((s, iri(DCTERMS + prop), lit(value)))
    if lib.publication_date:
        out.append((s, iri(DCTERMS + "issued"), lit(_date(lib))))
    return out


def _date(lib: Library) -> dt.date:
    try:
        return dt.date.fromisoformat(lib.publication_date)
    except ValueError as exc:
        raise DataLoadError(
            f"{lib.path}: field 'publication_date' is {lib.publication_date!r}; expected YYYY-MM-DD"
        ) from exc


def framework_catalog(
    lib: Library, fw: Framework, *, short_name: str | None = None, edition: str | None = None
) -> ImportedCatalog:
    """The catalog of one framework of a library.

    :raises DataLoadError: no edition can be told from the URN (and none was given), a short
        name graphsvc cannot use, two nodes with the same id.
    """
    _kind, _scope, ident = urn_parts(fw.urn)
    key = slug(ident)
    if not key[0].isalnum():
        raise DataLoadError(f"{fw.where}: field 'urn': {fw.urn} must end in an id that starts with a letter or digit")
    guessed = split_key(key)
    short = short_name or (guessed[0] if guessed else None)
    ed = edition or (guessed[1] if guessed else None)
    if not short or not ed:
        raise DataLoadError(
            f"{fw.where}: field 'urn': cannot tell the framework's short name and edition from {fw.urn}; "
            "give them (--id, --edition)"
        )
    if not re.match(r"^[a-z][a-z0-9-]*$", short):
        raise DataLoadError(f"{fw.where}: short name {short!r}: use lower-case letters, digits and '-'")
    namespace = f"{BASE}req/{key}/"
    cat = ImportedCatalog(
        key=key,
        short_name=short,
        iri=FRAMEWORK + key,
        graph=graph_iri("framework/" + key),
        meta={
            "short_name": short,
            "title": fw.name or lib.name,
            "edition": ed,
            "publisher": lib.provider or lib.packager or "not stated in the library",
            "license": lib.copyright or "not stated in the library",
            "source": lib.urn,
            "namespace": namespace,
            "comment": f"Imported from the CISO Assistant library {lib.urn} (version {lib.version}).",
        },
        requirements=[],
        path=lib.path,
        framework_urn=fw.urn,
        library=lib,
        framework_ref=fw.ref_id,
        description=fw.description,
    )
    _add_nodes(cat, fw, namespace)
    return cat


def _add_nodes(cat: ImportedCatalog, fw: Framework, namespace: str) -> None:
    """Each requirement node of ``fw`` as a requirement of ``cat``, under ``namespace``, with its
    URN, parent, assessable flag and description.

    :raises DataLoadError: two nodes whose URNs give the same id.
    """
    by_urn: dict[str, str] = {}
    seen_local: dict[str, str] = {}
    for node in fw.nodes:
        _k, scope, node_id = urn_parts(node.urn)
        local = slug(node_id if scope else node.urn)
        if local in seen_local:
            raise DataLoadError(
                f"{node.where}: field 'urn': {node.urn} gives the same id {local!r} as {seen_local[local]}"
            )
        seen_local[local] = node.where
        req_iri = namespace + local
        by_urn[node.urn] = req_iri
        cat.urns[req_iri] = node.urn
        cat.assessable[req_iri] = node.assessable
        if node.parent_urn:
            cat.parents[req_iri] = by_urn[node.parent_urn]
        if node.description:
            cat.specifications[req_iri] = node.description
        cat.requirements.append(
            Requirement(
                iri=req_iri,
                notation=node.ref_id or node_id,
                title=node.name,
                kind="control" if node.assessable else "section",
                parent=None,
                summary="",
                order=node.order,
                source_ref=node.where,
            )
        )


# ---------------------------------------------------------------------------------------------
# What a mapping set becomes (its rows are converted by graphsvc.sources.ciso_assistant.mapping_rows)


@dataclass
class Unresolved:
    row: Row
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.row.where,
            "row": self.row.index,
            "source_requirement_urn": self.row.source_urn,
            "target_requirement_urn": self.row.target_urn,
            "relationship": self.row.relationship,
            "reason": self.reason,
        }


@dataclass
class ImportedSet:
    mapping_set: MappingSet
    unresolved: list[Unresolved]
    notes: list[str]
    source_framework: str  # short names
    target_framework: str
    extra: list[TripleTuple]
    licence: str = "not stated in the library"

    def triples(self) -> list[TripleTuple]:
        licence = iri(DCTERMS + "license")
        own = [t for t in set_triples(self.mapping_set) if t[1] != licence]
        return [*own, (iri(self.mapping_set.set_id), licence, licence_term(self.licence)), *self.extra]


def licence_term(text: str) -> Any:
    """A licence IRI for "Licence: https://…" (as graphsvc's export writes it), else the text itself."""
    m = re.fullmatch(r"Licence: (https?://\S+)", text)
    return iri(m.group(1)) if m else lit(text)
