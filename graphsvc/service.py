"""GraphService: settings + store + named queries + the domain functions.

The CLI, the API, the tests and bench/ each build one GraphService and call its methods;
none of them touches the store directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graphsvc.build import BuildReport, build
from graphsvc.config import Settings
from graphsvc.domain.crosswalk import CrosswalkIndex
from graphsvc.errors import QueryParameterError, StoreError, UnknownTerm
from graphsvc.namespaces import FRAMEWORK_PREFIXES, compress, expand, graph_iri
from graphsvc.sources.mappingsets import Mapping, mapping_from_row
from graphsvc.sources.queries import QueryRegistry
from graphsvc.store.base import GraphStore
from graphsvc.store.embedded import EmbeddedStore
from graphsvc.terms import plain_rows


@dataclass
class GraphService:
    settings: Settings
    store: GraphStore
    registry: QueryRegistry
    _cache: dict[str, Any] = field(default_factory=dict)
    #: counts :meth:`invalidate` calls (one per write), so work prepared outside a write lock
    #: can tell whether the store changed under it
    generation: int = 0

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_settings(
        cls, settings: Settings, *, read_only: bool = True, build_if_missing: bool = True
    ) -> GraphService:
        """Open the configured store, building it from the shipped files when it does not exist
        yet (``build_if_missing``, as ``graphsvc serve`` does on first start).

        :raises StoreError: there is no built store and ``build_if_missing`` is false; the
            message names the store and says to run ``graphsvc build``.
        """
        registry = QueryRegistry.from_dir(settings.queries_dir)
        if settings.store_url:
            from graphsvc.namespaces import graph_iri
            from graphsvc.store.remote import RemoteStore

            remote = RemoteStore.from_settings(settings)
            if not any(g.startswith(graph_iri("framework/")) for g in remote.named_graphs()):
                if not build_if_missing:
                    raise StoreError(
                        f"no graphsvc data at {settings.store_url}: run `graphsvc build` first "
                        "(or point GRAPHSVC_STORE_URL at an endpoint that has it)"
                    )
                build(settings)
            return cls(settings, remote, registry)
        if not settings.store_path.exists():
            if not build_if_missing:
                raise StoreError(
                    f"no store at {settings.store_path}: run `graphsvc build --store {settings.data_path}` first, "
                    "or give --store the data directory of a built store"
                )
            build(settings)
        return cls(settings, EmbeddedStore.open(settings.store_path, read_only=read_only), registry)

    @classmethod
    def in_memory(cls, settings: Settings) -> GraphService:
        """Build the shipped files into an in-memory store (tests, benchmarks)."""
        from graphsvc.build import compile_sources, derive, validate

        compiled = compile_sources(settings)
        validate(compiled)
        derive(compiled, settings)
        store = EmbeddedStore.in_memory()
        store.bulk_load(compiled.quads())
        return cls(settings, store, QueryRegistry.from_dir(settings.queries_dir))

    def rebuild(self) -> BuildReport:
        report = build(self.settings)
        self.invalidate()
        return report

    def invalidate(self) -> None:
        """Forget cached indexes (after any write)."""
        self.generation += 1
        self._cache.clear()
        self.__dict__.pop("framework_of", None)

    # -- queries ----------------------------------------------------------------------
    def select(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return plain_rows(self.registry.select(self.store, name, **params))

    # -- catalogs ---------------------------------------------------------------------
    def frameworks(self) -> list[dict[str, Any]]:
        """The framework editions with their requirement counts (cached until :meth:`invalidate`)."""
        cache = self.cache("frameworks")
        if "list" not in cache:
            cache["list"] = self._frameworks()
        return cache["list"]

    def _frameworks(self) -> list[dict[str, Any]]:
        return [
            {
                "id": r["id"],
                "title": r["title"],
                "edition": r["edition"],
                "requirements": r["requirements"],
                "publisher": r["publisher"],
                "iri": r["framework"],
            }
            for r in self.select("frameworks")
        ]

    def framework_ids(self) -> list[str]:
        return [f["id"] for f in self.frameworks()]

    def check_framework(self, fw: str) -> str:
        ids = self.framework_ids()
        if fw not in ids:
            raise UnknownTerm(f"unknown framework {fw!r}; known: {', '.join(ids)}")
        return fw

    def catalog(self, framework: str, kind: str | None = None, *, check_kind: bool = False) -> list[dict[str, Any]]:
        """Every requirement of a framework, or of one kind of it (none of an unknown kind).

        :raises QueryParameterError: with ``check_kind``, ``kind`` is not a kind of that framework
            (the message lists its kinds).
        """
        self.check_framework(framework)
        if kind is not None and check_kind:
            kinds = sorted({r["kind"] for r in self.catalog_cached(framework)})
            if kind not in kinds:
                raise QueryParameterError(f"--kind {kind!r}: {framework} has the kinds {', '.join(kinds)}")
        rows = self.select("catalog", framework=framework, kind=kind)
        return [
            {
                "notation": r["notation"],
                "title": r.get("title", ""),
                "kind": r["kind"],
                "parent": r.get("parent", ""),
                "curie": compress(r["req"]),
                "summary": r.get("summary", ""),
                "layer": r.get("layer", ""),
            }
            for r in rows
        ]

    def cache(self, name: str) -> dict[Any, Any]:
        """A named cache, emptied by :meth:`invalidate` (after any write)."""
        return self._cache.setdefault("named:" + name, {})

    def catalog_cached(self, framework: str) -> list[dict[str, Any]]:
        """Every requirement of a framework with IRI, notation, title, kind, parent, obligation flag."""
        cache = self.cache("catalog")
        if framework not in cache:
            rows = self.select("catalog", framework=framework)
            cache[framework] = [
                {
                    "iri": r["req"],
                    "curie": compress(r["req"]),
                    "notation": r["notation"],
                    "title": r.get("title", ""),
                    "kind": r["kind"],
                    "parent": r.get("parent", ""),
                    "obligation": bool(r.get("obligation")),
                    "layer": r.get("layer", ""),
                }
                for r in rows
            ]
        return cache[framework]

    def lineage(self, req: str) -> list[str]:
        """The requirement and its ancestors, nearest first."""
        cache = self.cache("parents")
        if not cache:
            rows = self.store.select(
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?r ?p WHERE { ?r skos:broader ?p }"
            )
            cache.update({r["r"].value: r["p"].value for r in rows})
        out = [req]
        while out[-1] in cache and len(out) < 20:
            out.append(cache[out[-1]])
        return out

    def reference_graph_list(self) -> list[str]:
        """Every graph that belongs to no organisation."""
        cache = self.cache("reference_graphs")
        if "list" not in cache:
            from graphsvc.domain.graph_scope import reference_graphs

            cache["list"] = reference_graphs(self)
        return cache["list"]

    def framework_graph_list(self) -> list[str]:
        """The graphs of the framework catalogs."""
        return [g for g in self.reference_graph_list() if g.startswith(graph_iri("framework/"))]

    def public_graph_list(self) -> list[str]:
        """Every graph but the organisations' private ones."""
        cache = self.cache("public_graphs")
        if "list" not in cache:
            from graphsvc.domain.graph_scope import public_graphs

            cache["list"] = public_graphs(self)
        return cache["list"]

    @cached_property
    def framework_of(self) -> dict[str, str]:
        rows = self.store.select(
            "PREFIX gs: <https://w3id.org/graphsvc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?r ?id WHERE { ?r skos:inScheme ?f . ?f gs:shortName ?id }"
        )
        return {r["r"].value: r["id"].value for r in rows}

    def notation_of(self, req: str) -> str:
        return self.requirement_info(req)["notation"]

    def requirement_info(self, req: str) -> dict[str, Any]:
        cache = self._cache.setdefault("req_info", {})
        if req not in cache:
            rows = self.select("requirement", req=req)
            if not rows:
                raise UnknownTerm(f"{compress(req)} is not a requirement in the graph")
            r = rows[0]
            cache[req] = {
                "iri": req,
                "curie": compress(req),
                "framework": r["frameworkId"],
                "notation": r["notation"],
                "title": r.get("title", ""),
                "kind": r["kind"],
                "parent": r.get("parent", ""),
                "summary": r.get("summary", ""),
            }
        return cache[req]

    def resolve(self, text: str) -> str:
        """A requirement IRI from a CURIE (``iso42001:A.6.2.8``), a notation CURIE
        (``euaia:26(1)``, ``nistairmf:GOVERN 1.1``) or a full IRI.

        :raises UnknownTerm: nothing in the graph answers to it.
        """
        text = text.strip()
        candidate = expand(text, strict=False)
        if candidate and candidate in self.framework_of:
            return candidate
        prefix, sep, local = text.partition(":")
        if sep and (prefix in FRAMEWORK_PREFIXES or prefix in self.framework_ids()):  # shipped or imported
            for notation in (local, local.replace("-", " "), f"Article {local}", f"Annex {local}"):
                rows = self.select("requirement_by_notation", framework=prefix, notation=notation)
                if rows:
                    return rows[0]["req"]
        raise UnknownTerm(
            f"{text!r} is not a requirement in the graph (use a CURIE such as iso42001:A.6.2.8, "
            "nistairmf:GOVERN-1.1, euaia:art26.1 or euaia:26(1))"
        )

    # -- crosswalk --------------------------------------------------------------------
    def mappings(self) -> list[Mapping]:
        if "mappings" not in self._cache:
            out = [mapping_from_row(r, iri=r["mapping"], set_id=r["set"]) for r in self.select("mappings")]
            self._cache["mappings"] = out
        return self._cache["mappings"]

    def crosswalk_index(self) -> CrosswalkIndex:
        if "xw" not in self._cache:
            self._cache["xw"] = CrosswalkIndex([m for m in self.mappings() if not m.derived], self.framework_of)
        return self._cache["xw"]


