"""The ``graphsvc`` command: flags → Settings → GraphService → one call → formatted output."""

from __future__ import annotations

import sys
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from graphsvc.cli.ciso_assistant import export_ciso_assistant, import_ciso_assistant
from graphsvc.cli.common import (
    LAW_VERSION_HELP,
    STATE,
    StoreOpt,
    handle_errors,
    parse_date,
    service_for,
    settings_for,
    writable_service,
)
from graphsvc.cli.output import (
    FORMAT_HELP,
    CrosswalkFormat,
    Format,
    emit,
    err,
    out,
    pick_format,
    render_text,
    write_output,
)
from graphsvc.cli.server import keys_app, serve
from graphsvc.errors import QueryParameterError
from graphsvc.exports.results import to_json
from graphsvc.sources.catalogs import CATEGORIES, ROLES

__all__ = ["app", "emit", "err", "out", "service_for", "settings_for", "writable_service", "write_output"]

_display_type_rich = TyperOption.display_type_rich


def _no_bool_metavar(self: TyperOption, ctx: Any) -> str | None:
    """Typer shows ``<bool>`` after a flag (``--explain <bool>``) as if it took a value: a flag shows
    no value type."""
    if getattr(self, "is_flag", False) and self.metavar is None:
        return None
    return _display_type_rich(self, ctx)


TyperOption.display_type_rich = _no_bool_metavar  # type: ignore[method-assign]


def example(*commands: str) -> str:
    """A help page's closing example (typer's epilog)."""
    return "Example: " + "  ".join(commands)


app = typer.Typer(
    help="graphsvc: a knowledge graph of AI-governance requirements, crosswalks and coverage.",
    no_args_is_help=True,
    epilog=example("graphsvc coverage --certificate iso42001-m365-copilot --target euaia --explain"),
)
queries_app = typer.Typer(
    help="List and show the named queries of queries/.", no_args_is_help=True, epilog=example("graphsvc queries list")
)
import_app = typer.Typer(
    help="Import data into the store (organisations, a licensed AICM copy, OSCAL, CISO Assistant libraries).",
    no_args_is_help=True,
    epilog=example("graphsvc import org mappings/examples/contoso.yaml"),
)
app.add_typer(queries_app, name="queries")
app.add_typer(import_app, name="import")
app.command("serve", epilog=example("graphsvc serve --port 8000 --anonymous"))(serve)
app.add_typer(keys_app, name="keys")
export_app = typer.Typer(
    help="Export catalogs and mapping sets for other tools.",
    no_args_is_help=True,
    epilog=example("graphsvc export ciso-assistant --mapping-set iso42001-euaia -o iso42001-euaia.yaml"),
)
app.add_typer(export_app, name="export")
import_app.command("ciso-assistant", epilog=example("graphsvc import ciso-assistant library.yaml --status proposed"))(
    import_ciso_assistant
)
export_app.command(
    "ciso-assistant", epilog=example("graphsvc export ciso-assistant --framework iso42001 -o iso42001.yaml")
)(export_ciso_assistant)


#: The operator roles and system categories the catalogs define (graphsvc.sources.catalogs), as choices.
Role = StrEnum("Role", {r: r for r in ROLES})  # type: ignore[misc]
Category = StrEnum("Category", {c: c for c in CATEGORIES})  # type: ignore[misc]


ROLE_HELP = "operator role: " + ", ".join(ROLES) + "."
CATEGORY_HELP = "category: " + ", ".join(CATEGORIES) + "."


class AnnexISection(StrEnum):
    A = "A"
    B = "B"


FormatOpt = Annotated[Format | None, typer.Option("--format", "-f", help=FORMAT_HELP)]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout, in any format.")
]


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="A graphsvc.toml settings file.")] = None,
) -> None:
    STATE["debug"] = debug
    STATE["config"] = config


def parse_params(params: list[str] | None) -> dict[str, str]:
    out_: dict[str, str] = {}
    for p in params or []:
        name, sep, value = p.partition("=")
        if not sep:
            raise QueryParameterError(f"--param {p!r}: write it as name=value")
        out_[name.strip()] = value
    return out_


def _value(option: Enum | None) -> str | None:
    return None if option is None else str(option.value)


# -- build & inspect ----------------------------------------------------------------
@app.command(epilog=example("graphsvc build --store ./data"))
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


@app.command(epilog=example("graphsvc validate"))
@handle_errors
def validate(store: StoreOpt = None) -> None:
    """Run every check of build (syntax, identifiers, SHACL) without writing the store."""
    from graphsvc.build import compile_sources
    from graphsvc.build import validate as shacl

    settings = settings_for(store)
    compiled = compile_sources(settings)
    shacl(compiled)
    out.print(f"valid: {compiled.triple_count():,} triples in {len(compiled.graphs)} graphs", markup=False)


