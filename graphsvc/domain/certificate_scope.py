"""Whom a certificate's scope covers, and what that means for the duties credited to it.

A certificate's holder publishes the AI systems its scope covers and the roles it holds for
each. A duty that binds none of those roles (a deployer duty, say, on a provider's certificate)
is met by the certificate only where the holder itself acts in that role: :func:`role_caveats`
says so on the coverage rows that credit the certificate with such a duty.
"""

from __future__ import annotations

from typing import Any

from graphsvc.domain.graph_scope import published_graph
from graphsvc.namespaces import GSD, compress
from graphsvc.sources.ownership import owner_of


def certificate_scope(svc: Any, cert: str) -> list[dict[str, Any]]:
    """The AI systems a certificate's scope covers, with the roles its holder holds for each, as the
    holder publishes them (``[{"id", "label", "roles"}]``)."""
    org = owner_of(cert)
    if org is None:
        return []
    rows = svc.registry.select(svc.store, "certificate_scope", cert=cert, graphs=[published_graph(GSD + "org/" + org)])
    systems: dict[str, dict[str, Any]] = {}
    for row in rows:
        s = systems.setdefault(
            row["system"].value, {"id": compress(row["system"].value), "label": row["label"].value, "roles": []}
        )
        if "role" in row:
            role = row["role"].value.rsplit("role-", 1)[-1]
            if role not in s["roles"]:
                s["roles"].append(role)
    return list(systems.values())


def role_caveats(
    rows: list[dict[str, Any]], holder: str, in_scope: list[dict[str, Any]], context_roles: list[str] | None
) -> None:
    """Say so where a certificate is credited with a duty that binds none of the roles its holder
    holds for the systems in its scope (a deployer duty, say, on a provider's certificate): the
    certificate shows the duty met only where the holder itself acts in that role, and an
    operator of the certified systems that holds it inherits the certificate partly at most."""
    held = sorted({role for s in in_scope for role in s["roles"]})
    if not held:
        return
    for row in rows:
        if row["status"] not in {"satisfied", "partial"} and row.get("would_be") not in {"satisfied", "partial"}:
            continue
        bound = context_roles if context_roles is not None else list(row.get("binds") or [])
        if not bound or set(bound) & set(held):
            continue
        duty = " or ".join(bound)
        text = (
            f"{'an' if duty[0] in 'aeiou' else 'a'} {duty} duty credited to a certificate {holder} holds as "
            f"{' and '.join(held)} of the systems in its scope: it shows the duty met only where {holder} itself "
            f"acts as {duty}"
        )
        if "deployer" in bound:
            text += "; a deployer of these systems inherits the certificate partly at most (coverage --system)"
        row["caveat"] = text
