"""``graphsvc coverage``: what a certificate, an AI system or an organisation covers of a target
framework (graphsvc.domain.coverage), printed as graphsvc.cli.output's coverage report or written
as csv, json or a workbook. graphsvc.cli.main registers it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphsvc.cli.common import (
    CATEGORY_HELP,
    ROLE_HELP,
    AsOfOpt,
    Category,
    DepthOpt,
    FormatOpt,
    IncludeProposedOpt,
    LawVersionOpt,
    OutputOpt,
    Role,
    StoreOpt,
    enum_value,
    handle_errors,
    parse_date,
    service_for,
)
from graphsvc.cli.output import (
    DEFAULT_SHOWN,
    STATUSES,
    Format,
    coverage_report,
    emit,
    parse_statuses,
    pick_format,
    write_output,
)
from graphsvc.errors import QueryParameterError
from graphsvc.exports.results import to_json

__all__ = ["STATUS_HELP", "coverage_cmd"]

STATUS_HELP = (
    "Only rows of these statuses, in every format (comma separated or repeated): satisfied, partial, gap, "
    "upcoming, conditional, not-applicable. Default: the table shows satisfied, partial, upcoming and gap; "
    "csv, json and xlsx carry every row."
)


def _statuses(values: list[str] | None) -> list[str] | None:
    """``--status`` checked like every enumerated option: a usage error listing the allowed values."""
    try:
        return parse_statuses(values)
    except QueryParameterError as exc:
        raise typer.BadParameter(exc.message, param_hint="'--status'") from None


@handle_errors
def coverage_cmd(
    target: Annotated[str, typer.Option("--target", help="Target framework id, e.g. euaia.")],
    certificate: Annotated[
        str | None, typer.Option("--certificate", help="A certificate id (see `graphsvc certificates`).")
    ] = None,
    system: Annotated[
        str | None,
        typer.Option("--system", help="An AI system id (ORG/ID); with --certificate, the applicability context."),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="An organisation id.")] = None,
    role: Annotated[
        Role | None,
        typer.Option("--role", help="With --certificate: judge applicability for this " + ROLE_HELP, metavar="ROLE"),
    ] = None,
    category: Annotated[
        Category | None,
        typer.Option(
            "--category", help="With --certificate and --role: the system's " + CATEGORY_HELP, metavar="CATEGORY"
        ),
    ] = None,
    as_of: AsOfOpt = None,
    law_version: LawVersionOpt = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Give each row its strongest path (the table names each start once).")
    ] = False,
    paths: Annotated[
        int | None, typer.Option("--paths", help="With the table: up to N paths per row (implies --explain).", min=1)
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="The table shows every row, conditional and not-applicable ones too.")
    ] = False,
    status: Annotated[list[str] | None, typer.Option("--status", help=STATUS_HELP, metavar="STATUS[,STATUS…]")] = None,
    include_proposed: IncludeProposedOpt = False,
    depth: DepthOpt = 2,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Coverage of a certificate, a system or an organisation against a target framework: the counts
    first, then the rows by article."""
    from graphsvc.domain import coverage as C
    from graphsvc.sources.layers import resolve_layer

    statuses = _statuses(status)
    if show_all and statuses:
        raise QueryParameterError("give --all (every row) or --status (some statuses), not both")
    if sum(x is not None for x in (certificate, system if not certificate else None, org)) != 1:
        raise QueryParameterError("give exactly one of --certificate, --system, --org")
    if (role or category) and not certificate:
        raise QueryParameterError("--role and --category give a context to --certificate only")
    f = pick_format(fmt, output, Format)
    svc = service_for(store)
    day = parse_date(as_of)
    opts = C.Options(
        as_of=day,
        layer=resolve_layer(svc, law_version or svc.settings.law_version, day),
        depth=depth,
        include_proposed=include_proposed,
        max_paths=max(5, paths or 1),
    )
    if certificate:
        result = C.certificate_coverage(svc, certificate, target, opts, context=_context(system, role, category))
    elif system:
        result = C.system_coverage(svc, system, target, opts)
    else:
        result = C.org_coverage(svc, org or "", target, opts, explain=True)
    if statuses:
        result = C.select_statuses(result, statuses)
    if f != "table":
        _write(result, f, output)
        return
    shown = statuses or (STATUSES if show_all else DEFAULT_SHOWN)
    chosen, explain = statuses is not None, explain or paths is not None
    coverage_report(result, shown=shown, chosen=chosen, explain=explain, n_paths=paths or 1).write(output)


def _context(system: str | None, role: Role | None, category: Category | None) -> dict[str, Any] | None:
    """The applicability context of a certificate's coverage: a system, or a role and its categories."""
    if system:
        return {"system": system}
    if role:
        return {"roles": [enum_value(role)], "categories": [enum_value(category)] if category else []}
    return None


def _write(result: dict[str, Any], fmt: str, output: Path | None) -> None:
    """The coverage answer as json, a workbook or csv rows."""
    from graphsvc.domain import coverage as C

    if fmt == "json":
        write_output(to_json(result) + "\n", output)
    elif fmt == "xlsx":
        from graphsvc.exports.workbook import coverage_workbook

        write_output(coverage_workbook(result), output)
    else:
        rows = C.coverage_rows(result)
        cols = [c for c in (rows[0] if rows else {}) if c != "system" or "systems" in result]
        emit(rows, "csv", cols or None, output=output)
