"""The shipped ISO/IEC 42001 → EU AI Act set against the targets of issue 12: a decision for
every obligation, reach, containment held to its definition, rationale and source on every
row, SSSOM validity, and coverage that tells "no counterpart" from "not reached"."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from typing import Any

import pytest
import yaml

from graphsvc.config import PROJECT_ROOT
from graphsvc.domain import coverage as C
from graphsvc.domain.consistency import check
from graphsvc.domain.reach import reach_report
from graphsvc.sources.mappingsets import containment_problems, parse_sssom

pytestmark = pytest.mark.shipped

ISO_SET = PROJECT_ROOT / "mappings" / "sssom" / "iso42001-euaia.sssom.tsv"
EU_CATALOG = PROJECT_ROOT / "mappings" / "catalogs" / "euaia-2024-1689" / "requirements.csv"
EU = "https://w3id.org/graphsvc/req/euaia-2024-1689/"
ON = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def iso_set() -> Any:
    return parse_sssom(ISO_SET)


@pytest.fixture(scope="module")
def report(service: Any) -> dict[str, Any]:
    return reach_report(service, "iso42001", "euaia")


def obligations() -> set[str]:
    """Every item that binds a role: the catalog's, and those a law layer adds (new Art. 5 points)."""
    with EU_CATALOG.open(encoding="utf-8") as fh:
        out = {EU + r["id"] for r in csv.DictReader(fh) if r["roles"]}
    for layer in sorted((EU_CATALOG.parent / "layers").glob("*.yaml")):
        out |= {
            EU + a["id"] for a in yaml.safe_load(layer.read_text(encoding="utf-8")).get("add", []) if a.get("roles")
        }
    return out


def test_every_obligation_has_a_decision_from_iso(report: dict[str, Any], iso_set: Any) -> None:
    assert report["items"] == len(obligations())
    undecided = [n for g in report["groups"] for n in g["undecided"]]
    assert undecided == [], f"obligations with neither a row nor a no-counterpart record: {undecided}"
    assert report["decided_share"] == 100.0
    # read straight from the file too, independently of the store
    mapped = {m.object for m in iso_set.mappings if m.status == "approved" and m.relation != "not-related"}
    decided = {nc.object for nc in iso_set.no_counterparts if nc.status == "approved"}
    assert obligations() <= mapped | decided
    assert not mapped & decided


def test_iso_reaches_at_least_55_percent_with_a_mapping_row(report: dict[str, Any], iso_set: Any) -> None:
    assert report["mapped_share"] >= 55.0, report["totals"]
    mapped = {m.object for m in iso_set.mappings if m.status == "approved" and m.relation != "not-related"}
    assert len(mapped & obligations()) / len(obligations()) >= 0.55


def test_no_placeholder_rows(iso_set: Any) -> None:
    """No not-related catch-all rows, and no row aimed at an article that has paragraphs."""
    with EU_CATALOG.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parents = {r["parent"] for r in rows}
    with_paragraphs = {EU + r["id"] for r in rows if r["kind"] == "article" and r["notation"] in parents}
    assert [m for m in iso_set.mappings if m.relation == "not-related"] == []
    assert [m.object for m in iso_set.mappings if m.object in with_paragraphs] == []


def test_containment_rows_have_strength_10_and_a_written_second_review(iso_set: Any) -> None:
    assert containment_problems(iso_set) == []
    containment = [m for m in iso_set.mappings if m.relation in {"equal", "subset", "superset"}]
    assert containment, "the set has no containment row left to check"
    assert all(m.strength == 10 and m.reviewer and m.reviewer != m.author for m in containment)


def test_containment_check_names_file_line_and_fault(iso_set: Any) -> None:
    from dataclasses import replace

    bad = replace(
        iso_set,
        mappings=[replace(m, strength=8, comment="x") if m.relation == "superset" else m for m in iso_set.mappings],
    )
    problems = containment_problems(bad)
    assert problems and all("iso42001-euaia.sssom.tsv:" in p for p in problems)
    assert any("strength 8" in p for p in problems) and any("Reviewer check" in p for p in problems)


def test_every_row_has_a_rationale_and_a_source(iso_set: Any) -> None:
    for m in iso_set.mappings:
        assert m.comment.count(". ") >= 2, (
            f"{m.subject} -> {m.object}: the comment says less than both demands and the relation"
        )
        assert "ISO/IEC 42001:2023" in m.source and "eur-lex.europa.eu/eli/reg/2024/1689/oj#" in m.source
    for nc in iso_set.no_counterparts:
        assert len(nc.reason) > 40, nc.object
        assert "graphsvc analysis" in nc.source and "eur-lex.europa.eu/eli/reg/2024/1689/oj#" in nc.source


