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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graphsvc.domain.applicability import applicable, system_facts, system_profile
from graphsvc.domain.crosswalk import TRANSFER, Link
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GS, GSD, compress, expand, graph_iri
from graphsvc.sources.decisions import gap_reason
from graphsvc.sources.layers import describe_layer, hidden_requirements
from graphsvc.sources.ownership import owner_of
from graphsvc.terms import plain_rows

STATUSES = ("satisfied", "partial", "gap", "upcoming", "conditional", "not-applicable")
GAP_KINDS = ("no-counterpart", "not-reached")
NO_FILTER = "none: no applicability filter was applied; each row names the roles the obligation binds"
_RANK = {"full": 2, "partial": 1, "none": 0}


@dataclass
class Start:
    """Something that holds on the date and implements requirement ``requirement``."""

    kind: str  # control | certificate | attestation | inherited-control | inherited-certificate | inherited-attestation
    origin: str  # own | inherited | shared
    id: str
    label: str
    system: str
    requirement: str
    extent: str  # full | partial
    evidence: list[dict[str, Any]] = field(default_factory=list)
    residual: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ignored:
    """A control or certificate that does not count on the date, and why."""

    kind: str
    id: str
    label: str
    reason: str


@dataclass
class Options:
    as_of: dt.date
    layer: str
    depth: int = 2
    min_strength: int = 1
    include_proposed: bool = False
    #: most justification paths kept per requirement (the strongest first)
    max_paths: int = 5


def _iso(d: Any) -> str:
    return d.isoformat() if isinstance(d, dt.date) else str(d)


def _org_graphs(org_iri: str) -> tuple[str, str]:
    org_id = org_iri.rsplit("/", 1)[-1]
    return graph_iri(f"org/{org_id}"), graph_iri(f"org/{org_id}/published")


def holder_graphs(svc: Any, thing: str) -> list[str]:
    """The graphs that may say anything about an organisation's resource (``gsd:<kind>/<org>/…``):
    that organisation's own two graphs and the framework catalogs, never another tenant's.

    :raises UnknownTerm: the IRI belongs to no organisation.
    """
    org = owner_of(thing)
    if org is None:
        raise UnknownTerm(f"{compress(thing)} belongs to no organisation")
    return [*_org_graphs(GSD + "org/" + org), *svc.framework_graph_list()]


def body_names(svc: Any, body: str) -> tuple[str, str]:
    """(name, name of its accreditation body) of a certification body, each read from the
    published graph of the organisation that defines it (cached until the next write)."""
    cache = svc.cache("bodies")
    if body not in cache:
        row = _body_row(svc, body)
        acc = _body_row(svc, row["accreditedBy"].value) if "accreditedBy" in row else {}
        cache[body] = tuple(r["label"].value if "label" in r else "" for r in (row, acc))
    return cache[body]


def _body_row(svc: Any, body: str) -> dict[str, Any]:
    org = owner_of(body)
    if org is None:
        return {}
    rows = svc.registry.select(svc.store, "body", body=body, graphs=[_org_graphs(GSD + "org/" + org)[1]])
    return rows[0] if rows else {}


def _org_parts(org_iri: str) -> tuple[str, str]:
    """The private graphs an organisation adds by importing a control catalog and reviewing proposals."""
    org_id = org_iri.rsplit("/", 1)[-1]
    return graph_iri(f"org/{org_id}/controls"), graph_iri(f"org/{org_id}/mappings")


def reference_graphs(svc: Any) -> list[str]:
    """Every graph that belongs to no organisation: ontology, catalogs, layers, mapping sets,
    derived mappings and inferred classifications."""
    return [g for g in svc.store.named_graphs() if not g.startswith(graph_iri("org/"))]


def public_graphs(svc: Any) -> list[str]:
    """Catalogs, layers, mapping sets, derived and inferred graphs, and every published org graph."""
    return [
        g for g in svc.store.named_graphs() if not (g.startswith(graph_iri("org/")) and not g.endswith("/published"))
    ]


