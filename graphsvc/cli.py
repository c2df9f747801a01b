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

from graphsvc.cli_ciso_assistant import export_ciso_assistant, import_ciso_assistant
from graphsvc.cli_server import keys_app, serve
from graphsvc.config import Settings, load_settings
from graphsvc.errors import GraphSvcError, QueryParameterError
from graphsvc.results import to_csv, to_json, to_table

app = typer.Typer(
    help="graphsvc: a knowledge graph of AI-governance requirements, crosswalks and coverage.", no_args_is_help=True
)
queries_app = typer.Typer(help="List and show the named queries of queries/.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import data into the store (organisations, a licensed AICM copy, OSCAL, CISO Assistant libraries).",
    no_args_is_help=True,
)
app.add_typer(queries_app, name="queries")
app.add_typer(import_app, name="import")
app.command("serve")(serve)
app.add_typer(keys_app, name="keys")
export_app = typer.Typer(help="Export catalogs and mapping sets for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")
import_app.command("ciso-assistant")(import_ciso_assistant)
export_app.command("ciso-assistant")(export_ciso_assistant)

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
    cols = ["notation", "title", "kind", "parent", "layer"] if fmt == "table" else None
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
    report: Annotated[
        bool, typer.Option("--report", help="Reach report: per article, items mapped, with no counterpart, or neither.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Cross-set consistency: chains with no direct row, and rows a chain contradicts."),
    ] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """What a requirement maps to (direct and chained), or the whole matrix between two frameworks."""
    from graphsvc import service as S

    svc = service_for(store)
    if check:
        _print_check(svc, fmt)
        return
    if report:
        if not (source_fw and to):
            raise QueryParameterError("--report needs --from FRAMEWORK --to FRAMEWORK")
        _print_reach(S.reach(svc, source_fw, to), fmt)
        return
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


