"""An organisation's control catalog from a spreadsheet: CSV or xlsx → its private graph.

``graphsvc import controls contoso controls.csv`` reads one row per control. The columns
(header names are matched case-insensitively; any other column is refused):

==================== ========= ==========================================================
column               required  meaning
==================== ========= ==========================================================
id                   yes       the control's id (letters, digits, ``.``, ``_``, ``-``), unique
title                yes       its name
description          no        what the control does, in the organisation's words
owner                no        the person or team answerable for it
status               no        ``implemented`` (default) or ``planned``
applies_to           no        system ids of the organisation, ``;``-separated (default: all)
implements           no        requirement CURIEs it meets fully, ``;``-separated
implements_partly    no        requirement CURIEs it meets in part
evidence             no        a document reference supporting the control
evidence_valid_from  with evidence  YYYY-MM-DD
evidence_valid_until with evidence  YYYY-MM-DD
==================== ========= ==========================================================

The mapping columns are optional: a control that implements nothing yet is kept (marked
``gs:importedFrom``) and gets proposals (:mod:`graphsvc.domain.proposals`) for a person to review.
Every control is the organisation's own (``responsibility customer``) and stays private.

The import checks the whole file first (a duplicate id, an empty title, an unknown column, a
requirement or system that does not exist, an id the organisation's YAML already uses: each
refused with ``file:row: field 'name'``), then replaces the graph ``gsg:org/<id>/controls`` in
one transaction, so a failed import changes nothing. The file is kept under
``<data_dir>/imports/controls/`` so that ``graphsvc build`` loads it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.config import kept_dir
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, RDFS, expand, org_graph
from graphsvc.store.base import TripleTuple
from graphsvc.terms import RDF_TYPE, g, iri, lit

COLUMNS = (
    "id",
    "title",
    "description",
    "owner",
    "status",
    "applies_to",
    "implements",
    "implements_partly",
    "evidence",
    "evidence_valid_from",
    "evidence_valid_until",
)
REQUIRED = ("id", "title")
STATUSES = ("implemented", "planned")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SPLIT = re.compile(r"\s*[;\n]\s*")


@dataclass
class ControlRow:
    """One row of a control catalog, as read (values trimmed, lists split)."""

    id: str
    title: str
    where: str  # file:row
    description: str = ""
    owner: str = ""
    status: str = "implemented"
    applies_to: list[str] = field(default_factory=list)
    implements: list[str] = field(default_factory=list)
    implements_partly: list[str] = field(default_factory=list)
    evidence: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


def controls_graph(org: str) -> str:
    return org_graph(org, "controls")


def control_iri(org: str, cid: str) -> str:
    return f"{GSD}control/{org}/{cid}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\xa0", " ").strip()


def _table(path: Path) -> list[tuple[int, list[str]]]:
    """(row number, cells) for every row, header first; blank rows dropped."""
    suffix = path.suffix.casefold()
    rows: list[tuple[int, list[str]]] = []
    if suffix in {".xlsx", ".xlsm"}:
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise DataLoadError(f"{path}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None
        try:
            ws = wb.worksheets[0]
            for n, values in enumerate(ws.iter_rows(values_only=True), 1):
                cells = [_cell(v) for v in values]
                if any(cells):
                    rows.append((n, cells))
        finally:
            wb.close()
    elif suffix in {".csv", ".txt"}:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataLoadError(f"{path}: {exc}") from exc
        reader = csv.reader(io.StringIO(text))
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append((reader.line_num, [c.strip() for c in cells]))
        except csv.Error as exc:
            raise DataLoadError(f"{path}:{reader.line_num}: {exc}") from exc
    else:
        raise DataLoadError(f"{path}: expected a control catalog as .csv or .xlsx")
    return rows


def _date(text: str, where: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DataLoadError(f"{where}: field {column!r}: {text!r} is not a date (YYYY-MM-DD)") from None


def read_controls(path: Path) -> list[ControlRow]:
    """Read and check a control catalog on its own (columns, ids, titles, status, dates).

    :raises DataLoadError: with ``file:row: field 'name'``.
    """
    path = Path(path)
    if not path.exists():
        raise DataLoadError(f"{path}: no such file")
    table = _table(path)
    if not table:
        raise DataLoadError(f"{path}: the file is empty (expected a header row: {', '.join(COLUMNS)})")
    head_row, header = table[0]
    names = [h.strip().casefold().replace(" ", "_") for h in header]
    for i, name in enumerate(names):
        if not name:
            used = next((n for n, cells in table[1:] if i < len(cells) and cells[i]), None)
            if used is None:
                continue  # an empty column without a header
            raise DataLoadError(f"{path}:{used}: column {i + 1} has a value but no header")
        if name not in COLUMNS:
            raise DataLoadError(f"{path}:{head_row}: column {header[i]!r} is unknown; expected {', '.join(COLUMNS)}")
        if names.index(name) != i:
            raise DataLoadError(f"{path}:{head_row}: column {header[i]!r} appears twice")
    for name in REQUIRED:
        if name not in names:
            raise DataLoadError(f"{path}:{head_row}: column {name!r} is missing")
    out: list[ControlRow] = []
    seen: dict[str, str] = {}
    for n, cells in table[1:]:
        where = f"{path}:{n}"
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}
        cid = values.get("id", "")
        if not cid:
            raise DataLoadError(f"{where}: field 'id' is empty")
        if not _ID.match(cid):
            raise DataLoadError(f"{where}: field 'id': {cid!r} must be letters, digits, '.', '_' or '-'")
        if cid in seen:
            raise DataLoadError(f"{where}: field 'id': {cid!r} is a duplicate of {seen[cid]}")
        seen[cid] = where
        title = values.get("title", "")
        if not title:
            raise DataLoadError(f"{where}: field 'title' is empty (control {cid})")
        status = values.get("status") or "implemented"
        if status not in STATUSES:
            raise DataLoadError(f"{where}: field 'status' is {status!r}; expected {' or '.join(STATUSES)}")
        row = ControlRow(
            id=cid,
            title=title,
            where=where,
            description=values.get("description", ""),
            owner=values.get("owner", ""),
            status=status,
            applies_to=[x for x in _SPLIT.split(values.get("applies_to", "")) if x],
            implements=[x for x in _SPLIT.split(values.get("implements", "")) if x],
            implements_partly=[x for x in _SPLIT.split(values.get("implements_partly", "")) if x],
            evidence=values.get("evidence", ""),
        )
        if row.evidence:
            for col in ("evidence_valid_from", "evidence_valid_until"):
                if not values.get(col):
                    raise DataLoadError(f"{where}: field {col!r} is empty, but the row names evidence")
            row.valid_from = _date(values["evidence_valid_from"], where, "evidence_valid_from")
            row.valid_until = _date(values["evidence_valid_until"], where, "evidence_valid_until")
            if row.valid_from > row.valid_until:
                raise DataLoadError(f"{where}: field 'evidence_valid_from' is after 'evidence_valid_until'")
        elif values.get("evidence_valid_from") or values.get("evidence_valid_until"):
            raise DataLoadError(f"{where}: field 'evidence' is empty, but the row gives evidence dates")
        out.append(row)
    return out


@dataclass
class OrgContext:
    """What a catalog is checked against: the organisation's systems and existing controls,
    and the requirements in the graph."""

    org: str
    systems: set[str]  # system ids of the organisation
    controls: set[str]  # control IRIs the organisation's YAML defines
    requirements: set[str]  # requirement IRIs


def catalog_triples(rows: list[ControlRow], ctx: OrgContext, source: str) -> list[TripleTuple]:
    """The graph of a checked catalog.

    :raises DataLoadError: an unknown system or requirement, an id the YAML already uses.
    """
    org_node = iri(GSD + "org/" + ctx.org)
    out: list[TripleTuple] = []
    for r in rows:
        C_iri = control_iri(ctx.org, r.id)
        if C_iri in ctx.controls:
            raise DataLoadError(
                f"{r.where}: field 'id': control {r.id!r} is already defined in organisation {ctx.org!r}'s data"
            )
        C = iri(C_iri)
        row_no = r.where.rsplit(":", 1)[-1]
        out += [
            (C, RDF_TYPE, g("Control")),
            (C, iri(RDFS + "label"), lit(r.title)),
            (C, g("controlOf"), org_node),
            (C, g("status"), lit(r.status)),
            (C, g("responsibility"), lit("customer")),
            (C, g("importedFrom"), lit(f"{source}:{row_no}")),
        ]
        if r.description:
            out.append((C, iri(DCTERMS + "description"), lit(r.description)))
        if r.owner:
            out.append((C, g("owner"), lit(r.owner)))
        systems = r.applies_to or sorted(ctx.systems)
        for s in systems:
            if s not in ctx.systems:
                known = ", ".join(sorted(ctx.systems)) or "none"
                raise DataLoadError(
                    f"{r.where}: field 'applies_to': {s!r} is not a system of {ctx.org!r} (known: {known})"
                )
            out.append((C, g("appliesTo"), iri(f"{GSD}system/{ctx.org}/{s}")))
        for column, prop in (("implements", "implementsFully"), ("implements_partly", "implementsPartly")):
            for ref in getattr(r, column):
                req = expand(ref, strict=False)
                if req is None or req not in ctx.requirements:
                    raise DataLoadError(
                        f"{r.where}: field {column!r}: {ref!r} is not a requirement in the graph "
                        "(write a CURIE such as iso42001:A.6.2.8 or euaia:art12.1)"
                    )
                out.append((C, g(prop), iri(req)))
        if r.evidence:
            E = iri(f"{GSD}evidence/{ctx.org}/{r.id}.catalog")
            out += [
                (E, RDF_TYPE, g("Evidence")),
                (E, iri(RDFS + "label"), lit(f"Evidence for {r.id}: {r.evidence}")),
                (E, g("documentRef"), lit(r.evidence)),
                (E, g("validFrom"), lit(r.valid_from)),
                (E, g("validUntil"), lit(r.valid_until)),
                (E, g("supports"), C),
            ]
    return out


def kept_path(data_dir: Path, org: str) -> Path | None:
    d = kept_dir(data_dir, "controls") / org
    files = sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []
    return files[0] if files else None


def kept_graphs(data_dir: Path, orgs: dict[str, OrgContext]) -> dict[str, list[TripleTuple]]:
    """The kept catalogs of the organisations being built (for :func:`graphsvc.build.compile_sources`).

    A kept catalog whose organisation is no longer loaded is refused, like any bad input.
    """
    out: dict[str, list[TripleTuple]] = {}
    root = kept_dir(data_dir, "controls")
    if not root.is_dir():
        return out
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        path = kept_path(data_dir, d.name)
        if path is None:
            continue
        if d.name not in orgs:
            raise DataLoadError(f"{path}: kept control catalog of organisation {d.name!r}, which is not loaded")
        out[controls_graph(d.name)] = catalog_triples(read_controls(path), orgs[d.name], path.name)
    return out


def kept_org_graphs(data_dir: Path, orgs: list[Any], known: set[str]) -> dict[str, list[TripleTuple]]:
    """Every kept control catalog and organisation mapping set, checked against the
    organisations being built (``OrgData``) and the requirement IRIs ``known``."""
    from graphsvc.sources.orgmappings import kept_graphs as kept_mapping_sets

    contexts = {}
    for od in orgs:
        systems = {k.rsplit("/", 1)[-1] for k in od.origins if k.startswith(f"{GSD}system/{od.org_id}/")}
        controls = {k for k in od.origins if k.startswith(f"{GSD}control/{od.org_id}/")}
        contexts[od.org_id] = OrgContext(od.org_id, systems, controls, known)
    out = kept_graphs(data_dir, contexts)
    everything = set(known)
    for ctx in contexts.values():
        everything |= ctx.controls
    for triples in out.values():
        everything |= {s.value for s, p, _o in triples if p == RDF_TYPE}
    out.update(kept_mapping_sets(data_dir, everything))
    return out
