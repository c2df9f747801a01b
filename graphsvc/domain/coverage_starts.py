"""The starts of coverage: what holds on the date asked about and implements a requirement.

A system's own controls count when implemented and evidenced on the date; a certificate (or an
attestation, through the certificate it rests on) counts while valid, for every requirement of
its framework its Statement of Applicability does not exclude. What a system inherits is read
from the published graph of each provider it depends on: the controls the provider publishes
as provided or shared, and the provider's certificates covering the system (partial). What
does not count on the date is kept as :class:`Ignored`, with the reason.

The rules are those of :mod:`graphsvc.domain.coverage`; every query here is anchored on one
system or certificate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graphsvc.domain.graph_scope import holder_graphs, published_graph
from graphsvc.namespaces import GSD, compress
from graphsvc.sources.ownership import owner_of
from graphsvc.terms import plain_rows


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


def iso(d: Any) -> str:
    """A date as ``YYYY-MM-DD``; anything else as its text."""
    return d.isoformat() if isinstance(d, dt.date) else str(d)


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
    rows = svc.registry.select(svc.store, "body", body=body, graphs=[published_graph(GSD + "org/" + org)])
    return rows[0] if rows else {}


# -- controls -------------------------------------------------------------------------------
def _controls(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows of ``system_controls`` gathered per control: label, status, responsibility, the
    requirements it implements (IRI → extent) and its evidence (IRI → description)."""
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
    return controls


def _valid_evidence(control: dict[str, Any], as_of: dt.date) -> tuple[list[dict[str, Any]], str]:
    """A control's evidence valid on ``as_of``, and, when there is none, why."""
    evidence = [e for e in control["evidence"].values() if e["valid_from"] <= as_of <= e["valid_until"]]
    if evidence:
        return evidence, ""
    if not control["evidence"]:
        return [], "no evidence"
    latest = max(e["valid_until"] for e in control["evidence"].values())
    return [], f"no evidence valid on {as_of.isoformat()} (latest expired {latest.isoformat()})"


def control_starts(
    svc: Any, system: str, as_of: dt.date, *, graphs: list[str] | None, inherited: bool = False
) -> tuple[list[Start], list[Ignored]]:
    """Starts from the controls applying to ``system`` in ``graphs``.

    Own controls (``inherited=False``) need evidence valid on ``as_of``; inherited ones are
    read from the provider's published graph, which holds no evidence: the provider's
    declaration (and its certificate, a separate start) is what the customer relies on.
    """
    controls = _controls(svc.registry.select(svc.store, "system_controls", system=system, graphs=graphs))
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
            evidence, why = _valid_evidence(c, as_of)
            if why:
                ignored.append(Ignored("control", compress(cid), label, why))
                continue
        shown = [{**e, "valid_until": iso(e["valid_until"]), "valid_from": iso(e["valid_from"])} for e in evidence]
        starts += [
            Start(
                kind=kind,
                origin=origin,
                id=compress(cid),
                label=label,
                system=system,
                requirement=req,
                extent="partial" if origin == "shared" else extent,
                evidence=shown,
                residual=residuals.get(cid, ""),
            )
            for req, extent in c["reqs"].items()
        ]
    return starts, ignored


# -- certificates and attestations ----------------------------------------------------------
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


def certified_starts(
    kind: str,
    holder: dict[str, Any],
    system: str,
    reqs: list[str],
    *,
    inherited: bool,
    residual: str,
    detail: dict[str, Any],
) -> list[Start]:
    """One start per requirement a certificate or attestation (``kind``) evidences: full for the
    holder's own, partial (``inherited-<kind>``, leaving ``residual`` to the customer) for a
    provider's. ``holder`` gives the certificate's ``id`` and ``label``."""
    return [
        Start(
            kind=f"inherited-{kind}" if inherited else kind,
            origin="shared" if inherited else "own",
            id=holder["id"],
            label=holder["label"],
            system=system,
            requirement=req,
            extent="partial" if inherited else "full",
            residual=residual if inherited else "",
            detail=detail,
        )
        for req in reqs
    ]


