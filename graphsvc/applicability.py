"""Which EU AI Act obligations apply, to whom, from when, under which law layer.

An obligation applies to an operator with role R for a system of category C on date d in
layer L when R is among the roles it binds, C (or a category C implies) is among the
categories it concerns, and its application date for that category in L is on or before d.
An obligation that binds the role and category but whose date is later is listed as
``applies-from`` with the date, never dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from graphsvc.catalogs import CATEGORIES, ROLES
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.layers import transitional
from graphsvc.namespaces import GS, compress

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


class _Service(Protocol):
    registry: Any
    store: Any

    def select(self, name: str, **params: Any) -> list[dict[str, Any]]: ...


def _check(role: str, categories: list[str]) -> None:
    if role not in ROLES:
        raise QueryParameterError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    for c in categories:
        if c not in CATEGORIES:
            raise QueryParameterError(f"category {c!r}: expected one of {', '.join(CATEGORIES)}")


def applicable(
    svc: _Service,
    roles: list[str],
    categories: list[str],
    as_of: dt.date,
    layer: str,
    placed_on_market: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Obligations binding any of ``roles`` for any of ``categories``, with status on ``as_of``.

    Each row: notation, title, curie, status (applies / applies-from), from, role, category,
    layer and reason. Where several (role, category) pairs reach one obligation, the earliest
    date wins. ``placed_on_market`` (when known) decides the layer's transitional rules
    (Art. 111): see :func:`graphsvc.layers.transitional`.
    """
    for role in roles:
        _check(role, categories)
    layers = {r["id"] for r in svc.select("date_layers")}
    if layer not in layers:
        raise UnknownTerm(f"law layer {layer!r} is not in the graph; known: {', '.join(sorted(layers))}")
    cats = list(dict.fromkeys(c for cat in categories for c in IMPLIES[cat]))
    best: dict[str, dict[str, Any]] = {}
    for role in roles:
        for cat in cats:
            rows = svc.select("applicable", role=GS + "role-" + role, category=GS + "cat-" + cat, layer=layer)
            for r in rows:
                start: dt.date = r["from"]
                prev = best.get(r["obligation"])
                if prev is not None and prev["from"] <= start:
                    continue
                applies = start <= as_of
                best[r["obligation"]] = {
                    "notation": r["notation"],
                    "title": r.get("title", ""),
                    "curie": compress(r["obligation"]),
                    "status": "applies" if applies else "applies-from",
                    "from": start,
                    "role": role,
                    "category": cat,
                    "layer": layer,
                    "reason": (
                        f"binds {role}s of {cat} systems; "
                        f"{'applies since' if applies else 'applies from'} {start.isoformat()} ({r['rule']})"
                    ),
                    "order": r["order"],
                }
                # law-layer transitional rules (issue 11b, graphsvc/layers.py): Art. 111(2)-(4)
                transitional(best[r["obligation"]], r, as_of, placed_on_market)
    out = sorted(best.values(), key=lambda x: (x["order"], x["notation"]))
    for row in out:
        del row["order"]
    return out


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
