"""Importer for the user's own licensed copy of the CSA AI Controls Matrix (AICM).

graphsvc ships only AICM control identifiers (``mappings/catalogs/aicm-<version>/``); titles,
specifications, the shared-responsibility ownership per layer and CSA's mapping columns come
from the workbook (``.xlsx``) or STIX 2.1 bundle (``.json``) the user downloaded from CSA.
:func:`read_aicm` parses either into an :class:`AicmImport`; :func:`import_graphs` checks it
against the catalogs and turns it into named graphs. Nothing here writes a file or a store.

**The workbook.** CSA's AICM workbook has a controls tab (``AICM - Version 1.1``) and a mappings
tab (``Scope Applicability (Mappings)``). Each has a few title rows, then a header row with
``Control Domain``, ``Control Title``, ``Control ID``, ``Control Specification``. In the controls
tab a group header ``Typical Control Applicability and Ownership`` spans one column per layer
(``Cloud/AI Processing Infrastructure (PI)``, ``Model``, ``Orchestrated Services``,
``Application``) holding owner designations such as ``Shared CSP-MP`` or ``Owned by the Model
Provider (MP)``. In the mappings tab a group header per framework (``ISO/IEC 42001:2023``,
``EU AI Act``, ``BSI AIC4 Catalog`` …) spans ``Control Mapping``, ``Gap Level`` and
``Addendum``; a mapping cell may list several targets, one per line, prefixed by their standard
(``42001: B.6.2.4`` next to ``27001: A.8.29``). Headers are matched case- and
whitespace-insensitively (line breaks inside a header are fine), the header row is found
wherever it is among the first rows, and a framework may also be named in the header itself
(``ISO/IEC 42001 Gap Level``). Sheets are recognised by their headers, not their names.

**The STIX bundle.** CSA's Security Controls Catalog publishes AICM controls as ``x-control``
objects (``control_identifier``, ``framework: aicm``, ``framework_version``, ``name``, ``domain``,
``specification``, ``typical_control_applicability_and_ownership``) and the mappings as
``x-gap-mapping`` objects (``source_ref``, ``target_refs``, ``gap_level``) or ``relationship``
objects of type ``csa-gap-mapping``, whose targets are ``x-control`` (ISO/IEC 42001) and
``x-regulation`` (EU AI Act) objects. ``course-of-action`` objects whose
``external_references`` carry the AICM control ID (source name mentioning AICM, or a SecID
``secid:control/cloudsecurityalliance.org/aicm@<version>#<id>``) are read as controls too.

**Version.** An AICM ID means nothing without its version (1.1.0 renumbered 55 IDs). The
version comes from the file (a JSON declaration such as ``{"specification_version": "1.1.0"}``
in a cell, "AI Controls Matrix v1.1" in a title row or the sheet name, the workbook properties;
``framework_version`` or the SecID in STIX); a version given by the caller must agree with it,
and is required when the file names none or only ``major.minor``.

**Relations.** CSA defines the gap level from the AICM control's side: *No Gap* means the target
requirement fully corresponds to, i.e. satisfies, the AICM control; *Partial Gap* that the
target does not fully satisfy it; *Full Gap* that nothing in the target does (AICM v1.1
introductory guidance, section on the Scope Applicability (Mappings) tab; the schema of the
``x-gap-mapping`` object in CSA's Security Controls Catalog says the same: the verdict is whether
the targets cover the source control's requirement). Read ``AICM r target``
as in :mod:`graphsvc.domain.crosswalk`:

- No Gap → ``subset`` (meeting the target meets the AICM control; meeting the AICM control
  meets only part of the target), strength 8. When the verdict covers several targets at once
  (several lines in the cell, including other standards' controls), no single target is known
  to cover the control, so each gets ``intersects``, strength 8.
- Partial Gap → ``intersects``, strength 5.
- Full Gap → ``not-related``, strength 1.

The verdict is kept verbatim (``gs:gapVerdict`` and the comment "CSA verdict: Partial Gap").
:data:`GAP_RELATIONS` is the one place to change this reading.

Errors are :class:`~graphsvc.errors.DataLoadError` naming the file, the sheet (``objects`` for a
STIX bundle), the row (the object's index) and the column (the object's property).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, GSD, SEMAPV, SKOS, graph_iri
from graphsvc.sources.catalogs import Catalog, Requirement
from graphsvc.sources.mappingsets import Mapping, MappingSet, mapping_iri, set_triples
from graphsvc.store.base import TripleTuple
from graphsvc.terms import g, iri, lit

#: The frameworks whose CSA mapping columns are imported (CLI ids).
FRAMEWORKS = ("iso42001", "euaia")
FRAMEWORK_LABELS = {"iso42001": "ISO/IEC 42001", "euaia": "EU AI Act"}

#: CSA gap verdict → (relation of the AICM control to the target, strength). See the module doc.
GAP_RELATIONS: dict[str, tuple[str, int]] = {
    "no-gap": ("subset", 8),
    "partial-gap": ("intersects", 5),
    "full-gap": ("not-related", 1),
}
#: The relation used instead of ``subset`` when a No Gap verdict covers several targets jointly.
JOINT_NO_GAP = "intersects"

#: Canonical keys of the four service delivery layers of CSA's shared responsibility model.
LAYERS = ("processing-infrastructure", "model", "orchestrated-services", "application")

LICENSE = "CSA licence: the user's own copy"
AUTHOR = "CSA"
JUSTIFICATION = SEMAPV + "ManualMappingCuration"

CONTROL_ID = re.compile(r"^[A-Z&]{2,4}-\d{2}$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")

_GAPS = {"nogap": "no-gap", "partialgap": "partial-gap", "fullgap": "full-gap"}
_NOT_A_TARGET = {
    "",
    "n/a",
    "na",
    "n.a.",
    "none",
    "nil",
    "-",
    "\u2013",
    "\u2014",
    "not applicable",
    "no mapping",
    "no mappings",
}
_VERSION_TEXT = re.compile(
    r"(?:\baicm|\bai\s+controls?\s+matrix)\W{0,5}(?:v(?:ersion)?\.?\s*)?(\d+\.\d+(?:\.\d+)?)(?![\d.]*\d)", re.I
)
_STD_PREFIX = re.compile(
    r"^(?P<std>regulation\s*\(eu\)\s*2024\s*/\s*1689|(?:the\s+)?(?:eu\s+)?ai\s+act"
    r"|(?:iso\s*/?\s*(?:iec\s*)?)?\d{5}(?:\s*:\s*20\d\d)?(?![/\d]))\s*[:\-\u2013]?\s*(?P<rest>.*)$",
    re.I,
)
_SPLIT_LINES = re.compile(r"[\r\n;]+")
_SPLIT_ITEMS = re.compile(r"\s*(?:,|&|\band\b)\s*", re.I)
_ISO_REF = re.compile(r"^(?:(?P<annex>[AB])\s*\.?\s*)?(?P<num>\d+(?:\.\d+)*)(?=$|[\s(),:;\u2013-])", re.I)
_EU_ANNEX = re.compile(r"^annex(?:es)?[\s.\-]*(?P<num>[IVXLC]+)\b(?P<rest>.*)$", re.I)
_EU_ARTICLE = re.compile(r"^(?:art(?:icle)?s?\b\.?)?[\s.\-]*(?P<num>\d+)(?P<rest>.*)$", re.I)
_EU_SUB = re.compile(r"\s*[.,\-]?\s*(?:\(\s*(?P<par>\d+|[a-z]{1,5})\s*\)|(?P<bare>\d+|[a-z])\b)", re.I)
_EU_WORDS = re.compile(r"\b(?:paragraphs?|para\.?|points?|pt\.)(?=[\s(]|$)", re.I)


@dataclass
class AicmControl:
    """One AICM control as the user's copy states it."""

    id: str
    title: str
    specification: str
    domain: str
    ownership: dict[str, str]  # layer (one of LAYERS, or the header's slug) -> owner text, verbatim
    where: str = ""  # file:sheet:row
    id_column: str = ""  # the column (or STIX property) the ID was read from


