"""A provider's OSCAL component definition or SSP (JSON) → organisation data → the store.

``graphsvc import oscal FILE [--org ID]`` reads the file with compliance-trestle's models
(OSCAL 1.2.x; trestle reads a file declaring another OSCAL version with its 1.2.1 model
too, and the organisation's description then says so), turns it into a dict in the organisation
YAML schema (docs/orgdata.md) with :func:`oscal_to_org`, and loads that with
:func:`graphsvc.imports.oscal.import_oscal` (through
:func:`graphsvc.imports.org.load_org`): checked, SHACL-validated, and written in one transaction,
so a failing import leaves the store as it was. The generated YAML is kept under
``<data_dir>/imports/org/<org-id>/<org-id>.yaml`` so ``graphsvc build`` loads it again.
Importing replaces the whole organisation of that id (as ``graphsvc import org`` does).

What becomes what
-----------------
- **Systems.** Every component that implements something becomes an AI system of the
  organisation with role ``provider`` (id: its title in lower-case-with-dashes); in an SSP
  also the ``this-system`` component, and never a component of type ``interconnection`` or
  one standing for a leveraged system (prop ``leveraged-authorization-uuid``). A component
  definition's capability applies its controls to the components it incorporates.
- **Controls.** One control per (component, requirement): an implemented-requirement of a
  component (component definition), or each ``by-components`` entry of an implemented
  requirement or of one of its statements (SSP; the statements of one control merge).
  It ``implements`` the requirement; ``implements_partly`` when the implementation status is
  ``partial`` or ``alternative``, or when some of the merged entries are only planned.
- **Status** from ``implementation-status`` (SSP by-component) or a prop
  ``implementation-status``: ``planned`` → planned, ``not-applicable`` → no control,
  anything else → implemented; default implemented.
- **Responsibility.** An explicit prop ``responsibility`` (``provided``/``shared``/
  ``customer``, with a prop ``customer-responsibility`` for the customer's part) wins.
  Otherwise, in an SSP, from the by-component's ``export``: ``provided`` items only →
  ``provided``; ``provided`` and ``responsibilities`` → ``shared``, the customer
  responsibility being the responsibilities' descriptions; ``responsibilities`` only →
  ``customer`` (never inherited); no ``export`` → ``customer`` (not offered to customers).
  A component definition carries no responsibility split (no ``export``), so its
  requirements default to ``shared``, the customer's part being "check what is left to you
  against the provider's description": a component definition describes what a component
  can do, it does not declare that a customer inherits the control.
- **Leveraged authorizations** (SSP) become ``depends_on`` of every system of the SSP when
  they name a system of the graph (a prop ``system`` with value ``ORG/SYSTEM``, or a link to
  ``https://w3id.org/graphsvc/id/system/ORG/SYSTEM``); the others are listed in the
  organisation's description.
- **Organisation.** ``--org`` if given; else the party holding the role ``provider``
  (then ``cloud-service-provider``, ``system-owner``, ``prepared-by``, ``creator``) or the
  first organisation among the parties, by ``short-name`` or name; else the title.

Props of graphsvc's own (``framework``, ``responsibility``, ``customer-responsibility``,
``system``) are read in the namespace :data:`PROP_NS` or with no namespace;
``implementation-status`` in any namespace.

Resolving a control-id
----------------------
The catalog is, in this order: a prop ``framework`` (a graphsvc framework id such as
``iso42001``) on the implemented requirement or its control implementation; the
control implementation's ``source`` (component definition) or the SSP's
``import-profile`` ``href``, recognised by the graphsvc framework IRI or namespace, the
framework's own URL or a token (``42001``; ``2024/1689``, ``ai-act``; ``ai-rmf``,
``nist.ai.100-1``; ``aicm``); failing that, the one catalog in which the id resolves.
Within a catalog, a control-id matches a requirement's graphsvc id or its notation
compared as lower-case letter and number runs with leading zeros dropped, so ``a.6.2.8``,
``A.6.2.8`` → ``iso42001:A.6.2.8``; ``govern-1.1`` → ``nistairmf:GOVERN-1.1``;
``art12.1``, ``art-12-1`` → ``euaia:art12.1``; ``a-a-01`` → ``aicm:A&A-01``. A control-id that
does not resolve, or resolves to two requirements, fails with the JSON path of the
``control-id``.

>>> id_key("GOVERN 1.1") == id_key("govern-1.1") == "govern.1.1"
True
>>> id_key("A&A-01")
'a.a.1'
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import FRAMEWORK, FRAMEWORK_PREFIXES, GSD, compress

PROP_NS = "https://w3id.org/graphsvc/ontology"
MODELS = {"component-definition": "component definition", "system-security-plan": "SSP"}
#: Tokens that identify a framework in a catalog or profile URL (lower case).
FRAMEWORK_TOKENS: dict[str, tuple[str, ...]] = {
    "iso42001": ("iso42001", "iso-iec-42001", "iso_iec_42001", "42001"),
    "euaia": ("euaia", "2024/1689", "2024-1689", "32024r1689", "ai-act", "aiact", "ai_act"),
    "nistairmf": ("nistairmf", "ai-rmf", "airmf", "ai_rmf", "nist.ai.100-1", "ai.100-1", "ai-100-1"),
    "aicm": ("aicm", "ai-controls-matrix", "ai_controls_matrix"),
    "starai": ("csa-star-ai", "star-for-ai", "starai"),
}
RESPONSIBILITIES = ("provided", "shared", "customer")
PROVIDER_ROLES = ("provider", "cloud-service-provider", "system-owner", "prepared-by", "creator")
_SLUG = re.compile(r"[^a-z0-9]+")


def id_key(text: str) -> str:
    """A control-id or notation reduced to its lower-case letter and number runs."""
    tokens = re.findall(r"[a-z]+|[0-9]+", text.lower())
    return ".".join((t.lstrip("0") or "0") if t.isdigit() else t for t in tokens)


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60].strip("-")


# -- catalogs ---------------------------------------------------------------------------------
@dataclass
class CatalogIndex:
    """Requirement IRIs by framework and :func:`id_key` of their id and notation."""

    keys: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    sources: dict[str, str] = field(default_factory=dict)  # framework -> its own URL (framework.yaml source)

    def add(self, framework: str, iri: str, notation: str) -> None:
        ns = FRAMEWORK_PREFIXES.get(framework, "")
        local = iri[len(ns) :] if ns and iri.startswith(ns) else iri.rsplit("/", 1)[-1]
        for text in (local, notation):
            if text:
                self.keys[framework][id_key(text)].add(iri)

    def resolve(self, framework: str, control_id: str) -> set[str]:
        return set(self.keys.get(framework, {}).get(id_key(control_id), set()))

    @property
    def frameworks(self) -> list[str]:
        return sorted(self.keys)

    @classmethod
    def from_files(cls, mappings_dir: Path | None = None) -> CatalogIndex:
        """The shipped catalogs (``mappings/catalogs``)."""
        from graphsvc.config import load_settings
        from graphsvc.sources.catalogs import load_catalogs

        out = cls()
        for cat in load_catalogs(mappings_dir or load_settings().mappings_dir):
            out.sources[cat.short_name] = str(cat.meta.get("source", ""))
            for r in cat.requirements:
                out.add(cat.short_name, r.iri, r.notation)
        return out

    @classmethod
    def from_service(cls, svc: Any) -> CatalogIndex:
        """The catalogs in a store."""
        out = cls()
        for fw in svc.frameworks():
            for item in svc.catalog_cached(fw["id"]):
                out.add(fw["id"], item["iri"], item["notation"])
        for r in svc.store.select(
            "SELECT ?id ?src WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id ; "
            "<http://purl.org/dc/terms/source> ?src }"
        ):
            out.sources[r["id"].value] = r["src"].value
        return out


def framework_of_href(href: str, index: CatalogIndex) -> str | None:
    """The graphsvc framework a catalog or profile URL names, or None."""
    text = href.strip().lower()
    if not text:
        return None
    for fw, ns in FRAMEWORK_PREFIXES.items():
        key = ns.rstrip("/").rsplit("/", 1)[-1]  # e.g. iso42001-2023
        if text.startswith((ns.lower(), (FRAMEWORK + key).lower())):
            return fw
    hits = {fw for fw, src in index.sources.items() if src and text.rstrip("/") == src.lower().rstrip("/")}
    if not hits:
        hits = {fw for fw, tokens in FRAMEWORK_TOKENS.items() if any(t in text for t in tokens)}
    hits &= set(index.frameworks) or hits
    return hits.pop() if len(hits) == 1 else None


# -- reading OSCAL with trestle ----------------------------------------------------------------
def _json_path(loc: Iterable[Any]) -> str:
    return "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc)


def read_oscal(path: Path) -> tuple[str, Any, list[str]]:
    """(root key, trestle model, notes) of an OSCAL component definition or SSP in JSON.

    :raises DataLoadError: not JSON, not one of the two models, or invalid (JSON path and message).
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataLoadError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc
    root = next((k for k in MODELS if isinstance(raw, dict) and k in raw), None)
    if root is None:
        found = ", ".join(sorted(raw)) if isinstance(raw, dict) else type(raw).__name__
        raise DataLoadError(
            f"{path}: $: expected an OSCAL component-definition or system-security-plan in JSON; found {found}"
        )
    try:
        from pydantic import ValidationError as PydanticError
        from trestle.oscal import OSCAL_VERSION
        from trestle.oscal.component import ComponentDefinition
        from trestle.oscal.ssp import SystemSecurityPlan
    except ImportError as exc:  # compliance-trestle is an optional dependency
        raise DataLoadError(
            f"{path}: reading OSCAL needs compliance-trestle ({exc}): pip install compliance-trestle"
        ) from exc

    cls = ComponentDefinition if root == "component-definition" else SystemSecurityPlan
    try:
        model = cls.model_validate(raw[root])
    except PydanticError as exc:
        msgs = [f"{path}: $.{root}{_json_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise DataLoadError(f"{msgs[0]} ({len(msgs)} error(s))", errors=msgs) from None
    declared = _val(model.metadata.oscal_version)
    notes = []
    if declared.split(".")[:2] != OSCAL_VERSION.split(".")[:2]:
        notes.append(f"the file declares OSCAL {declared}; it was read with the OSCAL {OSCAL_VERSION} model")
    return root, model, notes


# -- helpers over trestle models -----------------------------------------------------------------
def _val(x: Any) -> str:
    """The plain value of a trestle field (enums and root models included)."""
    if x is None:
        return ""
    for attr in ("value", "root"):
        if hasattr(x, attr) and not isinstance(x, str):
            return _val(getattr(x, attr))
    return str(x)


def _props(*holders: Any, name: str, graphsvc_only: bool = True) -> list[str]:
    """Values of the props called ``name`` on the holders, nearest first."""
    out = []
    for h in holders:
        for p in getattr(h, "props", None) or []:
            ns = _val(getattr(p, "ns", None))
            if _val(p.name) == name and (not graphsvc_only or ns in ("", PROP_NS, PROP_NS + "#")):
                out.append(_val(p.value))
    return out


def _first(*holders: Any, name: str, graphsvc_only: bool = True) -> str:
    values = _props(*holders, name=name, graphsvc_only=graphsvc_only)
    return values[0] if values else ""


def _text(value: Any) -> str:
    return " ".join(_val(value).split())


@dataclass
class _Claim:
    """Everything the file says about one requirement on one component."""

    system: str
    component: str
    control_id: str
    requirement: str  # IRI
    where: str
    descriptions: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    provided: list[str] = field(default_factory=list)
    responsibilities: list[str] = field(default_factory=list)
    exported: bool = False
    explicit: str = ""
    customer_text: str = ""
    roles: list[str] = field(default_factory=list)


class _Converter:
    def __init__(self, path: Path, root: str, index: CatalogIndex) -> None:
        self.path = path
        self.root = root
        self.index = index
        self.claims: dict[tuple[str, str], _Claim] = {}
        self.notes: list[str] = []

    def fail(self, where: str, msg: str) -> DataLoadError:
        return DataLoadError(f"{self.path}: {where}: {msg}")

    def resolve(self, control_id: str, where: str, holders: Sequence[Any], href: str) -> str:
        explicit = _first(*holders, name="framework")
        if explicit:
            if explicit not in self.index.keys:
                known = ", ".join(self.index.frameworks)
                raise self.fail(where, f"prop framework={explicit!r} is not a framework of the graph ({known})")
            frameworks, how = [explicit], f"prop framework={explicit}"
        else:
            fw = framework_of_href(href, self.index)
            if fw:
                frameworks, how = [fw], f"catalog {fw} from {href}"
            else:
                frameworks = self.index.frameworks
                how = "no catalog named (by a framework prop or a recognised source URL), so every catalog was tried"
        hits = {(fw, iri) for fw in frameworks for iri in self.index.resolve(fw, control_id)}
        if len(hits) == 1:
            return hits.pop()[1]
        if not hits:
            raise self.fail(
                where,
                f"control-id {control_id!r} does not resolve to a requirement ({how}); "
                "control-ids match a requirement's graphsvc id or notation, ignoring case and punctuation "
                "(a.6.2.8, govern-1.1, art12.1)",
            )
        names = ", ".join(sorted(compress(iri) for _fw, iri in hits))
        raise self.fail(where, f"control-id {control_id!r} is ambiguous ({how}): {names}; add a prop framework")

    def responsibility(self, where: str, *holders: Any) -> str:
        value = _first(*holders, name="responsibility")
        if value and value not in RESPONSIBILITIES:
            raise self.fail(f"{where}.props", f"responsibility {value!r} is not one of {', '.join(RESPONSIBILITIES)}")
        return value

    def claim(self, system: str, component: str, control_id: str, requirement: str, where: str) -> _Claim:
        key = (system, requirement)
        if key not in self.claims:
            self.claims[key] = _Claim(system, component, control_id, requirement, where)
        return self.claims[key]


def _status(claim: _Claim, state: str) -> None:
    state = state.strip().lower()
    if state:
        claim.states.append(state)


def _role_ids(*holders: Any) -> list[str]:
    return [_val(r.role_id) for h in holders for r in (getattr(h, "responsible_roles", None) or [])]


# -- component definition ------------------------------------------------------------------------
def _component_definition(conv: _Converter, cd: Any, systems: dict[str, dict[str, Any]]) -> None:
    base = "$.component-definition"
    by_uuid: dict[str, str] = {}
    for comp in cd.components or []:
        by_uuid[_val(comp.uuid)] = _add_system(systems, comp, _val(comp.purpose) or _text(comp.description))
    for ci, comp in enumerate(cd.components or []):
        sys_id = by_uuid[_val(comp.uuid)]
        _cd_implementations(conv, comp, [sys_id], _val(comp.title), f"{base}.components[{ci}]")
    for ki, cap in enumerate(cd.capabilities or []):
        targets = [
            by_uuid[u] for u in (_val(i.component_uuid) for i in cap.incorporates_components or []) if u in by_uuid
        ]
        if cap.control_implementations and not targets:
            raise conv.fail(
                f"{base}.capabilities[{ki}]",
                "a capability with control implementations must incorporate a component of this file",
            )
        _cd_implementations(conv, cap, targets, _val(cap.name), f"{base}.capabilities[{ki}]")
    for sys_id in [s for s in systems if not any(c.system == s for c in conv.claims.values())]:
        del systems[sys_id]


def _cd_implementations(conv: _Converter, holder: Any, sys_ids: list[str], title: str, where: str) -> None:
    for ii, impl in enumerate(holder.control_implementations or []):
        for ri, req in enumerate(impl.implemented_requirements):
            at = f"{where}.control-implementations[{ii}].implemented-requirements[{ri}]"
            control_id = _val(req.control_id)
            iri = conv.resolve(control_id, f"{at}.control-id", [req, impl], _val(impl.source))
            for sys_id in sys_ids:
                c = conv.claim(sys_id, title, control_id, iri, at)
                c.descriptions.append(_text(req.description))
                _status(c, _first(req, impl, name="implementation-status", graphsvc_only=False))
                c.explicit = c.explicit or conv.responsibility(at, req, impl)
                c.customer_text = c.customer_text or _first(req, impl, name="customer-responsibility")
                c.roles += _role_ids(req)


# -- SSP -------------------------------------------------------------------------------------------
def _ssp(conv: _Converter, ssp: Any, systems: dict[str, dict[str, Any]]) -> list[str]:
    base = "$.system-security-plan"
    href = _val(ssp.import_profile.href)
    chars = ssp.system_characteristics
    components: dict[str, tuple[Any, int]] = {}
    for ci, comp in enumerate(ssp.system_implementation.components):
        components[_val(comp.uuid)] = (comp, ci)
    sys_of: dict[str, str] = {}

    def system_for(uuid: str, where: str) -> tuple[str, str]:
        if uuid not in components:
            raise conv.fail(where, f"component-uuid {uuid} is not a component of system-implementation")
        comp, _ci = components[uuid]
        kind = _val(comp.type)
        if kind == "interconnection" or _props(comp, name="leveraged-authorization-uuid", graphsvc_only=False):
            raise conv.fail(where, f"component {_val(comp.title)!r} ({kind}) stands for another system, not this one")
        if uuid not in sys_of:
            purpose = _val(comp.purpose) or (
                _text(chars.description) if kind == "this-system" else _text(comp.description)
            )
            sys_of[uuid] = _add_system(systems, comp, purpose)
        return sys_of[uuid], _val(comp.title)

    for comp_uuid, (comp, _ci) in components.items():
        if _val(comp.type) == "this-system":
            system_for(comp_uuid, "")
    for ri, req in enumerate(ssp.control_implementation.implemented_requirements):
        at = f"{base}.control-implementation.implemented-requirements[{ri}]"
        control_id = _val(req.control_id)
        iri = conv.resolve(control_id, f"{at}.control-id", [req, ssp.control_implementation], href)
        entries = [(f"{at}.by-components[{bi}]", bc) for bi, bc in enumerate(req.by_components or [])]
        for si, st in enumerate(req.statements or []):
            entries += [
                (f"{at}.statements[{si}].by-components[{bi}]", bc) for bi, bc in enumerate(st.by_components or [])
            ]
        if not entries:
            raise conv.fail(at, f"implemented requirement {control_id} names no component (by-components)")
        for where, bc in entries:
            sys_id, title = system_for(_val(bc.component_uuid), f"{where}.component-uuid")
            c = conv.claim(sys_id, title, control_id, iri, where)
            c.descriptions.append(_text(bc.description))
            state = _val(bc.implementation_status.state) if bc.implementation_status else ""
            _status(c, state or _first(bc, req, name="implementation-status", graphsvc_only=False))
            c.explicit = c.explicit or conv.responsibility(where, bc, req)
            c.customer_text = c.customer_text or _first(bc, req, name="customer-responsibility")
            c.roles += _role_ids(bc, req)
            if bc.export is not None:
                c.exported = True
                c.provided += [_text(p.description) for p in bc.export.provided or []]
                c.responsibilities += [_text(r.description) for r in bc.export.responsibilities or []]
    return _leveraged(conv, ssp, base)


def _leveraged(conv: _Converter, ssp: Any, base: str) -> list[str]:
    depends: list[str] = []
    for li, la in enumerate(ssp.system_implementation.leveraged_authorizations or []):
        ref = _first(la, name="system")
        if not ref:
            for link in la.links or []:
                href = _val(link.href)
                if href.startswith(GSD + "system/"):
                    ref = href[len(GSD + "system/") :]
                    break
        if ref:
            if ref.count("/") != 1:
                where = f"{base}.system-implementation.leveraged-authorizations[{li}]"
                raise conv.fail(where, f"system {ref!r} must be written ORG/SYSTEM")
            depends.append(ref)
        else:
            conv.notes.append(
                f"leveraged authorization {_val(la.title)!r} (authorised {_val(la.date_authorized)}) names no "
                "system of the graph (prop system=ORG/SYSTEM), so no dependsOn was recorded"
            )
    return depends


# -- assembling the organisation ----------------------------------------------------------------
def _add_system(systems: dict[str, dict[str, Any]], comp: Any, purpose: str) -> str:
    title = _val(comp.title)
    base = slug(title) or "component"
    sys_id, n = base, 2
    while sys_id in systems and systems[sys_id]["_uuid"] != _val(comp.uuid):
        sys_id, n = f"{base}-{n}", n + 1
    entry: dict[str, Any] = {
        "_uuid": _val(comp.uuid),
        "id": sys_id,
        "name": title,
        "roles": ["provider"],
        "intended_purpose": purpose or title,
    }
    systems.setdefault(sys_id, entry)
    return sys_id


def _organisation(md: Any, org_id: str | None) -> tuple[str, str]:
    parties = {_val(p.uuid): p for p in md.parties or []}
    chosen = None
    for role in PROVIDER_ROLES:
        for rp in md.responsible_parties or []:
            if _val(rp.role_id) == role:
                orgs = [parties[u] for u in map(_val, rp.party_uuids) if u in parties]
                chosen = next((p for p in orgs if _val(p.type) == "organization"), None)
                if chosen:
                    break
        if chosen:
            break
    if chosen is None:
        chosen = next((p for p in parties.values() if _val(p.type) == "organization"), None)
    name = _val(chosen.name) if chosen and chosen.name else _val(md.title)
    if org_id:
        return org_id, name
    short = _val(chosen.short_name) if chosen is not None and chosen.short_name else ""
    return slug(short or name) or "oscal-provider", name


def _control(claim: _Claim, ids: dict[str, int], model: str) -> dict[str, Any] | None:
    states = claim.states or ["implemented"]
    if all(s == "not-applicable" for s in states):
        return None
    states = [s for s in states if s != "not-applicable"]
    planned = [s == "planned" for s in states]
    status = "planned" if all(planned) else "implemented"
    partly = any(s in {"partial", "alternative"} for s in states) or (any(planned) and not all(planned))
    curie = compress(claim.requirement)
    description = " ".join(dict.fromkeys(d for d in claim.descriptions if d))
    if claim.explicit:
        resp = claim.explicit
        text = claim.customer_text or " ".join(claim.responsibilities)
    elif model == "system-security-plan":
        if claim.provided and claim.responsibilities:
            resp, text = "shared", " ".join(dict.fromkeys(claim.responsibilities))
        elif claim.provided:
            resp, text = "provided", ""
        elif claim.responsibilities:
            resp, text = "customer", " ".join(dict.fromkeys(claim.responsibilities))
        else:
            resp = "customer"
            text = (
                f"Not offered to customers: the provider's SSP exports nothing for {claim.control_id} on "
                f"{claim.component}, so a customer cannot inherit it and has to meet {curie} itself."
            )
    else:
        resp = "shared"
        text = claim.customer_text or (
            f"The provider's OSCAL component definition describes how {claim.component} supports "
            f"{claim.control_id} but does not declare it inherited: check what is left to you against that "
            f"description ({description or 'none given'})."
        )
    if resp in {"shared", "customer"} and not text:
        text = f"The provider's OSCAL file marks {claim.control_id} {resp} without saying what the customer does."
    base = f"{claim.system}--{slug(claim.control_id) or 'control'}"
    ids[base] = ids.get(base, 0) + 1
    out: dict[str, Any] = {
        "id": base if ids[base] == 1 else f"{base}-{ids[base]}",
        "name": f"{claim.component}: {curie} (OSCAL control-id {claim.control_id})",
        "responsibility": resp,
        "status": status,
        ("implements_partly" if partly else "implements"): [curie],
        "applies_to": [claim.system],
    }
    if resp != "provided":
        out["customer_responsibility"] = text
    roles = list(dict.fromkeys(r for r in claim.roles if r))
    if roles:
        out["owner"] = ", ".join(roles)
    return out


def oscal_to_org(path: Path, org_id: str | None = None, *, catalogs: CatalogIndex | None = None) -> dict[str, Any]:
    """A provider's OSCAL component definition or SSP (JSON) as organisation data (the YAML schema).

    ``catalogs`` resolves control-ids (default: the shipped catalogs). The rules are in this
    module's docstring.

    :raises DataLoadError: the file is not valid OSCAL (trestle), or a control-id or
        component reference does not resolve; the message names the JSON path.
    """
    path = Path(path)
    root, model, notes = read_oscal(path)
    index = catalogs or CatalogIndex.from_files()
    conv = _Converter(path, root, index)
    conv.notes += notes
    systems: dict[str, dict[str, Any]] = {}
    depends: list[str] = []
    if root == "component-definition":
        _component_definition(conv, model, systems)
    else:
        depends = _ssp(conv, model, systems)
    if not conv.claims:
        raise DataLoadError(f"{path}: $.{root}: no implemented requirement found: nothing to import")
    md = model.metadata
    oid, name = _organisation(md, org_id)
    ids: dict[str, int] = {}
    controls = [c for c in (_control(cl, ids, root) for cl in conv.claims.values()) if c]
    for s in systems.values():
        s.pop("_uuid", None)
        if depends:
            s["depends_on"] = list(dict.fromkeys(depends))
    description = (
        f"Imported by graphsvc import oscal from the OSCAL {MODELS[root]} {_val(md.title)!r} "
        f"(version {_val(md.version)}, OSCAL {_val(md.oscal_version)}; file {path.name})."
    )
    if conv.notes:
        description += " Notes: " + "; ".join(conv.notes) + "."
    return {
        "organisation": {"id": oid, "name": name, "description": description},
        "systems": list(systems.values()),
        "controls": controls,
    }


def to_yaml(data: dict[str, Any], source: Path | None = None) -> str:
    """Organisation data as YAML (with a header naming the OSCAL file it came from)."""
    head = f"# Generated by graphsvc import oscal from {source.name}; edit the OSCAL file, not this one.\n"
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return (head if source else "") + body