def _certificate_info(svc: Any, r: dict[str, Any], system: str, as_of: dt.date, inherited: bool) -> dict[str, Any]:
    """A row of ``system_certificates`` as the answer describes the certificate."""
    issuer, accreditation = body_names(svc, r["body"].value)
    info = {
        "id": compress(r["cert"].value),
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
    return info


def certificate_starts(
    svc: Any,
    system: str,
    as_of: dt.date,
    *,
    graphs: list[str] | None,
    inherited: bool = False,
    system_label: str = "",
) -> tuple[list[Start], list[Ignored], list[dict[str, Any]]]:
    """Starts from the certificates (and attestations) whose scope covers ``system`` in ``graphs``,
    what does not count on ``as_of``, and a description of each certificate."""
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
        info = _certificate_info(svc, r, system, as_of, inherited)
        certs.append(info)
        if not info["valid_on_date"]:
            vf, vu = (dt.date.fromisoformat(info[k]) for k in ("valid_from", "valid_until"))
            period = f"({vf} to {vu})"
            ignored.append(
                Ignored(info["kind"], info["id"], info["label"], f"not valid on {as_of.isoformat()} {period}")
            )
            continue
        reqs, excluded = certificate_requirements(svc, cert, info["framework"])
        info["excluded"] = [{"requirement": svc.notation_of(x), "reason": why} for x, why in excluded.items()]
        if "basis" in r:
            found, why = basis_starts(svc, info, r["basis"].value, as_of, system, inherited=inherited)
            info["rests_on"] = why
            starts += found
            if not found:
                ignored.append(Ignored(info["kind"], info["id"], info["label"], why["reason"]))
        residual = (
            f"{info['label']} certifies the provider's management of {system_label or compress(system)}; "
            "your own use and operation of the system is outside its scope"
        )
        detail = {k: info[k] for k in ("issuer", "accreditation", "valid_until", "framework")}
        starts += certified_starts(
            "certificate", info, system, reqs, inherited=inherited, residual=residual, detail=detail
        )
    return starts, ignored, certs


def basis_starts(
    svc: Any, att: dict[str, Any], basis: str, as_of: dt.date, system: str, *, inherited: bool
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
    period = f"({iso(b['validFrom'])} to {iso(b['validUntil'])})"
    why = {
        "id": compress(basis),
        "label": b["label"],
        "framework": b["frameworkId"],
        "valid_from": iso(b["validFrom"]),
        "valid_until": iso(b["validUntil"]),
        "valid_on_date": valid,
        "reason": "" if valid else f"rests on {b['label']}, not valid on {as_of.isoformat()} {period}",
    }
    if not valid:
        return [], why
    reqs, _excluded = certificate_requirements(svc, basis, b["frameworkId"])
    issuer, accreditation = body_names(svc, str(b["body"]))
    residual = (
        f"{att['label']} rests on the provider's certificate {b['label']}; your own use and operation "
        "of the system is outside its scope"
    )
    detail = {
        "issuer": issuer,
        "accreditation": accreditation,
        "valid_until": iso(b["validUntil"]),
        "framework": b["frameworkId"],
        "rests_on": {"id": compress(basis), "label": b["label"], "valid_until": iso(b["validUntil"])},
    }
    return certified_starts(
        "attestation", att, system, reqs, inherited=inherited, residual=residual, detail=detail
    ), why


# -- inheritance ----------------------------------------------------------------------------
def inherited_starts(
    svc: Any, system: str, as_of: dt.date
) -> tuple[list[Start], list[Ignored], list[dict[str, Any]], list[dict[str, Any]]]:
    """What ``system`` inherits from each system it depends on: starts, what does not count,
    the providers' certificates covering those systems, and the dependencies themselves.

    Inheritance reads only what the dependency's own organisation publishes.
    """
    starts: list[Start] = []
    ignored: list[Ignored] = []
    certs: list[dict[str, Any]] = []
    deps: list[dict[str, Any]] = []
    for d in svc.select("system_dependencies", system=system):
        dep_graphs = [published_graph(d["org"])]
        inh, inh_ignored = control_starts(svc, d["dep"], as_of, graphs=dep_graphs, inherited=True)
        c_inh, c_ignored, c_certs = certificate_starts(
            svc,
            d["dep"],
            as_of,
            graphs=[*dep_graphs, *svc.framework_graph_list()],
            inherited=True,
            system_label=d["label"],
        )
        starts += inh + c_inh
        ignored += inh_ignored + c_ignored
        certs += c_certs
        deps.append({"system": compress(d["dep"]), "label": d["label"], "organisation": d["orgLabel"]})
    return starts, ignored, certs, deps