@dataclass
class AicmMappingRow:
    """One target of one CSA mapping cell (or STIX gap mapping)."""

    control_id: str
    framework: str  # 'iso42001' | 'euaia'
    target_notation: str  # as CSA cites it, without the standard's prefix
    gap: str  # 'no-gap' | 'partial-gap' | 'full-gap'
    where: str  # file:sheet:row
    verdict: str = ""  # CSA's gap level, verbatim ("Partial Gap")
    target_column: str = ""
    id_column: str = ""
    co_cited: tuple[str, ...] = ()  # other standards' targets the same verdict covers (27001: A.8.29 …)


@dataclass
class AicmImport:
    version: str
    controls: list[AicmControl]
    mapping_rows: list[AicmMappingRow]
    path: Path
    notes: list[str] = field(default_factory=list)  # what was skipped, for the CLI to show


# ---------------------------------------------------------------------------------------------
# Small helpers


def _text(value: Any) -> str:
    """A cell value as one line of text: whitespace (line breaks, NBSP) collapsed."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\xa0", " ").split())


def _block(value: Any) -> str:
    """A cell value as text keeping its line breaks (specifications are often lists)."""
    if value is None:
        return ""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _norm(value: Any) -> str:
    """A header as compared: case-folded, whitespace collapsed, trailing ``:``/``*`` dropped."""
    return _text(value).casefold().rstrip(":* ").strip()


def _gap(verdict: str) -> str | None:
    return _GAPS.get(re.sub(r"[^a-z]", "", verdict.casefold()))


def _layer_key(header: str) -> str | None:
    """The canonical layer an ownership column header (or STIX key) names, if it names one."""
    t = re.sub(r"\(.*?\)", " ", _norm(header).replace("_", " "))
    t = " ".join(t.split())
    if "processing infrastructure" in t or t in {"pi", "genai ops", "gen ai ops"}:
        return "processing-infrastructure"
    if t in {"orchestrated services", "orchestrated service", "orchestrated services layer", "orchestration"}:
        return "orchestrated-services"
    if t in {"model", "the model", "models", "model layer"}:
        return "model"
    if t in {"application", "applications", "application layer", "app layer"}:
        return "application"
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _norm(text)).strip("-") or "layer"


def _framework_of(label: str) -> str | None:
    """'iso42001', 'euaia', 'other' (a framework not imported) or None for a label naming none."""
    t = _norm(label)
    if not t or t.startswith("{"):
        return None
    if "42001" in t:
        return "iso42001"
    if re.search(r"\bai\s*act\b|2024/1689|artificial intelligence act", t):
        return "euaia"
    if re.search(r"\b(bsi|aic4|nist|600-1|ai rmf|aiuc|iso|27001|27002|ccm|gdpr)\b", t):
        return "other"
    return None


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# Target cells


def split_targets(framework: str, text: str) -> tuple[list[str], list[str]]:
    """The targets a mapping cell cites for ``framework``, and those it cites for other standards.

    >>> split_targets("iso42001", "42001: B.6.2.4\\n27001: A.8.29 & A.8.33")
    (['B.6.2.4'], ['27001: A.8.29', '27001: A.8.33'])
    >>> split_targets("euaia", "Art. 10(2)(f) and (g); Article 12")
    (['Art. 10(2)(f)', 'Article 10(2)(g)', 'Article 12'], [])
    """
    own: list[str] = []
    others: list[str] = []
    previous: tuple[str, str, list[str]] | None = None
    for raw_line in _SPLIT_LINES.split(text):
        line = raw_line.strip()
        if _norm(line) in _NOT_A_TARGET:
            continue
        std = ""
        m = _STD_PREFIX.match(line)
        if m and m.group("rest").strip():
            std, line = _text(m.group("std")), m.group("rest").strip()
        foreign = bool(std) and _framework_of(std) not in (framework, None)
        for raw_item in _SPLIT_ITEMS.split(line):
            item = raw_item.strip().rstrip(".")
            if _norm(item) in _NOT_A_TARGET:
                continue
            if foreign:
                others.append(f"{std}: {item}")
                continue
            if framework == "euaia":
                parsed = parse_eu_reference(item)
                bare = _EU_WORDS.sub(" ", item).strip()
                if parsed is None and previous and re.fullmatch(r"(?:\(\s*[0-9a-z]+\s*\)\s*)+", bare, re.I):
                    subs = [s.lower() for s in re.findall(r"\(\s*([0-9a-z]+)\s*\)", bare, re.I)]
                    kind, num, prev_subs = previous
                    if not subs[0].isdigit() and prev_subs and prev_subs[0].isdigit():
                        subs = [prev_subs[0], *subs]
                    parsed = (kind, num, subs)
                    item = _eu_label(*parsed)
                previous = parsed
            own.append(item)
    return own, others


def parse_eu_reference(text: str) -> tuple[str, str, list[str]] | None:
    """``('article', '26', ['1', 'a'])`` for "Article 26(1)(a)", "Art. 26.1.a", "art-26.1.a" …;
    ``('annex', 'IV', [])`` for "Annex IV"; None when it is neither.

    >>> parse_eu_reference("Art 9(2)")
    ('article', '9', ['2'])
    >>> parse_eu_reference("EU AI Act Article 10 paragraph 2, point (f)")
    ('article', '10', ['2', 'f'])
    """
    t = text.strip()
    m = _STD_PREFIX.match(t)
    if m and _framework_of(m.group("std")) == "euaia" and m.group("rest").strip():
        t = m.group("rest").strip()
    m = _EU_ANNEX.match(t)
    if m:
        return "annex", m.group("num").upper(), _subdivisions(m.group("rest"))
    m = _EU_ARTICLE.match(t)
    if m and (m.group(0)[:1].isdigit() or t[:3].casefold() == "art"):
        return "article", str(int(m.group("num"))), _subdivisions(m.group("rest"))
    return None


def _subdivisions(rest: str) -> list[str]:
    rest = _EU_WORDS.sub(" ", rest)
    subs: list[str] = []
    pos = 0
    while True:
        m = _EU_SUB.match(rest, pos)
        if not m or m.end() == pos:
            break
        subs.append((m.group("par") or m.group("bare")).lower())
        pos = m.end()
    return subs


def _eu_label(kind: str, num: str, subs: Sequence[str]) -> str:
    head = f"Annex {num}" if kind == "annex" else f"Article {num}"
    return head + "".join(f"({s})" for s in subs)


def _eu_candidates(kind: str, num: str, subs: Sequence[str]) -> list[str]:
    """Catalog notations for a reference, most specific first."""
    if kind == "annex":
        return [f"Annex {num}" + "".join(f"({s})" for s in subs[:k]) for k in range(len(subs), -1, -1)]
    return [num + "".join(f"({s})" for s in subs[:k]) for k in range(len(subs), 0, -1)] + [f"Article {num}"]


def _iso_candidates(text: str) -> list[str]:
    t = text.strip().rstrip(".")
    m = _STD_PREFIX.match(t)
    if m and m.group("rest").strip():
        t = m.group("rest").strip()
    t = re.sub(r"^(?:clause|annex|control|§)\s*", "", t, flags=re.I)
    m = _ISO_REF.match(t)
    if not m:
        return []
    num = m.group("num")
    annex = (m.group("annex") or "").upper()
    if not annex:
        return [num]
    if annex == "A":
        return [f"A.{num}"]
    # Annex B is the implementation guidance for the Annex A control of the same number.
    parts = num.split(".")
    return [f"B.{num}"] + ["A." + ".".join(parts[:k]) for k in range(len(parts), 0, -1)]


def resolve_target(framework: str, notation: str, catalog: Catalog) -> tuple[Requirement, bool] | None:
    """The catalog requirement a CSA target names, and whether it is the exact node.

    ISO/IEC 42001 notations resolve directly (``A.6.2.8``, ``6.1.2``); Annex B guidance
    (``B.6.2.4``) resolves to the Annex A control it explains. EU AI Act references resolve to
    the most specific node the catalog has (``Article 26(1)(a)`` → ``26(1)`` when the catalog
    stops at paragraphs), but never above the article or annex they name.
    """
    by_notation = catalog.by_notation()
    if framework == "iso42001":
        candidates = _iso_candidates(notation)
    else:
        parsed = parse_eu_reference(notation)
        candidates = _eu_candidates(*parsed) if parsed else []
    for i, candidate in enumerate(candidates):
        if candidate in by_notation:
            return by_notation[candidate], i == 0
    return None


# ---------------------------------------------------------------------------------------------
# Versions


def _versions_in(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    s = text.strip()
    if s.startswith("{"):
        try:
            blob = json.loads(s)
        except ValueError:
            blob = None
        if isinstance(blob, dict) and blob.get("specification_version"):
            name = str(blob.get("specification_name") or "AI Controls Matrix")
            if re.search(r"aicm|controls?\s+matrix", name, re.I):
                return [str(blob["specification_version"]).strip().lstrip("vV")]
            return []
    return [m.group(1) for m in _VERSION_TEXT.finditer(s)]


def _choose_version(path: Path, found: Iterable[str], given: str | None) -> str:
    if given is not None and not VERSION.match(given):
        raise DataLoadError(f"{path}: version {given!r} is not of the form MAJOR.MINOR.PATCH (e.g. 1.1.0)")
    found = set(found)
    precise = sorted(v for v in found if VERSION.match(v))
    partial = sorted(v for v in found if not VERSION.match(v))
    if len(precise) > 1:
        raise DataLoadError(f"{path}: the file names several AICM versions ({', '.join(precise)})")
    if precise:
        version = precise[0]
        if given is not None and given != version:
            raise DataLoadError(f"{path}: the file is AICM {version}, but version {given} was given")
        return version
    for p in partial:
        if given is not None and not given.startswith(p + "."):
            raise DataLoadError(f"{path}: the file is AICM {p}, but version {given} was given")
    if given is not None:
        return given
    if partial:
        raise DataLoadError(
            f"{path}: the file only says AICM {partial[0]}; give the exact version (e.g. {partial[0]}.0)"
        )
    raise DataLoadError(f"{path}: the file does not say which AICM version it is; give the version (e.g. 1.1.0)")


# ---------------------------------------------------------------------------------------------
# The workbook

_ID_HEADERS = {"control id", "control identifier", "control ref", "control reference", "aicm control id"}
_TITLE_HEADERS = {"control title", "control name", "title"}
_SPEC_HEADERS = {"control specification", "control specifications", "specification", "control description"}
_DOMAIN_HEADERS = {"control domain", "domain", "control domain name"}
_MAPPING_WORDS = re.compile(r"mapping|mapped|requirement|article|clause|controls?$", re.I)


@dataclass
class _Layout:
    sheet: str
    header_row: int  # 0-based index into rows
    headers: list[str]  # as written (whitespace collapsed)
    id_col: int
    title_col: int | None
    spec_col: int | None
    domain_col: int | None
    ownership: dict[int, str]  # column -> layer
    pairs: list[tuple[str, int, int]]  # (framework, mapping column, gap column)
    title_rows: list[list[Any]]

    def column(self, col: int) -> str:
        header = self.headers[col] if col < len(self.headers) else ""
        return f"{_column_letter(col)} ({header!r})" if header else _column_letter(col)


def _group_labels(
    rows: list[list[Any]], first: int, last: int, width: int, merged: set[tuple[int, int]]
) -> list[list[str]]:
    """Per column, the group labels in ``rows[first:last]`` (above the header), nearest row first.

    A label spans its merged cells; an unmerged label carries rightwards to the next label.
    """
    labels: list[list[str]] = [[] for _ in range(width)]
    for r in range(last - 1, first - 1, -1):
        row = rows[r]
        current, from_merge = "", False
        for col in range(width):
            value = _text(row[col]) if col < len(row) else ""
            if value and not value.startswith("{"):
                current, from_merge = value, (r, col) in merged
            elif from_merge:
                current, from_merge = "", False  # the merged label ended here
            labels[col].append(current)
    return labels


def _layout(path: Path, sheet: str, rows: list[list[Any]], merged: set[tuple[int, int]]) -> _Layout | None:
    for index, row in enumerate(rows[:60]):
        norms = [_norm(v) for v in row]
        id_cols = [c for c, h in enumerate(norms) if h in _ID_HEADERS]
        if not id_cols:
            continue
        has_gap = any(re.search(r"\bgap\b", h) for h in norms)
        title_col = next((c for c, h in enumerate(norms) if h in _TITLE_HEADERS), None)
        spec_col = next((c for c, h in enumerate(norms) if h in _SPEC_HEADERS), None)
        if title_col is None and spec_col is None and not has_gap:
            continue
        width = len(row)
        groups = _group_labels(rows, max(0, index - 4), index, width, merged)
        headers = [_text(v) for v in row]
        ownership: dict[int, str] = {}
        for col, h in enumerate(norms):
            if not h:
                continue
            group = next((lab for lab in groups[col] if lab), "")
            in_group = bool(re.search(r"ownership|applicability", group, re.I))
            layer = _layer_key(h)
            if in_group and not re.search(r"ownership|applicability", h):
                ownership[col] = layer or _slug(h)
            elif layer and not re.search(r"architect|stack|lifecycle|threat", group, re.I):
                ownership[col] = layer  # no group header above: a layer's name is enough
        pairs: list[tuple[str, int, int]] = []
        frameworks = [
            _framework_of(headers[c]) or _framework_of(next((lab for lab in groups[c] if lab), ""))
            for c in range(width)
        ]
        for col, h in enumerate(norms):
            if not re.search(r"\bgap\b", h) or frameworks[col] is None:
                continue
            fw = frameworks[col]
            map_col = next(
                (
                    c
                    for c in range(col - 1, -1, -1)
                    if frameworks[c] == fw and _MAPPING_WORDS.search(norms[c]) and "gap" not in norms[c]
                ),
                None,
            )
            if map_col is None:
                map_col = next(
                    (c for c in range(col + 1, width) if frameworks[c] == fw and _MAPPING_WORDS.search(norms[c])), None
                )
            if map_col is None:
                raise DataLoadError(
                    f"{path}:{sheet}:{index + 1}: column {_column_letter(col)} ({headers[col]!r}) has no "
                    f"'Control Mapping' column beside it"
                )
            if fw in FRAMEWORKS:
                pairs.append((fw, map_col, col))
        return _Layout(
            sheet=sheet,
            header_row=index,
            headers=headers,
            id_col=id_cols[0],
            title_col=title_col,
            spec_col=spec_col,
            domain_col=next((c for c, h in enumerate(norms) if h in _DOMAIN_HEADERS), None),
            ownership=ownership,
            pairs=pairs,
            title_rows=[list(r) for r in rows[:index]],
        )
    return None


def _sheet_rows(ws: Any) -> tuple[list[list[Any]], set[tuple[int, int]]]:
    """The sheet's values, a merged cell's value copied to every cell it covers, and those cells."""
    rows = [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    merged: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        value = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(rows) else None
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = value
                merged.add((r, c))
    return rows, merged


def _read_xlsx(path: Path, version: str | None) -> AicmImport:
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zipfile, KeyError, InvalidFileException …)
        raise DataLoadError(f"{path}: not a readable .xlsx workbook: {exc}") from exc
    try:
        sheets = [(ws.title, *_sheet_rows(ws)) for ws in wb.worksheets]
        props = wb.properties
        prop_texts = [getattr(props, k, None) for k in ("title", "subject", "keywords", "description", "version")]
    finally:
        wb.close()
    layouts = [(lay, rows) for title, rows, merged in sheets if (lay := _layout(path, title, rows, merged)) is not None]
    control_sheets = [(lay, rows) for lay, rows in layouts if lay.title_col is not None and lay.spec_col is not None]
    if not control_sheets:
        raise DataLoadError(
            f"{path}: no sheet has the AICM headers 'Control ID', 'Control Title' and 'Control Specification'"
        )

    def score(item: tuple[_Layout, list[list[Any]]]) -> int:
        lay = item[0]
        named = bool(re.search(r"\baicm\b|controls?\s+matrix", lay.sheet, re.I))
        return 4 * bool(lay.ownership) + 2 * (not lay.pairs) + named

    best = max(score(item) for item in control_sheets)
    control_layout, control_rows = next(item for item in control_sheets if score(item) == best)
    mapping_sheets = [(lay, rows) for lay, rows in layouts if lay.pairs]

    # The version: workbook properties, the names and title rows of the sheets read (not the
    # other tabs, whose prose may mention earlier versions).
    found = [v for t in prop_texts for v in _versions_in(t)]
    for lay in {control_layout.sheet: control_layout, **{lay.sheet: lay for lay, _ in mapping_sheets}}.values():
        found += _versions_in(lay.sheet)
        found += [v for row in lay.title_rows for cell in row for v in _versions_in(cell)]
    chosen = _choose_version(path, found, version)

    controls = _controls_from_sheet(path, control_layout, control_rows)
    rows: list[AicmMappingRow] = []
    for lay, sheet_rows in mapping_sheets:
        rows += _mappings_from_sheet(path, lay, sheet_rows)
    notes = [f"controls read from sheet {control_layout.sheet!r}"]
    notes += [
        f"mappings read from sheet {lay.sheet!r}: {', '.join(fw for fw, _, _ in lay.pairs)}"
        for lay, _ in mapping_sheets
    ]
    return AicmImport(version=chosen, controls=controls, mapping_rows=rows, path=path, notes=notes)


def _cell(row: list[Any], col: int | None) -> Any:
    return row[col] if col is not None and col < len(row) else None


def _controls_from_sheet(path: Path, lay: _Layout, rows: list[list[Any]]) -> list[AicmControl]:
    controls: list[AicmControl] = []
    seen: dict[str, str] = {}
    domain = ""
    for index in range(lay.header_row + 1, len(rows)):
        row = rows[index]
        where = f"{path}:{lay.sheet}:{index + 1}"
        domain = _text(_cell(row, lay.domain_col)) or domain
        cid = _text(_cell(row, lay.id_col))
        title = _text(_cell(row, lay.title_col))
        spec = _block(_cell(row, lay.spec_col))
        if not cid:
            continue
        if not CONTROL_ID.match(cid):
            if not title and not spec:
                continue  # a domain separator row
            raise DataLoadError(f"{where}: column {lay.column(lay.id_col)}: {cid!r} is not an AICM control ID")
        if cid in seen:
            raise DataLoadError(f"{where}: column {lay.column(lay.id_col)}: control {cid} repeats {seen[cid]}")
        for col, value in ((lay.title_col, title), (lay.spec_col, spec)):
            if not value and col is not None:
                raise DataLoadError(f"{where}: column {lay.column(col)}: empty for control {cid}")
        seen[cid] = where
        ownership = {}
        for col, layer in lay.ownership.items():
            owner = _text(_cell(row, col))
            if owner:
                ownership[layer] = owner
        controls.append(
            AicmControl(
                id=cid,
                title=title,
                specification=spec,
                domain=domain,
                ownership=ownership,
                where=where,
                id_column=lay.column(lay.id_col),
            )
        )
    return controls


def _mapping_rows(
    *,
    control_id: str,
    framework: str,
    targets: Sequence[str],
    co_cited: Sequence[str],
    verdict: str,
    where: str,
    target_column: str,
    gap_column: str,
    id_column: str,
) -> list[AicmMappingRow]:
    """The rows for the targets one verdict covers (shared by the workbook and STIX readers)."""
    if not targets and not _norm(verdict):
        return []
    gap = _gap(verdict)
    if gap is None:
        what = f"{verdict!r} is not a CSA gap level" if verdict else "no gap level"
        raise DataLoadError(
            f"{where}: column {gap_column}: {what} for control {control_id} (expected No Gap, Partial Gap or Full Gap)"
        )
    if not targets:
        if gap == "full-gap":
            return []  # nothing in the target to relate to
        raise DataLoadError(
            f"{where}: column {target_column}: control {control_id} has verdict {verdict!r} but no "
            f"{FRAMEWORK_LABELS[framework]} target"
        )
    return [
        AicmMappingRow(
            control_id=control_id,
            framework=framework,
            target_notation=t,
            gap=gap,
            where=where,
            verdict=verdict,
            target_column=target_column,
            id_column=id_column,
            co_cited=tuple(co_cited),
        )
        for t in targets
    ]


def _mappings_from_sheet(path: Path, lay: _Layout, rows: list[list[Any]]) -> list[AicmMappingRow]:
    out: list[AicmMappingRow] = []
    for index in range(lay.header_row + 1, len(rows)):
        row = rows[index]
        cid = _text(_cell(row, lay.id_col))
        if not cid:
            continue
        where = f"{path}:{lay.sheet}:{index + 1}"
        cells = [(fw, _block(_cell(row, m)), _text(_cell(row, gcol)), m, gcol) for fw, m, gcol in lay.pairs]
        if not CONTROL_ID.match(cid):
            if all(not text and not verdict for _, text, verdict, _, _ in cells):
                continue
            raise DataLoadError(f"{where}: column {lay.column(lay.id_col)}: {cid!r} is not an AICM control ID")
        for fw, text, verdict, map_col, gap_col in cells:
            targets, others = split_targets(fw, text)
            out += _mapping_rows(
                control_id=cid,
                framework=fw,
                targets=targets,
                co_cited=others,
                verdict=verdict,
                where=where,
                target_column=lay.column(map_col),
                gap_column=lay.column(gap_col),
                id_column=lay.column(lay.id_col),
            )
    return out


# ---------------------------------------------------------------------------------------------
# The STIX bundle

_SECID = re.compile(r"secid:control/cloudsecurityalliance\.org/aicm(?:@(?P<version>[^#\s]+))?#(?P<id>\S+)", re.I)


def _prop(obj: dict[str, Any], *names: str) -> Any:
    for name in names:
        for key in (name, "x_" + name, "x_csa_" + name, "x_aicm_" + name):
            value = obj.get(key)
            if value not in (None, "", [], {}):
                return value
    return None


def _aicm_identity(obj: dict[str, Any]) -> tuple[str, str | None, str] | None:
    """(control ID, version or None, property it came from) for an AICM control object."""
    refs = [r for r in obj.get("external_references") or [] if isinstance(r, dict)]
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
        framework = _framework_of(str(obj.get("framework") or "")) or _framework_of(str(obj.get("name") or ""))
        notation = str(obj.get("control_identifier") or "").strip()
        return (framework or "other", notation)
    if kind == "x-regulation":
        label = " ".join(str(obj.get(k) or "") for k in ("regulation", "publication_id", "name"))
        framework = _framework_of(label) or ("euaia" if re.search(r"\bai-act\b", label, re.I) else "other")
        notation = str(obj.get("clause_identifier") or obj.get("name") or "").strip()
        return (framework, notation)
    return None


def _fits(stated: str, version: str) -> bool:
    """Whether a version the file states ("1.1" or "1.1.0") is compatible with ``version``."""
    return stated == version or version.startswith(stated + ".")


def _read_stix(path: Path, version: str | None) -> AicmImport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    except ValueError as exc:
        raise DataLoadError(f"{path}: not valid JSON: {exc}") from exc
    objects = data.get("objects") if isinstance(data, dict) else data
    if not isinstance(objects, list):
        raise DataLoadError(f"{path}: not a STIX 2.1 bundle (no 'objects' list)")
    by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, obj in enumerate(objects):
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            prev = by_id.get(obj["id"])
            if prev is None or str(obj.get("modified") or "") >= str(prev[1].get("modified") or ""):
                by_id[obj["id"]] = (i, obj)  # STIX versioning: the latest modified wins

    candidates: list[tuple[int, dict[str, Any], str, str | None, str]] = []
    for i, obj in sorted(by_id.values(), key=lambda item: item[0]):
        if obj.get("type") not in ("x-control", "course-of-action") or obj.get("revoked") is True:
            continue
        ident = _aicm_identity(obj)
        if ident is not None:
            candidates.append((i, obj, *ident))
    if not candidates:
        raise DataLoadError(f"{path}: the bundle has no AICM controls (x-control with framework 'aicm', or SecID)")
    stated = sorted({v for *_, v, _ in candidates if v})
    if version is None:
        if len(stated) > 1:  # CSA's catalog holds several versions: the caller picks one
            raise DataLoadError(f"{path}: the bundle has AICM {', '.join(stated)}; give the version to import")
        chosen = _choose_version(path, stated, None)
    else:
        chosen = _choose_version(path, [], version)
        if stated and not any(_fits(v, chosen) for v in stated):
            raise DataLoadError(f"{path}: the bundle has AICM {', '.join(stated)}, but version {version} was given")
    objects_where = f"{path}:objects"

    controls: list[AicmControl] = []
    stix_to_control: dict[str, str] = {}
    seen: dict[str, str] = {}
    for i, obj, cid, ver, prop in candidates:
        if ver and not _fits(ver, chosen):
            continue
        where = f"{objects_where}:{i}"
        if not CONTROL_ID.match(cid):
            raise DataLoadError(f"{where}: column {prop}: {cid!r} is not an AICM control ID")
        if cid in seen:
            raise DataLoadError(f"{where}: column {prop}: control {cid} repeats {seen[cid]}")
        seen[cid] = where
        title = _text(obj.get("name"))
        spec = _block(_prop(obj, "specification", "control_specification") or obj.get("description"))
        for column, value in (("name", title), ("specification", spec)):
            if not value:
                raise DataLoadError(f"{where}: column {column}: empty for control {cid}")
        raw = _prop(obj, "typical_control_applicability_and_ownership", "ownership", "ssrm_ownership") or {}
        if not isinstance(raw, dict):
            raise DataLoadError(f"{where}: column typical_control_applicability_and_ownership: not an object")
        ownership = {(_layer_key(k) or _slug(k)): _text(v) for k, v in raw.items() if _text(v)}
        controls.append(
            AicmControl(
                id=cid,
                title=title,
                specification=spec,
                domain=_text(_prop(obj, "domain", "control_domain")),
                ownership=ownership,
                where=where,
                id_column=prop,
            )
        )
        stix_to_control[obj["id"]] = cid

    rows: list[AicmMappingRow] = []
    for i, obj in sorted(by_id.values(), key=lambda item: item[0]):
        if obj.get("revoked") is True:
            continue
        if obj.get("type") == "x-gap-mapping":
            refs = obj.get("target_refs") or []
            ref_props = [f"target_refs[{j}]" for j in range(len(refs))]
        elif obj.get("type") == "relationship" and obj.get("relationship_type") == "csa-gap-mapping":
            refs, ref_props = [obj.get("target_ref")], ["target_ref"]
        else:
            continue
        cid = stix_to_control.get(str(obj.get("source_ref")))
        if cid is None:
            continue  # a gap mapping of another framework or AICM version
        where = f"{objects_where}:{i}"
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
        verdict = _text(obj.get("gap_level"))
        for fw, targets in per_fw.items():
            foreign = others + [n for f2, ts in per_fw.items() if f2 != fw for n, _ in ts]
            for notation, ref_prop in targets:
                rows += _mapping_rows(
                    control_id=cid,
                    framework=fw,
                    targets=[notation],
                    co_cited=foreign,
                    verdict=verdict,
                    where=where,
                    target_column=ref_prop,
                    gap_column="gap_level",
                    id_column="source_ref",
                )
    return AicmImport(version=chosen, controls=controls, mapping_rows=rows, path=path, notes=[])


# ---------------------------------------------------------------------------------------------
# Public API


def read_aicm(path: Path, version: str | None = None) -> AicmImport:
    """Read the user's AICM copy: a workbook (``.xlsx``/``.xlsm``) or a STIX 2.1 bundle (``.json``).

    :param version: the AICM version (``1.1.0``); needed only when the file does not state it
        exactly, and must agree with the file when both do.
    :raises DataLoadError: unreadable file, missing headers, a malformed or repeated control ID,
        an unknown gap level, no or conflicting version; with file, sheet, row and column.
    """
    path = Path(path)
    if not path.exists():
        raise DataLoadError(f"{path}: no such file")
    suffix = path.suffix.casefold()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, version)
    if suffix == ".json":
        return _read_stix(path, version)
    raise DataLoadError(f"{path}: expected CSA's AICM workbook (.xlsx) or STIX 2.1 bundle (.json)")


def _same_control_set(version: str, edition: str) -> bool:
    """AICM patch releases keep the controls (1.1.1 = 1.1.0 + mappings); minor releases renumber."""
    return version.split(".")[:2] == edition.split(".")[:2]


def import_graphs(imp: AicmImport, catalog: Catalog, targets: dict[str, Catalog]) -> dict[str, list[TripleTuple]]:
    """Named graphs for an import: ``gsg:import/aicm-<version>`` (titles, specifications,
    ownership) and ``gsg:mappings/aicm-<version>-<framework>`` (CSA's mappings as gs:Mapping).

    :param catalog: the AICM catalog of the same version (its IDs are checked against it).
    :param targets: target catalogs by CLI id (``iso42001``, ``euaia``).
    :raises DataLoadError: a control ID not in the catalog, a target that does not resolve, a
        framework with mappings but no catalog; with the file, sheet, row and column.
    """
    v = imp.version
    edition = str(catalog.meta.get("edition", ""))
    if catalog.short_name != "aicm":
        raise DataLoadError(f"{catalog.path}: catalog {catalog.key} is not an AICM catalog")
    if not _same_control_set(v, edition):
        raise DataLoadError(
            f"{imp.path}: the file is AICM {v}, but catalog {catalog.key} is AICM {edition}; "
            "AICM control IDs only mean something within their version"
        )
    controls_by_notation = {r.notation: r for r in catalog.requirements if r.kind == "control"}

    def control_iri(cid: str, where: str, column: str) -> str:
        req = controls_by_notation.get(cid)
        if req is None:
            raise DataLoadError(f"{where}: column {column}: control {cid!r} is not in AICM {edition} ({catalog.key})")
        return req.iri

    imported: list[TripleTuple] = []
    for c in imp.controls:
        s = iri(control_iri(c.id, c.where or str(imp.path), c.id_column or "Control ID"))
        imported += [(s, iri(SKOS + "prefLabel"), lit(c.title)), (s, g("specification"), lit(c.specification))]
        for layer, owner in c.ownership.items():
            node = iri(f"{GSD}aicm-ownership/{v}/{quote(c.id, safe='&-')}/{quote(layer, safe='-')}")
            imported += [(s, g("ownership"), node), (node, g("ssrmLayer"), lit(layer)), (node, g("owner"), lit(owner))]
    graphs: dict[str, list[TripleTuple]] = {graph_iri(f"import/aicm-{v}"): imported}

    for fw in FRAMEWORKS:
        rows = [r for r in imp.mapping_rows if r.framework == fw]
        target = targets.get(fw)
        if target is None:
            if rows:
                raise DataLoadError(
                    f"{rows[0].where}: the file maps AICM to {FRAMEWORK_LABELS[fw]}, but no {fw} catalog was given"
                )
            continue
        if target.short_name != fw:
            raise DataLoadError(f"{target.path}: catalog {target.key} is {target.short_name!r}, not {fw!r}")
        label = FRAMEWORK_LABELS[fw]
        set_id = f"{GSD}mappingset/aicm-{v}-{fw}"
        resolved: list[tuple[AicmMappingRow, str, Requirement, bool]] = []
        for row in rows:
            subject = control_iri(row.control_id, row.where, row.id_column or "Control ID")
            hit = resolve_target(fw, row.target_notation, target)
            if hit is None:
                raise DataLoadError(
                    f"{row.where}: column {row.target_column or 'Control Mapping'}: {label} target "
                    f"{row.target_notation!r} (control {row.control_id}) is not in catalog {target.key}"
                )
            resolved.append((row, subject, *hit))
        # One verdict covers all the targets of its cell (or STIX object) together.
        per_cell: dict[tuple[str, str], set[str]] = {}
        for row, _, req, _ in resolved:
            per_cell.setdefault((row.where, row.control_id), set()).add(req.iri)
        chosen: dict[tuple[str, str], tuple[Mapping, str]] = {}
        for row, subject, req, exact in resolved:
            relation, strength = GAP_RELATIONS[row.gap]
            joint = len(per_cell[(row.where, row.control_id)]) > 1 or bool(row.co_cited)
            comment = f"CSA verdict: {row.verdict or row.gap}"
            if row.gap == "no-gap" and joint:
                relation = JOINT_NO_GAP
                comment += " (given for several targets together, so this one alone is not known to cover the control)"
            if not exact:
                comment += f"; CSA cites {row.target_notation!r}, resolved to {req.notation}"
            m = Mapping(
                iri=mapping_iri(set_id, subject, req.iri, relation),
                subject=subject,
                object=req.iri,
                relation=relation,
                strength=strength,
                status="approved",
                rationale="semantic",
                justification=JUSTIFICATION,
                comment=comment,
                source=f"CSA AICM {v} mapping to {label}",
                set_id=set_id,
                author=AUTHOR,
            )
            key = (subject, req.iri)
            if key not in chosen or m.strength < chosen[key][0].strength:  # conflicting rows: the weaker claim
                chosen[key] = (m, row.verdict or row.gap)
        ms = MappingSet(
            set_id=set_id,
            key=f"aicm-{v}-{fw}",
            meta={
                "mapping_set_title": f"CSA AI Controls Matrix {v} to {label} (the user's imported copy)",
                "mapping_set_version": v,
                "license": LICENSE,
                "mapping_set_description": (
                    f"CSA's own mapping of AICM {v} to {label}, read from the user's licensed copy; "
                    "relations follow CSA's gap levels (No Gap: subset, or intersects when one verdict "
                    "covers several targets; Partial Gap: intersects; Full Gap: not-related)."
                ),
            },
            mappings=[m for m, _ in chosen.values()],
            path=imp.path,
        )
        triples = set_triples(ms)
        triples.append((iri(set_id), iri(DCTERMS + "source"), lit(f"CSA AI Controls Matrix {v}, mapping column")))
        triples += [(iri(m.iri), g("gapVerdict"), lit(verdict)) for m, verdict in chosen.values()]
        graphs[ms.graph] = triples
    return graphs


def aicm_graphs(
    path: Path, catalogs: list[Any], version: str | None = None
) -> tuple[str, dict[str, list[TripleTuple]]]:
    """Read a licensed AICM copy and build its named graphs against the shipped catalogs."""
    imp = read_aicm(path, version)
    by_short = {c.short_name: c for c in catalogs}
    if "aicm" not in by_short:
        raise DataLoadError(f"{path}: no AICM catalog is loaded to check the control IDs against")
    targets = {k: by_short[k] for k in ("iso42001", "euaia") if k in by_short}
    return imp.version, import_graphs(imp, by_short["aicm"], targets)