# -- starts -------------------------------------------------------------------------------
def control_starts(
    svc: Any, system: str, as_of: dt.date, *, graphs: list[str] | None, inherited: bool = False
) -> tuple[list[Start], list[Ignored]]:
    """Starts from the controls applying to ``system`` in ``graphs``.

    Own controls (``inherited=False``) need evidence valid on ``as_of``; inherited ones are
    read from the provider's published graph, which holds no evidence: the provider's
    declaration (and its certificate, a separate start) is what the customer relies on.
    """
    rows = svc.registry.select(svc.store, "system_controls", system=system, graphs=graphs)
    controls: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = controls.setdefault(
            r["control"].value,
            {
                "label": r["label"].value,
                "status": r["status"].value,
                "responsibility": r["responsibility"].value,
                "reqs": {},
                "evidence": {},
            },
        )
        c["reqs"][r["req"].value] = r["extent"].value
        if "evidence" in r:
            c["evidence"][r["evidence"].value] = {
                "id": compress(r["evidence"].value),
                "label": r["evidenceLabel"].value,
                "valid_from": dt.date.fromisoformat(r["validFrom"].value),
                "valid_until": dt.date.fromisoformat(r["validUntil"].value),
                "document": r["document"].value,
            }
    residuals: dict[str, str] = {}
    if inherited and controls:
        for r in svc.registry.select(svc.store, "control_residuals", system=system, graphs=graphs):
            residuals[r["control"].value] = r["residual"].value
    starts: list[Start] = []
    ignored: list[Ignored] = []
    for cid, c in controls.items():
        label = c["label"]
        if c["status"] != "implemented":
            ignored.append(Ignored("control", compress(cid), label, f"status is {c['status']}"))
            continue
        evidence: list[dict[str, Any]] = []
        if inherited:
            if c["responsibility"] not in {"provided", "shared"}:
                continue  # never inherited (and never published)
            origin = "inherited" if c["responsibility"] == "provided" else "shared"
            kind = "inherited-control"
        else:
            origin, kind = "own", "control"
            evidence = [e for e in c["evidence"].values() if e["valid_from"] <= as_of <= e["valid_until"]]
            if not evidence:
                if c["evidence"]:
                    latest = max(e["valid_until"] for e in c["evidence"].values())
                    why = f"no evidence valid on {as_of.isoformat()} (latest expired {latest.isoformat()})"
                else:
                    why = "no evidence"
                ignored.append(Ignored("control", compress(cid), label, why))
                continue
        for req, extent in c["reqs"].items():
            if origin == "shared":
                extent = "partial"
            starts.append(
                Start(
                    kind=kind,
                    origin=origin,
                    id=compress(cid),
                    label=label,
                    system=system,
                    requirement=req,
                    extent=extent,
                    evidence=[
                        {**e, "valid_until": _iso(e["valid_until"]), "valid_from": _iso(e["valid_from"])}
                        for e in evidence
                    ],
                    residual=residuals.get(cid, ""),
                )
            )
    return starts, ignored


def certificate_requirements(svc: Any, cert: str, framework_id: str) -> tuple[list[str], dict[str, str]]:
    """The requirements a certificate evidences (its framework minus SoA exclusions, as its
    holder states them).

    Excluding a requirement also excludes everything below it in the catalog.
    """
    rows = svc.registry.select(svc.store, "certificate_exclusions", cert=cert, graphs=holder_graphs(svc, cert))
    excluded = {r["req"].value: r["reason"].value for r in rows}
    out = []
    for item in svc.catalog_cached(framework_id):
        iri = item["iri"]
        lineage = svc.lineage(iri)
        if not any(x in excluded for x in lineage):
            out.append(iri)
    return out, excluded


