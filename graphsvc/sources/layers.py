"""Law layers of the EU AI Act: what exists in each layer, and when each obligation applies.

A layer (read by :mod:`graphsvc.sources.layer_files`) is one reading of the Act. At build time
:func:`assign_dates` gives every (obligation, category) pair that exists in a layer its
application date, from the first date rule of the layer's ``base`` chain that matches; the
build materialises one ``gs:ApplicationDate`` per (obligation, category, layer)
(:mod:`graphsvc.sources.layer_graphs`), only for the obligations that exist in that layer, so
applicability under one layer never sees an obligation of another.

At query time the default layer is the law in force on the date asked about
(:func:`resolve_layer`): the in-force layer with the latest ``in_force_from`` on or before that
date. A proposal is never a default; it is read only when asked for by name. A layer's
transitional clause is applied to an applicability row by :func:`transitional`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from graphsvc.errors import DataLoadError, UnknownTerm
from graphsvc.sources.catalogs import Catalog, Requirement
from graphsvc.sources.layer_files import Layer, Rule, Transitional, base_chain, requirements_by_notation

#: The value of ``law_version`` that means "the law in force on the date asked about".
IN_FORCE = "in-force"

_ARTICLE = re.compile(r"^Article (\d+)$")
_NUMBERED = re.compile(r"^(\d+)\(")
_CHAPTER = re.compile(r"^Chapter ([IVXLC]+)$")


# -- at build time: what exists in a layer, and its dates ------------------------------------------
def requirements_in(catalog: Catalog, layers: dict[str, Layer], layer_id: str) -> list[Requirement]:
    """The requirements that exist in one layer: the catalog's, plus the additions of the layer
    and its bases, minus what they repeal."""
    chain = base_chain(layers[layer_id], layers)
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
    by_notation = requirements_by_notation(catalog, layers)
    out: list[DateAssignment] = []
    for layer in layers.values():
        chain = base_chain(layer, layers)
        for r in requirements_in(catalog, layers, layer.id):
            if not r.roles:
                continue
            notations, article, chapter = _place(r, by_notation)
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
                reason = _reason(r, layer, chain, lay, rule)
                out.append(DateAssignment(r.iri, cat, layer.id, rule.date, reason, rule.transitional))
    return out


def _place(r: Requirement, by_notation: dict[str, Requirement]) -> tuple[list[str], int | None, str | None]:
    """Where a requirement stands, for the date rules: the notations of it and its ancestors, the
    article it is in (``Article 5``, else a numbered provision such as ``26(1)``) and its chapter."""
    line = [r]
    while line[-1].parent:
        line.append(by_notation[line[-1].parent])
    notations = [x.notation for x in line]
    article = next((int(m.group(1)) for x in line if (m := _ARTICLE.match(x.notation))), None)
    if article is None:
        article = next((int(m.group(1)) for x in line if (m := _NUMBERED.match(x.notation))), None)
    chapter = next((m.group(1) for x in line if (m := _CHAPTER.match(x.notation))), None)
    return notations, article, chapter


def _reason(r: Requirement, layer: Layer, chain: list[Layer], lay: Layer, rule: Rule) -> str:
    """Why ``r`` gets the date of ``rule`` (of ``lay``, in ``layer``'s chain), and whose wording it has."""
    note = f": {rule.note}" if rule.note else ""
    reason = f"{lay.title}{note}" if lay is layer else f"{lay.title} (date unchanged in {layer.title}){note}"
    reworded = [(x, c) for x in chain for c in x.changes if c.action == "replace" and c.notation == r.notation]
    if reworded:
        x, c = reworded[0]
        reason += f"; wording as in {x.title}" + (f": {c.note}" if c.note else "")
    return reason


# -- at query time ------------------------------------------------------------------------------
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
