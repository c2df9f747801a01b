"""What every ``graphsvc`` command module shares: the --store option, the error handler, the
settings and service a command runs on, and the date and law-layer options. graphsvc.cli and the
command modules (cli_server, cli_review, cli_plan, cli_ciso_assistant) import it; it imports none
of them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from graphsvc.cli.output import emit, err, out, write_output
from graphsvc.config import Settings, load_settings
from graphsvc.errors import GraphSvcError, QueryParameterError

__all__ = [
    "LAW_VERSION_HELP",
    "STATE",
    "StoreOpt",
    "emit",
    "err",
    "handle_errors",
    "out",
    "parse_date",
    "service_for",
    "settings_for",
    "writable_service",
    "write_output",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Set by the top-level callback of graphsvc.cli (--debug, --config).
STATE: dict[str, Any] = {"debug": False, "config": None}

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Data directory of a built store (GRAPHSVC_DATA_DIR); `graphsvc build` makes one."),
]


def handle_errors(fn: F) -> F:
    """One place where a GraphSvcError becomes a red message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GraphSvcError as exc:
            if STATE["debug"]:
                raise
            err.print(f"[red]error:[/red] {escape(exc.message)}", markup=True, soft_wrap=True)
            for extra in exc.errors[1:20]:
                err.print(f"  {extra}", markup=False, soft_wrap=True)
            if len(exc.errors) > 20:
                err.print(f"  … and {len(exc.errors) - 20} more")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_for(store: Path | None = None, **overrides: Any) -> Settings:
    if store is not None:
        overrides["data_dir"] = str(store)
    return load_settings(config_file=STATE["config"], overrides=overrides)


def service_for(store: Path | None = None, **overrides: Any) -> Any:
    """A read-only service over a built store.

    :raises StoreError: there is none at the configured place ("run graphsvc build first").
    """
    from graphsvc.service import GraphService

    return GraphService.from_settings(settings_for(store, **overrides), build_if_missing=False)


@contextlib.contextmanager
def writable_service(store: Path | None) -> Iterator[Any]:
    """A service over a built store opened for writing, closed (and its lock released) on exit."""
    from graphsvc.service import GraphService

    svc = GraphService.from_settings(settings_for(store), read_only=False, build_if_missing=False)
    try:
        yield svc
    finally:
        svc.store.close()


def parse_date(value: str | None) -> Any:
    import datetime as dt

    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryParameterError(f"--as-of {value!r}: expected YYYY-MM-DD") from None


#: The law layers of the shipped EU AI Act (mappings/catalogs/euaia-2024-1689/layers/); a test checks
#: that this help names every layer in the built store.
LAW_VERSION_HELP = (
    "Law layer of the EU AI Act: in-force, adopted, amended or proposal-2025 (checked against the store). "
    "Default in-force: the law in force on the --as-of date."
)
