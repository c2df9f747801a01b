"""Prefixes, well-known IRIs and CURIE handling.

>>> expand("iso42001:A.6.2.8")
'https://w3id.org/graphsvc/req/iso42001-2023/A.6.2.8'
>>> compress("https://w3id.org/graphsvc/req/nistairmf-1.0/GOVERN-1.1")
'nistairmf:GOVERN-1.1'
"""

from __future__ import annotations

import functools
from typing import Literal, overload

import curies

from graphsvc.errors import UnknownTerm

BASE = "https://w3id.org/graphsvc/"
GS = BASE + "ontology#"
GSD = BASE + "id/"
GSG = BASE + "graph/"
FRAMEWORK = BASE + "framework/"
#: The base IRI relative IRIs in SPARQL queries and updates resolve against (stated in the service description).
GRAPHSVC_BASE_IRI = BASE + "base/"
#: graphs the store maintains itself (graphsvc.store.unions): never a query's named graph, never written
UNION_PREFIX = GSG + "union/"
PUBLIC_UNION = UNION_PREFIX + "public"
PRIVATE_UNION = UNION_PREFIX + "private"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"

#: Requirement namespaces, one per framework edition shipped; the prefix is the CLI id.
FRAMEWORK_PREFIXES: dict[str, str] = {
    "iso42001": BASE + "req/iso42001-2023/",
    "euaia": BASE + "req/euaia-2024-1689/",
    "nistairmf": BASE + "req/nistairmf-1.0/",
    "aicm": BASE + "req/aicm-1.1.0/",
    "starai": BASE + "req/csa-star-ai/",
}

PREFIXES: dict[str, str] = {
    **FRAMEWORK_PREFIXES,
    "gs": GS,
    "gsd": GSD,
    "gsg": GSG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sssom": SSSOM,
    "semapv": SEMAPV,
    "org": "http://www.w3.org/ns/org#",
    "graphsvc": GSD + "agent/",
}

CONVERTER = curies.Converter.from_prefix_map(PREFIXES)


def gs(local: str) -> str:
    """An IRI in the project ontology namespace."""
    return GS + local


def graph_iri(name: str) -> str:
    """The IRI of a named graph, e.g. ``graph_iri('framework/iso42001-2023')``."""
    return GSG + name


def org_graph(org_id: str, part: str = "") -> str:
    """An organisation's named graph: its private graph, or its ``published``, ``controls`` or
    ``mappings`` graph.

    >>> org_graph("acme"), org_graph("acme", "published")
    ('https://w3id.org/graphsvc/graph/org/acme', 'https://w3id.org/graphsvc/graph/org/acme/published')
    """
    return graph_iri(f"org/{org_id}/{part}" if part else f"org/{org_id}")


def sparql_prefixes() -> str:
    """PREFIX lines for every known prefix, for queries typed by people."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def is_curie(text: str) -> bool:
    prefix, sep, _ = text.partition(":")
    return bool(sep) and prefix in PREFIXES


@overload
def expand(curie: str, *, strict: Literal[True] = ...) -> str: ...
@overload
def expand(curie: str, *, strict: Literal[False]) -> str | None: ...
def expand(curie: str, *, strict: bool = True) -> str | None:
    """Expand a CURIE with a known prefix; full IRIs pass through unchanged.

    :raises UnknownTerm: (strict) the prefix is unknown.
    """
    if curie.startswith(("http://", "https://", "urn:")):
        return curie
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    if strict:
        known = ", ".join(sorted(FRAMEWORK_PREFIXES))
        raise UnknownTerm(f"{curie!r} is not a CURIE with a known prefix (frameworks: {known})")
    return None


@functools.lru_cache(maxsize=65536)
def compress(iri: str) -> str:
    """The shortest CURIE for an IRI, or the IRI itself (memoised: the hot path calls it often)."""
    return CONVERTER.compress(iri) or iri
