"""The commands over mappings between frameworks: ``crosswalk`` (what a requirement maps to, the
matrix between two frameworks, its reach report or the cross-set consistency check) and
``cover`` (the greedy cover). graphsvc.cli.main registers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphsvc.cli.common import (
    DepthOpt,
    FormatOpt,
    IncludeProposedOpt,
    OutputOpt,
    StoreOpt,
    handle_errors,
    service_for,
)
from graphsvc.cli.output import FORMAT_HELP, CrosswalkFormat, Format, emit, pick_format, print_with_head, write_output
from graphsvc.errors import QueryParameterError
from graphsvc.exports.results import to_json

__all__ = ["cover_cmd", "crosswalk_cmd"]


@handle_errors
def crosswalk_cmd(
    curie: Annotated[
        str | None, typer.Argument(help="A requirement CURIE, e.g. iso42001:A.6.2.8 or euaia:26(1).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Target framework id.")] = None,
    source_fw: Annotated[str | None, typer.Option("--from", help="Source framework id (whole matrix).")] = None,
    depth: DepthOpt = 2,
    min_strength: Annotated[
        int, typer.Option("--min-strength", help="Ignore mappings weaker than this.", min=1, max=10)
    ] = 1,
    include_proposed: IncludeProposedOpt = False,
    report: Annotated[
        bool, typer.Option("--report", help="Reach report: per article, items mapped, with no counterpart, or neither.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Cross-set consistency: chains with no direct row, and rows a chain contradicts."),
    ] = False,
    store: StoreOpt = None,
    fmt: Annotated[
        CrosswalkFormat | None,
        typer.Option(
            "--format", "-f", help=FORMAT_HELP + " sssom (SSSOM TSV), oscal (mapping collection) and xlsx need links."
        ),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """What a requirement maps to (direct and chained), or the whole matrix between two frameworks."""
    from graphsvc import service as S

    f = pick_format(fmt, output, CrosswalkFormat)
    svc = service_for(store)
    if (check or report) and f in {"sssom", "oscal"}:
        raise QueryParameterError(
            f"-f {f} writes mappings: --{'check' if check else 'report'} writes table, csv, json or xlsx"
        )
    if check:
        _print_check(svc, f, output)
        return
    if report:
        if not (source_fw and to):
            raise QueryParameterError("--report needs --from FRAMEWORK --to FRAMEWORK")
        _print_reach(S.reach(svc, source_fw, to), f, output)
        return
    if curie:
        rows = S.crosswalk(svc, curie, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed)
    elif source_fw and to:
        rows = S.crosswalk_matrix(
            svc, source_fw, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed
        )
    else:
        raise QueryParameterError("give a requirement CURIE, or --from FRAMEWORK --to FRAMEWORK")
    if f in {"sssom", "oscal", "xlsx"}:
        from graphsvc.exports import crosswalk as exports

        write_output(exports.render(svc, rows, f, source_fw or "", to or ""), output)
        return
    cols = ["source", "target", "relation", "strength", "status", "derived", "source_ref"]
    table_cols = ["source", "target", "target_title", "relation", "strength", "status", "derived", "source_ref"]
    emit(rows, f, cols if f != "json" else None, table_columns=table_cols, output=output)


def _print_reach(result: dict[str, Any], fmt: str, output: Path | None) -> None:
    if fmt == "json":
        write_output(to_json(result) + "\n", output)
        return
    rows = [{k: v for k, v in g.items() if k != "undecided"} for g in result["groups"]]
    t = result["totals"]
    rows.append({"group": "total", "title": "", "items": result["items"], **t})
    cols = ["group", "title", "items", "mapped", "no counterpart", "nothing"]
    if fmt != "table":
        emit(rows, fmt, cols, output=output, sheet="reach")
        return
    head = (
        f"{result['source']} → {result['target']}: {result['items']} items; mapped {t['mapped']} "
        f"({result['mapped_share']} %), no counterpart {t['no counterpart']}, nothing {t['nothing']}; "
        f"decided {result['decided_share']} %"
    )
    print_with_head([head], rows, cols, output)


def _print_check(svc: Any, fmt: str, output: Path | None) -> None:
    from graphsvc import service as S

    rows = S.consistency(svc)
    cols = ["kind", "status", "source", "via", "target", "derived", "direct", "strength", "explanation"]
    if fmt != "table":
        emit(rows, fmt, cols if fmt != "json" else None, output=output, sheet="consistency")
        return
    open_ = [r for r in rows if r["status"] == "open"]
    kinds = ", ".join(
        f"{k} {sum(1 for r in open_ if r['kind'] == k)}"
        for k in ("contradicted", "decision-contradicted", "unconfirmed")
    )
    head = (
        f"cross-set consistency: {len(rows)} finding(s), {len(open_)} open ({kinds}), "
        f"{len(rows) - len(open_)} explained in mappings/chains.yaml"
    )
    print_with_head([head], rows, cols, output)


@handle_errors
def cover_cmd(
    source_fw: Annotated[str, typer.Option("--from", help="Framework to pick requirements from.")],
    to: Annotated[str, typer.Option("--to", help="Framework to reach.")],
    budget: Annotated[int, typer.Option(help="How many to pick.", min=1)] = 12,
    depth: Annotated[int, typer.Option(help="Most mapping hops.", min=1, max=4)] = 2,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Greedy cover: the K requirements of one framework that reach most of another."""
    from graphsvc import service as S

    rows = S.cover(service_for(store), source_fw, to, budget, depth)
    f = pick_format(fmt, output, Format)
    emit(
        rows, f, table_columns=["rank", "notation", "title", "new_targets", "cumulative"], output=output, sheet="cover"
    )
