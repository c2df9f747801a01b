"""The ``graphsvc`` command: flags → Settings → GraphService → one call → formatted output."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from graphsvc.cli_server import keys_app, serve
from graphsvc.config import Settings, load_settings
from graphsvc.errors import GraphSvcError, QueryParameterError
from graphsvc.results import to_csv, to_json, to_table

app = typer.Typer(
    help="graphsvc: a knowledge graph of AI-governance requirements, crosswalks and coverage.", no_args_is_help=True
)
queries_app = typer.Typer(help="List and show the named queries of queries/.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import data into the store (organisations, a licensed AICM copy, OSCAL).", no_args_is_help=True
)
app.add_typer(queries_app, name="queries")
app.add_typer(import_app, name="import")
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")

out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Data directory of the embedded store (GRAPHSVC_DATA_DIR).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
_state: dict[str, Any] = {"debug": False, "config": None}


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="A graphsvc.toml settings file.")] = None,
) -> None:
    _state["debug"] = debug
    _state["config"] = config


def handle_errors(fn: F) -> F:
    """One place where a GraphSvcError becomes a red message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GraphSvcError as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {exc.message}", highlight=False, markup=True, soft_wrap=True)
            for extra in exc.errors[1:20]:
                err.print(f"  {extra}", highlight=False, markup=False, soft_wrap=True)
            if len(exc.errors) > 20:
                err.print(f"  … and {len(exc.errors) - 20} more", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_for(store: Path | None = None, **overrides: Any) -> Settings:
    if store is not None:
        overrides["data_dir"] = str(store)
    return load_settings(config_file=_state["config"], overrides=overrides)


def service_for(store: Path | None = None, **overrides: Any):  # type: ignore[no-untyped-def]
    from graphsvc.service import GraphService

    return GraphService.from_settings(settings_for(store, **overrides))


@contextlib.contextmanager
def writable_service(store: Path | None) -> Iterator[Any]:
    """A service over the store opened for writing, closed (and its lock released) on exit."""
    from graphsvc.service import GraphService

    svc = GraphService.from_settings(settings_for(store), read_only=False)
    try:
        yield svc
    finally:
        svc.store.close()


def emit(
    rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None, title: str | None = None
) -> None:
    if fmt == "json":
        sys.stdout.write(to_json(list(rows)) + "\n")
    elif fmt == "csv":
        sys.stdout.write(to_csv(rows, columns))
    elif fmt == "table":
        out.print(to_table(rows, columns, title=title))
    else:
        raise QueryParameterError(f"--format {fmt!r}: expected table, csv or json")


def parse_params(params: list[str] | None) -> dict[str, str]:
    out_: dict[str, str] = {}
    for p in params or []:
        name, sep, value = p.partition("=")
        if not sep:
            raise QueryParameterError(f"--param {p!r}: write it as name=value")
        out_[name.strip()] = value
    return out_


# -- build & inspect ----------------------------------------------------------------
@app.command()
@handle_errors
def build(store: StoreOpt = None, quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False) -> None:
    """Build the graph from ontology/, mappings/ and the organisation files into the store."""
    from graphsvc.build import build as run_build

    settings = settings_for(store)
    with err.status("building…") as status:

        def progress(msg: str) -> None:
            status.update(f"building: {msg}…")
            if not quiet:
                err.print(f"  {msg}", highlight=False)

        report = run_build(settings, progress)
    out.print(
        f"built {report.triples:,} triples in {report.graphs} named graphs in {report.seconds:.1f} s "
        f"({report.triples / max(report.seconds, 1e-9):,.0f} triples/s); "
        + (
            f"store {settings.store_path} ({report.store_bytes / 1e6:.1f} MB)"
            if report.store_bytes
            else f"store {report.store}"
        ),
        highlight=False,
    )


@app.command()
@handle_errors
def validate(store: StoreOpt = None) -> None:
    """Run every check of build (syntax, identifiers, SHACL) without writing the store."""
    from graphsvc.build import compile_sources
    from graphsvc.build import validate as shacl

    settings = settings_for(store)
    compiled = compile_sources(settings)
    shacl(compiled)
    out.print(f"valid: {compiled.triple_count():,} triples in {len(compiled.graphs)} graphs", highlight=False)


@app.command()
@handle_errors
def frameworks(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """List the framework editions in the graph."""
    rows = service_for(store).frameworks()
    emit(rows, fmt, ["id", "title", "edition", "requirements"] if fmt != "json" else None)


@app.command()
@handle_errors
def catalog(
    framework: Annotated[str, typer.Argument(help="Framework id: iso42001, euaia, nistairmf, aicm, starai.")],
    kind: Annotated[str | None, typer.Option(help="Only this kind (e.g. annex_control, article, subcategory).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Every requirement of a framework: notation, title, kind, parent."""
    rows = service_for(store).catalog(framework, kind)
    cols = ["notation", "title", "kind", "parent"] if fmt == "table" else None
    emit(rows, fmt, cols)


@app.command()
@handle_errors
def query(
    name: Annotated[str, typer.Argument(help="A named query of queries/ or a .rq file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value (repeatable).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Run a named query with parameters bound as RDF terms."""
    from graphsvc.queries import parse_query_file
    from graphsvc.results import plain_rows

    svc = service_for(store)
    params = parse_params(param)
    if name.endswith(".rq"):
        q = parse_query_file(Path(name))
        rows = plain_rows(svc.store.select(q.text, bindings=q.bindings(params)))
    else:
        rows = svc.select(name, **params)
    emit(rows, fmt)


@app.command()
@handle_errors
def sparql(
    text: Annotated[str, typer.Argument(help="A SPARQL SELECT query; the known prefixes are predeclared.")],
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Run an ad-hoc SPARQL SELECT over the union of all graphs."""
    from graphsvc.queries import with_prefixes
    from graphsvc.results import plain_rows

    svc = service_for(store)
    emit(plain_rows(svc.store.select(with_prefixes(text))), fmt)


@app.command("crosswalk")
@handle_errors
def crosswalk_cmd(
    curie: Annotated[
        str | None, typer.Argument(help="A requirement CURIE, e.g. iso42001:A.6.2.8 or euaia:26(1).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Target framework id.")] = None,
    source_fw: Annotated[str | None, typer.Option("--from", help="Source framework id (whole matrix).")] = None,
    depth: Annotated[int, typer.Option(help="Most mapping hops in a chained link.")] = 2,
    min_strength: Annotated[int, typer.Option("--min-strength", help="Ignore mappings weaker than this (1-10).")] = 1,
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Also follow proposed mappings.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (needed for xlsx).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """What a requirement maps to (direct and chained), or the whole matrix between two frameworks."""
    from graphsvc import service as S

    svc = service_for(store)
    if curie:
        rows = S.crosswalk(svc, curie, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed)
    elif source_fw and to:
        rows = S.crosswalk_matrix(
            svc, source_fw, to, depth=depth, min_strength=min_strength, include_proposed=include_proposed
        )
    else:
        raise QueryParameterError("give a requirement CURIE, or --from FRAMEWORK --to FRAMEWORK")
    if fmt in {"sssom", "oscal", "xlsx"}:
        from graphsvc import exports

        data = exports.render(svc, rows, fmt, source_fw or "", to or "")
        write_output(data, output)
        return
    cols = ["source", "target", "relation", "strength", "status", "derived", "source_ref"]
    if fmt == "table":
        cols = ["source", "target", "target_title", "relation", "strength", "status", "derived", "source_ref"]
    emit(rows, fmt, cols if fmt != "json" else None)


def write_output(data: str | bytes, output: Path | None) -> None:
    if output is None:
        if isinstance(data, bytes):
            raise QueryParameterError("this format is binary: give --output FILE")
        sys.stdout.write(data)
        return
    output.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    err.print(f"wrote {output}", highlight=False)


@app.command("cover")
@handle_errors
def cover_cmd(
    source_fw: Annotated[str, typer.Option("--from", help="Framework to pick requirements from.")],
    to: Annotated[str, typer.Option("--to", help="Framework to reach.")],
    budget: Annotated[int, typer.Option(help="How many to pick.")] = 12,
    depth: Annotated[int, typer.Option(help="Most mapping hops.")] = 2,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Greedy cover: the K requirements of one framework that reach most of another."""
    from graphsvc import service as S

    rows = S.cover(service_for(store), source_fw, to, budget, depth)
    emit(rows, fmt, ["rank", "notation", "title", "new_targets", "cumulative"] if fmt == "table" else None)


def _date(value: str | None):  # type: ignore[no-untyped-def]
    import datetime as dt

    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryParameterError(f"--as-of {value!r}: expected YYYY-MM-DD") from None


@app.command("applicable")
@handle_errors
def applicable_cmd(
    role: Annotated[
        str | None,
        typer.Option(
            help="provider, deployer, importer, distributor, authorised-representative, product-manufacturer, gpai-provider."
        ),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            help="all, prohibited, high-risk-annex-iii, high-risk-annex-i, transparency, gpai, gpai-systemic."
        ),
    ] = None,
    system: Annotated[
        str | None, typer.Option(help="An AI system id (ORG/ID); takes roles and categories from the data.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    law_version: Annotated[str | None, typer.Option("--law-version", help="Date layer: adopted or amended.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The EU AI Act obligations that apply (or will apply, and from when) to a role and category."""
    from graphsvc.applicability import applicable, system_profile
    from graphsvc.coverage import resolve_system

    svc = service_for(store)
    layer = law_version or svc.settings.law_version
    if system:
        prof = system_profile(svc, resolve_system(svc, system))
        roles, cats = prof["roles"], prof["categories"]
    elif role and category:
        roles, cats = [role], [category]
    else:
        raise QueryParameterError("give --role and --category, or --system")
    rows = applicable(svc, roles, cats, _date(as_of), layer)
    emit(rows, fmt, ["notation", "status", "from", "reason"] if fmt != "json" else None)


@app.command("systems")
@handle_errors
def systems_cmd(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """The AI systems in the graph, with roles and inferred EU AI Act categories."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["system"]), "org": compress(r["org"])} for r in service_for(store).select("systems")]
    emit(rows, fmt, ["id", "label", "orgLabel", "roles", "categories"] if fmt == "table" else None)


@app.command("certificates")
@handle_errors
def certificates_cmd(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """Certificates and attestations, with holder, issuer, accreditation and validity."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["cert"])} for r in service_for(store).select("certificates")]
    emit(
        rows,
        fmt,
        ["id", "label", "holder", "frameworkId", "validFrom", "validUntil", "issuer"] if fmt == "table" else None,
    )


@app.command("coverage")
@handle_errors
def coverage_cmd(
    target: Annotated[str, typer.Option("--target", help="Target framework id, e.g. euaia.")],
    certificate: Annotated[
        str | None, typer.Option("--certificate", help="A certificate id (see `graphsvc certificates`).")
    ] = None,
    system: Annotated[str | None, typer.Option("--system", help="An AI system id (ORG/ID).")] = None,
    org: Annotated[str | None, typer.Option("--org", help="An organisation id.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    law_version: Annotated[str | None, typer.Option("--law-version", help="Date layer: adopted or amended.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the justification of each requirement.")] = False,
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Also follow proposed mappings.")
    ] = False,
    depth: Annotated[int, typer.Option(help="Most mapping hops in a chained link.")] = 2,
    status: Annotated[
        str | None, typer.Option("--status", help="Only rows with these statuses, e.g. satisfied,partial.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (needed for xlsx).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Coverage of a certificate, a system or an organisation against a target framework."""
    from graphsvc import coverage as C

    svc = service_for(store)
    opts = C.Options(
        as_of=_date(as_of),
        layer=law_version or svc.settings.law_version,
        depth=depth,
        include_proposed=include_proposed,
    )
    if sum(x is not None for x in (certificate, system, org)) != 1:
        raise QueryParameterError("give exactly one of --certificate, --system, --org")
    if certificate:
        result = C.certificate_coverage(svc, certificate, target, opts)
    elif system:
        result = C.system_coverage(svc, system, target, opts)
    else:
        result = C.org_coverage(svc, org or "", target, opts, explain=explain or fmt in {"json", "xlsx"})
    if fmt == "json":
        sys.stdout.write(to_json(result) + "\n")
        return
    if fmt == "xlsx":
        from graphsvc.workbook import coverage_workbook

        write_output(coverage_workbook(result), output)
        return
    rows = C.coverage_rows(result)
    if status:
        wanted = {x.strip() for x in status.split(",")}
        unknown = wanted - set(C.STATUSES)
        if unknown:
            raise QueryParameterError(f"--status {', '.join(sorted(unknown))}: expected {', '.join(C.STATUSES)}")
        rows = [r for r in rows if r["status"] in wanted]
    if fmt == "table":
        _print_coverage_header(result)
    cols = (
        ["system", "notation", "status", "via", "from", "explanation"]
        if explain
        else ["system", "notation", "title", "status", "via", "from"]
    )
    if "systems" not in result:
        cols = [c for c in cols if c != "system"]
    emit(rows, fmt, cols if fmt == "table" else None)


@import_app.command("org")
@handle_errors
def import_org_cmd(
    path: Annotated[Path, typer.Argument(help="An organisation YAML file, or a folder of them.")],
    store: StoreOpt = None,
) -> None:
    """Validate an organisation's data and load it into its own named graph, all or nothing."""
    from graphsvc.imports import import_org

    with writable_service(store) as svc:
        report = import_org(svc, path)
    out.print(
        f"imported organisation {report.name}: {report.triples:,} triples in {len(report.graphs)} graphs",
        highlight=False,
    )


@import_app.command("aicm")
@handle_errors
def import_aicm_cmd(
    path: Annotated[
        Path, typer.Argument(help="Your licensed copy of CSA's AICM: the .xlsx workbook or the STIX 2.1 .json.")
    ],
    version: Annotated[str | None, typer.Option(help="AICM version, when the file does not say (e.g. 1.1.0).")] = None,
    store: StoreOpt = None,
) -> None:
    """Import titles, specifications, shared-responsibility owners and CSA's mapping columns."""
    from graphsvc.imports import import_aicm

    with writable_service(store) as svc:
        report = import_aicm(svc, path, version)
    for graph, n in sorted(report.graphs.items()):
        out.print(f"  {graph}: {n:,} triples", highlight=False)
    out.print(f"imported AICM {report.name}: {report.triples:,} triples", highlight=False)


@import_app.command("oscal")
@handle_errors
def import_oscal_cmd(
    path: Annotated[Path, typer.Argument(help="A provider's OSCAL component definition or SSP (JSON).")],
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation id (default: the provider party in the file).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Turn an OSCAL component definition or SSP into provided/shared controls and load them, all or nothing."""
    from graphsvc.oscal import import_oscal

    with writable_service(store) as svc:
        report = import_oscal(svc, path, org)
    out.print(
        f"imported organisation {report.name} from OSCAL {path.name}: "
        f"{report.triples:,} triples in {len(report.graphs)} graphs",
        highlight=False,
    )


@import_app.command("delete-org")
@handle_errors
def delete_org_cmd(org_id: Annotated[str, typer.Argument(help="The organisation id.")], store: StoreOpt = None) -> None:
    """Remove an organisation's data from the store."""
    from graphsvc.imports import delete_org

    with writable_service(store) as svc:
        delete_org(svc, org_id)
    out.print(f"deleted organisation {org_id}", highlight=False)


def _print_coverage_header(result: dict[str, Any]) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in result["summary"].items())
    if "certificate" in result:
        c = result["certificate"]
        head = f"{c['label']} ({c['framework']}, {c['holder']}; issued by {c['issuer']}, accredited by {c['accreditation']}; valid {c['valid_from']} to {c['valid_until']})"
    elif "system" in result:
        sy = result["system"]
        head = f"{sy['label']} ({sy['org_label']}; roles {', '.join(sy['roles'])}; categories {', '.join(sy['categories'])})"
        deps = ", ".join(d["label"] for d in sy["depends_on"])
        if deps:
            head += f"; builds on {deps}"
    else:
        head = f"organisation {result['organisation']} ({len(result['systems'])} systems)"
    out.print(f"[bold]{head}[/bold]", highlight=False)
    out.print(
        f"target {result['target']} on {result['as_of']} (law version: {result['law_version']}): {counts}",
        highlight=False,
    )
    if "by_origin" in result:
        o = result["by_origin"]
        out.print(
            f"covered through own controls/certificates {o['own']}, inherited {o['inherited']}, shared {o['shared']}",
            highlight=False,
        )
    for i in result.get("ignored", []):
        out.print(f"[dim]not counted: {i['kind']} {i['id']} ({i['label']}): {i['reason']}[/dim]", highlight=False)


@queries_app.command("list")
@handle_errors
def queries_list(fmt: FormatOpt = "table") -> None:
    """The named queries and their parameters."""
    from graphsvc.queries import QueryRegistry

    reg = QueryRegistry.from_dir(settings_for().queries_dir)
    rows = [
        {
            "name": q.name,
            "summary": q.summary,
            "params": ", ".join(f"{p.name}{'' if p.required else '?'}:{p.kind}" for p in q.params),
        }
        for q in reg
    ]
    emit(rows, fmt)


@queries_app.command("show")
@handle_errors
def queries_show(name: str) -> None:
    """Print a named query's text."""
    from graphsvc.queries import QueryRegistry

    sys.stdout.write(QueryRegistry.from_dir(settings_for().queries_dir).get(name).text)


# -- proposed mappings and their review (graphsvc/cli_review.py) ----------------------------
from graphsvc import cli_review  # noqa: E402 (it imports this module inside its command bodies)

app.command("propose")(handle_errors(cli_review.propose_cmd))
app.command("review")(handle_errors(cli_review.review_cmd))
import_app.command("controls")(handle_errors(cli_review.import_controls_cmd))


if __name__ == "__main__":  # pragma: no cover
    app()
