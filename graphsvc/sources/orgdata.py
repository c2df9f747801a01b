"""Organisation data: a YAML file (or folder of them) per organisation → RDF.

The format is documented in docs/orgdata.md and shown in mappings/examples/. Each
organisation becomes two named graphs: ``gsg:org/<id>`` (private to its tenant) and
``gsg:org/<id>/published`` (what a trust portal shows every customer: the organisation,
its systems, certificates and attestations, the bodies that issued them, and the controls
it declares ``provided`` or ``shared``; never evidence or customer-only controls).
Errors name the file, line and field (:class:`~graphsvc.sources.orgdata_fields.FieldReader`);
:mod:`graphsvc.sources.orgdata_fields` lists the keys each kind of entry may have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, FRAMEWORK, GSD, RDFS, compress, expand, org_graph
from graphsvc.sources.attestations import attestation_basis
from graphsvc.sources.catalogs import ROLES
from graphsvc.sources.conditions import normalise_point, point_to_local
from graphsvc.sources.orgdata_fields import FLAGS, ID, ORG_ATTRIBUTES, SYSTEM_ATTRIBUTES, FieldReader
from graphsvc.sources.yamlfiles import LINE, load_yaml
from graphsvc.store.base import NamedNode, TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

#: The states an organisation gives an action of its plan (graphsvc.domain.plan); ``open`` by default.
ACTION_STATUSES = ("open", "in-progress", "done", "risk-accepted")


def org_iri(org: str) -> str:
    return GSD + "org/" + org


def system_iri(org: str, system: str) -> str:
    return f"{GSD}system/{org}/{system}"


def action_iri(org: str, system: str | None, requirement: str) -> str:
    """An action of an organisation's plan: one per (system, target requirement), or one for all
    its systems (``system`` None). The last segment is the requirement's CURIE, kept readable.

    >>> action_iri("contoso", "hr-screening", "euaia:art9.2.c")
    'https://w3id.org/graphsvc/id/action/contoso/hr-screening/euaia-art9.2.c'
    """
    local = re.sub(r"[^A-Za-z0-9._-]", "-", requirement.replace(":", "-", 1))
    return f"{GSD}action/{org}/{system or '_all'}/{local}"


def body_iri(org: str, body: str) -> str:
    """A certification or accreditation body, namespaced by the organisation that defines it
    (a tenant may only publish about its own resources: graphsvc.sources.ownership)."""
    return f"{GSD}body/{org}/{body}"


@dataclass
class OrgData:
    """One organisation's data as RDF, with the file position of every node (for errors)."""

    org_id: str
    tenant: str
    path: Path
    private: list[TripleTuple] = field(default_factory=list)
    published: list[TripleTuple] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)
    external_refs: list[tuple[str, str]] = field(default_factory=list)  # (system IRI, where)
    requirement_refs: list[tuple[str, str]] = field(default_factory=list)  # (requirement IRI, where)
    framework_refs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def graph(self) -> str:
        return org_graph(self.org_id)

    @property
    def published_graph(self) -> str:
        return org_graph(self.org_id, "published")

    def graphs(self) -> dict[str, list[TripleTuple]]:
        return {self.graph: self.private, self.published_graph: self.published}


def _load_yaml(path: Path) -> dict[str, Any]:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise DataLoadError(f"{path}:1: an organisation file must be a mapping with an 'organisation' key")
    return data


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
    return [path]


def read_org(path: Path) -> OrgData:
    """Read one organisation from a YAML file or a folder of YAML files (merged)."""
    merged: dict[str, Any] = {}
    files = _files(path)
    if not files:
        raise DataLoadError(f"{path}: no .yaml files")
    sources: dict[int, Path] = {}
    for f in files:
        data = _load_yaml(f)
        for key, value in data.items():
            if key == LINE:
                continue
            if isinstance(value, list):
                merged.setdefault(key, [])
                for item in value:
                    if isinstance(item, dict):
                        sources[id(item)] = f
                merged[key].extend(value)
            elif key in merged:
                raise DataLoadError(f"{f}: key {key!r} is given in more than one file of {path}")
            else:
                if isinstance(value, dict):
                    sources[id(value)] = f
                merged[key] = value
    return _compile(merged, path if path.is_file() else files[0], lambda o: sources.get(id(o)))


