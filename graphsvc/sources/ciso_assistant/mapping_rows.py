"""A CISO Assistant ``requirement_mapping_set`` → a graphsvc mapping set, row by row.

Each row's source and target URN is resolved (:class:`~graphsvc.sources.ciso_assistant.convert.Resolver`);
a row that resolves to no requirement of the set's frameworks is kept as an
:class:`~graphsvc.sources.ciso_assistant.convert.Unresolved` record; a row that repeats a pair is
kept once, and one that gives a pair another relationship refuses the file.

**Fields a row does not state.** graphsvc needs a strength (1-10), a rationale, a comment, a
source, a status, a justification and an author. Where the file gives none, graphsvc fills one
in and records the field in ``gs:assumed`` so an export leaves it out again: strength 10 for
``equal``/``subset``/``superset`` (a containment claim holds for every conforming
implementation or it is not containment) and 1 for ``intersect``/``not_related`` (the lowest
claim); rationale ``semantic``; the annotation as comment; the library as source; the status
the caller chose; ``semapv:UnspecifiedMatching``; the library's provider as author. A strength
of 0 is kept as 1. An annotation written by graphsvc's own export ends with ``Source:``,
``Status:``, ``Justification:``, ``Author:``, ``Reviewer:`` and ``Confidence:`` lines, which are
read back, so graphsvc's exports re-import to the same mappings.
"""

from __future__ import annotations

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, RDFS, SEMAPV, SKOS, SSSOM
from graphsvc.sources.ciso_assistant.convert import (
    CA_RELATIONSHIP,
    RELATIONS,
    ImportedSet,
    KnownFramework,
    Resolver,
    Unresolved,
    library_triples,
    slug,
    urn_parts,
)
from graphsvc.sources.ciso_assistant.library import Library, MappingSetDoc, Row
from graphsvc.sources.mappingsets import Mapping, MappingSet, set_mapping
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

#: Strength graphsvc assumes when a row gives none (see the module docstring).
ASSUMED_STRENGTH = {"equal": 10, "subset": 10, "superset": 10, "intersects": 1, "not-related": 1}
ASSUMED_RATIONALE = "semantic"
UNSPECIFIED = SEMAPV + "UnspecifiedMatching"

#: Keys of the trailer graphsvc writes at the end of an exported annotation, and the field each fills.
TRAILER = {
    "Source": "source",
    "Status": "status",
    "Justification": "justification",
    "Author": "author",
    "Reviewer": "reviewer",
    "Confidence": "confidence",
}
STATUSES = ("approved", "proposed")


def set_key(urn: str) -> str:
    """``ca-<id>`` for a mapping set URN: ``urn:intuitem:risk:req_mapping_set:a-to-b`` → ``ca-a-to-b``."""
    return "ca-" + (slug(urn_parts(urn)[2]).strip(".") or "set")


def parse_annotation(text: str | None) -> tuple[str, dict[str, str]]:
    """The comment and the trailer fields of an annotation written by graphsvc's export.

    >>> parse_annotation("Both log events.\\n\\nSource: graphsvc analysis\\nAuthor: graphsvc:team")
    ('Both log events.', {'source': 'graphsvc analysis', 'author': 'graphsvc:team'})
    >>> parse_annotation("Plain text: with a colon")
    ('Plain text: with a colon', {})
    """
    if not text:
        return "", {}
    head, sep, tail = text.rpartition("\n\n")
    candidate = tail if sep else text
    fields: dict[str, str] = {}
    for line in candidate.splitlines():
        key, colon, value = line.partition(": ")
        if not colon or key not in TRAILER or not value.strip():
            return text.strip(), {}
        fields[TRAILER[key]] = value.strip()
    return head.strip(), fields


def _expand_curie(value: str) -> str:
    from graphsvc.namespaces import expand

    return expand(value, strict=False) or value


