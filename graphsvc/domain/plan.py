"""Plan: what coverage leaves to an organisation, as actions with due dates, owners and ways to close them.

``plan(svc, "contoso/hr-screening", "euaia")`` runs the coverage of the system
(:func:`graphsvc.domain.coverage.system_coverage`, nothing re-computed here) and turns every row that
leaves something to do into an :class:`Action`:

* ``gap``: nothing that holds on the date reaches the target requirement;
* ``partial``: only partial paths reach it;
* ``residual``: it is satisfied, but a provider's shared control or certificate leaves a
  responsibility to the organisation (the coverage row's ``residual`` texts).

An obligation that binds the system only later (``upcoming``) or on a condition not yet known
(``conditional``) counts by the status it would have then (coverage's ``would_be``), so a team
can prepare; ``not-applicable`` rows are never actions. The **due date** is the date the
requirement binds the system from (the applicability row of the law layer asked about), unless
the organisation sets a date of its own.

**Suggestions.** For a gap or partial item, the requirements of each source framework
(``sources``; by default every framework a mapping set links to the target) whose implementation would reach it
through approved mappings, ranked by the greedy cover of
:meth:`graphsvc.domain.crosswalk.CrosswalkIndex.greedy_cover`, the same computation as
``graphsvc cover``, restricted to the system's open items: rank 1 is the source requirement
that reaches most of them. Each suggestion carries the mapping rows that justify it
(relation, strength, mapping set, source), one per hop for a chained link. A source
requirement the system already implements toward the item (the start of one of its own
coverage paths) is not suggested again.

**What the organisation records.** Owner, status (``open``, ``in-progress``, ``done``,
``risk-accepted``), an own due date and notes live in the organisation's YAML under
``actions:`` (docs/orgdata.md), which ``graphsvc build`` reads into the organisation's private
graph (:mod:`graphsvc.sources.orgdata`); this module reads them back with the ``org_actions`` named
query. An action without ``system`` applies to every system of the organisation. Because the
plan is computed from coverage on each call and the recorded fields come from the YAML, a
rebuild keeps both. Another tenant's view (:class:`graphsvc.store.tenancy.ScopedStore`) cannot read
the private graph, so it sees neither the recorded fields nor the private controls.

Plans are plain dataclasses; :func:`graphsvc.exports.results.jsonable` turns them into JSON, and
:mod:`graphsvc.exports.plan` into CSV, xlsx and OSCAL POA&M.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphsvc.domain import coverage as C
from graphsvc.domain.coverage_assess import targets
from graphsvc.domain.crosswalk import Hop, Link
from graphsvc.domain.reach import GROUP_KINDS
from graphsvc.domain.resolve import resolve_system
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.namespaces import GSD, compress, expand, org_graph
from graphsvc.sources.decisions import linked_frameworks
from graphsvc.sources.layers import describe_layer, resolve_layer
from graphsvc.sources.orgdata import ACTION_STATUSES, action_iri

__all__ = [
    "ACTION_STATUSES",
    "CLOSED",
    "KINDS",
    "Action",
    "MappingRow",
    "Plan",
    "Recorded",
    "Suggestion",
    "SystemPlan",
    "org_plan",
    "plan",
]

#: What an item of the plan is: nothing reaches it, only partly, or satisfied with a duty left.
KINDS = ("gap", "partial", "residual")
#: Statuses with which an item is no longer waiting on anyone.
CLOSED = frozenset({"done", "risk-accepted"})
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
_FAR = dt.date.max


@dataclass(frozen=True)
class MappingRow:
    """One mapping row of a suggestion's justification, as its mapping set states it."""

    mapping: str  # the row's IRI
    subject: str  # CURIE, as in the set
    relation: str  # as in the set: subject relation object
    object: str
    strength: int
    status: str
    set: str  # the mapping set's IRI
    source: str  # where the row comes from (clause, document, or the project's own analysis)
    comment: str
    walked_backwards: bool  # the link reads the row from object to subject


@dataclass(frozen=True)
class Suggestion:
    """A requirement of a source framework whose implementation would reach the item."""

    framework: str
    curie: str
    notation: str
    title: str
    rank: int | None  # its pick in the greedy cover of the system's open items (None: adds nothing new)
    reaches: int  # open items it is the first to reach in that cover (0 when not picked)
    relation: str  # of the link, read source → item (composed for a chained link)
    transfer: str  # full (implementing it would satisfy the item) or partial
    strength: int  # the link's weakest hop
    derived: bool  # a chained link
    mappings: list[MappingRow]


