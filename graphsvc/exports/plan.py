"""A plan (:mod:`graphsvc.domain.plan`) as rows, CSV, an xlsx workbook and OSCAL Plan of Action and Milestones.

* :func:`plan_rows`: one flat row per action, shared by the CLI table, CSV and the workbook.
  The first column (``system``) is never empty, so a spreadsheet sorts and filters on it.
* :func:`plan_csv`: those rows as CSV (cells a spreadsheet would evaluate are escaped).
* :func:`plan_workbook`: a ``Summary`` sheet, one sheet per system named from its short label
  (the system's id, at most 31 characters, none of ``[]:*?/\\``, unique without regard to case
  as Excel requires), and a ``Suggestions`` sheet with one row per mapping hop; every sheet has
  an autofilter over its table and a frozen header row.
* :func:`plan_poam`: an OSCAL 1.2 ``plan-of-action-and-milestones`` (JSON-ready dict). Each
  action is a ``poam-item`` with its ``risk`` (status from the organisation's action status,
  deadline from the due date, the organisation's planned remediation with a milestone on the
  due date, and one ``recommendation`` remediation per suggestion carrying its mapping rows) and
  the coverage ``observation`` it rests on. Owners become parties with the ``action-owner`` role.
  UUIDs are version-5 UUIDs of the subjects' IRIs, so the same plan gives the same document after
  any rebuild; ``last-modified`` is the plan's date (midnight UTC), not the time of export.
  compliance-trestle's model (``trestle.oscal.poam.Model``) reads the result; tests check it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Sequence
from typing import Any

from graphsvc.domain.plan import Action, Plan, Suggestion, SystemPlan
from graphsvc.errors import QueryParameterError
from graphsvc.exports.oscal import OSCAL_VERSION, PROP_NS, one_line, oscal_uuid
from graphsvc.exports.results import fill_sheet, jsonable, to_csv
from graphsvc.exports.workbook import sheet_name as workbook_sheet_name
from graphsvc.namespaces import expand

__all__ = [
    "COLUMNS",
    "FORMATS",
    "plan_csv",
    "plan_poam",
    "plan_rows",
    "plan_workbook",
    "render",
    "sheet_name",
    "suggestion_rows",
]

#: Columns of a plan row, in order; ``system`` first and always filled.
COLUMNS = (
    "system",
    "requirement",
    "notation",
    "title",
    "group",
    "kind",
    "coverage",
    "would_be",
    "binds_from",
    "due",
    "overdue",
    "status",
    "owner",
    "notes",
    "suggestions",
    "justification",
    "residual",
    "why",
    "action",
)
#: The formats :func:`render` writes (the CLI adds ``table``).
FORMATS = ("csv", "json", "xlsx", "oscal")
#: The organisation's action status → OSCAL risk status.
RISK_STATUS = {"open": "open", "in-progress": "remediating", "done": "closed", "risk-accepted": "deviation-approved"}


# -- rows -------------------------------------------------------------------------------------------
def _set_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _suggestion_text(s: Suggestion) -> str:
    rank = f"rank {s.rank}" if s.rank is not None else "adds nothing new"
    return f"{s.framework} {s.notation} ({s.relation}, strength {s.strength}, {s.transfer}; {rank})"


def _justification_text(s: Suggestion) -> str:
    hops = " → ".join(
        f"{m.subject} {m.relation} {m.object} (strength {m.strength}, {_set_name(m.set)}; {m.source})"
        for m in s.mappings
    )
    return f"{s.framework} {s.notation}: {hops}"


def plan_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per action, with the columns of :data:`COLUMNS`."""
    out = []
    for a in plan.actions():
        out.append(
            {
                "system": a.system.removeprefix("gsd:system/"),
                "requirement": a.requirement,
                "notation": a.notation,
                "title": a.title,
                "group": a.group,
                "kind": a.kind,
                "coverage": a.coverage,
                "would_be": a.would_be,
                "binds_from": a.binds_from,
                "due": a.due,
                "overdue": a.overdue,
                "status": a.status,
                "owner": a.owner,
                "notes": a.notes,
                "suggestions": "; ".join(_suggestion_text(s) for s in a.suggestions),
                "justification": " | ".join(_justification_text(s) for s in a.suggestions),
                "residual": "; ".join(a.residual),
                "why": a.why,
                "action": a.id,
            }
        )
    return out


