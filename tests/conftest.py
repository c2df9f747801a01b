"""Shared fixtures: the shipped files built once per session into an on-disk store."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphsvc.config import PROJECT_ROOT, Settings, load_settings
from graphsvc.service import GraphService

REFERENCE = Path(__file__).parent / "data" / "reference"
OSCAL_SCHEMAS = Path(__file__).parent / "data" / "oscal" / "schemas"


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


def oscal_schema_errors(doc: dict[str, Any], schema_file: str) -> list[str]:
    """Validate against a NIST OSCAL JSON schema (``\\p{L}``/``\\p{N}`` rewritten for Python's re)."""
    import jsonschema

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: v.replace(r"\p{L}", r"[^\W\d_]").replace(r"\p{N}", r"\d")
                if k == "pattern" and isinstance(v, str)
                else fix(v)
                for k, v in node.items()
            }
        return [fix(x) for x in node] if isinstance(node, list) else node

    schema = fix(json.loads((OSCAL_SCHEMAS / schema_file).read_text(encoding="utf-8")))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{e.json_path}: {e.message[:300]}" for e in validator.iter_errors(doc)]


@contextlib.contextmanager
def app_over_copy(
    built: Settings, dest: Path, callers: tuple[tuple[str, str, str | None], ...]
) -> Iterator[dict[str, Any]]:
    """An in-process app (thread executor) over a private copy of the built store, with a key for
    each (name, role, tenant) caller: ``{"client", "keys", "service", "settings"}``."""
    from fastapi.testclient import TestClient

    from graphsvc.http.app import create_app
    from graphsvc.http.keys import KeyStore
    from graphsvc.http.sparql.evaluation import ThreadExecutor

    shutil.copytree(built.store_path.resolve(), dest / "store-copy")
    (dest / "store").symlink_to("store-copy")
    settings = load_settings(environ={}, overrides={"data_dir": str(dest)})
    service = GraphService.from_settings(settings, read_only=False)
    ks = KeyStore(settings.data_path / "keys.json")
    keys = {name: ks.create(role, tenant=tenant, name=name)[1] for name, role, tenant in callers}
    app = create_app(service, settings, executor=ThreadExecutor(service.store))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield {"client": client, "keys": keys, "service": service, "settings": settings, "app": app}
    finally:
        service.store.close()
