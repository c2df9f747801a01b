"""The auditor's workbook: a coverage answer as xlsx (summary, one sheet per system, paths).

Each requirement row has a ``gap`` column: ``no-counterpart`` (the starting frameworks
recorded that they have nothing for it; the explanation gives the reason) or
``not-reached`` (nothing that holds on the date reaches it).

Sheets are named from a short label (:func:`sheet_name`: Excel's 31 characters, cut between
words); every sheet has its header row frozen and an autofilter on it
(:func:`graphsvc.exports.results.to_xlsx`). Paths name controls, certificates, evidence and the
provider's systems by their labels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from graphsvc.domain.coverage import coverage_rows
from graphsvc.exports.results import to_xlsx

#: Excel's limit on a worksheet name, and the characters it refuses in one.
SHEET_NAME_LIMIT = 31
_REPLACE = str.maketrans({"/": "-", "\\": "-", ":": "-", "[": "(", "]": ")", "*": None, "?": None})
#: Excel keeps this name for itself.
_RESERVED = {"history"}

_KIND_TEXT = {
    "control": "control",
    "inherited-control": "provider control",
    "certificate": "certificate",
    "inherited-certificate": "provider certificate",
    "attestation": "attestation",
    "inherited-attestation": "provider attestation",
}


#: Words a cut label should not end on.
_DANGLING = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "&"}


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut between words where a word boundary lies in
    the second half (never leaving an open parenthesis or a dangling "and", "at" …), else hard.

    >>> _cut("Contoso candidate screening assistant", 31)
    'Contoso candidate screening'
    >>> _cut("Microsoft Foundry (Azure AI Foundry Models)", 31)
    'Microsoft Foundry'
    >>> _cut("Microsoft 365 Copilot at Contoso", 31)
    'Microsoft 365 Copilot'
    >>> _cut("Supercalifragilisticexpialidocious-and-more", 10)
    'Supercalif'
    """
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = max(head.rfind(" "), head.rfind(","), head.rfind(";"))
    if cut <= limit // 2:
        return text[:limit].rstrip(" ,;-(")
    out = head[:cut].rstrip(" ,;-(")
    if out.count("(") > out.count(")"):
        out = out[: out.rfind("(")].rstrip(" ,;-")
    words = out.split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(" ,;-") or text[:limit]


def sheet_name(label: str, taken: Iterable[str], *, fallback: str = "Sheet") -> str:
    """A worksheet name from a label, by Excel's rules: at most 31 characters, none of
    ``[]:*?/\\`` (``/``, ``\\`` and ``:`` become ``-``, brackets parentheses), not blank, not
    starting or ending with an apostrophe, and unique among ``taken`` ignoring case; cut between
    words where it can be. A name already taken keeps its closing parenthesis, shortening what
    comes before it, or else gets `` (2)``, `` (3)`` ….

    >>> sheet_name("Contoso candidate screening assistant", [])
    'Contoso candidate screening'
    >>> sheet_name("ISO/IEC 42001:2023 certificate, Microsoft 365 Copilot", [])
    'ISO-IEC 42001-2023 certificate'
    >>> sheet_name("Microsoft Dragon Copilot (Radiologist)", ["Microsoft Dragon Copilot"])
    'Microsoft Dragon (Radiologist)'
    >>> sheet_name("summary", ["Summary"])
    'summary (2)'
    >>> sheet_name("  ", [], fallback="Coverage")
    'Coverage'
    """
    clean = re.sub(r"\s+", " ", label.translate(_REPLACE)).strip().strip("'").strip() or fallback
    used = {t.lower() for t in taken} | _RESERVED
    candidates = [_cut(clean, SHEET_NAME_LIMIT)]
    note = re.match(r"^(.+?)\s*\(([^()]+)\)$", clean)
    if note and len(note[2]) + 3 <= SHEET_NAME_LIMIT // 2:
        candidates.append(f"{_cut(note[1], SHEET_NAME_LIMIT - len(note[2]) - 3)} ({note[2]})")
    for name in candidates:
        if name.lower() not in used:
            return name
    n = 2
    while True:
        suffix = f" ({n})"
        name = _cut(clean, SHEET_NAME_LIMIT - len(suffix)) + suffix
        if name.lower() not in used:
            return name
        n += 1


