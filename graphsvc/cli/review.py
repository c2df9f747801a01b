"""CLI commands for proposed mappings: ``propose``, ``review`` and ``import controls``.

Registered by graphsvc.cli.main; each body builds the service, makes one call and formats the
answer.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from graphsvc.cli.common import OutputOpt, StoreOpt, handle_errors, service_for, writable_service
from graphsvc.cli.output import FORMAT_HELP, ProposeFormat, QueueFormat, emit, out, pick_format, write_output
from graphsvc.errors import QueryParameterError


class QueueStatus(StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"


@handle_errors
def propose_cmd(
    to: Annotated[str, typer.Option("--to", help="Target framework id (iso42001, euaia, nistairmf, aicm).")],
    source: Annotated[
        str | None, typer.Option("--from", help="Source framework id: propose for each of its requirements.")
    ] = None,
    controls: Annotated[
        str | None, typer.Option("--controls", help="Organisation id: propose for its controls that are not mapped.")
    ] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="Proposals per source item.")] = 5,
    all_controls: Annotated[
        bool, typer.Option("--all-controls", help="With --controls: also controls that already implement something.")
    ] = False,
    save: Annotated[
        bool, typer.Option("--save", help="With --controls: put the proposals in the organisation's review queue.")
    ] = False,
    fmt: Annotated[
        ProposeFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP + " sssom is SSSOM TSV.")
    ] = None,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """Propose mappings by lexical matching (TF-IDF over titles, summaries, imported text).

    A proposal is never stronger than intersects and is only a proposal until a person
    reviews it (graphsvc review).
    """
    from graphsvc.domain.proposals import proposal_rows, propose, sssom_tsv
    from graphsvc.domain.review import queue, queue_proposals

    f = pick_format(fmt, output, ProposeFormat)
    if save and f == "sssom":
        raise QueryParameterError("--save lists the queue as table, csv or json, not sssom")
    if save:
        if not controls:
            raise QueryParameterError("--save needs --controls ORG (the queue is the organisation's)")
        with writable_service(store) as svc:
            report = queue_proposals(svc, controls, to, top=top, include_mapped=all_controls)
            rows = [r for r in queue(svc, controls, status="proposed") if r["requirement"].startswith(to + ":")]
        out.print(
            f"queued {report.proposed} proposals for {controls}'s controls in {to} "
            f"({report.replaced} older waiting proposals replaced; {report.skipped_reviewed} reviewed pairs kept and "
            f"not proposed again); {report.waiting} waiting in total. Review them with "
            f"`graphsvc review --org {controls}`.",
            highlight=False,
        )
        if f != "table" or output:
            _emit_queue(rows, f, output)
        return
    svc = service_for(store)
    exclude: set[tuple[str, str]] = set()
    if controls:
        from graphsvc.domain.org_mapping_set import load_rows

        exclude = {(m.subject, m.object) for m in load_rows(svc, controls) if not m.pending}
    proposals = propose(
        svc, to, source=source, controls=controls, top=top, include_mapped=all_controls, exclude=exclude
    )
    if f == "sssom":
        name = controls or source or ""
        text = sssom_tsv(
            proposals,
            title=f"Proposed mappings from {name} to {to} (lexical matching; not reviewed)",
            set_id=f"https://w3id.org/graphsvc/id/mappingset/proposed/{name}-{to}",
        )
        write_output(text, output)
        return
    table_columns = ["id", "subject_label", "rank", "object_label", "confidence", "matched"]
    emit(proposal_rows(proposals), f, table_columns=table_columns, output=output)


def _emit_queue(rows: list[dict[str, Any]], fmt: str, output: Path | None) -> None:
    """The review queue: the table lists it; csv (the file to fill in for ``review --file``) and json
    carry every column, with an empty ``decision`` column first."""
    columns = [
        "id",
        "decision",
        "relation",
        "strength",
        "comment",
        "status",
        "control",
        "control_label",
        "requirement",
        "requirement_label",
        "confidence",
        "matched",
        "reviewer",
        "reviewed",
    ]
    rows = [{"decision": "", **r} for r in rows]
    table_columns = ["id", "status", "control_label", "requirement_label", "confidence", "matched", "reviewer"]
    emit(rows, fmt, columns if fmt == "csv" else None, table_columns=table_columns, output=output)


@handle_errors
def review_cmd(
    org: Annotated[str, typer.Option("--org", help="The organisation whose proposals to review.")],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Apply a reviewed CSV or SSSOM TSV: columns id and decision (accept, edit, reject), "
            "optionally relation, strength, comment, rationale, reviewer.",
        ),
    ] = None,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Review one proposal at a time.")] = False,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Your name, recorded with each decision.")] = None,
    status: Annotated[QueueStatus | None, typer.Option("--status", help="When listing: only these rows.")] = None,
    fmt: Annotated[
        QueueFormat | None,
        typer.Option("--format", "-f", help="When listing: the format; default from the -o file's suffix, else csv."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="When listing: write the queue to this file (a CSV to fill in)."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Review proposed mappings: list the queue, apply a reviewed file, or go through it interactively.

    Approved rows join the organisation's mapping set (with the reviewer and date, PROV-O) and
    coverage uses them from then on; rejected rows are kept and never proposed again.
    """
    from graphsvc.domain.review import queue, read_decisions, review

    if file and interactive:
        raise QueryParameterError("give either --file or --interactive")
    if file:
        decisions, named = read_decisions(file)
        who = reviewer or named
        if not who:
            raise QueryParameterError(f"{file}: no reviewer named in the file: give --reviewer NAME")
        with writable_service(store) as svc:
            done = review(svc, org, decisions, who)
        approved = sum(1 for m in done if m.status == "approved")
        out.print(
            f"reviewed {len(done)} proposals of {org} as {who}: {approved} approved, {len(done) - approved} rejected",
            highlight=False,
        )
        return
    if interactive:
        if not reviewer:
            raise QueryParameterError("--interactive needs --reviewer NAME")
        with writable_service(store) as svc:
            _interactive(svc, org, reviewer)
        return
    f = pick_format(fmt, output, QueueFormat, default="csv" if output else "table")
    _emit_queue(queue(service_for(store), org, status=None if status is None else str(status.value)), f, output)


