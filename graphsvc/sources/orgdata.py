"""Organisation data: a YAML file (or folder of them) per organisation → RDF.

The format is documented in docs/orgdata.md and shown in mappings/examples/. Each
organisation becomes two named graphs: ``gsg:org/<id>`` (private to its tenant) and
``gsg:org/<id>/published`` (what a trust portal shows every customer: the organisation,
its systems, certificates and attestations, the bodies that issued them, and the controls
it declares ``provided`` or ``shared``; never evidence or customer-only controls).
Errors name the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, FRAMEWORK, GSD, RDFS, compress, expand, graph_iri
from graphsvc.sources.attestations import attestation_basis
from graphsvc.sources.catalogs import ROLES
from graphsvc.sources.conditions import ATTRIBUTES, normalise_point, point_to_local
from graphsvc.sources.yamlfiles import LINE, load_yaml
from graphsvc.store.base import NamedNode, TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

FLAGS = {
    "safety_component": "safetyComponentOfAnnexIProduct",
    "gpai_model": "isGPAIModel",
    "systemic_risk": "hasSystemicRisk",
    "interacts_with_persons": "interactsWithPersons",
    "generates_synthetic_content": "generatesSyntheticContent",
    "emotion_recognition": "emotionRecognitionOrBiometricCategorisation",
    "prohibited_practice": "performsProhibitedPractice",
    "art6_3_exemption": "art63ExemptionClaimed",
}
ORG_ATTRIBUTES = [a for a in ATTRIBUTES.values() if a.scope == "organisation"]
SYSTEM_ATTRIBUTES = [a for a in ATTRIBUTES.values() if a.scope == "system" and a.name not in FLAGS]
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: The keys each kind of entry may have (docs/orgdata.md); any other key is an error.
KEYS = {
    "organisation": {"id", "name", "tenant", "illustrative", "description"},
    "bodies": {"id", "name", "kind", "accredited_by"},
    "systems": {"id", "name", "intended_purpose", "roles", "provided_by", "annex_iii_area", "depends_on", *FLAGS},
    "controls": {
        "id",
        "name",
        "status",
        "implements",
        "implements_partly",
        "applies_to",
        "responsibility",
        "customer_responsibility",
        "owner",
    },
    "evidence": {"id", "name", "document", "sha256", "valid_from", "valid_until", "supports"},
    "certificates": {
        "id",
        "name",
        "framework",
        "issuer",
        "scope",
        "valid_from",
        "valid_until",
        "number",
        "illustrative",
        "note",
        "soa_exclusions",
        "audits",
    },
    "soa_exclusions": {"requirement", "reason"},
    "audits": {"type", "date", "nonconformities", "observations"},
    "actions": {"requirement", "system", "owner", "status", "due", "notes"},
}
KEYS["attestations"] = KEYS["certificates"] | {"level", "rests_on"}
KEYS["organisation"] |= {a.name for a in ORG_ATTRIBUTES}  # the EU AI Act attributes (graphsvc.sources.conditions)
KEYS["systems"] |= {a.name for a in SYSTEM_ATTRIBUTES}
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
        return graph_iri("org/" + self.org_id)

    @property
    def published_graph(self) -> str:
        return graph_iri(f"org/{self.org_id}/published")

    def graphs(self) -> dict[str, list[TripleTuple]]:
        return {self.graph: self.private, self.published_graph: self.published}


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def where(self, obj: Any, field_name: str | None = None) -> str:
        line = obj.get(LINE, "?") if isinstance(obj, dict) else "?"
        return f"{self.path}:{line}" + (f": field {field_name!r}" if field_name else "")

    def fail(self, obj: Any, field_name: str | None, msg: str) -> DataLoadError:
        return DataLoadError(f"{self.where(obj, field_name)}: {msg}")

    def known_keys(self, obj: dict[str, Any], kind: str) -> None:
        """:raises DataLoadError: a key the entry's kind does not have (a typo would be lost silently)."""
        unknown = sorted(str(k) for k in obj if k != LINE and k not in KEYS[kind])
        if unknown:
            allowed = ", ".join(sorted(KEYS[kind]))
            raise self.fail(obj, unknown[0], f"unknown key in {kind!r}; expected one of: {allowed}")

    def text(self, obj: dict[str, Any], name: str, *, required: bool = True) -> str:
        """A text field: a string (a number is taken as its digits), never a mapping or a list."""
        value = self.req(obj, name) if required else obj.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(obj, name, f"must be text, not {type(value).__name__}")
        return str(value)

    def req(self, obj: dict[str, Any], name: str) -> Any:
        if obj.get(name) in (None, ""):
            raise self.fail(obj, name, "is required")
        return obj[name]

    def ident(self, obj: dict[str, Any], name: str = "id") -> str:
        value = str(self.req(obj, name))
        if not _ID.match(value):
            raise self.fail(obj, name, f"{value!r} must be letters, digits, '.', '_' or '-'")
        return value

    def date(self, obj: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
        value = obj.get(name)
        if value in (None, ""):
            if required:
                raise self.fail(obj, name, "is required (YYYY-MM-DD)")
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(obj, name, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def choice(self, obj: dict[str, Any], name: str, allowed: set[str], default: str | None = None) -> str:
        value = obj.get(name, default)
        if value is None:
            raise self.fail(obj, name, f"is required: one of {', '.join(sorted(allowed))}")
        if value not in allowed:
            raise self.fail(obj, name, f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return str(value)

    def items(self, obj: dict[str, Any], name: str) -> list[Any]:
        value = obj.get(name) or []
        if not isinstance(value, list):
            raise self.fail(obj, name, "must be a list")
        return value

    def mappings(self, obj: dict[str, Any], name: str) -> list[dict[str, Any]]:
        out = self.items(obj, name)
        for item in out:
            if not isinstance(item, dict):
                raise self.fail(obj, name, f"each entry must be a mapping, got {item!r}")
        return out


def _boolean(r: _Reader, obj: dict[str, Any], name: str) -> bool:
    value = obj[name]
    if not isinstance(value, bool):
        raise r.fail(obj, name, f"must be true or false, not {value!r}")
    return value


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


def _compile(data: dict[str, Any], path: Path, source_of: Callable[[Any], Path | None]) -> OrgData:
    rd = _Reader(path)

    def r_for(obj: Any) -> _Reader:
        p = source_of(obj)
        return _Reader(p) if p else rd

    known_keys = {
        "organisation",
        "bodies",
        "systems",
        "controls",
        "evidence",
        "certificates",
        "attestations",
        "actions",
        LINE,
    }
    unknown = set(data) - known_keys
    if unknown:
        raise DataLoadError(
            f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known_keys - {LINE}))}"
        )
    org = data.get("organisation")
    if not isinstance(org, dict):
        raise DataLoadError(f"{path}:1: field 'organisation' is required (id, name)")
    rorg = r_for(org)
    rorg.known_keys(org, "organisation")
    org_id = rorg.ident(org)
    if org.get("tenant") not in (None, "", org_id):
        # access follows the organisation id (graph names, API keys' --tenant); a second name
        # would either do nothing or let a document hand its private graph to another tenant
        raise rorg.fail(
            org, "tenant", f"{org['tenant']!r}: the tenant is the organisation id ({org_id!r}); leave the field out"
        )
    out = OrgData(org_id=org_id, tenant=org_id, path=path)
    org_node = iri(org_iri(org_id))
    pub, priv = out.published, out.private
    out.origins[org_node.value] = rorg.where(org)
    for attr in ORG_ATTRIBUTES:
        if org.get(attr.name) is not None:
            pub.append((org_node, g(attr.prop), lit(_boolean(rorg, org, attr.name))))
    pub += [
        (org_node, RDF_TYPE, g("Organisation")),
        (org_node, iri(RDFS + "label"), lit(rorg.text(org, "name"))),
        (org_node, g("tenant"), lit(out.tenant)),
        (org_node, g("illustrative"), lit(bool(org.get("illustrative", False)))),
    ]
    if org.get("description"):
        pub.append((org_node, iri(DCTERMS + "description"), lit(rorg.text(org, "description"))))

    def local_system(ref: str, obj: dict[str, Any], name: str, r: _Reader, *, external: bool = False) -> str:
        ref = str(ref)
        if not all(_ID.match(part) for part in ref.split("/", 1)):
            raise r.fail(obj, name, f"{ref!r} is not a system id or ORG/ID")
        if "/" in ref:
            other, sys_id = ref.split("/", 1)
            s = system_iri(other, sys_id)
            if other != org_id:
                if not external:
                    raise r.fail(
                        obj,
                        name,
                        f"{ref!r} belongs to organisation {other!r}; only depends_on may name another's system",
                    )
                out.external_refs.append((s, r.where(obj, name)))
                return s
        else:
            s = system_iri(org_id, ref)
        if s not in systems:
            raise r.fail(obj, name, f"system {ref!r} is not defined in this organisation's 'systems'")
        return s

    def requirement(ref: str, obj: dict[str, Any], name: str, r: _Reader) -> str:
        try:
            value = expand(str(ref))
            NamedNode(value)
        except (KeyError, ValueError):
            raise r.fail(obj, name, f"{ref!r} is not a CURIE of a known framework (e.g. iso42001:A.6.2.8)") from None
        out.requirement_refs.append((value, r.where(obj, name)))
        return value

    def body_ref(ref: Any, obj: dict[str, Any], name: str, r: _Reader) -> str:
        """A body of this file (``id``) or of another organisation (``org/id``, checked later)."""
        ref = str(ref)
        if "/" in ref:
            other, bid = ref.split("/", 1)
            if not _ID.match(other) or not _ID.match(bid):
                raise r.fail(obj, name, f"{ref!r} must be a body id of this file or ORG/ID of another's")
            b = body_iri(other, bid)
            if other != org_id:
                out.external_refs.append((b, r.where(obj, name)))
                return b
            ref = bid
        if ref not in bodies:
            raise r.fail(
                obj, name, f"body {ref!r} is not defined in this file's 'bodies' (another organisation's: ORG/ID)"
            )
        return body_iri(org_id, ref)

    # bodies (published: anyone may see who certified whom); namespaced by this organisation
    bodies: dict[str, dict[str, Any]] = {}
    for b in rd.mappings(data, "bodies"):
        rb = r_for(b)
        rb.known_keys(b, "bodies")
        bid = rb.ident(b)
        bodies[bid] = b
    for bid, b in bodies.items():
        rb = r_for(b)
        B = iri(body_iri(org_id, bid))
        kind = rb.choice(b, "kind", {"certification", "accreditation"})
        out.origins[B.value] = rb.where(b)
        pub += [
            (B, RDF_TYPE, g("CertificationBody" if kind == "certification" else "AccreditationBody")),
            (B, iri(RDFS + "label"), lit(rb.text(b, "name"))),
        ]
        if kind == "certification":
            acc = b.get("accredited_by")
            if not acc:
                raise rb.fail(b, "accredited_by", "a certification body needs the id of its accreditation body")
            pub.append((B, g("accreditedBy"), iri(body_ref(acc, b, "accredited_by", rb))))

    # systems
    systems: dict[str, dict[str, Any]] = {}
    for s in rd.mappings(data, "systems"):
        rs = r_for(s)
        rs.known_keys(s, "systems")
        systems[system_iri(org_id, rs.ident(s))] = s
    for S_iri, s in systems.items():
        rs = r_for(s)
        S = iri(S_iri)
        out.origins[S_iri] = rs.where(s)
        pub += [
            (S, RDF_TYPE, g("AISystem")),
            (S, iri(RDFS + "label"), lit(rs.text(s, "name"))),
            (S, g("operator"), org_node),
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
            if not _ID.match(str(provider)):
                raise rs.fail(s, "provided_by", f"{provider!r} is not an organisation id")
            pub.append((S, g("providedBy"), iri(org_iri(str(provider)))))
        elif "provider" in roles or "gpai-provider" in roles:
            pub.append((S, g("providedBy"), org_node))
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
            pub.append(
                (S, g("annexIIIArea"), iri(requirement(f"euaia:{point_to_local(point)}", s, "annex_iii_area", rs)))
            )
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
            pub.append((S, g("annexISection"), lit(section)))
        placed = rs.date(s, "placed_on_market", required=False)
        if placed is not None:
            pub.append((S, g("placedOnMarket"), lit(placed)))
        for attr in SYSTEM_ATTRIBUTES:
            if attr.kind == "bool" and s.get(attr.name) is not None:
                pub.append((S, g(attr.prop), lit(_boolean(rs, s, attr.name))))
        for key, prop in FLAGS.items():
            value = s.get(key, False)
            if not isinstance(value, bool):
                raise rs.fail(s, key, f"must be true or false, not {value!r}")
            pub.append((S, g(prop), lit(value)))
        for dep in rs.items(s, "depends_on"):
            pub.append((S, g("dependsOn"), iri(local_system(dep, s, "depends_on", rs, external=True))))

    # controls
    controls: dict[str, dict[str, Any]] = {}
    for c in rd.mappings(data, "controls"):
        rc = r_for(c)
        rc.known_keys(c, "controls")
        controls[f"{GSD}control/{org_id}/{rc.ident(c)}"] = c
    for C_iri, c in controls.items():
        rc = r_for(c)
        C = iri(C_iri)
        out.origins[C_iri] = rc.where(c)
        resp = rc.choice(c, "responsibility", {"provided", "shared", "customer"}, default="customer")
        target = pub if resp in {"provided", "shared"} else priv
        status = rc.choice(c, "status", {"planned", "implemented"})
        triples: list[TripleTuple] = [
            (C, RDF_TYPE, g("Control")),
            (C, iri(RDFS + "label"), lit(rc.text(c, "name"))),
            (C, g("controlOf"), org_node),
            (C, g("status"), lit(status)),
            (C, g("responsibility"), lit(resp)),
        ]
        full = rc.items(c, "implements")
        part = rc.items(c, "implements_partly")
        if not full and not part:
            raise rc.fail(
                c, "implements", "a control must implement at least one requirement (implements or implements_partly)"
            )
        triples += [(C, g("implementsFully"), iri(requirement(x, c, "implements", rc))) for x in full]
        triples += [(C, g("implementsPartly"), iri(requirement(x, c, "implements_partly", rc))) for x in part]
        applies = rc.items(c, "applies_to")
        if not applies:
            raise rc.fail(c, "applies_to", "name the system(s) the control applies to")
        triples += [(C, g("appliesTo"), iri(local_system(x, c, "applies_to", rc))) for x in applies]
        if c.get("customer_responsibility"):
            triples.append((C, g("customerResponsibility"), lit(rc.text(c, "customer_responsibility"))))
        elif resp == "shared":
            raise rc.fail(c, "customer_responsibility", "a shared control must say what the customer still has to do")
        target += triples
        if c.get("owner"):
            priv.append((C, g("owner"), lit(rc.text(c, "owner"))))

    # evidence (always private)
    for e in rd.mappings(data, "evidence"):
        re_ = r_for(e)
        re_.known_keys(e, "evidence")
        E_iri = f"{GSD}evidence/{org_id}/{re_.ident(e)}"
        E = iri(E_iri)
        out.origins[E_iri] = re_.where(e)
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
            C_iri = f"{GSD}control/{org_id}/{ctl}"
            if C_iri not in controls:
                raise re_.fail(e, "supports", f"control {ctl!r} is not defined in 'controls'")
            priv.append((E, g("supports"), iri(C_iri)))

    # certificates and attestations (published)
    certificates: dict[str, str] = {}  # certificate id -> framework edition, for rests_on
    for section, cls in (("certificates", "Certificate"), ("attestations", "Attestation")):
        for a in rd.mappings(data, section):
            ra = r_for(a)
            ra.known_keys(a, section)
            A_iri = f"{GSD}{cls.lower()}/{org_id}/{ra.ident(a)}"
            A = iri(A_iri)
            out.origins[A_iri] = ra.where(a)
            fw = ra.ident(a, "framework")
            fw_iri = FRAMEWORK + fw
            out.framework_refs.append((fw_iri, ra.where(a, "framework")))
            issuer = body_ref(ra.req(a, "issuer"), a, "issuer", ra)
            pub += [
                (A, RDF_TYPE, g(cls)),
                (A, iri(RDFS + "label"), lit(ra.text(a, "name"))),
                (A, g("issuedBy"), iri(issuer)),
                (A, g("issuedTo"), org_node),
                (A, g("forFramework"), iri(fw_iri)),
                (A, g("validFrom"), lit(ra.date(a, "valid_from"))),
                (A, g("validUntil"), lit(ra.date(a, "valid_until"))),
                (A, g("illustrative"), lit(bool(a.get("illustrative", org.get("illustrative", False))))),
            ]
            if a.get("number"):
                pub.append((A, g("certificateNumber"), lit(ra.text(a, "number"))))
            if a.get("note"):
                pub.append((A, iri(RDFS + "comment"), lit(ra.text(a, "note"))))
            if cls == "Attestation":
                level = ra.ident(a, "level")
                pub.append((A, g("attestationLevel"), iri(requirement(f"starai:{level}", a, "level", ra))))
                pub += attestation_basis(a, ra, level, org_id, certificates)
            else:
                certificates[str(ra.ident(a))] = fw
            scope = ra.items(a, "scope")
            if not scope:
                raise ra.fail(a, "scope", "list the systems the certificate covers")
            pub += [(A, g("scope"), iri(local_system(x, a, "scope", ra))) for x in scope]
            for i, x in enumerate(ra.mappings(a, "soa_exclusions")):
                rx = r_for(x) if source_of(x) else ra
                rx.known_keys(x, "soa_exclusions")
                X = iri(f"{A_iri}/exclusion/{i}")
                pub += [
                    (A, g("exclusion"), X),
                    (X, RDF_TYPE, g("SoAExclusion")),
                    (X, g("excludes"), iri(requirement(rx.req(x, "requirement"), x, "requirement", rx))),
                    (X, g("reason"), lit(rx.text(x, "reason"))),
                ]
            for i, x in enumerate(ra.mappings(a, "audits")):
                rx = r_for(x) if source_of(x) else ra
                rx.known_keys(x, "audits")
                U = iri(f"{A_iri}/audit/{i}")
                nc = x.get("nonconformities", 0)
                obs = x.get("observations", 0)
                for key, value in (("nonconformities", nc), ("observations", obs)):
                    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                        raise rx.fail(x, key, f"must be a whole number ≥ 0, not {value!r}")
                pub += [
                    (A, g("audit"), U),
                    (U, RDF_TYPE, g("Audit")),
                    (U, g("auditType"), lit(rx.choice(x, "type", {"initial", "surveillance", "recertification"}))),
                    (U, g("auditDate"), lit(rx.date(x, "date"))),
                    (U, g("nonconformities"), lit(nc)),
                    (U, g("observations"), lit(obs)),
                ]

    # actions of the organisation's plan (private): owner, status, due date and notes that the
    # organisation keeps for a gap, partial or residual item (graphsvc.domain.plan); the plan itself is
    # computed from coverage on every request, so these fields survive any rebuild
    seen_actions: dict[str, str] = {}
    for x in rd.mappings(data, "actions"):
        rx = r_for(x)
        rx.known_keys(x, "actions")
        ref = rx.text(x, "requirement")
        req = requirement(ref, x, "requirement", rx)
        sys_ref = x.get("system")
        S_act = local_system(sys_ref, x, "system", rx) if sys_ref not in (None, "") else None
        X_iri = action_iri(org_id, S_act.rsplit("/", 1)[-1] if S_act else None, compress(req))
        if X_iri in seen_actions:
            raise rx.fail(
                x,
                "requirement",
                f"an action for {ref} ({'system ' + str(sys_ref) if S_act else 'every system'}) "
                f"is already given at {seen_actions[X_iri]}",
            )
        seen_actions[X_iri] = rx.where(x)
        X = iri(X_iri)
        out.origins[X_iri] = rx.where(x)
        priv += [
            (X, RDF_TYPE, g("Action")),
            (X, g("actionOf"), org_node),
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
    return out


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
