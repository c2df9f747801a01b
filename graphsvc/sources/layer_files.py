"""Law layer files of the EU AI Act: reading one, checking it and checking them against each other.

A layer is a YAML file in ``mappings/catalogs/euaia-2024-1689/layers/``. It says which act it
rests on and that act's legal status (``in-force`` since a date, or ``proposal``), records what
was verified about the act and where, and carries:

* ``rules``: ordered date rules (first match wins), each optionally with a ``transitional``
  clause for systems placed on the market before a cut-off (Art. 111);
* ``add``: requirements that exist in this layer only (e.g. a new Art. 5 prohibition);
* ``repeal`` / ``replace``: requirements the layer deletes, or whose wording it changes.

A layer with a ``base`` inherits everything of its base that it does not match or change.
What exists in a layer and when each obligation applies is :mod:`graphsvc.sources.layers`;
the graphs a layer compiles into are :mod:`graphsvc.sources.layer_graphs`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import GSD, graph_iri
from graphsvc.sources.catalog_rules import iso_date, roles_and_categories, split_names
from graphsvc.sources.catalogs import CATEGORIES, KINDS, ROLES, Catalog, Requirement
from graphsvc.sources.yamlfiles import LINE, load_yaml

#: The legal statuses a layer can have.
STATUSES = ("in-force", "proposal")
#: How a verification entry stands.
CHECKS = ("verified", "reported", "not-verified")
#: What a transitional clause does when the system's placing-on-market date is not known.
WHEN_UNKNOWN = ("conditional", "note")

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
        placed_before=iso_date(raw["placed_before"], f"{where}: field 'transitional.placed_before'"),
        from_=iso_date(raw["from"], f"{where}: field 'transitional.from'") if raw.get("from") else None,
        condition=_text(raw["condition"]),
        when_unknown=when,
        note=_text(raw.get("note")),
    )


def _rule(raw: Any, i: int, path: Path) -> Rule:
    where = f"{_at(path, raw)}: rule {i}"
    if not isinstance(raw, dict) or "from" not in raw:
        raise DataLoadError(f"{where}: field 'from' (the date) is missing")
    _unknown(raw, _RULE, where)
    date = iso_date(raw["from"], f"{where}: field 'from'")
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
    roles, cats = roles_and_categories(raw.get("roles"), raw.get("categories"), where, ROLES, CATEGORIES)
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
    sources = split_names(raw_sources)
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
    layer = _header(data, path)
    top = _at(path, data)
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
    layer.annex_i = [_annex_i(r, i, path) for i, r in enumerate(_list(data, "annex_i", top), start=1)]
    return layer


def _header(data: dict[str, Any], path: Path) -> Layer:
    """The layer a file's top level describes (id, title, legal status, act), without its lists."""
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
    return Layer(
        id=str(data["id"]),
        title=_text(data["title"]),
        source=str(data["source"]),
        issued=iso_date(data["issued"], f"{top}: field 'issued'") if data.get("issued") else None,
        base=data.get("base"),
        status=status,
        in_force_from=iso_date(data["in_force_from"], f"{top}: field 'in_force_from'")
        if data.get("in_force_from")
        else None,
        note=_text(data.get("note")),
        act={k: _text(v) for k, v in act.items() if k != LINE},
        path=path,
    )


def _annex_i(raw: Any, i: int, path: Path) -> dict[str, str]:
    """One ``annex_i`` entry: a piece of Union legislation and the Annex I section it is in."""
    where = f"{_at(path, raw)}: annex_i {i}"
    if not isinstance(raw, dict) or not raw.get("legislation"):
        raise DataLoadError(f"{where}: field 'legislation' is missing")
    _unknown(raw, _ANNEX_I, where)
    if str(raw.get("section")) not in {"A", "B"}:
        raise DataLoadError(f"{where}: field 'section' is {raw.get('section')!r}; expected A or B")
    return {"legislation": _text(raw["legislation"]), "section": str(raw["section"]), "note": _text(raw.get("note"))}


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
        base_chain(layer, layers)
    if catalog is not None:
        _check_against(catalog, layers)
    return layers


def _check_against(catalog: Catalog, layers: dict[str, Layer]) -> None:
    base = catalog.by_notation()
    ids = {r.iri for r in catalog.requirements}
    for layer in layers.values():
        known = dict(base)
        for lay in reversed(base_chain(layer, layers)[1:]):
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


def base_chain(layer: Layer, layers: dict[str, Layer]) -> list[Layer]:
    """The layer, its base, the base's base and so on.

    :raises DataLoadError: the chain loops.
    """
    chain, seen = [], set()
    cur: Layer | None = layer
    while cur is not None:
        if cur.id in seen:
            raise DataLoadError(f"{layer.path}: the 'base' chain loops through {cur.id!r}")
        seen.add(cur.id)
        chain.append(cur)
        cur = layers.get(cur.base) if cur.base else None
    return chain


def requirements_by_notation(catalog: Catalog | None, layers: dict[str, Layer]) -> dict[str, Requirement]:
    """Every requirement by its notation: the catalog's (when given) and every layer's additions."""
    by_notation = catalog.by_notation() if catalog else {}
    for layer in layers.values():
        by_notation.update({r.notation: r for r in layer.additions})
    return by_notation
