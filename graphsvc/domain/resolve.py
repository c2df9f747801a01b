"""Find the IRI of an AI system, certificate or attestation from what a user types: the IRI, a
``gsd:`` CURIE, ``ORG/ID`` (checked with one anchored lookup) or a bare ``ID`` when it is unique.
"""

from __future__ import annotations

from typing import Any

from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GS, GSD, compress


def _resolve(text: str, candidates: list[str], prefixes: tuple[str, ...], what: str, listing: str) -> str:
    """Find an IRI among ``candidates`` from an IRI, a ``gsd:`` CURIE, ``ORG/ID`` or a bare ``ID``."""
    if text.startswith("http"):
        return text
    t = text.removeprefix("gsd:")
    for prefix in prefixes:
        t = t.removeprefix(prefix)
    matches = [c for c in candidates if c.endswith("/" + t)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise QueryParameterError(
            f"{what} {text!r} is ambiguous: {', '.join(compress(m) for m in matches)}; write ORG/ID"
        )
    raise UnknownTerm(f"no {what} {text!r}; `{listing}` lists them")


def _anchored(svc: Any, text: str, kinds: tuple[tuple[str, str], ...]) -> str | None:
    """``ORG/ID`` (or ``gsd:KIND/ORG/ID``) → the IRI of that kind that exists, checked with one
    anchored lookup; None for a bare ``ID``."""
    t = text.removeprefix("gsd:")
    for path, _cls in kinds:
        t = t.removeprefix(path)
    if t.count("/") != 1:
        return None
    for path, cls in kinds:
        candidate = f"{GSD}{path}{t}"
        if svc.select("is_a", thing=candidate, type=GS + cls):
            return candidate
    return ""


def resolve_system(svc: Any, text: str) -> str:
    """A system IRI from ``ORG/ID``, ``ID`` (when unique), a ``gsd:`` CURIE or the IRI."""
    if text.startswith("http"):
        return text
    found = _anchored(svc, text, (("system/", "AISystem"),))
    if found:
        return found
    if found == "":
        raise UnknownTerm(f"no AI system {text!r}; `graphsvc systems` lists them")
    systems = [s["system"] for s in svc.select("systems")]
    return _resolve(text, systems, ("system/",), "AI system", "graphsvc systems")


def resolve_certificate(svc: Any, text: str) -> str:
    """A certificate or attestation IRI from ``ORG/ID``, ``ID`` (when unique), a CURIE or the IRI."""
    if text.startswith("http"):
        return text
    kinds = (("certificate/", "Certificate"), ("attestation/", "Attestation"))
    found = _anchored(svc, text, kinds)
    if found:
        return found
    if found == "":
        raise UnknownTerm(f"no certificate or attestation {text!r}; `graphsvc certificates` lists them")
    certs = [c["cert"] for c in svc.select("certificates")]
    return _resolve(
        text, certs, ("certificate/", "attestation/"), "certificate or attestation", "graphsvc certificates"
    )
