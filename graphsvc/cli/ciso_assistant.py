"""``graphsvc import ciso-assistant`` and ``graphsvc export ciso-assistant``: command functions,
registered by graphsvc.cli.main.

They follow the CLI's shape: flags → Settings → one call → print.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from graphsvc.cli.common import StoreOpt, handle_errors, service_for, writable_service
from graphsvc.cli.output import emit, out, write_output
from graphsvc.errors import QueryParameterError


class MappingStatus(StrEnum):
    approved = "approved"
    proposed = "proposed"


class StrengthScale(StrEnum):
    ten = "10"
    hundred = "100"


@handle_errors
def import_ciso_assistant(
    path: Annotated[Path, typer.Argument(help="A CISO Assistant library YAML (a framework, a mapping set, or both).")],
    framework_id: Annotated[
        str | None,
        typer.Option("--id", help="Short name (CLI id, CURIE prefix) for the framework; default from its URN."),
    ] = None,
    edition: Annotated[
        str | None, typer.Option(help="The framework's edition, when its URN does not end in one.")
    ] = None,
    status: Annotated[MappingStatus, typer.Option(help="Status of the imported mappings.")] = MappingStatus.approved,
    strength_scale: Annotated[
        StrengthScale,
        typer.Option("--strength-scale", help="10 (CISO Assistant's 0-10), or 100 for files written on 0-100."),
    ] = StrengthScale.ten,
    strict: Annotated[
        bool, typer.Option(help="Refuse the file if a mapping row names a node that does not exist.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Import a CISO Assistant library: its framework as a catalog, its mapping set as a mapping set, all or nothing."""
    from graphsvc.imports.ciso_assistant import import_library
    from graphsvc.sources.ciso_assistant import Options

    opts = Options(
        framework_id=framework_id,
        edition=edition,
        status=str(status.value),
        strength_scale=int(strength_scale.value),
    )
    with writable_service(store) as svc:
        report = import_library(svc, path, options=opts, strict=strict)
    for f in report.frameworks:
        out.print(
            f"framework {f['id']} (catalog {f['catalog']}, edition {f['edition']}): {f['requirements']} requirements",
            highlight=False,
        )
    for s in report.mapping_sets:
        out.print(
            f"mapping set {s['id']} ({s['source']} to {s['target']}): {s['mappings']} mappings, "
            f"{s['unresolved']} rows naming nodes that do not exist",
            highlight=False,
        )
    if report.unresolved:
        emit(report.unresolved, "table", ["where", "row", "relationship", "reason"], title="rows not imported")
    for note in report.notes:
        out.print(f"[dim]{note}[/dim]", highlight=False)
    out.print(f"imported {report.library}: {report.triples:,} triples in {len(report.graphs)} graphs", highlight=False)


@handle_errors
def export_ciso_assistant(
    framework: Annotated[str | None, typer.Option("--framework", help="A framework id (iso42001, euaia, …).")] = None,
    mapping_set: Annotated[
        str | None, typer.Option("--mapping-set", help="A mapping set id (iso42001-euaia, ca-…).")
    ] = None,
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Also write proposed mappings (marked 'Status: proposed').")
    ] = False,
    version: Annotated[int | None, typer.Option(help="The library version to write (an integer).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    store: StoreOpt = None,
) -> None:
    """Write a catalog (--framework) or a mapping set (--mapping-set) as a CISO Assistant library YAML."""
    from graphsvc.exports.ciso_assistant import export_framework, export_mapping_set

    if (framework is None) == (mapping_set is None):
        raise QueryParameterError("give exactly one of --framework and --mapping-set")
    svc = service_for(store)
    if framework is not None:
        text = export_framework(svc, framework, version=version)
    else:
        assert mapping_set is not None
        text = export_mapping_set(svc, mapping_set, include_proposed=include_proposed, version=version)
    write_output(text, output)
