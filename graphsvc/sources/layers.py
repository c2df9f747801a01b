"""Law layers of the EU AI Act: which text is read, its legal status, and when each obligation applies.

A layer is a YAML file in ``mappings/catalogs/euaia-2024-1689/layers/``. It says which act it
rests on and that act's legal status (``in-force`` since a date, or ``proposal``), records what
was verified about the act and where, and carries:

* ``rules``: ordered date rules (first match wins), each optionally with a ``transitional``
  clause for systems placed on the market before a cut-off (Art. 111);
* ``add``: requirements that exist in this layer only (e.g. a new Art. 5 prohibition);
* ``repeal`` / ``replace``: requirements the layer deletes, or whose wording it changes.

A layer with a ``base`` inherits everything of its base that it does not match or change.
The build materialises one ``gs:ApplicationDate`` per (obligation, category, layer), only for
the obligations that exist in that layer, so applicability under one layer never sees an
obligation of another; added requirements go into the catalog graph marked ``gs:inLayer``.

The default layer is the law in force on the date asked about (:func:`resolve_layer`): the
in-force layer with the latest ``in_force_from`` on or before that date. A proposal is never
a default; it is read only when asked for by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError, UnknownTerm
from graphsvc.namespaces import DCTERMS, GS, GSD, RDFS, SKOS, graph_iri
from graphsvc.sources.catalogs import CATEGORIES, KINDS, ROLES, Catalog, Requirement
from graphsvc.sources.yamlfiles import LINE, load_yaml
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

_ARTICLE = re.compile(r"^Article (\d+)$")
_NUMBERED = re.compile(r"^(\d+)\(")
_CHAPTER = re.compile(r"^Chapter ([IVXLC]+)$")

#: The legal statuses a layer can have.
STATUSES = ("in-force", "proposal")
#: How a verification entry stands.
CHECKS = ("verified", "reported", "not-verified")
#: What a transitional clause does when the system's placing-on-market date is not known.
WHEN_UNKNOWN = ("conditional", "note")
#: The value of ``law_version`` that means "the law in force on the date asked about".
IN_FORCE = "in-force"

_TOP = {
    "id",
    "title",
    "status",
    "in_force_from",
    "base",
    "source",
    "issued",
    "act",
    "verification",
    "note",
    "rules",
    "add",
    "repeal",
    "replace",
    "annex_i",
}
_ANNEX_I = {"legislation", "section", "note"}
_RULE = {"from", "articles", "notations", "chapters", "categories", "note", "transitional"}
_TRANS = {"placed_before", "from", "condition", "when_unknown", "note"}
_ADD = {"id", "notation", "title", "kind", "parent", "after", "summary", "roles", "categories", "url", "note"}
_REPEAL = {"notation", "note"}
_REPLACE = {"notation", "title", "summary", "note"}
_ACT = {"title", "celex", "oj", "eli", "url", "signed", "published", "proposal", "procedure"}
_CHECK = {"fact", "status", "sources", "note"}


@dataclass
class Transitional:
    """Art. 111-style rule: systems placed on the market before ``placed_before`` are treated
    differently: from ``from_`` (a later date), or only on ``condition`` (in words)."""

    placed_before: dt.date
    from_: dt.date | None
    condition: str
    when_unknown: str = "conditional"
    note: str = ""


@dataclass
class Rule:
    date: dt.date
    articles: set[int] | None = None
    notations: set[str] | None = None
    chapters: set[str] | None = None
    categories: set[str] | None = None
    note: str = ""
    where: str = ""
    transitional: Transitional | None = None

    def matches(self, article: int | None, lineage: list[str], chapter: str | None, category: str) -> bool:
        if self.articles is not None and article not in self.articles:
            return False
        if self.notations is not None and not self.notations.intersection(lineage):
            return False
        if self.chapters is not None and chapter not in self.chapters:
            return False
        return self.categories is None or category in self.categories


@dataclass
class Change:
    """A requirement a layer repeals, or whose title/summary it replaces."""

    notation: str
    action: str  # repeal | replace
    title: str = ""
    summary: str = ""
    note: str = ""
    where: str = ""


@dataclass
class Check:
    """One fact about the act and how far it was verified, with the sources read."""

    fact: str
    status: str
    sources: list[str]
    note: str = ""


@dataclass
class Layer:
    id: str
    title: str
    source: str
    issued: dt.date | None
    base: str | None
    status: str = "in-force"
    in_force_from: dt.date | None = None
    note: str = ""
    act: dict[str, str] = field(default_factory=dict)
    verification: list[Check] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    additions: list[Requirement] = field(default_factory=list)
    after: dict[str, str] = field(default_factory=dict)  # added notation -> sibling it follows
    add_notes: dict[str, str] = field(default_factory=dict)  # added notation -> note on its source
    changes: list[Change] = field(default_factory=list)
    annex_i: list[dict[str, str]] = field(default_factory=list)  # legislation -> Annex I section
    path: Path | None = None

    @property
    def iri(self) -> str:
        return GSD + "layer/" + self.id

    @property
    def graph(self) -> str:
        return graph_iri("layer/" + self.id)

    def repealed(self) -> set[str]:
        return {c.notation for c in self.changes if c.action == "repeal"}


# -- reading -------------------------------------------------------------------------------
def _at(path: Path, raw: Any) -> str:
    line = raw.get(LINE) if isinstance(raw, dict) else None
    return f"{path}:{line}" if line else str(path)


def _articles(values: list[Any], where: str) -> set[int]:
    out: set[int] = set()
    for v in values:
        text = str(v).strip()
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", text)
        if m:
            out.update(range(int(m.group(1)), int(m.group(2)) + 1))
        elif text.isdigit():
            out.add(int(text))
        else:
            raise DataLoadError(f"{where}: field 'articles' has {text!r}; expected a number or a range like 28-39")
    return out


def _date(value: object, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataLoadError(f"{where} is {value!r}, not a date (YYYY-MM-DD)") from None


def _unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = set(raw) - allowed - {LINE}
    if extra:
        raise DataLoadError(f"{where}: unknown field(s) {', '.join(sorted(extra))}")


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise DataLoadError(f"{where}: field {key!r} must be a list")
    return value


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def _transitional(raw: Any, where: str) -> Transitional:
    if not isinstance(raw, dict):
        raise DataLoadError(f"{where}: field 'transitional' must be a mapping")
    _unknown(raw, _TRANS, where)
    for key in ("placed_before", "condition"):
        if not raw.get(key):
            raise DataLoadError(f"{where}: field 'transitional.{key}' is missing")
    when = str(raw.get("when_unknown", "conditional"))
    if when not in WHEN_UNKNOWN:
        raise DataLoadError(
            f"{where}: field 'transitional.when_unknown' is {when!r}; expected {', '.join(WHEN_UNKNOWN)}"
        )
    return Transitional(
        placed_before=_date(raw["placed_before"], f"{where}: field 'transitional.placed_before'"),
        from_=_date(raw["from"], f"{where}: field 'transitional.from'") if raw.get("from") else None,
        condition=_text(raw["condition"]),
        when_unknown=when,
        note=_text(raw.get("note")),
    )


def _rule(raw: Any, i: int, path: Path) -> Rule:
    where = f"{_at(path, raw)}: rule {i}"
    if not isinstance(raw, dict) or "from" not in raw:
        raise DataLoadError(f"{where}: field 'from' (the date) is missing")
    _unknown(raw, _RULE, where)
    date = _date(raw["from"], f"{where}: field 'from'")
    cats = set(raw["categories"]) if "categories" in raw else None
    if cats and not cats <= set(CATEGORIES):
        raise DataLoadError(f"{where}: field 'categories' has {sorted(cats - set(CATEGORIES))}")
    trans = _transitional(raw["transitional"], where) if "transitional" in raw else None
    return Rule(
        date=date,
        articles=_articles(raw["articles"], where) if "articles" in raw else None,
        notations={str(n) for n in raw["notations"]} if "notations" in raw else None,
        chapters={str(c) for c in raw["chapters"]} if "chapters" in raw else None,
        categories=cats,
        note=_text(raw.get("note")),
        where=where,
        transitional=trans,
    )


def _addition(raw: Any, i: int, path: Path, namespace: str) -> tuple[Requirement, str]:
    where = f"{_at(path, raw)}: add {i}"
    if not isinstance(raw, dict):
        raise DataLoadError(f"{where}: expected a mapping with id, notation, title, kind, parent, summary")
    _unknown(raw, _ADD, where)
    for key in ("id", "notation", "title", "kind", "summary"):
        if not raw.get(key):
            raise DataLoadError(f"{where}: field {key!r} is missing")
    kind = str(raw["kind"])
    if kind not in KINDS:
        raise DataLoadError(f"{where}: field 'kind' is {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    roles, cats = _split(raw.get("roles")), _split(raw.get("categories"))
    for role in roles:
        if role not in ROLES:
            raise DataLoadError(f"{where}: field 'roles' has {role!r}; expected {', '.join(ROLES)}")
    for cat in cats:
        if cat not in CATEGORIES:
            raise DataLoadError(f"{where}: field 'categories' has {cat!r}; expected {', '.join(CATEGORIES)}")
    if bool(roles) != bool(cats):
        raise DataLoadError(f"{where}: an obligation needs both 'roles' and 'categories'")
    req = Requirement(
        iri=namespace + str(raw["id"]),
        notation=str(raw["notation"]),
        title=_text(raw["title"]),
        kind=kind,
        parent=str(raw["parent"]) if raw.get("parent") else None,
        summary=_text(raw["summary"]),
        order=0,
        roles=roles,
        categories=cats,
        url=str(raw.get("url") or ""),
        source_ref=where,
    )
    return req, str(raw.get("after") or "")


def _change(raw: Any, i: int, path: Path, action: str) -> Change:
    where = f"{_at(path, raw)}: {action} {i}"
    if not isinstance(raw, dict) or not raw.get("notation"):
        raise DataLoadError(f"{where}: field 'notation' is missing")
    _unknown(raw, _REPEAL if action == "repeal" else _REPLACE, where)
    if action == "replace" and not (raw.get("title") or raw.get("summary")):
        raise DataLoadError(f"{where}: a replacement needs a new 'title' or 'summary'")
    return Change(
        notation=str(raw["notation"]),
        action=action,
        title=_text(raw.get("title")),
        summary=_text(raw.get("summary")),
        note=_text(raw.get("note")),
        where=where,
    )


def _check(raw: Any, i: int, path: Path) -> Check:
    where = f"{_at(path, raw)}: verification {i}"
    if not isinstance(raw, dict) or not raw.get("fact"):
        raise DataLoadError(f"{where}: field 'fact' is missing")
    _unknown(raw, _CHECK, where)
    status = str(raw.get("status", ""))
    if status not in CHECKS:
        raise DataLoadError(f"{where}: field 'status' is {status!r}; expected one of {', '.join(CHECKS)}")
    raw_sources = raw.get("sources")
    if isinstance(raw_sources, list) and not all(isinstance(x, str) for x in raw_sources):
        raise DataLoadError(f"{where}: field 'sources' must be a list of texts (quote a source that holds ': ')")
    sources = _split(raw_sources)
    if not sources:
        raise DataLoadError(f"{where}: field 'sources' is empty; say where the fact was checked")
    return Check(fact=_text(raw["fact"]), status=status, sources=sources, note=_text(raw.get("note")))


def load_layer(path: Path, namespace: str = "") -> Layer:
    """Read one layer file.

    :raises DataLoadError: a missing or unknown field, a bad date, status, kind, role or
        category, naming the file, the line and the field.
    """
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataLoadError(f"{path}: expected a mapping at the top level")
    top = _at(path, data)
    _unknown(data, _TOP, top)
    for key in ("id", "title", "source", "rules"):
        if not data.get(key):
            raise DataLoadError(f"{top}: field {key!r} is missing")
    status = str(data.get("status", "in-force"))
    if status not in STATUSES:
        raise DataLoadError(f"{top}: field 'status' is {status!r}; expected one of {', '.join(STATUSES)}")
    if status == "in-force" and not data.get("in_force_from"):
        raise DataLoadError(f"{top}: field 'in_force_from' is missing; a layer of law in force says since when")
    if status == "proposal" and data.get("in_force_from"):
        raise DataLoadError(f"{top}: field 'in_force_from' is set, but a proposal is not in force")
    act = data.get("act") or {}
    if not isinstance(act, dict):
        raise DataLoadError(f"{top}: field 'act' must be a mapping")
    _unknown(act, _ACT, f"{_at(path, act)}: act")
    layer = Layer(
        id=str(data["id"]),
        title=_text(data["title"]),
        source=str(data["source"]),
        issued=_date(data["issued"], f"{top}: field 'issued'") if data.get("issued") else None,
        base=data.get("base"),
        status=status,
        in_force_from=_date(data["in_force_from"], f"{top}: field 'in_force_from'")
        if data.get("in_force_from")
        else None,
        note=_text(data.get("note")),
        act={k: _text(v) for k, v in act.items() if k != LINE},
        path=path,
    )
    layer.verification = [_check(r, i, path) for i, r in enumerate(_list(data, "verification", top), start=1)]
    if not isinstance(data["rules"], list):
        raise DataLoadError(f"{top}: field 'rules' must be a list")
    layer.rules = [_rule(r, i, path) for i, r in enumerate(data["rules"], start=1)]
    for i, raw in enumerate(_list(data, "add", top), start=1):
        req, after = _addition(raw, i, path, namespace)
        layer.additions.append(req)
        if isinstance(raw, dict) and raw.get("note"):
            layer.add_notes[req.notation] = _text(raw["note"])
        if after:
            layer.after[req.notation] = after
    layer.changes = [_change(r, i, path, "repeal") for i, r in enumerate(_list(data, "repeal", top), start=1)]
    layer.changes += [_change(r, i, path, "replace") for i, r in enumerate(_list(data, "replace", top), start=1)]
    for i, raw in enumerate(_list(data, "annex_i", top), start=1):
        where = f"{_at(path, raw)}: annex_i {i}"
        if not isinstance(raw, dict) or not raw.get("legislation"):
            raise DataLoadError(f"{where}: field 'legislation' is missing")
        _unknown(raw, _ANNEX_I, where)
        if str(raw.get("section")) not in {"A", "B"}:
            raise DataLoadError(f"{where}: field 'section' is {raw.get('section')!r}; expected A or B")
        layer.annex_i.append(
            {"legislation": _text(raw["legislation"]), "section": str(raw["section"]), "note": _text(raw.get("note"))}
        )
    return layer


def load_layers(catalog_dir: Path, catalog: Catalog | None = None) -> dict[str, Layer]:
    """Every layer file of a catalog, checked against each other and, when given, the catalog.

    :raises DataLoadError: a repeated id, an unknown base, a loop, or an addition, repeal or
        replacement naming a requirement that does not exist (or already exists).
    """
    layers: dict[str, Layer] = {}
    ldir = catalog_dir / "layers"
    if not ldir.is_dir():
        return layers
    ns = catalog.meta["namespace"] if catalog else ""
    for p in sorted(ldir.glob("*.yaml")):
        layer = load_layer(p, ns)
        if layer.id in layers:
            raise DataLoadError(f"{p}: layer id {layer.id!r} is already used by {layers[layer.id].path}")
        layers[layer.id] = layer
    for layer in layers.values():
        if layer.base and layer.base not in layers:
            raise DataLoadError(f"{layer.path}: field 'base' names unknown layer {layer.base!r}")
    for layer in layers.values():
        _chain(layer, layers)
    if catalog is not None:
        _check_against(catalog, layers)
    return layers


def _check_against(catalog: Catalog, layers: dict[str, Layer]) -> None:
    base = catalog.by_notation()
    ids = {r.iri for r in catalog.requirements}
    for layer in layers.values():
        known = dict(base)
        for lay in reversed(_chain(layer, layers)[1:]):
            known.update({r.notation: r for r in lay.additions})
        for r in layer.additions:
            if r.notation in known:
                raise DataLoadError(
                    f"{r.source_ref}: notation {r.notation!r} already exists ({known[r.notation].source_ref})"
                )
            if r.iri in ids:
                raise DataLoadError(f"{r.source_ref}: field 'id' {r.iri.rsplit('/', 1)[-1]!r} is already used")
            if r.parent and r.parent not in known:
                raise DataLoadError(f"{r.source_ref}: field 'parent' {r.parent!r} is not a requirement of the catalog")
            after = layer.after.get(r.notation)
            if after and after not in known:
                raise DataLoadError(f"{r.source_ref}: field 'after' {after!r} is not a requirement of the catalog")
            known[r.notation] = r
        for c in layer.changes:
            if c.notation not in known:
                raise DataLoadError(f"{c.where}: field 'notation' {c.notation!r} is not a requirement of the catalog")


def _chain(layer: Layer, layers: dict[str, Layer]) -> list[Layer]:
    chain, seen = [], set()
    cur: Layer | None = layer
    while cur is not None:
        if cur.id in seen:
            raise DataLoadError(f"{layer.path}: the 'base' chain loops through {cur.id!r}")
        seen.add(cur.id)
        chain.append(cur)
        cur = layers.get(cur.base) if cur.base else None
    return chain


# -- what exists in a layer, and its dates ---------------------------------------------------------
def _ordered(catalog: Catalog, layers: dict[str, Layer]) -> dict[str, int]:
    """A document order for every requirement: an addition shares the position of the sibling it
    follows (``after``), or of its parent (gs:order is an integer, and the catalog's own rows
    keep theirs)."""
    order: dict[str, int] = {r.notation: r.order for r in catalog.requirements}
    for layer in layers.values():
        for r in layer.additions:
            anchor = layer.after.get(r.notation) or r.parent or ""
            order[r.notation] = order.get(anchor, len(order) + 1)
    return order


def requirements_in(catalog: Catalog, layers: dict[str, Layer], layer_id: str) -> list[Requirement]:
    """The requirements that exist in one layer: the catalog's, plus the additions of the layer
    and its bases, minus what they repeal."""
    chain = _chain(layers[layer_id], layers)
    repealed = set().union(*(lay.repealed() for lay in chain))
    added = [r for lay in reversed(chain) for r in lay.additions]
    return [r for r in [*catalog.requirements, *added] if r.notation not in repealed]


@dataclass(frozen=True)
class DateAssignment:
    obligation: str
    category: str
    layer: str
    date: dt.date
    reason: str
    transitional: Transitional | None = None


def assign_dates(catalog: Catalog, layers: dict[str, Layer]) -> list[DateAssignment]:
    """The application date of every (obligation, category) pair in every layer where it exists.

    :raises DataLoadError: an obligation that no rule of a layer's chain matches.
    """
    by_notation = catalog.by_notation()
    for layer in layers.values():
        by_notation.update({r.notation: r for r in layer.additions})

    def lineage(r: Requirement) -> list[Requirement]:
        out = [r]
        while out[-1].parent:
            out.append(by_notation[out[-1].parent])
        return out

    out: list[DateAssignment] = []
    for layer in layers.values():
        chain = _chain(layer, layers)
        for r in requirements_in(catalog, layers, layer.id):
            if not r.roles:
                continue
            line = lineage(r)
            notations = [x.notation for x in line]
            article = next((int(m.group(1)) for x in line if (m := _ARTICLE.match(x.notation))), None)
            if article is None:
                article = next((int(m.group(1)) for x in line if (m := _NUMBERED.match(x.notation))), None)
            chapter = next((m.group(1) for x in line if (m := _CHAPTER.match(x.notation))), None)
            for cat in r.categories:
                hit = next(
                    (
                        (lay, rule)
                        for lay in chain
                        for rule in lay.rules
                        if rule.matches(article, notations, chapter, cat)
                    ),
                    None,
                )
                if hit is None:
                    raise DataLoadError(
                        f"{layer.path}: no rule gives a date to {r.notation} ({cat}); add a default rule"
                    )
                lay, rule = hit
                note = f": {rule.note}" if rule.note else ""
                reason = (
                    f"{lay.title}{note}" if lay is layer else f"{lay.title} (date unchanged in {layer.title}){note}"
                )
                reworded = [
                    (x, c) for x in chain for c in x.changes if c.action == "replace" and c.notation == r.notation
                ]
                if reworded:
                    x, c = reworded[0]
                    reason += f"; wording as in {x.title}" + (f": {c.note}" if c.note else "")
                out.append(DateAssignment(r.iri, cat, layer.id, rule.date, reason, rule.transitional))
    return out


# -- RDF ------------------------------------------------------------------------------------------
def addition_triples(catalog: Catalog, layers: dict[str, Layer]) -> list[TripleTuple]:
    """The requirements that exist in one layer only, for the catalog graph, each marked
    ``gs:inLayer`` with its layer."""
    fw = iri(catalog.iri)
    order = _ordered(catalog, layers)
    by_notation = catalog.by_notation()
    for layer in layers.values():
        by_notation.update({r.notation: r for r in layer.additions})
    out: list[TripleTuple] = []
    for layer in layers.values():
        for r in layer.additions:
            s = iri(r.iri)
            out += [
                (s, RDF_TYPE, g("Requirement")),
                (s, iri(SKOS + "inScheme"), fw),
                (s, iri(SKOS + "notation"), lit(r.notation)),
                (s, g("kind"), lit(r.kind)),
                (s, g("order"), lit(order[r.notation])),
                (s, iri(SKOS + "prefLabel"), lit(r.title)),
                (s, iri(DCTERMS + "description"), lit(r.summary)),
                (s, g("inLayer"), iri(layer.iri)),
            ]
            if layer.add_notes.get(r.notation):
                out.append((s, iri(RDFS + "comment"), lit(layer.add_notes[r.notation])))
            if r.parent:
                out.append((s, iri(SKOS + "broader"), iri(by_notation[r.parent].iri)))
            else:
                out.append((s, iri(SKOS + "topConceptOf"), fw))
            if r.url:
                out.append((s, iri(RDFS + "seeAlso"), iri(r.url)))
            if r.roles:
                out.append((s, RDF_TYPE, g("Obligation")))
                out += [(s, g("bindsRole"), g("role-" + role)) for role in r.roles]
                out += [(s, g("concernsCategory"), g("cat-" + c)) for c in r.categories]
    return out


def _iri_or_text(value: str) -> Any:
    return iri(value) if re.fullmatch(r"https?://\S+", value) else lit(value)


def _node(kind: str, *parts: str) -> str:
    return GSD + kind + "/" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def layer_triples(
    layers: dict[str, Layer], dates: list[DateAssignment], catalog: Catalog | None = None
) -> dict[str, list[TripleTuple]]:
    """One named graph per layer: the layer, its act and legal status, what was verified, what it
    repeals or rewords, and the materialised application dates."""
    by_notation = catalog.by_notation() if catalog else {}
    for layer in layers.values():
        by_notation.update({r.notation: r for r in layer.additions})
    graphs: dict[str, list[TripleTuple]] = {}
    for layer in layers.values():
        L = iri(layer.iri)
        triples: list[TripleTuple] = [
            (L, RDF_TYPE, g("DateLayer")),
            (L, g("layerId"), lit(layer.id)),
            (L, iri(RDFS + "label"), lit(layer.title)),
            (L, iri(DCTERMS + "source"), _iri_or_text(layer.source)),
            (L, g("legalStatus"), g("status-" + layer.status)),
        ]
        if layer.in_force_from:
            triples.append((L, g("inForceFrom"), lit(layer.in_force_from)))
        if layer.note:
            triples.append((L, iri(RDFS + "comment"), lit(layer.note)))
        if layer.base:
            triples.append((L, g("baseLayer"), iri(layers[layer.base].iri)))
        if layer.issued:
            triples.append((L, iri(DCTERMS + "issued"), lit(layer.issued)))
        if layer.act:
            A = iri(_node("act", layer.id))
            triples += [(L, g("restsOnAct"), A), (A, RDF_TYPE, g("LegalAct"))]
            for key, pred in (
                ("title", DCTERMS + "title"),
                ("celex", DCTERMS + "identifier"),
                ("oj", GS + "ojReference"),
                ("proposal", GS + "proposalReference"),
            ):
                if layer.act.get(key):
                    triples.append((A, iri(pred), lit(layer.act[key])))
            for key in ("eli", "url"):
                if layer.act.get(key):
                    triples.append(
                        (A, g("eli") if key == "eli" else iri(RDFS + "seeAlso"), _iri_or_text(layer.act[key]))
                    )
        for k, c in enumerate(layer.verification):
            V = iri(_node("verification", layer.id, str(k)))
            triples += [
                (L, g("verification"), V),
                (V, RDF_TYPE, g("Verification")),
                (V, g("fact"), lit(c.fact)),
                (V, g("verificationStatus"), lit(c.status)),
            ]
            triples += [(V, iri(DCTERMS + "source"), _iri_or_text(s)) for s in c.sources]
            if c.note:
                triples.append((V, iri(RDFS + "comment"), lit(c.note)))
        for k, a in enumerate(layer.annex_i):
            N = iri(_node("annex-i", layer.id, str(k)))
            triples += [
                (L, g("annexIAssignment"), N),
                (N, RDF_TYPE, g("AnnexIAssignment")),
                (N, g("legislation"), lit(a["legislation"])),
                (N, g("assignedSection"), lit(a["section"])),
            ]
            if a["note"]:
                triples.append((N, iri(RDFS + "comment"), lit(a["note"])))
        for c in layer.changes:
            req = by_notation.get(c.notation)
            if req is None:
                continue
            if c.action == "repeal":
                triples.append((iri(req.iri), g("repealedIn"), L))
                if c.note:
                    N = iri(_node("repeal", layer.id, c.notation))
                    triples += [
                        (N, RDF_TYPE, g("Repeal")),
                        (N, g("inLayer"), L),
                        (N, g("repeals"), iri(req.iri)),
                        (N, iri(RDFS + "comment"), lit(c.note)),
                    ]
            else:
                V = iri(_node("version", layer.id, c.notation))
                triples += [
                    (V, RDF_TYPE, g("RequirementVersion")),
                    (V, g("versionOf"), iri(req.iri)),
                    (V, g("inLayer"), L),
                ]
                if c.title:
                    triples.append((V, iri(SKOS + "prefLabel"), lit(c.title)))
                if c.summary:
                    triples.append((V, iri(DCTERMS + "description"), lit(c.summary)))
                if c.note:
                    triples.append((V, iri(RDFS + "comment"), lit(c.note)))
        graphs[layer.graph] = triples
    for d in dates:
        key = hashlib.sha1(f"{d.layer}|{d.obligation}|{d.category}".encode()).hexdigest()[:16]
        node = iri(GSD + "appdate/" + key)
        graphs[layers[d.layer].graph] += [
            (node, RDF_TYPE, g("ApplicationDate")),
            (node, g("obligation"), iri(d.obligation)),
            (node, g("category"), g("cat-" + d.category)),
            (node, g("layer"), iri(layers[d.layer].iri)),
            (node, g("appliesFrom"), lit(d.date)),
            (node, g("rule"), lit(d.reason)),
        ]
        t = d.transitional
        if t is not None:
            graphs[layers[d.layer].graph] += [
                (node, g("legacyPlacedBefore"), lit(t.placed_before)),
                (node, g("legacyCondition"), lit(t.condition)),
                (node, g("legacyWhenUnknown"), lit(t.when_unknown)),
            ]
            if t.from_:
                graphs[layers[d.layer].graph].append((node, g("legacyAppliesFrom"), lit(t.from_)))
    return graphs


def catalog_graphs(catalog: Catalog) -> tuple[list[TripleTuple], dict[str, list[TripleTuple]]]:
    """For one catalog with layers: the extra catalog triples (layer-only requirements) and one
    graph per layer. Both empty when the catalog has no ``layers/`` directory."""
    layers = load_layers(catalog.path, catalog)
    if not layers:
        return [], {}
    return addition_triples(catalog, layers), layer_triples(layers, assign_dates(catalog, layers), catalog)


# -- at query time --------------------------------------------------------------------------------
def _layer_rows(svc: Any) -> dict[str, dict[str, Any]]:
    memo = svc.cache("layers")
    if "rows" not in memo:
        memo["rows"] = {r["id"]: r for r in svc.select("date_layers")}
    rows: dict[str, dict[str, Any]] = memo["rows"]
    return rows


def describe_layer(svc: Any, layer_id: str) -> dict[str, Any]:
    """The layer an answer used, with its legal status in words (``statement``).

    :raises UnknownTerm: no layer of that id in the graph.
    """
    rows = _layer_rows(svc)
    if layer_id not in rows:
        raise UnknownTerm(f"law layer {layer_id!r} is not in the graph; known: {', '.join(sorted(rows))}, {IN_FORCE}")
    r = rows[layer_id]
    status = str(r.get("status", "")).rsplit("status-", 1)[-1]
    since = r.get("inForceFrom")
    if status == "in-force":
        statement = f"law in force since {since.isoformat()}" if since else "law in force"
    else:
        statement = "proposal, not law: nothing in it binds anyone"
    return {
        "id": layer_id,
        "title": r.get("title", ""),
        "status": status,
        "in_force_from": since.isoformat() if since else None,
        "statement": statement,
        "act": r.get("act", ""),
        "source": r.get("source", ""),
    }


def resolve_layer(svc: Any, requested: str | None, as_of: dt.date) -> str:
    """The layer id to read: the one named, or (for ``None``, empty or ``in-force``) the in-force
    layer with the latest entry into force on or before ``as_of``.

    :raises UnknownTerm: an unknown layer, or no law in force on that date.
    """
    rows = _layer_rows(svc)
    if requested and requested != IN_FORCE:
        describe_layer(svc, requested)
        return requested
    best: tuple[dt.date, str] | None = None
    for lid, r in rows.items():
        since = r.get("inForceFrom")
        in_force = str(r.get("status", "")).endswith("in-force") and since is not None and since <= as_of
        if in_force and (best is None or since > best[0]):
            best = (since, lid)
    if best is None:
        raise UnknownTerm(f"no law layer is in force on {as_of.isoformat()}")
    return best[1]


def layer_header(info: dict[str, Any]) -> str:
    """One line naming the layer and its legal status, for CLI headers and page subtitles."""
    return f"EU AI Act law layer {info['id']!r}: {info['title']} ({info['statement']})"


def hidden_requirements(svc: Any, layer_id: str) -> set[str]:
    """Requirements that do not exist in ``layer_id``: added by another layer outside its chain,
    or repealed by it or one of its bases."""
    memo = svc.cache("layer_hidden")
    if layer_id in memo:
        hidden: set[str] = memo[layer_id]
        return hidden
    rows = _layer_rows(svc)
    chain, cur = set(), layer_id
    while cur and cur not in chain:
        chain.add(cur)
        cur = rows.get(cur, {}).get("base") or ""
    hidden = set()
    for r in svc.select("layer_scope"):
        if r.get("inLayer") and r["inLayer"] not in chain:
            hidden.add(r["req"])
        if r.get("repealedIn") and r["repealedIn"] in chain:
            hidden.add(r["req"])
    memo[layer_id] = hidden
    return hidden


def placed_on_market_of(svc: Any, system: str) -> dt.date | None:
    """The day ``system`` was placed on the market, when its organisation's data gives it
    (``gs:placedOnMarket``, the ``placed_on_market`` attribute of issue 11); None otherwise."""
    for r in svc.select("system_placed_on_market", system=system):
        value = r.get("placedOnMarket")
        if isinstance(value, dt.date):
            return value
        if value:
            return dt.date.fromisoformat(str(value)[:10])
    return None


def transitional(row: dict[str, Any], q: dict[str, Any], as_of: dt.date, placed_on_market: dt.date | None) -> None:
    """Apply a layer's transitional clause (from the ``applicable`` query row ``q``) to an
    applicability ``row``, in place.

    A system placed on the market before the cut-off gets the later date (or, where the clause
    has none, is ``conditional`` on what it says); one placed on or after it keeps the rule's
    date. Where the date is not known: a ``conditional`` clause makes the row conditional while
    the answer could differ on ``as_of``; a ``note`` clause adds its words to the reason.
    """
    before = q.get("legacyBefore")
    if before is None:
        return
    legacy_from, words, mode = q.get("legacyFrom"), q.get("legacyCondition", ""), q.get("legacyWhenUnknown", "note")
    start: dt.date = row["from"]
    if placed_on_market is not None:
        if placed_on_market >= before:
            row["reason"] += (
                f"; placed on the market on {placed_on_market.isoformat()}, not before {before.isoformat()}, so no transitional period"
            )
            return
        if legacy_from is not None:
            row["from"] = legacy_from
            row["status"] = "applies" if legacy_from <= as_of else "applies-from"
            row["reason"] = (
                f"{'applies since' if legacy_from <= as_of else 'applies from'} {legacy_from.isoformat()}: "
                f"placed on the market on {placed_on_market.isoformat()}, before {before.isoformat()}; {words}"
            )
        else:
            row["status"] = "conditional"
            row["condition"] = words
            row["reason"] = (
                f"placed on the market on {placed_on_market.isoformat()}, before {before.isoformat()}: {words}"
            )
        return
    if mode == "conditional":
        latest = max(start, legacy_from) if legacy_from else None
        if latest is not None and as_of >= latest:
            row["reason"] += f"; {words} (that date has passed, so it applies either way)"
            return
        if as_of < start:
            row["reason"] += f"; {words}"
            return
        row["status"] = "conditional"
        row["condition"] = f"when the system was placed on the market: {words}"
        row["reason"] = (
            f"applies since {start.isoformat()} unless the system was placed on the market before "
            f"{before.isoformat()}; {words}; give placed_on_market to decide"
        )
        return
    row["reason"] += f"; {words}"
