"""Web pages for people who would rather look than read, served by ``graphsvc serve``.

``web_router`` is a FastAPI router with

* ``/ui/`` and four pages (``/ui/coverage``, ``/ui/crosswalk``, ``/ui/sparql``,
  ``/ui/applicability``): plain HTML files from ``graphsvc/http/pages/`` put into one layout, whose
  own scripts call the REST API and the SPARQL endpoint from the browser (no build step);
* ``/ui/static/NAME``: the pages' CSS and JavaScript, from ``graphsvc/http/pages/``;
* ``/ui/vendor/plotly.min.js``: plotly.js as the installed ``plotly`` package ships it
  (``plotly/package_data/plotly.min.js``), read from the package, never copied or fetched
  from a CDN; gzip-compressed once in memory for clients that accept it;
* ``/ui/config.json``: the roles, categories and default law layer the forms offer;
* ``/export/coverage/...?format=xlsx|csv``: the auditor's workbook and the CSV of a coverage
  answer (system, certificate or organisation), computed on the caller's view of the store
  exactly as the JSON coverage routes of :mod:`graphsvc.http.app` compute it.

The pages need no API key of their own: every call they make carries the key the user typed
(kept in ``sessionStorage``) as ``Authorization: Bearer KEY``, so a page shows exactly what
the REST API shows that key.
"""

import dataclasses
import datetime as dt
import functools
import gzip
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from graphsvc.domain import coverage as C
from graphsvc.domain.resolve import resolve_system
from graphsvc.errors import GraphSvcError, QueryParameterError
from graphsvc.http.deps import StateArg
from graphsvc.http.params import ERRORS, Auth, CoverageArgs
from graphsvc.namespaces import PREFIXES
from graphsvc.service import GraphService
from graphsvc.sources.catalogs import CATEGORIES, ROLES

#: The pages: URL name → (file in graphsvc/http/pages/, title, script).
PAGES: dict[str, tuple[str, str, str]] = {
    "": ("index.html", "graphsvc", "index.js"),
    "coverage": ("coverage.html", "Coverage", "coverage.js"),
    "crosswalk": ("crosswalk.html", "Crosswalk explorer", "crosswalk.js"),
    "applicability": ("applicability.html", "Applicability", "applicability.js"),
    "sparql": ("sparql.html", "SPARQL", "sparql.js"),
    "review": ("review.html", "Review queue", "review.js"),
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(css|js|svg)$")
_ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Justification paths per requirement in the downloads: all of them in practice (the JSON routes: 5 unless asked).
EXPORT_PATHS = 1000

#: Scripts and styles come from this server only; plotly.js sets inline styles on its SVG.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ChartLibraryMissing(GraphSvcError):
    """The charting library's JavaScript is not installed."""

    code = "not_found"
    http_status = 404
    default_message = "plotly is not installed: pip install plotly"


def web_dir() -> Path:
    """The folder of the pages' files (``graphsvc/http/pages/``) inside the installed package."""
    return Path(str(resources.files("graphsvc.http") / "static"))


def plotly_js_path() -> Path | None:
    """``plotly/package_data/plotly.min.js`` of the installed plotly package, or None."""
    try:
        spec = resources.files("plotly")
    except ModuleNotFoundError:
        return None
    path = Path(str(spec / "package_data" / "plotly.min.js"))
    return path if path.is_file() else None


@functools.lru_cache(maxsize=4)
def _gzipped(path: str, mtime: float) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


@functools.lru_cache(maxsize=16)
def _read(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def _text(path: Path) -> str:
    return _read(str(path), path.stat().st_mtime)


def render_page(name: str) -> str:
    """One page: its body file put into ``layout.html``, with the page's title, nav and script."""
    file, title, script = PAGES[name]
    root = web_dir()
    layout = _text(root / "layout.html")
    body = _text(root / file)
    nav_attr = f'data-nav="{name or "index"}"'
    page = layout.replace(nav_attr, nav_attr + ' aria-current="page"')
    return (
        page.replace("{{title}}", title if name == "" else f"{title} · graphsvc")
        .replace("{{page}}", name or "index")
        .replace("{{script}}", script)
        .replace("{{content}}", body)
    )


def _version() -> str:
    from graphsvc import __version__

    return __version__


def _asset_response(request: Request, path: Path, media_type: str, *, max_age: int, compress: bool) -> Response:
    stat = path.stat()
    etag = f'"{int(stat.st_mtime)}-{stat.st_size}"'
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    headers["Vary"] = "Accept-Encoding"
    if compress and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(_gzipped(str(path), stat.st_mtime), media_type=media_type, headers=headers)
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


def _filename(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p).strip("_") for p in parts if p)


#: The pages, their assets, and the coverage downloads (xlsx, CSV), as one router. Include it in the
#: app made by :func:`graphsvc.http.app.create_app`, which keeps its :class:`graphsvc.http.app.AppState`
#: in ``app.state.gs``: the download routes read the caller's key and view of the store through it,
#: as every REST route does.
web_router = APIRouter()


# -- pages ------------------------------------------------------------------------------------------
def _page(name: str) -> HTMLResponse:
    return HTMLResponse(render_page(name), headers=PAGE_HEADERS)


@web_router.get("/ui", include_in_schema=False)
def ui_redirect() -> RedirectResponse:
    return RedirectResponse("ui/", status_code=307)


@web_router.get("/ui/", response_class=HTMLResponse, include_in_schema=False)
def ui_index() -> HTMLResponse:
    return _page("")


def _page_route(name: str) -> Callable[[], HTMLResponse]:
    def route() -> HTMLResponse:
        return _page(name)

    return route


for _name in PAGES:
    if _name:
        web_router.add_api_route(
            f"/ui/{_name}",
            _page_route(_name),
            methods=["GET"],
            response_class=HTMLResponse,
            include_in_schema=False,
            name=f"ui_{_name}",
        )


@web_router.get("/ui/static/{name}", include_in_schema=False)
def ui_static(request: Request, name: str) -> Response:
    path = web_dir() / name
    if not _STATIC_NAME.match(name) or not path.is_file():
        return Response(status_code=404)
    return _asset_response(request, path, STATIC_TYPES[path.suffix], max_age=300, compress=False)


@web_router.get("/ui/vendor/plotly.min.js", include_in_schema=False)
def ui_plotly(request: Request) -> Response:
    path = plotly_js_path()
    if path is None:
        raise ChartLibraryMissing()
    return _asset_response(request, path, STATIC_TYPES[".js"], max_age=86400, compress=True)


@web_router.get("/ui/config.json", include_in_schema=False)
def ui_config(state: StateArg) -> dict[str, Any]:
    return {
        "version": _version(),
        "roles": list(ROLES),
        "categories": list(CATEGORIES),
        "law_version": state.settings.law_version,
        "today": dt.date.today().isoformat(),
        "charts": plotly_js_path() is not None,
        "prefixes": PREFIXES,
    }


# -- coverage downloads -----------------------------------------------------------------------------
Format = Annotated[str, Query(pattern="^(xlsx|csv)$", description="xlsx (the auditor's workbook) or csv.")]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The auditor's workbook (summary, one status-coloured sheet per system, every path) "
        "or the CSV of one row per target requirement",
        "content": {XLSX_MEDIA: {}, "text/csv": {}},
    },
    **ERRORS,
}


