"""SSSOM TSV mapping sets → :class:`Mapping` records → RDF, one named graph per set.

Parsing is our own (it must report file:line for every bad row and must be fast); the
``sssom`` package's validator checks the shipped files in the tests. Every row needs a
subject and object that exist in the catalogs, a set relation, a strength, a status, a
comment and a source; any failure refuses the whole build with its file and line.

A row whose subject is ``sssom:NoTermFound`` is not a mapping but a *no-counterpart
decision*: the set's source framework was searched and holds nothing for the object (the
format is fixed in notes/coordination.md: predicate ``skos:exactMatch``, no modifier, empty
set_relation and strength, the reason in both rationale and comment). It becomes a
:class:`NoCounterpart` (``gs:NoCounterpart`` in the graph), never a :class:`Mapping`, so
chaining and coverage cannot walk it; coverage uses it to say why a gap is a gap.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, RDFS, SEMAPV, SSSOM, graph_iri
from graphsvc.store.base import TripleTuple
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
NO_TERM_FOUND = "sssom:NoTermFound"
NO_COUNTERPART_PREDICATE = "skos:exactMatch"
#: The SSSOM slots a written table (an export, an organisation's own set) opens with, in this order.
OPENING_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "author_id",
    "reviewer_id",
)
#: The columns that close every graphsvc SSSOM table (shipped sets, an organisation's own set, exports):
#: the row's comment and source, then graphsvc's extension slots.
CLOSING_COLUMNS = ("comment", "source", "set_relation", "strength", "rationale", "status")
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "author_id", *CLOSING_COLUMNS)


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


@dataclass(frozen=True)
class NoCounterpart:
    """A decision that the set's source framework has nothing for ``object``, and why."""

    iri: str
    object: str
    framework: str  # the framework searched (its IRI), the subject side of the set
    reason: str
    status: str
    source: str
    set_id: str
    justification: str
    author: str = ""
    reviewer: str = ""
    confidence: float | None = None


@dataclass
class MappingSet:
    set_id: str
    key: str
    meta: dict[str, Any]
    mappings: list[Mapping]
    path: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # mapping IRI -> file:line
    no_counterparts: list[NoCounterpart] = field(default_factory=list)

    @property
    def graph(self) -> str:
        return graph_iri("mappings/" + self.key)


def mapping_from_row(row: dict[str, Any], **given: Any) -> Mapping:
    """A stored mapping from a query row of plain values named like :class:`Mapping`'s fields
    (``relation`` as the relation's IRI, ``gs:rel-…``); ``given`` supplies the fields the row
    names otherwise (``iri``, ``set_id``) or does not hold (``path``)."""
    values = {f.name: row[f.name] for f in dataclasses.fields(Mapping) if row.get(f.name) is not None}
    values["relation"] = str(values["relation"]).rsplit("rel-", 1)[-1]
    values["strength"] = int(values["strength"])
    values["derived"] = bool(values.get("derived", False))
    return Mapping(**{**values, **given})


def mapping_iri(set_id: str, subject: str, obj: str, relation: str) -> str:
    digest = hashlib.sha1(f"{set_id}|{subject}|{obj}|{relation}".encode()).hexdigest()[:20]
    return GSD + "mapping/" + digest


def set_mapping(set_id: str, subject: str, obj: str, relation: str, **fields: Any) -> Mapping:
    """A direct mapping of the set ``set_id``, under the IRI :func:`mapping_iri` gives it;
    ``fields`` are the rest of :class:`Mapping`'s."""
    iri_ = mapping_iri(set_id, subject, obj, relation)
    return Mapping(iri=iri_, subject=subject, object=obj, relation=relation, set_id=set_id, **fields)


def _expand(curie: str, curie_map: dict[str, str], where: str, column: str) -> str:
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in curie_map:
        raise DataLoadError(f"{where}: field {column!r}: {curie!r} has no prefix in the curie_map")
    return curie_map[prefix] + local


def no_counterpart_iri(set_id: str, obj: str) -> str:
    return mapping_iri(set_id, NO_TERM_FOUND, obj, "no-counterpart")