def _local(curie: str) -> str:
    """``gsd:control/contoso/HR-HO-01`` → ``HR-HO-01``: the id its organisation gave it."""
    return curie.rsplit("/", 1)[-1]


def _system_labels(answer: dict[str, Any]) -> dict[str, str]:
    """System id → label, for the system assessed and every system it builds on."""
    system = answer.get("system") or {}
    labels = {d["system"]: d["label"] for d in system.get("depends_on", [])}
    if system.get("id"):
        labels[system["id"]] = system.get("label", "")
    return labels


def _start_text(start: dict[str, Any]) -> str:
    kind = _KIND_TEXT.get(start["kind"], start["kind"])
    if start["kind"].endswith("control"):
        return f"{kind} {_local(start['id'])}: {start['label']}"
    return f"{kind}: {start['label']}"


def _path_rows(subject_key: str, name: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    labels = _system_labels(answer)
    assessed = (answer.get("system") or {}).get("id", "")
    rows: list[dict[str, Any]] = []
    for req in answer["requirements"]:
        for p in req.get("paths", []):
            st = p["start"]
            on = st.get("system", "")
            rows.append(
                {
                    subject_key: name,
                    "target": req["notation"],
                    "target title": req["title"],
                    "status": req["status"],
                    "transfer": p["transfer"],
                    "strength": p["strength"],
                    "origin": p["origin"],
                    "start": _start_text(st),
                    "provider system": labels.get(on, _local(on)) if on and on != assessed else "",
                    "implements": f"{p['requirement']['framework']} {p['requirement']['notation']}",
                    "hops": " → ".join(
                        f"{h['relation']} {h['to']} (s{h['strength']}; {h['source']})" for h in p["hops"]
                    ),
                    "evidence": "; ".join(
                        f"{e.get('label') or _local(e['id'])} ({_local(e['id'])}), valid until {e['valid_until']}"
                        for e in st.get("evidence", [])
                    ),
                    "residual": st.get("residual", ""),
                }
            )
    return rows


def coverage_workbook(result: dict[str, Any]) -> bytes:
    """Summary sheet, one status-coloured sheet per system (or the certificate), and a
    sheet of every justification path with its evidence and validity."""
    if result.get("certificate"):
        cert = result["certificate"]
        subject = [
            {"item": "certificate", "value": cert["label"]},
            {"item": "holder", "value": cert.get("holder", "")},
            {"item": "id", "value": cert["id"]},
        ]
    elif result.get("system"):
        subject = [
            {"item": "AI system", "value": result["system"]["label"]},
            {"item": "id", "value": result["system"]["id"]},
        ]
    else:
        subject = [{"item": "organisation", "value": result.get("organisation", "")}]
    summary: list[dict[str, Any]] = [
        *subject,
        {"item": "target framework", "value": result["target"]},
        {"item": "as of", "value": result["as_of"]},
        {"item": "law version", "value": result["law_version"]},
    ]
    if result.get("law_layer"):
        layer = result["law_layer"]
        summary.append({"item": "law layer", "value": f"{layer['title']} ({layer['statement']})"})
    summary += [{"item": k, "value": v} for k, v in result["summary"].items()]
    # a gap with no counterpart in the starting frameworks is not the same as one nothing reached
    summary += [{"item": f"gap: {k.replace('-', ' ')}", "value": v} for k, v in (result.get("gap_kinds") or {}).items()]
    sheets: dict[str, list[dict[str, Any]]] = {"Summary": summary}
    subject_key = "certificate" if result.get("certificate") else "system"
    answers = result.get("systems") or [result]
    paths: list[dict[str, Any]] = []
    for answer in answers:
        name = answer["system"]["label"] if "system" in answer else result["certificate"]["label"]
        rows = coverage_rows({"requirements": answer["requirements"]})
        for r in rows:  # the sheet is the system's (or the certificate's): no column repeats it
            r.pop("system", None)
        sheets[sheet_name(name, [*sheets, "Paths"], fallback="Coverage")] = rows
        paths += _path_rows(subject_key, name, answer)
    sheets["Paths"] = paths
    return to_xlsx(sheets)