def certificate_starts(
    svc: Any,
    system: str,
    as_of: dt.date,
    *,
    graphs: list[str] | None,
    inherited: bool = False,
    system_label: str = "",
) -> tuple[list[Start], list[Ignored], list[dict[str, Any]]]:
    rows = svc.registry.select(svc.store, "system_certificates", system=system, graphs=graphs)
    starts: list[Start] = []
    ignored: list[Ignored] = []
    certs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in rows:
        cert = r["cert"].value
        if cert in seen:
            continue
        seen.add(cert)
        issuer, accreditation = body_names(svc, r["body"].value)
        info = {
            "id": compress(cert),
            "label": r["label"].value,
            "kind": r["kind"].value.rsplit("#", 1)[-1].lower(),
            "framework": r["frameworkId"].value,
            "valid_from": r["validFrom"].value,
            "valid_until": r["validUntil"].value,
            "issuer": issuer,
            "accreditation": accreditation,
            "system": compress(system),
            "inherited": inherited,
        }
        vf, vu = dt.date.fromisoformat(info["valid_from"]), dt.date.fromisoformat(info["valid_until"])
        info["valid_on_date"] = vf <= as_of <= vu
        certs.append(info)
        if not info["valid_on_date"]:
            ignored.append(
                Ignored(info["kind"], info["id"], info["label"], f"not valid on {as_of.isoformat()} ({vf} to {vu})")
            )
            continue
        reqs, excluded = certificate_requirements(svc, cert, info["framework"])
        info["excluded"] = [{"requirement": svc.notation_of(x), "reason": why} for x, why in excluded.items()]
        if "basis" in r:
            extent = "partial" if inherited else "full"
            found, why = basis_starts(svc, info, r["basis"].value, as_of, system, extent)
            info["rests_on"] = why
            starts += found
            if not found:
                ignored.append(Ignored(info["kind"], info["id"], info["label"], why["reason"]))
        for req in reqs:
            starts.append(
                Start(
                    kind="inherited-certificate" if inherited else "certificate",
                    origin="shared" if inherited else "own",
                    id=info["id"],
                    label=info["label"],
                    system=system,
                    requirement=req,
                    extent="partial" if inherited else "full",
                    residual=(
                        f"{info['label']} certifies the provider's management of {system_label or compress(system)}; "
                        "your own use and operation of the system is outside its scope"
                        if inherited
                        else ""
                    ),
                    detail={k: info[k] for k in ("issuer", "accreditation", "valid_until", "framework")},
                )
            )
    return starts, ignored, certs


def basis_starts(
    svc: Any, att: dict[str, Any], basis: str, as_of: dt.date, system: str, extent: str
) -> tuple[list[Start], dict[str, Any]]:
    """Starts of an attestation through the certificate it rests on (``gs:restsOn``).

    The attestation reaches what the certificate evidences (its framework minus its SoA
    exclusions) while the certificate is valid on the date; each start names both. Returns
    the starts and a description of the basis (id, label, validity, reason when unusable).
    """
    rows = plain_rows(svc.registry.select(svc.store, "certificate", cert=basis, graphs=holder_graphs(svc, basis)))
    if not rows:
        return [], {"id": compress(basis), "label": "", "valid_on_date": False, "reason": "basis not in the graph"}
    b = rows[0]
    valid = b["validFrom"] <= as_of <= b["validUntil"]
    why = {
        "id": compress(basis),
        "label": b["label"],
        "framework": b["frameworkId"],
        "valid_from": _iso(b["validFrom"]),
        "valid_until": _iso(b["validUntil"]),
        "valid_on_date": valid,
        "reason": ""
        if valid
        else f"rests on {b['label']}, not valid on {as_of.isoformat()} ({_iso(b['validFrom'])} to {_iso(b['validUntil'])})",
    }
    if not valid:
        return [], why
    reqs, _excluded = certificate_requirements(svc, basis, b["frameworkId"])
    issuer, accreditation = body_names(svc, str(b["body"]))
    inherited = extent == "partial"
    starts = [
        Start(
            kind="inherited-attestation" if inherited else "attestation",
            origin="shared" if inherited else "own",
            id=att["id"],
            label=att["label"],
            system=system,
            requirement=req,
            extent=extent,
            residual=(
                f"{att['label']} rests on the provider's certificate {b['label']}; your own use and operation "
                "of the system is outside its scope"
                if inherited
                else ""
            ),
            detail={
                "issuer": issuer,
                "accreditation": accreditation,
                "valid_until": _iso(b["validUntil"]),
                "framework": b["frameworkId"],
                "rests_on": {"id": compress(basis), "label": b["label"], "valid_until": _iso(b["validUntil"])},
            },
        )
        for req in reqs
    ]
    return starts, why