def _hop_dict(svc: GraphService, hop: Any) -> dict[str, Any]:
    m = hop.mapping
    return {
        "from": svc.notation_of(hop.source),
        "from_curie": compress(hop.source),
        "to": svc.notation_of(hop.target),
        "to_curie": compress(hop.target),
        "relation": hop.relation,
        "inverted": hop.inverted,
        "strength": m.strength,
        "status": m.status,
        "source": m.source,
        "comment": m.comment,
        "mapping": m.iri,
    }


def link_row(svc: GraphService, link: Any) -> dict[str, Any]:
    """A crosswalk link as a plain row (shared by crosswalk, matrix and coverage answers)."""
    info = svc.requirement_info(link.target)
    return {
        "source": svc.notation_of(link.source),
        "source_curie": compress(link.source),
        "target": info["notation"],
        "target_curie": info["curie"],
        "target_title": info["title"],
        "target_framework": info["framework"],
        "relation": link.relation,
        "transfer": link.transfer,
        "strength": link.strength,
        "status": link.status,
        "derived": link.derived,
        "source_ref": "; ".join(dict.fromkeys(h.mapping.source for h in link.hops)),
        "comment": link.hops[0].mapping.comment
        if not link.derived
        else "chained: " + " → ".join(f"{svc.notation_of(h.target)} ({h.relation})" for h in link.hops),
        "path": [_hop_dict(svc, h) for h in link.hops],
    }


