"""Making RDF terms from Python values, and back.

>>> lit(3)
<Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
>>> py(lit(True))
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from graphsvc.namespaces import GS, RDF, XSD

XSD_DATE = NamedNode(XSD + "date")
XSD_INT = NamedNode(XSD + "integer")
XSD_BOOL = NamedNode(XSD + "boolean")
XSD_DECIMAL = NamedNode(XSD + "decimal")
RDF_TYPE = NamedNode(RDF + "type")


def iri(value: str) -> NamedNode:
    return NamedNode(value)


def g(local: str) -> NamedNode:
    """A term of the graphsvc ontology."""
    return NamedNode(GS + local)


def lit(value: Any) -> Literal:
    """A typed literal for a Python value (str, bool, int, float, date)."""
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=XSD_BOOL)
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD_INT)
    if isinstance(value, float):
        return Literal(repr(value), datatype=XSD_DECIMAL)
    if isinstance(value, dt.datetime):
        return Literal(value.isoformat(), datatype=NamedNode(XSD + "dateTime"))
    if isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=XSD_DATE)
    return Literal(str(value))


def py(term: NamedNode | Literal | BlankNode | None) -> Any:
    """The Python value of a term: IRIs and strings as str, typed literals as their type."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dtype = term.datatype.value
        if dtype == XSD + "boolean":
            return term.value in {"true", "1"}
        if dtype in {XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"}:
            return int(term.value)
        if dtype == XSD + "date":
            return dt.date.fromisoformat(term.value)
        if dtype in {XSD + "decimal", XSD + "double", XSD + "float"}:
            return float(term.value)
        return term.value
    return term.value


def plain_rows(rows: Iterable[dict[str, NamedNode | Literal | BlankNode]]) -> list[dict[str, Any]]:
    """SPARQL rows of RDF terms → rows of Python values."""
    return [{k: py(v) for k, v in row.items()} for row in rows]