# -- paths ----------------------------------------------------------------------------
def _links(svc: Any, req: str, target_fw: str, opts: Options) -> list[Link]:
    key = (req, target_fw, opts.depth, opts.min_strength, opts.include_proposed)
    cache = svc.cache("links")
    if key not in cache:
        cache[key] = svc.crosswalk_index().links(
            req,
            depth=opts.depth,
            min_strength=opts.min_strength,
            include_proposed=opts.include_proposed,
            to_framework=target_fw,
        )
    return cache[key]


def _path(svc: Any, start: Start, link: Link | None) -> dict[str, Any]:
    hops = []
    strength = 10
    transfer = start.extent
    if link is not None:
        strength = link.strength
        if _RANK[link.transfer] < _RANK[transfer]:
            transfer = link.transfer
        for h in link.hops:
            m = h.mapping
            hops.append(
                {
                    "from": svc.notation_of(h.source),
                    "from_curie": compress(h.source),
                    "to": svc.notation_of(h.target),
                    "to_curie": compress(h.target),
                    "to_title": svc.requirement_info(h.target)["title"],
                    "relation": h.relation,
                    "strength": m.strength,
                    "status": m.status,
                    "source": m.source,
                    "comment": m.comment,
                    "inverted": h.inverted,
                }
            )
    info = svc.requirement_info(start.requirement)
    return {
        "transfer": transfer,
        "strength": strength,
        "origin": start.origin,
        "start": {
            "kind": start.kind,
            "id": start.id,
            "label": start.label,
            "system": compress(start.system),
            "extent": start.extent,
            "evidence": start.evidence,
            "residual": start.residual,
            **start.detail,
        },
        "requirement": {
            "curie": info["curie"],
            "notation": info["notation"],
            "framework": info["framework"],
            "title": info["title"],
        },
        "hops": hops,
        "derived": link is not None and link.derived,
    }


def _explain(svc: Any, target_notation: str, status: str, path: dict[str, Any]) -> str:
    s = path["start"]
    what = {
        "control": f"control {s['id']} ({s['label']})",
        "inherited-control": f"the provider's {'shared' if path['origin'] == 'shared' else 'provided'} control {s['id']} ({s['label']}) on {s['system']}",
        "certificate": f"certificate {s['label']}",
        "inherited-certificate": f"the provider's certificate {s['label']} for {s['system']}",
        "attestation": f"attestation {s['label']}, through {(s.get('rests_on') or {}).get('label', '')} on which it rests,",
        "inherited-attestation": f"the provider's attestation {s['label']} for {s['system']}, through "
        f"{(s.get('rests_on') or {}).get('label', '')} on which it rests,",
    }[s["kind"]]
    if s["kind"] in {"certificate", "inherited-certificate", "attestation", "inherited-attestation"}:
        verb = "certifies" if s["extent"] == "full" else "partly certifies"
    else:
        verb = "implements" if s["extent"] == "full" else "partly implements"
    req = path["requirement"]
    text = f"{target_notation} is {status} because {what} {verb} {req['framework']} {req['notation']}"
    phrase = {
        "equal": "which equals",
        "subset": "which is part of",
        "superset": "which covers all of",
        "intersects": "which overlaps",
        "not-related": "which is unrelated to",
    }
    for h in path["hops"]:
        text += f", {phrase[h['relation']]} {h['to']} (strength {h['strength']}, source: {h['source']})"
    if s.get("evidence"):
        ev = s["evidence"][0]
        text += f"; evidenced by {ev['id']}, valid until {ev['valid_until']}"
    if s.get("valid_until") and s["kind"] in {
        "certificate",
        "inherited-certificate",
        "attestation",
        "inherited-attestation",
    }:
        text += f"; certificate valid until {s['valid_until']}"
    if s.get("residual"):
        text += f"; left to you: {s['residual']}"
    return text


