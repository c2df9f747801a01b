"""Framework catalogs: ``mappings/catalogs/<edition>/`` → RDF, one named graph per edition.

A catalog directory holds ``framework.yaml`` (title, edition, publisher, licence, source,
namespace) and ``requirements.csv`` (``id,notation,title,kind,parent,summary`` plus, for the
EU AI Act, ``roles,categories,url``). See docs/model.md. Errors name the file, row and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, FRAMEWORK, FRAMEWORK_PREFIXES, RDFS, SKOS, graph_iri
from graphsvc.sources.catalog_rules import (
    Condition,
    TransitionalRule,
    condition_triples,
    load_conditions,
    load_transitional,
    roles_and_categories,
)
from graphsvc.sources.csvfiles import csv_rows
from graphsvc.sources.yamlfiles import load_yaml, strip_lines
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

KINDS = {
    "clause",
    "annex",
    "annex_objective",
    "annex_control",
    "function",
    "category",
    "subcategory",
    "domain",
    "control",
    "level",
    "chapter",
    "section",
    "article",
    "paragraph",
    "point",
    "annex_point",
    "subparagraph",
    # provisions of the EU AI Act that impose no duty of their own: never obligations, never
    # coverage targets (see NON_OBLIGATION_KINDS)
    "derogation",
    "permission",
    "scope_rule",
    "without_prejudice",
}
#: Kinds of catalog rows that say what a rule covers, allow something, or save other law,
#: rather than require anything; such a row may not carry roles or categories.
NON_OBLIGATION_KINDS = frozenset({"derogation", "permission", "scope_rule", "without_prejudice"})
ROLES = (
    "provider",
    "deployer",
    "importer",
    "distributor",
    "authorised-representative",
    "product-manufacturer",
    "gpai-provider",
)
CATEGORIES = (
    "all",
    "prohibited",
    "high-risk-annex-iii",
    "high-risk-annex-i",
    "transparency",
    "gpai",
    "gpai-systemic",
)
REQUIRED_META = ("short_name", "title", "edition", "publisher", "license", "source", "namespace")


@dataclass
class Requirement:
    iri: str
    notation: str
    title: str
    kind: str
    parent: str | None
    summary: str
    order: int
    roles: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    url: str = ""
    source_ref: str = ""  # file:row, for error messages


@dataclass
class Catalog:
    """One framework edition as read from its directory."""

    key: str  # the directory name, e.g. "iso42001-2023"
    short_name: str
    iri: str
    graph: str
    meta: dict[str, Any]
    requirements: list[Requirement]
    path: Path
    conditions: list[Condition] = field(default_factory=list)
    transitional: list[TransitionalRule] = field(default_factory=list)

    def by_notation(self) -> dict[str, Requirement]:
        return {r.notation: r for r in self.requirements}

    def triples(self) -> list[TripleTuple]:
        fw = iri(self.iri)
        m = self.meta
        out = framework_triples(fw, m, iri(m["source"]))
        if m.get("issued"):
            out.append((fw, iri(DCTERMS + "issued"), lit(_as_date(m["issued"]))))
        if m.get("comment"):
            out.append((fw, iri(RDFS + "comment"), lit(m["comment"])))
        by_notation = self.by_notation()
        for r in self.requirements:
            out += requirement_triples(r, fw, r.order, by_notation[r.parent].iri if r.parent else None)
        out += condition_triples(self.meta["namespace"], self.conditions, self.transitional)
        return out


def framework_triples(fw: NamedNode, meta: dict[str, Any], source: NamedNode) -> list[TripleTuple]:
    """What every catalog says of its framework: type, short name, title, edition, publisher,
    licence, ``source`` and the namespace of its requirements."""
    return [
        (fw, RDF_TYPE, g("Framework")),
        (fw, RDF_TYPE, iri(SKOS + "ConceptScheme")),
        (fw, g("shortName"), lit(meta["short_name"])),
        (fw, iri(DCTERMS + "title"), lit(meta["title"])),
        (fw, g("edition"), lit(str(meta["edition"]))),
        (fw, iri(DCTERMS + "publisher"), lit(meta["publisher"])),
        (fw, iri(DCTERMS + "license"), lit(meta["license"])),
        (fw, iri(DCTERMS + "source"), source),
        (fw, g("requirementNamespace"), lit(meta["namespace"])),
    ]


def requirement_triples(r: Requirement, fw: NamedNode, order: int, broader: str | None) -> list[TripleTuple]:
    """One requirement in the scheme ``fw``: its notation, kind, ``order``, title and summary
    where it has them, the requirement it is below (``broader``, an IRI; a top concept without
    one), its link, and for an obligation the roles it binds and the categories it concerns."""
    s = iri(r.iri)
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("Requirement")),
        (s, iri(SKOS + "inScheme"), fw),
        (s, iri(SKOS + "notation"), lit(r.notation)),
        (s, g("kind"), lit(r.kind)),
        (s, g("order"), lit(order)),
    ]
    if r.title:
        out.append((s, iri(SKOS + "prefLabel"), lit(r.title)))
    if r.summary:
        out.append((s, iri(DCTERMS + "description"), lit(r.summary)))
    if broader:
        out.append((s, iri(SKOS + "broader"), iri(broader)))
    else:
        out.append((s, iri(SKOS + "topConceptOf"), fw))
    if r.url:
        out.append((s, iri(RDFS + "seeAlso"), iri(r.url)))
    if r.roles:
        out.append((s, RDF_TYPE, g("Obligation")))
        out += [(s, g("bindsRole"), g("role-" + role)) for role in r.roles]
        out += [(s, g("concernsCategory"), g("cat-" + c)) for c in r.categories]
    return out


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DataLoadError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def load_catalog(path: Path) -> Catalog:
    """Read one catalog directory.

    :raises DataLoadError: a missing file or field, an unknown kind/role/category, a duplicate
        notation or an unknown parent, with the file, row and field.
    """
    meta = _load_meta(path / "framework.yaml")
    reqs = _load_requirements(path / "requirements.csv", meta["namespace"])
    key = path.name
    return Catalog(
        key=key,
        short_name=meta["short_name"],
        iri=FRAMEWORK + key,
        graph=graph_iri("framework/" + key),
        meta=meta,
        requirements=reqs,
        path=path,
        conditions=load_conditions(path / "conditions.csv", reqs, ROLES, CATEGORIES),
        transitional=load_transitional(path / "transitional", CATEGORIES),
    )


def _load_meta(meta_path: Path) -> dict[str, Any]:
    """``framework.yaml``, with every field of :data:`REQUIRED_META` and a namespace that agrees
    with the prefix graphsvc binds for the short name."""
    meta: dict[str, Any] = strip_lines(load_yaml(meta_path)) or {}
    for key in REQUIRED_META:
        if not meta.get(key):
            raise DataLoadError(f"{meta_path}: field {key!r} is missing")
    short = meta["short_name"]
    ns = meta["namespace"]
    if FRAMEWORK_PREFIXES.get(short) not in (None, ns):
        raise DataLoadError(
            f"{meta_path}: field 'namespace' is {ns}, but prefix {short!r} is bound to {FRAMEWORK_PREFIXES[short]}"
        )
    return meta


def _load_requirements(req_path: Path, ns: str) -> list[Requirement]:
    """The rows of ``requirements.csv``, in order, each under the namespace ``ns``."""
    reqs: list[Requirement] = []
    seen: dict[str, str] = {}  # notation -> file:line
    ids: dict[str, str] = {}  # local id -> file:line
    rows = csv_rows(req_path, ("notation", "title", "kind", "parent", "summary"))
    for order, (where, row) in enumerate(rows, start=1):
        reqs.append(_requirement(row, where, order, ns, seen, ids))
    return reqs


def _requirement(
    row: dict[str, str], where: str, order: int, ns: str, seen: dict[str, str], ids: dict[str, str]
) -> Requirement:
    """One row of ``requirements.csv``, checked against the rows above it (``seen``, ``ids``),
    which it joins."""
    notation = (row.get("notation") or "").strip()
    if not notation:
        raise DataLoadError(f"{where}: field 'notation' is empty")
    if notation in seen:
        raise DataLoadError(f"{where}: notation {notation!r} repeats {seen[notation]}")
    kind = (row.get("kind") or "").strip()
    if kind not in KINDS:
        raise DataLoadError(f"{where}: field 'kind' is {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    parent = (row.get("parent") or "").strip() or None
    if parent and parent not in seen:
        raise DataLoadError(f"{where}: field 'parent' {parent!r} is not a notation listed above it")
    local = (row.get("id") or "").strip() or notation.replace(" ", "-")
    if local in ids:
        raise DataLoadError(f"{where}: field 'id' {local!r} repeats {ids[local]}")
    roles, cats = roles_and_categories(row.get("roles"), row.get("categories"), where, ROLES, CATEGORIES)
    if roles and kind in NON_OBLIGATION_KINDS:
        raise DataLoadError(
            f"{where}: field 'roles': a {kind} row imposes no duty, so it binds no role; leave roles and categories empty"
        )
    if bool(roles) != bool(cats):
        raise DataLoadError(f"{where}: an obligation needs both 'roles' and 'categories'")
    seen[notation] = where
    ids[local] = where
    return Requirement(
        iri=ns + local,
        notation=notation,
        title=(row.get("title") or "").strip(),
        kind=kind,
        parent=parent,
        summary=(row.get("summary") or "").strip(),
        order=order,
        roles=roles,
        categories=cats,
        url=(row.get("url") or "").strip(),
        source_ref=where,
    )


def load_catalogs(root: Path) -> list[Catalog]:
    """Every catalog under ``mappings/catalogs``, sorted by directory name."""
    base = root / "catalogs"
    return [load_catalog(p) for p in sorted(base.iterdir()) if (p / "framework.yaml").exists()]


def framework_node(catalog: Catalog) -> NamedNode:
    return iri(catalog.iri)
