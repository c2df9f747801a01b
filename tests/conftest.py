"""Shared fixtures: the shipped files built once per session into an on-disk store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.config import PROJECT_ROOT, Settings, load_settings
from graphsvc.service import GraphService

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds a store built from the shipped files."""
    from graphsvc.build import build

    data = tmp_path_factory.mktemp("store")
    settings = load_settings(environ={}, overrides={"data_dir": str(data)})
    build(settings)
    return settings


@pytest.fixture(scope="session")
def service(built_settings: Settings) -> Iterator[GraphService]:
    svc = GraphService.from_settings(built_settings, read_only=True)
    yield svc


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of ontology/, mappings/ and queries/ that a test may break."""
    root = tmp_path / "project"
    for name in ("ontology", "mappings", "queries"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    return root


@pytest.fixture
def writable(project_copy: Path, tmp_path: Path) -> Settings:
    """Settings over a scratch project copy and an empty data dir."""
    return load_settings(environ={}, overrides={"root": str(project_copy), "data_dir": str(tmp_path / "data")})