def test_shipped_sets_validate_with_sssom() -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        for path in sorted((PROJECT_ROOT / "mappings" / "sssom").glob("*.sssom.tsv")):
            msdf = parse_sssom_table(str(path))
            reports = validate(msdf, fail_on_error=False)
            assert all(not r.results for r in reports.values()), (path.name, {k: r.results for k, r in reports.items()})
    finally:
        root.setLevel(level)
    msdf = parse_sssom_table(str(ISO_SET))
    assert (msdf.df["subject_id"] == "sssom:NoTermFound").sum() == len(parse_sssom(ISO_SET).no_counterparts)


def test_certificate_coverage_separates_no_counterpart_from_not_reached(service: Any) -> None:
    opts = C.Options(as_of=ON, layer="adopted")
    result = C.certificate_coverage(service, "iso42001-m365-copilot", "euaia", opts, explain=False)
    rows = {r["curie"]: r for r in result["requirements"]}
    kinds = result["gap_kinds"]
    assert kinds["no-counterpart"] > 0 and kinds["not-reached"] > 0
    assert kinds["no-counterpart"] + kinds["not-reached"] == result["summary"]["gap"]
    ce = rows["euaia:art48.1"]
    assert ce["status"] == "gap" and ce["gap"]["kind"] == "no-counterpart"
    assert ce["explanation"].startswith("48(1): gap; no ISO/IEC 42001 counterpart: CE marking")
    # A.7.3 is excluded in the certificate's Statement of Applicability: 10(2)(e) has a
    # counterpart, but nothing that holds on the date reaches it
    data = rows["euaia:art10.2.e"]
    assert data["status"] == "gap" and data["gap"]["kind"] == "not-reached"
    assert data["explanation"] == "10(2)(e): gap; reached by nothing that holds on the date"


def test_star_level_2_attestation_reaches_through_its_certificate(service: Any) -> None:
    opts = C.Options(as_of=ON, layer="adopted")
    cert = C.certificate_coverage(service, "iso42001-m365-copilot", "euaia", opts, explain=False)
    star = C.certificate_coverage(service, "star-ai-l2", "euaia", opts)
    assert star["certificate"]["rests_on"]["id"] == "gsd:certificate/microsoft/iso42001-m365-copilot"
    assert star["summary"] == cert["summary"]  # it evidences exactly what the certificate does
    reached = [r for r in star["requirements"] if r["status"] in {"satisfied", "partial"}]
    assert reached
    for r in reached:
        start = r["paths"][0]["start"]
        assert start["kind"] == "attestation" and start["rests_on"]["id"].endswith("iso42001-m365-copilot")
        assert "through ISO/IEC 42001:2023 certificate" in r["explanation"] and "on which it rests" in r["explanation"]
    # before the attestation is valid it evidences nothing, whatever its certificate does
    early = C.certificate_coverage(
        service, "star-ai-l2", "euaia", C.Options(as_of=dt.date(2026, 3, 20), layer="adopted")
    )
    assert early["summary"]["partial"] == early["summary"]["satisfied"] == 0


def test_no_chain_contradicts_a_row_and_iso_chains_are_confirmed(service: Any) -> None:
    findings = check(service)
    fw = service.framework_of
    assert [f for f in findings if f.kind != "unconfirmed"] == []
    mine = [f for f in findings if fw[f.source] == "iso42001" and fw[f.target] == "euaia" and not f.explanation]
    assert mine == [], "chains ISO/IEC 42001 → AI Act with no direct row: add one or explain it in mappings/chains.yaml"


def test_coverage_workbook_shows_the_gap_kind(service: Any, tmp_path: Any) -> None:
    import openpyxl

    from graphsvc.exports.workbook import coverage_workbook

    result = C.certificate_coverage(service, "iso42001-m365-copilot", "euaia", C.Options(as_of=ON, layer="adopted"))
    path = tmp_path / "coverage.xlsx"
    path.write_bytes(coverage_workbook(result))
    wb = openpyxl.load_workbook(path)
    summary = {row[0].value: row[1].value for row in wb["Summary"].iter_rows(min_row=2)}
    assert int(summary["gap: no counterpart"]) == result["gap_kinds"]["no-counterpart"] > 0
    assert int(summary["gap: not reached"]) == result["gap_kinds"]["not-reached"] > 0
    sheet = wb[wb.sheetnames[1]]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)]
    by_notation = {r["notation"]: r for r in rows}
    assert by_notation["48(1)"]["gap"] == "no-counterpart"
    assert "no ISO/IEC 42001 counterpart" in by_notation["48(1)"]["explanation"]
    assert by_notation["10(2)(e)"]["gap"] == "not-reached"
    assert all(r["gap"] in (None, "") for r in rows if r["status"] != "gap")
