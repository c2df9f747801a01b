"""Which EU AI Act obligations bind an operator, on which conditions, from when, in a law layer.

An obligation is a *candidate* for an operator with role R and a system of category C when R is
among the roles it binds and C (or a category C implies) among the categories it concerns. Each
candidate is then judged, with the reason in words:

1. **Conditions** (``conditions.csv``, read from the store by ``obligation_conditions``): every
   ``only-if`` condition that concerns the candidate's role and category is evaluated against
   the organisation's and the system's attributes (:mod:`graphsvc.sources.conditions`). One that is not
   met makes the obligation ``does-not-apply``; one whose deciding attribute is not given makes
   it ``conditional``, with the condition in words and the attributes that would decide it.
   A ``deems-provider`` condition (Art. 25(1)) that is met adds the provider obligations it
   lists for a distributor, importer or deployer.
2. **Transitional rules** (Art. 111, ``transitional/<layer>.yaml``, read by
   ``transitional_rules``): for a system placed on the market before a rule's date, the first
   outcome whose condition is met leaves the obligation unchanged, exempts the system, or moves
   the date. A layer without rules of its own uses its base layer's, so an amending act revises
   Art. 111 by adding its own file. Where ``placed_on_market`` is not given, the general rule is
   applied and the reason says what the transitional rule would change.
3. **Date**: ``applies`` if the layer's application date is on or before the day asked about,
   else ``applies-from`` that date.

Where several (role, category) pairs reach one obligation, the most binding answer wins
(applies, then applies-from, then conditional, then does-not-apply), and of two equal ones the
earlier date. ``does-not-apply`` rows are returned only when asked for (``include_all``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GS, compress
from graphsvc.sources.catalogs import CATEGORIES, ROLES
from graphsvc.sources.conditions import (
    ATTRIBUTES,
    Expr,
    evaluate,
    given,
    missing,
    normalise_point,
    parse,
    point_from_iri,
)
from graphsvc.sources.layers import transitional

STATUSES = ("applies", "applies-from", "conditional", "does-not-apply")
_RANK = {"applies": 3, "applies-from": 2, "conditional": 1, "does-not-apply": 0}

#: The categories whose obligations also bind a system or model of a category.
IMPLIES: dict[str, tuple[str, ...]] = {
    "all": ("all",),
    "prohibited": ("prohibited", "all"),
    "high-risk-annex-iii": ("high-risk-annex-iii", "all"),
    "high-risk-annex-i": ("high-risk-annex-i", "all"),
    "transparency": ("transparency", "all"),
    "gpai": ("gpai",),
    "gpai-systemic": ("gpai-systemic", "gpai"),
}
_CATEGORY_WORDS = {
    "all": "any AI system",
    "prohibited": "prohibited-practice systems",
    "high-risk-annex-iii": "high-risk systems (Annex III)",
    "high-risk-annex-i": "high-risk systems (Annex I)",
    "transparency": "systems with transparency duties",
    "gpai": "general-purpose AI models",
    "gpai-systemic": "general-purpose AI models with systemic risk",
}
_PROPERTY = {GS + a.prop: a.name for a in ATTRIBUTES.values()}


class _Service(Protocol):
    registry: Any
    store: Any

    def select(self, name: str, **params: Any) -> list[dict[str, Any]]: ...

    def cache(self, name: str) -> dict[Any, Any]: ...


@dataclass(frozen=True)
class Condition:
    """One condition of conditions.csv as read from the store."""

    id: str
    text: str
    expr: Expr
    effect: str
    basis: str
    words: str
    url: str
    roles: frozenset[str]
    categories: frozenset[str]

    def concerns(self, role: str, category: str) -> bool:
        return (not self.roles or role in self.roles) and (not self.categories or category in self.categories)


def _tail(iri: str, marker: str) -> str:
    return iri.rsplit(marker, 1)[-1]


def conditions(svc: _Service) -> tuple[dict[str, list[Condition]], dict[str, tuple[Condition, set[str]]]]:
    """``only-if`` conditions by obligation IRI, and ``deems-provider`` ones by id with their
    obligations; read once per store generation."""
    memo = svc.cache("conditions")
    if "all" not in memo:
        only: dict[str, list[Condition]] = {}
        deems: dict[str, tuple[Condition, set[str]]] = {}
        made: dict[str, Condition] = {}
        for r in svc.select("obligation_conditions"):
            c = made.get(r["id"])
            if c is None:
                c = made[r["id"]] = Condition(
                    id=r["id"],
                    text=r["expression"],
                    expr=parse(r["expression"], f"condition {r['id']}"),
                    effect=r["effect"],
                    basis=r["basis"],
                    words=r["words"],
                    url=r.get("url", ""),
                    roles=frozenset(_tail(x, "#role-") for x in (r.get("roles") or "").split()),
                    categories=frozenset(_tail(x, "#cat-") for x in (r.get("categories") or "").split()),
                )
            if c.effect == "deems-provider":
                deems.setdefault(c.id, (c, set()))[1].add(r["obligation"])
            else:
                only.setdefault(r["obligation"], []).append(c)
        memo["all"] = (only, deems)
    result: tuple[dict[str, list[Condition]], dict[str, tuple[Condition, set[str]]]] = memo["all"]
    return result


def transitional_rules(svc: _Service, layer: str) -> list[dict[str, Any]]:
    """The transitional rules in force in ``layer``: its own, or else its base layer's (and so on)."""
    memo = svc.cache("transitional")
    if "rows" not in memo:
        rules: dict[tuple[str, str], dict[str, Any]] = {}
        for r in svc.select("transitional_rules"):
            rule = rules.setdefault(
                (r["layer"], r["id"]),
                {
                    "id": r["id"],
                    "layer": r["layer"],
                    "basis": r["basis"],
                    "words": r["words"],
                    "url": r.get("url", ""),
                    "placed_before": r["placedBefore"],
                    "categories": set(_tail(x, "#cat-") for x in r["categories"].split()),
                    "outcomes": [],
                },
            )
            when = r.get("when") or ""
            rule["outcomes"].append(
                {
                    "when": parse(when, f"transitional rule {r['id']}") if when else None,
                    "effect": r["effect"],
                    "words": r["outcomeWords"],
                }
            )
        bases_of = {r["id"]: r.get("base") for r in svc.select("date_layers")}
        memo["bases"] = bases_of  # set before "rows": a concurrent caller that sees "rows" finds "bases" too
        memo["rows"] = rules
    bases: dict[str, str | None] = memo["bases"]
    seen: set[str] = set()
    cur: str | None = layer
    while cur and cur not in seen:
        seen.add(cur)
        own = [v for (lay, _), v in memo["rows"].items() if lay == cur]
        if own:
            return own
        cur = bases.get(cur)
    return []