def _subject_framework(
    path: Path, meta: dict[str, Any], mappings: list[Mapping], frameworks: dict[str, str] | None
) -> str:
    """The framework a set's no-counterpart rows speak for: ``subject_source`` in the header,
    else the one framework every mapping row's subject belongs to."""
    if meta.get("subject_source"):
        return str(meta["subject_source"])
    found = set()
    for m in mappings:
        ns = next((n for n in (frameworks or {}) if m.subject.startswith(n)), None)
        found.add((frameworks or {})[ns] if ns else m.subject.rsplit("/", 1)[0] + "/")
    if len(found) != 1:
        raise DataLoadError(
            f"{path}: no-counterpart rows need one source framework: give 'subject_source' in the header "
            f"(the subjects span {len(found)} frameworks)"
        )
    return found.pop()


def _no_counterpart(row: dict[str, str], where: str, set_id: str, obj: str, curie_map: dict[str, str]) -> NoCounterpart:
    """One ``sssom:NoTermFound`` row, checked against the fixed format."""

    def need(col: str) -> str:
        value = (row.get(col) or "").strip()
        if not value:
            raise DataLoadError(f"{where}: field {col!r} is empty (a no-counterpart row needs it)")
        return value

    predicate = need("predicate_id")
    if predicate != NO_COUNTERPART_PREDICATE or (row.get("predicate_modifier") or "").strip():
        raise DataLoadError(
            f"{where}: field 'predicate_id': a {NO_TERM_FOUND} row uses {NO_COUNTERPART_PREDICATE} with no "
            "predicate_modifier"
        )
    for col in ("set_relation", "strength"):
        if (row.get(col) or "").strip():
            raise DataLoadError(f"{where}: field {col!r} must be empty in a {NO_TERM_FOUND} row (nothing is mapped)")
    status = need("status")
    if status not in STATUSES:
        raise DataLoadError(f"{where}: field 'status' is {status!r}; expected one of {', '.join(STATUSES)}")
    reason = need("comment")
    need("rationale")
    confidence = _confidence(row, where)
    return NoCounterpart(
        iri=no_counterpart_iri(set_id, obj),
        object=obj,
        framework="",
        reason=reason,
        status=status,
        source=need("source"),
        set_id=set_id,
        justification=_expand(need("mapping_justification"), curie_map, where, "mapping_justification"),
        author=need("author_id"),
        reviewer=(row.get("reviewer_id") or "").strip(),
        confidence=confidence,
    )


def _confidence(row: dict[str, str], where: str) -> float | None:
    """The row's ``confidence`` (0-1), or None where it gives none."""
    conf_text = (row.get("confidence") or "").strip()
    try:
        return float(conf_text) if conf_text else None
    except ValueError as exc:
        raise DataLoadError(f"{where}: field 'confidence' is {conf_text!r}; expected 0-1") from exc


def _need(row: dict[str, str], col: str, where: str) -> str:
    """The row's value in ``col``, which a mapping row must give."""
    value = (row.get(col) or "").strip()
    if not value:
        raise DataLoadError(f"{where}: field {col!r} is empty")
    return value