def suggestion_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per (action, suggestion, mapping hop): the long form of the justification."""
    out = []
    for a in plan.actions():
        for i, s in enumerate(a.suggestions, 1):
            for h, m in enumerate(s.mappings, 1):
                out.append(
                    {
                        "system": a.system.removeprefix("gsd:system/"),
                        "requirement": a.requirement,
                        "notation": a.notation,
                        "suggestion": i,
                        "framework": s.framework,
                        "implement": s.notation,
                        "implement_title": s.title,
                        "rank": s.rank,
                        "transfer": s.transfer,
                        "link_relation": s.relation,
                        "link_strength": s.strength,
                        "hop": h,
                        "subject": m.subject,
                        "relation": m.relation,
                        "object": m.object,
                        "strength": m.strength,
                        "mapping_status": m.status,
                        "set": _set_name(m.set),
                        "source": m.source,
                        "comment": m.comment,
                    }
                )
    return out


def plan_csv(plan: Plan) -> str:
    return to_csv(plan_rows(plan), COLUMNS)


# -- xlsx -------------------------------------------------------------------------------------------
def sheet_name(label: str, taken: list[str]) -> str:
    """The workbook's one naming rule (:func:`graphsvc.exports.workbook.sheet_name`), and the
    name added to ``taken``."""
    name = workbook_sheet_name(label, taken)
    taken.append(name)
    return name


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | dt.date):
        return value
    return str(value)


def _sheet(wb: Any, title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    colours = {"gap": "FFC7CE", "partial": "FFEB9C", "residual": "DDEBF7"}
    fill_sheet(
        wb.create_sheet(title=title), columns, rows, cell=_cell, colour_column="kind", colours=colours, width_cap=60
    )


def plan_workbook(plan: Plan) -> bytes:
    """The plan as xlsx: Summary, one sheet per system, Suggestions."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: list[str] = []
    layer = plan.law_layer
    summary: list[dict[str, Any]] = [
        {"item": "target framework", "value": plan.target},
        {"item": "as of", "value": plan.as_of},
        {"item": "law layer", "value": f"{layer.get('id', plan.law_version)}: {layer.get('title', '')}"},
        {"item": "legal status", "value": layer.get("statement", "")},
        {"item": "mappings used by coverage", "value": plan.mappings_used},
        {"item": "suggestions from", "value": f"{', '.join(plan.sources)} ({plan.suggestions_from})"},
    ]
    for s in plan.systems:
        counts = ", ".join(f"{k} {v}" for k, v in s.counts.items())
        summary.append({"item": f"{s.system} ({s.label})", "value": f"{len(s.actions)} actions: {counts}"})
    _sheet(wb, sheet_name("Summary", taken), ("item", "value"), summary)
    rows = plan_rows(plan)
    for s in plan.systems:
        short = s.system.removeprefix("gsd:system/")
        mine = [r for r in rows if r["system"] == short]
        _sheet(wb, sheet_name(short.rsplit("/", 1)[-1], taken), COLUMNS, mine)
    long = suggestion_rows(plan)
    cols = tuple(long[0]) if long else ("system", "requirement", "suggestion")
    _sheet(wb, sheet_name("Suggestions", taken), cols, long)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- OSCAL POA&M -----------------------------------------------------------------------------------
def _props(**values: Any) -> list[dict[str, str]]:
    """OSCAL props in graphsvc's namespace; empty values are left out (OSCAL wants a value)."""
    out = []
    for name, value in values.items():
        text = one_line("yes" if value is True else "no" if value is False else value if value is not None else "")
        if text:
            out.append({"name": name.replace("_", "-"), "ns": PROP_NS, "value": text})
    return out