# -- attributes -----------------------------------------------------------------------------
def parse_facts(raw: dict[str, Any], *, how: str = "attribute") -> dict[str, Any]:
    """Typed attribute values from flags or query parameters (strings, bools or dates).

    :raises QueryParameterError: an unknown attribute, an Annex III point that does not exist,
        an ``annex_i_section`` other than A or B, a ``placed_on_market`` that is not a date.
    """
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        attr = ATTRIBUTES.get(name)
        if attr is None:
            raise QueryParameterError(f"unknown {how} {name!r}; known: {', '.join(ATTRIBUTES)}")
        if attr.kind == "bool":
            if isinstance(value, str):
                if value.lower() not in {"true", "false"}:
                    raise QueryParameterError(f"{how} {name}: {value!r} is not true or false")
                value = value.lower() == "true"
            out[name] = bool(value)
        elif attr.kind == "point":
            point = normalise_point(value)
            if point is None:
                raise QueryParameterError(
                    f"{how} {name}: {value!r} is not an area or point of Annex III (1(a)-(c), 2, 3(a)-(d), 4(a)-(b), "
                    "5(a)-(d), 6(a)-(e), 7(a)-(d), 8(a)-(b), or an area alone such as 4)"
                )
            out[name] = point
        elif attr.kind == "section":
            if str(value).upper() not in {"A", "B"}:
                raise QueryParameterError(f"{how} {name}: {value!r} is not A or B")
            out[name] = str(value).upper()
        else:
            try:
                out[name] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            except ValueError:
                raise QueryParameterError(f"{how} {name}: {value!r} is not a date (YYYY-MM-DD)") from None
    return out


def system_facts(svc: _Service, system: str) -> dict[str, Any]:
    """The attributes recorded for a system and its organisation (absent ones are not given)."""
    facts: dict[str, Any] = {"annex_iii_area": ""}
    annex_i = False
    for r in svc.select("system_facts", system=system):
        prop, value = r["property"], r["value"]
        if prop == GS + "safetyComponentOfAnnexIProduct":
            annex_i = bool(value)
            continue
        name = _PROPERTY[prop]
        facts[name] = point_from_iri(value) if name == "annex_iii_area" else value
    if not annex_i:
        facts["annex_i_section"] = ""
    return facts


