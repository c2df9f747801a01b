"""The commands that list what the graph holds: ``frameworks``, ``catalog`` (a framework's
requirements), ``systems`` and ``certificates``. graphsvc.cli.main registers them.
"""

from __future__ import annotations

from typing import Annotated

import typer

from graphsvc.cli.common import FormatOpt, OutputOpt, StoreOpt, handle_errors, service_for
from graphsvc.cli.output import Format, emit, pick_format

__all__ = ["catalog", "certificates_cmd", "frameworks", "systems_cmd"]


@handle_errors
def frameworks(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """List the framework editions in the graph."""
    rows = service_for(store).frameworks()
    f = pick_format(fmt, output, Format)
    emit(rows, f, ["id", "title", "edition", "requirements"] if f != "json" else None, output=output)


@handle_errors
def catalog(
    framework: Annotated[str, typer.Argument(help="Framework id: iso42001, euaia, nistairmf, aicm, starai.")],
    kind: Annotated[
        str | None, typer.Option(help="Only this kind (e.g. annex_control, article, subcategory); others are refused.")
    ] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Every requirement of a framework: notation, title, kind, parent."""
    rows = service_for(store).catalog(framework, kind, check_kind=True)
    f = pick_format(fmt, output, Format)
    emit(rows, f, table_columns=["notation", "title", "kind", "parent", "layer"], output=output, sheet=framework)


@handle_errors
def systems_cmd(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """The AI systems in the graph, with roles and inferred EU AI Act categories."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["system"]), "org": compress(r["org"])} for r in service_for(store).select("systems")]
    f = pick_format(fmt, output, Format)
    emit(rows, f, table_columns=["id", "label", "orgLabel", "roles", "categories"], output=output, sheet="systems")


@handle_errors
def certificates_cmd(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """Certificates and attestations, with holder, issuer, accreditation and validity."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["cert"])} for r in service_for(store).select("certificates")]
    f = pick_format(fmt, output, Format)
    table_cols = ["id", "label", "holder", "frameworkId", "validFrom", "validUntil", "issuer"]
    emit(rows, f, table_columns=table_cols, output=output, sheet="certificates")
