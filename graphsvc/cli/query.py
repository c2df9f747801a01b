"""The commands that run SPARQL: ``query`` (a named query of queries/ or a .rq file, parameters
bound as RDF terms), ``sparql`` (an ad-hoc SELECT), and ``queries list`` / ``queries show``.
graphsvc.cli.main registers them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from graphsvc.cli.common import FormatOpt, OutputOpt, StoreOpt, handle_errors, service_for, settings_for
from graphsvc.cli.output import Format, emit, pick_format
from graphsvc.errors import QueryParameterError

__all__ = ["parse_params", "queries_list", "queries_show", "query", "sparql"]


def parse_params(params: list[str] | None) -> dict[str, str]:
    """``--param name=value`` options as a dict.

    :raises QueryParameterError: a parameter with no ``=``.
    """
    out_: dict[str, str] = {}
    for p in params or []:
        name, sep, value = p.partition("=")
        if not sep:
            raise QueryParameterError(f"--param {p!r}: write it as name=value")
        out_[name.strip()] = value
    return out_


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


@handle_errors
def queries_show(name: Annotated[str, typer.Argument(help="The query's name (see `graphsvc queries list`).")]) -> None:
    """Print a named query's text."""
    from graphsvc.sources.queries import QueryRegistry

    sys.stdout.write(QueryRegistry.from_dir(settings_for().queries_dir).get(name).text)
