"""Reading CSA's AICM workbook (``.xlsx``), the user's licensed copy, into an :class:`AicmImport`.

CSA's AICM workbook has a controls tab (``AICM - Version 1.1``) and a mappings tab (``Scope
Applicability (Mappings)``). Each has a few title rows, then a header row with ``Control
Domain``, ``Control Title``, ``Control ID``, ``Control Specification``. In the controls tab a
group header ``Typical Control Applicability and Ownership`` spans one column per layer
(``Cloud/AI Processing Infrastructure (PI)``, ``Model``, ``Orchestrated Services``,
``Application``) holding owner designations such as ``Shared CSP-MP`` or ``Owned by the Model
Provider (MP)``. In the mappings tab a group header per framework (``ISO/IEC 42001:2023``,
``EU AI Act``, ``BSI AIC4 Catalog`` …) spans ``Control Mapping``, ``Gap Level`` and
``Addendum``; a mapping cell may list several targets, one per line, prefixed by their standard
(``42001: B.6.2.4`` next to ``27001: A.8.29``). Headers are matched case- and
whitespace-insensitively (line breaks inside a header are fine), the header row is found
wherever it is among the first rows, and a framework may also be named in the header itself
(``ISO/IEC 42001 Gap Level``). Sheets are recognised by their headers, not their names.

The version comes from a JSON declaration such as ``{"specification_version": "1.1.0"}`` in a
cell, "AI Controls Matrix v1.1" in a title row or the sheet name, or the workbook properties.
Errors name the file, sheet, row and column (``file:sheet:row: column B ('Control ID'): …``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from graphsvc.errors import DataLoadError
from graphsvc.sources.aicm_records import (
    CONTROL_ID,
    FRAMEWORKS,
    AicmControl,
    AicmImport,
    AicmMappingRow,
    Verdict,
    cell_block,
    cell_text,
    choose_version,
    folded,
    framework_of,
    layer_key,
    new_control,
    slug,
    verdict_rows,
)
from graphsvc.sources.aicm_targets import split_targets

_VERSION_TEXT = re.compile(
    r"(?:\baicm|\bai\s+controls?\s+matrix)\W{0,5}(?:v(?:ersion)?\.?\s*)?(\d+\.\d+(?:\.\d+)?)(?![\d.]*\d)", re.I
)
_ID_HEADERS = {"control id", "control identifier", "control ref", "control reference", "aicm control id"}
_TITLE_HEADERS = {"control title", "control name", "title"}
_SPEC_HEADERS = {"control specification", "control specifications", "specification", "control description"}
_DOMAIN_HEADERS = {"control domain", "domain", "control domain name"}
_MAPPING_WORDS = re.compile(r"mapping|mapped|requirement|article|clause|controls?$", re.I)


def _column_letter(index: int) -> str:
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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

    def column_of(self, col: int | None) -> str | None:
        return None if col is None else self.column(col)


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
            value = cell_text(row[col]) if col < len(row) else ""
            if value and not value.startswith("{"):
                current, from_merge = value, (r, col) in merged
            elif from_merge:
                current, from_merge = "", False  # the merged label ended here
            labels[col].append(current)
    return labels


def _layout(path: Path, sheet: str, rows: list[list[Any]], merged: set[tuple[int, int]]) -> _Layout | None:
    """Where a sheet's header row is and what its columns hold; None for a sheet without AICM headers."""
    for index, row in enumerate(rows[:60]):
        norms = [folded(v) for v in row]
        id_cols = [c for c, h in enumerate(norms) if h in _ID_HEADERS]
        if not id_cols:
            continue
        has_gap = any(re.search(r"\bgap\b", h) for h in norms)
        title_col = next((c for c, h in enumerate(norms) if h in _TITLE_HEADERS), None)
        spec_col = next((c for c, h in enumerate(norms) if h in _SPEC_HEADERS), None)
        if title_col is None and spec_col is None and not has_gap:
            continue
        groups = _group_labels(rows, max(0, index - 4), index, len(row), merged)
        headers = [cell_text(v) for v in row]
        return _Layout(
            sheet=sheet,
            header_row=index,
            headers=headers,
            id_col=id_cols[0],
            title_col=title_col,
            spec_col=spec_col,
            domain_col=next((c for c, h in enumerate(norms) if h in _DOMAIN_HEADERS), None),
            ownership=_ownership_columns(norms, groups),
            pairs=_mapping_pairs(f"{path}:{sheet}:{index + 1}", headers, norms, groups),
            title_rows=[list(r) for r in rows[:index]],
        )
    return None


