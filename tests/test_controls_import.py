"""Control catalog import: CSV and xlsx, refused whole with file:row and field, atomic."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.config import Settings, load_settings
from graphsvc.errors import DataLoadError
from graphsvc.imports.controls import import_controls
from graphsvc.service import GraphService
from graphsvc.sources.controls import controls_graph, read_controls

HEADER = "id,title,description,owner,applies_to,implements\n"


def write(tmp_path: Path, text: str, name: str = "controls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "C-1,Log,,,,\nC-1,Log again,,,,\n", "controls.csv:3: field 'id': 'C-1' is a duplicate of"),
        (HEADER + "C-1,,does things,,,\n", "controls.csv:2: field 'title' is empty (control C-1)"),
        ("id,title,colour\nC-1,Log,red\n", "controls.csv:1: column 'colour' is unknown"),
        ("id,description\nC-1,Log\n", "controls.csv:1: column 'title' is missing"),
        (HEADER + ",Log,,,,\n", "controls.csv:2: field 'id' is empty"),
        (HEADER + "C 1,Log,,,,\n", "controls.csv:2: field 'id': 'C 1' must be letters"),
        ("id,title,status\nC-1,Log,done\n", "controls.csv:2: field 'status' is 'done'"),
        ("id,title,evidence\nC-1,Log,doc.pdf\n", "controls.csv:2: field 'evidence_valid_from' is empty"),
        (
            "id,title,evidence,evidence_valid_from,evidence_valid_until\nC-1,Log,doc.pdf,2026-01-01,2026-13-01\n",
            "controls.csv:2: field 'evidence_valid_until': '2026-13-01' is not a date",
        ),
    ],
)
def test_bad_rows_are_refused_with_file_row_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataLoadError) as exc:
        read_controls(write(tmp_path, text))
    assert message in str(exc.value)


def test_an_xlsx_catalog_reads_like_the_csv(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Title", "Description", "Owner"])
    ws.append(["C-1", "Event logging", "Logs every request", "Platform team"])
    ws.append([None, None, None, None])
    ws.append(["C-2", "", "no title", ""])
    wb.save(tmp_path / "controls.xlsx")
    with pytest.raises(DataLoadError, match=r"controls\.xlsx:4: field 'title' is empty"):
        read_controls(tmp_path / "controls.xlsx")
    ws.delete_rows(4)
    wb.save(tmp_path / "controls.xlsx")
    rows = read_controls(tmp_path / "controls.xlsx")
    assert [(r.id, r.title, r.owner, r.status) for r in rows] == [
        ("C-1", "Event logging", "Platform team", "implemented")
    ]


@pytest.fixture(scope="module")
def writable(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphService]:
    dest = tmp_path_factory.mktemp("controls")
    shutil.copytree(built_settings.data_path, dest, symlinks=True, dirs_exist_ok=True)
    svc = GraphService.from_settings(load_settings(environ={}, overrides={"data_dir": str(dest)}), read_only=False)
    yield svc
    svc.store.close()


@pytest.mark.shipped
@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "C-1,Log,,,hr-screening,iso42001:Z.9",
            "controls.csv:2: field 'implements': 'iso42001:Z.9' is not a requirement",
        ),
        ("C-1,Log,,,robot,", "controls.csv:2: field 'applies_to': 'robot' is not a system of 'contoso'"),
        ("HR-LOG-01,Log,,,,", "controls.csv:2: field 'id': control 'HR-LOG-01' is already defined in organisation"),
    ],
)
def test_references_are_checked_and_nothing_is_written(
    writable: GraphService, tmp_path: Path, row: str, message: str
) -> None:
    good = write(tmp_path, HEADER + "C-0,Fine,,,,\n", "good.csv")
    import_controls(writable, "contoso", good, keep=False)
    before = sorted(map(str, writable.store.triples(controls_graph("contoso"))))
    with pytest.raises(DataLoadError) as exc:
        import_controls(writable, "contoso", write(tmp_path, HEADER + row + "\n"))
    assert message in str(exc.value)
    assert sorted(map(str, writable.store.triples(controls_graph("contoso")))) == before
    with pytest.raises(DataLoadError, match="organisation 'nobody' is not in the store"):
        import_controls(writable, "nobody", good)


@pytest.mark.shipped
def test_an_import_replaces_the_catalog_and_is_kept(writable: GraphService, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "C-1,Log requests,Every request is logged,Platform,hr-screening,euaia:art12.1\n")
    report = import_controls(writable, "contoso", path)
    assert (report.controls, report.unmapped) == (1, 0)
    kept = writable.settings.data_path / "imports" / "controls" / "contoso" / "controls.csv"
    assert kept.read_text() == path.read_text()
    text = " ".join(map(str, writable.store.triples(controls_graph("contoso"))))
    assert "control/contoso/C-1" in text and "implementsFully" in text and "control/contoso/C-0" not in text
