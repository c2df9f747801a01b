"""Tenant-owned facts: what an organisation's published graph may say, and about whom.

Every caller reads every organisation's published graph (``gsg:org/<org>/published``), and
customers' coverage is computed from it. So a tenant may publish statements only about its
own resources, whoever writes them (``import org``, ``PUT /orgs``, the Graph Store Protocol,
SPARQL Update):

* the subject of every triple is one of the organisation's own resources: its node
  ``gsd:org/<org>`` or an IRI minted under it, ``gsd:<kind>/<org>/…`` for the kinds in
  :data:`OWNED_KINDS` (systems, controls, evidence, certificates, attestations, bodies, and
  what hangs below them: SoA exclusions and audits). A blank node belongs to no one and is
  refused; so is any other IRI (a catalog requirement, another tenant's certificate, a
  ``urn:``);
* a triple that says who owns something (:data:`OWNER_PREDICATES`: a system's operator, a
  control's organisation, a certificate's holder) names the organisation itself, so no
  tenant can publish a certificate "held by" another.

Certification and accreditation bodies are therefore namespaced per tenant
(``gsd:body/<org>/<id>``): one tenant's ``mastermind`` is not another's.

>>> from pyoxigraph import Literal, NamedNode
>>> label, until = NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), NamedNode(GS + "validUntil")
>>> check_published_subjects("acme", [(NamedNode(GSD + "system/acme/bot"), label, Literal("Bot"))])
>>> check_published_subjects("acme", [(NamedNode(GSD + "certificate/microsoft/c"), until, Literal("2026-06-01"))])
Traceback (most recent call last):
...
graphsvc.errors.Forbidden: the published graph of 'acme' may only hold statements about acme's own resources (gsd:org/acme, gsd:<kind>/acme/…); refused: subject https://w3id.org/graphsvc/id/certificate/microsoft/c is not acme's
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyoxigraph import NamedNode

from graphsvc.errors import Forbidden
from graphsvc.namespaces import GS, GSD, graph_iri

__all__ = [
    "OWNED_KINDS",
    "OWNER_PREDICATES",
    "check_graph_subjects",
    "check_published_subjects",
    "owner_of",
    "published_org",
]

#: The kinds of resource an organisation mints under its own id: ``gsd:<kind>/<org>/<id>``.
OWNED_KINDS = frozenset({"system", "control", "evidence", "certificate", "attestation", "body"})
#: Predicates whose object says which organisation owns the subject.
OWNER_PREDICATES = frozenset({GS + "operator", GS + "controlOf", GS + "issuedTo"})
_ORG_GRAPHS = graph_iri("org/")
_MAX_LISTED = 5


def owner_of(iri: str) -> str | None:
    """The organisation id an IRI belongs to, or None when it belongs to no organisation.

    >>> owner_of("https://w3id.org/graphsvc/id/certificate/microsoft/iso42001/audit/0")
    'microsoft'
    >>> owner_of("https://w3id.org/graphsvc/id/org/contoso")
    'contoso'
    >>> owner_of("https://w3id.org/graphsvc/id/body/mastermind") is None  # an unqualified body is no one's
    True
    """
    if not iri.startswith(GSD):
        return None
    kind, _, rest = iri[len(GSD) :].partition("/")
    org, sep, local = rest.partition("/")
    if not org:
        return None
    if kind == "org":
        return org
    if kind in OWNED_KINDS and sep and local:
        return org
    return None


def published_org(graph: str) -> str | None:
    """The organisation whose published graph this is, or None for any other graph.

    >>> published_org("https://w3id.org/graphsvc/graph/org/acme/published")
    'acme'
    >>> published_org("https://w3id.org/graphsvc/graph/org/acme") is None
    True
    """
    if not graph.startswith(_ORG_GRAPHS) or not graph.endswith("/published"):
        return None
    org = graph[len(_ORG_GRAPHS) : -len("/published")]
    return org if org and "/" not in org else None


def _problem(org: str, s: Any, p: Any, o: Any) -> str | None:
    if not isinstance(s, NamedNode):
        return f"subject {s} is a blank node (it belongs to no organisation)"
    if owner_of(s.value) != org:
        return f"subject {s.value} is not {org}'s"
    owner = GSD + "org/" + org
    if isinstance(p, NamedNode) and p.value in OWNER_PREDICATES and not (isinstance(o, NamedNode) and o.value == owner):
        return f"{s.value} {p.value} must name {owner}, not {o}"
    return None


def check_published_subjects(org: str, triples: Iterable[tuple[Any, Any, Any]]) -> None:
    """Refuse triples an organisation's published graph may not hold (see the module docstring).

    ``triples`` are (subject, predicate, object) pyoxigraph terms (a ``Triple`` or ``Quad`` works
    too). Call it before writing, for every write path into ``gsg:org/<org>/published``.

    :raises Forbidden: naming the first offending statements.
    """
    problems: list[str] = []
    for t in triples:
        s, p, o = (t.subject, t.predicate, t.object) if hasattr(t, "subject") else t
        why = _problem(org, s, p, o)
        if why and why not in problems:
            problems.append(why)
            if len(problems) >= _MAX_LISTED:
                break
    if problems:
        msg = (
            f"the published graph of {org!r} may only hold statements about {org}'s own resources "
            f"(gsd:org/{org}, gsd:<kind>/{org}/…); refused: "
        )
        raise Forbidden(msg + problems[0], errors=[msg + p for p in problems])


def check_graph_subjects(graph: str, triples: Iterable[tuple[Any, Any, Any]]) -> None:
    """:func:`check_published_subjects` when ``graph`` is an organisation's published graph; any
    other graph (a private graph, the default graph, a catalog for admins) is not restricted here.

    :raises Forbidden: see :func:`check_published_subjects`.
    """
    org = published_org(graph)
    if org is not None:
        check_published_subjects(org, triples)