def _complete(facts: dict[str, Any], cats: list[str]) -> dict[str, Any]:
    out = {a.name: a.default for a in ATTRIBUTES.values() if a.default is not None}
    out.update({k: v for k, v in facts.items() if v is not None})
    if "annex_iii_area" not in out and "high-risk-annex-iii" not in cats:
        out["annex_iii_area"] = ""  # no Annex III category asked about: no Annex III use
    if out.get("annex_i_section") and "high-risk-annex-i" not in cats:
        raise QueryParameterError(
            "annex_i_section is given, but the system is not an Annex I product or safety component "
            "(give --category high-risk-annex-i, or leave the section out)"
        )
    if "annex_i_section" not in out and "high-risk-annex-i" not in cats:
        out["annex_i_section"] = ""
    return out


# -- words ----------------------------------------------------------------------------------
def article(notation: str) -> str:
    """``26(1)`` → ``Art. 26(1)``; ``Article 4`` → ``Art. 4``."""
    return "Art. " + notation.removeprefix("Article ")


def _plural(role: str) -> str:
    return {"authorised-representative": "authorised representatives", "gpai-provider": "GPAI model providers"}.get(
        role, role.replace("-", " ") + "s"
    )


def _value_words(expr: Expr, facts: dict[str, Any]) -> str:
    shown = given(expr, facts)
    return f" (here {', '.join(shown)})" if shown else ""


def _missing_words(expr: Expr, facts: dict[str, Any]) -> str:
    names = missing(expr, facts)
    attrs = [n for n in names if not n.startswith("@")]
    parts = []
    if attrs:
        parts.append("not given: " + ", ".join(f"{n} ({ATTRIBUTES[n].flag})" for n in attrs))
    if len(attrs) < len(names):
        parts.append("the data does not record how the system is used")
    return "; ".join(parts)


# -- the judgement --------------------------------------------------------------------------
@dataclass
class _Judgement:
    """What the conditions and transitional rules make of one candidate obligation so far."""

    start: dt.date  # the date it applies from
    excluded: bool = False  # a condition not met, or a transitional exemption: does-not-apply
    notes: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # conditions whose deciding attribute is not given
    decided_by: list[str] = field(default_factory=list)
    condition_words: list[str] = field(default_factory=list)

    def exclude(self, note: str) -> None:
        self.excluded = True
        self.notes = [note]

    def wait_on(self, text: str, expr: Expr, facts: dict[str, Any]) -> None:
        self.pending.append(text)
        self.decided_by += [n for n in missing(expr, facts) if n not in self.decided_by]


def _weigh_conditions(j: _Judgement, conds: list[Condition], role: str, cat: str, facts: dict[str, Any]) -> None:
    """Step 1: the ``only-if`` conditions that concern ``role`` and ``cat``; the first not met excludes."""
    for c in conds:
        if not c.concerns(role, cat):
            continue
        value = evaluate(c.expr, facts)
        j.condition_words.append(f"{c.basis}: {c.words}")
        if value is False:
            j.exclude(f"does not apply: {c.basis}: {c.words}{_value_words(c.expr, facts)}")
            return
        if value is None:
            j.wait_on(f"{c.basis}: {c.words}; {_missing_words(c.expr, facts)}", c.expr, facts)
        else:
            j.notes.append(f"condition met: {c.basis}{_value_words(c.expr, facts)}")


def _weigh_transitional(j: _Judgement, rules: list[dict[str, Any]], cat: str, facts: dict[str, Any]) -> None:
    """Step 2: the transitional rules for ``cat``, for a system placed on the market before their date."""
    placed = facts.get("placed_on_market")
    for t in rules:
        if cat not in t["categories"]:
            continue
        if placed is None:
            j.notes.append(
                f"unless placed on the market before {t['placed_before'].isoformat()} ({t['basis']}; "
                "placed_on_market not given)"
            )
            continue
        if placed >= t["placed_before"]:
            continue
        _first_outcome(j, t, placed, facts)
        if j.excluded:
            return


def _first_outcome(j: _Judgement, rule: dict[str, Any], placed: dt.date, facts: dict[str, Any]) -> None:
    """The first outcome of a transitional rule whose condition is met (or not decided):
    unchanged, exempt, or a later date."""
    for o in rule["outcomes"]:
        value = True if o["when"] is None else evaluate(o["when"], facts)
        if value is False:
            continue
        if value is None:
            j.wait_on(f"{rule['basis']}: {rule['words']}; {_missing_words(o['when'], facts)}", o["when"], facts)
        elif o["effect"] == "exempt":
            j.exclude(f"does not apply: {rule['basis']}: {rule['words']}; placed on the market {placed}: {o['words']}")
        else:
            if o["effect"] != "unchanged":
                j.start = max(j.start, dt.date.fromisoformat(o["effect"]))
            j.notes.append(f"{rule['basis']}: placed on the market {placed}: {o['words']}")
        return