def _at(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _recommendation(a: Action, s: Suggestion, i: int) -> dict[str, Any]:
    hops = "; ".join(
        f"{m.subject} {m.relation} {m.object} (strength {m.strength}, status {m.status}, mapping set "
        f"{_set_name(m.set)}, source: {one_line(m.source)})" + (f": {one_line(m.comment)}" if m.comment else "")
        for m in s.mappings
    )
    what = "would satisfy" if s.transfer == "full" else "would reach, partly,"
    return {
        "uuid": oscal_uuid(expand(a.id), "suggestion", expand(s.curie)),
        "lifecycle": "recommendation",
        "title": f"Implement {s.framework} {s.notation} {s.title}".strip(),
        "description": f"Implementing {s.framework} {s.notation} {what} {a.notation} ({s.relation}, strength "
        f"{s.strength}{', chained' if s.derived else ''}). Justified by: {hops}.",
        "props": _props(
            framework=s.framework,
            requirement=s.curie,
            rank=s.rank if s.rank is not None else "",
            order=i,
            relation=s.relation,
            strength=s.strength,
            transfer=s.transfer,
        )
        + [
            {"name": "mapping", "ns": PROP_NS, "value": m.mapping, "remarks": f"mapping set {m.set}"}
            for m in s.mappings
        ],
    }


def plan_poam(plan: Plan) -> dict[str, Any]:
    """The plan as an OSCAL 1.2 plan of action and milestones (a JSON-ready dict)."""
    tool = oscal_uuid("https://w3id.org/graphsvc", "tool")
    parties: dict[str, dict[str, Any]] = {}
    for s in plan.systems:
        org = expand(s.organisation)
        parties.setdefault(org, {"uuid": oscal_uuid(org), "type": "organization", "name": s.organisation_label or org})
    owners: dict[tuple[str, str], str] = {}
    components = []
    observations = []
    risks = []
    items = []
    for s in plan.systems:
        org = expand(s.organisation)
        comp = oscal_uuid(expand(s.system))
        components.append(_component(s, comp))
        for a in s.actions:
            subject = expand(a.id)
            obs = oscal_uuid(subject, "observation", plan.as_of.isoformat(), plan.law_version)
            risk = oscal_uuid(subject, "risk")
            observations.append(_observation(plan, s, a, obs, comp, tool))
            risks.append(_risk(plan, a, risk, obs, org, owners))
            items.append(_poam_item(a, risk, obs, tool))
    for (org, name), pid in sorted(owners.items()):
        parties[pid] = {
            "uuid": pid,
            "type": "organization",
            "name": name,
            "member-of-organizations": [parties[org]["uuid"]],
        }
    doc: dict[str, Any] = {
        "uuid": _poam_uuid(plan),
        "metadata": _poam_metadata(plan, list(parties.values())),
        "local-definitions": {"components": components},
        "observations": observations,
        "risks": risks,
        "poam-items": items,
    }
    if len(plan.systems) == 1:
        doc["system-id"] = {"identifier-type": "https://w3id.org/graphsvc", "id": expand(plan.systems[0].system)}
    if not risks:
        doc.pop("risks")
        doc.pop("observations")
    return {"plan-of-action-and-milestones": doc}


def _component(s: SystemPlan, comp: str) -> dict[str, Any]:
    """The AI system as the document's ``this-system`` component."""
    return {
        "uuid": comp,
        "type": "this-system",
        "title": s.label,
        "description": f"{s.label}: AI system of {s.organisation_label}; roles {', '.join(s.roles)}; "
        f"EU AI Act categories {', '.join(s.categories)}.",
        "props": _props(system=s.system),
        "status": {"state": "operational"},
    }


def _observation(plan: Plan, s: SystemPlan, a: Action, obs: str, comp: str, tool: str) -> dict[str, Any]:
    """The coverage finding an action rests on, made by graphsvc (the tool) on the plan's date."""
    return {
        "uuid": obs,
        "title": f"{a.notation} is {a.coverage}" + (f" (would be {a.would_be})" if a.would_be else ""),
        "description": a.why,
        "props": _props(target_requirement=a.requirement, coverage_status=a.coverage, gap=a.gap),
        "methods": ["EXAMINE"],
        "types": ["finding"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "subjects": [{"subject-uuid": comp, "type": "component", "title": s.label}],
        "collected": _at(plan.as_of),
    }


def _risk(plan: Plan, a: Action, risk: str, obs: str, org: str, owners: dict[tuple[str, str], str]) -> dict[str, Any]:
    """An action's ``risk``: what is left to do, its status and deadline, and its remediations
    (an owner given a milestone is noted in ``owners``, by organisation and name)."""
    left = "; ".join(a.residual) if a.kind == "residual" else a.why
    entry: dict[str, Any] = {
        "uuid": risk,
        "title": f"{a.notation} {a.title}: {a.kind}",
        "description": f"{a.system_label}, {plan.target} {a.notation} ({a.title}): {a.kind}. {a.why}",
        "statement": left or a.why,
        "props": _props(
            kind=a.kind,
            target_requirement=a.requirement,
            group=a.group,
            binds_from=a.binds_from.isoformat() if a.binds_from else "",
            overdue=a.overdue,
        ),
        "status": RISK_STATUS[a.status],
        "related-observations": [{"observation-uuid": obs}],
    }
    if a.due:
        entry["deadline"] = _at(a.due)
    remediations: list[dict[str, Any]] = []
    if a.status != "risk-accepted":
        remediations.append(_planned(a, org, owners))
    remediations += [_recommendation(a, sug, i) for i, sug in enumerate(a.suggestions, 1)]
    if remediations:
        entry["remediations"] = remediations
    return entry


def _planned(a: Action, org: str, owners: dict[tuple[str, str], str]) -> dict[str, Any]:
    """The organisation's own remediation of an action, with a milestone on its due date."""
    subject = expand(a.id)
    planned: dict[str, Any] = {
        "uuid": oscal_uuid(subject, "remediation"),
        "lifecycle": "completed" if a.status == "done" else "planned",
        "title": f"Close {a.notation} for {a.system_label}",
        "description": a.notes or f"Action on {a.notation} ({a.kind}); no notes recorded yet.",
        "props": _props(action_status=a.status, owner=a.owner, recorded=a.recorded),
    }
    if a.due:
        task: dict[str, Any] = {
            "uuid": oscal_uuid(subject, "milestone", a.due.isoformat()),
            "type": "milestone",
            "title": f"{a.notation} closed",
            "timing": {"on-date": {"date": _at(a.due)}},
        }
        if a.owner:
            key = (org, a.owner)
            if key not in owners:
                owners[key] = oscal_uuid(org, "owner", a.owner)
            task["responsible-roles"] = [{"role-id": "action-owner", "party-uuids": [owners[key]]}]
        planned["tasks"] = [task]
    return planned


def _poam_item(a: Action, risk: str, obs: str, tool: str) -> dict[str, Any]:
    """An action as a ``poam-item``, pointing at its observation and risk."""
    subject = expand(a.id)
    item: dict[str, Any] = {
        "uuid": oscal_uuid(subject, "poam-item"),
        "title": f"{a.notation} {a.title} ({a.system_label})",
        "description": f"{a.kind}: {a.why}",
        "props": _props(
            system=a.system,
            target_requirement=a.requirement,
            kind=a.kind,
            action_status=a.status,
            owner=a.owner,
            due=a.due.isoformat() if a.due else "",
            overdue=a.overdue,
        ),
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "related-observations": [{"observation-uuid": obs}],
        "related-risks": [{"risk-uuid": risk}],
    }
    if a.notes:
        item["remarks"] = a.notes
    return item


def _poam_uuid(plan: Plan) -> str:
    """The document's UUID: of its target, law layer, date and systems, and of the plan's content."""
    digest = hashlib.sha256(json.dumps(jsonable(plan), sort_keys=True).encode()).hexdigest()
    key = "|".join([plan.target, plan.law_version, plan.as_of.isoformat(), *(s.system for s in plan.systems)])
    return oscal_uuid("https://w3id.org/graphsvc/plan", key, digest)


def _poam_metadata(plan: Plan, parties: list[dict[str, Any]]) -> dict[str, Any]:
    """The document's metadata: title, the plan's date as last-modified, the plan's basis as
    props, the action-owner role and the parties."""
    from graphsvc import __version__

    labels = ", ".join(s.label for s in plan.systems)
    return {
        "title": f"Plan of action and milestones: {labels} against {plan.target}",
        "last-modified": _at(plan.as_of),
        "version": f"{plan.as_of.isoformat()} ({plan.law_version})",
        "oscal-version": OSCAL_VERSION,
        "props": _props(
            generator=f"graphsvc {__version__}",
            target=plan.target,
            as_of=plan.as_of.isoformat(),
            law_layer=plan.law_version,
            legal_status=plan.law_layer.get("statement", ""),
            mappings_used=plan.mappings_used,
            suggestions_from=", ".join(plan.sources),
        ),
        "roles": [
            {
                "id": "action-owner",
                "title": "Action owner",
                "description": "Answers for closing an item of the plan (as the organisation recorded it).",
            }
        ],
        "parties": parties,
        "remarks": "Computed by graphsvc from coverage on the date and law layer named in the props; "
        "owners, statuses, own due dates and notes come from the organisation's actions. "
        "Suggestions follow " + plan.suggestions_from + ".",
    }


def render(plan: Plan, fmt: str) -> str | bytes:
    """The plan in one of :data:`FORMATS`.

    :raises QueryParameterError: another format.
    """
    if fmt == "csv":
        return plan_csv(plan)
    if fmt == "json":
        return json.dumps(jsonable(plan), indent=2, ensure_ascii=False) + "\n"
    if fmt == "xlsx":
        return plan_workbook(plan)
    if fmt == "oscal":
        return json.dumps(plan_poam(plan), indent=2, ensure_ascii=False) + "\n"
    raise QueryParameterError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
