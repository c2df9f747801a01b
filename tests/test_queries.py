"""Named queries: header parsing, typed parameters, and values that try to escape."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.errors import QueryNotFound, QueryParameterError, QuerySyntaxError
from graphsvc.service import GraphService
from graphsvc.sources.queries import QueryRegistry, parse_query_file

QUERIES = Path(__file__).parent.parent / "queries"

#: Parameters to run every named query with against the shipped data.
SAMPLE_PARAMS: dict[str, dict[str, str]] = {
    "catalog": {"framework": "iso42001"},
    "requirement": {"req": "iso42001:A.6.2.8"},
    "requirement_by_notation": {"framework": "euaia", "notation": "26(1)"},
    "applicable": {"role": "gs:role-deployer", "category": "gs:cat-high-risk-annex-iii", "layer": "adopted"},
    "system_profile": {"system": "gsd:system/contoso/hr-screening"},
    "system_placed_on_market": {"system": "gsd:system/contoso/hr-screening"},
    "system_controls": {"system": "gsd:system/contoso/hr-screening"},
    "system_certificates": {"system": "gsd:system/microsoft/m365-copilot"},
    "system_dependencies": {"system": "gsd:system/contoso/hr-screening"},
    "control_residuals": {"system": "gsd:system/microsoft/m365-copilot"},
    "certificate": {"cert": "gsd:certificate/microsoft/iso42001-m365-copilot"},
    "certificate_exclusions": {"cert": "gsd:certificate/microsoft/iso42001-m365-copilot"},
    "certificate_audits": {"cert": "gsd:certificate/microsoft/iso42001-m365-copilot"},
    "certificate_scope": {"cert": "gsd:certificate/microsoft/iso42001-m365-copilot"},
    "crosswalk": {"req": "iso42001:A.6.2.8", "target_framework": "euaia"},
    "crosswalk_matrix": {"source_framework": "iso42001", "target_framework": "euaia"},
    "reach": {"source_framework": "iso42001", "target_framework": "euaia"},
    "certificate_evidences": {"cert": "gsd:certificate/microsoft/iso42001-m365-copilot", "target_framework": "euaia"},
    "inherited_controls": {"system": "gsd:system/contoso/hr-screening"},
    "org_systems": {"org": "gsd:org/contoso"},
    "is_a": {"thing": "gsd:system/contoso/hr-screening", "type": "gs:AISystem"},
    "body": {"body": "gsd:body/microsoft/mastermind"},
    "system_facts": {"system": "gsd:system/contoso/hr-screening"},
}


def test_header_and_params_are_parsed() -> None:
    q = parse_query_file(QUERIES / "catalog.rq")
    assert q.summary.startswith("Every requirement")
    params = {p.name: p for p in q.params}
    assert params["framework"].required and params["framework"].default == "iso42001"
    assert not params["kind"].required
    q2 = parse_query_file(QUERIES / "requirement.rq")
    assert [(p.name, p.kind) for p in q2.params] == [("req", "iri")]


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_every_named_query_runs_and_returns_rows(service: GraphService, path: Path) -> None:
    q = service.registry.get(path.stem)
    assert q.summary, "every query has a summary"
    rows = service.select(path.stem, **SAMPLE_PARAMS.get(path.stem, {}))
    assert rows, f"{path.stem} returned nothing on the shipped data: give it SAMPLE_PARAMS or fixture data"


@pytest.mark.parametrize(
    "evil",
    [
        'iso42001" } UNION { ?fw ?p ?o } #',
        "iso42001' . ?x ?y ?z",
        "} ; DROP ALL ; SELECT * WHERE {",
        'iso42001"@en',
        "SELECT * WHERE { ?s ?p ?o }",
        "iso42001\\",
    ],
)
def test_parameter_values_never_change_the_query(service: GraphService, evil: str) -> None:
    # the value is searched for literally: nothing has that short name, so no rows
    assert service.select("catalog", framework=evil) == []
    assert service.select("requirement_by_notation", framework="euaia", notation=evil) == []
    assert len(service.select("catalog", framework="iso42001")) == 93  # the store is intact


def test_iri_parameters_are_validated(service: GraphService) -> None:
    with pytest.raises(QueryParameterError, match="'req'"):
        service.select("requirement", req="http://x> } ; DROP ALL ; <http://y")
    with pytest.raises(QueryParameterError):
        service.select("requirement", req="nope:thing")


def test_unknown_and_missing_parameters(service: GraphService) -> None:
    with pytest.raises(QueryParameterError, match="no parameter bogus"):
        service.select("catalog", framework="iso42001", bogus="1")
    with pytest.raises(QueryParameterError, match="needs parameter 'req'"):
        service.select("requirement")
    with pytest.raises(QueryNotFound):
        service.select("no_such_query")


def test_a_malformed_query_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.rq").write_text("SELECT ?x WHERE { ?x ?y ?z }\n")
    with pytest.raises(QuerySyntaxError, match=r"broken\.rq"):
        QueryRegistry.from_dir(tmp_path)


def test_a_parameter_named_like_a_keyword_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kw.rq").write_text("#+ summary: x\nSELECT ?x WHERE { ?x ?p ?_from }\n")
    with pytest.raises(QuerySyntaxError, match=r"kw\.rq: parameter name 'from'"):
        QueryRegistry.from_dir(tmp_path)
