"""Dated layers of the EU AI Act: when each obligation applies, per law version.

A layer is a YAML file in ``mappings/catalogs/euaia-2024-1689/layers/`` with ordered rules
(first match wins) and an optional ``base`` layer whose rules apply to whatever the layer
does not match. Adding an amendment is adding a file. The build materialises one
``gs:ApplicationDate`` per (obligation, category, layer), so applicability is a lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.catalogs import CATEGORIES, Catalog, Requirement
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, RDFS, graph_iri
from graphsvc.store import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit
from graphsvc.yamlfiles import load_yaml, strip_lines

_ARTICLE = re.compile(r"^Article (\d+)$")
_CHAPTER = re.compile(r"^Chapter ([IVXLC]+)$")


@dataclass
class Rule:
    date: dt.date
    articles: set[int] | None = None
    notations: set[str] | None = None
    chapters: set[str] | None = None
    categories: set[str] | None = None
    note: str = ""
    where: str = ""

    def matches(self, article: int | None, lineage: list[str], chapter: str | None, category: str) -> bool:
        if self.articles is not None and article not in self.articles:
            return False
        if self.notations is not None and not self.notations.intersection(lineage):
            return False
        if self.chapters is not None and chapter not in self.chapters:
            return False
        return self.categories is None or category in self.categories


@dataclass
class Layer:
    id: str
    title: str
    source: str
    issued: dt.date | None
    base: str | None
    note: str = ""
    rules: list[Rule] = field(default_factory=list)
    path: Path | None = None

    @property
    def iri(self) -> str:
        return GSD + "layer/" + self.id

    @property
    def graph(self) -> str:
        return graph_iri("layer/" + self.id)


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


def load_layer(path: Path) -> Layer:
    data = strip_lines(load_yaml(path)) or {}
    for key in ("id", "title", "source", "rules"):
        if not data.get(key):
            raise DataLoadError(f"{path}: field {key!r} is missing")
    layer = Layer(
        id=str(data["id"]),
        title=str(data["title"]),
        source=str(data["source"]),
        issued=_date(data["issued"], f"{path}: field 'issued'") if data.get("issued") else None,
        base=data.get("base"),
        note=str(data.get("note", "")).strip(),
        path=path,
    )
    for i, raw in enumerate(data["rules"], start=1):
        where = f"{path}: rule {i}"
        if not isinstance(raw, dict) or "from" not in raw:
            raise DataLoadError(f"{where}: field 'from' (the date) is missing")
        date = _date(raw["from"], f"{where}: field 'from'")
        unknown = set(raw) - {"from", "articles", "notations", "chapters", "categories", "note"}
        if unknown:
            raise DataLoadError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        cats = set(raw["categories"]) if "categories" in raw else None
        if cats and not cats <= set(CATEGORIES):
            raise DataLoadError(f"{where}: field 'categories' has {sorted(cats - set(CATEGORIES))}")
        layer.rules.append(
            Rule(
                date=date,
                articles=_articles(raw["articles"], where) if "articles" in raw else None,
                notations={str(n) for n in raw["notations"]} if "notations" in raw else None,
                chapters={str(c) for c in raw["chapters"]} if "chapters" in raw else None,
                categories=cats,
                note=str(raw.get("note", "")),
                where=where,
            )
        )
    return layer


def load_layers(catalog_dir: Path) -> dict[str, Layer]:
    layers: dict[str, Layer] = {}
    ldir = catalog_dir / "layers"
    if not ldir.is_dir():
        return layers
    for p in sorted(ldir.glob("*.yaml")):
        layer = load_layer(p)
        if layer.id in layers:
            raise DataLoadError(f"{p}: layer id {layer.id!r} is already used by {layers[layer.id].path}")
        layers[layer.id] = layer
    for layer in layers.values():
        if layer.base and layer.base not in layers:
            raise DataLoadError(f"{layer.path}: field 'base' names unknown layer {layer.base!r}")
    return layers


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


@dataclass(frozen=True)
class DateAssignment:
    obligation: str
    category: str
    layer: str
    date: dt.date
    reason: str


def assign_dates(catalog: Catalog, layers: dict[str, Layer]) -> list[DateAssignment]:
    """The application date of every (obligation, category) pair in every layer.

    :raises DataLoadError: an obligation that no rule of a layer's chain matches.
    """
    by_notation = catalog.by_notation()

    def lineage(r: Requirement) -> list[Requirement]:
        out = [r]
        while out[-1].parent:
            out.append(by_notation[out[-1].parent])
        return out

    out: list[DateAssignment] = []
    for r in catalog.requirements:
        if not r.roles:
            continue
        line = lineage(r)
        notations = [x.notation for x in line]
        article = next((int(m.group(1)) for x in line if (m := _ARTICLE.match(x.notation))), None)
        chapter = next((m.group(1) for x in line if (m := _CHAPTER.match(x.notation))), None)
        for layer in layers.values():
            chain = _chain(layer, layers)
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
                reason = f"{lay.title}{note}" if lay is layer else f"{lay.title} (unchanged in {layer.title}){note}"
                out.append(DateAssignment(r.iri, cat, layer.id, rule.date, reason))
    return out


def layer_triples(layers: dict[str, Layer], dates: list[DateAssignment]) -> dict[str, list[TripleTuple]]:
    graphs: dict[str, list[TripleTuple]] = {}
    for layer in layers.values():
        L = iri(layer.iri)
        triples: list[TripleTuple] = [
            (L, RDF_TYPE, g("DateLayer")),
            (L, g("layerId"), lit(layer.id)),
            (L, iri(RDFS + "label"), lit(layer.title)),
            (L, iri(DCTERMS + "source"), iri(layer.source) if "://" in layer.source else lit(layer.source)),
        ]
        if layer.note:
            triples.append((L, iri(RDFS + "comment"), lit(layer.note)))
        if layer.base:
            triples.append((L, g("baseLayer"), iri(layers[layer.base].iri)))
        if layer.issued:
            triples.append((L, iri(DCTERMS + "issued"), lit(layer.issued)))
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
    return graphs
