"""The commands that put data into the store: ``build`` (and ``validate``, its dry run), and
``import org``, ``import aicm``, ``import oscal`` and ``import delete-org``, each write recorded in
the audit log. graphsvc.cli.main registers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphsvc.cli.common import StoreOpt, handle_errors, settings_for, writable_service
from graphsvc.cli.output import err, out

__all__ = ["build", "delete_org_cmd", "import_aicm_cmd", "import_org_cmd", "import_oscal_cmd", "validate"]


@handle_errors
def build(
    store: StoreOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the closing summary line.")] = False,
) -> None:
    """Build the graph from ontology/, mappings/ and the organisation files into the store (the one
    command that creates a store)."""
    from graphsvc.build import build as run_build

    settings = settings_for(store)
    with err.status("building…") as status:

        def progress(msg: str) -> None:
            status.update(f"building: {msg}…")
            if not quiet:
                err.print(f"  {msg}", markup=False)

        report = run_build(settings, progress)
    out.print(
        f"built {report.triples:,} triples in {report.graphs} named graphs in {report.seconds:.1f} s "
        f"({report.triples / max(report.seconds, 1e-9):,.0f} triples/s); "
        + (
            f"store {settings.store_path} ({report.store_bytes / 1e6:.1f} MB)"
            if report.store_bytes
            else f"store {report.store}"
        ),
        markup=False,
    )


@handle_errors
def validate(store: StoreOpt = None) -> None:
    """Run every check of build (syntax, identifiers, SHACL) without writing the store."""
    from graphsvc.build import compile_sources
    from graphsvc.build import validate as shacl

    settings = settings_for(store)
    compiled = compile_sources(settings)
    shacl(compiled)
    out.print(f"valid: {compiled.triple_count():,} triples in {len(compiled.graphs)} graphs", markup=False)


def _audit(svc: Any, action: str, graphs: Any, triples: int) -> None:
    """The audit record of a write made from the command line (graphsvc.http.audit)."""
    from graphsvc.http.audit import CLI, record_write

    record_write(svc.settings.data_path, CLI, action, graphs, triples=triples)


@handle_errors
def import_org_cmd(
    path: Annotated[Path, typer.Argument(help="An organisation YAML file, or a folder of them.")],
    store: StoreOpt = None,
) -> None:
    """Validate an organisation's data and load it into its own named graph, all or nothing."""
    from graphsvc.imports.org import import_org

    with writable_service(store) as svc:
        report = import_org(svc, path)
        _audit(svc, "import org", report.graphs, report.triples)
    out.print(
        f"imported organisation {report.name}: {report.triples:,} triples in {len(report.graphs)} graphs",
        highlight=False,
    )


@handle_errors
def import_aicm_cmd(
    path: Annotated[
        Path, typer.Argument(help="Your licensed copy of CSA's AICM: the .xlsx workbook or the STIX 2.1 .json.")
    ],
    version: Annotated[str | None, typer.Option(help="AICM version, when the file does not say (e.g. 1.1.0).")] = None,
    store: StoreOpt = None,
) -> None:
    """Import titles, specifications, shared-responsibility owners and CSA's mapping columns."""
    from graphsvc.imports.aicm import import_aicm

    with writable_service(store) as svc:
        report = import_aicm(svc, path, version)
        _audit(svc, "import aicm", report.graphs, report.triples)
    for graph, n in sorted(report.graphs.items()):
        out.print(f"  {graph}: {n:,} triples", highlight=False)
    out.print(f"imported AICM {report.name}: {report.triples:,} triples", highlight=False)


@handle_errors
def import_oscal_cmd(
    path: Annotated[Path, typer.Argument(help="A provider's OSCAL component definition or SSP (JSON).")],
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation id (default: the provider party in the file).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Turn an OSCAL component definition or SSP into provided/shared controls and load them, all or nothing."""
    from graphsvc.imports.oscal import import_oscal

    with writable_service(store) as svc:
        report = import_oscal(svc, path, org)
        _audit(svc, "import oscal", report.graphs, report.triples)
    out.print(
        f"imported organisation {report.name} from OSCAL {path.name}: "
        f"{report.triples:,} triples in {len(report.graphs)} graphs",
        highlight=False,
    )


@handle_errors
def delete_org_cmd(org_id: Annotated[str, typer.Argument(help="The organisation id.")], store: StoreOpt = None) -> None:
    """Remove an organisation's data from the store."""
    from graphsvc.imports.org import delete_org

    with writable_service(store) as svc:
        report = delete_org(svc, org_id)
        _audit(svc, "import delete-org", report.graphs, 0)
    out.print(f"deleted organisation {org_id}", highlight=False)