def mapping_set(lib: Library, doc: MappingSetDoc, resolver: Resolver, *, status: str = "approved") -> ImportedSet:
    """The mapping set of one ``requirement_mapping_set``.

    :raises DataLoadError: a source or target framework that is not in the file, not imported
        and not one graphsvc ships; one pair given two different relationships.
    """
    if status not in STATUSES:
        raise DataLoadError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    src_fw, tgt_fw = _set_frameworks(doc, resolver)
    key = set_key(doc.urn)
    set_id = f"{GSD}mappingset/{key}"
    mappings: list[Mapping] = []
    assumed: dict[str, list[str]] = {}
    origins: dict[str, str] = {}
    unresolved: list[Unresolved] = []
    notes: list[str] = []
    seen: dict[tuple[str, str], tuple[str, Row]] = {}
    for row in doc.rows:
        ends = _row_ends(row, resolver, src_fw, tgt_fw)
        if isinstance(ends, Unresolved):
            unresolved.append(ends)
            continue
        relation = RELATIONS[row.relationship]
        prev = seen.get(ends)
        if prev is not None:
            if prev[0] != relation:
                raise DataLoadError(
                    f"{row.where}: field 'relationship': {row.relationship} contradicts row {prev[1].index} "
                    f"({prev[1].where}), which maps the same pair as {CA_RELATIONSHIP[prev[0]]}"
                )
            notes.append(f"{row.where}: row {row.index} repeats row {prev[1].index}; kept once")
            continue
        seen[ends] = (relation, row)
        m, filled = _row_mapping(lib, doc, row, set_id, ends, status, notes)
        mappings.append(m)
        origins[m.iri] = row.where
        assumed[m.iri] = filled
    ms = MappingSet(
        set_id=set_id,
        key=key,
        meta={
            "mapping_set_title": doc.name,
            "mapping_set_version": str(lib.version),
            "license": "see the library's copyright",  # replaced by ImportedSet.triples (text may hold a URL)
            "creator_id": [_author(lib)],
            "mapping_set_description": doc.description,
            "mapping_date": lib.publication_date,
        },
        mappings=mappings,
        path=lib.path,
        origins=origins,
    )
    extra = _set_extra(lib, doc, ms, assumed, unresolved)
    licence = lib.copyright or "not stated in the library"
    return ImportedSet(ms, unresolved, notes, src_fw.short_name, tgt_fw.short_name, extra, licence)


def _author(lib: Library) -> str:
    """Who the rows of a library are by, where a row does not say."""
    return lib.provider or lib.packager or "CISO Assistant library"


def _set_frameworks(doc: MappingSetDoc, resolver: Resolver) -> tuple[KnownFramework, KnownFramework]:
    """The source and the target framework of a mapping set, which must be known and differ."""
    frameworks = []
    for key in ("source_framework_urn", "target_framework_urn"):
        urn = getattr(doc, key)
        kf = resolver.framework(urn)
        if kf is None:
            raise DataLoadError(
                f"{doc.where}: field {key!r}: {urn} is not a framework in this file, imported before, "
                "or shipped with graphsvc; import its library first"
            )
        frameworks.append(kf)
    src_fw, tgt_fw = frameworks
    if src_fw.key == tgt_fw.key:
        raise DataLoadError(f"{doc.where}: source and target framework are the same ({src_fw.key})")
    return src_fw, tgt_fw


def _row_ends(
    row: Row, resolver: Resolver, src_fw: KnownFramework, tgt_fw: KnownFramework
) -> tuple[str, str] | Unresolved:
    """The (source, target) requirement IRIs of a row, or why the row cannot be resolved."""
    hits = []
    for side, urn, kf in (("source", row.source_urn, src_fw), ("target", row.target_urn, tgt_fw)):
        hit = resolver.requirement(urn)
        if hit is None:
            return Unresolved(row, f"{side} {urn} is not a requirement in the graph")
        if hit[1] != kf.key:
            return Unresolved(row, f"{side} {urn} belongs to {hit[1]}, not to {kf.key}")
        hits.append(hit[0])
    return hits[0], hits[1]


