"""The ``graphsvc`` command: flags → Settings → GraphService → one call → formatted output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

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

out = Console()
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
        f"({report.triples / max(report.seconds, 1e-9):,.0f} triples/s); store {settings.store_path} "
        f"({report.store_bytes / 1e6:.1f} MB)",
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


if __name__ == "__main__":  # pragma: no cover
    app()
