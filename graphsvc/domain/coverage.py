"""Coverage: which requirements of a target framework a certificate, a system or an
organisation meets on a date, fully or partly, and why.

The semantics are those of the design brief (shared/DESIGN.md, "Coverage semantics"):

A *start* is something that holds on the date asked about:

1. ``control``: a control of the system's own organisation that implements requirement R,
   applies to the system, is implemented, and has at least one piece of evidence valid on
   the date (``implementsFully`` starts full, ``implementsPartly`` partial);
2. ``certificate``: a certificate valid on the date whose scope covers the system, for every
   requirement of its framework that its Statement of Applicability does not exclude (full);
3. ``inherited``/``shared``: for each system the system depends on (transitively), the
   controls its provider *publishes* as provided (full) or shared (partial, with the
   customer's residual responsibility), and the provider's certificates covering that
   system (partial: they certify the provider's side only; the customer's use of the
   system is outside their scope). Customer-only items are never published and never
   inherited, and inheritance reads only the provider's published graph, so a customer's
   coverage never depends on, or reveals, a provider's private data.

From R a path follows crosswalk links to the target requirement T (R itself when R is in
the target framework; direct mappings, then chains allowed by the set algebra). A path
transfers fully only if its start is full and every hop transfers fully; its strength is
its weakest hop. T is ``satisfied`` if a path transfers fully, ``partial`` if only partial
paths exist, ``gap`` otherwise. Against the EU AI Act, applicability comes first
(:mod:`graphsvc.domain.applicability`): an obligation that does not bind the system (role, category,
the conditions the Regulation attaches, Art. 111) is ``not-applicable`` with its reason; one
that binds it but applies only later is ``upcoming``, and one whose deciding attribute is not
given is ``conditional``; both keep, as ``would_be``, the status the paths give it, so a team
can prepare. Coverage of a certificate alone applies no filter unless a context (roles and
categories, attributes, or a system) is given; without one, each row names the roles it binds.

Design for speed: every store query is anchored on the system or certificate asked about,
and mapping links come from the in-memory :class:`~graphsvc.domain.crosswalk.CrosswalkIndex`
(built once per store generation), so the cost of an answer grows with the answer.

This module holds the three questions and the shape of their answers; the parts live beside it:
:mod:`~graphsvc.domain.coverage_starts` (what holds on the date, and inheritance),
:mod:`~graphsvc.domain.coverage_paths` (links walked and paths explained),
:mod:`~graphsvc.domain.coverage_assess` (target requirements, their rows and explanations),
:mod:`~graphsvc.domain.coverage_applicability` (the EU AI Act filter),
:mod:`~graphsvc.domain.certificate_scope`, :mod:`~graphsvc.domain.graph_scope` (which graphs are
read) and :mod:`~graphsvc.domain.resolve` (names → IRIs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphsvc.domain.applicability import system_facts, system_profile
from graphsvc.domain.certificate_scope import certificate_scope, role_caveats
from graphsvc.domain.coverage_applicability import applicability_for, context_applicability, obligation_binds
from graphsvc.domain.coverage_assess import assess
from graphsvc.domain.coverage_paths import path_text
from graphsvc.domain.coverage_starts import (
    Start,
    basis_starts,
    body_names,
    certificate_requirements,
    certificate_starts,
    certified_starts,
    control_starts,
    inherited_starts,
    iso,
)
from graphsvc.domain.graph_scope import holder_graphs, own_graphs
from graphsvc.domain.resolve import resolve_certificate, resolve_system
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GSD, compress
from graphsvc.sources.layers import describe_layer
from graphsvc.terms import plain_rows

STATUSES = ("satisfied", "partial", "gap", "upcoming", "conditional", "not-applicable")
GAP_KINDS = ("no-counterpart", "not-reached")
NO_FILTER = "none: no applicability filter was applied; each row names the roles the obligation binds"


@dataclass
class Options:
    as_of: dt.date
    layer: str
    depth: int = 2
    min_strength: int = 1
    include_proposed: bool = False
    #: most justification paths kept per requirement (the strongest first)
    max_paths: int = 5


# -- the answers' common parts --------------------------------------------------------------
def _asked(svc: Any, target_fw: str, opts: Options) -> dict[str, Any]:
    """What every answer says it answers: the target, the date and the law layer."""
    return {
        "target": target_fw,
        "as_of": opts.as_of.isoformat(),
        "law_version": opts.layer,
        "law_layer": describe_layer(svc, opts.layer),
    }


def _mappings_used(opts: Options) -> str:
    return "approved and proposed" if opts.include_proposed else "approved only"


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows have each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for r in rows:
        counts[r["status"]] += 1
    return counts


def gap_kinds(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The gaps split by why: no counterpart in the starting frameworks, or not reached."""
    counts = dict.fromkeys(GAP_KINDS, 0)
    for r in rows:
        if r["status"] == "gap":
            counts[r["gap"]["kind"]] += 1
    return counts