def parse_sssom(path: Path, known: set[str] | None = None, frameworks: dict[str, str] | None = None) -> MappingSet:
    """Read one SSSOM TSV file; ``known`` is the set of requirement IRIs rows may use, and
    ``frameworks`` maps each catalog namespace to its framework IRI (to name the framework a
    no-counterpart row speaks for).

    :raises DataLoadError: with ``file:line`` and the field at fault.
    """
    meta, body, n = _read_header(path)
    curie_map: dict[str, str] = dict(meta["curie_map"])
    curie_map.setdefault("skos", "http://www.w3.org/2004/02/skos/core#")
    curie_map.setdefault("semapv", SEMAPV)
    rows = _Rows(str(meta["mapping_set_id"]), curie_map, known)
    reader = csv.DictReader(io.StringIO(body), delimiter="\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataLoadError(f"{path}:{n + 1}: missing column(s) {', '.join(missing)}")
    for row in reader:
        where = f"{path}:{n + reader.line_num}"
        if (row.get("subject_id") or "").strip() == NO_TERM_FOUND:
            rows.add_no_counterpart(row, where)
        else:
            rows.add_mapping(row, where)
    nothing = rows.nothing
    if nothing:
        fw = _subject_framework(path, meta, rows.mappings, frameworks)
        nothing = [replace(nc, framework=fw) for nc in nothing]
    key = path.name.removesuffix(".tsv").removesuffix(".sssom")
    return MappingSet(
        set_id=rows.set_id,
        key=key,
        meta=meta,
        mappings=rows.mappings,
        path=path,
        origins=rows.origins,
        no_counterparts=nothing,
    )


def _read_header(path: Path) -> tuple[dict[str, Any], str, int]:
    """The ``#`` metadata header of an SSSOM TSV file (checked for the fields a set needs), the
    table below it, and how many lines the header takes.

    :raises DataLoadError: an unreadable file, a header that is not YAML, a missing field.
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
    return meta, "\n".join(lines[n:]), n


@dataclass
class _Rows:
    """The rows of one set read so far, which each next row is checked against."""

    set_id: str
    curie_map: dict[str, str]
    known: set[str] | None
    mappings: list[Mapping] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # mapping or record IRI -> file:line
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (subject, object, relation) -> file:line
    nothing: list[NoCounterpart] = field(default_factory=list)
    decided: dict[str, str] = field(default_factory=dict)  # object IRI -> file:line of its no-counterpart row
    mapped: dict[str, str] = field(default_factory=dict)  # object IRI -> file:line of its first mapping row

    def add_no_counterpart(self, row: dict[str, str], where: str) -> None:
        """A ``sssom:NoTermFound`` row: checked, and kept as a :class:`NoCounterpart`."""
        obj_text = (row.get("object_id") or "").strip()
        if not obj_text:
            raise DataLoadError(f"{where}: field 'object_id' is empty")
        obj = _expand(obj_text, self.curie_map, where, "object_id")
        if self.known is not None and obj not in self.known:
            raise DataLoadError(f"{where}: field 'object_id': {obj_text} is not in the catalogs")
        if obj in self.decided:
            raise DataLoadError(f"{where}: field 'object_id': this no-counterpart row repeats {self.decided[obj]}")
        if obj in self.mapped:
            raise DataLoadError(
                f"{where}: field 'object_id': {obj_text} is mapped at {self.mapped[obj]}; a no-counterpart "
                "record and a mapping for one item contradict each other"
            )
        self.decided[obj] = where
        nc = _no_counterpart(row, where, self.set_id, obj, self.curie_map)
        self.origins[nc.iri] = where
        self.nothing.append(nc)

    def add_mapping(self, row: dict[str, str], where: str) -> None:
        """A mapping row: checked, and kept as a :class:`Mapping`."""
        subject, obj, relation = self._ends(row, where)
        strength, status, rationale = _grades(row, where)
        confidence = _confidence(row, where)
        key = (subject, obj, relation)
        if key in self.seen:
            raise DataLoadError(f"{where}: this row repeats {self.seen[key]}")
        self.seen[key] = where
        chained = (row.get("mapping_justification") or "").strip() == "semapv:MappingChaining"
        if relation != "not-related" and not chained:  # a derived row in an export is no decision
            if obj in self.decided:
                raise DataLoadError(
                    f"{where}: field 'object_id': {row['object_id']} has a no-counterpart record at "
                    f"{self.decided[obj]}; a mapping and that record contradict each other"
                )
            self.mapped.setdefault(obj, where)
        self.origins[mapping_iri(self.set_id, subject, obj, relation)] = where
        justification = _expand(
            _need(row, "mapping_justification", where), self.curie_map, where, "mapping_justification"
        )
        self.mappings.append(
            set_mapping(
                self.set_id,
                subject,
                obj,
                relation,
                strength=strength,
                status=status,
                rationale=rationale,
                justification=justification,
                comment=_need(row, "comment", where),
                source=_need(row, "source", where),
                author=_need(row, "author_id", where),
                reviewer=(row.get("reviewer_id") or "").strip(),
                confidence=confidence,
            )
        )

    def _ends(self, row: dict[str, str], where: str) -> tuple[str, str, str]:
        """The row's subject and object (expanded, and in the catalogs) and its set relation, with
        the SSSOM predicate that relation needs."""
        subject = _expand(_need(row, "subject_id", where), self.curie_map, where, "subject_id")
        obj = _expand(_need(row, "object_id", where), self.curie_map, where, "object_id")
        for col, value in (("subject_id", subject), ("object_id", obj)):
            if self.known is not None and value not in self.known:
                raise DataLoadError(f"{where}: field {col!r}: {row[col]} is not in the catalogs")
        relation = _need(row, "set_relation", where)
        if relation not in RELATIONS:
            raise DataLoadError(
                f"{where}: field 'set_relation' is {relation!r}; expected one of {', '.join(RELATIONS)}"
            )
        predicate = _need(row, "predicate_id", where)
        modifier = (row.get("predicate_modifier") or "").strip()
        if predicate != PREDICATE_FOR[relation] or (modifier == "Not") != (relation == "not-related"):
            raise DataLoadError(
                f"{where}: field 'predicate_id' is {predicate}{' (Not)' if modifier else ''}, "
                f"but set_relation {relation} needs {PREDICATE_FOR[relation]}"
                f"{' with predicate_modifier Not' if relation == 'not-related' else ''}"
            )
        return subject, obj, relation


def _grades(row: dict[str, str], where: str) -> tuple[int, str, str]:
    """A mapping row's strength (1-10), status and rationale, each checked."""
    try:
        strength = int(_need(row, "strength", where))
    except ValueError as exc:
        raise DataLoadError(f"{where}: field 'strength' is {row['strength']!r}; expected 1-10") from exc
    if not 1 <= strength <= 10:
        raise DataLoadError(f"{where}: field 'strength' is {strength}; expected 1-10")
    status = _need(row, "status", where)
    if status not in STATUSES:
        raise DataLoadError(f"{where}: field 'status' is {status!r}; expected one of {', '.join(STATUSES)}")
    rationale = _need(row, "rationale", where)
    if rationale not in RATIONALES:
        raise DataLoadError(f"{where}: field 'rationale' is {rationale!r}; expected one of {', '.join(RATIONALES)}")
    return strength, status, rationale


def load_mapping_sets(
    mappings_dir: Path, known: set[str] | None, frameworks: dict[str, str] | None = None
) -> list[MappingSet]:
    return [parse_sssom(p, known, frameworks) for p in sorted((mappings_dir / "sssom").glob("*.sssom.tsv"))]


def no_counterpart_triples(nc: NoCounterpart) -> list[TripleTuple]:
    s = iri(nc.iri)
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("NoCounterpart")),
        (s, g("noCounterpartFor"), iri(nc.object)),
        (s, g("searchedFramework"), iri(nc.framework)),
        (s, g("status"), lit(nc.status)),
        (s, iri(RDFS + "comment"), lit(nc.reason)),
        (s, iri(DCTERMS + "source"), lit(nc.source)),
        (s, iri(SSSOM + "mapping_justification"), iri(nc.justification)),
        (s, g("mappingSet"), iri(nc.set_id)),
    ]
    return out + _curation_triples(s, nc.author, nc.reviewer, nc.confidence)


