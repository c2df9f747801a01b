"""Reading an AICM STIX 2.1 bundle (``.json``), the user's licensed copy, into an :class:`AicmImport`.

CSA's Security Controls Catalog publishes AICM controls as ``x-control`` objects
(``control_identifier``, ``framework: aicm``, ``framework_version``, ``name``, ``domain``,
``specification``, ``typical_control_applicability_and_ownership``) and the mappings as
``x-gap-mapping`` objects (``source_ref``, ``target_refs``, ``gap_level``) or ``relationship``
objects of type ``csa-gap-mapping``, whose targets are ``x-control`` (ISO/IEC 42001) and
``x-regulation`` (EU AI Act) objects. ``course-of-action`` objects whose
``external_references`` carry the AICM control ID (source name mentioning AICM, or a SecID
``secid:control/cloudsecurityalliance.org/aicm@<version>#<id>``) are read as controls too.

The version comes from ``framework_version`` or the SecID; a bundle holding several AICM
versions needs the caller to pick one. Errors name the file, ``objects``, the object's index
and the property read (``file:objects:12: column target_refs[0]: …``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.sources.aicm_records import (
    FRAMEWORKS,
    AicmControl,
    AicmImport,
    AicmMappingRow,
    Verdict,
    cell_block,
    cell_text,
    choose_version,
    framework_of,
    layer_key,
    new_control,
    slug,
    verdict_rows,
)

_SECID = re.compile(r"secid:control/cloudsecurityalliance\.org/aicm(?:@(?P<version>[^#\s]+))?#(?P<id>\S+)", re.I)


def _prop(obj: dict[str, Any], *names: str) -> Any:
    for name in names:
        for key in (name, "x_" + name, "x_csa_" + name, "x_aicm_" + name):
            value = obj.get(key)
            if value not in (None, "", [], {}):
                return value
    return None


def _aicm_identity(obj: dict[str, Any], where: str) -> tuple[str, str | None, str] | None:
    """(control ID, version or None, property it came from) for an AICM control object.

    :raises DataLoadError: ``external_references`` is there but not a list (``where`` names the object).
    """
    listed = obj.get("external_references")
    if listed is not None and not isinstance(listed, list):
        raise DataLoadError(f"{where}: external_references must be a list of references, not {type(listed).__name__}")
    refs = [r for r in listed or [] if isinstance(r, dict)]
    for i, ref in enumerate(refs):
        m = _SECID.search(str(ref.get("external_id") or ""))
        if m:
            return m.group("id"), m.group("version"), f"external_references[{i}]"
    if obj.get("type") == "x-control":
        framework = str(obj.get("framework") or "").casefold()
        cid = obj.get("control_identifier")
        if framework == "aicm" and cid:
            version = obj.get("framework_version")
            return str(cid).strip(), str(version).strip() if version else None, "control_identifier"
        return None
    for i, ref in enumerate(refs):
        source = str(ref.get("source_name") or "")
        cid = str(ref.get("external_id") or "").strip()
        if re.search(r"aicm|ai\s+controls?\s+matrix", source, re.I) and cid:
            version = _prop(obj, "framework_version", "aicm_version", "version")
            if version is None:
                m = re.search(r"\b(\d+\.\d+\.\d+)\b", source)
                version = m.group(1) if m else None
            return cid, str(version).strip().lstrip("vV") if version else None, f"external_references[{i}]"
    return None


def _stix_target(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(framework, notation) for a gap-mapping target object; ('other', …) for frameworks not imported."""
    kind = obj.get("type")
    if kind == "x-control":
        framework = framework_of(str(obj.get("framework") or "")) or framework_of(str(obj.get("name") or ""))
        notation = str(obj.get("control_identifier") or "").strip()
        return (framework or "other", notation)
    if kind == "x-regulation":
        label = " ".join(str(obj.get(k) or "") for k in ("regulation", "publication_id", "name"))
        framework = framework_of(label) or ("euaia" if re.search(r"\bai-act\b", label, re.I) else "other")
        notation = str(obj.get("clause_identifier") or obj.get("name") or "").strip()
        return (framework, notation)
    return None


def _fits(stated: str, version: str) -> bool:
    """Whether a version the file states ("1.1" or "1.1.0") is compatible with ``version``."""
    return stated == version or version.startswith(stated + ".")


def read_stix(path: Path, version: str | None) -> AicmImport:
    """The AICM controls of a bundle (of the one AICM version read) and CSA's gap mappings from them."""
    by_id = _latest_objects(path)
    candidates = _control_candidates(path, by_id)
    chosen = _bundle_version(path, candidates, version)
    objects_where = f"{path}:objects"
    controls, stix_to_control = _controls(objects_where, candidates, chosen)
    rows: list[AicmMappingRow] = []
    for i, obj in sorted(by_id.values(), key=lambda item: item[0]):
        rows += _gap_mapping_rows(f"{objects_where}:{i}", obj, by_id, stix_to_control)
    return AicmImport(version=chosen, controls=controls, mapping_rows=rows, path=path, notes=[])


#: An object of the bundle with its index in ``objects``.
_Indexed = tuple[int, dict[str, Any]]
#: (index, object, control ID, version or None, property the ID came from) of an AICM control object.
_Candidate = tuple[int, dict[str, Any], str, str | None, str]


