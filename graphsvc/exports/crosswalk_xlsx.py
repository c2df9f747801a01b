"""A crosswalk as an xlsx workbook: sheet "Crosswalk" (one row per link), sheet "Matrix"
(sources × targets) and, for a whole matrix, sheet "No counterpart"."""

from __future__ import annotations

from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from typing import Any

from graphsvc.exports.crosswalk_records import chain_comment, no_counterparts
from graphsvc.namespaces import expand


def _path_text(row: MappingT[str, Any]) -> str:
    if not row["path"]:
        return ""
    first = row["path"][0]
    return first["from"] + "".join(
        f" -{h['relation']}{' (inverse)' if h['inverted'] else ''}-> {h['to']}" for h in row["path"]
    )


def crosswalk_xlsx(svc: Any, rows: Sequence[MappingT[str, Any]], source_fw: str = "", target_fw: str = "") -> bytes:
    """Sheet "Crosswalk" (one row per link), sheet "Matrix" (sources × targets, relation per
    cell) and, for a whole matrix, sheet "No counterpart" (the target requirements the source
    framework has nothing for, with the reason)."""
    from graphsvc.exports.results import to_xlsx

    many_sources = len({svc.framework_of.get(expand(r["source_curie"]), "") for r in rows}) > 1
    many_targets = len({r.get("target_framework", "") for r in rows}) > 1

    def src_name(r: MappingT[str, Any]) -> str:
        fw = svc.framework_of.get(expand(r["source_curie"]), "")
        return f"{fw} {r['source']}" if many_sources else r["source"]

    def tgt_name(r: MappingT[str, Any]) -> str:
        return f"{r.get('target_framework', '')} {r['target']}" if many_targets else r["target"]

    sheet = [
        {
            "source": src_name(r),
            "source title": svc.requirement_info(expand(r["source_curie"]))["title"],
            "target": tgt_name(r),
            "target title": r.get("target_title", ""),
            "relation": r["relation"],
            "strength": r["strength"],
            "status": r["status"],
            "derived": "yes" if r["derived"] else "no",
            "source_ref": r["source_ref"],
            "comment": r["comment"] if not r["derived"] else chain_comment(svc, r),
            "path": _path_text(r),
        }
        for r in rows
    ]
    if not sheet:
        sheet = [dict.fromkeys(_CROSSWALK_COLUMNS, "")]

    def order(curie: str) -> tuple[str, int, str]:
        req = expand(curie)
        fw = svc.framework_of.get(req, "")
        cache = svc.cache("exports:order")
        if fw not in cache:
            cache[fw] = {item["iri"]: i for i, item in enumerate(svc.catalog_cached(fw))}
        return (fw, cache[fw].get(req, 10**9), curie)

    sources = sorted({r["source_curie"]: src_name(r) for r in rows}.items(), key=lambda kv: order(kv[0]))
    targets = sorted({r["target_curie"]: tgt_name(r) for r in rows}.items(), key=lambda kv: order(kv[0]))
    cell = {
        (r["source_curie"], r["target_curie"]): r["relation"] + (" (chained)" if r["derived"] else "") for r in rows
    }
    corner = "source \\ target"
    matrix = [
        {corner: name, **{tname: cell.get((scurie, tcurie), "") for tcurie, tname in targets}}
        for scurie, name in sources
    ] or [{corner: ""}]
    sheets: dict[str, list[dict[str, Any]]] = {"Crosswalk": sheet, "Matrix": matrix}
    if source_fw and target_fw:
        nothing = [
            {
                "target": svc.notation_of(nc.object),
                "target title": svc.requirement_info(nc.object)["title"],
                "searched framework": source_fw,
                "decision": "no counterpart",
                "reason": nc.reason,
                "source_ref": nc.source,
                "status": nc.status,
            }
            for nc in no_counterparts(svc, source_fw, target_fw)
        ]
        sheets["No counterpart"] = nothing or [dict.fromkeys(("target", "reason"), "")]
    return to_xlsx(sheets, status_column=None)


_CROSSWALK_COLUMNS = (
    "source",
    "source title",
    "target",
    "target title",
    "relation",
    "strength",
    "status",
    "derived",
    "source_ref",
    "comment",
    "path",
)