def _curation_triples(s: Any, author: str, reviewer: str, confidence: float | None) -> list[TripleTuple]:
    """Who made and who reviewed a mapping or record, and how sure they are, where given."""
    out: list[TripleTuple] = []
    if author:
        out.append((s, iri(SSSOM + "author_id"), lit(author)))
    if reviewer:
        out.append((s, iri(SSSOM + "reviewer_id"), lit(reviewer)))
    if confidence is not None:
        out.append((s, iri(SSSOM + "confidence"), lit(confidence)))
    return out


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
    out += _curation_triples(s, m.author, m.reviewer, m.confidence)
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
    for nc in ms.no_counterparts:
        out += no_counterpart_triples(nc)
    return out


def all_mappings(sets: Iterable[MappingSet]) -> list[Mapping]:
    return [m for s in sets for m in s.mappings]


CONTAINMENT = ("equal", "subset", "superset")
REVIEW_MARK = "Reviewer check"


def containment_problems(ms: MappingSet) -> list[str]:
    """Containment rows that break the rule of the design brief, as ``file:line: why``.

    A containment row (equal, subset, superset) holds only if every conforming implementation
    of one side meets the other's demand as written, so it has strength 10, names a second
    reviewer (``reviewer_id``, not the author) and writes that reviewer's check in the comment
    (a sentence starting "Reviewer check").
    """
    out = []
    for m in ms.mappings:
        if m.relation not in CONTAINMENT or m.status == "rejected":
            continue
        where = ms.origins.get(m.iri, str(ms.path))
        if m.strength != 10:
            out.append(f"{where}: {m.relation} row has strength {m.strength}; containment means 10, else intersects")
        if not m.reviewer or m.reviewer == m.author:
            out.append(f"{where}: {m.relation} row names no second reviewer (reviewer_id)")
        if REVIEW_MARK not in m.comment:
            out.append(
                f"{where}: {m.relation} row does not write the reviewer's check ('{REVIEW_MARK} ...') in its comment"
            )
    return out
