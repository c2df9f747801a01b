"""Reading a CISO Assistant library file: the YAML checked field by field, with line numbers.

A library is a YAML mapping with ``urn``, ``ref_id``, ``name``, ``version`` (an integer),
``locale`` and ``objects``, plus optional ``description``, ``copyright``, ``provider``,
``packager``, ``publication_date``, ``dependencies`` and ``translations``. Its ``objects``
may hold a ``framework`` (or a ``frameworks`` list) and a ``requirement_mapping_set`` (or a
``requirement_mapping_sets`` list); other objects (reference controls, threats, risk matrices
…) have no counterpart in graphsvc and are listed in :attr:`Library.skipped`.

The checks are those of CISO Assistant's own loader (``backend/library/utils.py`` and
``StoredLibrary.store_library_content``: :data:`LIBRARY_FIELDS`, :data:`FRAMEWORK_FIELDS`,
:data:`NODE_FIELDS`, :data:`MAPPING_SET_FIELDS`, :data:`MAPPING_FIELDS`, and its URN pattern
:data:`URN`) plus what graphsvc needs to build a graph from the file: a known relationship,
a strength from 0 to 10 (or a declared 0-100 scale), a parent defined before its child, no URN
twice. Every error names the file, the line and the field. URNs are compared in lower case,
as CISO Assistant stores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError
from graphsvc.sources.yamlfiles import LINE, load_yaml

#: Fields CISO Assistant's loader requires (StoredLibrary.REQUIRED_FIELDS and the importers).
LIBRARY_FIELDS = ("urn", "ref_id", "name", "version", "objects")
FRAMEWORK_FIELDS = ("urn", "ref_id", "requirement_nodes")
NODE_FIELDS = ("urn",)
MAPPING_SET_FIELDS = ("urn", "name", "source_framework_urn", "target_framework_urn", "requirement_mappings")
MAPPING_FIELDS = ("source_requirement_urn", "target_requirement_urn", "relationship")

#: CISO Assistant's URN pattern (core/models.py URN_REGEX).
URN = re.compile(
    r"^urn:([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9_-]+))?:([0-9A-Za-z\[\]\(\)\-\._:]+)$"
)
RELATIONSHIPS = ("equal", "subset", "superset", "intersect", "not_related")
RATIONALES = ("syntactic", "semantic", "functional")
#: Objects of a library that graphsvc reads; the rest are reported as skipped.
READ_OBJECTS = ("framework", "frameworks", "requirement_mapping_set", "requirement_mapping_sets")


@dataclass
class Node:
    urn: str
    ref_id: str
    name: str
    description: str
    assessable: bool
    depth: int | None
    parent_urn: str | None
    order: int
    where: str  # file:line


@dataclass
class Framework:
    urn: str
    ref_id: str
    name: str
    description: str
    nodes: list[Node]
    where: str


@dataclass
class Row:
    """One requirement mapping as the file states it."""

    source_urn: str
    target_urn: str
    relationship: str
    strength: int | None  # as written (None: not given)
    rationale: str | None
    annotation: str | None
    index: int  # position in requirement_mappings, from 1
    where: str


@dataclass
class MappingSetDoc:
    urn: str
    ref_id: str
    name: str
    description: str
    source_framework_urn: str
    target_framework_urn: str
    rows: list[Row]
    where: str


@dataclass
class Library:
    path: Path
    urn: str
    ref_id: str
    name: str
    version: int
    locale: str
    description: str
    copyright: str
    provider: str
    packager: str
    publication_date: str
    dependencies: list[str]
    strength_scale: int = 10
    frameworks: list[Framework] = field(default_factory=list)
    mapping_sets: list[MappingSetDoc] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # objects graphsvc does not read


def _where(path: Path, obj: Any) -> str:
    return f"{path}:{obj.get(LINE, '?')}" if isinstance(obj, dict) else str(path)


def _text(path: Path, obj: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise DataLoadError(f"{_where(path, obj)}: field {key!r} is missing")
        return ""
    if isinstance(value, dict | list):
        raise DataLoadError(f"{_where(path, obj)}: field {key!r} must be text, not a {type(value).__name__}")
    return str(value).strip()


def _urn(path: Path, obj: dict[str, Any], key: str) -> str:
    value = _text(path, obj, key, required=True).lower()
    if not URN.match(value):
        raise DataLoadError(f"{_where(path, obj)}: field {key!r}: {value!r} is not a URN of the form urn:a:b:type:id")
    return value


def _listed(path: Path, objects: dict[str, Any], single: str, plural: str) -> list[dict[str, Any]]:
    if single in objects and plural in objects:
        raise DataLoadError(f"{_where(path, objects)}: objects has both {single!r} and {plural!r}; use one")
    value = objects.get(single, objects.get(plural))
    if value is None:
        return []
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DataLoadError(
            f"{_where(path, objects)}: field {single if single in objects else plural!r} must be a mapping"
        )
    return items


def _strength(path: Path, obj: dict[str, Any], scale: int) -> int | None:
    value = obj.get("strength_of_relationship")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataLoadError(
            f"{_where(path, obj)}: field 'strength_of_relationship' is {value!r}; expected a whole number or null"
        )
    if not 0 <= value <= scale:
        hint = " (if the file uses a 0-100 scale, import it with strength scale 100)" if scale == 10 else ""
        raise DataLoadError(
            f"{_where(path, obj)}: field 'strength_of_relationship' is {value}; expected 0-{scale}{hint}"
        )
    return value


def _node(path: Path, raw: dict[str, Any], order: int, seen: dict[str, str]) -> Node:
    where = _where(path, raw)
    for key in NODE_FIELDS:
        _text(path, raw, key, required=True)
    urn = _urn(path, raw, "urn")
    if urn in seen:
        raise DataLoadError(f"{where}: field 'urn': {urn} repeats {seen[urn]}")
    parent = _urn(path, raw, "parent_urn") if raw.get("parent_urn") else None
    if parent is not None and parent not in seen:
        raise DataLoadError(f"{where}: field 'parent_urn': {parent} is not a node listed above it")
    assessable = raw.get("assessable", False)
    if not isinstance(assessable, bool):
        raise DataLoadError(f"{where}: field 'assessable' is {assessable!r}; expected true or false")
    depth = raw.get("depth")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 1):
        raise DataLoadError(f"{where}: field 'depth' is {depth!r}; expected a whole number from 1")
    seen[urn] = where
    return Node(
        urn=urn,
        ref_id=_text(path, raw, "ref_id"),
        name=_text(path, raw, "name"),
        description=_text(path, raw, "description"),
        assessable=assessable,
        depth=depth,
        parent_urn=parent,
        order=order,
        where=where,
    )


def _entries(where: str, raw: dict[str, Any], what: str, fields: tuple[str, ...], key: str) -> list[dict[str, Any]]:
    """The list of mappings under ``key`` of an object (a ``what``) that must have ``fields``.

    :raises DataLoadError: a field is missing, or ``key`` is not a list of mappings.
    """
    for name in fields:
        if not raw.get(name):
            raise DataLoadError(f"{where}: {what} field {name!r} is missing")
    entries = raw[key]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise DataLoadError(f"{where}: field {key!r} must be a list of mappings")
    return entries


def _framework(path: Path, raw: dict[str, Any]) -> Framework:
    where = _where(path, raw)
    nodes_raw = _entries(where, raw, "framework", FRAMEWORK_FIELDS, "requirement_nodes")
    seen: dict[str, str] = {}
    nodes = [_node(path, n, i, seen) for i, n in enumerate(nodes_raw, start=1)]
    return Framework(
        urn=_urn(path, raw, "urn"),
        ref_id=_text(path, raw, "ref_id", required=True),
        name=_text(path, raw, "name"),
        description=_text(path, raw, "description"),
        nodes=nodes,
        where=where,
    )


def _mapping_set(path: Path, raw: dict[str, Any], scale: int) -> MappingSetDoc:
    where = _where(path, raw)
    rows_raw = _entries(where, raw, "requirement_mapping_set", MAPPING_SET_FIELDS, "requirement_mappings")
    rows: list[Row] = []
    for i, r in enumerate(rows_raw, start=1):
        at = _where(path, r)
        for key in MAPPING_FIELDS:
            if not r.get(key):
                raise DataLoadError(f"{at}: field {key!r} is missing")
        rel = _text(path, r, "relationship")
        if rel not in RELATIONSHIPS:
            raise DataLoadError(f"{at}: field 'relationship' is {rel!r}; expected one of {', '.join(RELATIONSHIPS)}")
        rationale = _text(path, r, "rationale") or None
        if rationale is not None and rationale not in RATIONALES:
            raise DataLoadError(
                f"{at}: field 'rationale' is {rationale!r}; expected one of {', '.join(RATIONALES)} or null"
            )
        rows.append(
            Row(
                source_urn=_urn(path, r, "source_requirement_urn"),
                target_urn=_urn(path, r, "target_requirement_urn"),
                relationship=rel,
                strength=_strength(path, r, scale),
                rationale=rationale,
                annotation=_text(path, r, "annotation") or None,
                index=i,
                where=at,
            )
        )
    return MappingSetDoc(
        urn=_urn(path, raw, "urn"),
        ref_id=_text(path, raw, "ref_id"),
        name=_text(path, raw, "name", required=True),
        description=_text(path, raw, "description"),
        source_framework_urn=_urn(path, raw, "source_framework_urn"),
        target_framework_urn=_urn(path, raw, "target_framework_urn"),
        rows=rows,
        where=where,
    )


def read_library(path: Path, *, strength_scale: int = 10) -> Library:
    """Read and check one CISO Assistant library file.

    :param strength_scale: 10 (CISO Assistant's model: 0-10) or 100 for files that write
        ``strength_of_relationship`` on a 0-100 scale.
    :raises DataLoadError: unreadable YAML, a missing or malformed field, with file:line.
    """
    path = Path(path)
    if strength_scale not in (10, 100):
        raise DataLoadError(f"strength scale {strength_scale}: expected 10 or 100")
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise DataLoadError(f"{path}: a CISO Assistant library is a YAML mapping (urn, ref_id, name, objects …)")
    for key in LIBRARY_FIELDS:
        if key not in doc or doc[key] in (None, ""):
            raise DataLoadError(f"{_where(path, doc)}: library field {key!r} is missing")
    version = doc["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise DataLoadError(f"{_where(path, doc)}: field 'version' is {version!r}; expected a whole number")
    objects = doc["objects"]
    if not isinstance(objects, dict):
        raise DataLoadError(f"{_where(path, doc)}: field 'objects' must be a mapping")
    deps = doc.get("dependencies") or []
    if not isinstance(deps, list):
        raise DataLoadError(f"{_where(path, doc)}: field 'dependencies' must be a list of URNs")
    lib = Library(
        path=path,
        urn=_urn(path, doc, "urn"),
        ref_id=_text(path, doc, "ref_id", required=True),
        name=_text(path, doc, "name", required=True),
        version=version,
        locale=_text(path, doc, "locale") or "en",
        description=_text(path, doc, "description"),
        copyright=_text(path, doc, "copyright"),
        provider=_text(path, doc, "provider"),
        packager=_text(path, doc, "packager"),
        publication_date=_text(path, doc, "publication_date"),
        dependencies=[str(d).lower() for d in deps],
        strength_scale=strength_scale,
    )
    lib.frameworks = [_framework(path, f) for f in _listed(path, objects, "framework", "frameworks")]
    lib.mapping_sets = [
        _mapping_set(path, m, strength_scale)
        for m in _listed(path, objects, "requirement_mapping_set", "requirement_mapping_sets")
    ]
    for key, value in objects.items():
        if key == LINE or key in READ_OBJECTS:
            continue
        n = len(value) if isinstance(value, list) else 1
        lib.skipped.append(f"objects.{key} ({n} {'entry' if n == 1 else 'entries'})")
    if not lib.frameworks and not lib.mapping_sets:
        raise DataLoadError(
            f"{_where(path, objects)}: objects has no framework and no requirement_mapping_set: nothing to import"
        )
    return lib
