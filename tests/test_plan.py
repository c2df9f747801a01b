"""The plan (graphsvc.domain.plan): what coverage leaves to an organisation, as actions.

Checked against coverage's and the greedy cover's own answers on the shipped example data
(mappings/examples/contoso.yaml records five actions), not against hard-coded counts alone.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import app_over_copy
from typer.testing import CliRunner

from graphsvc.config import Settings, load_settings
from graphsvc.domain import coverage as C
from graphsvc.domain import plan as P
from graphsvc.domain.applicability import answer
from graphsvc.errors import DataLoadError
from graphsvc.exports import plan as X
from graphsvc.namespaces import expand, graph_iri
from graphsvc.service import GraphService
from graphsvc.sources.layers import resolve_layer

DAY = dt.date(2026, 11, 23)  # the date the example data is written around (mappings/examples/contoso.yaml)
HR = "contoso/hr-screening"
COPILOT = "contoso/m365-copilot-use"
OWN_DUE = {"14(4)(e)": dt.date(2027, 6, 30)}  # the due date contoso.yaml records for hr-screening


@pytest.fixture(scope="module")
def hr_plan(service: GraphService) -> P.Plan:
    return P.plan(service, HR, "euaia", on=DAY, law_version="amended", max_suggestions=None)


@pytest.fixture(scope="module")
def org_plan(service: GraphService) -> P.Plan:
    return P.org_plan(service, "contoso", "euaia", on=DAY, law_version="amended")


def _coverage(service: GraphService, system: str, target: str = "euaia", layer: str = "amended") -> dict[str, Any]:
    opts = C.Options(as_of=DAY, layer=resolve_layer(service, layer, DAY))
    return C.system_coverage(service, system, target, opts)


# -- the items are coverage's ---------------------------------------------------------------------
@pytest.mark.parametrize(("system", "target"), [(HR, "euaia"), (COPILOT, "euaia"), (HR, "iso42001")])
def test_the_plan_has_every_gap_partial_and_residual_that_coverage_reports(
    service: GraphService, system: str, target: str
) -> None:
    cov = _coverage(service, system, target)
    result = P.plan(service, system, target, on=DAY, law_version="amended")
    [sp] = result.systems
    expected: dict[str, str] = {}
    for r in cov["requirements"]:
        if r["status"] == "not-applicable":
            continue
        effective = r.get("would_be") or r["status"]
        if effective in {"gap", "partial"}:
            expected[r["curie"]] = effective
        elif effective == "satisfied" and r["residual"]:
            expected[r["curie"]] = "residual"
    assert {a.requirement: a.kind for a in sp.actions} == expected
    assert sp.coverage == cov["summary"]
    # the summary's own gap and partial counts are all in the plan (plus upcoming/conditional ones)
    assert sp.counts["gap"] >= cov["summary"]["gap"] and sp.counts["partial"] >= cov["summary"]["partial"]
    assert sum(sp.counts.values()) == len(sp.actions) == len(expected)
    by_curie = {r["curie"]: r for r in cov["requirements"]}
    for a in sp.actions:
        row = by_curie[a.requirement]
        assert (a.coverage, a.would_be, a.why, a.residual) == (
            row["status"],
            row.get("would_be") or "",
            row["explanation"],
            row["residual"],
        )
        assert a.gap == ((row.get("gap") or {}).get("kind", "") if a.kind == "gap" else "")


def test_the_example_plan_has_each_kind(hr_plan: P.Plan) -> None:
    counts = hr_plan.systems[0].counts
    assert counts["gap"] > 0 and counts["partial"] > 0 and counts["residual"] > 0
    kinds = {a.notation: a.kind for a in hr_plan.actions()}
    assert kinds["5(1)(a)"] == "gap"  # a prohibition nothing in the starting frameworks reaches
    assert kinds["Article 4"] == "residual"  # satisfied, with what the provider leaves to Contoso


def test_actions_are_sorted_by_due_date_and_ids_are_stable(hr_plan: P.Plan, service: GraphService) -> None:
    dues = [a.due or dt.date.max for a in hr_plan.actions()]
    assert dues == sorted(dues)
    again = P.plan(service, HR, "euaia", on=DAY, law_version="amended", max_suggestions=None)
    assert [a.id for a in again.actions()] == [a.id for a in hr_plan.actions()]
    assert all(a.id.startswith("gsd:action/contoso/hr-screening/") for a in hr_plan.actions())


# -- due dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", ["adopted", "amended"])
def test_due_dates_are_the_dates_the_requirements_bind_from(service: GraphService, layer: str) -> None:
    result = P.plan(service, HR, "euaia", on=DAY, law_version=layer)
    assert result.law_version == layer and result.law_layer["id"] == layer
    facts = answer(
        service,
        system=C.resolve_system(service, HR),
        roles=[],
        categories=[],
        facts={},
        as_of=DAY,
        layer=layer,
        include_all=True,
    )
    binds: dict[str, set[dt.date]] = {}
    for item in facts["items"]:
        if item["status"] != "does-not-apply":
            binds.setdefault(item["curie"], set()).add(item["from"])
    for a in result.actions():
        assert a.binds_from in binds[a.requirement], a.requirement
        assert a.due == OWN_DUE.get(a.notation, a.binds_from)  # Contoso's own date where it set one
        assert a.overdue == (
            a.status not in P.CLOSED and any(d is not None and d <= DAY for d in (a.binds_from, a.due))
        )
    due = {a.notation: a.binds_from for a in result.actions()}
    assert due["5(1)"] == dt.date(2025, 2, 2)
    # the high-risk obligations of Chapter III bind later as amended than as adopted
    assert due["9(2)"] == (dt.date(2026, 8, 2) if layer == "adopted" else dt.date(2027, 12, 2))


def test_a_target_without_dates_gives_no_due_date(service: GraphService) -> None:
    result = P.plan(service, HR, "iso42001", on=DAY)
    assert result.actions() and all(a.binds_from is None for a in result.actions())
    assert all(a.due is None and not a.overdue for a in result.actions() if not a.recorded)


# -- suggestions ----------------------------------------------------------------------------------------
def test_suggestions_are_ranked_by_the_greedy_cover_of_the_open_items(service: GraphService) -> None:
    result = P.plan(service, HR, "euaia", on=DAY, law_version="amended", sources=["iso42001"], max_suggestions=None)
    [sp] = result.systems
    open_items = {expand(a.requirement) for a in sp.actions if a.kind != "residual"}
    picks = service.crosswalk_index().greedy_cover("iso42001", "euaia", len(open_items), within=open_items)
    rank = {service.requirement_info(req)["curie"]: (i, len(new)) for i, (req, new) in enumerate(picks, 1)}
    assert picks and all(set(new) <= open_items for _req, new in picks)
    seen_rank_one = False
    for a in sp.actions:
        ranks = [s.rank for s in a.suggestions]
        assert [r for r in ranks if r is not None] == sorted(r for r in ranks if r is not None)
        assert ranks == [r for r in ranks if r is not None] + [None] * ranks.count(None), "unranked last"
        for s in a.suggestions:
            assert s.framework == "iso42001"
            assert (s.rank, s.reaches) == rank.get(s.curie, (None, 0))
            seen_rank_one |= s.rank == 1
        if a.kind == "residual":
            assert a.suggestions == []
    assert seen_rank_one
    # the cover's first pick is suggested for every open item it newly reaches
    first, new = picks[0]
    first_curie = service.requirement_info(first)["curie"]
    for a in sp.actions:
        if expand(a.requirement) in new:
            assert first_curie in {s.curie for s in a.suggestions}


def test_the_greedy_cover_is_unchanged_without_within(service: GraphService) -> None:
    from graphsvc.service import cover

    index = service.crosswalk_index()
    picks = index.greedy_cover("iso42001", "euaia", 12, 2)
    assert [r["curie"] for r in cover(service, "iso42001", "euaia")] == [
        service.requirement_info(req)["curie"] for req, _new in picks
    ]
    everything = set(index.framework_of)
    assert index.greedy_cover("iso42001", "euaia", 12, 2, within=everything) == picks


def test_every_suggestion_is_justified_by_real_mapping_rows(hr_plan: P.Plan, service: GraphService) -> None:
    rows = {m.iri: m for m in service.mappings()}
    checked = 0
    for a in hr_plan.actions():
        for s in a.suggestions:
            assert s.mappings and s.transfer in {"full", "partial"} and 1 <= s.strength <= 10
            assert s.strength == min(m.strength for m in s.mappings)
            here = expand(s.curie)
            for m in s.mappings:
                real = rows[m.mapping]
                assert not real.derived and real.status == "approved"
                assert (expand(m.subject), m.relation, expand(m.object), m.strength, m.set, m.source) == (
                    real.subject,
                    real.relation,
                    real.object,
                    real.strength,
                    real.set_id,
                    real.source,
                )
                start, end = (real.object, real.subject) if m.walked_backwards else (real.subject, real.object)
                assert start == here
                here = end
                checked += 1
            assert here == expand(a.requirement), "the rows lead from the suggestion to the item"
            assert s.derived == (len(s.mappings) > 1)
    assert checked > 100


def test_requirements_the_system_already_implements_are_not_suggested_again(
    hr_plan: P.Plan, service: GraphService
) -> None:
    """A source requirement that starts one of the system's own coverage paths to an item (HR-LOG-01
    implements ISO/IEC 42001 A.6.2.8, evidenced) is in place already: it is not suggested for that item."""
    opts = C.Options(as_of=DAY, layer="amended")
    rows = {r["curie"]: r for r in C.system_coverage(service, HR, "euaia", opts)["requirements"]}
    index = service.crosswalk_index()
    skipped = 0
    for a in hr_plan.actions():
        own = {p["requirement"]["curie"] for p in rows[a.requirement].get("paths") or [] if p["origin"] == "own"}
        suggested = {s.curie for s in a.suggestions}
        assert not own & suggested, a.requirement
        for curie in own:
            links = index.links(expand(curie), to_framework="euaia")
            skipped += any(lk.target == expand(a.requirement) for lk in links)
    assert skipped, "the example has source requirements in place that would otherwise be suggested"


def test_suggestion_options_are_checked(service: GraphService) -> None:
    from graphsvc.errors import QueryParameterError, UnknownTerm

    with pytest.raises(QueryParameterError, match="other than the target"):
        P.plan(service, HR, "euaia", on=DAY, sources=["euaia"])
    with pytest.raises(UnknownTerm, match="unknown framework"):
        P.plan(service, HR, "euaia", on=DAY, sources=["iso27001"])
    with pytest.raises(QueryParameterError, match="gap, partial, residual"):
        P.plan(service, HR, "euaia", on=DAY, kinds=["gaps"])
    with pytest.raises(UnknownTerm, match="amende"):
        P.plan(service, HR, "euaia", on=DAY, law_version="amende")
    three = P.plan(service, HR, "euaia", on=DAY, max_suggestions=3, kinds=["gap"])
    assert three.actions() and all(len(a.suggestions) <= 3 and a.kind == "gap" for a in three.actions())
    assert three.sources == ["iso42001", "nistairmf"]  # the frameworks mapped to the EU AI Act


# -- what the organisation records --------------------------------------------------------------------
def test_recorded_actions_appear_in_the_plan(org_plan: P.Plan) -> None:
    items = {(a.system, a.notation): a for a in org_plan.actions()}
    stop = items[("gsd:system/contoso/hr-screening", "14(4)(e)")]
    assert (stop.owner, stop.status, stop.due) == ("HR technology product owner", "in-progress", dt.date(2027, 6, 30))
    assert "HR-HO-02" in stop.notes and stop.recorded == "gsd:action/contoso/hr-screening/euaia-art14.4.e"
    assert stop.binds_from == dt.date(2027, 12, 2) and not stop.overdue
    # an action without a system is every system's
    for system in ("gsd:system/contoso/hr-screening", "gsd:system/contoso/m365-copilot-use"):
        ban = items[(system, "5(1)")]
        assert (ban.owner, ban.status, ban.recorded) == (
            "Legal and compliance",
            "done",
            "gsd:action/contoso/_all/euaia-art5.1",
        )
        assert ban.coverage == "gap" and not ban.overdue  # done by the organisation's word, gap by the graph's
    labels = items[("gsd:system/contoso/m365-copilot-use", "50(4)")]
    assert labels.due == dt.date(2026, 12, 31) and labels.binds_from == dt.date(2026, 8, 2)
    assert labels.overdue  # it binds already, whatever the organisation's own date
    qms = items[("gsd:system/contoso/hr-screening", "17(1)")]
    assert (qms.status, qms.due) == ("open", qms.binds_from)  # status defaults to open, due to the binding date
    unrecorded = items[("gsd:system/contoso/hr-screening", "5(1)(a)")]
    assert (unrecorded.status, unrecorded.owner, unrecorded.recorded) == ("open", "", "")
    [hr] = [s for s in org_plan.systems if s.system.endswith("hr-screening")]
    assert [(r.requirement, r.status) for r in hr.recorded_only] == [("euaia:art26.11", "done")]


def _copy_store(built: Settings, dest: Path, root: Path) -> Settings:
    shutil.copytree(built.store_path.resolve(), dest / "store-copy")
    (dest / "store").symlink_to("store-copy")
    return load_settings(environ={}, overrides={"root": str(root), "data_dir": str(dest)})


def _contoso(root: Path) -> Path:
    return root / "mappings" / "examples" / "contoso.yaml"


BAD_ACTIONS = [
    ("- requirement: euaia:art17.1", "- requirement: euaia:art999", "requirement", "not a requirement in the catalogs"),
    ("    notes: Extend the AI management", "    note: Extend the AI management", "note", "unknown key in 'actions'"),
    ("    due: 2027-06-30", "    due: 2027-13-45", "due", "is not a date"),
    ("status: in-progress\n    due: 2027-06-30", "status: started\n    due: 2027-06-30", "status", "not one of"),
    ("system: m365-copilot-use\n    owner: Corp", "system: copilot\n    owner: Corp", "system", "not defined"),
    (
        "system: hr-screening\n    owner: Quality",
        "system: microsoft/foundry\n    owner: Quality",
        "system",
        "only depends_on",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "message"), BAD_ACTIONS, ids=[b[2] + ": " + b[3] for b in BAD_ACTIONS])
def test_a_bad_actions_entry_fails_the_build_naming_file_and_field(
    project_copy: Path, tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    from graphsvc.build import compile_sources

    path = _contoso(project_copy)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    settings = load_settings(environ={}, overrides={"root": str(project_copy), "data_dir": str(tmp_path / "d")})
    with pytest.raises(DataLoadError) as err:
        compile_sources(settings)
    msg = str(err.value)
    assert f"{path}:" in msg and f"field {field!r}" in msg and message in msg, msg


def test_an_action_given_twice_is_refused(project_copy: Path, tmp_path: Path) -> None:
    from graphsvc.build import compile_sources

    path = _contoso(project_copy)
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - requirement: euaia:art14.4.e\n    system: contoso/hr-screening\n    owner: Someone else\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={}, overrides={"root": str(project_copy), "data_dir": str(tmp_path / "d")})
    with pytest.raises(DataLoadError, match=r"contoso\.yaml:\d+: field 'requirement': an action for euaia:art14.4.e"):
        compile_sources(settings)


def test_a_failed_build_leaves_the_store_and_its_actions_as_they_were(
    built_settings: Settings, project_copy: Path, tmp_path: Path
) -> None:
    from graphsvc.build import build

    settings = _copy_store(built_settings, tmp_path / "data", project_copy)
    before_target = (settings.data_path / "store").readlink()
    svc = GraphService.from_settings(settings)
    before = svc.select("org_actions", org=expand("gsd:org/contoso"))
    count = svc.store.count(graph_iri("org/contoso"))
    svc.store.close()
    path = _contoso(project_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("status: in-progress", "status: half-done", 1))
    with pytest.raises(DataLoadError, match=r"contoso\.yaml:\d+: field 'status': 'half-done' is not one of"):
        build(settings)
    assert (settings.data_path / "store").readlink() == before_target
    svc = GraphService.from_settings(settings)
    try:
        assert svc.select("org_actions", org=expand("gsd:org/contoso")) == before
        assert svc.store.count(graph_iri("org/contoso")) == count
    finally:
        svc.store.close()


@pytest.mark.slow
def test_recorded_fields_and_the_poam_survive_a_rebuild(writable: Settings) -> None:
    from graphsvc.build import build

    def snapshot() -> tuple[list[tuple[str, str, str, str]], dict[str, Any]]:
        svc = GraphService.from_settings(writable)
        try:
            result = P.org_plan(svc, "contoso", "euaia", on=DAY, law_version="amended")
            rows = [(a.id, a.owner, a.status, a.notes) for a in result.actions() if a.recorded]
            return rows, X.plan_poam(result)
        finally:
            svc.store.close()

    build(writable)
    first = snapshot()
    build(writable)
    second = snapshot()
    assert first[0] and first == second  # the same actions and the same POA&M, UUIDs included


# -- exports ------------------------------------------------------------------------------------------
def test_csv_first_column_is_always_filled(org_plan: P.Plan) -> None:
    import csv

    text = X.plan_csv(org_plan)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "system" and tuple(rows[0]) == X.COLUMNS
    assert len(rows) - 1 == len(org_plan.actions())
    assert all(r[0] for r in rows[1:])
    assert {r[0] for r in rows[1:]} == {"contoso/hr-screening", "contoso/m365-copilot-use"}
    by_id = {r[-1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    stop = by_id["gsd:action/contoso/hr-screening/euaia-art14.4.e"]
    assert (stop["owner"], stop["status"], stop["due"]) == ("HR technology product owner", "in-progress", "2027-06-30")


def test_xlsx_has_a_sheet_per_system_with_filters_and_a_frozen_header(org_plan: P.Plan) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(X.plan_workbook(org_plan)))
    assert wb.sheetnames == ["Summary", "hr-screening", "m365-copilot-use", "Suggestions"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert len(ws.title) <= 31 and not set(ws.title) & set("[]:*?/\\")
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    for s in org_plan.systems:
        ws = wb[s.system.rsplit("/", 1)[-1]]
        header = [c.value for c in ws[1]]
        assert tuple(header) == X.COLUMNS
        assert ws.max_row - 1 == len(s.actions)
        assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}{ws.max_row}"
        assert all(ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1))


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["Summary", "summary", "SUMMARY"], ["Summary", "summary (2)", "SUMMARY (3)"]),
        (["a" * 40, "a" * 40], ["a" * 31, "a" * 27 + " (2)"]),
        (["x/y:z", "[draft]?*", "'quoted'", "History", ""], ["x-y-z", "(draft)", "quoted", "History (2)", "Sheet"]),
    ],
)
def test_sheet_names_are_valid_and_unique(labels: list[str], expected: list[str]) -> None:
    """The plan workbook names its sheets by the coverage workbook's rule (one rule for both)."""
    taken: list[str] = []
    assert [X.sheet_name(label, taken) for label in labels] == expected


