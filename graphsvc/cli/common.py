"""What every ``graphsvc`` command module shares: the --store, -f, -o, date, law-layer, role and
category options, the error handler, and the settings and service a command runs on.
graphsvc.cli.main and every command module import it; it imports none of them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from graphsvc.cli.output import FORMAT_HELP, Format, emit, err, out, write_output
from graphsvc.config import Settings, load_settings
from graphsvc.errors import GraphSvcError, QueryParameterError
from graphsvc.sources.catalogs import CATEGORIES, ROLES

__all__ = [
    "CATEGORY_HELP",
    "LAW_VERSION_HELP",
    "ROLE_HELP",
    "STATE",
    "AsOfOpt",
    "Category",
    "DepthOpt",
    "FormatOpt",
    "IncludeProposedOpt",
    "LawVersionOpt",
    "OutputOpt",
    "Role",
    "StoreOpt",
    "emit",
    "enum_value",
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

#: Set by the top-level callback of graphsvc.cli.main (--debug, --config).
STATE: dict[str, Any] = {"debug": False, "config": None}

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Data directory of a built store (GRAPHSVC_DATA_DIR); `graphsvc build` makes one."),
]
FormatOpt = Annotated[Format | None, typer.Option("--format", "-f", help=FORMAT_HELP)]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout, in any format.")
]
DepthOpt = Annotated[int, typer.Option(help="Most mapping hops in a chained link.", min=1, max=4)]
IncludeProposedOpt = Annotated[bool, typer.Option("--include-proposed", help="Also follow proposed mappings.")]


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
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")]
LawVersionOpt = Annotated[str | None, typer.Option("--law-version", help=LAW_VERSION_HELP, metavar="LAYER")]

#: The operator roles and system categories the catalogs define (graphsvc.sources.catalogs), as choices.
Role = StrEnum("Role", {r: r for r in ROLES})  # type: ignore[misc]
Category = StrEnum("Category", {c: c for c in CATEGORIES})  # type: ignore[misc]
ROLE_HELP = "operator role: " + ", ".join(ROLES) + "."
CATEGORY_HELP = "category: " + ", ".join(CATEGORIES) + "."


def enum_value(option: Enum | None) -> str | None:
    """An enumerated option's value, or None when it was not given."""
    return None if option is None else str(option.value)
