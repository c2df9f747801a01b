"""Reading the project's YAML files: line numbers kept, dates left as text.

Mappings carry their line under ``__line__`` so errors can name it, and values that look
like dates stay strings so that a bad date is reported by the field that holds it (PyYAML
would otherwise fail inside the parser with no position).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import DataLoadError

LINE = "__line__"


#: libyaml's parser when PyYAML was built with it (about 10x faster on long texts), else PyYAML's own
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader that records each mapping's line and does not resolve timestamps."""


LineLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file.

    :raises DataLoadError: unreadable file or YAML syntax error, with file and line.
    """
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataLoadError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DataLoadError(f"{path}: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise DataLoadError(f"{path}:{line}: YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise DataLoadError(f"{path}: YAML error: {exc}") from exc
    _check_text(data, path, 1, None, set())
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _check_text(value: Any, path: Path, line: int, key: str | None, seen: set[int]) -> None:
    """Refuse a lone surrogate (``"\\ud800"`` in a JSON or YAML escape): no RDF term or JSON
    answer can carry one, so it is the document's error, reported with its line and field.

    :raises DataLoadError: naming the file, line and field.
    """
    if isinstance(value, str):
        if _has_surrogate(value):
            where = f"{path}:{line}" + (f": field {key!r}" if key is not None else "")
            raise DataLoadError(f"{where}: the text holds a lone UTF-16 surrogate, which is not a character")
    elif isinstance(value, dict | list):
        if id(value) in seen:  # an alias of a node already checked: walk each node once
            return
        seen.add(id(value))
    if isinstance(value, dict):
        here = value.get(LINE, line)
        for k, v in value.items():
            if k == LINE:
                continue
            name = str(k)
            if _has_surrogate(name):
                shown = name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
                raise DataLoadError(
                    f"{path}:{here}: key {shown!r} holds a lone UTF-16 surrogate, which is not a character"
                )
            _check_text(v, path, here, name, seen)
    elif isinstance(value, list):
        for v in value:
            _check_text(v, path, line, key, seen)


def strip_lines(value: Any) -> Any:
    """The same data without the ``__line__`` keys."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value
