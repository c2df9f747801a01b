"""Importing a provider's OSCAL component definition or SSP into a live store, as an organisation.

The conversion is :mod:`graphsvc.sources.oscal`'s; this module loads its result all or nothing
and keeps the generated YAML for the next build.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from graphsvc.config import kept_dir
from graphsvc.imports.org import load_org
from graphsvc.imports.report import ImportReport
from graphsvc.sources.orgdata import compile_org
from graphsvc.sources.oscal import CatalogIndex, oscal_to_org, to_yaml


def import_oscal(svc: Any, path: Path, org_id: str | None = None, *, keep: bool = True) -> Any:
    """Convert an OSCAL file and load it as an organisation, all or nothing.

    The generated YAML is kept under ``<data_dir>/imports/org/<org-id>/<org-id>.yaml``
    (replacing what was kept for that organisation) once the store has it.

    :returns: an :class:`~graphsvc.imports.report.ImportReport` of kind ``oscal``.
    :raises DataLoadError: conversion, reference or SHACL errors; the store is unchanged.
    """
    path = Path(path)
    data = oscal_to_org(path, org_id, catalogs=CatalogIndex.from_service(svc))
    od = compile_org(data, path)
    report = load_org(svc, od)
    if keep:
        dest = kept_dir(svc.settings.data_path, "org") / od.org_id
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        (dest / f"{od.org_id}.yaml").write_text(to_yaml(data, path), encoding="utf-8")
    return ImportReport("oscal", report.name, report.graphs)