def targets(svc: Any, target_fw: str) -> list[dict[str, Any]]:
    """The requirements coverage is reported on: every EU AI Act obligation (paragraphs and
    their points alike, since mappings may target either); in other frameworks, the leaves of
    the catalog (subclauses, Annex A controls, subcategories, AICM controls)."""
    cat = svc.catalog_cached(target_fw)
    if target_fw == "euaia":
        return [c for c in cat if c["obligation"]]
    parents = {c["parent"] for c in cat}
    return [c for c in cat if c["notation"] not in parents and c["kind"] not in {"chapter", "section", "annex"}]


def group_of(svc: Any, framework: str, req: str) -> dict[str, str]:
    """The heading a requirement is listed under: for an EU AI Act provision its article (an annex
    point: its annex), for a requirement of another framework its parent (a clause, a control group,
    a function category, a control domain); a top-level requirement is its own heading.
    """
    cache = svc.cache("groups")
    if framework not in cache:
        cache[framework] = {c["iri"]: c for c in svc.catalog_cached(framework)}
    by_iri: dict[str, dict[str, Any]] = cache[framework]
    item = by_iri.get(req)
    if item is None:
        return {"notation": "", "title": ""}
    lineage = [by_iri[x] for x in svc.lineage(req) if x in by_iri]
    if framework == "euaia":
        heads = [x for x in lineage if x["kind"] == "article"] or [
            x for x in lineage if x["kind"] not in {"chapter", "section"}
        ][-1:]
        head = heads[0] if heads else item
    else:
        head = lineage[1] if len(lineage) > 1 else item
    return {"notation": head["notation"], "title": head["title"]}


