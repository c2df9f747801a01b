"""Turning answers into the formats people and programs read: table, CSV, JSON, xlsx.

Domain functions return plain data (lists of dicts, dataclasses); this module renders it.

>>> print(to_csv([{"a": 1, "b": "x"}]).strip())
a,b
1,x
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FORMATS = ("table", "csv", "json")


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_json(data: Any) -> str:
    return json.dumps(jsonable(data), indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def columns_of(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> list[str]:
    if columns:
        return list(columns)
    cols: list[str] = []
    for row in rows:
        for k in row:
            if k not in cols:
                cols.append(k)
    return cols


#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection): a cell of text that
#: starts with one of these is written as text, never as something a spreadsheet would evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet could take for a formula (numbers and dates are not text).

    >>> formula_like('=HYPERLINK("http://x", "y")'), formula_like("-1"), formula_like(-1), formula_like("a=b")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> str:
    """A CSV cell: text that looks like a formula gets a leading single quote (OWASP's advice),
    so a spreadsheet shows it instead of evaluating it. Numbers stay numbers.

    >>> print(csv_safe('=HYPERLINK("http://evil", "click")'), csv_safe("plain"), csv_safe(-3))
    '=HYPERLINK("http://evil", "click") plain -3
    """
    text = _cell(value)
    if isinstance(value, int | float) or not text.startswith(FORMULA_STARTS):
        return text
    return "'" + text


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *, delimiter: str = ",") -> str:
    """Rows as CSV; text cells that a spreadsheet would evaluate are escaped (:func:`csv_safe`)."""
    cols = columns_of(rows, columns)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow([csv_safe(c) for c in cols])
    for row in rows:
        w.writerow([csv_safe(row.get(c)) for c in cols])
    return buf.getvalue()


def to_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, title: str | None = None) -> Any:
    """A rich Table (rendered by the CLI)."""
    from rich.table import Table

    cols = columns_of(rows, columns)
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in cols])
    return table


def fill_sheet(
    ws: Any,
    cols: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    cell: Callable[[Any], Any] = _cell,
    colour_column: str | None = None,
    colours: Mapping[str, str] | None = None,
    width_cap: int = 80,
) -> None:
    """Write a header row (bold, frozen, with an autofilter) and ``rows`` into a worksheet.

    ``cell`` turns a value into what the cell holds (text by default); a value that looks like a
    formula is a string cell with Excel's quote prefix, a date is shown as YYYY-MM-DD; cells of
    ``colour_column`` are filled by ``colours``; column widths follow the first 200 rows.
    """
    from openpyxl.styles import Font, PatternFill

    ws.append(list(cols))
    for header in ws[1]:
        header.font = Font(bold=True)
    for row in rows:
        ws.append([cell(row.get(c)) for c in cols])
    for line in ws.iter_rows(min_row=2):
        for c in line:
            if formula_like(c.value):  # text, never a formula: whoever wrote it, it is data
                c.data_type = "s"
                c.quotePrefix = True
            elif isinstance(c.value, dt.date):
                c.number_format = "yyyy-mm-dd"
    if colour_column in cols and colours:
        idx = list(cols).index(colour_column) + 1
        for r in range(2, ws.max_row + 1):
            c = ws.cell(row=r, column=idx)
            fill = colours.get(str(c.value))
            if fill:
                c.fill = PatternFill("solid", start_color=fill, end_color=fill)
    for i, name in enumerate(cols, start=1):
        width = max([len(name)] + [min(len(str(cell(row.get(name)))), width_cap) for row in rows[:200]])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width + 2
    ws.freeze_panes = "A2"  # the header row stays in view
    if cols:
        ws.auto_filter.ref = ws.dimensions  # and carries a filter on every column


def to_xlsx(sheets: Mapping[str, Sequence[Mapping[str, Any]]], *, status_column: str | None = "status") -> bytes:
    """A workbook with one sheet per entry (its header row frozen, with an autofilter); status
    cells coloured (satisfied green …).

    Every value is written as text (or a number): a cell starting with ``=``, ``+``, ``-``, ``@``,
    tab or CR is a string cell with Excel's quote prefix, never a formula, since answers carry
    text other tenants wrote (a provider's customer responsibility in its customer's workbook).
    """
    from openpyxl import Workbook

    colours = {
        "satisfied": "C6EFCE",
        "partial": "FFEB9C",
        "gap": "FFC7CE",
        "not-applicable": "D9D9D9",
        "applies-from": "DDEBF7",
        "upcoming": "DDEBF7",
        "conditional": "E4DFEC",
        "does-not-apply": "D9D9D9",
    }
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        fill_sheet(
            wb.create_sheet(title=name[:31]), columns_of(rows), rows, colour_column=status_column, colours=colours
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
