"""CSA's target citations: the targets a mapping cell names, and the catalog nodes they resolve to.

A CSA mapping cell lists its targets one per line, each perhaps prefixed by its standard
(``42001: B.6.2.4`` next to ``27001: A.8.29``); :func:`split_targets` keeps those of the
framework imported and sets the others aside as co-cited. :func:`resolve_target` finds the
requirement a citation names in the target catalog: ISO/IEC 42001 clause and Annex A/B
notations, EU AI Act articles and annexes down to their paragraphs and points.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphsvc.sources.aicm_records import cell_text, folded, framework_of
from graphsvc.sources.catalogs import Catalog, Requirement

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
        if folded(line) in _NOT_A_TARGET:
            continue
        std = ""
        m = _STD_PREFIX.match(line)
        if m and m.group("rest").strip():
            std, line = cell_text(m.group("std")), m.group("rest").strip()
        foreign = bool(std) and framework_of(std) not in (framework, None)
        for raw_item in _SPLIT_ITEMS.split(line):
            item = raw_item.strip().rstrip(".")
            if folded(item) in _NOT_A_TARGET:
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
    if m and framework_of(m.group("std")) == "euaia" and m.group("rest").strip():
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