def test_the_poam_validates_with_trestle(org_plan: P.Plan) -> None:
    from trestle.oscal.poam import Model

    doc = X.plan_poam(org_plan)
    model = Model.model_validate(doc)  # compliance-trestle's OSCAL 1.2.1 model
    poam = model.plan_of_action_and_milestones
    assert doc["plan-of-action-and-milestones"]["metadata"]["oscal-version"] == X.OSCAL_VERSION
    assert len(poam.poam_items) == len(org_plan.actions())
    assert len(poam.risks or []) == len(poam.observations or []) == len(org_plan.actions())
    ids = [str(i.uuid) for i in poam.poam_items] + [str(r.uuid) for r in poam.risks or []]
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i).version == 5 for i in ids)
    risks = {r["uuid"]: r for r in doc["plan-of-action-and-milestones"]["risks"]}
    for item, action in zip(doc["plan-of-action-and-milestones"]["poam-items"], org_plan.actions(), strict=True):
        [related] = item["related-risks"]
        risk = risks[related["risk-uuid"]]
        assert risk["status"] == X.RISK_STATUS[action.status]
        assert risk.get("deadline") == (f"{action.due.isoformat()}T00:00:00Z" if action.due else None)
        recommendations = [r for r in risk.get("remediations", []) if r["lifecycle"] == "recommendation"]
        assert len(recommendations) == len(action.suggestions)
    owners = {p["name"] for p in doc["plan-of-action-and-milestones"]["metadata"]["parties"]}
    assert {"Contoso Ltd (example customer)", "HR technology product owner"} <= owners