@dataclass(frozen=True)
class Recorded:
    """An action as the organisation recorded it in its YAML (``actions:``)."""

    id: str  # CURIE of the action node
    requirement: str  # CURIE
    system: str  # CURIE, or "" for every system
    status: str
    owner: str
    due: dt.date | None
    notes: str


@dataclass
class Action:
    """One item of the plan: a target requirement that leaves something to do for one system."""

    id: str  # stable: gsd:action/<org>/<system>/<requirement>
    system: str
    system_label: str
    requirement: str  # CURIE of the target requirement
    notation: str
    title: str
    group: str  # the article (clause, category) it belongs to, e.g. "Article 9"
    kind: str  # gap | partial | residual
    coverage: str  # coverage status on the date: gap, partial, satisfied, upcoming or conditional
    would_be: str  # for upcoming and conditional items, the status the paths give it
    binds_from: dt.date | None  # from coverage's applicability row (EU AI Act targets)
    due: dt.date | None  # the organisation's own date, else binds_from
    overdue: bool  # not closed, and it already binds or its due date has passed on the date asked about
    gap: str  # no-counterpart | not-reached (gaps only)
    why: str  # coverage's explanation
    residual: list[str]
    status: str  # the organisation's: open (default), in-progress, done, risk-accepted
    owner: str
    notes: str
    recorded: str  # CURIE of the recorded action it takes those fields from, or ""
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass
class SystemPlan:
    system: str  # CURIE
    label: str
    organisation: str  # CURIE
    organisation_label: str
    roles: list[str]
    categories: list[str]
    coverage: dict[str, int]  # coverage's summary, for comparison
    counts: dict[str, int]  # actions by kind
    actions: list[Action]
    recorded_only: list[Recorded]  # recorded for this system, but coverage leaves nothing there


@dataclass
class Plan:
    target: str
    as_of: dt.date
    law_version: str
    law_layer: dict[str, Any]
    sources: list[str]
    mappings_used: str
    suggestions_from: str
    systems: list[SystemPlan]

    def actions(self) -> list[Action]:
        return [a for s in self.systems for a in s.actions]


# -- recorded actions -----------------------------------------------------------------------------
def recorded_actions(svc: Any, org: str) -> list[Recorded]:
    """The actions an organisation recorded, read from its private graph only (an empty list
    for a caller who may not read it)."""
    org_iri = org if org.startswith("http") else GSD + "org/" + org
    rows = svc.select("org_actions", org=org_iri, graphs=[org_graph(org_iri.rsplit("/", 1)[-1])])
    return [
        Recorded(
            id=compress(r["action"]),
            requirement=compress(r["req"]),
            system=compress(r["system"]) if r.get("system") else "",
            status=r["status"],
            owner=r.get("owner", ""),
            due=r.get("due"),
            notes=r.get("notes", ""),
        )
        for r in rows
    ]


# -- suggestions ------------------------------------------------------------------------------------
def _links_into(svc: Any, source_fw: str, target_fw: str, depth: int) -> dict[str, list[Link]]:
    """target IRI → approved links from requirements of ``source_fw`` that reach it (cached)."""
    cache = svc.cache("plan_links")
    key = (source_fw, target_fw, depth)
    if key not in cache:
        index = svc.crosswalk_index()
        out: dict[str, list[Link]] = {}
        for req, fw in sorted(svc.framework_of.items()):
            if fw != source_fw:
                continue
            for lk in index.links(req, depth=depth, to_framework=target_fw):
                if lk.transfer != "none":
                    out.setdefault(lk.target, []).append(lk)
        cache[key] = out
    result: dict[str, list[Link]] = cache[key]
    return result


def _mapping_row(hop: Hop) -> MappingRow:
    m = hop.mapping
    return MappingRow(
        mapping=m.iri,
        subject=compress(m.subject),
        relation=m.relation,
        object=compress(m.object),
        strength=m.strength,
        status=m.status,
        set=m.set_id,
        source=m.source,
        comment=m.comment,
        walked_backwards=hop.inverted,
    )


def _suggestions(
    svc: Any,
    target: str,
    open_items: set[str],
    sources: Sequence[str],
    depth: int,
) -> dict[str, list[Suggestion]]:
    """Every suggestion for every open item, ranked (best first)."""
    index = svc.crosswalk_index()
    order = {fw: i for i, fw in enumerate(sources)}
    out: dict[str, list[Suggestion]] = {}
    for fw in sources:
        into = _links_into(svc, fw, target, depth)
        picks = index.greedy_cover(fw, target, budget=len(open_items), depth=depth, within=open_items)
        rank = {req: (i, len(new)) for i, (req, new) in enumerate(picks, 1)}
        for item in open_items:
            for lk in into.get(item, []):
                info = svc.requirement_info(lk.source)
                r, n = rank.get(lk.source, (None, 0))
                out.setdefault(item, []).append(
                    Suggestion(
                        framework=fw,
                        curie=info["curie"],
                        notation=info["notation"],
                        title=info["title"],
                        rank=r,
                        reaches=n,
                        relation=lk.relation,
                        transfer=lk.transfer,
                        strength=lk.strength,
                        derived=lk.derived,
                        mappings=[_mapping_row(h) for h in lk.hops],
                    )
                )
    for found in out.values():
        found.sort(
            key=lambda s: (
                s.rank is None,
                s.rank or 0,
                s.transfer != "full",
                -s.strength,
                order[s.framework],
                s.notation,
            )
        )
    return out


