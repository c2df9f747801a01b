"""``graphsvc applicable``: the EU AI Act obligations for a role and category, or an AI system,
each with whether it applies, from when or on what condition, and why
(graphsvc.domain.applicability). graphsvc.cli.main registers it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.models import OptionInfo

from graphsvc.cli.common import (
    CATEGORY_HELP,
    ROLE_HELP,
    AsOfOpt,
    Category,
    FormatOpt,
    LawVersionOpt,
    OutputOpt,
    Role,
    StoreOpt,
    enum_value,
    handle_errors,
    parse_date,
    service_for,
)
from graphsvc.cli.output import Format, emit, pick_format, print_with_head

__all__ = ["applicable_cmd"]


class AnnexISection(StrEnum):
    A = "A"
    B = "B"


def _switch(on: str, help: str, off: str | None = None) -> OptionInfo:
    """A yes/no fact about the system, unset unless given: ``--ON`` / ``--not-ON`` (or ``--OFF``)."""
    return typer.Option(f"--{on}/--{off or 'not-' + on}", help=help)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) or "none"


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
        bool | None, _switch("public-body", "A public authority, Union body or body governed by public law.")
    ] = None,
    public_service_provider: Annotated[
        bool | None, _switch("public-service-provider", "A private entity providing public services.")
    ] = None,
    third_country: Annotated[
        bool | None, _switch("third-country", "Established outside the Union (default: in it).", off="in-union")
    ] = None,
    financial_institution: Annotated[
        bool | None, _switch("financial-institution", "Subject to Union financial governance rules.")
    ] = None,
    workplace: Annotated[bool | None, _switch("workplace", "Used at the workplace by an employer.")] = None,
    open_source: Annotated[
        bool | None, _switch("open-source", "A GPAI model under a free and open-source licence.")
    ] = None,
    art6_3_exemption: Annotated[
        bool | None,
        _switch("art6-3-exemption", "The provider claims the Art. 6(3) derogation.", off="no-art6-3-exemption"),
    ] = None,
    placed_on_market: Annotated[
        str | None, typer.Option("--placed-on-market", help="Date the system was placed on the market (YYYY-MM-DD).")
    ] = None,
    rebranded: Annotated[
        bool | None, _switch("rebranded", "You put your name or trademark on it (Art. 25(1)(a)).")
    ] = None,
    substantially_modified: Annotated[
        bool | None, _switch("substantially-modified", "You modified it substantially.")
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
    from graphsvc.domain.applicability import parse_facts

    svc = service_for(store)
    facts = parse_facts(
        {
            "annex_iii_area": annex_iii_point,
            "annex_i_section": enum_value(annex_i_section),
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
    roles, categories = [enum_value(role)] if role else [], [enum_value(category)] if category else []
    res, info = _answer(svc, system, roles, categories, facts, parse_date(as_of), law_version, show_all)
    _print(res, info, pick_format(fmt, output, Format), output, show_all)


def _answer(
    svc: Any,
    system: str | None,
    roles: list[Any],
    categories: list[Any],
    facts: Any,
    day: Any,
    law_version: str | None,
    show_all: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The obligations and the law layer they were judged under; each row names the layer and its status."""
    from graphsvc.domain.applicability import answer
    from graphsvc.domain.coverage import resolve_system
    from graphsvc.sources.layers import describe_layer, resolve_layer

    layer = resolve_layer(svc, law_version or svc.settings.law_version, day)
    res = answer(
        svc,
        system=resolve_system(svc, system) if system else None,
        roles=roles,
        categories=categories,
        facts=facts,
        as_of=day,
        layer=layer,
        include_all=show_all,
    )
    info = describe_layer(svc, layer)
    for r in res["items"]:
        r["layer"], r["layer_status"] = layer, info["statement"]
    return res, info


def _print(res: dict[str, Any], info: dict[str, Any], fmt: str, output: Path | None, show_all: bool) -> None:
    """The obligations as rows, or as a table under the layer, the context and the counts."""
    from graphsvc.sources.layers import layer_header

    cols = ["notation", "status", "from", "reason", "layer", "layer_status"]
    if fmt != "table":
        emit(res["items"], fmt, cols if fmt != "json" else None, output=output, sheet="applicable")
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
    print_with_head(head, res["items"], ["notation", "status", "from", "reason"], output)