def _latest_objects(path: Path) -> dict[str, _Indexed]:
    """The bundle's objects by STIX id, each in its latest version (the latest ``modified`` wins)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    except ValueError as exc:
        raise DataLoadError(f"{path}: not valid JSON: {exc}") from exc
    objects = data.get("objects") if isinstance(data, dict) else data
    if not isinstance(objects, list):
        raise DataLoadError(f"{path}: not a STIX 2.1 bundle (no 'objects' list)")
    by_id: dict[str, _Indexed] = {}
    for i, obj in enumerate(objects):
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            prev = by_id.get(obj["id"])
            if prev is None or str(obj.get("modified") or "") >= str(prev[1].get("modified") or ""):
                by_id[obj["id"]] = (i, obj)  # STIX versioning: the latest modified wins
    return by_id


def _control_candidates(path: Path, by_id: dict[str, _Indexed]) -> list[_Candidate]:
    """The objects that are AICM controls (of any version), in bundle order."""
    candidates: list[_Candidate] = []
    for i, obj in sorted(by_id.values(), key=lambda item: item[0]):
        if obj.get("type") not in ("x-control", "course-of-action") or obj.get("revoked") is True:
            continue
        ident = _aicm_identity(obj, f"{path}:objects:{i}")
        if ident is not None:
            candidates.append((i, obj, *ident))
    if not candidates:
        raise DataLoadError(f"{path}: the bundle has no AICM controls (x-control with framework 'aicm', or SecID)")
    return candidates


def _bundle_version(path: Path, candidates: list[_Candidate], version: str | None) -> str:
    """The AICM version to read: the bundle's, or the one given, which the bundle must have."""
    stated = sorted({v for *_, v, _ in candidates if v})
    if version is None:
        if len(stated) > 1:  # CSA's catalog holds several versions: the caller picks one
            raise DataLoadError(f"{path}: the bundle has AICM {', '.join(stated)}; give the version to import")
        return choose_version(path, stated, None)
    chosen = choose_version(path, [], version)
    if stated and not any(_fits(v, chosen) for v in stated):
        raise DataLoadError(f"{path}: the bundle has AICM {', '.join(stated)}, but version {version} was given")
    return chosen


def _controls(
    objects_where: str, candidates: list[_Candidate], chosen: str
) -> tuple[list[AicmControl], dict[str, str]]:
    """The controls of version ``chosen``, and the control ID of each one's STIX id."""
    controls: list[AicmControl] = []
    stix_to_control: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, obj, cid, ver, prop in candidates:
        if ver and not _fits(ver, chosen):
            continue
        where = f"{objects_where}:{i}"
        control = new_control(
            seen,
            cid,
            where=where,
            id_column=prop,
            title=("name", cell_text(obj.get("name"))),
            spec=(
                "specification",
                cell_block(_prop(obj, "specification", "control_specification") or obj.get("description")),
            ),
            domain=cell_text(_prop(obj, "domain", "control_domain")),
            ownership={},
        )
        raw = _prop(obj, "typical_control_applicability_and_ownership", "ownership", "ssrm_ownership") or {}
        if not isinstance(raw, dict):
            raise DataLoadError(f"{where}: column typical_control_applicability_and_ownership: not an object")
        control.ownership = {(layer_key(k) or slug(k)): cell_text(v) for k, v in raw.items() if cell_text(v)}
        controls.append(control)
        stix_to_control[obj["id"]] = cid
    return controls, stix_to_control


def _gap_mapping_rows(
    where: str, obj: dict[str, Any], by_id: dict[str, _Indexed], stix_to_control: dict[str, str]
) -> list[AicmMappingRow]:
    """The rows of one object if it is a gap mapping from a control read (none otherwise)."""
    if obj.get("revoked") is True:
        return []
    if obj.get("type") == "x-gap-mapping":
        refs = obj.get("target_refs") or []
        ref_props = [f"target_refs[{j}]" for j in range(len(refs))]
    elif obj.get("type") == "relationship" and obj.get("relationship_type") == "csa-gap-mapping":
        refs, ref_props = [obj.get("target_ref")], ["target_ref"]
    else:
        return []
    cid = stix_to_control.get(str(obj.get("source_ref")))
    if cid is None:
        return []  # a gap mapping of another framework or AICM version
    per_fw: dict[str, list[tuple[str, str]]] = {}
    others: list[str] = []
    for ref, ref_prop in zip(refs, ref_props, strict=True):
        target = by_id.get(str(ref))
        parsed = _stix_target(target[1]) if target else None
        if parsed is None:
            raise DataLoadError(
                f"{where}: column {ref_prop}: {ref!r} is not an x-control or x-regulation in the bundle"
            )
        fw, notation = parsed
        if fw in FRAMEWORKS:
            per_fw.setdefault(fw, []).append((notation, ref_prop))
        else:
            source = target[1].get("framework") or target[1].get("regulation") or target[1].get("type")
            others.append(f"{source}: {notation}")
    verdict = cell_text(obj.get("gap_level"))
    rows: list[AicmMappingRow] = []
    for fw, targets in per_fw.items():
        foreign = others + [n for f2, ts in per_fw.items() if f2 != fw for n, _ in ts]
        for notation, ref_prop in targets:
            cell = Verdict(cid, fw, verdict, where, ref_prop, "gap_level", "source_ref")
            rows += verdict_rows(cell, [notation], foreign)
    return rows