# -- the plan ---------------------------------------------------------------------------------------
def _group(svc: Any, req: str, target: str) -> str:
    by_iri = {c["iri"]: c for c in svc.catalog_cached(target)}
    line = [by_iri[x] for x in svc.lineage(req) if x in by_iri]
    if not line:
        return ""
    g = next((x for x in line if x["kind"] in GROUP_KINDS), line[-1])
    return str(g["notation"])


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _own_starts(row: dict[str, Any]) -> set[str]:
    """Requirements the system itself already implements toward this row (its own paths)."""
    return {expand(p["requirement"]["curie"]) for p in row.get("paths") or [] if p["origin"] == "own"}


def _item_kind(row: dict[str, Any]) -> str | None:
    effective = row.get("would_be") or row["status"]
    if row["status"] == "not-applicable":
        return None
    if effective in {"gap", "partial"}:
        return str(effective)
    if effective == "satisfied" and row["residual"]:
        return "residual"
    return None


def _check_sources(svc: Any, target: str, sources: Sequence[str] | None) -> list[str]:
    if sources is None:  # every framework some mapping set links to the target
        linked = linked_frameworks(svc, target)
        return [f for f in svc.framework_ids() if f != target and f in linked]
    out: list[str] = []
    for fw in sources:
        svc.check_framework(fw)
        if fw == target:
            raise QueryParameterError(f"--from {fw}: suggestions come from a framework other than the target")
        if fw not in out:
            out.append(fw)
    return out


def _action(
    svc: Any,
    r: dict[str, Any],
    kind: str,
    sysinfo: dict[str, Any],
    target: str,
    rec: Recorded | None,
    ideas: list[Suggestion],
    as_of: dt.date,
    max_suggestions: int | None,
) -> Action:
    """The action for coverage row ``r`` of a system: dates and what the organisation recorded
    (``rec``), and for a gap or partial item the first ``max_suggestions`` of ``ideas`` (None:
    all) the system does not already implement toward it."""
    org_id = compress(sysinfo["org"]).rsplit("/", 1)[-1]
    binds_from = _date((r.get("applicability") or {}).get("from"))
    due = (rec.due if rec else None) or binds_from
    status = rec.status if rec else "open"
    own = _own_starts(r)
    found = [s for s in ideas if expand(s.curie) not in own] if kind != "residual" else []
    return Action(
        id=compress(action_iri(org_id, expand(sysinfo["id"]).rsplit("/", 1)[-1], r["curie"])),
        system=sysinfo["id"],
        system_label=sysinfo["label"],
        requirement=r["curie"],
        notation=r["notation"],
        title=r["title"],
        group=_group(svc, expand(r["curie"]), target),
        kind=kind,
        coverage=r["status"],
        would_be=r.get("would_be") or "",
        binds_from=binds_from,
        due=due,
        overdue=status not in CLOSED and any(d is not None and d <= as_of for d in (binds_from, due)),
        gap=(r.get("gap") or {}).get("kind", "") if kind == "gap" else "",
        why=r["explanation"],
        residual=list(r["residual"]),
        status=status,
        owner=rec.owner if rec else "",
        notes=rec.notes if rec else "",
        recorded=rec.id if rec else "",
        suggestions=found if max_suggestions is None else found[:max_suggestions],
    )


