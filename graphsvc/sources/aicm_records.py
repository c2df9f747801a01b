"""What the readers of a user's AICM copy produce, and the reading rules they share.

:mod:`graphsvc.sources.aicm_workbook` (the ``.xlsx``) and :mod:`graphsvc.sources.aicm_stix` (the
STIX 2.1 ``.json``) both turn the file into an :class:`AicmImport`: its controls, one
:class:`AicmMappingRow` per target of each CSA verdict, and the AICM version. Both read cell text,
layer and framework names, gap verdicts and versions the same way, by the functions here, and
check controls (:func:`new_control`) and verdicts (:func:`verdict_rows`) here, so their errors
read alike: ``file:sheet:row: column X: …``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import DataLoadError

#: The frameworks whose CSA mapping columns are imported (CLI ids).
FRAMEWORKS = ("iso42001", "euaia")
FRAMEWORK_LABELS = {"iso42001": "ISO/IEC 42001", "euaia": "EU AI Act"}

#: Canonical keys of the four service delivery layers of CSA's shared responsibility model.
LAYERS = ("processing-infrastructure", "model", "orchestrated-services", "application")

CONTROL_ID = re.compile(r"^[A-Z&]{2,4}-\d{2}$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")

_GAPS = {"nogap": "no-gap", "partialgap": "partial-gap", "fullgap": "full-gap"}


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


@dataclass(frozen=True)
class Verdict:
    """One CSA gap verdict as a file gives it: for which control, and where (for errors)."""

    control_id: str
    framework: str
    verdict: str  # CSA's gap level, verbatim
    where: str  # file:sheet:row
    target_column: str
    gap_column: str
    id_column: str


# ---------------------------------------------------------------------------------------------
# Text


def cell_text(value: Any) -> str:
    """A cell value as one line of text: whitespace (line breaks, NBSP) collapsed."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\xa0", " ").split())


def cell_block(value: Any) -> str:
    """A cell value as text keeping its line breaks (specifications are often lists)."""
    if value is None:
        return ""
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def folded(value: Any) -> str:
    """A header as compared: case-folded, whitespace collapsed, trailing ``:``/``*`` dropped."""
    return cell_text(value).casefold().rstrip(":* ").strip()


def gap_of(verdict: str) -> str | None:
    return _GAPS.get(re.sub(r"[^a-z]", "", verdict.casefold()))


def layer_key(header: str) -> str | None:
    """The canonical layer an ownership column header (or STIX key) names, if it names one."""
    t = re.sub(r"\(.*?\)", " ", folded(header).replace("_", " "))
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


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-") or "layer"


def framework_of(label: str) -> str | None:
    """'iso42001', 'euaia', 'other' (a framework not imported) or None for a label naming none."""
    t = folded(label)
    if not t or t.startswith("{"):
        return None
    if "42001" in t:
        return "iso42001"
    if re.search(r"\bai\s*act\b|2024/1689|artificial intelligence act", t):
        return "euaia"
    if re.search(r"\b(bsi|aic4|nist|600-1|ai rmf|aiuc|iso|27001|27002|ccm|gdpr)\b", t):
        return "other"
    return None


# ---------------------------------------------------------------------------------------------
# Versions


def choose_version(path: Path, found: Iterable[str], given: str | None) -> str:
    """The AICM version of a file: the one it states (``found``), which ``given`` must agree with.

    :raises DataLoadError: ``given`` malformed, several or conflicting versions, or no exact one.
    """
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
# Controls and verdicts


def new_control(
    seen: dict[str, str],
    cid: str,
    *,
    where: str,
    id_column: str,
    title: tuple[str | None, str],
    spec: tuple[str | None, str],
    domain: str,
    ownership: dict[str, str],
) -> AicmControl:
    """A control read at ``where``, checked: a well-formed ID not read before (``seen``: ID → where,
    updated), and a title and specification, each given as (column, text); a column None is not checked.
    """
    if not CONTROL_ID.match(cid):
        raise DataLoadError(f"{where}: column {id_column}: {cid!r} is not an AICM control ID")
    if cid in seen:
        raise DataLoadError(f"{where}: column {id_column}: control {cid} repeats {seen[cid]}")
    for column, value in (title, spec):
        if not value and column is not None:
            raise DataLoadError(f"{where}: column {column}: empty for control {cid}")
    seen[cid] = where
    return AicmControl(cid, title[1], spec[1], domain, ownership, where, id_column)


def verdict_rows(v: Verdict, targets: Sequence[str], co_cited: Sequence[str]) -> list[AicmMappingRow]:
    """The rows for the targets one verdict covers (shared by the workbook and STIX readers)."""
    if not targets and not folded(v.verdict):
        return []
    gap = gap_of(v.verdict)
    if gap is None:
        what = f"{v.verdict!r} is not a CSA gap level" if v.verdict else "no gap level"
        raise DataLoadError(
            f"{v.where}: column {v.gap_column}: {what} for control {v.control_id} "
            "(expected No Gap, Partial Gap or Full Gap)"
        )
    if not targets:
        if gap == "full-gap":
            return []  # nothing in the target to relate to
        raise DataLoadError(
            f"{v.where}: column {v.target_column}: control {v.control_id} has verdict {v.verdict!r} but no "
            f"{FRAMEWORK_LABELS[v.framework]} target"
        )
    return [
        AicmMappingRow(
            control_id=v.control_id,
            framework=v.framework,
            target_notation=t,
            gap=gap,
            where=v.where,
            verdict=v.verdict,
            target_column=v.target_column,
            id_column=v.id_column,
            co_cited=tuple(co_cited),
        )
        for t in targets
    ]
