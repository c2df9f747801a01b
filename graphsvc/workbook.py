"""The auditor's workbook: a coverage answer as xlsx (summary, one sheet per system, paths).

Each requirement row has a ``gap`` column: ``no-counterpart`` (the starting frameworks
recorded that they have nothing for it; the explanation gives the reason) or
``not-reached`` (nothing that holds on the date reaches it)."""

from __future__ import annotations

from typing import Any

from graphsvc.coverage import coverage_rows
from graphsvc.results import to_xlsx


def coverage_workbook(result: dict[str, Any]) -> bytes:
    """Summary sheet, one status-coloured sheet per system (or the certificate), and a
    sheet of every justification path with its evidence and validity."""
    summary: list[dict[str, Any]] = [
        {"item": "target framework", "value": result["target"]},
        {"item": "as of", "value": result["as_of"]},
        {"item": "law version", "value": result["law_version"]},
    ]
    summary += [{"item": k, "value": v} for k, v in result["summary"].items()]
    # a gap with no counterpart in the starting frameworks is not the same as one nothing reached
    summary += [{"item": f"gap: {k.replace('-', ' ')}", "value": v} for k, v in (result.get("gap_kinds") or {}).items()]
    sheets: dict[str, list[dict[str, Any]]] = {"Summary": summary}
    systems = result.get("systems") or [result]
    paths: list[dict[str, Any]] = []
    for s in systems:
        name = s["system"]["label"] if "system" in s else result.get("certificate", {}).get("label", "Coverage")
        rows = coverage_rows({"requirements": s["requirements"]})
        for r in rows:
            r.pop("system", None)
        sheets[_sheet_name(name, sheets)] = rows
        for req in s["requirements"]:
            for p in req.get("paths", []):
                st = p["start"]
                paths.append(
                    {
                        "system": name,
                        "target": req["notation"],
                        "status": req["status"],
                        "transfer": p["transfer"],
                        "strength": p["strength"],
                        "origin": p["origin"],
                        "start": f"{st['kind']} {st['id']} ({st['label']})",
                        "implements": f"{p['requirement']['framework']} {p['requirement']['notation']}",
                        "hops": " → ".join(
                            f"{h['relation']} {h['to']} (s{h['strength']}; {h['source']})" for h in p["hops"]
                        ),
                        "evidence": "; ".join(
                            f"{e['id']} valid until {e['valid_until']}" for e in st.get("evidence", [])
                        ),
                        "residual": st.get("residual", ""),
                    }
                )
    sheets["Paths"] = paths
    return to_xlsx(sheets)


def _sheet_name(name: str, taken: dict[str, Any]) -> str:
    base = "".join(c for c in name if c not in "[]:*?/\\")[:28] or "Sheet"
    out, i = base, 2
    while out in taken:
        out, i = f"{base[:25]} {i}", i + 1
    return out
