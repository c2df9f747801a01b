"""An organisation's own mapping set: proposals for its controls and the decisions on them.

Each organisation has one set, ``gsd:mappingset/org/<id>``, in its private graph
``gsg:org/<id>/mappings``, kept as SSSOM TSV in ``<data_dir>/imports/mappings/<id>.sssom.tsv``
so that ``graphsvc build`` loads it again. A row is one (control, requirement) pair:

* ``proposed``: made by the matcher (``semapv:LexicalMatching``, relation ``intersects``), waiting;
* ``approved``: a person accepted it, perhaps editing relation, strength and rationale
  (``semapv:MappingReview``; ``sssom:reviewer_id`` and ``reviewer_label``; ``prov:wasGeneratedBy`` a
  :class:`gs:MappingReview` activity associated with the reviewer and ended at the review time).
  The control then implements the requirement: fully for ``equal`` or ``superset``, partly for
  ``subset`` or ``intersects``, not at all for ``not-related``; coverage sees this from then on;
* ``rejected``: kept with its reviewer, so the pair is never proposed again.

Rows are typed ``gs:ControlMapping`` (a kind of ``gs:Mapping`` the SHACL mapping shape checks)
and not ``gs:Mapping`` itself, so crosswalks between frameworks never see them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from graphsvc.config import kept_dir
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, PREFIXES, PROV, RDFS, SSSOM, compress, expand, org_graph
from graphsvc.sources.mappingsets import (
    CLOSING_COLUMNS,
    OPENING_COLUMNS,
    PREDICATE_FOR,
    RATIONALES,
    RELATIONS,
    STATUSES,
)
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

#: How an approved row's relation becomes the control's implementation of the requirement.
IMPLEMENTS = {
    "equal": "implementsFully",
    "superset": "implementsFully",
    "subset": "implementsPartly",
    "intersects": "implementsPartly",
}
LEXICAL = "semapv:LexicalMatching"
REVIEWED = "semapv:MappingReview"


COLUMNS = (
    "proposal_id",
    *OPENING_COLUMNS,
    "reviewer_label",
    "mapping_date",
    "review_date",
    "confidence",
    "match_string",
    *CLOSING_COLUMNS,
)


@dataclass(frozen=True)
class OrgMapping:
    """One row of an organisation's mapping set."""

    id: str
    subject: str  # control IRI
    subject_label: str
    object: str  # requirement IRI
    object_label: str
    relation: str
    strength: int
    status: str
    rationale: str
    comment: str
    source: str
    author: str
    justification: str  # CURIE: semapv:LexicalMatching (proposed) or semapv:MappingReview
    proposed: str  # date the proposal was made (YYYY-MM-DD)
    confidence: float | None = None
    matched: str = ""
    reviewer: str = ""
    reviewed: str = ""  # when the review was recorded (ISO date-time, UTC)

    @property
    def pending(self) -> bool:
        return self.status == "proposed"

    def reviewed_as(
        self,
        status: str,
        reviewer: str,
        when: dt.datetime,
        *,
        relation: str,
        strength: int,
        comment: str,
        rationale: str,
    ) -> OrgMapping:
        return replace(
            self,
            status=status,
            reviewer=reviewer,
            reviewed=when.replace(microsecond=0).isoformat(),
            relation=relation,
            strength=strength,
            comment=comment,
            rationale=rationale,
            justification=REVIEWED,
        )


def mappings_graph(org: str) -> str:
    return org_graph(org, "mappings")


def set_iri(org: str) -> str:
    return f"{GSD}mappingset/org/{org}"


def kept_file(data_dir: Path, org: str) -> Path:
    return kept_dir(data_dir, "mappings") / f"{org}.sssom.tsv"


def _node(org: str, pid: str) -> str:
    return f"{GSD}mapping/org/{org}/{pid}"


def _agent(name: str) -> str:
    """The reviewer as a PROV agent IRI (CURIE ``graphsvc:reviewer/<slug>``)."""
    return f"{GSD}agent/reviewer/{re.sub(r'[^A-Za-z0-9._-]+', '-', name.strip()).strip('-').lower() or 'anonymous'}"


# -- RDF ----------------------------------------------------------------------------------------
def row_triples(org: str, m: OrgMapping, *, implements: bool = True) -> list[TripleTuple]:
    s = iri(_node(org, m.id))
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("ControlMapping")),
        (s, g("proposalId"), lit(m.id)),
        (s, g("subject"), iri(m.subject)),
        (s, g("object"), iri(m.object)),
        (s, iri(SSSOM + "subject_label"), lit(m.subject_label)),
        (s, iri(SSSOM + "object_label"), lit(m.object_label)),
        (s, g("relation"), g("rel-" + m.relation)),
        (s, g("strength"), lit(m.strength)),
        (s, g("status"), lit(m.status)),
        (s, g("rationale"), lit(m.rationale)),
        (s, iri(SSSOM + "mapping_justification"), iri(expand(m.justification))),
        (s, iri(RDFS + "comment"), lit(m.comment)),
        (s, iri(DCTERMS + "source"), lit(m.source)),
        (s, g("mappingSet"), iri(set_iri(org))),
        (s, g("derived"), lit(False)),
        (s, iri(SSSOM + "author_id"), lit(m.author)),
        (s, iri(SSSOM + "mapping_date"), lit(dt.date.fromisoformat(m.proposed))),
    ]
    if m.confidence is not None:
        out.append((s, iri(SSSOM + "confidence"), lit(float(m.confidence))))
    if m.matched:
        out.append((s, g("matchedWords"), lit(m.matched)))
    if m.reviewer:
        review = iri(_node(org, m.id) + "/review")
        agent = iri(_agent(m.reviewer))
        out += [
            (s, iri(SSSOM + "reviewer_id"), lit(compress(_agent(m.reviewer)))),
            (s, iri(SSSOM + "reviewer_label"), lit(m.reviewer)),
            (s, iri(PROV + "wasGeneratedBy"), review),
            (review, RDF_TYPE, g("MappingReview")),
            (review, RDF_TYPE, iri(PROV + "Activity")),
            (review, iri(PROV + "wasAssociatedWith"), agent),
            (review, iri(PROV + "endedAtTime"), lit(dt.datetime.fromisoformat(m.reviewed))),
            (agent, RDF_TYPE, iri(PROV + "Agent")),
            (agent, iri(RDFS + "label"), lit(m.reviewer)),
        ]
    if implements and m.status == "approved" and m.relation in IMPLEMENTS:
        out.append((iri(m.subject), g(IMPLEMENTS[m.relation]), iri(m.object)))
    return out