def _origin_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    out = {"own": 0, "inherited": 0, "shared": 0}
    for r in rows:
        if r["status"] in {"satisfied", "partial"}:
            for o in r["via"]:
                out[o] += 1
    return out


# -- a certificate alone --------------------------------------------------------------------
def _certificate_row(svc: Any, cert: str, graphs: list[str]) -> dict[str, Any]:
    """The certificate (or attestation) as its holder states it, with its issuer and accreditor."""
    rows = plain_rows(svc.registry.select(svc.store, "certificate", cert=cert, graphs=graphs))
    if not rows:
        raise UnknownTerm(f"{compress(cert)} is not a certificate or attestation in the graph")
    r = rows[0]
    r["issuer"], r["accreditor"] = body_names(svc, r["body"])
    return r


def _certificate_alone_starts(
    svc: Any, cert: str, r: dict[str, Any], reqs: list[str], as_of: dt.date, valid: bool
) -> tuple[list[Start], dict[str, Any] | None]:
    """The starts of a certificate looked at alone (no system): what it evidences, and, for an
    attestation, what the certificate it rests on evidences; with a description of that basis."""
    detail = {
        "issuer": r.get("issuer", ""),
        "accreditation": r.get("accreditor", ""),
        "valid_until": iso(r["validUntil"]),
        "framework": r["frameworkId"],
    }
    holder = {"id": compress(cert), "label": r["label"], "kind": "attestation"}
    starts = certified_starts("certificate", holder, "", reqs, inherited=False, residual="", detail=detail)
    if not r.get("basis"):
        return starts, None
    via_basis, basis = basis_starts(svc, holder, r["basis"], as_of, "", inherited=False)
    return starts + (via_basis if valid else []), basis


def _certificate_described(
    svc: Any,
    cert: str,
    r: dict[str, Any],
    valid: bool,
    excluded: dict[str, str],
    basis: dict[str, Any] | None,
    in_scope: list[dict[str, Any]],
    graphs: list[str],
) -> dict[str, Any]:
    """The ``certificate`` part of a certificate's coverage answer."""
    audits = plain_rows(svc.registry.select(svc.store, "certificate_audits", cert=cert, graphs=graphs))
    return {
        "id": compress(cert),
        "kind": str(r["kind"]).rsplit("#", 1)[-1].lower(),
        "label": r["label"],
        "holder": r["holderLabel"],
        "framework": r["frameworkId"],
        "issuer": r.get("issuer", ""),
        "accreditation": r.get("accreditor", ""),
        "number": r.get("number", ""),
        "valid_from": iso(r["validFrom"]),
        "valid_until": iso(r["validUntil"]),
        "valid_on_date": valid,
        "excluded": [{"requirement": svc.notation_of(x), "reason": why} for x, why in excluded.items()],
        "audits": [{k: iso(v) for k, v in a.items()} for a in audits],
        "rests_on": basis,
        "scope": in_scope,
    }