def _ownership_columns(norms: list[str], groups: list[list[str]]) -> dict[int, str]:
    """The layer each ownership column holds (column → layer), from its header and group label."""
    ownership: dict[int, str] = {}
    for col, h in enumerate(norms):
        if not h:
            continue
        group = next((lab for lab in groups[col] if lab), "")
        in_group = bool(re.search(r"ownership|applicability", group, re.I))
        layer = layer_key(h)
        if in_group and not re.search(r"ownership|applicability", h):
            ownership[col] = layer or slug(h)
        elif layer and not re.search(r"architect|stack|lifecycle|threat", group, re.I):
            ownership[col] = layer  # no group header above: a layer's name is enough
    return ownership


def _mapping_pairs(
    where: str, headers: list[str], norms: list[str], groups: list[list[str]]
) -> list[tuple[str, int, int]]:
    """(framework, mapping column, gap column) for each imported framework's gap level column.

    :raises DataLoadError: a gap level column without a mapping column of its framework beside it.
    """
    width = len(norms)
    pairs: list[tuple[str, int, int]] = []
    frameworks = [
        framework_of(headers[c]) or framework_of(next((lab for lab in groups[c] if lab), "")) for c in range(width)
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
                f"{where}: column {_column_letter(col)} ({headers[col]!r}) has no 'Control Mapping' column beside it"
            )
        if fw in FRAMEWORKS:
            pairs.append((fw, map_col, col))
    return pairs


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


def read_workbook(path: Path, version: str | None) -> AicmImport:
    """The controls (from the sheet with the controls' headers, ownership columns preferred) and
    CSA's mappings (from every sheet with gap level columns) of a workbook, and its AICM version."""
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
    chosen = choose_version(path, found, version)

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
        domain = cell_text(_cell(row, lay.domain_col)) or domain
        cid = cell_text(_cell(row, lay.id_col))
        title = cell_text(_cell(row, lay.title_col))
        spec = cell_block(_cell(row, lay.spec_col))
        if not cid or (not CONTROL_ID.match(cid) and not title and not spec):
            continue  # an empty or domain separator row
        ownership = {}
        for col, layer in lay.ownership.items():
            owner = cell_text(_cell(row, col))
            if owner:
                ownership[layer] = owner
        controls.append(
            new_control(
                seen,
                cid,
                where=f"{path}:{lay.sheet}:{index + 1}",
                id_column=lay.column(lay.id_col),
                title=(lay.column_of(lay.title_col), title),
                spec=(lay.column_of(lay.spec_col), spec),
                domain=domain,
                ownership=ownership,
            )
        )
    return controls


def _mappings_from_sheet(path: Path, lay: _Layout, rows: list[list[Any]]) -> list[AicmMappingRow]:
    out: list[AicmMappingRow] = []
    for index in range(lay.header_row + 1, len(rows)):
        row = rows[index]
        cid = cell_text(_cell(row, lay.id_col))
        if not cid:
            continue
        where = f"{path}:{lay.sheet}:{index + 1}"
        cells = [(fw, cell_block(_cell(row, m)), cell_text(_cell(row, gcol)), m, gcol) for fw, m, gcol in lay.pairs]
        if not CONTROL_ID.match(cid):
            if all(not text and not verdict for _, text, verdict, _, _ in cells):
                continue
            raise DataLoadError(f"{where}: column {lay.column(lay.id_col)}: {cid!r} is not an AICM control ID")
        for fw, text, verdict, map_col, gap_col in cells:
            targets, others = split_targets(fw, text)
            cell = Verdict(cid, fw, verdict, where, lay.column(map_col), lay.column(gap_col), lay.column(lay.id_col))
            out += verdict_rows(cell, targets, others)
    return out
