"""``graphsvc serve`` and ``graphsvc keys``: the command functions, registered by graphsvc.cli.main.

Both follow the CLI's shape: flags → Settings → one call. ``serve`` opens the embedded store
read-write (building it from the shipped files on first start), then imports the API and
uvicorn (graphsvc.http.server: request-head limits, an access log without query texts) inside
the function, so no other command pays for them.

graphsvc.cli.main registers both (``keys`` as a group of its own). This module also runs on its own
(``python -m graphsvc.cli.server --port 8001``), which the live-server tests use.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from graphsvc.cli.common import FormatOpt, OutputOpt, handle_errors, settings_for
from graphsvc.cli.output import Format, emit, pick_format
from graphsvc.store.tenancy import ROLES

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Data directory of the embedded store and keys (GRAPHSVC_DATA_DIR).")
]


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"
    trace = "trace"


#: The key roles of graphsvc.store.tenancy, as choices.
KeyRole = StrEnum("KeyRole", {r: r for r in ROLES})  # type: ignore[misc]


def _settings(store: Path | None = None, **overrides: Any) -> Any:
    return settings_for(store, **{k: v for k, v in overrides.items() if v is not None})


@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    store: StoreOpt = None,
    query_timeout: Annotated[
        float | None, typer.Option("--query-timeout", help="Seconds a SPARQL query may run (default 30).")
    ] = None,
    result_cap: Annotated[
        int | None, typer.Option("--result-cap", help="Most rows a SPARQL query returns (default 10000).")
    ] = None,
    anonymous: Annotated[
        bool | None,
        typer.Option("--anonymous/--no-anonymous", help="Allow read-only access to public graphs without a key."),
    ] = None,
    cors_origins: Annotated[
        str | None, typer.Option("--cors-origins", help="Origins allowed by CORS, comma separated (default: off).")
    ] = None,
    body_limit: Annotated[int | None, typer.Option("--body-limit", help="Largest request body in bytes.")] = None,
    query_workers: Annotated[
        int, typer.Option("--query-workers", help="Worker processes that evaluate SPARQL queries.")
    ] = 2,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="uvicorn log level.")] = LogLevel.info,
) -> None:
    """Serve the REST API, the SPARQL 1.1 endpoint and the Graph Store Protocol (builds the store on first start)."""
    settings = _settings(
        store,
        host=host,
        port=port,
        query_timeout=query_timeout,
        result_cap=result_cap,
        anonymous=anonymous,
        cors_origins=cors_origins,
        body_limit=body_limit,
    )
    from graphsvc.service import GraphService

    service = GraphService.from_settings(settings, read_only=False)
    from graphsvc.http.app import create_app
    from graphsvc.http.server import serve_app

    app = create_app(service, settings, query_workers=query_workers)
    typer.echo(
        f"graphsvc serving {settings.store_path} on http://{settings.host}:{settings.port} "
        f"(web pages /ui/, docs /docs, SPARQL /sparql; anonymous {'on' if settings.anonymous else 'off'})",
        err=True,
    )
    serve_app(app, host=settings.host, port=settings.port, log_level=str(log_level.value))


keys_app = typer.Typer(
    help="Create, list and revoke API keys (stored hashed in <data_dir>/keys.json).",
    no_args_is_help=True,
    epilog="Example: graphsvc keys create --role reader --tenant contoso --name contoso-reader",
)


def _keys(store: Path | None, *, create: bool = False) -> Any:
    """The key file of the data directory; only ``keys create`` may start one where there is none.

    :raises StoreError: listing or revoking in a data directory that does not exist.
    """
    from graphsvc.errors import StoreError
    from graphsvc.http.keys import KeyStore

    data = _settings(store).data_path
    if not create and not data.is_dir():
        raise StoreError(f"no data directory {data}: run `graphsvc build` first (or give --store DIR)")
    return KeyStore(data / "keys.json")


@keys_app.command("create", epilog="Example: graphsvc keys create --role writer --tenant contoso --name contoso-import")
@handle_errors
def keys_create(
    role: Annotated[KeyRole, typer.Option(help="What the key may do.")] = KeyRole.reader,  # type: ignore[attr-defined]
    tenant: Annotated[
        str | None, typer.Option(help="The organisation id the key belongs to (needed for writers).")
    ] = None,
    name: Annotated[str, typer.Option(help="A note saying who or what uses the key.")] = "",
    store: StoreOpt = None,
) -> None:
    """Make a key and print it once (it is stored only as a hash)."""
    rec, token = _keys(store, create=True).create(str(role.value), tenant=tenant, name=name)
    typer.echo(token)
    typer.echo(
        f"created key {rec.id} ({rec.role}{', tenant ' + rec.tenant if rec.tenant else ''}); "
        "send it as Authorization: Bearer KEY; it is not shown again",
        err=True,
    )


@keys_app.command("list", epilog="Example: graphsvc keys list -f csv")
@handle_errors
def keys_list(
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """The keys: id, name, role, tenant, created, revoked (never the key itself)."""
    rows = [r.public() for r in _keys(store).list()]
    f = pick_format(fmt, output, Format)
    emit(rows, f, ["id", "name", "role", "tenant", "created", "revoked"] if f != "json" else None, output=output)


@keys_app.command("revoke", epilog="Example: graphsvc keys revoke 3f9a2c1b")
@handle_errors
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `graphsvc keys list`).")], store: StoreOpt = None
) -> None:
    """Revoke a key; a running server refuses it from its next request on."""
    rec = _keys(store).revoke(key_id)
    typer.echo(f"revoked key {rec.id} ({rec.role}{', tenant ' + rec.tenant if rec.tenant else ''}) at {rec.revoked}")


if __name__ == "__main__":  # pragma: no cover
    typer.run(serve)
