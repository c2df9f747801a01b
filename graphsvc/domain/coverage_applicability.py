"""The applicability filter of coverage against the EU AI Act: which obligations bind whom it is
asked for (:func:`graphsvc.domain.applicability.applicable`), and how that turns the status the
paths give a row into its coverage status.

An obligation that does not bind is ``not-applicable`` with its reason; one that binds only
later is ``upcoming`` and one whose deciding attribute is not given ``conditional``, both
keeping the status the paths give it as ``would_be``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphsvc.domain.applicability import applicable, system_facts, system_profile
from graphsvc.domain.coverage_starts import iso
from graphsvc.domain.resolve import resolve_system
from graphsvc.errors import QueryParameterError
from graphsvc.namespaces import compress, expand


def applicability_for(
    svc: Any, roles: list[str], categories: list[str], facts: dict[str, Any], as_of: dt.date, layer: str
) -> dict[str, dict[str, Any]]:
    """Every EU AI Act obligation's applicability row (does-not-apply included), memoised."""
    key = (
        tuple(roles),
        tuple(categories),
        tuple(sorted((k, str(v)) for k, v in facts.items())),
        as_of,
        layer,
    )
    memo = svc.cache("applicable")
    if key not in memo:
        rows = applicable(svc, roles, categories, as_of, layer, facts, include_all=True)
        memo[key] = {expand(r["curie"]): r for r in rows}
    result: dict[str, dict[str, Any]] = memo[key]
    return result


def context_applicability(
    svc: Any, context: dict[str, Any], as_of: dt.date, layer: str
) -> tuple[dict[str, dict[str, Any]], list[str], str]:
    """The applicability rows for a coverage context (``{"system": IRI}``, or ``{"roles": [...],
    "categories": [...], "facts": {...}}``, the first overridden by the second), the roles they
    are for, and in words whom they are for.

    :raises QueryParameterError: a context with neither a role and a category nor a system.
    """
    facts = dict(context.get("facts") or {})
    roles, cats = list(context.get("roles") or []), list(context.get("categories") or [])
    if context.get("system"):
        prof = system_profile(svc, resolve_system(svc, context["system"]))
        roles, cats = roles or prof["roles"], cats or prof["categories"]
        facts = {**system_facts(svc, prof["system"]), **facts}
    if not roles or not (cats or facts.get("annex_iii_area")):
        raise QueryParameterError("a coverage context needs a role and a category (or a system)")
    scope = f"{', '.join(roles)} of {', '.join(cats) or 'Annex III'} systems" + (
        f" ({compress(context['system'])})" if context.get("system") else ""
    )
    return applicability_for(svc, roles, cats, facts, as_of, layer), roles, scope


def obligation_binds(svc: Any) -> dict[str, list[str]]:
    """Obligation IRI → the roles it binds, shown on each row when no filter applies."""
    return {r["obligation"]: sorted(r["roles"].split()) for r in svc.select("obligation_roles")}


def apply_applicability(row: dict[str, Any], app: dict[str, Any] | None, scope: str) -> None:
    """Turn a target row's path status into its coverage status, given its applicability."""
    if app is None or app["status"] == "does-not-apply":
        reason = app["reason"] if app else f"does not bind {scope or 'this system'} (roles and categories)"
        row["status"] = "not-applicable"
        row["applicability"] = {
            "status": "does-not-apply",
            "from": iso(app["from"]) if app else None,
            "reason": reason,
        }
        return
    row["applicability"] = {"status": app["status"], "from": iso(app["from"]), "reason": app["reason"]}
    if app["status"] == "applies-from":
        row["would_be"], row["status"] = row["status"], "upcoming"
    elif app["status"] == "conditional":
        row["would_be"], row["status"] = row["status"], "conditional"
        row["decided_by"] = app.get("decided_by", [])
