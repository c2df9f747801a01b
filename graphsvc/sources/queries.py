"""Named SPARQL queries: ``queries/*.rq`` with a grlc decorator header.

A file opens with comment lines such as::

    #+ summary: Every requirement of a framework, in document order
    #+ tags:
    #+   - catalog
    #+ defaults:
    #+   - framework: iso42001
    #+ params:
    #+   - framework: framework short name (string)

Parameters follow the BASIL convention: ``?_name`` is a required literal, ``?_name_iri`` a
required IRI (a CURIE is accepted), ``?__name`` an optional literal, ``?__name_iri`` an
optional IRI; ``_integer``, ``_date``, ``_boolean`` suffixes type a literal. Values are bound as
RDF terms through pyoxigraph's substitutions, never pasted into the query text, so a value
with quotes, braces or SPARQL keywords is only ever a value.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graphsvc.errors import QueryNotFound, QueryParameterError, QuerySyntaxError
from graphsvc.namespaces import expand, sparql_prefixes
from graphsvc.store.base import GraphStore, Literal, NamedNode, Row, Term
from graphsvc.terms import XSD_BOOL, XSD_DATE, XSD_INT

_PARAM = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_TYPES = ("iri", "integer", "date", "boolean")


@dataclass(frozen=True)
class Param:
    name: str  # the user-facing name, e.g. "framework"
    var: str  # the SPARQL variable without '?', e.g. "_framework_iri"
    kind: str  # "literal", "iri", "integer", "date" or "boolean"
    required: bool
    default: str | None = None
    help: str = ""

    def to_term(self, value: str) -> Term:
        """Coerce a user's string to the RDF term this parameter must be.

        :raises QueryParameterError: the value cannot be that kind of term.
        """
        text = str(value)
        try:
            if self.kind == "iri":
                return NamedNode(expand(text))
            if self.kind == "integer":
                return Literal(str(int(text)), datatype=XSD_INT)
            if self.kind == "date":
                return Literal(dt.date.fromisoformat(text).isoformat(), datatype=XSD_DATE)
            if self.kind == "boolean":
                if text.lower() not in {"true", "false"}:
                    raise ValueError(text)
                return Literal(text.lower(), datatype=XSD_BOOL)
        except (ValueError, KeyError) as exc:
            raise QueryParameterError(f"parameter {self.name!r}: {text!r} is not a valid {self.kind}") from exc
        return Literal(text)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    path: Path
    form: str = "SELECT"
    description: str = ""

    def bindings(self, values: dict[str, Any]) -> dict[str, Term]:
        """Turn user values into RDF terms, applying defaults and checking names."""
        known = {p.name: p for p in self.params}
        unknown = set(values) - set(known)
        if unknown:
            raise QueryParameterError(
                f"query {self.name!r} has no parameter {', '.join(sorted(unknown))}; "
                f"its parameters: {', '.join(known) or 'none'}"
            )
        out: dict[str, Term] = {}
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is None or value == "":
                if p.required:
                    raise QueryParameterError(f"query {self.name!r} needs parameter {p.name!r} ({p.help or p.kind})")
                continue
            out[p.var] = p.to_term(str(value))
        return out


def _parse_header(text: str, path: Path) -> dict[str, Any]:
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        data = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise QuerySyntaxError(f"{path}: the '#+' header is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not data.get("summary"):
        raise QuerySyntaxError(f"{path}: the header needs a '#+ summary:' line")
    return data


def _flat(items: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if isinstance(item, dict):
            out.update({str(k): str(v) for k, v in item.items()})
    return out


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header = _parse_header(text, path)
    defaults = _flat(header.get("defaults"))
    helps = _flat(header.get("params"))
    params: dict[str, Param] = {}
    for m in _PARAM.finditer(re.sub(r"#.*", "", text)):
        optional = m.group(1) == "__"
        var = m.group(1) + m.group(2)
        name = m.group(2)
        kind = "literal"
        for t in _TYPES:
            if name.endswith("_" + t):
                kind, name = t, name[: -len(t) - 1]
                break
        if keyword.iskeyword(name):
            raise QuerySyntaxError(f"{path}: parameter name {name!r} is a Python keyword; the API cannot expose it")
        if name not in params:
            params[name] = Param(name, var, kind, not optional, defaults.get(name), helps.get(name, ""))
    body = re.sub(r"(?m)^#.*$", "", text)
    form_m = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
    tags = header.get("tags") or []
    return NamedQuery(
        name=path.stem,
        summary=str(header["summary"]).strip(),
        description=str(header.get("description", "")).strip(),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        params=tuple(params.values()),
        text=text,
        path=path,
        form=form_m.group(1).upper() if form_m else "SELECT",
    )


@dataclass
class QueryRegistry:
    """Every named query of a directory, parsed once."""

    queries: dict[str, NamedQuery] = field(default_factory=dict)

    @classmethod
    def from_dir(cls, directory: Path) -> QueryRegistry:
        reg = cls()
        for p in sorted(directory.glob("*.rq")):
            reg.queries[p.stem] = parse_query_file(p)
        return reg

    def get(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise QueryNotFound(f"no named query {name!r}; known: {', '.join(sorted(self.queries))}") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.queries.values())

    def select(self, store: GraphStore, name: str, *, graphs: list[str] | None = None, **params: Any) -> list[Row]:
        """Run a named SELECT query with typed parameters; returns rows of RDF terms."""
        q = self.get(name)
        return store.select(q.text, bindings=q.bindings(params), graphs=graphs)


def with_prefixes(query: str) -> str:
    """Prepend the known PREFIX lines to a query typed by a person (ad-hoc ``graphsvc sparql``)."""
    return sparql_prefixes() + query