def _print_reach(result: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        emit([result], "json")
        return
    rows = [{k: v for k, v in g.items() if k != "undecided"} for g in result["groups"]]
    t = result["totals"]
    rows.append({"group": "total", "title": "", "items": result["items"], **t})
    if fmt == "table":
        out.print(
            f"[bold]{result['source']} → {result['target']}[/bold]: {result['items']} items; mapped {t['mapped']} "
            f"({result['mapped_share']} %), no counterpart {t['no counterpart']}, nothing {t['nothing']}; "
            f"decided {result['decided_share']} %",
            highlight=False,
        )
    emit(rows, fmt, ["group", "title", "items", "mapped", "no counterpart", "nothing"])


def _print_check(svc: Any, fmt: str) -> None:
    from graphsvc import service as S

    rows = S.consistency(svc)
    if fmt == "table":
        open_ = [r for r in rows if r["status"] == "open"]
        kinds = ", ".join(
            f"{k} {sum(1 for r in open_ if r['kind'] == k)}"
            for k in ("contradicted", "decision-contradicted", "unconfirmed")
        )
        out.print(
            f"[bold]cross-set consistency[/bold]: {len(rows)} finding(s), {len(open_)} open ({kinds}), "
            f"{len(rows) - len(open_)} explained in mappings/chains.yaml",
            highlight=False,
        )
    emit(
        rows,
        fmt,
        ["kind", "status", "source", "via", "target", "derived", "direct", "strength", "explanation"]
        if fmt != "json"
        else None,
    )


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


LAW_VERSION_HELP = "Law layer: in-force (default: the law in force on the date), adopted, amended or proposal-2025."


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) or "none"


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
        str | None,
        typer.Option(help="An AI system id (ORG/ID); takes roles, categories and attributes from the data."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    law_version: Annotated[str | None, typer.Option("--law-version", help=LAW_VERSION_HELP)] = None,
    annex_iii_point: Annotated[
        str | None, typer.Option("--annex-iii-point", help="Annex III area or point of the use, e.g. 4(a).")
    ] = None,
    annex_i_section: Annotated[
        str | None, typer.Option("--annex-i-section", help="A or B: the Annex I Section of the product's legislation.")
    ] = None,
    public_body: Annotated[
        bool | None,
        typer.Option(
            "--public-body/--not-public-body", help="A public authority, Union body or body governed by public law."
        ),
    ] = None,
    public_service_provider: Annotated[
        bool | None,
        typer.Option(
            "--public-service-provider/--not-public-service-provider",
            help="A private entity providing public services.",
        ),
    ] = None,
    third_country: Annotated[
        bool | None, typer.Option("--third-country/--in-union", help="Established outside the Union (default: in it).")
    ] = None,
    financial_institution: Annotated[
        bool | None,
        typer.Option(
            "--financial-institution/--not-financial-institution", help="Subject to Union financial governance rules."
        ),
    ] = None,
    workplace: Annotated[
        bool | None, typer.Option("--workplace/--not-workplace", help="Used at the workplace by an employer.")
    ] = None,
    open_source: Annotated[
        bool | None,
        typer.Option("--open-source/--not-open-source", help="A GPAI model under a free and open-source licence."),
    ] = None,
    art6_3_exemption: Annotated[
        bool | None,
        typer.Option("--art6-3-exemption/--no-art6-3-exemption", help="The provider claims the Art. 6(3) derogation."),
    ] = None,
    placed_on_market: Annotated[
        str | None, typer.Option("--placed-on-market", help="Date the system was placed on the market (YYYY-MM-DD).")
    ] = None,
    rebranded: Annotated[
        bool | None,
        typer.Option("--rebranded/--not-rebranded", help="You put your name or trademark on it (Art. 25(1)(a))."),
    ] = None,
    substantially_modified: Annotated[
        bool | None,
        typer.Option("--substantially-modified/--not-substantially-modified", help="You modified it substantially."),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the obligations that do not apply, and why.")
    ] = False,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The EU AI Act obligations for a role and category, or a system: for each, whether it applies, from
    when, or on what condition, with the reason in words."""
    from graphsvc.applicability import answer, parse_facts
    from graphsvc.coverage import resolve_system
    from graphsvc.layers import describe_layer, layer_header, resolve_layer

    svc = service_for(store)
    facts = parse_facts(
        {
            "annex_iii_area": annex_iii_point,
            "annex_i_section": annex_i_section,
            "public_body": public_body,
            "public_service_provider": public_service_provider,
            "established_in_union": None if third_country is None else not third_country,
            "financial_institution": financial_institution,
            "used_at_workplace": workplace,
            "open_source": open_source,
            "art6_3_exemption": art6_3_exemption,
            "placed_on_market": placed_on_market,
            "rebranded": rebranded,
            "substantially_modified": substantially_modified,
        },
        how="flag for",
    )
    day = _date(as_of)
    layer = resolve_layer(svc, law_version or svc.settings.law_version, day)
    res = answer(
        svc,
        system=resolve_system(svc, system) if system else None,
        roles=[role] if role else [],
        categories=[category] if category else [],
        facts=facts,
        as_of=day,
        layer=layer,
        include_all=show_all,
    )
    info = describe_layer(svc, layer)
    for r in res["items"]:
        r["layer"], r["layer_status"] = layer, info["statement"]
    if fmt == "table":
        n = res["summary"]
        out.print(f"[bold]{layer_header(info)}[/bold]", highlight=False)
        out.print(
            f"law layer {res['law_version']}, as of {res['as_of']}; roles {', '.join(res['roles'])}; "
            f"categories {', '.join(res['categories'])}\n"
            f"attributes: {', '.join(f'{k}={_shown(v)}' for k, v in res['attributes'].items()) or 'none'}; "
            f"not given: {', '.join(res['not_given']) or 'none'}\n"
            f"{n['applies']} apply, {n['applies-from']} apply later, {n['conditional']} conditional, "
            f"{n['does-not-apply']} do not apply" + ("" if show_all else " (--all lists them)"),
            highlight=False,
        )
    cols = {
        "table": ["notation", "status", "from", "reason"],
        "csv": ["notation", "status", "from", "reason", "layer", "layer_status"],
    }
    emit(res["items"], fmt, cols.get(fmt))


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
    system: Annotated[
        str | None,
        typer.Option("--system", help="An AI system id (ORG/ID); with --certificate, the applicability context."),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="An organisation id.")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="With --certificate: judge applicability for this operator role.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="With --certificate and --role: the system's category.")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    law_version: Annotated[str | None, typer.Option("--law-version", help=LAW_VERSION_HELP)] = None,
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
    from graphsvc.layers import resolve_layer

    svc = service_for(store)
    day = _date(as_of)
    opts = C.Options(
        as_of=day,
        layer=resolve_layer(svc, law_version or svc.settings.law_version, day),
        depth=depth,
        include_proposed=include_proposed,
    )
    if sum(x is not None for x in (certificate, system if not certificate else None, org)) != 1:
        raise QueryParameterError("give exactly one of --certificate, --system, --org")
    if (role or category) and not certificate:
        raise QueryParameterError("--role and --category give a context to --certificate only")
    if certificate:
        context = {"system": system} if system else {"roles": [role], "categories": [category]} if role else None
        result = C.certificate_coverage(svc, certificate, target, opts, context=context)
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
        ["system", "notation", "status", "gap", "via", "from", "explanation"]
        if explain
        else ["system", "notation", "title", "status", "gap", "via", "from"]
    )
    if "systems" not in result:
        cols = [c for c in cols if c != "system"]
    if any(r["binds"] for r in rows):
        cols.insert(cols.index("status") + 1, "binds")
    emit(rows, fmt, cols if fmt == "table" else None)


def _audit(svc: Any, action: str, graphs: Any, triples: int) -> None:
    """The audit record of a write made from the command line (graphsvc.audit)."""
    from graphsvc.audit import CLI, record_write

    record_write(svc.settings.data_path, CLI, action, graphs, triples=triples)


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
        _audit(svc, "import org", report.graphs, report.triples)
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
        _audit(svc, "import aicm", report.graphs, report.triples)
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
        _audit(svc, "import oscal", report.graphs, report.triples)
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
        report = delete_org(svc, org_id)
        _audit(svc, "import delete-org", report.graphs, 0)
    out.print(f"deleted organisation {org_id}", highlight=False)


def _print_coverage_header(result: dict[str, Any]) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in result["summary"].items())
    kinds = result.get("gap_kinds")
    if kinds and result["summary"].get("gap"):
        counts += f" (gaps: no counterpart {kinds['no-counterpart']}, not reached {kinds['not-reached']})"
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
    if result.get("law_layer"):
        from graphsvc.layers import layer_header

        out.print(layer_header(result["law_layer"]), highlight=False)
    out.print(
        f"target {result['target']} on {result['as_of']} (law version: {result['law_version']}): {counts}",
        highlight=False,
        soft_wrap=True,  # the summary line stays one line, whatever the terminal width
    )
    if result.get("applicability"):
        out.print(f"applicability: {result['applicability']}", highlight=False)
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
from graphsvc import cli_plan  # noqa: E402, F401 (registers `graphsvc plan` on app: graphsvc/cli_plan.py)

if __name__ == "__main__":  # pragma: no cover
    app()