def test_the_poam_is_the_same_document_each_time(service: GraphService, org_plan: P.Plan) -> None:
    again = P.org_plan(service, "contoso", "euaia", on=DAY, law_version="amended")
    assert X.plan_poam(again) == X.plan_poam(org_plan)
    other_day = P.org_plan(service, "contoso", "euaia", on=DAY + dt.timedelta(days=1), law_version="amended")
    a, b = X.plan_poam(org_plan), X.plan_poam(other_day)
    assert a["plan-of-action-and-milestones"]["uuid"] != b["plan-of-action-and-milestones"]["uuid"]
    risks_a = [r["uuid"] for r in a["plan-of-action-and-milestones"]["risks"]]
    risks_b = [r["uuid"] for r in b["plan-of-action-and-milestones"]["risks"]]
    assert set(risks_a) & set(risks_b), "a risk keeps its UUID from one day to the next"


def test_json_render_round_trips(hr_plan: P.Plan) -> None:
    data = json.loads(X.render(hr_plan, "json"))
    assert data["target"] == "euaia" and data["as_of"] == DAY.isoformat()
    assert len(data["systems"][0]["actions"]) == len(hr_plan.actions())


# -- CLI ------------------------------------------------------------------------------------------------
runner = CliRunner()


def _cli(settings: Settings, *args: str) -> Any:
    from graphsvc.cli.main import app

    return runner.invoke(app, ["plan", *args, "--store", settings.data_dir])


