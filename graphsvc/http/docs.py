"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from files installed with graphsvc, never a CDN.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and a favicon and Google fonts), so
on a machine without internet they are blank. The same assets ship in the ``fastapi-offline``
wheel (a dependency, MIT licence; Swagger UI is Apache-2.0 and ReDoc MIT, see the README's
"Licences"), under ``fastapi_offline/static``: :func:`install_docs` serves that directory at
:data:`ASSETS` and writes the two pages to load from it, with Swagger UI's online validator
badge turned off (it would call validator.swagger.io) and ReDoc without Google fonts. ReDoc's
bundle draws the Redocly logo from ``cdn.redoc.ly`` (an ``<img>`` it hides when loading fails):
that one URL is replaced, as the file is served, by an empty ``data:`` URL, so the image fails
without a request and is hidden (:data:`REDOC_LOGO`). Every
request those pages make goes to the graphsvc server itself (tests/test_apidocs.py checks the
pages in-process; tests/test_web.py loads /docs in Chromium with every request to another
host aborted).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

#: Where the Swagger UI and ReDoc files are served.
ASSETS = "/docs-assets"
#: The one address the ReDoc bundle loads by itself, and what it is served with instead.
REDOC_LOGO = (b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"data:,")
#: Files the pages load, all of them in :func:`assets_dir`.
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")


def assets_dir() -> Path:
    """The installed directory holding :data:`FILES` (the ``fastapi_offline`` package's ``static``).

    >>> sorted(p.name for p in assets_dir().iterdir() if p.name in FILES) == sorted(FILES)
    True
    """
    return Path(str(resources.files("fastapi_offline") / "static"))


@functools.cache
def redoc_bundle() -> bytes:
    """The installed ReDoc bundle with its logo address replaced (:data:`REDOC_LOGO`)."""
    return (assets_dir() / "redoc.standalone.js").read_bytes().replace(*REDOC_LOGO)


def install_docs(app: FastAPI, *, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve the assets and the two pages on an app created with ``docs_url=None, redoc_url=None``."""
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    app.mount(ASSETS, StaticFiles(directory=str(assets_dir())), name="docs-assets")

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + oauth2_url,
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        )

    @app.get(oauth2_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