def crosswalk(
    svc: GraphService,
    curie: str,
    to: str | None = None,
    *,
    depth: int = 2,
    min_strength: int = 1,
    include_proposed: bool = False,
) -> list[dict[str, Any]]:
    """What one requirement maps to (in one framework or all), direct links first."""
    req = svc.resolve(curie)
    if to:
        svc.check_framework(to)
    links = svc.crosswalk_index().links(
        req, depth=depth, min_strength=min_strength, include_proposed=include_proposed, to_framework=to
    )
    return [link_row(svc, lk) for lk in links]


def crosswalk_matrix(
    svc: GraphService,
    source_fw: str,
    target_fw: str,
    *,
    depth: int = 2,
    min_strength: int = 1,
    include_proposed: bool = False,
) -> list[dict[str, Any]]:
    """Every link from every requirement of one framework to another."""
    svc.check_framework(source_fw)
    svc.check_framework(target_fw)
    index = svc.crosswalk_index()
    rows = []
    for item in svc.catalog(source_fw):
        req = expand(item["curie"])
        for lk in index.links(
            req, depth=depth, min_strength=min_strength, include_proposed=include_proposed, to_framework=target_fw
        ):
            rows.append(link_row(svc, lk))
    return rows


def cover(svc: GraphService, source_fw: str, target_fw: str, budget: int = 12, depth: int = 2) -> list[dict[str, Any]]:
    """The greedy cover: requirements of ``source_fw`` that reach the most of ``target_fw``."""
    svc.check_framework(source_fw)
    svc.check_framework(target_fw)
    total = 0
    rows = []
    for rank, (req, new) in enumerate(svc.crosswalk_index().greedy_cover(source_fw, target_fw, budget, depth), 1):
        total += len(new)
        info = svc.requirement_info(req)
        rows.append(
            {
                "rank": rank,
                "notation": info["notation"],
                "title": info["title"],
                "curie": info["curie"],
                "new_targets": len(new),
                "cumulative": total,
                "targets": [svc.notation_of(t) for t in new],
            }
        )
    return rows


def reach(svc: GraphService, source_fw: str, target_fw: str) -> dict[str, Any]:
    """The reach report of the mapping sets from one framework into another."""
    from graphsvc.domain.reach import reach_report

    return reach_report(svc, source_fw, target_fw)


def consistency(svc: GraphService) -> list[dict[str, Any]]:
    """Cross-set consistency findings, with the recorded explanations applied."""
    from graphsvc.domain.consistency import check, finding_rows, load_explanations

    return finding_rows(svc, check(svc, load_explanations(svc.settings.mappings_dir / "chains.yaml")))