def assess(
    svc: Any,
    starts: list[Start],
    target_fw: str,
    opts: Options,
    applicability: dict[str, dict[str, Any]] | None,
    *,
    explain: bool = True,
    max_paths: int | None = None,
    scope: str = "",
    binds: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Assign a status and justification paths to every target requirement.

    ``applicability`` (obligation IRI → row of :func:`~graphsvc.domain.applicability.applicable`,
    does-not-apply rows included) filters EU AI Act targets; ``scope`` says, in words, for whom
    an obligation missing from it was looked up; ``binds`` (IRI → roles) is shown on each row
    when no filter applies. Each row names its ``group``: the article an EU AI Act obligation
    belongs to, or the parent of a requirement of another framework (:func:`group_of`)."""
    by_target: dict[str, list[dict[str, Any]]] = {}
    start_fws = {svc.framework_of.get(st.requirement, "") for st in starts} - {target_fw, ""}
    for st in starts:
        if svc.framework_of.get(st.requirement) == target_fw:
            by_target.setdefault(st.requirement, []).append(_path(svc, st, None))
        for link in _links(svc, st.requirement, target_fw, opts):
            if TRANSFER[link.relation] == "none":
                continue
            by_target.setdefault(link.target, []).append(_path(svc, st, link))
    out = []
    # requirements that do not exist in the law layer asked about (issue 11b, graphsvc/sources/layers.py)
    hidden = hidden_requirements(svc, opts.layer) if target_fw == "euaia" else set()
    for t in targets(svc, target_fw):
        if t["iri"] in hidden:
            continue
        paths = by_target.get(t["iri"], [])
        paths.sort(key=lambda p: (-_RANK[p["transfer"]], -p["strength"], len(p["hops"]), p["start"]["id"]))
        best = paths[0] if paths else None
        status = "gap"
        if best is not None:
            status = "satisfied" if best["transfer"] == "full" else "partial"
        group = group_of(svc, target_fw, t["iri"])
        row: dict[str, Any] = {
            "notation": t["notation"],
            "curie": t["curie"],
            "title": t["title"],
            "group": group["notation"],
            "group_title": group["title"],
            "status": status,
            "via": sorted({p["origin"] for p in paths}),
            "residual": sorted({p["start"]["residual"] for p in paths if p["start"]["residual"]}),
        }
        if applicability is not None:
            _apply(row, applicability.get(t["iri"]), scope)
        elif binds is not None:
            row["binds"] = binds.get(t["iri"], [])
        if row["status"] == "gap" or row.get("would_be") == "gap":
            row["gap"] = gap_reason(svc, t["iri"], start_fws, target_fw)
        if row["status"] == "not-applicable":
            row["explanation"] = f"{t['notation']}: not applicable: {row['applicability']['reason']}"
        elif row["status"] in {"upcoming", "conditional"}:
            then = row["gap"]["text"] if best is None else _explain(svc, t["notation"], row["would_be"], best)
            lead = (
                f"upcoming: applies from {row['applicability']['from']}; on that date"
                if row["status"] == "upcoming"
                else f"conditional: {row['applicability']['reason']}; if it binds,"
            )
            row["explanation"] = f"{t['notation']}: {lead} it would be {row['would_be']}: {then}"
        elif row["status"] == "gap":
            row["explanation"] = f"{t['notation']}: gap; {row['gap']['text']}"
        else:
            row["explanation"] = _explain(svc, t["notation"], row["status"], best)
        if explain:
            row["paths"] = paths[: opts.max_paths if max_paths is None else max_paths]
        row["path_count"] = len(paths)
        out.append(row)
    return out


def _apply(row: dict[str, Any], app: dict[str, Any] | None, scope: str) -> None:
    """Turn a target row's path status into its coverage status, given its applicability."""
    if app is None or app["status"] == "does-not-apply":
        reason = app["reason"] if app else f"does not bind {scope or 'this system'} (roles and categories)"
        row["status"] = "not-applicable"
        row["applicability"] = {
            "status": "does-not-apply",
            "from": _iso(app["from"]) if app else None,
            "reason": reason,
        }
        return
    row["applicability"] = {"status": app["status"], "from": _iso(app["from"]), "reason": app["reason"]}
    if app["status"] == "applies-from":
        row["would_be"], row["status"] = row["status"], "upcoming"
    elif app["status"] == "conditional":
        row["would_be"], row["status"] = row["status"], "conditional"
        row["decided_by"] = app.get("decided_by", [])


def applicability_for(
    svc: Any, roles: list[str], categories: list[str], facts: dict[str, Any], opts: Options
) -> dict[str, dict[str, Any]]:
    """Every EU AI Act obligation's applicability row (does-not-apply included), memoised."""
    key = (
        tuple(roles),
        tuple(categories),
        tuple(sorted((k, str(v)) for k, v in facts.items())),
        opts.as_of,
        opts.layer,
    )
    memo = svc.cache("applicable")
    if key not in memo:
        rows = applicable(svc, roles, categories, opts.as_of, opts.layer, facts, include_all=True)
        memo[key] = {expand(r["curie"]): r for r in rows}
    result: dict[str, dict[str, Any]] = memo[key]
    return result


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
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
    rows = plain_rows(svc.registry.select(svc.store, "certificate", cert=cert, graphs=graphs))
    if not rows:
        raise UnknownTerm(f"{compress(cert)} is not a certificate or attestation in the graph")
    r = rows[0]
    r["issuer"], r["accreditor"] = body_names(svc, r["body"])
    vf, vu = r["validFrom"], r["validUntil"]
    valid = vf <= opts.as_of <= vu
    reqs, excluded = certificate_requirements(svc, cert, r["frameworkId"]) if valid else ([], {})
    basis: dict[str, Any] | None = None
    via_basis: list[Start] = []
    if r.get("basis"):
        info = {"id": compress(cert), "label": r["label"], "kind": "attestation"}
        via_basis, basis = basis_starts(svc, info, r["basis"], opts.as_of, "", "full")
        if not valid:
            via_basis = []
    starts = [
        Start(
            kind="certificate",
            origin="own",
            id=compress(cert),
            label=r["label"],
            system="",
            requirement=req,
            extent="full",
            detail={
                "issuer": r.get("issuer", ""),
                "accreditation": r.get("accreditor", ""),
                "valid_until": _iso(vu),
                "framework": r["frameworkId"],
            },
        )
        for req in reqs
    ] + via_basis
    applicability, binds, scope = None, None, NO_FILTER
    roles: list[str] = []
    if target_fw == "euaia" and context:
        facts = dict(context.get("facts") or {})
        roles, cats = list(context.get("roles") or []), list(context.get("categories") or [])
        if context.get("system"):
            prof = system_profile(svc, resolve_system(svc, context["system"]))
            roles, cats = roles or prof["roles"], cats or prof["categories"]
            facts = {**system_facts(svc, prof["system"]), **facts}
        if not roles or not (cats or facts.get("annex_iii_area")):
            raise QueryParameterError("a coverage context needs a role and a category (or a system)")
        applicability = applicability_for(svc, roles, cats, facts, opts)
        scope = f"{', '.join(roles)} of {', '.join(cats) or 'Annex III'} systems" + (
            f" ({compress(context['system'])})" if context.get("system") else ""
        )
    elif target_fw == "euaia":
        binds = {r["obligation"]: sorted(r["roles"].split()) for r in svc.select("obligation_roles")}
    results = assess(
        svc, starts, target_fw, opts, applicability, explain=explain, scope=scope if applicability else "", binds=binds
    )
    in_scope = certificate_scope(svc, cert)
    if target_fw == "euaia":
        context_roles = sorted(set(roles)) if applicability is not None else None
        _role_caveats(results, r["holderLabel"], in_scope, context_roles)
    audits = plain_rows(svc.registry.select(svc.store, "certificate_audits", cert=cert, graphs=graphs))
    return {
        "certificate": {
            "id": compress(cert),
            "kind": str(r["kind"]).rsplit("#", 1)[-1].lower(),
            "label": r["label"],
            "holder": r["holderLabel"],
            "framework": r["frameworkId"],
            "issuer": r.get("issuer", ""),
            "accreditation": r.get("accreditor", ""),
            "number": r.get("number", ""),
            "valid_from": _iso(vf),
            "valid_until": _iso(vu),
            "valid_on_date": valid,
            "excluded": [{"requirement": svc.notation_of(x), "reason": why} for x, why in excluded.items()],
            "audits": [{k: _iso(v) for k, v in a.items()} for a in audits],
            "rests_on": basis,
            "scope": in_scope,
        },
        "target": target_fw,
        "as_of": opts.as_of.isoformat(),
        "law_version": opts.layer,
        "law_layer": describe_layer(svc, opts.layer),
        "mappings_used": "approved and proposed" if opts.include_proposed else "approved only",
        "applicability": f"for {scope}" if applicability is not None else (NO_FILTER if binds is not None else ""),
        "summary": summarise(results),
        "gap_kinds": gap_kinds(results),
        "requirements": results,
    }


def certificate_scope(svc: Any, cert: str) -> list[dict[str, Any]]:
    """The AI systems a certificate's scope covers, with the roles its holder holds for each, as the
    holder publishes them (``[{"id", "label", "roles"}]``)."""
    org = owner_of(cert)
    if org is None:
        return []
    rows = svc.registry.select(svc.store, "certificate_scope", cert=cert, graphs=[_org_graphs(GSD + "org/" + org)[1]])
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


def _role_caveats(
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


def system_coverage(svc: Any, system: str, target_fw: str, opts: Options, *, explain: bool = True) -> dict[str, Any]:
    """Coverage of one AI system: own controls, certificates covering it, and inheritance."""
    system = resolve_system(svc, system)
    svc.check_framework(target_fw)
    prof = system_profile(svc, system)
    # the system's own organisation, plus what belongs to nobody: never another organisation's
    # graphs, so no one can attach a control or certificate to someone else's system
    # Controls, evidence and certificates live only in organisation graphs: asking over just the
    # graphs needed keeps the query fast (pyoxigraph pays for every graph in a dataset list)
    # ... and the organisation's imported control catalog and reviewed mappings (graphsvc.domain.review)
    own_graphs = [*_org_graphs(prof["org"]), *_org_parts(prof["org"])]
    starts, ignored = control_starts(svc, system, opts.as_of, graphs=own_graphs)
    cert_starts, cert_ignored, certs = certificate_starts(
        svc, system, opts.as_of, graphs=[*own_graphs, *svc.framework_graph_list()]
    )
    starts += cert_starts
    ignored += cert_ignored
    deps = []
    for d in svc.select("system_dependencies", system=system):
        # inheritance reads only what the dependency's own organisation publishes
        dep_graphs = [_org_graphs(d["org"])[1]]
        inh, inh_ignored = control_starts(svc, d["dep"], opts.as_of, graphs=dep_graphs, inherited=True)
        c_inh, c_ignored, c_certs = certificate_starts(
            svc,
            d["dep"],
            opts.as_of,
            graphs=[*dep_graphs, *svc.framework_graph_list()],
            inherited=True,
            system_label=d["label"],
        )
        starts += inh + c_inh
        ignored += inh_ignored + c_ignored
        certs += c_certs
        deps.append({"system": compress(d["dep"]), "label": d["label"], "organisation": d["orgLabel"]})
    applicability = None
    if target_fw == "euaia":
        applicability = applicability_for(svc, prof["roles"], prof["categories"], system_facts(svc, system), opts)
    scope = f"{', '.join(prof['roles'])} of {compress(system)}"
    results = assess(svc, starts, target_fw, opts, applicability, explain=explain, scope=scope)
    return {
        "system": {**{k: v for k, v in prof.items() if k != "system"}, "id": compress(system), "depends_on": deps},
        "target": target_fw,
        "as_of": opts.as_of.isoformat(),
        "law_version": opts.layer,
        "law_layer": describe_layer(svc, opts.layer),
        "mappings_used": "approved and proposed" if opts.include_proposed else "approved only",
        "certificates": certs,
        "ignored": [vars(i) for i in ignored],
        "summary": summarise(results),
        "gap_kinds": gap_kinds(results),
        "by_origin": _origin_counts(results),
        "requirements": results,
    }


def _origin_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    out = {"own": 0, "inherited": 0, "shared": 0}
    for r in rows:
        if r["status"] in {"satisfied", "partial"}:
            for o in r["via"]:
                out[o] += 1
    return out


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
        per_system.append(
            {
                "system": cov["system"],
                "summary": cov["summary"],
                "by_origin": cov["by_origin"],
                "requirements": cov["requirements"],
            }
        )
        for r in cov["requirements"]:
            if r["status"] in {"gap", "partial"} or r.get("would_be") in {"gap", "partial"}:
                gaps.append(
                    {
                        "system": cov["system"]["id"],
                        "system_label": cov["system"]["label"],
                        "notation": r["notation"],
                        "title": r["title"],
                        "status": r["status"],
                        "from": (r.get("applicability") or {}).get("from") or "",
                        "residual": r["residual"],
                    }
                )
    gaps.sort(key=lambda g: (g["from"] or "9999", g["status"] != "gap", g["system"], g["notation"]))
    total = dict.fromkeys(STATUSES, 0)
    for s in per_system:
        for k, v in s["summary"].items():
            total[k] += v
    return {
        "organisation": org_iri,
        "target": target_fw,
        "as_of": opts.as_of.isoformat(),
        "law_version": opts.layer,
        "law_layer": describe_layer(svc, opts.layer),
        "summary": total,
        "gap_kinds": gap_kinds([r for s in per_system for r in s["requirements"]]),
        "systems": per_system,
        "gaps": gaps,
    }


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
                    "best_path": _path_text(best) if best else "",
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


def _path_text(p: dict[str, Any]) -> str:
    s = p["start"]
    parts = [f"{s['kind']} {s['id']}", f"{p['requirement']['framework']} {p['requirement']['notation']}"]
    parts += [f"{h['relation']} {h['to']} ({h['strength']})" for h in p["hops"]]
    return " → ".join(parts) + f" [{p['transfer']}]"