# -- the three questions --------------------------------------------------------------------
def certificate_coverage(
    svc: Any,
    cert: str,
    target_fw: str,
    opts: Options,
    *,
    explain: bool = True,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What one certificate alone evidences in ``target_fw`` on the date.

    ``context`` (EU AI Act targets only) filters by applicability: ``{"system": IRI}`` takes the
    system's roles, categories and attributes; ``{"roles": [...], "categories": [...],
    "facts": {...}}`` gives them. Without one no filter is applied, each row lists the roles it
    binds (``binds``), and the answer's ``applicability`` says so.
    """
    cert = resolve_certificate(svc, cert)
    svc.check_framework(target_fw)
    # the certificate as its holder states it: another tenant's statements about it never count
    graphs = holder_graphs(svc, cert)
    r = _certificate_row(svc, cert, graphs)
    valid = r["validFrom"] <= opts.as_of <= r["validUntil"]
    reqs, excluded = certificate_requirements(svc, cert, r["frameworkId"]) if valid else ([], {})
    starts, basis = _certificate_alone_starts(svc, cert, r, reqs, opts.as_of, valid)
    applicability, binds, scope = None, None, NO_FILTER
    roles: list[str] = []
    if target_fw == "euaia" and context:
        applicability, roles, scope = context_applicability(svc, context, opts.as_of, opts.layer)
    elif target_fw == "euaia":
        binds = obligation_binds(svc)
    results = assess(
        svc, starts, target_fw, opts, applicability, explain=explain, scope=scope if applicability else "", binds=binds
    )
    in_scope = certificate_scope(svc, cert)
    if target_fw == "euaia":
        context_roles = sorted(set(roles)) if applicability is not None else None
        role_caveats(results, r["holderLabel"], in_scope, context_roles)
    return {
        "certificate": _certificate_described(svc, cert, r, valid, excluded, basis, in_scope, graphs),
        **_asked(svc, target_fw, opts),
        "mappings_used": _mappings_used(opts),
        "applicability": f"for {scope}" if applicability is not None else (NO_FILTER if binds is not None else ""),
        "summary": summarise(results),
        "gap_kinds": gap_kinds(results),
        "requirements": results,
    }


def system_coverage(svc: Any, system: str, target_fw: str, opts: Options, *, explain: bool = True) -> dict[str, Any]:
    """Coverage of one AI system: own controls, certificates covering it, and inheritance."""
    system = resolve_system(svc, system)
    svc.check_framework(target_fw)
    prof = system_profile(svc, system)
    # the system's own organisation, plus what belongs to nobody: never another organisation's
    # graphs, so no one can attach a control or certificate to someone else's system
    # Controls, evidence and certificates live only in organisation graphs: asking over just the
    # graphs needed keeps the query fast (pyoxigraph pays for every graph in a dataset list)
    own = own_graphs(prof["org"])
    starts, ignored = control_starts(svc, system, opts.as_of, graphs=own)
    cert_starts, cert_ignored, certs = certificate_starts(
        svc, system, opts.as_of, graphs=[*own, *svc.framework_graph_list()]
    )
    inh_starts, inh_ignored, inh_certs, deps = inherited_starts(svc, system, opts.as_of)
    starts += cert_starts + inh_starts
    ignored += cert_ignored + inh_ignored
    certs += inh_certs
    applicability = None
    if target_fw == "euaia":
        facts = system_facts(svc, system)
        applicability = applicability_for(svc, prof["roles"], prof["categories"], facts, opts.as_of, opts.layer)
    scope = f"{', '.join(prof['roles'])} of {compress(system)}"
    results = assess(svc, starts, target_fw, opts, applicability, explain=explain, scope=scope)
    return {
        "system": {**{k: v for k, v in prof.items() if k != "system"}, "id": compress(system), "depends_on": deps},
        **_asked(svc, target_fw, opts),
        "mappings_used": _mappings_used(opts),
        "certificates": certs,
        "ignored": [vars(i) for i in ignored],
        "summary": summarise(results),
        "gap_kinds": gap_kinds(results),
        "by_origin": _origin_counts(results),
        "requirements": results,
    }


def _open_rows(cov: dict[str, Any]) -> list[dict[str, Any]]:
    """The gaps and partial rows of a system's coverage (by status, or by what an upcoming or
    conditional row would be), as an organisation's gap list shows them."""
    return [
        {
            "system": cov["system"]["id"],
            "system_label": cov["system"]["label"],
            "notation": r["notation"],
            "title": r["title"],
            "status": r["status"],
            "from": (r.get("applicability") or {}).get("from") or "",
            "residual": r["residual"],
        }
        for r in cov["requirements"]
        if r["status"] in {"gap", "partial"} or r.get("would_be") in {"gap", "partial"}
    ]