def test_cli_plan_formats_and_output(built_settings: Settings, tmp_path: Path) -> None:
    base = ("--system", HR, "--target", "euaia", "--as-of", DAY.isoformat(), "--law-version", "amended")
    r = _cli(built_settings, *base, "--from", "iso42001", "-f", "csv")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("system,requirement,") and len(lines) > 100
    r = _cli(built_settings, *base)
    assert r.exit_code == 0 and "Contoso candidate screening assistant" in r.stdout and "14(4)(e)" in r.stdout
    for fmt, name in (
        ("xlsx", "p.xlsx"),
        ("oscal", "p.json"),
        ("csv", "p.csv"),
        ("json", "p2.json"),
        ("table", "t.txt"),
    ):
        r = _cli(built_settings, *base, "-f", fmt, "-o", str(tmp_path / name))
        assert r.exit_code == 0, r.stderr
        assert (tmp_path / name).stat().st_size > 1000, fmt
    assert json.loads((tmp_path / "p.json").read_text())["plan-of-action-and-milestones"]["poam-items"]
    r = _cli(built_settings, *base, "-f", "xlsx")
    assert r.exit_code == 1 and "--output" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-f", "xls"), "expected one of table, csv, json, xlsx, oscal"),
        (("--kind", "gaps"), "expected one of gap, partial, residual"),
        (("--from", "euaia"), "expected one of aicm, iso42001, nistairmf, starai"),
        (("--law-version", "amende"), "known: adopted, amended"),
        (("--suggestions", "-1"), "≥ 0"),
    ],
)
def test_cli_plan_refuses_unknown_values_with_the_allowed_list(
    built_settings: Settings, args: tuple[str, ...], message: str
) -> None:
    r = _cli(built_settings, "--system", HR, "--target", "euaia", *args)
    assert r.exit_code == 1 and message in r.stderr, r.stderr