def _interactive(svc: Any, org: str, reviewer: str) -> None:
    from rich.console import Console
    from rich.prompt import IntPrompt, Prompt
    from rich.table import Table

    from graphsvc.domain.review import Decision, queue, review
    from graphsvc.sources.mappingsets import RELATIONS

    console = Console()
    pending = queue(svc, org, status="proposed", with_texts=True)
    if not pending:
        console.print(f"no proposals waiting for {org}")
        return
    done = 0
    for n, row in enumerate(pending, 1):
        table = Table(title=f"{n}/{len(pending)}  {row['id']}  confidence {row['confidence']}", expand=True)
        table.add_column(f"control {row['control_label']}", ratio=1)
        table.add_column(f"requirement {row['requirement']}  {row['requirement_title']}", ratio=1)
        table.add_row(row["control_text"] or "(no description)", row["requirement_text"] or "(no summary)")
        console.print(table)
        console.print(f"shared words: {row['matched']}   suggested: {row['relation']}, strength {row['strength']}")
        choice = Prompt.ask(
            "[a]ccept, [r]eject, [e]dit, [s]kip, [q]uit", choices=["a", "r", "e", "s", "q"], default="s"
        )
        if choice == "q":
            break
        if choice == "s":
            continue
        if choice == "e":
            relation = Prompt.ask("relation", choices=list(RELATIONS), default=row["relation"])
            strength = IntPrompt.ask(
                "strength (1-10)", default=10 if relation in {"equal", "subset", "superset"} else row["strength"]
            )
            comment = Prompt.ask("why (one or two sentences)", default="")
            decision = Decision(row["id"], "edit", relation=relation, strength=strength, comment=comment)
        else:
            decision = Decision(row["id"], "accept" if choice == "a" else "reject")
        review(svc, org, [decision], reviewer)
        done += 1
    console.print(f"recorded {done} decisions as {reviewer}")


@handle_errors
def import_controls_cmd(
    org: Annotated[str, typer.Argument(help="The organisation id (its data must be loaded already).")],
    path: Annotated[Path, typer.Argument(help="The control catalog: .csv or .xlsx (id, title, description, owner …).")],
    store: StoreOpt = None,
) -> None:
    """Import an organisation's control catalog into its private graph, all or nothing."""
    from graphsvc.imports.controls import import_controls

    with writable_service(store) as svc:
        report = import_controls(svc, org, path)
    out.print(
        f"imported {report.controls} controls of {org} ({report.unmapped} not mapped yet): "
        f"{report.triples:,} triples in {report.graph}; propose mappings with "
        f"`graphsvc propose --controls {org} --to iso42001 --save`",
        highlight=False,
    )
