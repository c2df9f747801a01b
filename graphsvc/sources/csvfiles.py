"""Reading the project's CSV files: each row with the ``file:line`` errors name.

An unreadable file, a CSV syntax error or a missing column refuses the file with its path
(and, for the columns, line 1), the way :mod:`graphsvc.sources.yamlfiles` does for YAML.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from graphsvc.errors import DataLoadError


def csv_rows(path: Path, columns: Iterable[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """``(file:line, row)`` for every row of a CSV file with a header naming at least ``columns``.

    :raises DataLoadError: the file cannot be read, is not CSV, or lacks a column.
    """
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = set(columns) - set(reader.fieldnames or [])
            if missing:
                raise DataLoadError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
            for row in reader:
                yield f"{path}:{reader.line_num}", row
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    except csv.Error as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