def _row_mapping(
    lib: Library,
    doc: MappingSetDoc,
    row: Row,
    set_id: str,
    ends: tuple[str, str],
    status: str,
    notes: list[str],
) -> tuple[Mapping, list[str]]:
    """The mapping a resolved row makes, and the fields graphsvc had to fill in (see the module
    docstring); a containment row with a strength below 10 adds a note."""
    relation = RELATIONS[row.relationship]
    comment, trailer = parse_annotation(row.annotation)
    filled: list[str] = []
    strength = _strength(lib, row, relation, notes)
    if strength is None:
        strength = ASSUMED_STRENGTH[relation]
        filled.append("strength")
    if row.rationale is None:
        filled.append("rationale")
    if not comment:
        comment = f"CISO Assistant mapping set {doc.urn} gives no annotation for this row."
        filled.append("annotation")
    filled += [name for name in ("source", "status", "justification", "author") if name not in trailer]
    confidence = None
    if "confidence" in trailer:
        try:
            confidence = float(trailer["confidence"])
        except ValueError as exc:
            raise DataLoadError(
                f"{row.where}: field 'annotation': Confidence {trailer['confidence']!r} is not a number"
            ) from exc
    row_status = trailer.get("status", status)
    if row_status not in ("approved", "proposed", "rejected"):
        raise DataLoadError(f"{row.where}: field 'annotation': Status {row_status!r} is not approved or proposed")
    m = set_mapping(
        set_id,
        *ends,
        relation,
        strength=strength,
        status=row_status,
        rationale=row.rationale or ASSUMED_RATIONALE,
        justification=_expand_curie(trailer["justification"]) if "justification" in trailer else UNSPECIFIED,
        comment=comment,
        source=trailer.get("source", f"CISO Assistant library {lib.urn} (version {lib.version}): {doc.name}"),
        author=trailer.get("author", _author(lib)),
        reviewer=trailer.get("reviewer", ""),
        confidence=confidence,
    )
    return m, filled


def _strength(lib: Library, row: Row, relation: str, notes: list[str]) -> int | None:
    """The row's strength on graphsvc's scale (1-10), or None where it gives none; a containment
    row that claims less than 10 adds a note."""
    if row.strength is None:
        return None
    value = row.strength if lib.strength_scale == 10 else round(row.strength / 10)
    strength = max(1, value)
    if relation in ("equal", "subset", "superset") and strength < 10:
        notes.append(
            f"{row.where}: row {row.index} claims {row.relationship} with strength {row.strength}; "
            "a containment row holds fully (strength 10) or is an intersection: review it"
        )
    return strength


def _set_extra(
    lib: Library, doc: MappingSetDoc, ms: MappingSet, assumed: dict[str, list[str]], unresolved: list[Unresolved]
) -> list[TripleTuple]:
    """What an imported set says beyond SSSOM's: its URN and library, the two frameworks, the
    fields each mapping assumed, and the rows that could not be resolved."""
    s = iri(ms.set_id)
    extra: list[TripleTuple] = [
        (s, iri(DCTERMS + "identifier"), lit(doc.urn)),
        (s, iri(SKOS + "notation"), lit(doc.ref_id or ms.key)),
        (s, iri(DCTERMS + "source"), iri(lib.urn)),
        (s, iri(SSSOM + "subject_source"), iri(doc.source_framework_urn)),
        (s, iri(SSSOM + "object_source"), iri(doc.target_framework_urn)),
        *library_triples(lib),
    ]
    for m in ms.mappings:
        extra += [(iri(m.iri), g("assumed"), lit(name)) for name in assumed[m.iri]]
    for u in unresolved:
        node = iri(f"{GSD}unresolved/{ms.key}/{u.row.index}")
        extra += [
            (node, RDF_TYPE, g("UnresolvedMapping")),
            (node, g("mappingSet"), s),
            (node, iri(SSSOM + "subject_id"), lit(u.row.source_urn)),
            (node, iri(SSSOM + "object_id"), lit(u.row.target_urn)),
            (node, iri(RDFS + "comment"), lit(f"row {u.row.index} ({u.row.relationship}): {u.reason}")),
        ]
    return extra
