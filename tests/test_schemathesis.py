"""schemathesis against the app's own OpenAPI: generated requests to every documented operation,
anonymous and with a tenant's writer key; no request may make the server fail (5xx), and every
JSON answer must match the schema it documents.

The app runs in-process (ASGI) over a private copy of the built store, with worker processes for
SPARQL queries as in ``graphsvc serve``. Writes by generated requests go to the writer's own
tenant graphs only (the key cannot write anything else), so the shipped data stays intact.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

from graphsvc.config import Settings, load_settings  # noqa: E402
from graphsvc.http.app import create_app  # noqa: E402
from graphsvc.http.keys import KeyStore  # noqa: E402
from graphsvc.service import GraphService  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(built_settings.store_path.resolve(), data / "store-copy")
    (data / "store").symlink_to("store-copy")
    s = load_settings(environ={}, overrides={"data_dir": str(data), "query_timeout": 5.0, "result_cap": 200})
    token = KeyStore(data / "keys.json").create("writer", tenant="fuzz", name="schemathesis")[1]
    service = GraphService.from_settings(s, read_only=False)
    app = create_app(service, s)
    state = app.state.gs
    state.executor.start()
    yield app, token
    state.executor.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: tuple[Any, str]) -> Any:
    app, _ = fuzz_app
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_errors_anonymous(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_errors_with_a_writer_key(case: Any, fuzz_app: tuple[Any, str]) -> None:
    _, token = fuzz_app
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error, response_schema_conformance]
    )
