"""Importing a user's licensed copy of the CSA AI Controls Matrix into a live store."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from graphsvc.config import kept_dir
from graphsvc.imports.report import ImportReport
from graphsvc.sources.aicm import aicm_graphs


def import_aicm(svc: Any, path: Path, version: str | None = None, *, keep: bool = True) -> ImportReport:
    """Import a user's licensed AICM file (CSA workbook or STIX 2.1 JSON) atomically.

    Titles, specifications and shared-responsibility owners go to ``gsg:import/aicm-<version>``;
    CSA's mapping columns become mapping sets (with CSA's gap verdict kept) that crosswalks and
    coverage use like any other. The file is kept so that ``graphsvc build`` imports it again.
    """
    from graphsvc.sources.catalogs import load_catalogs

    ver, graphs = aicm_graphs(path, load_catalogs(svc.settings.mappings_dir), version)
    svc.store.replace_graphs(graphs)
    svc.invalidate()
    if keep:
        dest = kept_dir(svc.settings.data_path, "aicm")
        dest.mkdir(parents=True, exist_ok=True)
        for old in dest.glob(f"aicm-{ver}.*"):
            old.unlink()
        shutil.copy2(path, dest / f"aicm-{ver}{path.suffix}")
    return ImportReport("aicm", ver, {g: len(t) for g, t in graphs.items()})
