"""REST routes for CISO Assistant libraries: import (POST a library YAML) and export (GET one), admins only.

``create_app`` includes :data:`ciso_assistant_router`; the routes only translate HTTP to
:mod:`graphsvc.sources.ciso_assistant` and back, under the app's write lock for the import.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from graphsvc.errors import AuthError, DataLoadError, Forbidden, GraphSvcError, UnsupportedMediaType
from graphsvc.http.deps import ServerState, StateArg

Auth = Annotated[Any, Security(HTTPBearer(auto_error=False, description="An admin API key."))]
YAML_TYPES = {"text/yaml", "application/yaml", "application/x-yaml", "text/x-yaml", "text/plain"}
YAML_MEDIA = "application/yaml"


#: The CISO Assistant routes; create_app includes them.
ciso_assistant_router = APIRouter(tags=["interchange"])


def _admin(state: ServerState, request: Request) -> None:
    principal = state.principal(request)
    if principal.is_anonymous:
        raise AuthError("CISO Assistant import and export need an admin API key (Authorization: Bearer KEY)")
    if not principal.is_admin:
        raise Forbidden("CISO Assistant import and export are for admin keys only")


def _do_import(state: ServerState, request: Request, body: bytes, options: Any, strict: bool) -> dict[str, Any]:
    """Check the caller and the Content-Type, then import the library under the write lock (in a thread)."""
    from graphsvc.imports.ciso_assistant import import_library

    _admin(state, request)
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind not in YAML_TYPES:
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'!r}: send the library as application/yaml")
    with tempfile.TemporaryDirectory(prefix="graphsvc-ca-") as tmp:
        path = Path(tmp) / "library.yaml"
        path.write_bytes(body)

        def clean(exc: GraphSvcError) -> GraphSvcError:
            fix = lambda m: m.replace(str(path), "body")  # noqa: E731
            return type(exc)(fix(exc.message), errors=[fix(e) for e in exc.errors])

        with state.write_lock:
            try:
                report = import_library(state.service, path, options=options, strict=strict)
            except GraphSvcError as exc:
                raise clean(exc) from None
            finally:
                state.after_write()
    out = {
        "ok": True,
        "library": report.library,
        "frameworks": report.frameworks,
        "mapping_sets": report.mapping_sets,
        "unresolved": report.unresolved,
        "notes": report.notes,
        "graphs": report.graphs,
        "triples": report.triples,
    }
    for u in out["unresolved"]:
        u["where"] = u["where"].replace(str(path), "body")
    return out


@ciso_assistant_router.post("/imports/ciso-assistant", summary="Import a CISO Assistant library (admin)")
async def import_ciso_assistant(
    request: Request,
    state: StateArg,
    framework_id: Annotated[str | None, Query(alias="id", description="Short name for the framework.")] = None,
    edition: Annotated[str | None, Query(description="The framework's edition, if its URN has none.")] = None,
    status: Annotated[str, Query(description="approved or proposed")] = "approved",
    strength_scale: Annotated[int, Query(description="10 or 100")] = 10,
    strict: Annotated[bool, Query(description="Refuse rows naming nodes that do not exist.")] = False,
    _: Auth = None,
) -> dict[str, Any]:
    """Read a library's framework and mapping sets into graphs, all or nothing, and keep it for rebuilds.

    Rows that name requirement nodes that do not exist are listed under ``unresolved``.
    """
    from graphsvc.sources.ciso_assistant import Options

    body = await request.body()
    if not body.strip():
        raise DataLoadError("body: empty; send a CISO Assistant library YAML")
    opts = Options(framework_id=framework_id, edition=edition, status=status, strength_scale=strength_scale)
    return await run_in_threadpool(_do_import, state, request, body, opts, strict)


def _export_route(path: str, summary: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """The decorator of one export route (a YAML library)."""
    return ciso_assistant_router.get(
        path, summary=summary, response_class=Response, responses={200: {"content": {YAML_MEDIA: {}}}}
    )


@_export_route(
    "/exports/ciso-assistant/frameworks/{framework}", "A catalog as a CISO Assistant framework library (admin)"
)
def export_framework(
    request: Request,
    state: StateArg,
    framework: str,
    version: Annotated[int | None, Query(ge=1)] = None,
    _: Auth = None,
) -> Response:
    from graphsvc.exports.ciso_assistant import export_framework as export

    _admin(state, request)
    return Response(export(state.service, framework, version=version), media_type=YAML_MEDIA)


@_export_route(
    "/exports/ciso-assistant/mapping-sets/{mapping_set}", "A mapping set as a CISO Assistant mapping library (admin)"
)
def export_mapping_set(
    request: Request,
    state: StateArg,
    mapping_set: str,
    include_proposed: bool = False,
    version: Annotated[int | None, Query(ge=1)] = None,
    _: Auth = None,
) -> Response:
    from graphsvc.exports.ciso_assistant import export_mapping_set as export

    _admin(state, request)
    text = export(state.service, mapping_set, include_proposed=include_proposed, version=version)
    return Response(text, media_type=YAML_MEDIA)
