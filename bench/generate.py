#!/usr/bin/env python
"""A synthetic enterprise for graphsvc benchmarks, written straight to N-Quads, and its load.

The data is in graphsvc's own model, exactly as :mod:`graphsvc.sources.orgdata` would compile it
from YAML: each organisation has a private graph ``gsg:org/<id>`` (customer-only controls,
owners, evidence) and a published graph ``gsg:org/<id>/published`` (the organisation, its
AI systems, certificates and attestations with scope, SoA exclusions and audits, the bodies
that issued them, and the controls it declares provided or shared). AI systems are also
classified into the EU AI Act categories in ``gsg:inferred``, with the triples graphsvc's
HermiT step writes (computed here from the same definitions, since a reasoner run over
60,000 systems is not what is measured).

Organisations:

* providers ``prov-NNN``: a model platform (p0's is a GPAI model with systemic risk) and
  applications built on it; a provider's platform may be built on an earlier provider's
  (dependsOn across organisations); mostly ``provided`` and ``shared`` controls;
  ISO/IEC 42001 certificates split over their systems and CSA STAR for AI attestations;
* customer tenants ``cust-NNNNN``: internal platforms built on provider systems, and
  applications built on those or directly on provider systems; their own controls
  implementing real requirements of the shipped catalogs (ISO/IEC 42001, NIST AI RMF,
  EU AI Act, AICM), fully or partly; evidence with validity dates, some expired; some
  hold an ISO/IEC 42001 certificate (some expired) with SoA exclusions and audits.

Every organisation draws from its own random stream (seed, kind, index), so prov-000,
prov-001 and cust-00000 (the *anchors* that bench/run.py asks about) are the same at every
size: only the graph around them grows. Sizes count all triples of the store, the ~20k of
the shipped catalogs and mapping sets included.

Usage::

    python bench/generate.py --size small --out /tmp/gen            # write reference.nq, orgs.nq, manifest.json
    python bench/generate.py --size small --out /tmp/gen --load /tmp/data   # and load them into an on-disk store
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphsvc.namespaces import DCTERMS, FRAMEWORK, FRAMEWORK_PREFIXES, GS, GSD, GSG, RDF, RDFS, XSD  # noqa: E402

SIZES: dict[str, int] = {"tiny": 25_000, "small": 50_000, "medium": 1_000_000, "large": 10_000_000}
AS_OF = dt.date(2026, 11, 23)
SEED = 20260523
PROV = "http://www.w3.org/ns/prov#"

# -- N-Quads terms --------------------------------------------------------------------------


def _i(x: str) -> str:
    return f"<{x}>"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _date(d: dt.date) -> str:
    return f'"{d.isoformat()}"^^<{XSD}date>'


def _int(n: int) -> str:
    return f'"{n}"^^<{XSD}integer>'


TRUE = f'"true"^^<{XSD}boolean>'
FALSE = f'"false"^^<{XSD}boolean>'


def _bool(b: bool) -> str:
    return TRUE if b else FALSE


def _g(local: str) -> str:
    return f"<{GS}{local}>"


A = _i(RDF + "type")
LABEL = _i(RDFS + "label")
COMMENT = _i(RDFS + "comment")
(
    P_TENANT,
    P_ILLUSTRATIVE,
    P_OPERATOR,
    P_PURPOSE,
    P_ROLE,
    P_PROVIDED_BY,
    P_AREA,
    P_DEPENDS,
    P_CONTROL_OF,
    P_STATUS,
    P_RESP,
    P_FULLY,
    P_PARTLY,
    P_APPLIES,
    P_CUSTRESP,
    P_OWNER,
    P_DOC,
    P_SHA,
    P_FROM,
    P_UNTIL,
    P_SUPPORTS,
    P_ISSUED_BY,
    P_ISSUED_TO,
    P_FOR_FW,
    P_NUMBER,
    P_LEVEL,
    P_SCOPE,
    P_EXCLUSION,
    P_EXCLUDES,
    P_REASON,
    P_AUDIT,
    P_AUDIT_TYPE,
    P_AUDIT_DATE,
    P_NC,
    P_OBS,
    P_ACCREDITED_BY,
    P_AXIOM,
) = (
    _g(x)
    for x in [
        "tenant",
        "illustrative",
        "operator",
        "intendedPurpose",
        "operatorRole",
        "providedBy",
        "annexIIIArea",
        "dependsOn",
        "controlOf",
        "status",
        "responsibility",
        "implementsFully",
        "implementsPartly",
        "appliesTo",
        "customerResponsibility",
        "owner",
        "documentRef",
        "sha256",
        "validFrom",
        "validUntil",
        "supports",
        "issuedBy",
        "issuedTo",
        "forFramework",
        "certificateNumber",
        "attestationLevel",
        "scope",
        "exclusion",
        "excludes",
        "reason",
        "audit",
        "auditType",
        "auditDate",
        "nonconformities",
        "observations",
        "accreditedBy",
        "axiom",
    ]
)
DESCRIPTION = _i(DCTERMS + "description")

FLAGS = (
    "safetyComponentOfAnnexIProduct",
    "isGPAIModel",
    "hasSystemicRisk",
    "interactsWithPersons",
    "generatesSyntheticContent",
    "emotionRecognitionOrBiometricCategorisation",
    "performsProhibitedPractice",
    "art63ExemptionClaimed",
)
P_FLAGS = {f: _g(f) for f in FLAGS}
AREAS = ("1", "2", "3", "4.a", "4.b", "5", "6", "7", "8")
FW_ISO = FRAMEWORK + "iso42001-2023"
FW_STAR = FRAMEWORK + "csa-star-ai"

TOPICS = (
    "risk assessment",
    "impact assessment",
    "event logging",
    "human oversight",
    "data governance",
    "bias testing",
    "model evaluation",
    "incident response",
    "supplier assessment",
    "technical documentation",
    "transparency notice",
    "access control",
    "change management",
    "monitoring in operation",
    "AI literacy training",
    "record keeping",
    "robustness testing",
    "security testing",
    "content provenance",
    "decommissioning",
)
PURPOSES = (
    "Drafts and summarises documents for staff",
    "Scores incoming requests and routes them to a team",
    "Answers customer questions in a chat window",
    "Proposes a shortlist of candidates for a recruiter to review",
    "Detects anomalies in transaction streams for analysts",
    "Generates marketing images and text that editors review",
    "Recommends maintenance actions for field engineers",
    "Transcribes and summarises meetings",
    "Classifies support tickets by urgency",
    "Serves foundation models to applications through an API",
)


# -- classification (the ontology's defined classes, as graphsvc.domain.classify gets them from HermiT) ----
def categories(flags: dict[str, bool], area: str | None) -> list[str]:
    out = []
    if area and not flags["art63ExemptionClaimed"]:
        out.append("HighRiskAnnexIIISystem")
    if flags["safetyComponentOfAnnexIProduct"]:
        out.append("HighRiskAnnexISystem")
    if (
        flags["interactsWithPersons"]
        or flags["generatesSyntheticContent"]
        or flags["emotionRecognitionOrBiometricCategorisation"]
    ):
        out.append("TransparencyRelevantSystem")
    if flags["performsProhibitedPractice"]:
        out.append("ProhibitedPracticeSystem")
    if flags["isGPAIModel"]:
        out.append("GPAIModel")
        if flags["hasSystemicRisk"]:
            out.append("GPAIModelWithSystemicRisk")
    return out


def _axioms() -> dict[str, str]:
    from rdflib import Graph

    from graphsvc.domain.classify import defining_axioms

    return defining_axioms(Graph().parse(ROOT / "ontology" / "graphsvc.ttl", format="turtle"))


# -- writing --------------------------------------------------------------------------------
class QuadWriter:
    """Streams N-Quads lines to a file, counting them; nothing is kept in memory."""

    def __init__(self, path: Path) -> None:
        self.f = path.open("w", encoding="utf-8", buffering=1 << 20)
        self.count = 0
        self._buf: list[str] = []

    def add(self, s: str, p: str, o: str, g: str) -> None:
        self._buf.append(f"{s} {p} {o} {g} .\n")
        if len(self._buf) >= 20_000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self._buf)
        self.f.write("".join(self._buf))
        self._buf.clear()

    def close(self) -> None:
        self.flush()
        self.f.close()


@dataclass
class Pools:
    """Real requirement IRIs of the shipped catalogs that controls may implement."""

    by_fw: dict[str, list[str]]
    mapped: dict[str, list[str]]
    exclusions: list[str]
    star_level: str

    def pick(self, rng: random.Random) -> str:
        fw = rng.choices(("iso42001", "nistairmf", "euaia", "aicm"), weights=(40, 25, 20, 15))[0]
        pool = self.mapped[fw] if self.mapped[fw] and rng.random() < 0.8 else self.by_fw[fw]
        return rng.choice(pool)


def pools_from(compiled: Any) -> Pools:
    from graphsvc.sources.mappingsets import all_mappings

    mapped_iris = set()
    for m in all_mappings(compiled.mapping_sets):
        mapped_iris.update((m.subject, m.object))
    kinds = {
        "iso42001": {"clause", "annex_control"},
        "nistairmf": {"subcategory"},
        "euaia": None,
        "aicm": {"control"},
    }
    by_fw: dict[str, list[str]] = {}
    exclusions: list[str] = []
    star = ""
    for cat in compiled.catalogs:
        if cat.short_name == "starai":
            star = cat.requirements[-1].iri
        if cat.short_name not in kinds:
            continue
        ok = kinds[cat.short_name]
        reqs = [
            r.iri
            for r in cat.requirements
            if (r.roles if ok is None else r.kind in ok and (r.kind != "clause" or "." in r.notation))
        ]
        by_fw[cat.short_name] = reqs
        if cat.short_name == "iso42001":
            exclusions = [r.iri for r in cat.requirements if r.kind in {"annex_control", "annex_objective"}]
    mapped = {fw: [r for r in reqs if r in mapped_iris] for fw, reqs in by_fw.items()}
    return Pools(by_fw, mapped, exclusions, star)


@dataclass
class OrgOut:
    org_id: str
    systems: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    anchor: str = ""


class Generator:
    def __init__(self, w: QuadWriter, pools: Pools, seed: int, tiny: bool) -> None:
        self.w = w
        self.pools = pools
        self.seed = seed
        self.tiny = tiny
        self.axioms = _axioms()
        self.inferred = _i(GSG + "inferred")
        self.activity = _i(GSD + "activity/hermit-classification")
        self.counts: dict[str, int] = dict.fromkeys(
            ("organisations", "providers", "customers", "systems", "controls", "evidence", "certificates"), 0
        )
        self.counts["expired_evidence"] = 0
        self.counts["dependencies"] = 0
        self.counts["cross_org_dependencies"] = 0

    def rng(self, kind: str, k: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{k}")

    # -- pieces ----------------------------------------------------------------------------
    def org(self, org_id: str, name: str, pub: str) -> str:
        org_node = _i(f"{GSD}org/{org_id}")
        add = self.w.add
        add(org_node, A, _g("Organisation"), pub)
        add(org_node, LABEL, _lit(name), pub)
        add(org_node, P_TENANT, _lit(org_id), pub)
        add(org_node, P_ILLUSTRATIVE, TRUE, pub)
        add(org_node, DESCRIPTION, _lit(f"Synthetic organisation {org_id} generated for graphsvc benchmarks."), pub)
        self.counts["organisations"] += 1
        return org_node

    def bodies(self, pub: str) -> None:
        add = self.w.add
        for ab in ("bench-ab-1", "bench-ab-2"):
            B = _i(f"{GSD}body/bench-bodies/{ab}")
            add(B, A, _g("AccreditationBody"), pub)
            add(B, LABEL, _lit(f"Synthetic accreditation body {ab[-1]}"), pub)
        for i, cb in enumerate(("bench-cb-1", "bench-cb-2", "bench-cb-3", "bench-csa")):
            B = _i(f"{GSD}body/bench-bodies/{cb}")
            add(B, A, _g("CertificationBody"), pub)
            add(B, LABEL, _lit(f"Synthetic certification body {cb.rsplit('-', 1)[-1]}"), pub)
            add(B, P_ACCREDITED_BY, _i(f"{GSD}body/bench-bodies/bench-ab-{1 + i % 2}"), pub)

    def system(
        self,
        rng: random.Random,
        org_id: str,
        org_node: str,
        pub: str,
        idx: int,
        *,
        roles: list[str],
        provided_by: str | None,
        depends: list[str],
        flags: dict[str, bool],
        area: str | None,
    ) -> str:
        S_iri = f"{GSD}system/{org_id}/sys-{idx:03d}"
        S = _i(S_iri)
        add = self.w.add
        add(S, A, _g("AISystem"), pub)
        add(S, LABEL, _lit(f"{org_id} AI system {idx}"), pub)
        add(S, P_OPERATOR, org_node, pub)
        add(S, P_PURPOSE, _lit(rng.choice(PURPOSES) + f" ({org_id}, system {idx})."), pub)
        for role in roles:
            add(S, P_ROLE, _g("role-" + role), pub)
        if provided_by:
            add(S, P_PROVIDED_BY, _i(f"{GSD}org/{provided_by}"), pub)
        elif "provider" in roles or "gpai-provider" in roles:
            add(S, P_PROVIDED_BY, org_node, pub)
        if area:
            add(S, P_AREA, _i(FRAMEWORK_PREFIXES["euaia"] + "anx3." + area), pub)
        for f in FLAGS:
            add(S, P_FLAGS[f], _bool(flags[f]), pub)
        for d in depends:
            add(S, P_DEPENDS, _i(d), pub)
            self.counts["dependencies"] += 1
            if f"/system/{org_id}/" not in d:
                self.counts["cross_org_dependencies"] += 1
        for cls in categories(flags, area):
            C = f"{GS}{cls}"
            st = _i(GSD + "inference/" + hashlib.sha1((S_iri + C).encode()).hexdigest())
            inf = self.inferred
            add(S, A, _i(C), inf)
            add(st, A, _i(RDF + "Statement"), inf)
            add(st, _i(RDF + "subject"), S, inf)
            add(st, _i(RDF + "predicate"), A, inf)
            add(st, _i(RDF + "object"), _i(C), inf)
            add(st, P_AXIOM, _lit(self.axioms.get(C, cls)), inf)
            add(st, _i(PROV + "wasGeneratedBy"), self.activity, inf)
        self.counts["systems"] += 1
        return S_iri

    def flags(self, rng: random.Random, *, provider: bool = False) -> tuple[dict[str, bool], str | None]:
        area = rng.choice(AREAS) if rng.random() < (0.10 if provider else 0.15) else None
        f = {
            "safetyComponentOfAnnexIProduct": rng.random() < 0.03,
            "isGPAIModel": False,
            "hasSystemicRisk": False,
            "interactsWithPersons": rng.random() < 0.55,
            "generatesSyntheticContent": rng.random() < 0.35,
            "emotionRecognitionOrBiometricCategorisation": rng.random() < 0.02,
            "performsProhibitedPractice": rng.random() < 0.001,
            "art63ExemptionClaimed": bool(area) and rng.random() < 0.1,
        }
        return f, area

    def controls(
        self,
        rng: random.Random,
        org_id: str,
        org_node: str,
        pub: str,
        priv: str,
        systems: list[str],
        n: int,
        resp_weights: tuple[int, int, int],
    ) -> None:
        add = self.w.add
        for c in range(n):
            C_iri = f"{GSD}control/{org_id}/ctl-{c:04d}"
            C = _i(C_iri)
            resp = rng.choices(("provided", "shared", "customer"), weights=resp_weights)[0]
            g = pub if resp in {"provided", "shared"} else priv
            status = "implemented" if rng.random() < 0.9 else "planned"
            topic = rng.choice(TOPICS)
            add(C, A, _g("Control"), g)
            add(C, LABEL, _lit(f"{topic.capitalize()} control {c} of {org_id}"), g)
            add(C, P_CONTROL_OF, org_node, g)
            add(C, P_STATUS, _lit(status), g)
            add(C, P_RESP, _lit(resp), g)
            full = {self.pools.pick(rng) for _ in range(rng.randint(0, 3))}
            part = {self.pools.pick(rng) for _ in range(rng.randint(0 if full else 1, 3))} - full
            for r in sorted(full):
                add(C, P_FULLY, _i(r), g)
            for r in sorted(part):
                add(C, P_PARTLY, _i(r), g)
            if rng.random() < 0.25:  # organisation-wide, up to 40 systems
                applies = systems if len(systems) <= 40 else rng.sample(systems, 40)
            else:
                applies = rng.sample(systems, min(len(systems), rng.randint(1, 3)))
            for s in applies:
                add(C, P_APPLIES, _i(s), g)
            if resp == "shared":
                add(C, P_CUSTRESP, _lit(f"Customers configure and operate the {topic} settings themselves."), g)
            elif resp == "customer":
                add(C, P_CUSTRESP, _lit(f"{org_id}'s own control; nothing is passed on to others."), g)
            add(C, P_OWNER, _lit(f"{topic.capitalize()} owner, {org_id}"), priv)
            self.counts["controls"] += 1
            self.evidence(rng, org_id, priv, C, c, status)

    def evidence(self, rng: random.Random, org_id: str, priv: str, C: str, c: int, status: str) -> None:
        u = rng.random()
        if status == "planned":
            kinds = ["old"] if u < 0.5 else []
        elif u < 0.65:
            kinds = ["valid"] + (["old"] if rng.random() < 0.5 else [])
        elif u < 0.85:
            kinds = ["old"]  # only expired evidence: the control does not count on AS_OF
        elif u < 0.95:
            kinds = ["valid", "valid"]
        else:
            kinds = []
        add = self.w.add
        for i, kind in enumerate(kinds):
            E_iri = f"{GSD}evidence/{org_id}/ev-{c:04d}-{i}"
            E = _i(E_iri)
            if kind == "valid":
                start = AS_OF - dt.timedelta(days=rng.randint(30, 600))
                end = AS_OF + dt.timedelta(days=rng.randint(10, 500))
            else:
                end = AS_OF - dt.timedelta(days=rng.randint(1, 400))
                start = end - dt.timedelta(days=rng.randint(180, 730))
                self.counts["expired_evidence"] += 1
            doc = f"{org_id}/evidence/ctl-{c:04d}-{i}.pdf"
            add(E, A, _g("Evidence"), priv)
            add(E, LABEL, _lit(f"Evidence {i} for control {c} of {org_id}"), priv)
            add(E, P_DOC, _lit(doc), priv)
            add(E, P_SHA, _lit(hashlib.sha256(doc.encode()).hexdigest()), priv)
            add(E, P_FROM, _date(start), priv)
            add(E, P_UNTIL, _date(end), priv)
            add(E, P_SUPPORTS, C, priv)
            self.counts["evidence"] += 1

    def certificate(
        self,
        rng: random.Random,
        org_id: str,
        org_node: str,
        pub: str,
        idx: int,
        scope: list[str],
        *,
        valid: bool,
        attestation: bool = False,
        exclusions: int = 0,
    ) -> dict[str, Any]:
        cls = "Attestation" if attestation else "Certificate"
        A_iri = f"{GSD}{cls.lower()}/{org_id}/cert-{idx}"
        X = _i(A_iri)
        add = self.w.add
        if valid:
            start = AS_OF - dt.timedelta(days=rng.randint(30, 700))
        else:
            start = AS_OF - dt.timedelta(days=rng.randint(1100, 1500))
        end = start + dt.timedelta(days=365 if attestation else 3 * 365 - 1)
        if not valid and end >= AS_OF:
            end = AS_OF - dt.timedelta(days=rng.randint(1, 60))
        add(X, A, _g(cls), pub)
        name = "CSA STAR for AI Level 2" if attestation else "ISO/IEC 42001:2023 certificate"
        add(X, LABEL, _lit(f"{name} {idx} of {org_id}"), pub)
        add(
            X,
            P_ISSUED_BY,
            _i(
                f"{GSD}body/bench-bodies/"
                f"{'bench-csa' if attestation else rng.choice(('bench-cb-1', 'bench-cb-2', 'bench-cb-3'))}"
            ),
            pub,
        )
        add(X, P_ISSUED_TO, org_node, pub)
        add(X, P_FOR_FW, _i(FW_STAR if attestation else FW_ISO), pub)
        add(X, P_FROM, _date(start), pub)
        add(X, P_UNTIL, _date(end), pub)
        add(X, P_ILLUSTRATIVE, TRUE, pub)
        add(X, P_NUMBER, _lit(f"BENCH-{org_id}-{idx}"), pub)
        if attestation:
            add(X, P_LEVEL, _i(self.pools.star_level), pub)
        for s in scope:
            add(X, P_SCOPE, _i(s), pub)
        for i, req in enumerate(rng.sample(self.pools.exclusions, exclusions)):
            Xn = _i(f"{A_iri}/exclusion/{i}")
            add(X, P_EXCLUSION, Xn, pub)
            add(Xn, A, _g("SoAExclusion"), pub)
            add(Xn, P_EXCLUDES, _i(req), pub)
            add(Xn, P_REASON, _lit("Not applicable within this scope (synthetic)."), pub)
        audits = [("initial", start - dt.timedelta(days=20))]
        d = start
        while len(audits) < 3 and d + dt.timedelta(days=365) < min(end, AS_OF):
            d += dt.timedelta(days=365)
            audits.append(("surveillance", d))
        for i, (kind, day) in enumerate(audits):
            U = _i(f"{A_iri}/audit/{i}")
            add(X, P_AUDIT, U, pub)
            add(U, A, _g("Audit"), pub)
            add(U, P_AUDIT_TYPE, _lit(kind), pub)
            add(U, P_AUDIT_DATE, _date(day), pub)
            add(U, P_NC, _int(rng.randint(0, 3)), pub)
            add(U, P_OBS, _int(rng.randint(0, 4)), pub)
        self.counts["certificates"] += 1
        return {"iri": A_iri, "valid": valid, "attestation": attestation, "scope": len(scope), "exclusions": exclusions}

    # -- organisations --------------------------------------------------------------------------
    def provider(self, k: int, providers: list[OrgOut]) -> OrgOut:
        rng = self.rng("provider", k)
        org_id = f"prov-{k:03d}"
        pub, priv = _i(f"{GSG}org/{org_id}/published"), _i(f"{GSG}org/{org_id}")
        org_node = self.org(org_id, f"Synthetic AI provider {k}", pub)
        out = OrgOut(org_id)
        n_sys = 4 if self.tiny else {0: 12, 1: 10}.get(k, rng.randint(6, 30))
        for i in range(n_sys):
            flags, area = self.flags(rng, provider=True)
            deps: list[str] = []
            roles = ["provider"]
            if i == 0:  # the provider's model platform
                flags.update(isGPAIModel=True, hasSystemicRisk=k == 0, generatesSyntheticContent=True)
                roles = ["provider", "gpai-provider"]
                area = None
                if providers and (k == 1 or rng.random() < 0.7):  # built on an earlier provider's platform
                    deps.append(providers[0 if k == 1 else rng.randrange(len(providers))].platforms[0])
            else:
                deps.append(out.platforms[0])
            s = self.system(
                rng, org_id, org_node, pub, i, roles=roles, provided_by=None, depends=deps, flags=flags, area=area
            )
            out.systems.append(s)
            if i == 0:
                out.platforms.append(s)
        n_ctl = 10 if self.tiny else 40 + 6 * n_sys
        self.controls(rng, org_id, org_node, pub, priv, out.systems, n_ctl, (55, 25, 20))
        systems = list(out.systems)
        rng.shuffle(systems)
        n_certs = 1 if self.tiny else rng.randint(1, 3)
        for c in range(n_certs):
            part = systems[c::n_certs]
            out.certificates.append(
                self.certificate(
                    rng, org_id, org_node, pub, c, part, valid=rng.random() < 0.9 or k < 2, exclusions=rng.randint(0, 2)
                )
            )
        if rng.random() < 0.6 or k < 2:
            out.certificates.append(
                self.certificate(rng, org_id, org_node, pub, n_certs, out.platforms, valid=True, attestation=True)
            )
        self.counts["providers"] += 1
        return out

    def customer(self, k: int, providers: list[OrgOut], remaining: int) -> OrgOut:
        rng = self.rng("customer", k)
        org_id = f"cust-{k:05d}"
        pub, priv = _i(f"{GSG}org/{org_id}/published"), _i(f"{GSG}org/{org_id}")
        org_node = self.org(org_id, f"Synthetic customer tenant {k}", pub)
        out = OrgOut(org_id)
        if self.tiny:
            n_sys = 4
        elif k == 0:
            n_sys = 20
        else:
            u = rng.random()
            n_sys = rng.randint(3, 10) if u < 0.5 else rng.randint(11, 30) if u < 0.85 else rng.randint(31, 80)
            n_sys = min(n_sys, max(3, remaining // 150))  # about 150 triples a system: land near the size
        # the anchor customer builds only on prov-000 and prov-001, which exist at every size
        provs = providers[:2] if k == 0 else providers
        n_plat = max(1, n_sys // 8)
        for i in range(n_sys):
            flags, area = self.flags(rng)
            deps: list[str] = []
            provided_by = None
            if i < n_plat:  # an internal platform built on a provider's system
                p = provs[1] if k == 0 else rng.choice(provs)
                deps.append(p.systems[1] if k == 0 and i == 0 else rng.choice(p.systems))
                roles = ["provider", "deployer"]
            else:
                u = rng.random()
                if (k == 0 and i == n_plat) or u < 0.6:
                    deps.append(out.platforms[rng.randrange(len(out.platforms))] if k else out.platforms[0])
                if (k == 0 and i == n_plat) or 0.5 < u < 0.9:
                    p = provs[0] if k == 0 and i == n_plat else rng.choice(provs)
                    deps.append(p.systems[1] if k == 0 and i == n_plat else rng.choice(p.systems))
                roles = rng.choices((["deployer"], ["provider", "deployer"], ["provider"]), weights=(70, 25, 5))[0]
                if roles == ["deployer"] and deps and "/system/prov-" in deps[-1]:
                    provided_by = deps[-1].split("/system/", 1)[1].split("/", 1)[0]
            if k == 0 and i == n_plat:  # the anchor: deployer and provider of a high-risk system
                roles, area = ["provider", "deployer"], "4.a"
                flags.update(art63ExemptionClaimed=False, interactsWithPersons=True)
            s = self.system(
                rng,
                org_id,
                org_node,
                pub,
                i,
                roles=roles,
                provided_by=provided_by,
                depends=deps,
                flags=flags,
                area=area,
            )
            out.systems.append(s)
            if i < n_plat:
                out.platforms.append(s)
            if k == 0 and i == n_plat:
                out.anchor = s
        n_ctl = 8 if self.tiny else min(400, 20 + 4 * n_sys)
        self.controls(rng, org_id, org_node, pub, priv, out.systems, n_ctl, (3, 2, 95))
        has_cert = k == 0 or rng.random() < 0.35
        if has_cert:
            scope = (
                out.systems if k == 0 else rng.sample(out.systems, max(1, int(len(out.systems) * rng.uniform(0.6, 1))))
            )
            out.certificates.append(
                self.certificate(
                    rng,
                    org_id,
                    org_node,
                    pub,
                    0,
                    scope,
                    valid=k == 0 or rng.random() < 0.85,
                    exclusions=3 if k == 0 else rng.randint(0, 4),
                )
            )
            if k == 0 or rng.random() < 0.3:  # an earlier, expired certificate
                out.certificates.append(self.certificate(rng, org_id, org_node, pub, 1, scope, valid=False))
        self.counts["customers"] += 1
        return out


def provider_count(target: int) -> int:
    return max(2, min(40, 2 + target // 500_000))


def generate(out_dir: Path, size: str | int, *, seed: int = SEED, settings: Any = None) -> dict[str, Any]:
    """Write ``reference.nq`` (the shipped catalogs and mapping sets, compiled and derived by
    graphsvc), ``orgs.nq`` (the synthetic organisations) and ``manifest.json`` to ``out_dir``.

    ``size`` is a name of :data:`SIZES` or a total triple count. Returns the manifest.
    """
    from pyoxigraph import RdfFormat, serialize

    target = SIZES[size] if isinstance(size, str) else int(size)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    compiled = reference(settings)
    quads = compiled.quads()
    with (out_dir / "reference.nq").open("wb") as f:
        serialize(quads, f, format=RdfFormat.N_QUADS)
    t_ref = time.perf_counter() - t0
    pools = pools_from(compiled)
    w = QuadWriter(out_dir / "orgs.nq")
    tiny = target < 40_000
    gen = Generator(w, pools, seed, tiny)
    budget = target - len(quads)
    # one organisation publishes the certification and accreditation bodies every certificate names
    # (a body belongs to the organisation that defines it, gsd:body/ORG/ID, and certificates of other
    # organisations name it as ORG/ID; see graphsvc.sources.ownership and bench/README)
    reg = _i(f"{GSG}org/bench-bodies/published")
    gen.org("bench-bodies", "Register of certification and accreditation bodies (synthetic)", reg)
    gen.bodies(reg)
    providers: list[OrgOut] = []
    n_prov = 2 if tiny else provider_count(target)
    for k in range(n_prov):
        providers.append(gen.provider(k, providers))
    # the activity behind every inferred category (once)
    inf = gen.inferred
    for p, o in (
        (A, _g("HermiTClassification")),
        (A, _i(PROV + "Activity")),
        (LABEL, _lit("EU AI Act category classification by the HermiT OWL reasoner")),
        (_i(PROV + "used"), _i("https://w3id.org/graphsvc/ontology")),
    ):
        w.add(gen.activity, p, o, inf)
    customers: list[OrgOut] = []
    k = 0
    while True:
        w.flush()
        if w.count >= budget and k > 0:
            break
        customers.append(gen.customer(k, providers, budget - w.count))
        k += 1
    w.close()
    c0 = customers[0]
    manifest = {
        "size": size,
        "target_triples": target,
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "reference_triples": len(quads),
        "generated_triples": w.count,
        "total_triples": len(quads) + w.count,
        "seconds": round(time.perf_counter() - t0, 2),
        "reference_seconds": round(t_ref, 2),
        "counts": gen.counts,
        "files": ["reference.nq", "orgs.nq"],
        "anchors": {
            "crosswalk": "iso42001:A.6.2.8",
            "target": "euaia",
            "target_framework": FRAMEWORK + "euaia-2024-1689",
            "system": c0.anchor,
            "certificate": next(c["iri"] for c in c0.certificates if c["valid"]),
            "org": f"{GSD}org/{c0.org_id}",
            "org_systems": len(c0.systems),
            "provider_system": providers[0].systems[1],
        },
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def reference(settings: Any = None) -> Any:
    """graphsvc's compile of the shipped files (ontology, catalogs, date layers, mapping sets,
    derived mappings), without any organisation."""
    from graphsvc.build import compile_sources, derive
    from graphsvc.config import load_settings

    settings = settings or load_settings(environ={}, overrides={"data_dir": "/nonexistent-bench"})
    compiled = compile_sources(settings, orgs=False)
    derive(compiled, settings)
    return compiled


# -- memory -------------------------------------------------------------------------------------
def memory_mb() -> dict[str, float]:
    """Resident memory of this process now and at its peak, in MB (psutil if installed, else /proc)."""
    out = {"rss_mb": 0.0, "peak_mb": 0.0}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_mb"] = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    out["peak_mb"] = int(line.split()[1]) / 1024
    except OSError:
        try:
            import psutil  # type: ignore[import-not-found]

            info = psutil.Process().memory_info()
            out["rss_mb"] = info.rss / 2**20
            out["peak_mb"] = getattr(info, "peak_wset", info.rss) / 2**20
        except ImportError:
            pass
    return out


# -- load ---------------------------------------------------------------------------------------
def load(gen_dir: Path, data_dir: Path, *, settings: Any = None) -> dict[str, Any]:
    """Load graphsvc's compile of the shipped files and the generated N-Quads into a new
    on-disk store at ``data_dir/store`` (the layout graphsvc opens), with EmbeddedStore's bulk
    load, streaming the generated file. Returns triples, seconds, triples/s and memory."""
    from pyoxigraph import RdfFormat, Store, parse

    from graphsvc.store.embedded import EmbeddedStore

    data_dir.mkdir(parents=True, exist_ok=True)
    link = data_dir / "store"
    gen = data_dir / "store-bench"
    if link.is_symlink():
        link.unlink()
    shutil.rmtree(gen, ignore_errors=True)
    t0 = time.perf_counter()
    compiled = reference(settings)
    t_compile = time.perf_counter() - t0
    quads = compiled.quads()
    t1 = time.perf_counter()
    store = EmbeddedStore(Store(str(gen)), gen)
    store.bulk_load(quads)
    store.bulk_load(parse(path=str(gen_dir / "orgs.nq"), format=RdfFormat.N_QUADS))
    t2 = time.perf_counter()
    store.optimize()
    store.flush()
    t3 = time.perf_counter()
    triples = store.count()
    mem = memory_mb()
    store.close()
    link.symlink_to(gen.name)
    size = sum(p.stat().st_size for p in gen.rglob("*") if p.is_file())
    return {
        "triples": triples,
        "compile_seconds": round(t_compile, 3),
        "load_seconds": round(t2 - t1, 3),
        "optimize_seconds": round(t3 - t2, 3),
        "build_seconds": round(t3 - t1, 3),
        "triples_per_s": round(triples / (t3 - t1)),
        "load_triples_per_s": round(triples / (t2 - t1)),
        "rss_mb": round(mem["rss_mb"], 1),
        "peak_rss_mb": round(mem["peak_mb"], 1),
        "store_mb": round(size / 2**20, 1),
        "store": str(gen),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", default="small", help=f"one of {', '.join(SIZES)}, or a triple count")
    ap.add_argument("--out", required=True, type=Path, help="directory for reference.nq, orgs.nq, manifest.json")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--load", type=Path, help="also load into an on-disk store in this data directory")
    ap.add_argument("--json", action="store_true", help="print one JSON object (manifest and load report)")
    args = ap.parse_args(argv)
    size: str | int = args.size if args.size in SIZES else int(args.size)
    manifest = generate(args.out, size, seed=args.seed)
    report: dict[str, Any] = {"manifest": manifest}
    if args.load:
        report["load"] = load(args.out, args.load)
        report["load"]["generate_seconds"] = manifest["seconds"]
        (args.load / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report))
    else:
        m = manifest
        print(
            f"generated {m['generated_triples']:,} triples ({m['total_triples']:,} with the catalogs) in {m['seconds']} s"
        )
        print("  " + ", ".join(f"{k} {v:,}" for k, v in m["counts"].items()))
        if args.load:
            r = report["load"]
            print(
                f"loaded {r['triples']:,} triples in {r['build_seconds']} s ({r['triples_per_s']:,} triples/s, "
                f"optimize {r['optimize_seconds']} s), peak RSS {r['peak_rss_mb']} MB, store {r['store_mb']} MB"
            )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