def _verdict(j: _Judgement, binds: str, as_of: dt.date, rule: str) -> tuple[str, str]:
    """Step 3: the status and the reason in words, the date deciding between applies and applies-from."""
    when = f"{'applies since' if j.start <= as_of else 'applies from'} {j.start.isoformat()} ({rule})"
    if j.excluded:
        return "does-not-apply", f"{binds.replace(' binds ', ' concerns ', 1)}, but {j.notes[0]}"
    if j.pending:
        reason = f"{binds} only on a condition: {'; '.join(j.pending)}; if it holds, {when}"
        if j.notes:
            reason += "; " + "; ".join(j.notes)
        return "conditional", reason
    return "applies" if j.start <= as_of else "applies-from", "; ".join([f"{binds}; {when}", *j.notes])


def _judge(
    row: dict[str, Any],
    role: str,
    cat: str,
    facts: dict[str, Any],
    only: dict[str, list[Condition]],
    transitional: list[dict[str, Any]],
    as_of: dt.date,
    layer: str,
    prefix: str = "",
) -> dict[str, Any]:
    """One candidate obligation (a row of ``applicable``) judged for ``role`` and ``cat``."""
    j = _Judgement(start=row["from"])
    _weigh_conditions(j, only.get(row["obligation"], []), role, cat, facts)
    if not j.excluded:
        _weigh_transitional(j, transitional, cat, facts)
    binds = f"{article(row['notation'])} binds {_plural(role)} of {_CATEGORY_WORDS.get(cat, cat)}"
    status, reason = _verdict(j, binds, as_of, row["rule"])
    return {
        "notation": row["notation"],
        "title": row.get("title", ""),
        "curie": compress(row["obligation"]),
        "status": status,
        "from": j.start,
        "role": role,
        "category": cat,
        "layer": layer,
        "reason": prefix + reason,
        "condition": "; ".join(j.condition_words),
        "decided_by": j.decided_by,
        "order": row["order"],
    }


def _check(role: str, categories: list[str]) -> None:
    if role not in ROLES:
        raise QueryParameterError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    for c in categories:
        if c not in CATEGORIES:
            raise QueryParameterError(f"category {c!r}: expected one of {', '.join(CATEGORIES)}")


def categories_for(categories: list[str], facts: dict[str, Any]) -> list[str]:
    """The categories to look obligations up under: those given, what they imply, and Annex III
    when an Annex III point is given (its conditions then settle the Art. 6(3) derogation)."""
    cats = list(categories)
    if facts.get("annex_iii_area") and "high-risk-annex-iii" not in cats:
        cats.append("high-risk-annex-iii")
    return list(dict.fromkeys(c for cat in cats for c in IMPLIES[cat]))