def test_cli_plan_refuses_an_unknown_target(built_settings: Settings) -> None:
    r = _cli(built_settings, "--system", HR, "--target", "euaai")
    assert r.exit_code == 1 and "expected one of" in r.stderr and "euaia" in r.stderr


# -- REST -----------------------------------------------------------------------------------------------
PRIVATE_SYSTEM = """
<https://w3id.org/graphsvc/id/system/acme/secret-bot> a <https://w3id.org/graphsvc/ontology#AISystem> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "Secret bot" ;
    <https://w3id.org/graphsvc/ontology#operator> <https://w3id.org/graphsvc/id/org/acme> ;
    <https://w3id.org/graphsvc/ontology#operatorRole> <https://w3id.org/graphsvc/ontology#role-deployer> ;
    <https://w3id.org/graphsvc/ontology#intendedPurpose> "internal" .
<https://w3id.org/graphsvc/id/org/acme> <http://www.w3.org/2000/01/rdf-schema#label> "Acme" .
"""


@pytest.fixture(scope="module")
def api(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Any:
    callers = (
        ("admin", "admin", None),
        ("contoso", "reader", "contoso"),
        ("microsoft", "reader", "microsoft"),
        ("acme_writer", "writer", "acme"),
        ("acme", "reader", "acme"),
        ("beta", "reader", "beta"),
    )
    with app_over_copy(built_settings, tmp_path_factory.mktemp("plan-api"), callers) as ctx:
        yield ctx


def _auth(ctx: dict[str, Any], who: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx['keys'][who]}"} if who else {}


PARAMS = {"target": "euaia", "as_of": DAY.isoformat(), "law_version": "amended"}


def test_rest_plan_matches_the_domain_function(api: dict[str, Any], service: GraphService) -> None:
    r = api["client"].get(
        "/plan/contoso/hr-screening", params={**PARAMS, "suggestions": 2}, headers=_auth(api, "contoso")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    domain = P.plan(service, HR, "euaia", on=DAY, law_version="amended", max_suggestions=2)
    assert [a["id"] for a in body["systems"][0]["actions"]] == [a.id for a in domain.actions()]
    stop = next(a for a in body["systems"][0]["actions"] if a["notation"] == "14(4)(e)")
    assert stop["owner"] == "HR technology product owner" and stop["due"] == "2027-06-30"
    r = api["client"].get("/plan/contoso", params={**PARAMS, "kind": ["gap"]}, headers=_auth(api, "contoso"))
    assert r.status_code == 200 and len(r.json()["systems"]) == 2
    assert {a["kind"] for s in r.json()["systems"] for a in s["actions"]} == {"gap"}
    r = api["client"].get(
        "/plan/contoso/hr-screening", params={**PARAMS, "from": "euaia"}, headers=_auth(api, "contoso")
    )
    assert r.status_code == 400 and r.json()["code"]


def test_rest_plan_honours_tenancy(api: dict[str, Any]) -> None:
    client = api["client"]
    r = client.post(
        "/rdf-graphs",
        params={"graph": graph_iri("org/acme")},
        content=PRIVATE_SYSTEM,
        headers={**_auth(api, "acme_writer"), "Content-Type": "text/turtle"},
    )
    assert r.status_code in {201, 204}, r.text
    path = "/plan/acme/secret-bot"
    assert client.get(path, params=PARAMS, headers=_auth(api, "acme")).status_code == 200
    assert client.get(path, params=PARAMS, headers=_auth(api, "admin")).status_code == 200
    for who in (None, "beta", "microsoft", "contoso"):
        r = client.get(path, params=PARAMS, headers=_auth(api, who))
        assert r.status_code == 404 and r.json()["ok"] is False, (who, r.text)
        r = client.get(f"{path}/export", params={**PARAMS, "format": "csv"}, headers=_auth(api, who))
        assert r.status_code == 404, who
    # contoso's recorded actions and private controls are contoso's alone
    mine = client.get("/plan/contoso/hr-screening", params=PARAMS, headers=_auth(api, "contoso"))
    theirs = client.get("/plan/contoso/hr-screening", params=PARAMS, headers=_auth(api, "microsoft"))
    anon = client.get("/plan/contoso/hr-screening", params=PARAMS)
    assert mine.status_code == theirs.status_code == anon.status_code == 200
    assert "Legal and compliance" in mine.text and "HR-HO-02" in mine.text
    for other in (theirs, anon):
        assert "Legal and compliance" not in other.text and "gsd:control/contoso/" not in other.text
        assert all(a["owner"] == "" and a["recorded"] == "" for a in other.json()["systems"][0]["actions"])
        assert other.json()["systems"][0]["recorded_only"] == []


def test_rest_plan_exports(api: dict[str, Any]) -> None:
    from openpyxl import load_workbook
    from trestle.oscal.poam import Model

    client, auth = api["client"], _auth(api, "contoso")
    r = client.get("/plan/contoso/hr-screening/export", params={**PARAMS, "format": "csv"}, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("system,") and "attachment" in r.headers["content-disposition"]
    r = client.get("/plan/contoso/hr-screening/export", params={**PARAMS, "format": "xlsx"}, headers=auth)
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content)).sheetnames[1] == "hr-screening"
    r = client.get("/plan/contoso/hr-screening/export", params={**PARAMS, "format": "oscal"}, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    Model.model_validate(r.json())
    r = client.get("/plan/contoso/hr-screening/export", params={**PARAMS, "format": "pdf"}, headers=auth)
    assert r.status_code == 422


def test_openapi_documents_the_plan_routes(api: dict[str, Any]) -> None:
    spec = api["client"].get("/openapi.json").json()
    for path in ("/plan/{org}/{system}", "/plan/{org}", "/plan/{org}/{system}/export"):
        assert "get" in spec["paths"][path], path
    ok = spec["paths"]["/plan/{org}/{system}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/PlanAnswer")
    action = spec["components"]["schemas"]["PlanAction"]["properties"]
    assert {"due", "binds_from", "owner", "status", "suggestions", "kind"} <= set(action)
    params = {p["name"] for p in spec["paths"]["/plan/{org}/{system}"]["get"]["parameters"]}
    assert {"target", "as_of", "law_version", "from", "kind", "suggestions"} <= params
