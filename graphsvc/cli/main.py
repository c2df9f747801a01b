"""The ``graphsvc`` command: the typer app, its --debug and --config options, and where each
command of the command modules is registered (with its closing example).

Every command follows one shape: flags → Settings → GraphService → one call → formatted output.
The commands live by what they do: graphsvc.cli.build (build, validate, import), .catalog
(frameworks, catalog, systems, certificates), .query (query, sparql, queries), .crosswalk
(crosswalk, cover), .applicable, .coverage, .review (propose, review, import controls), .plan,
.server (serve, keys) and .ciso_assistant (import and export ciso-assistant).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from graphsvc.cli import applicable, build, catalog, ciso_assistant, coverage, crosswalk, plan, query, review, server
from graphsvc.cli.common import STATE

__all__ = ["app"]

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
export_app = typer.Typer(
    help="Export catalogs and mapping sets for other tools.",
    no_args_is_help=True,
    epilog=example("graphsvc export ciso-assistant --mapping-set iso42001-euaia -o iso42001-euaia.yaml"),
)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="A graphsvc.toml settings file.")] = None,
) -> None:
    STATE["debug"] = debug
    STATE["config"] = config


def register(group: typer.Typer, commands: list[tuple[str, Callable[..., Any], str]]) -> None:
    """Register each (name, command function, closing example) in ``group``, in this order: the order
    its help lists them in."""
    for name, command, epilog in commands:
        group.command(name, epilog=epilog)(command)


# `graphsvc --help` lists the commands first, then the groups.
register(
    app,
    [
        ("serve", server.serve, example("graphsvc serve --port 8000 --anonymous")),
        ("build", build.build, example("graphsvc build --store ./data")),
        ("validate", build.validate, example("graphsvc validate")),
        ("frameworks", catalog.frameworks, example("graphsvc frameworks -o frameworks.csv")),
        ("catalog", catalog.catalog, example("graphsvc catalog iso42001 --kind annex_control -f csv")),
        ("query", query.query, example("graphsvc query catalog -p framework=nistairmf -f csv")),
        ("sparql", query.sparql, example("graphsvc sparql 'SELECT ?id WHERE { ?f gs:shortName ?id }' -f csv")),
        ("crosswalk", crosswalk.crosswalk_cmd, example("graphsvc crosswalk iso42001:A.6.2.8 --to euaia")),
        ("cover", crosswalk.cover_cmd, example("graphsvc cover --from iso42001 --to euaia --budget 12")),
        (
            "applicable",
            applicable.applicable_cmd,
            example("graphsvc applicable --role deployer --category high-risk-annex-iii --as-of 2026-08-02"),
        ),
        ("systems", catalog.systems_cmd, example("graphsvc systems -f csv")),
        ("certificates", catalog.certificates_cmd, example("graphsvc certificates -o certificates.xlsx")),
        (
            "coverage",
            coverage.coverage_cmd,
            example("graphsvc coverage --certificate iso42001-m365-copilot --target euaia --explain"),
        ),
        ("propose", review.propose_cmd, example("graphsvc propose --controls contoso --to iso42001 --top 3")),
        ("review", review.review_cmd, example("graphsvc review --org contoso -o queue.csv")),
        ("plan", plan.plan_cmd, plan.EPILOG),
    ],
)
register(
    queries_app,
    [
        ("list", query.queries_list, example("graphsvc queries list -f json")),
        ("show", query.queries_show, example("graphsvc queries show certificate_scope")),
    ],
)
register(
    import_app,
    [
        (
            "ciso-assistant",
            ciso_assistant.import_ciso_assistant,
            example("graphsvc import ciso-assistant library.yaml --status proposed"),
        ),
        ("org", build.import_org_cmd, example("graphsvc import org mappings/examples/contoso.yaml")),
        ("aicm", build.import_aicm_cmd, example("graphsvc import aicm ~/licensed/AICM-v1.1.0.xlsx")),
        (
            "oscal",
            build.import_oscal_cmd,
            example("graphsvc import oscal provider-component-definition.json --org acme"),
        ),
        ("delete-org", build.delete_org_cmd, example("graphsvc import delete-org acme")),
        (
            "controls",
            review.import_controls_cmd,
            example("graphsvc import controls contoso mappings/examples/contoso-controls.csv"),
        ),
    ],
)
register(
    export_app,
    [
        (
            "ciso-assistant",
            ciso_assistant.export_ciso_assistant,
            example("graphsvc export ciso-assistant --framework iso42001 -o iso42001.yaml"),
        )
    ],
)

app.add_typer(queries_app, name="queries")
app.add_typer(import_app, name="import")
app.add_typer(server.keys_app, name="keys")
app.add_typer(export_app, name="export")

if __name__ == "__main__":  # pragma: no cover
    app()