def _export_route(path: str, summary: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """The decorator of one coverage download route."""
    return web_router.get(path, tags=["coverage"], responses=EXPORT_RESPONSES, response_class=Response, summary=summary)


def _org_id(org: str) -> str:
    if not _ORG_ID.match(org):
        raise QueryParameterError(f"organisation id {org!r}: letters, digits, '.', '_' or '-'")
    return org


def _deliver(result: dict[str, Any], fmt: str, stem: str) -> Response:
    from graphsvc.exports.results import jsonable, to_csv

    result = jsonable(result)
    name = _filename("coverage", stem, result["target"], result["as_of"], result["law_version"])
    if fmt == "xlsx":
        from graphsvc.exports.workbook import coverage_workbook

        body: bytes | str = coverage_workbook(result)
        media = XLSX_MEDIA
    else:
        body = to_csv(C.coverage_rows(result))
        media = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Vary": "Authorization"},
    )


class ExportArgs:
    """What every coverage download takes besides its path (a FastAPI class dependency): the coverage
    question, the format, and the caller (read only when :meth:`view` is called)."""

    def __init__(
        self, request: Request, state: StateArg, q: CoverageArgs, format: Format = "xlsx", _: Auth = None
    ) -> None:
        self.request = request
        self.state = state
        self.q = q
        self.format = format

    def view(self) -> tuple[GraphService, C.Options]:
        """The caller's view of the store, and the coverage options of a download (every path)."""
        svc = self.state.view(self.state.principal(self.request))
        return svc, dataclasses.replace(self.q.options(svc), max_paths=EXPORT_PATHS)


Export = Annotated[ExportArgs, Depends()]


@_export_route("/export/coverage/system/{org}/{system}", "Coverage of one AI system as xlsx or CSV")
def export_system(org: str, system: str, x: Export) -> Response:
    """The answer of `/coverage/system/{org}/{system}` (with paths) as the auditor's workbook or CSV."""
    _org_id(org)
    svc, opts = x.view()
    sys_iri = resolve_system(svc, f"{org}/{system}")
    result = C.system_coverage(svc, sys_iri, x.q.target, opts, explain=True)
    return _deliver(result, x.format, f"{org}-{system}")


@_export_route("/export/coverage/certificate/{certificate:path}", "Coverage of one certificate as xlsx or CSV")
def export_certificate(certificate: str, x: Export) -> Response:
    """The answer of `/coverage/certificate/{certificate}` (with paths) as the auditor's workbook or CSV."""
    svc, opts = x.view()
    result = C.certificate_coverage(svc, certificate, x.q.target, opts, explain=True)
    return _deliver(result, x.format, certificate.rsplit("/", 1)[-1])


@_export_route("/export/coverage/org/{org}", "Coverage of every AI system of an organisation as xlsx or CSV")
def export_org(org: str, x: Export) -> Response:
    """The answer of `/coverage/org/{org}` (with paths) as the auditor's workbook or CSV."""
    _org_id(org)
    svc, opts = x.view()
    return _deliver(C.org_coverage(svc, org, x.q.target, opts, explain=True), x.format, org)