def org_coverage(svc: Any, org: str, target_fw: str, opts: Options, *, explain: bool = False) -> dict[str, Any]:
    """Coverage of every system of an organisation, with gaps ranked by application date."""
    org_iri = org if org.startswith("http") else GSD + "org/" + org.removeprefix("gsd:org/")
    systems = svc.select("org_systems", org=org_iri)
    if not systems:
        raise UnknownTerm(f"organisation {org!r} has no AI systems in the graph (or does not exist)")
    per_system = []
    gaps = []
    for s in systems:
        cov = system_coverage(svc, s["system"], target_fw, opts, explain=explain)
        per_system.append({k: cov[k] for k in ("system", "summary", "by_origin", "requirements")})
        gaps += _open_rows(cov)
    gaps.sort(key=lambda g: (g["from"] or "9999", g["status"] != "gap", g["system"], g["notation"]))
    total = dict.fromkeys(STATUSES, 0)
    for s in per_system:
        for k, v in s["summary"].items():
            total[k] += v
    return {
        "organisation": org_iri,
        **_asked(svc, target_fw, opts),
        "summary": total,
        "gap_kinds": gap_kinds([r for s in per_system for r in s["requirements"]]),
        "systems": per_system,
        "gaps": gaps,
    }


# -- views of an answer ---------------------------------------------------------------------
def select_statuses(result: dict[str, Any], statuses: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A coverage answer with only the requirement rows of the given statuses (and, for an
    organisation, only those gaps); ``summary`` still counts every row, and ``shown`` says which
    statuses were kept.

    :raises QueryParameterError: a status that is not one of :data:`STATUSES`.
    """
    unknown = [x for x in statuses if x not in STATUSES]
    if unknown:
        raise QueryParameterError(f"status {', '.join(unknown)}: expected {', '.join(STATUSES)}")
    wanted = set(statuses)
    out = {**result, "shown": [x for x in STATUSES if x in wanted]}
    if "systems" in result:
        out["systems"] = [
            {**s, "requirements": [r for r in s["requirements"] if r["status"] in wanted]} for s in result["systems"]
        ]
        out["gaps"] = [g for g in result.get("gaps", []) if g["status"] in wanted]
    else:
        out["requirements"] = [r for r in result["requirements"] if r["status"] in wanted]
    return out


def coverage_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten a coverage answer into one row per (system,) target requirement.

    The first column names what was assessed, on every row: ``system`` (the system's id, for a
    system or an organisation's systems) or ``certificate`` (for a certificate alone).

    >>> row = {"notation": "12(1)", "curie": "euaia:art12.1", "title": "Record-keeping", "status": "gap",
    ...        "via": [], "residual": [], "path_count": 0, "explanation": "12(1): gap"}
    >>> [list(r)[:2] + [r["certificate"]] for r in coverage_rows(
    ...     {"certificate": {"id": "gsd:certificate/acme/c"}, "requirements": [row]})]
    [['certificate', 'notation', 'gsd:certificate/acme/c']]
    """
    systems = result.get("systems")
    key = "certificate" if "certificate" in result and not systems else "system"
    if systems:
        groups = [(s["system"]["id"], s["requirements"]) for s in systems]
    else:
        subject = result.get("certificate") or result.get("system") or {}
        groups = [(subject.get("id", ""), result["requirements"])]
    out = []
    for subject_id, reqs in groups:
        for r in reqs:
            app = r.get("applicability") or {}
            best = (r.get("paths") or [None])[0]
            out.append(
                {
                    key: subject_id,
                    "notation": r["notation"],
                    "curie": r["curie"],
                    "title": r["title"],
                    "status": r["status"],
                    "gap": (r.get("gap") or {}).get("kind", ""),
                    "would_be": r.get("would_be", ""),
                    "binds": ", ".join(r.get("binds", [])),
                    "via": _via(result, r),
                    "from": app.get("from") or "",
                    "applicability": app.get("status", ""),
                    "best_path": path_text(best) if best else "",
                    "paths": r["path_count"],
                    "residual": "; ".join(r["residual"]),
                    "explanation": r["explanation"],
                    "group": r.get("group", ""),
                    "group_title": r.get("group_title", ""),
                    "caveat": r.get("caveat", ""),
                }
            )
    return out


def _via(result: dict[str, Any], row: dict[str, Any]) -> str:
    """How a row is reached: own, inherited or shared for a system; for a certificate looked at
    alone (where "own" would say nothing) the kind of start: certificate, or attestation."""
    if "certificate" not in result or not row["via"]:
        return ", ".join(row["via"])
    kinds = sorted({p["start"]["kind"] for p in row.get("paths") or []})
    return ", ".join(kinds) or str(result["certificate"].get("kind") or "certificate")
