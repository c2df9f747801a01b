"""REST routes that read organisations' data: the AI systems and certificates the caller may see,
and the organisations themselves (their graphs, systems and certificates). Writing an organisation
is :mod:`graphsvc.http.org_write_routes`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from graphsvc.errors import UnknownTerm
from graphsvc.http.deps import StateArg
from graphsvc.http.params import ERRORS, ApiModel, Auth, org_id
from graphsvc.namespaces import GSD, compress, org_graph
from graphsvc.service import GraphService
from graphsvc.store.tenancy import ORG_PREFIX

org_read_router = APIRouter()


class SystemRow(ApiModel):
    id: str
    iri: str
    label: str
    org: str
    org_label: str
    purpose: str
    roles: list[str]
    categories: list[str]
    depends_on: list[str]


class CertificateRow(ApiModel):
    id: str
    iri: str
    kind: str
    label: str
    holder: str
    framework: str
    valid_from: dt.date
    valid_until: dt.date
    issuer: str = ""
    accreditation: str = ""
    systems: int


class Organisation(ApiModel):
    id: str
    graphs: dict[str, int] = Field(description="Each graph of the organisation the caller may read, with its size.")
    systems: list[str] = Field(default=[])
    certificates: list[str] = Field(default=[])


def org_ids(graphs: Iterable[str]) -> list[str]:
    """The ids of the organisations some of these graphs belong to, sorted."""
    return sorted({g[len(ORG_PREFIX) :].split("/")[0] for g in graphs if g.startswith(ORG_PREFIX)})


def _split(text: str | None) -> list[str]:
    return [t for t in (text or "").split(";") if t]


def _org_summary(svc: GraphService, org: str) -> dict[str, Any]:
    graphs = {
        g: svc.store.count(g) for g in svc.store.named_graphs() if g in {org_graph(org), org_graph(org, "published")}
    }
    if not graphs:
        raise UnknownTerm(f"no organisation {org!r} in the graph (or not visible to this key)")
    systems_ = [r["system"].removeprefix(GSD + "system/") for r in svc.select("systems", org=GSD + "org/" + org)]
    certs = [
        compress(r["cert"]).removeprefix("gsd:")
        for r in svc.select("certificates")
        if f"/{org}/" in r["cert"].removeprefix(GSD)
    ]
    return {"id": org, "graphs": graphs, "systems": systems_, "certificates": certs}


@org_read_router.get("/systems", response_model=list[SystemRow], tags=["organisations"], responses=ERRORS)
def systems(request: Request, state: StateArg, _: Auth = None) -> list[dict[str, Any]]:
    """The AI systems the caller may see, with roles and inferred EU AI Act categories."""
    rows = state.view(state.principal(request)).select("systems")
    return [
        {
            "id": r["system"].removeprefix(GSD + "system/"),
            "iri": r["system"],
            "label": r["label"],
            "org": r["org"].rsplit("/", 1)[-1],
            "org_label": r["orgLabel"],
            "purpose": r["purpose"],
            "roles": _split(r.get("roles")),
            "categories": _split(r.get("categories")),
            "depends_on": [d.removeprefix(GSD + "system/") for d in _split(r.get("dependsOn"))],
        }
        for r in rows
    ]


@org_read_router.get("/certificates", response_model=list[CertificateRow], tags=["organisations"], responses=ERRORS)
def certificates(request: Request, state: StateArg, _: Auth = None) -> list[dict[str, Any]]:
    """Certificates and attestations with holder, issuer, accreditation body and validity."""
    rows = state.view(state.principal(request)).select("certificates")
    return [
        {
            "id": compress(r["cert"]).removeprefix("gsd:"),
            "iri": r["cert"],
            "kind": r["kind"].rsplit("#", 1)[-1].lower(),
            "label": r["label"],
            "holder": r["holder"],
            "framework": r["frameworkId"],
            "valid_from": r["validFrom"],
            "valid_until": r["validUntil"],
            "issuer": r.get("issuer", ""),
            "accreditation": r.get("accreditor", ""),
            "systems": r["systems"],
        }
        for r in rows
    ]


@org_read_router.get("/orgs", response_model=list[Organisation], tags=["organisations"], responses=ERRORS)
def orgs(request: Request, state: StateArg, _: Auth = None) -> list[dict[str, Any]]:
    """The organisations whose data the caller may see (their published part, or all of their own)."""
    svc = state.view(state.principal(request))
    return [_org_summary(svc, i) for i in org_ids(svc.store.named_graphs())]


@org_read_router.get("/orgs/{org}", response_model=Organisation, tags=["organisations"], responses=ERRORS)
def org_get(request: Request, state: StateArg, org: str, _: Auth = None) -> dict[str, Any]:
    """One organisation: its graphs (those the caller may read), systems and certificates."""
    return _org_summary(state.view(state.principal(request)), org_id(org))