def compile_org(data: dict[str, Any], path: Path) -> OrgData:
    """Compile an organisation given as a dict in the YAML schema (e.g. made by an importer).

    ``path`` names the source in error messages.
    """
    return _compile(data, path, lambda _o: None)


_TOP_LEVEL = ("organisation", "bodies", "systems", "controls", "evidence", "certificates", "attestations", "actions")


def _compile(data: dict[str, Any], path: Path, source_of: Callable[[Any], Path | None]) -> OrgData:
    """The organisation's entries as RDF, kind by kind in the order that later kinds refer to
    earlier ones (bodies, systems, controls, evidence, certificates and attestations, actions)."""
    known_keys = {*_TOP_LEVEL, LINE}
    unknown = set(data) - known_keys
    if unknown:
        raise DataLoadError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known_keys - {LINE}))}"
        )
    org = data.get("organisation")
    if not isinstance(org, dict):
        raise DataLoadError(f"{path}:1: field 'organisation' is required (id, name)")
    c = _Compiler(data, org, path, source_of)
    c.organisation()
    c.bodies()
    c.systems()
    c.controls()
    c.evidence()
    for section, cls in (("certificates", "Certificate"), ("attestations", "Attestation")):
        for a in c.rd.mappings(data, section):
            c.certificate(section, cls, a)
    c.actions()
    return c.out