def system_plan(
    svc: Any,
    system: str,
    target: str,
    opts: C.Options,
    sources: Sequence[str],
    *,
    max_suggestions: int | None = 3,
    kinds: Sequence[str] = KINDS,
) -> SystemPlan:
    """The plan of one AI system (see the module docstring); ``counts`` counts every item, while
    ``actions`` holds those of ``kinds``."""
    cov = C.system_coverage(svc, system, target, opts, explain=True)
    sysinfo = cov["system"]
    org_curie = compress(sysinfo["org"])
    rows = [(r, k) for r in cov["requirements"] if (k := _item_kind(r)) is not None]
    open_items = {expand(r["curie"]) for r, k in rows if k != "residual"}
    ideas = _suggestions(svc, target, open_items, sources, opts.depth)
    recorded = recorded_actions(svc, org_curie.rsplit("/", 1)[-1])
    mine = {(x.requirement, x.system): x for x in recorded}
    actions: list[Action] = []
    for r, kind in rows:
        rec = mine.get((r["curie"], sysinfo["id"])) or mine.get((r["curie"], ""))
        found = ideas.get(expand(r["curie"]), [])
        actions.append(_action(svc, r, kind, sysinfo, target, rec, found, opts.as_of, max_suggestions))
    position = {t["iri"]: i for i, t in enumerate(targets(svc, target))}
    actions.sort(key=lambda a: (a.due or _FAR, _KIND_ORDER[a.kind], position.get(expand(a.requirement), 0)))
    items = {a.requirement for a in actions}
    recorded_only = [
        x
        for x in recorded
        if x.system == sysinfo["id"]
        and x.requirement not in items
        and svc.framework_of.get(expand(x.requirement)) == target
    ]
    counts = dict.fromkeys(KINDS, 0)
    for a in actions:
        counts[a.kind] += 1
    return SystemPlan(
        system=sysinfo["id"],
        label=sysinfo["label"],
        organisation=org_curie,
        organisation_label=sysinfo.get("org_label", ""),
        roles=list(sysinfo.get("roles", [])),
        categories=list(sysinfo.get("categories", [])),
        coverage=dict(cov["summary"]),
        counts=counts,
        actions=[a for a in actions if a.kind in kinds],
        recorded_only=recorded_only,
    )


def plan(
    svc: Any,
    system: str | Sequence[str],
    target: str,
    *,
    on: dt.date | None = None,
    law_version: str | None = None,
    sources: Sequence[str] | None = None,
    depth: int = 2,
    include_proposed: bool = False,
    max_suggestions: int | None = 3,
    kinds: Sequence[str] | None = None,
) -> Plan:
    """The plan of one AI system (``ORG/ID``, a CURIE or an IRI) or several, against ``target``
    on ``on`` (default today) in the law layer ``law_version`` (default: the one in force).

    ``svc`` is a :class:`graphsvc.service.GraphService` (or a scoped view of one, as the API
    builds per caller). ``sources`` are the frameworks suggestions come from (default: every
    framework a mapping set links to the target); ``max_suggestions`` per item (None: all); ``kinds`` keeps only the
    actions of those kinds (default all of :data:`KINDS`).

    :raises UnknownTerm: an unknown system, framework or law layer.
    :raises QueryParameterError: a source equal to the target, an unknown kind, or a bad number.
    """
    systems = [system] if isinstance(system, str) else list(system)
    if not systems:
        raise QueryParameterError("name at least one AI system (ORG/ID)")
    if max_suggestions is not None and max_suggestions < 0:
        raise QueryParameterError(f"suggestions: {max_suggestions} is not a number ≥ 0")
    wanted = tuple(kinds) if kinds else KINDS
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        raise QueryParameterError(f"kind {', '.join(unknown)}: expected one of {', '.join(KINDS)}")
    if not 1 <= depth <= 3:
        raise QueryParameterError(f"depth: {depth} is not between 1 and 3")
    svc.check_framework(target)
    src = _check_sources(svc, target, sources)
    day = on or dt.date.today()
    layer = resolve_layer(svc, law_version or svc.settings.law_version, day)
    opts = C.Options(as_of=day, layer=layer, depth=depth, include_proposed=include_proposed)
    resolved = list(dict.fromkeys(resolve_system(svc, s) for s in systems))
    return Plan(
        target=target,
        as_of=day,
        law_version=layer,
        law_layer=describe_layer(svc, layer),
        sources=src,
        mappings_used="approved and proposed" if include_proposed else "approved only",
        suggestions_from="approved mappings only, ranked by the greedy cover of each source framework",
        systems=[
            system_plan(svc, s, target, opts, src, max_suggestions=max_suggestions, kinds=wanted) for s in resolved
        ],
    )


def org_plan(svc: Any, org: str, target: str, **kwargs: Any) -> Plan:
    """The plan of every AI system an organisation operates (see :func:`plan`).

    :raises UnknownTerm: the organisation has no AI systems in the graph.
    """
    org_iri = org if org.startswith("http") else GSD + "org/" + org.removeprefix("gsd:org/")
    systems = [r["system"] for r in svc.select("org_systems", org=org_iri)]
    if not systems:
        raise UnknownTerm(f"organisation {org!r} has no AI systems in the graph (or does not exist)")
    return plan(svc, systems, target, **kwargs)
