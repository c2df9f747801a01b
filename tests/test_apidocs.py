"""/docs and /redoc load only files graphsvc serves itself (in-process; tests/test_web.py renders them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from apptools import app_client
from fastapi.testclient import TestClient

from graphsvc.config import Settings
from graphsvc.http.docs import ASSETS, FILES, REDOC_LOGO, assets_dir


@pytest.fixture(scope="module")
def client(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_client(built_settings, tmp_path_factory.mktemp("apidocs")) as (c, _):
        yield c


def urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_loads_nothing_from_another_host(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    found = [u for pair in urls(r.text) for u in pair if u]
    assert found, r.text
    for u in found:
        assert u.startswith("/"), (page, u)  # same origin, never a CDN
        assert client.get(u).status_code == 200, u
    assert "cdn." not in r.text and "fonts.googleapis" not in r.text and "fastapi.tiangolo.com" not in r.text


def test_the_assets_are_the_installed_files(client: TestClient) -> None:
    for name in FILES:
        r = client.get(f"{ASSETS}/{name}")
        installed = (assets_dir() / name).read_bytes()
        assert r.status_code == 200
        if name == "redoc.standalone.js":  # the one address the bundle loads by itself is replaced
            assert REDOC_LOGO[0] in installed and REDOC_LOGO[0] not in r.content
            assert r.content == installed.replace(*REDOC_LOGO)
        else:
            assert r.content == installed


def test_swagger_ui_never_asks_the_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text