class _Compiler:
    """Compiles one organisation's entries into :attr:`out`, checking each reference as it goes:
    to the organisation's bodies, systems and controls, and to requirements (CURIEs)."""

    def __init__(
        self, data: dict[str, Any], org: dict[str, Any], path: Path, source_of: Callable[[Any], Path | None]
    ) -> None:
        self.data = data
        self.org = org
        self.source_of = source_of
        self.rd = FieldReader(path)
        rorg = self.reader(org)
        rorg.known_keys(org, "organisation")
        self.org_id = rorg.ident(org)
        if org.get("tenant") not in (None, "", self.org_id):
            # access follows the organisation id (graph names, API keys' --tenant); a second name
            # would either do nothing or let a document hand its private graph to another tenant
            raise rorg.fail(
                org,
                "tenant",
                f"{org['tenant']!r}: the tenant is the organisation id ({self.org_id!r}); leave the field out",
            )
        self.out = OrgData(org_id=self.org_id, tenant=self.org_id, path=path)
        self.org_node = iri(org_iri(self.org_id))
        self.bodies_by_id: dict[str, dict[str, Any]] = {}
        self.systems_by_iri: dict[str, dict[str, Any]] = {}
        self.controls_by_iri: dict[str, dict[str, Any]] = {}
        self.certificates: dict[str, str] = {}  # certificate id -> framework edition, for rests_on

    def reader(self, obj: Any, default: FieldReader | None = None) -> FieldReader:
        """The reader naming the file ``obj`` came from (``default``, else the organisation's path)."""
        p = self.source_of(obj)
        return FieldReader(p) if p else (default or self.rd)

    # -- references ------------------------------------------------------------------------------

    def local_system(self, ref: str, obj: dict[str, Any], name: str, r: FieldReader, *, external: bool = False) -> str:
        """A system of this organisation (``id``), or with ``external`` another's (``ORG/ID``, checked later)."""
        ref = str(ref)
        if not all(ID.match(part) for part in ref.split("/", 1)):
            raise r.fail(obj, name, f"{ref!r} is not a system id or ORG/ID")
        if "/" in ref:
            other, sys_id = ref.split("/", 1)
            s = system_iri(other, sys_id)
            if other != self.org_id:
                if not external:
                    raise r.fail(
                        obj,
                        name,
                        f"{ref!r} belongs to organisation {other!r}; only depends_on may name another's system",
                    )
                self.out.external_refs.append((s, r.where(obj, name)))
                return s
        else:
            s = system_iri(self.org_id, ref)
        if s not in self.systems_by_iri:
            raise r.fail(obj, name, f"system {ref!r} is not defined in this organisation's 'systems'")
        return s

    def requirement(self, ref: str, obj: dict[str, Any], name: str, r: FieldReader) -> str:
        """The IRI of a requirement given as a CURIE (whether the catalog has it is checked later)."""
        try:
            value = expand(str(ref))
            NamedNode(value)
        except (KeyError, ValueError):
            raise r.fail(obj, name, f"{ref!r} is not a CURIE of a known framework (e.g. iso42001:A.6.2.8)") from None
        self.out.requirement_refs.append((value, r.where(obj, name)))
        return value

    def body_ref(self, ref: Any, obj: dict[str, Any], name: str, r: FieldReader) -> str:
        """A body of this file (``id``) or of another organisation (``org/id``, checked later)."""
        ref = str(ref)
        if "/" in ref:
            other, bid = ref.split("/", 1)
            if not ID.match(other) or not ID.match(bid):
                raise r.fail(obj, name, f"{ref!r} must be a body id of this file or ORG/ID of another's")
            b = body_iri(other, bid)
            if other != self.org_id:
                self.out.external_refs.append((b, r.where(obj, name)))
                return b
            ref = bid
        if ref not in self.bodies_by_id:
            raise r.fail(
                obj, name, f"body {ref!r} is not defined in this file's 'bodies' (another organisation's: ORG/ID)"
            )
        return body_iri(self.org_id, ref)

    # -- the kinds of entry ----------------------------------------------------------------------

    def organisation(self) -> None:
        """The organisation itself (published)."""
        org, org_node, pub = self.org, self.org_node, self.out.published
        rorg = self.reader(org)
        self.out.origins[org_node.value] = rorg.where(org)
        for attr in ORG_ATTRIBUTES:
            if org.get(attr.name) is not None:
                pub.append((org_node, g(attr.prop), lit(rorg.boolean(org, attr.name))))
        pub += [
            (org_node, RDF_TYPE, g("Organisation")),
            (org_node, iri(RDFS + "label"), lit(rorg.text(org, "name"))),
            (org_node, g("tenant"), lit(self.out.tenant)),
            (org_node, g("illustrative"), lit(bool(org.get("illustrative", False)))),
        ]
        if org.get("description"):
            pub.append((org_node, iri(DCTERMS + "description"), lit(rorg.text(org, "description"))))

    def bodies(self) -> None:
        """Bodies (published: anyone may see who certified whom); namespaced by this organisation."""
        for b in self.rd.mappings(self.data, "bodies"):
            rb = self.reader(b)
            rb.known_keys(b, "bodies")
            self.bodies_by_id[rb.ident(b)] = b
        pub = self.out.published
        for bid, b in self.bodies_by_id.items():
            rb = self.reader(b)
            B = iri(body_iri(self.org_id, bid))
            kind = rb.choice(b, "kind", {"certification", "accreditation"})
            self.out.origins[B.value] = rb.where(b)
            pub += [
                (B, RDF_TYPE, g("CertificationBody" if kind == "certification" else "AccreditationBody")),
                (B, iri(RDFS + "label"), lit(rb.text(b, "name"))),
            ]
            if kind == "certification":
                acc = b.get("accredited_by")
                if not acc:
                    raise rb.fail(b, "accredited_by", "a certification body needs the id of its accreditation body")
                pub.append((B, g("accreditedBy"), iri(self.body_ref(acc, b, "accredited_by", rb))))

    def systems(self) -> None:
        """AI systems (published), each with its operator roles and EU AI Act classification."""
        for s in self.rd.mappings(self.data, "systems"):
            rs = self.reader(s)
            rs.known_keys(s, "systems")
            self.systems_by_iri[system_iri(self.org_id, rs.ident(s))] = s
        pub = self.out.published
        for S_iri, s in self.systems_by_iri.items():
            rs = self.reader(s)
            S = iri(S_iri)
            self.out.origins[S_iri] = rs.where(s)
            pub += [
                (S, RDF_TYPE, g("AISystem")),
                (S, iri(RDFS + "label"), lit(rs.text(s, "name"))),
                (S, g("operator"), self.org_node),
                (S, g("intendedPurpose"), lit(rs.text(s, "intended_purpose"))),
            ]
            roles = rs.items(s, "roles")
            if not roles:
                raise rs.fail(
                    s, "roles", f"give the organisation's operator role(s) for this system: {', '.join(sorted(ROLES))}"
                )
            for role in roles:
                if role not in ROLES:
                    raise rs.fail(s, "roles", f"{role!r} is not one of {', '.join(sorted(ROLES))}")
                pub.append((S, g("operatorRole"), g("role-" + role)))
            provider = s.get("provided_by")
            if provider:
                if not ID.match(str(provider)):
                    raise rs.fail(s, "provided_by", f"{provider!r} is not an organisation id")
                pub.append((S, g("providedBy"), iri(org_iri(str(provider)))))
            elif "provider" in roles or "gpai-provider" in roles:
                pub.append((S, g("providedBy"), self.org_node))
            pub += self._classification(S, s, rs)
            for dep in rs.items(s, "depends_on"):
                pub.append((S, g("dependsOn"), iri(self.local_system(dep, s, "depends_on", rs, external=True))))

    def _classification(self, S: NamedNode, s: dict[str, Any], rs: FieldReader) -> list[TripleTuple]:
        """What a system entry says for the EU AI Act: Annex III area, Annex I section, date placed
        on the market, and the system attributes and flags."""
        out: list[TripleTuple] = []
        area = s.get("annex_iii_area")
        if area not in (None, ""):
            point = normalise_point(area)
            if point is None:
                raise rs.fail(
                    s,
                    "annex_iii_area",
                    f"{area!r} is not an area or point of Annex III; it lists 1(a)-(c), 2, 3(a)-(d), 4(a)-(b), "
                    "5(a)-(d), 6(a)-(e), 7(a)-(d) and 8(a)-(b) (or the area alone, e.g. 4)",
                )
            local = f"euaia:{point_to_local(point)}"
            out.append((S, g("annexIIIArea"), iri(self.requirement(local, s, "annex_iii_area", rs))))
        section = s.get("annex_i_section")
        if section is not None:
            if section not in ("A", "B"):
                raise rs.fail(s, "annex_i_section", f"{section!r} is not A or B")
            if s.get("safety_component") is not True:
                raise rs.fail(
                    s,
                    "annex_i_section",
                    "is given, but the system is not an Annex I product or safety component "
                    "(set safety_component: true, or leave annex_i_section out)",
                )
            out.append((S, g("annexISection"), lit(section)))
        placed = rs.date(s, "placed_on_market", required=False)
        if placed is not None:
            out.append((S, g("placedOnMarket"), lit(placed)))
        for attr in SYSTEM_ATTRIBUTES:
            if attr.kind == "bool" and s.get(attr.name) is not None:
                out.append((S, g(attr.prop), lit(rs.boolean(s, attr.name))))
        for key, prop in FLAGS.items():
            value = s.get(key, False)
            if not isinstance(value, bool):
                raise rs.fail(s, key, f"must be true or false, not {value!r}")
            out.append((S, g(prop), lit(value)))
        return out

    def controls(self) -> None:
        """Controls: published when ``provided`` or ``shared``, private when the customer's."""
        for c in self.rd.mappings(self.data, "controls"):
            rc = self.reader(c)
            rc.known_keys(c, "controls")
            self.controls_by_iri[f"{GSD}control/{self.org_id}/{rc.ident(c)}"] = c
        for C_iri, c in self.controls_by_iri.items():
            rc = self.reader(c)
            C = iri(C_iri)
            self.out.origins[C_iri] = rc.where(c)
            resp = rc.choice(c, "responsibility", {"provided", "shared", "customer"}, default="customer")
            target = self.out.published if resp in {"provided", "shared"} else self.out.private
            status = rc.choice(c, "status", {"planned", "implemented"})
            triples: list[TripleTuple] = [
                (C, RDF_TYPE, g("Control")),
                (C, iri(RDFS + "label"), lit(rc.text(c, "name"))),
                (C, g("controlOf"), self.org_node),
                (C, g("status"), lit(status)),
                (C, g("responsibility"), lit(resp)),
            ]
            full = rc.items(c, "implements")
            part = rc.items(c, "implements_partly")
            if not full and not part:
                raise rc.fail(
                    c,
                    "implements",
                    "a control must implement at least one requirement (implements or implements_partly)",
                )
            triples += [(C, g("implementsFully"), iri(self.requirement(x, c, "implements", rc))) for x in full]
            triples += [(C, g("implementsPartly"), iri(self.requirement(x, c, "implements_partly", rc))) for x in part]
            applies = rc.items(c, "applies_to")
            if not applies:
                raise rc.fail(c, "applies_to", "name the system(s) the control applies to")
            triples += [(C, g("appliesTo"), iri(self.local_system(x, c, "applies_to", rc))) for x in applies]
            if c.get("customer_responsibility"):
                triples.append((C, g("customerResponsibility"), lit(rc.text(c, "customer_responsibility"))))
            elif resp == "shared":
                raise rc.fail(
                    c, "customer_responsibility", "a shared control must say what the customer still has to do"
                )
            target += triples
            if c.get("owner"):
                self.out.private.append((C, g("owner"), lit(rc.text(c, "owner"))))

    def evidence(self) -> None:
        """Evidence (always private): the document, its digest and validity, the controls it supports."""
        priv = self.out.private
        for e in self.rd.mappings(self.data, "evidence"):
            re_ = self.reader(e)
            re_.known_keys(e, "evidence")
            E_iri = f"{GSD}evidence/{self.org_id}/{re_.ident(e)}"
            E = iri(E_iri)
            self.out.origins[E_iri] = re_.where(e)
            priv += [
                (E, RDF_TYPE, g("Evidence")),
                (E, iri(RDFS + "label"), lit(re_.text(e, "name"))),
                (E, g("documentRef"), lit(re_.text(e, "document"))),
            ]
            if e.get("sha256") is not None and not isinstance(e["sha256"], str):
                raise re_.fail(e, "sha256", "write the digest in quotes, so YAML keeps it as text")
            if e.get("sha256"):
                priv.append((E, g("sha256"), lit(str(e["sha256"]).lower())))
            vf, vu = re_.date(e, "valid_from"), re_.date(e, "valid_until")
            priv += [(E, g("validFrom"), lit(vf)), (E, g("validUntil"), lit(vu))]
            supports = re_.items(e, "supports")
            if not supports:
                raise re_.fail(e, "supports", "name the control(s) this evidence supports")
            for ctl in supports:
                C_iri = f"{GSD}control/{self.org_id}/{ctl}"
                if C_iri not in self.controls_by_iri:
                    raise re_.fail(e, "supports", f"control {ctl!r} is not defined in 'controls'")
                priv.append((E, g("supports"), iri(C_iri)))

    def certificate(self, section: str, cls: str, a: dict[str, Any]) -> None:
        """One certificate or attestation (published), with its scope, SoA exclusions and audits."""
        pub = self.out.published
        ra = self.reader(a)
        ra.known_keys(a, section)
        A_iri = f"{GSD}{cls.lower()}/{self.org_id}/{ra.ident(a)}"
        A = iri(A_iri)
        self.out.origins[A_iri] = ra.where(a)
        fw = ra.ident(a, "framework")
        fw_iri = FRAMEWORK + fw
        self.out.framework_refs.append((fw_iri, ra.where(a, "framework")))
        issuer = self.body_ref(ra.req(a, "issuer"), a, "issuer", ra)
        pub += [
            (A, RDF_TYPE, g(cls)),
            (A, iri(RDFS + "label"), lit(ra.text(a, "name"))),
            (A, g("issuedBy"), iri(issuer)),
            (A, g("issuedTo"), self.org_node),
            (A, g("forFramework"), iri(fw_iri)),
            (A, g("validFrom"), lit(ra.date(a, "valid_from"))),
            (A, g("validUntil"), lit(ra.date(a, "valid_until"))),
            (A, g("illustrative"), lit(bool(a.get("illustrative", self.org.get("illustrative", False))))),
        ]
        if a.get("number"):
            pub.append((A, g("certificateNumber"), lit(ra.text(a, "number"))))
        if a.get("note"):
            pub.append((A, iri(RDFS + "comment"), lit(ra.text(a, "note"))))
        if cls == "Attestation":
            level = ra.ident(a, "level")
            pub.append((A, g("attestationLevel"), iri(self.requirement(f"starai:{level}", a, "level", ra))))
            pub += attestation_basis(a, ra, level, self.org_id, self.certificates)
        else:
            self.certificates[str(ra.ident(a))] = fw
        scope = ra.items(a, "scope")
        if not scope:
            raise ra.fail(a, "scope", "list the systems the certificate covers")
        pub += [(A, g("scope"), iri(self.local_system(x, a, "scope", ra))) for x in scope]
        for i, x, rx in self._parts(a, ra, "soa_exclusions"):
            pub += self._exclusion(A, iri(f"{A_iri}/exclusion/{i}"), x, rx)
        for i, x, rx in self._parts(a, ra, "audits"):
            pub += self._audit(A, iri(f"{A_iri}/audit/{i}"), x, rx)

    def _parts(
        self, a: dict[str, Any], ra: FieldReader, kind: str
    ) -> Iterator[tuple[int, dict[str, Any], FieldReader]]:
        """The entries of a certificate's list ``kind`` (``soa_exclusions``, ``audits``), checked
        to have only that kind's keys, each with its index and reader."""
        for i, x in enumerate(ra.mappings(a, kind)):
            rx = self.reader(x, default=ra)
            rx.known_keys(x, kind)
            yield i, x, rx

    def _exclusion(self, A: NamedNode, X: NamedNode, x: dict[str, Any], rx: FieldReader) -> list[TripleTuple]:
        """A requirement the certificate's statement of applicability excludes, with the reason."""
        return [
            (A, g("exclusion"), X),
            (X, RDF_TYPE, g("SoAExclusion")),
            (X, g("excludes"), iri(self.requirement(rx.req(x, "requirement"), x, "requirement", rx))),
            (X, g("reason"), lit(rx.text(x, "reason"))),
        ]

    @staticmethod
    def _audit(A: NamedNode, U: NamedNode, x: dict[str, Any], rx: FieldReader) -> list[TripleTuple]:
        """An audit of the certificate: type, date, and the nonconformities and observations found."""
        nc = x.get("nonconformities", 0)
        obs = x.get("observations", 0)
        for key, value in (("nonconformities", nc), ("observations", obs)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise rx.fail(x, key, f"must be a whole number ≥ 0, not {value!r}")
        return [
            (A, g("audit"), U),
            (U, RDF_TYPE, g("Audit")),
            (U, g("auditType"), lit(rx.choice(x, "type", {"initial", "surveillance", "recertification"}))),
            (U, g("auditDate"), lit(rx.date(x, "date"))),
            (U, g("nonconformities"), lit(nc)),
            (U, g("observations"), lit(obs)),
        ]

    def actions(self) -> None:
        """Actions of the organisation's plan (private): owner, status, due date and notes that the
        organisation keeps for a gap, partial or residual item (graphsvc.domain.plan); the plan itself
        is computed from coverage on every request, so these fields survive any rebuild."""
        priv = self.out.private
        seen_actions: dict[str, str] = {}
        for x in self.rd.mappings(self.data, "actions"):
            rx = self.reader(x)
            rx.known_keys(x, "actions")
            ref = rx.text(x, "requirement")
            req = self.requirement(ref, x, "requirement", rx)
            sys_ref = x.get("system")
            S_act = self.local_system(sys_ref, x, "system", rx) if sys_ref not in (None, "") else None
            X_iri = action_iri(self.org_id, S_act.rsplit("/", 1)[-1] if S_act else None, compress(req))
            if X_iri in seen_actions:
                raise rx.fail(
                    x,
                    "requirement",
                    f"an action for {ref} ({'system ' + str(sys_ref) if S_act else 'every system'}) "
                    f"is already given at {seen_actions[X_iri]}",
                )
            seen_actions[X_iri] = rx.where(x)
            X = iri(X_iri)
            self.out.origins[X_iri] = rx.where(x)
            priv += [
                (X, RDF_TYPE, g("Action")),
                (X, g("actionOf"), self.org_node),
                (X, g("actionOn"), iri(req)),
                (X, g("actionStatus"), lit(rx.choice(x, "status", set(ACTION_STATUSES), default="open"))),
            ]
            if S_act:
                priv.append((X, g("actionSystem"), iri(S_act)))
            if x.get("owner") not in (None, ""):
                priv.append((X, g("owner"), lit(rx.text(x, "owner"))))
            due = rx.date(x, "due", required=False)
            if due is not None:
                priv.append((X, g("dueDate"), lit(due)))
            if x.get("notes") not in (None, ""):
                priv.append((X, iri(RDFS + "comment"), lit(rx.text(x, "notes"))))


def org_paths(paths: list[Path]) -> list[Path]:
    """Expand configured paths: a folder of organisation folders/files, or single orgs."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir() and not any(p.glob("*.yaml")) and not any(p.glob("*.yml")):
            out += sorted(x for x in p.iterdir() if x.is_dir() or x.suffix in {".yaml", ".yml"})
        elif p.is_dir():
            out += sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
        elif p.exists():
            out.append(p)
    return out