def applicable(
    svc: _Service,
    roles: list[str],
    categories: list[str],
    as_of: dt.date,
    layer: str,
    facts: dict[str, Any] | None = None,
    *,
    include_all: bool = False,
    placed_on_market: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Obligations reaching any of ``roles`` for any of ``categories``, judged on ``as_of``.

    ``facts`` are attribute values (see :data:`graphsvc.sources.conditions.ATTRIBUTES`); one left out
    is not given. Each row: notation, title, curie, status (applies / applies-from /
    conditional / does-not-apply), from, role, category, layer, reason, condition and
    decided_by (the attributes that would settle a conditional row). ``does-not-apply`` rows
    only with ``include_all``. ``placed_on_market`` (or the attribute of that name in ``facts``)
    decides the transitional rules: Art. 111(2)-(3) from ``transitional/<layer>.yaml`` here, and
    a law layer's own clauses (Art. 111(4), added by the Digital Omnibus) by
    :func:`graphsvc.sources.layers.transitional`.
    """
    for role in roles:
        _check(role, categories)
    layers = {r["id"] for r in svc.select("date_layers")}
    if layer not in layers:
        raise UnknownTerm(f"law layer {layer!r} is not in the graph; known: {', '.join(sorted(layers))}")
    raw = dict(facts or {})
    if placed_on_market is not None:
        raw.setdefault("placed_on_market", placed_on_market)
    pom = raw.get("placed_on_market")
    pom = dt.date.fromisoformat(pom) if isinstance(pom, str) else pom
    cats = categories_for(categories, raw)
    known = {**_complete(raw, cats), "provides_it": "provider" in roles}
    only, deems = conditions(svc)
    trans = transitional_rules(svc, layer)
    lookups: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def rows_for(role: str, cat: str) -> list[dict[str, Any]]:
        key = (role, cat)
        if key not in lookups:
            lookups[key] = svc.select("applicable", role=GS + "role-" + role, category=GS + "cat-" + cat, layer=layer)
        return lookups[key]

    best: dict[str, dict[str, Any]] = {}

    def keep(row: dict[str, Any]) -> None:
        prev = best.get(row["curie"])
        if prev is None or (_RANK[row["status"]], -row["from"].toordinal()) > (
            _RANK[prev["status"]],
            -prev["from"].toordinal(),
        ):
            best[row["curie"]] = row

    for role in roles:
        for cat in cats:
            for r in rows_for(role, cat):
                row = _judge(r, role, cat, known, only, trans, as_of, layer)
                if row["status"] != "does-not-apply":
                    transitional(row, r, as_of, pom)  # the layer's own transitional clause (graphsvc.sources.layers)
                keep(row)
    # Art. 25(1): a distributor, importer or deployer deemed the provider
    for c, obligations in deems.values():
        deemed = [r for r in roles if r in c.roles]
        if not deemed or "provider" in roles or evaluate(c.expr, known) is not True:
            continue
        prefix = f"{c.basis}: {c.words}{_value_words(c.expr, known)}; as its provider: "
        for cat in cats:
            if c.categories and cat not in c.categories:
                continue
            for r in rows_for("provider", cat):
                if r["obligation"] in obligations:
                    keep(_judge(r, "provider", cat, known, only, trans, as_of, layer, prefix))
    out = sorted(best.values(), key=lambda x: x["order"])
    for row in out:
        del row["order"]
    return out if include_all else [r for r in out if r["status"] != "does-not-apply"]


def system_profile(svc: _Service, system: str) -> dict[str, Any]:
    """The roles and inferred categories of an AI system (categories always include 'all')."""
    rows = svc.select("system_profile", system=system)
    if not rows:
        raise UnknownTerm(f"{compress(system)} is not an AI system in the graph")
    roles = sorted({r["role"].rsplit("role-", 1)[-1] for r in rows if r.get("role")})
    cats = {r["category"].rsplit("cat-", 1)[-1] for r in rows if r.get("category")}
    if not cats & {"gpai", "gpai-systemic"} or cats & {"high-risk-annex-iii", "high-risk-annex-i", "transparency"}:
        cats.add("all")
    return {
        "system": system,
        "label": rows[0]["label"],
        "org": rows[0]["org"],
        "org_label": rows[0]["orgLabel"],
        "roles": roles,
        "categories": sorted(cats),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows have each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for r in rows:
        counts[r["status"]] += 1
    return counts


def answer(
    svc: _Service,
    *,
    system: str | None,
    roles: list[str],
    categories: list[str],
    facts: dict[str, Any],
    as_of: dt.date,
    layer: str,
    include_all: bool = False,
) -> dict[str, Any]:
    """The whole `applicable` answer for a system (its roles, categories and recorded
    attributes, overridden by ``facts``) or for roles and categories with ``facts``.

    Returns the roles, categories, attributes used, date, layer, a count per status (over every
    row, so an answer can say how many do not apply) and the rows (``does-not-apply`` ones only
    with ``include_all``).
    """
    known: dict[str, Any] = {}
    if system:
        prof = system_profile(svc, system)
        roles = roles or prof["roles"]
        categories = categories or prof["categories"]
        known = system_facts(svc, system)
    elif not roles or not (categories or facts.get("annex_iii_area")):
        raise QueryParameterError("give a role and a category (or an Annex III point), or a system")
    known.update(facts)
    rows = applicable(svc, roles, categories, as_of, layer, known, include_all=True)
    cats = categories_for(categories, known)
    shown = _complete(known, cats)
    return {
        "system": compress(system) if system else None,
        "roles": roles,
        "categories": cats,
        "attributes": {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in sorted(shown.items()) if k in ATTRIBUTES
        },
        "not_given": [a for a in ATTRIBUTES if a not in shown],
        "as_of": as_of,
        "law_version": layer,
        "summary": summarise(rows),
        "total": len(rows) if include_all else sum(r["status"] != "does-not-apply" for r in rows),
        "items": rows if include_all else [r for r in rows if r["status"] != "does-not-apply"],
    }
