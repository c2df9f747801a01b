"""The applicability rules stored with the EU AI Act catalog: conditions and Art. 111.

``conditions.csv`` (next to ``requirements.csv``) holds one row per condition:

``id``            the condition's id (its IRI is ``<namespace>condition/<id>``)
``obligations``   ``;``-separated catalog ids; an id stands for that row and every obligation
                  below it, ``*`` for every obligation, ``-id`` takes an id (and what is below it) out
``roles``         optional: the condition concerns only these roles (for ``deems-provider``: the
                  roles it turns into the provider)
``categories``    optional: only when the obligation is reached through these categories
``condition``     the test, in the language of :mod:`graphsvc.sources.conditions`
``effect``        ``only-if`` (the obligation binds only if the condition is met) or
                  ``deems-provider`` (when met, the listed provider obligations also bind the roles)
``basis``, ``url`` the article that sets the condition, and its EUR-Lex anchor
``words``         the condition in the project's own words

``transitional/<layer>.yaml`` holds the transitional rules of one law layer (see the file).
Both are read with the catalog, checked (file, line and field in every error) and become
triples of the catalog's graph. The checks the catalog and layer readers share live here too
(:func:`split_names`, :func:`roles_and_categories`, :func:`iso_date`), since this module sits
below both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import GSD, RDFS
from graphsvc.sources.conditions import Expr, parse
from graphsvc.sources.csvfiles import csv_rows
from graphsvc.sources.yamlfiles import LINE, load_yaml
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit


class Requirement(Protocol):
    """What the rules read of a catalog requirement (graphsvc.sources.catalogs.Requirement has it; this
    module sits below the catalog reader and does not import it)."""

    @property
    def iri(self) -> str: ...
    @property
    def notation(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def roles(self) -> Sequence[str]: ...


EFFECTS = ("only-if", "deems-provider")


@dataclass
class Condition:
    id: str
    obligations: list[str]  # IRIs
    roles: list[str]
    categories: list[str]
    text: str
    expr: Expr
    effect: str
    basis: str
    url: str
    words: str
    where: str


@dataclass
class Outcome:
    when: str  # "" = always
    effect: str  # unchanged | exempt | YYYY-MM-DD
    words: str


@dataclass
class TransitionalRule:
    id: str
    layer: str
    basis: str
    url: str
    categories: list[str]
    placed_before: dt.date
    words: str
    outcomes: list[Outcome] = field(default_factory=list)
    where: str = ""


def split_names(value: Any) -> list[str]:
    """The names in a ``;``-separated text (a CSV cell) or a list (YAML), stripped, blanks dropped."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def roles_and_categories(
    roles: Any, categories: Any, where: str, known_roles: Sequence[str], known_cats: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The roles and the categories a row names, each checked against the known ones.

    :raises DataLoadError: a role or category that is not known, naming the field.
    """
    rs, cs = split_names(roles), split_names(categories)
    for r in rs:
        if r not in known_roles:
            raise DataLoadError(f"{where}: field 'roles' has {r!r}; expected {', '.join(known_roles)}")
    for c in cs:
        if c not in known_cats:
            raise DataLoadError(f"{where}: field 'categories' has {c!r}; expected {', '.join(known_cats)}")
    return rs, cs


def _lineages(reqs: list[Requirement]) -> dict[str, set[str]]:
    """Each requirement IRI → the local ids of itself and its ancestors."""
    by_notation = {r.notation: r for r in reqs}
    out: dict[str, set[str]] = {}
    for r in reqs:
        ids, cur = set(), r
        while True:
            ids.add(cur.iri.rsplit("/", 1)[-1])
            if not cur.parent:
                break
            cur = by_notation[cur.parent]
        out[r.iri] = ids
    return out


def _select(spec: list[str], reqs: list[Requirement], lineages: dict[str, set[str]], where: str) -> list[str]:
    """The obligation IRIs a selector names (see the module docstring)."""
    known = {r.iri.rsplit("/", 1)[-1] for r in reqs}
    chosen: set[str] = set()
    for item in spec:
        neg = item.startswith("-")
        key = item.removeprefix("-")
        if key != "*" and key not in known:
            raise DataLoadError(f"{where}: field 'obligations' names {key!r}, which is not an id in requirements.csv")
        ids = {r.iri for r in reqs if key == "*" or key in lineages[r.iri]}
        chosen = chosen - ids if neg else chosen | ids
    out = [r.iri for r in reqs if r.roles and r.iri in chosen]
    if not out:
        raise DataLoadError(f"{where}: field 'obligations' selects no obligation")
    return out


def load_conditions(
    path: Path, reqs: list[Requirement], roles: tuple[str, ...], cats: tuple[str, ...]
) -> list[Condition]:
    """Read ``conditions.csv``; an absent file means no conditions."""
    if not path.exists():
        return []
    seen: dict[str, str] = {}
    lineages = _lineages(reqs)
    return [
        _condition(row, where, reqs, lineages, seen, roles, cats)
        for where, row in csv_rows(path, ("id", "obligations", "condition", "basis", "words"))
    ]


def _condition(
    row: dict[str, str],
    where: str,
    reqs: list[Requirement],
    lineages: dict[str, set[str]],
    seen: dict[str, str],
    roles: tuple[str, ...],
    cats: tuple[str, ...],
) -> Condition:
    """One row of ``conditions.csv``, checked; ``seen`` (condition id -> file:line) grows by it."""
    cid = (row.get("id") or "").strip()
    if not cid:
        raise DataLoadError(f"{where}: field 'id' is empty")
    if cid in seen:
        raise DataLoadError(f"{where}: field 'id' {cid!r} repeats {seen[cid]}")
    seen[cid] = where
    effect = (row.get("effect") or "only-if").strip()
    if effect not in EFFECTS:
        raise DataLoadError(f"{where}: field 'effect' is {effect!r}; expected {' or '.join(EFFECTS)}")
    rs, cs = roles_and_categories(row.get("roles"), row.get("categories"), where, roles, cats)
    if effect == "deems-provider" and not rs:
        raise DataLoadError(f"{where}: field 'roles': name the roles a deems-provider rule turns into the provider")
    for name in ("basis", "words"):
        if not (row.get(name) or "").strip():
            raise DataLoadError(f"{where}: field {name!r} is empty")
    text = (row.get("condition") or "").strip()
    return Condition(
        id=cid,
        obligations=_select(split_names(row.get("obligations")), reqs, lineages, where),
        roles=rs,
        categories=cs,
        text=text,
        expr=parse(text, f"{where}: field 'condition'"),
        effect=effect,
        basis=row["basis"].strip(),
        url=(row.get("url") or "").strip(),
        words=row["words"].strip(),
        where=where,
    )


def iso_date(value: Any, where: str) -> dt.date:
    """``value`` (``YYYY-MM-DD``) as a date.

    :raises DataLoadError: ``where`` (the file, line and field) is not a date.
    """
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataLoadError(f"{where} is {value!r}, not a date (YYYY-MM-DD)") from None


def load_transitional(folder: Path, cats: tuple[str, ...]) -> list[TransitionalRule]:
    """Read every ``transitional/<layer>.yaml``; an absent folder means no rules."""
    if not folder.is_dir():
        return []
    out: list[TransitionalRule] = []
    layers: dict[str, Path] = {}
    for p in sorted(folder.glob("*.yaml")):
        data = load_yaml(p) or {}
        if not isinstance(data, dict) or not data.get("layer") or not isinstance(data.get("rules"), list):
            raise DataLoadError(f"{p}:1: expected the keys 'layer' (a layer id) and 'rules' (a list)")
        layer = str(data["layer"])
        if layer in layers:
            raise DataLoadError(f"{p}:1: field 'layer': {layer!r} already has its rules in {layers[layer]}")
        layers[layer] = p
        for raw in data["rules"]:
            line = raw.get(LINE, "?") if isinstance(raw, dict) else "?"
            where = f"{p}:{line}"
            if not isinstance(raw, dict):
                raise DataLoadError(f"{where}: each rule must be a mapping")
            unknown = set(raw) - {"id", "basis", "url", "categories", "placed_before", "words", "outcomes", LINE}
            if unknown:
                raise DataLoadError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
            for key in ("id", "basis", "categories", "placed_before", "words", "outcomes"):
                if not raw.get(key):
                    raise DataLoadError(f"{where}: field {key!r} is missing")
            bad = [c for c in raw["categories"] if c not in cats]
            if bad:
                raise DataLoadError(f"{where}: field 'categories' has {bad}; expected {', '.join(cats)}")
            rule = TransitionalRule(
                id=str(raw["id"]),
                layer=layer,
                basis=str(raw["basis"]),
                url=str(raw.get("url", "")),
                categories=[str(c) for c in raw["categories"]],
                placed_before=iso_date(raw["placed_before"], f"{where}: field 'placed_before'"),
                words=" ".join(str(raw["words"]).split()),
                where=where,
            )
            for o in raw["outcomes"]:
                ow = f"{p}:{o.get(LINE, '?') if isinstance(o, dict) else '?'}"
                if not isinstance(o, dict) or "effect" not in o or not o.get("words"):
                    raise DataLoadError(f"{ow}: an outcome needs 'effect' and 'words'")
                effect = str(o["effect"])
                if effect not in {"unchanged", "exempt"}:
                    effect = iso_date(effect, f"{ow}: field 'effect'").isoformat()
                when = str(o.get("when") or "")
                if when:
                    parse(when, f"{ow}: field 'when'")
                rule.outcomes.append(Outcome(when=when, effect=effect, words=str(o["words"])))
            out.append(rule)
    return out


def condition_triples(ns: str, conditions: list[Condition], rules: list[TransitionalRule]) -> list[TripleTuple]:
    """Conditions and transitional rules as triples of the catalog graph."""
    out: list[TripleTuple] = []
    for c in conditions:
        node = iri(ns + "condition/" + c.id)
        out += [
            (node, RDF_TYPE, g("ApplicabilityCondition")),
            (node, g("conditionId"), lit(c.id)),
            (node, g("conditionExpression"), lit(c.text)),
            (node, g("conditionEffect"), lit(c.effect)),
            (node, g("legalBasis"), lit(c.basis)),
            (node, iri(RDFS + "comment"), lit(c.words)),
        ]
        if c.url:
            out.append((node, iri(RDFS + "seeAlso"), iri(c.url)))
        out += [(node, g("conditionOf"), iri(o)) for o in c.obligations]
        out += [(node, g("forRole"), g("role-" + r)) for r in c.roles]
        out += [(node, g("forCategory"), g("cat-" + k)) for k in c.categories]
        names = sorted({a.name for term in c.expr for a in term if a.op != "fact"})
        out += [(node, g("decidedBy"), lit(n)) for n in names]
    for r in rules:
        node = iri(f"{ns}transitional/{r.layer}/{r.id}")
        out += [
            (node, RDF_TYPE, g("TransitionalRule")),
            (node, g("ruleId"), lit(r.id)),
            (node, g("forLayer"), iri(GSD + "layer/" + r.layer)),
            (node, g("legalBasis"), lit(r.basis)),
            (node, g("placedBefore"), lit(r.placed_before)),
            (node, iri(RDFS + "comment"), lit(r.words)),
        ]
        if r.url:
            out.append((node, iri(RDFS + "seeAlso"), iri(r.url)))
        out += [(node, g("forCategory"), g("cat-" + k)) for k in r.categories]
        for rank, o in enumerate(r.outcomes, start=1):
            on = iri(f"{ns}transitional/{r.layer}/{r.id}/outcome/{rank}")
            out += [
                (node, g("outcome"), on),
                (on, RDF_TYPE, g("TransitionalOutcome")),
                (on, g("rank"), lit(rank)),
                (on, g("transitionalEffect"), lit(o.effect)),
                (on, iri(RDFS + "comment"), lit(o.words)),
            ]
            if o.when:
                out.append((on, g("conditionExpression"), lit(o.when)))
    return out
