"""An app over a private copy of the session's built store, for tests that write (not a test module)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from graphsvc.config import Settings, load_settings
from graphsvc.http.app import create_app
from graphsvc.http.keys import KeyStore
from graphsvc.namespaces import graph_iri
from graphsvc.service import GraphService

ACME, ACME_PUB, BETA = graph_iri("org/acme"), graph_iri("org/acme/published"), graph_iri("org/beta")
KEYS = [
    ("admin", "admin", None),
    ("acme_writer", "writer", "acme"),
    ("acme_reader", "reader", "acme"),
    ("beta_writer", "writer", "beta"),
    ("beta_reader", "reader", "beta"),
]


def copy_settings(built: Settings, dest: Path, **overrides: Any) -> Settings:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built.store_path.resolve(), dest / "store-copy")
    (dest / "store").symlink_to("store-copy")
    return load_settings(environ={}, overrides={"data_dir": str(dest), **overrides})


@contextmanager
def app_client(built: Settings, dest: Path, **overrides: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A TestClient and one key per name in :data:`KEYS`; acme and beta hold one private fact each."""
    settings = copy_settings(built, dest, **overrides)
    ks = KeyStore(settings.data_path / "keys.json")
    keys = {name: ks.create(role, tenant=tenant, name=name)[1] for name, role, tenant in KEYS}
    app = create_app(GraphService.from_settings(settings, read_only=False), settings, keys=ks, query_workers=1)
    with TestClient(app, raise_server_exceptions=False) as client:
        for graph, who, label in ((ACME, "acme_writer", "SECRET-ACME"), (BETA, "beta_writer", "SECRET-BETA")):
            r = client.put(
                "/rdf-graphs",
                params={"graph": graph},
                content=f'<urn:t:{label}> <urn:t:label> "{label}" .',
                headers={"Authorization": f"Bearer {keys[who]}", "Content-Type": "text/turtle"},
            )
            assert r.status_code in {201, 204}, r.text
        yield client, keys


def bearer(token: str | None, content_type: str | None = None, accept: str | None = None) -> dict[str, str]:
    out = {}
    if token:
        out["Authorization"] = f"Bearer {token}"
    if content_type:
        out["Content-Type"] = content_type
    if accept:
        out["Accept"] = accept
    return out


def error_of(r: Any, status: int) -> dict[str, Any]:
    """The one JSON error shape, with this status."""
    assert r.status_code == status, (r.status_code, r.text[:500])
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status", "code"} and body["status"] == status, body
    return body
