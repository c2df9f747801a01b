"""The CISO Assistant libraries a user imported, kept for rebuilds: where they are kept
(``<data_dir>/imports/ciso-assistant/``, each with the options it was imported with), how one
library converts against the catalogs already known, and :func:`kept_sources`, which hands the
kept files to ``graphsvc build``. Importing into a live store is
:mod:`graphsvc.imports.ciso_assistant`, which sits above the build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from graphsvc.config import Settings
from graphsvc.config import kept_dir as imports_dir
from graphsvc.errors import DataLoadError
from graphsvc.namespaces import GSD
from graphsvc.sources.catalogs import Catalog
from graphsvc.sources.ciso_assistant.convert import (
    BRIDGES,
    CA_PREFIX,
    ImportedCatalog,
    ImportedSet,
    Resolver,
    framework_catalog,
    known_from_catalog,
    urn_parts,
)
from graphsvc.sources.ciso_assistant.library import Library, read_library
from graphsvc.sources.ciso_assistant.mapping_rows import mapping_set

KIND = "ciso-assistant"
#: Mapping sets imported from CISO Assistant libraries have set IDs under this prefix.
SET_PREFIX = GSD + "mappingset/ca-"


@dataclass
class Options:
    """How a library was imported (kept next to the file so a rebuild does the same)."""

    framework_id: str | None = None
    edition: str | None = None
    status: str = "approved"
    strength_scale: int = 10

    @classmethod
    def read(cls, path: Path) -> Options:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataLoadError(f"{path}: {exc}") from exc
        return cls(**{k: data[k] for k in ("framework_id", "edition", "status", "strength_scale") if k in data})


def kept_dir(data_path: Path) -> Path:
    return imports_dir(data_path, KIND)


def convert_library(
    lib: Library, resolver: Resolver, opts: Options, *, taken: dict[str, str], shipped: set[str]
) -> tuple[list[ImportedCatalog], list[ImportedSet]]:
    """The catalogs and mapping sets of one library, checked against what is known.

    :param taken: short name → framework IRI of every framework already in the graph.
    :param shipped: the catalog keys graphsvc ships (a library may not replace one).
    """
    if opts.framework_id and len(lib.frameworks) > 1:
        raise DataLoadError(f"{lib.path}: the library has {len(lib.frameworks)} frameworks; --id names only one")
    catalogs = []
    for fw in lib.frameworks:
        cat = framework_catalog(lib, fw, short_name=opts.framework_id, edition=opts.edition)
        bridged = fw.urn.startswith(CA_PREFIX) and urn_parts(fw.urn)[2] in BRIDGES
        if cat.key in shipped or bridged:
            raise DataLoadError(
                f"{fw.where}: field 'urn': graphsvc ships the catalog {BRIDGES.get(cat.key, cat.key)} itself; "
                "mapping sets that name "
                f"{fw.urn} or its nodes resolve to it, so there is nothing to import"
            )
        if taken.get(cat.short_name, cat.iri) != cat.iri:
            raise DataLoadError(
                f"{fw.where}: framework id {cat.short_name!r} is taken by {taken[cat.short_name]}; give another (--id)"
            )
        taken[cat.short_name] = cat.iri
        resolver.add(known_from_catalog(cat))
        catalogs.append(cat)
    sets = [mapping_set(lib, doc, resolver, status=opts.status) for doc in lib.mapping_sets]
    return catalogs, sets


def kept_sources(settings: Settings, catalogs: list[Catalog]) -> tuple[list[ImportedCatalog], list[ImportedSet]]:
    """The kept CISO Assistant imports, converted against ``catalogs`` (for ``graphsvc build``).

    Frameworks of every kept file come first, so a mapping set may name a framework kept in
    another file.
    """
    folder = kept_dir(settings.data_path)
    if not folder.is_dir():
        return [], []
    libs = [
        (read_library(p, strength_scale=(o := Options.read(p.with_suffix(".options.json"))).strength_scale), o)
        for p in sorted(folder.glob("*.yaml"))
    ]
    resolver = Resolver(known_from_catalog(c) for c in catalogs)
    taken = {c.short_name: c.iri for c in catalogs}
    shipped = {c.key for c in catalogs}
    out_cats: list[ImportedCatalog] = []
    for lib, opts in libs:
        only_frameworks = Library(**{**lib.__dict__, "mapping_sets": []})
        out_cats += convert_library(only_frameworks, resolver, opts, taken=taken, shipped=shipped)[0]
    out_sets: list[ImportedSet] = []
    for lib, opts in libs:
        out_sets += [mapping_set(lib, doc, resolver, status=opts.status) for doc in lib.mapping_sets]
    return out_cats, out_sets
