"""SSSOM TSV mapping sets → :class:`Mapping` records → RDF, one named graph per set.

Parsing is our own (it must report file:line for every bad row and must be fast); the
``sssom`` package's validator checks the shipped files in the tests. Every row needs a
subject and object that exist in the catalogs, a set relation, a strength, a status, a
comment and a source; any failure refuses the whole build with its file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, RDFS, SEMAPV, SSSOM, graph_iri
from graphsvc.store import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

RELATIONS = ("equal", "subset", "superset", "intersects", "not-related")
RATIONALES = ("syntactic", "semantic", "functional")
STATUSES = ("proposed", "approved", "rejected")
PREDICATE_FOR = {
    "equal": "skos:exactMatch",
    "subset": "skos:broadMatch",
    "superset": "skos:narrowMatch",
    "intersects": "skos:relatedMatch",
    "not-related": "skos:relatedMatch",
}
REQUIRED_COLUMNS = (
    "subject_id",
    "predicate_id",
    "object_id",
    "mapping_justification",
    "author_id",
    "comment",
    "source",
    "set_relation",
    "strength",
    "rationale",
    "status",
)


@dataclass(frozen=True)
class Mapping:
    """One row of a mapping set (or a derived mapping made by chaining)."""

    iri: str
    subject: str
    object: str
    relation: str
    strength: int
    status: str
    rationale: str
    justification: str
    comment: str
    source: str
    set_id: str
    author: str = ""
    reviewer: str = ""
    confidence: float | None = None
    derived: bool = False
    path: tuple[str, ...] = ()  # IRIs of the direct mappings a derived one came from


@dataclass
class MappingSet:
    set_id: str
    key: str
    meta: dict[str, Any]
    mappings: list[Mapping]
    path: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # mapping IRI -> file:line

    @property
    def graph(self) -> str:
        return graph_iri("mappings/" + self.key)


def mapping_iri(set_id: str, subject: str, obj: str, relation: str) -> str:
    digest = hashlib.sha1(f"{set_id}|{subject}|{obj}|{relation}".encode()).hexdigest()[:20]
    return GSD + "mapping/" + digest


def _expand(curie: str, curie_map: dict[str, str], where: str, column: str) -> str:
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in curie_map:
        raise DataLoadError(f"{where}: field {column!r}: {curie!r} has no prefix in the curie_map")
    return curie_map[prefix] + local


def parse_sssom(path: Path, known: set[str] | None = None) -> MappingSet:
    """Read one SSSOM TSV file; ``known`` is the set of requirement IRIs rows may use.

    :raises DataLoadError: with ``file:line`` and the field at fault.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    lines = text.splitlines()
    header_lines = []
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        header_lines.append(lines[n][1:])
        n += 1
    try:
        meta = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        raise DataLoadError(f"{path}: the '#' metadata header is not valid YAML: {exc}") from exc
    for key in ("mapping_set_id", "curie_map", "license", "mapping_set_title", "mapping_set_version", "creator_id"):
        if not meta.get(key):
            raise DataLoadError(f"{path}: metadata field {key!r} is missing")
    curie_map: dict[str, str] = dict(meta["curie_map"])
    curie_map.setdefault("skos", "http://www.w3.org/2004/02/skos/core#")
    curie_map.setdefault("semapv", SEMAPV)
    set_id = str(meta["mapping_set_id"])
    reader = csv.DictReader(io.StringIO("\n".join(lines[n:])), delimiter="\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataLoadError(f"{path}:{n + 1}: missing column(s) {', '.join(missing)}")
    mappings: list[Mapping] = []
    origins: dict[str, str] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for row in reader:
        where = f"{path}:{n + reader.line_num}"

        def need(col: str, row: dict[str, str] = row, where: str = where) -> str:
            value = (row.get(col) or "").strip()
            if not value:
                raise DataLoadError(f"{where}: field {col!r} is empty")
            return value

        subject = _expand(need("subject_id"), curie_map, where, "subject_id")
        obj = _expand(need("object_id"), curie_map, where, "object_id")
        for col, value in (("subject_id", subject), ("object_id", obj)):
            if known is not None and value not in known:
                raise DataLoadError(f"{where}: field {col!r}: {row[col]} is not in the catalogs")
        relation = need("set_relation")
        if relation not in RELATIONS:
            raise DataLoadError(
                f"{where}: field 'set_relation' is {relation!r}; expected one of {', '.join(RELATIONS)}"
            )
        predicate = need("predicate_id")
        modifier = (row.get("predicate_modifier") or "").strip()
        if predicate != PREDICATE_FOR[relation] or (modifier == "Not") != (relation == "not-related"):
            raise DataLoadError(
                f"{where}: field 'predicate_id' is {predicate}{' (Not)' if modifier else ''}, "
                f"but set_relation {relation} needs {PREDICATE_FOR[relation]}"
                f"{' with predicate_modifier Not' if relation == 'not-related' else ''}"
            )
        try:
            strength = int(need("strength"))
        except ValueError as exc:
            raise DataLoadError(f"{where}: field 'strength' is {row['strength']!r}; expected 1-10") from exc
        if not 1 <= strength <= 10:
            raise DataLoadError(f"{where}: field 'strength' is {strength}; expected 1-10")
        status = need("status")
        if status not in STATUSES:
            raise DataLoadError(f"{where}: field 'status' is {status!r}; expected one of {', '.join(STATUSES)}")
        rationale = need("rationale")
        if rationale not in RATIONALES:
            raise DataLoadError(f"{where}: field 'rationale' is {rationale!r}; expected one of {', '.join(RATIONALES)}")
        conf_text = (row.get("confidence") or "").strip()
        try:
            confidence = float(conf_text) if conf_text else None
        except ValueError as exc:
            raise DataLoadError(f"{where}: field 'confidence' is {conf_text!r}; expected 0-1") from exc
        key = (subject, obj, relation)
        if key in seen:
            raise DataLoadError(f"{where}: this row repeats {seen[key]}")
        seen[key] = where
        origins[mapping_iri(set_id, subject, obj, relation)] = where
        mappings.append(
            Mapping(
                iri=mapping_iri(set_id, subject, obj, relation),
                subject=subject,
                object=obj,
                relation=relation,
                strength=strength,
                status=status,
                rationale=rationale,
                justification=_expand(need("mapping_justification"), curie_map, where, "mapping_justification"),
                comment=need("comment"),
                source=need("source"),
                set_id=set_id,
                author=need("author_id"),
                reviewer=(row.get("reviewer_id") or "").strip(),
                confidence=confidence,
            )
        )
    key = path.name.removesuffix(".tsv").removesuffix(".sssom")
    return MappingSet(set_id=set_id, key=key, meta=meta, mappings=mappings, path=path, origins=origins)


def load_mapping_sets(mappings_dir: Path, known: set[str] | None) -> list[MappingSet]:
    return [parse_sssom(p, known) for p in sorted((mappings_dir / "sssom").glob("*.sssom.tsv"))]


def mapping_triples(m: Mapping) -> list[TripleTuple]:
    s = iri(m.iri)
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("Mapping")),
        (s, g("subject"), iri(m.subject)),
        (s, g("object"), iri(m.object)),
        (s, g("relation"), g("rel-" + m.relation)),
        (s, g("strength"), lit(m.strength)),
        (s, g("status"), lit(m.status)),
        (s, g("rationale"), lit(m.rationale)),
        (s, iri(SSSOM + "mapping_justification"), iri(m.justification)),
        (s, iri(RDFS + "comment"), lit(m.comment)),
        (s, iri(DCTERMS + "source"), lit(m.source)),
        (s, g("mappingSet"), iri(m.set_id)),
        (s, g("derived"), lit(m.derived)),
    ]
    if m.author:
        out.append((s, iri(SSSOM + "author_id"), lit(m.author)))
    if m.reviewer:
        out.append((s, iri(SSSOM + "reviewer_id"), lit(m.reviewer)))
    if m.confidence is not None:
        out.append((s, iri(SSSOM + "confidence"), lit(m.confidence)))
    for i, hop in enumerate(m.path):
        out.append((s, iri("http://www.w3.org/ns/prov#wasDerivedFrom"), iri(hop)))
        hop_node = iri(f"{m.iri}/hop/{i}")
        out += [(s, g("hop"), hop_node), (hop_node, g("hopIndex"), lit(i)), (hop_node, g("hopMapping"), iri(hop))]
    return out


def set_triples(ms: MappingSet) -> list[TripleTuple]:
    s = iri(ms.set_id)
    meta = ms.meta
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("MappingSet")),
        (s, iri(DCTERMS + "title"), lit(meta["mapping_set_title"])),
        (s, g("version"), lit(str(meta["mapping_set_version"]))),
        (s, iri(DCTERMS + "license"), iri(meta["license"]) if "://" in str(meta["license"]) else lit(meta["license"])),
    ]
    creators = meta.get("creator_id") or []
    for creator in creators if isinstance(creators, list) else [creators]:
        out.append((s, iri(DCTERMS + "creator"), lit(str(creator))))
    if meta.get("mapping_set_description"):
        out.append((s, iri(DCTERMS + "description"), lit(meta["mapping_set_description"])))
    if meta.get("mapping_date"):
        out.append((s, iri(DCTERMS + "issued"), lit(meta["mapping_date"])))
    for m in ms.mappings:
        out += mapping_triples(m)
    return out


def all_mappings(sets: Iterable[MappingSet]) -> list[Mapping]:
    return [m for s in sets for m in s.mappings]
