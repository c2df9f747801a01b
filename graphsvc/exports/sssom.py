"""A mapping set as SSSOM TSV: the ``#`` YAML header (``curie_map``, the set's metadata,
``extension_definitions`` for graphsvc's slots) and one row per mapping, then one
``sssom:NoTermFound`` row per no-counterpart decision."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from typing import Any

import yaml

from graphsvc.namespaces import DCTERMS, FRAMEWORK_PREFIXES, GS, PREFIXES, compress
from graphsvc.sources.mappingsets import (
    CLOSING_COLUMNS,
    NO_COUNTERPART_PREDICATE,
    NO_TERM_FOUND,
    OPENING_COLUMNS,
    PREDICATE_FOR,
    Mapping,
    NoCounterpart,
)

SSSOM_COLUMNS = (
    *OPENING_COLUMNS,
    "confidence",
    *CLOSING_COLUMNS,
    "derived",
)
_XSD = "http://www.w3.org/2001/XMLSchema#"
EXTENSION_DEFINITIONS = [
    {"slot_name": "set_relation", "property": GS + "set_relation", "type_hint": _XSD + "string"},
    {"slot_name": "strength", "property": GS + "strength", "type_hint": _XSD + "integer"},
    {"slot_name": "rationale", "property": GS + "rationale", "type_hint": _XSD + "string"},
    {"slot_name": "status", "property": GS + "status", "type_hint": _XSD + "string"},
    {"slot_name": "source", "property": DCTERMS + "source", "type_hint": _XSD + "string"},
    {"slot_name": "derived", "property": GS + "derived", "type_hint": _XSD + "boolean"},
]
_BASE_PREFIXES = ("skos", "semapv", "sssom", "graphsvc")


def curie(value: str) -> str:
    """An IRI as a CURIE of the project's prefixes; anything else as it is."""
    return compress(value) if value.startswith(("http://", "https://")) else value


def _prefixes_for(mappings: Sequence[Mapping], no_counterparts: Sequence[NoCounterpart] = ()) -> dict[str, str]:
    used: set[str] = set(_BASE_PREFIXES)
    for m in mappings:
        for value in (m.subject, m.object, m.justification, m.author, m.reviewer):
            prefix, sep, _ = curie(value).partition(":")
            if sep and prefix in PREFIXES:
                used.add(prefix)
    for nc in no_counterparts:
        for value in (nc.object, nc.justification, nc.author, nc.reviewer):
            prefix, sep, _ = curie(value).partition(":")
            if sep and prefix in PREFIXES:
                used.add(prefix)
    order = [*FRAMEWORK_PREFIXES, *_BASE_PREFIXES]
    return {p: PREFIXES[p] for p in sorted(used, key=lambda p: (order.index(p) if p in order else 99, p))}


def sssom_header(meta: MappingT[str, Any]) -> str:
    text = yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True, width=10**9, default_flow_style=False)
    return "".join(f"# {line}\n" for line in text.splitlines())


def sssom_tsv(
    mappings: Sequence[Mapping],
    meta: MappingT[str, Any],
    labels: MappingT[str, str] | None = None,
    no_counterparts: Sequence[NoCounterpart] = (),
) -> str:
    """A mapping set as SSSOM TSV with its ``#`` YAML header.

    ``meta`` holds the set metadata (``mapping_set_id``, ``mapping_set_title``,
    ``mapping_set_version``, ``license``, ``creator_id``, …); ``curie_map`` and
    ``extension_definitions`` are added. ``labels`` gives requirement titles by IRI.
    ``no_counterparts`` are written after the mappings as ``sssom:NoTermFound`` rows in the
    format of notes/coordination.md (the reason in both comment and rationale).
    """
    labels = labels or {}
    header: dict[str, Any] = {"curie_map": _prefixes_for(mappings, no_counterparts)}
    header.update({k: v for k, v in meta.items() if v not in (None, "", [])})
    header["extension_definitions"] = EXTENSION_DEFINITIONS
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(SSSOM_COLUMNS)
    w.writerows(_mapping_row(m, labels) for m in mappings)
    w.writerows(_no_counterpart_row(nc, labels) for nc in no_counterparts)
    return sssom_header(header) + buf.getvalue()


def _mapping_row(m: Mapping, labels: MappingT[str, str]) -> list[Any]:
    """A mapping's row, in the order of :data:`SSSOM_COLUMNS`."""
    return [
        curie(m.subject),
        labels.get(m.subject, ""),
        PREDICATE_FOR[m.relation],
        "Not" if m.relation == "not-related" else "",
        *_object_columns(m, labels),
        m.comment,
        m.source,
        m.relation,
        m.strength,
        m.rationale,
        m.status,
        "true" if m.derived else "false",
    ]


def _no_counterpart_row(nc: NoCounterpart, labels: MappingT[str, str]) -> list[Any]:
    """A no-counterpart decision's ``sssom:NoTermFound`` row (the reason in both comment and rationale)."""
    return [
        NO_TERM_FOUND,
        "",
        NO_COUNTERPART_PREDICATE,
        "",
        *_object_columns(nc, labels),
        nc.reason,
        nc.source,
        "",
        "",
        nc.reason,
        nc.status,
        "false",
    ]


def _object_columns(record: Mapping | NoCounterpart, labels: MappingT[str, str]) -> list[str]:
    """``object_id`` to ``confidence``, which a mapping and a no-counterpart decision fill alike."""
    return [
        curie(record.object),
        labels.get(record.object, ""),
        curie(record.justification),
        record.author,
        record.reviewer,
        "" if record.confidence is None else repr(record.confidence),
    ]