def set_triples(org: str, rows: Iterable[OrgMapping], controls: set[str] | None = None) -> list[TripleTuple]:
    """The set's graph. A reviewed row whose control is not in ``controls`` (it was removed from
    the catalog) is kept as a record, but makes nothing implement anything."""
    s = iri(set_iri(org))
    out: list[TripleTuple] = [
        (s, RDF_TYPE, g("MappingSet")),
        (s, iri(DCTERMS + "title"), lit(f"Mappings of {org}'s controls (proposed and reviewed)")),
        (s, g("version"), lit("working")),
        (s, iri(DCTERMS + "license"), lit(f"{org}'s own data")),
        (s, iri(DCTERMS + "creator"), lit(org)),
    ]
    for m in rows:
        out += row_triples(org, m, implements=controls is None or m.subject in controls)
    return out


# -- the kept SSSOM file --------------------------------------------------------------------------
def to_tsv(org: str, rows: Iterable[OrgMapping]) -> str:
    import yaml

    rows = list(rows)
    used = {"skos", "semapv", "gsd", "graphsvc"} | {compress(m.object).partition(":")[0] for m in rows}
    meta = {
        "curie_map": {k: v for k, v in PREFIXES.items() if k in used},
        "mapping_set_id": set_iri(org),
        "mapping_set_title": f"Mappings of {org}'s controls (proposed and reviewed)",
        "mapping_set_version": "working",
        "license": f"{org}'s own data",
        "creator_id": [org],
    }
    buf = io.StringIO()
    buf.write("".join("#" + line + "\n" for line in yaml.safe_dump(meta, sort_keys=False).splitlines()))
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in rows:
        writer.writerow(
            [
                m.id,
                compress(m.subject),
                m.subject_label,
                PREDICATE_FOR[m.relation],
                "Not" if m.relation == "not-related" else "",
                compress(m.object),
                m.object_label,
                m.justification,
                m.author,
                compress(_agent(m.reviewer)) if m.reviewer else "",
                m.reviewer,
                m.proposed,
                m.reviewed,
                "" if m.confidence is None else f"{m.confidence:.3f}",
                m.matched,
                m.comment,
                m.source,
                m.relation,
                str(m.strength),
                m.rationale,
                m.status,
            ]
        )
    return buf.getvalue()


def parse_tsv(path: Path) -> list[OrgMapping]:
    """Read a kept set back. :raises DataLoadError: with file:line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        n += 1
    reader = csv.DictReader(io.StringIO("\n".join(lines[n:])), delimiter="\t")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataLoadError(f"{path}:{n + 1}: missing column(s) {', '.join(missing)}")
    out = []
    for row in reader:
        where = f"{path}:{n + reader.line_num}"
        relation, status, rationale = row["set_relation"], row["status"], row["rationale"]
        for col, value, allowed in (
            ("set_relation", relation, RELATIONS),
            ("status", status, STATUSES),
            ("rationale", rationale, RATIONALES),
        ):
            if value not in allowed:
                raise DataLoadError(f"{where}: field {col!r} is {value!r}; expected one of {', '.join(allowed)}")
        try:
            strength = int(row["strength"])
            confidence = float(row["confidence"]) if row["confidence"] else None
            dt.date.fromisoformat(row["mapping_date"])
            if row["review_date"]:
                dt.datetime.fromisoformat(row["review_date"])
        except ValueError as exc:
            raise DataLoadError(f"{where}: {exc}") from None
        out.append(
            OrgMapping(
                id=row["proposal_id"],
                subject=expand(row["subject_id"]),
                subject_label=row["subject_label"],
                object=expand(row["object_id"]),
                object_label=row["object_label"],
                relation=relation,
                strength=strength,
                status=status,
                rationale=rationale,
                comment=row["comment"],
                source=row["source"],
                author=row["author_id"],
                justification=row["mapping_justification"],
                proposed=row["mapping_date"],
                confidence=confidence,
                matched=row["match_string"],
                reviewer=row["reviewer_label"],
                reviewed=row["review_date"],
            )
        )
    return out


def kept_graphs(data_dir: Path, known: set[str]) -> dict[str, list[TripleTuple]]:
    """The kept sets, for ``graphsvc build``; ``known`` holds every control and requirement IRI.

    :raises DataLoadError: a row names a control or requirement that the build does not have.
    """
    out: dict[str, list[TripleTuple]] = {}
    root = kept_dir(data_dir, "mappings")
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*.sssom.tsv")):
        org = path.name.removesuffix(".sssom.tsv")
        rows = parse_tsv(path)
        for i, m in enumerate(rows):
            if m.object not in known:
                raise DataLoadError(f"{path}: row {i + 1}: field 'object_id': {compress(m.object)} is not in the graph")
        out[mappings_graph(org)] = set_triples(org, [m for m in rows if not m.pending or m.subject in known], known)
    return out
