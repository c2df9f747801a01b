"""``graphsvc plan``: what coverage leaves to an organisation, as actions (graphsvc.domain.plan).

The command follows the CLI's shape (flags → Settings → one call → format); graphsvc.cli.main registers
it (with :data:`EPILOG`).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from graphsvc.cli.common import (
    LAW_VERSION_HELP,
    AsOfOpt,
    StoreOpt,
    handle_errors,
    out,
    parse_date,
    service_for,
    write_output,
)
from graphsvc.errors import QueryParameterError

__all__ = ["FORMATS", "plan_cmd"]

#: Every value ``--format`` takes.
FORMATS = ("table", "csv", "json", "xlsx", "oscal")
EPILOG = (
    "Example: graphsvc plan --system contoso/hr-screening --target euaia --from iso42001 --as-of 2026-11-23 "
    "-f xlsx -o plan.xlsx"
)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for text in values or [] for v in text.split(",") if v.strip()]


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise QueryParameterError(f"{option} {value!r}: expected one of {', '.join(allowed)}")
    return value


def _tables(result: Any, console: Console) -> None:
    """The plan as a header per system and one table of its actions (identifiers never wrapped)."""
    from graphsvc.sources.layers import layer_header

    if result.target == "euaia":
        console.print(layer_header(result.law_layer), highlight=False, soft_wrap=True)
    console.print(
        f"plan against {result.target} on {result.as_of.isoformat()} (law version {result.law_version}); "
        f"mappings used by coverage: {result.mappings_used}; suggestions from {', '.join(result.sources)} "
        f"({result.suggestions_from})",
        highlight=False,
        soft_wrap=True,
    )
    for s in result.systems:
        counts = ", ".join(f"{k} {v}" for k, v in s.counts.items())
        overdue = sum(1 for a in s.actions if a.overdue)
        shown = "" if len(s.actions) == sum(s.counts.values()) else f"{len(s.actions)} shown of "
        console.print(
            f"\n[bold]{s.label}[/bold] ({s.system}; {s.organisation_label}): {shown}{sum(s.counts.values())} "
            f"actions ({counts}); {overdue} overdue",
            highlight=False,
            soft_wrap=True,
        )
        table = Table(show_lines=False)
        for col, wrap in (
            ("due", False),
            ("notation", False),
            ("title", True),
            ("kind", False),
            ("coverage", False),
            ("status", False),
            ("owner", True),
            ("first suggestion", True),
        ):
            table.add_column(col, no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
        for a in s.actions:
            first = a.suggestions[0] if a.suggestions else None
            hint = f"{first.framework} {first.notation} ({first.relation} {first.strength})" if first else ""
            due = a.due.isoformat() if a.due else ""
            table.add_row(
                f"[red]{due}[/red]" if a.overdue else due,
                a.notation,
                a.title,
                a.kind,
                a.coverage + (f" ({a.would_be})" if a.would_be else ""),
                a.status,
                a.owner,
                hint,
            )
        console.print(table)
        for r in s.recorded_only:
            console.print(
                f"[dim]recorded, but coverage leaves nothing there: {r.requirement} ({r.status}"
                + (f", {r.owner}" if r.owner else "")
                + ")[/dim]",
                highlight=False,
            )


@handle_errors
def plan_cmd(
    target: Annotated[
        str, typer.Option("--target", help="Target framework id, e.g. euaia (see `graphsvc frameworks`).")
    ],
    system: Annotated[
        list[str] | None, typer.Option("--system", help="An AI system (ORG/ID); repeat for several.")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Every AI system of this organisation.")] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--from",
            help="Framework(s) suggestions come from (repeat or comma-separate); default: those mapped to the target.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    law_version: Annotated[str | None, typer.Option("--law-version", help=LAW_VERSION_HELP)] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only these kinds: gap, partial, residual (default all).")
    ] = None,
    suggestions: Annotated[int, typer.Option("--suggestions", help="Suggestions per action (0: all).")] = 3,
    depth: Annotated[int, typer.Option(help="Most mapping hops in a chained link (1-3).")] = 2,
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Coverage also follows proposed mappings.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (any format; needed for xlsx).")
    ] = None,
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")] = "table",
) -> None:
    """What is left for you, as a plan: every gap, partial and residual responsibility of coverage as an
    action, due on the date it binds from, with the owner and status your organisation records under
    `actions:` in its YAML, and the requirements of a source framework that would close it, ranked by the
    greedy cover of `graphsvc cover`."""
    from graphsvc.domain import plan as P
    from graphsvc.exports import plan as X

    _choice("--format", fmt, FORMATS)
    for k in _split(kind):
        _choice("--kind", k, P.KINDS)
    if suggestions < 0:
        raise QueryParameterError(f"--suggestions {suggestions}: expected a number ≥ 0 (0: all)")
    if (not system) == (org is None):
        raise QueryParameterError("give --system ORG/ID (repeatable) or --org ORG")
    svc = service_for(store)
    ids = svc.framework_ids()
    _choice("--target", target, tuple(ids))
    sources = _split(source) or None
    for fw in sources or []:
        _choice("--from", fw, tuple(i for i in ids if i != target))
    kwargs: dict[str, Any] = {
        "on": parse_date(as_of),
        "law_version": law_version,
        "sources": sources,
        "depth": depth,
        "include_proposed": include_proposed,
        "max_suggestions": suggestions or None,
        "kinds": _split(kind) or None,
    }
    result = P.org_plan(svc, org, target, **kwargs) if org else P.plan(svc, system or [], target, **kwargs)
    if fmt == "table":
        if output is None:
            _tables(result, out)
            return
        buf = io.StringIO()
        _tables(result, Console(file=buf, width=200, no_color=True))
        write_output(buf.getvalue(), output)
        return
    data = X.render(result, fmt)
    if isinstance(data, bytes) and output is None:
        raise QueryParameterError(f"-f {fmt} is binary: give --output FILE")
    if output is None:
        sys.stdout.write(data if isinstance(data, str) else "")
        return
    write_output(data, output)
