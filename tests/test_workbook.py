"""The auditor's workbook (graphsvc/exports/workbook.py) and the CSV rows of a coverage answer, without a store."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from graphsvc.domain.coverage import coverage_rows
from graphsvc.exports.workbook import SHEET_NAME_LIMIT, coverage_workbook, sheet_name

FORBIDDEN = set("[]:*?/\\")


@pytest.mark.parametrize(
    ("label", "taken", "expected"),
    [
        ("GitHub Copilot", [], "GitHub Copilot"),
        ("Contoso candidate screening assistant", [], "Contoso candidate screening"),
        ("Microsoft Foundry (Azure AI Foundry Models)", [], "Microsoft Foundry"),
        ("Microsoft 365 Copilot at Contoso", [], "Microsoft 365 Copilot"),
        (
            "ISO/IEC 42001:2023 certificate, Microsoft 365 Copilot and Copilot Studio",
            [],
            "ISO-IEC 42001-2023 certificate",
        ),
        ("Microsoft Dragon Copilot (Radiologist)", ["Microsoft Dragon Copilot"], "Microsoft Dragon (Radiologist)"),
        ("Paths", ["Summary", "Paths"], "Paths (2)"),
        ("SUMMARY", ["Summary"], "SUMMARY (2)"),
        ("History", [], "History (2)"),
        ("[draft] *what?* a:b", [], "(draft) what a-b"),
        ("'quoted'", [], "quoted"),
        ("", [], "Sheet"),
        ("x" * 40, [], "x" * 31),
    ],
)
def test_sheet_names_from_a_short_label(label: str, taken: list[str], expected: str) -> None:
    assert sheet_name(label, taken) == expected


def test_sheet_names_stay_valid_and_unique_for_many_alike_labels() -> None:
    taken: list[str] = ["Summary", "Paths"]
    for _ in range(12):
        name = sheet_name("Microsoft Azure OpenAI Service for regulated workloads: EU data boundary", taken)
        assert 0 < len(name) <= SHEET_NAME_LIMIT and not set(name) & FORBIDDEN, name
        assert name.lower() not in {t.lower() for t in taken}
        assert not name.endswith((" ", ",", "-")), name
        taken.append(name)
    assert taken[2] == "Microsoft Azure OpenAI Service"
    assert taken[3] == "Microsoft Azure OpenAI (2)"


def _req(notation: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "notation": notation,
        "curie": f"euaia:art{notation}",
        "title": f"Title {notation}",
        "status": status,
        "via": [],
        "residual": [],
        "path_count": 0,
        "explanation": f"{notation}: {status}",
        **extra,
    }


def _answer(**subject: Any) -> dict[str, Any]:
    return {
        **subject,
        "target": "euaia",
        "as_of": "2026-11-23",
        "law_version": "adopted",
        "summary": {"satisfied": 0, "gap": 1},
        "requirements": [_req("12", "gap"), _req("13", "gap")],
    }


def test_the_first_csv_column_names_what_was_assessed() -> None:
    system = _answer(system={"id": "gsd:system/acme/bot", "label": "Acme bot", "depends_on": []})
    assert [(next(iter(r)), r["system"]) for r in coverage_rows(system)] == [("system", "gsd:system/acme/bot")] * 2
    cert = _answer(certificate={"id": "gsd:certificate/acme/iso", "label": "Acme ISO/IEC 42001 certificate"})
    assert [(next(iter(r)), r["certificate"]) for r in coverage_rows(cert)] == [
        ("certificate", "gsd:certificate/acme/iso")
    ] * 2
    org = {
        "organisation": "gsd:org/acme",
        "systems": [
            {"system": {"id": f"gsd:system/acme/{n}", "label": n}, "requirements": [_req("12", "gap")]}
            for n in ("a", "b")
        ],
    }
    assert [r["system"] for r in coverage_rows(org)] == ["gsd:system/acme/a", "gsd:system/acme/b"]


def test_workbook_sheets_are_named_filtered_and_frozen() -> None:
    path = {
        "transfer": "partial",
        "strength": 10,
        "origin": "shared",
        "start": {
            "kind": "inherited-control",
            "id": "gsd:control/prov/logs",
            "label": "Provider keeps logs",
            "system": "gsd:system/prov/model",
            "extent": "partial",
            "evidence": [],
            "residual": "Keep your own logs.",
        },
        "requirement": {"curie": "euaia:art12", "notation": "12", "framework": "euaia", "title": "Record-keeping"},
        "hops": [],
        "derived": False,
    }
    answer = _answer(
        system={
            "id": "gsd:system/acme/bot",
            "label": "Acme customer service assistant for regulated markets",
            "depends_on": [
                {"system": "gsd:system/prov/model", "label": "Provider model platform", "organisation": "P"}
            ],
        }
    )
    answer["requirements"][0].update(status="partial", path_count=1, paths=[path])
    wb = load_workbook(io.BytesIO(coverage_workbook(answer)))
    assert wb.sheetnames == ["Summary", "Acme customer service assistant", "Paths"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions, ws.title
    summary = dict(wb["Summary"].iter_rows(values_only=True))
    assert summary["AI system"] == "Acme customer service assistant for regulated markets"
    rows = list(wb["Acme customer service assistant"].iter_rows(values_only=True))
    assert rows[0][:2] == ("notation", "curie") and all(r[0] for r in rows)
    header, *paths = wb["Paths"].iter_rows(values_only=True)
    row = dict(zip(header, paths[0], strict=True))
    assert row["start"] == "provider control logs: Provider keeps logs"
    assert row["provider system"] == "Provider model platform"
    assert "gsd:" not in repr(paths)