@app.command(epilog=example("graphsvc frameworks -o frameworks.csv"))
@handle_errors
def frameworks(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """List the framework editions in the graph."""
    rows = service_for(store).frameworks()
    f = pick_format(fmt, output, Format)
    emit(rows, f, ["id", "title", "edition", "requirements"] if f != "json" else None, output=output)


@app.command(epilog=example("graphsvc catalog iso42001 --kind annex_control -f csv"))
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


@app.command(epilog=example("graphsvc query catalog -p framework=nistairmf -f csv"))
@handle_errors
def query(
    name: Annotated[str, typer.Argument(help="A named query of queries/ or a .rq file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value (repeatable).")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Run a named query with parameters bound as RDF terms."""
    from graphsvc.sources.queries import parse_query_file
    from graphsvc.terms import plain_rows

    svc = service_for(store)
    params = parse_params(param)
    if name.endswith(".rq"):
        q = parse_query_file(Path(name))
        rows = plain_rows(svc.store.select(q.text, bindings=q.bindings(params)))
    else:
        rows = svc.select(name, **params)
    emit(rows, pick_format(fmt, output, Format), output=output, sheet=Path(name).stem)


@app.command(epilog=example("graphsvc sparql 'SELECT ?id WHERE { ?f gs:shortName ?id }' -f csv"))
@handle_errors
def sparql(
    text: Annotated[str, typer.Argument(help="A SPARQL SELECT query; the known prefixes are predeclared.")],
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Run an ad-hoc SPARQL SELECT over the union of all graphs."""
    from graphsvc.sources.queries import with_prefixes
    from graphsvc.terms import plain_rows

    svc = service_for(store)
    emit(plain_rows(svc.store.select(with_prefixes(text))), pick_format(fmt, output, Format), output=output)


@app.command("crosswalk", epilog=example("graphsvc crosswalk iso42001:A.6.2.8 --to euaia"))
@handle_errors
def crosswalk_cmd(
    curie: Annotated[
        str | None, typer.Argument(help="A requirement CURIE, e.g. iso42001:A.6.2.8 or euaia:26(1).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Target framework id.")] = None,
    source_fw: Annotated[str | None, typer.Option("--from", help="Source framework id (whole matrix).")] = None,
    depth: Annotated[int, typer.Option(help="Most mapping hops in a chained link.", min=1, max=4)] = 2,
    min_strength: Annotated[
        int, typer.Option("--min-strength", help="Ignore mappings weaker than this.", min=1, max=10)
    ] = 1,
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Also follow proposed mappings.")
    ] = False,
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
    _table_with_head([head], rows, cols, output)


def _table_with_head(head: list[str], rows: list[dict[str, Any]], cols: list[str], output: Path | None) -> None:
    """Header lines above a table, on stdout or into ``-o FILE``."""
    from graphsvc.cli.output import table

    if output is not None:
        write_output(render_text(*head, table(rows, cols)), output)
        return
    for line in head:
        out.print(line, markup=False, soft_wrap=True)
    out.print(table(rows, cols))


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
    _table_with_head([head], rows, cols, output)


@app.command("cover", epilog=example("graphsvc cover --from iso42001 --to euaia --budget 12"))
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


AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")]
LawVersionOpt = Annotated[str | None, typer.Option("--law-version", help=LAW_VERSION_HELP, metavar="LAYER")]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) or "none"


@app.command(
    "applicable",
    epilog=example("graphsvc applicable --role deployer --category high-risk-annex-iii --as-of 2026-08-02"),
)
@handle_errors
def applicable_cmd(
    role: Annotated[Role | None, typer.Option(help="The " + ROLE_HELP, metavar="ROLE")] = None,
    category: Annotated[Category | None, typer.Option(help="The system's " + CATEGORY_HELP, metavar="CATEGORY")] = None,
    system: Annotated[
        str | None,
        typer.Option(help="An AI system id (ORG/ID); takes roles, categories and attributes from the data."),
    ] = None,
    as_of: AsOfOpt = None,
    law_version: LawVersionOpt = None,
    annex_iii_point: Annotated[
        str | None, typer.Option("--annex-iii-point", help="Annex III area or point of the use, e.g. 4(a).")
    ] = None,
    annex_i_section: Annotated[
        AnnexISection | None,
        typer.Option("--annex-i-section", help="The Annex I Section of the product's legislation."),
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
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """The EU AI Act obligations for a role and category, or a system: for each, whether it applies, from
    when, or on what condition, with the reason in words."""
    from graphsvc.domain.applicability import answer, parse_facts
    from graphsvc.domain.resolve import resolve_system
    from graphsvc.sources.layers import describe_layer, layer_header, resolve_layer

    svc = service_for(store)
    facts = parse_facts(
        {
            "annex_iii_area": annex_iii_point,
            "annex_i_section": _value(annex_i_section),
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
    day = parse_date(as_of)
    layer = resolve_layer(svc, law_version or svc.settings.law_version, day)
    res = answer(
        svc,
        system=resolve_system(svc, system) if system else None,
        roles=[str(role.value)] if role else [],
        categories=[str(category.value)] if category else [],
        facts=facts,
        as_of=day,
        layer=layer,
        include_all=show_all,
    )
    info = describe_layer(svc, layer)
    for r in res["items"]:
        r["layer"], r["layer_status"] = layer, info["statement"]
    f = pick_format(fmt, output, Format)
    cols = ["notation", "status", "from", "reason", "layer", "layer_status"]
    if f != "table":
        emit(res["items"], f, cols if f != "json" else None, output=output, sheet="applicable")
        return
    n = res["summary"]
    head = [
        layer_header(info),
        f"law layer {res['law_version']}, as of {res['as_of']}; roles {', '.join(res['roles'])}; "
        f"categories {', '.join(res['categories'])}",
        f"attributes: {', '.join(f'{k}={_shown(v)}' for k, v in res['attributes'].items()) or 'none'}; "
        f"not given: {', '.join(res['not_given']) or 'none'}",
        f"{n['applies']} apply, {n['applies-from']} apply later, {n['conditional']} conditional, "
        f"{n['does-not-apply']} do not apply" + ("" if show_all else " (--all lists them)"),
    ]
    _table_with_head(head, res["items"], ["notation", "status", "from", "reason"], output)


@app.command("systems", epilog=example("graphsvc systems -f csv"))
@handle_errors
def systems_cmd(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """The AI systems in the graph, with roles and inferred EU AI Act categories."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["system"]), "org": compress(r["org"])} for r in service_for(store).select("systems")]
    f = pick_format(fmt, output, Format)
    emit(rows, f, table_columns=["id", "label", "orgLabel", "roles", "categories"], output=output, sheet="systems")


@app.command("certificates", epilog=example("graphsvc certificates -o certificates.xlsx"))
@handle_errors
def certificates_cmd(store: StoreOpt = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """Certificates and attestations, with holder, issuer, accreditation and validity."""
    from graphsvc.namespaces import compress

    rows = [{**r, "id": compress(r["cert"])} for r in service_for(store).select("certificates")]
    f = pick_format(fmt, output, Format)
    table_cols = ["id", "label", "holder", "frameworkId", "validFrom", "validUntil", "issuer"]
    emit(rows, f, table_columns=table_cols, output=output, sheet="certificates")


def _statuses(values: list[str] | None) -> list[str] | None:
    """``--status`` checked like every enumerated option: a usage error listing the allowed values."""
    from graphsvc.cli.output import parse_statuses

    try:
        return parse_statuses(values)
    except QueryParameterError as exc:
        raise typer.BadParameter(exc.message, param_hint="'--status'") from None


STATUS_HELP = (
    "Only rows of these statuses, in every format (comma separated or repeated): satisfied, partial, gap, "
    "upcoming, conditional, not-applicable. Default: the table shows satisfied, partial, upcoming and gap; "
    "csv, json and xlsx carry every row."
)


@app.command(
    "coverage", epilog=example("graphsvc coverage --certificate iso42001-m365-copilot --target euaia --explain")
)
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
    include_proposed: Annotated[
        bool, typer.Option("--include-proposed", help="Also follow proposed mappings.")
    ] = False,
    depth: Annotated[int, typer.Option(help="Most mapping hops in a chained link.", min=1, max=4)] = 2,
    store: StoreOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Coverage of a certificate, a system or an organisation against a target framework: the counts
    first, then the rows by article."""
    from graphsvc.cli.output import DEFAULT_SHOWN, STATUSES, coverage_report
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
    n_paths = paths or 1
    svc = service_for(store)
    day = parse_date(as_of)
    opts = C.Options(
        as_of=day,
        layer=resolve_layer(svc, law_version or svc.settings.law_version, day),
        depth=depth,
        include_proposed=include_proposed,
        max_paths=max(5, n_paths),
    )
    if certificate:
        context = (
            {"system": system}
            if system
            else {"roles": [_value(role)], "categories": [_value(category)] if category else []}
            if role
            else None
        )
        result = C.certificate_coverage(svc, certificate, target, opts, context=context)
    elif system:
        result = C.system_coverage(svc, system, target, opts)
    else:
        result = C.org_coverage(svc, org or "", target, opts, explain=True)
    if statuses:
        result = C.select_statuses(result, statuses)
    if f == "json":
        write_output(to_json(result) + "\n", output)
    elif f == "xlsx":
        from graphsvc.exports.workbook import coverage_workbook

        write_output(coverage_workbook(result), output)
    elif f == "csv":
        rows = C.coverage_rows(result)
        cols = [c for c in (rows[0] if rows else {}) if c != "system" or "systems" in result]
        emit(rows, "csv", cols or None, output=output)
    else:
        shown = statuses or (STATUSES if show_all else DEFAULT_SHOWN)
        report = coverage_report(
            result, shown=shown, chosen=statuses is not None, explain=explain or paths is not None, n_paths=n_paths
        )
        report.write(output)


def _audit(svc: Any, action: str, graphs: Any, triples: int) -> None:
    """The audit record of a write made from the command line (graphsvc.http.audit)."""
    from graphsvc.http.audit import CLI, record_write

    record_write(svc.settings.data_path, CLI, action, graphs, triples=triples)


@import_app.command("org", epilog=example("graphsvc import org mappings/examples/contoso.yaml"))
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


@import_app.command("aicm", epilog=example("graphsvc import aicm ~/licensed/AICM-v1.1.0.xlsx"))
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


@import_app.command("oscal", epilog=example("graphsvc import oscal provider-component-definition.json --org acme"))
@handle_errors
def import_oscal_cmd(
    path: Annotated[Path, typer.Argument(help="A provider's OSCAL component definition or SSP (JSON).")],
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation id (default: the provider party in the file).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Turn an OSCAL component definition or SSP into provided/shared controls and load them, all or nothing."""
    from graphsvc.sources.oscal import import_oscal

    with writable_service(store) as svc:
        report = import_oscal(svc, path, org)
        _audit(svc, "import oscal", report.graphs, report.triples)
    out.print(
        f"imported organisation {report.name} from OSCAL {path.name}: "
        f"{report.triples:,} triples in {len(report.graphs)} graphs",
        highlight=False,
    )


@import_app.command("delete-org", epilog=example("graphsvc import delete-org acme"))
@handle_errors
def delete_org_cmd(org_id: Annotated[str, typer.Argument(help="The organisation id.")], store: StoreOpt = None) -> None:
    """Remove an organisation's data from the store."""
    from graphsvc.imports import delete_org

    with writable_service(store) as svc:
        report = delete_org(svc, org_id)
        _audit(svc, "import delete-org", report.graphs, 0)
    out.print(f"deleted organisation {org_id}", highlight=False)


@queries_app.command("list", epilog=example("graphsvc queries list -f json"))
@handle_errors
def queries_list(fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    """The named queries and their parameters."""
    from graphsvc.sources.queries import QueryRegistry

    reg = QueryRegistry.from_dir(settings_for().queries_dir)
    rows = [
        {
            "name": q.name,
            "summary": q.summary,
            "params": ", ".join(f"{p.name}{'' if p.required else '?'}:{p.kind}" for p in q.params),
        }
        for q in reg
    ]
    emit(rows, pick_format(fmt, output, Format), output=output, sheet="queries")


@queries_app.command("show", epilog=example("graphsvc queries show certificate_scope"))
@handle_errors
def queries_show(name: Annotated[str, typer.Argument(help="The query's name (see `graphsvc queries list`).")]) -> None:
    """Print a named query's text."""
    from graphsvc.sources.queries import QueryRegistry

    sys.stdout.write(QueryRegistry.from_dir(settings_for().queries_dir).get(name).text)


# -- proposed mappings and their review (graphsvc/cli/review.py) ----------------------------
from graphsvc.cli import review as cli_review  # noqa: E402

app.command("propose", epilog=example("graphsvc propose --controls contoso --to iso42001 --top 3"))(
    handle_errors(cli_review.propose_cmd)
)
app.command("review", epilog=example("graphsvc review --org contoso -o queue.csv"))(
    handle_errors(cli_review.review_cmd)
)
import_app.command(
    "controls", epilog=example("graphsvc import controls contoso mappings/examples/contoso-controls.csv")
)(handle_errors(cli_review.import_controls_cmd))
from graphsvc.cli import plan as cli_plan  # noqa: E402

app.command("plan", epilog=cli_plan.EPILOG)(cli_plan.plan_cmd)

if __name__ == "__main__":  # pragma: no cover
    app()
