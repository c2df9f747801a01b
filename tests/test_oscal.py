"""graphsvc import oscal: a provider's OSCAL component definition / SSP → provided, shared and customer controls.

The files in tests/data/oscal/ are synthetic; they are checked here with compliance-trestle's
models and NIST's OSCAL 1.2.3 JSON schemas before anything else relies on them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from graphsvc.build import compile_sources
from graphsvc.config import Settings, load_settings
from graphsvc.errors import DataLoadError
from graphsvc.imports.oscal import import_oscal
from graphsvc.namespaces import GSD, graph_iri
from graphsvc.service import GraphService
from graphsvc.sources.orgdata import compile_org
from graphsvc.sources.oscal import CatalogIndex, framework_of_href, id_key, oscal_to_org
from tests.conftest import oscal_schema_errors

DATA = Path(__file__).parent / "data" / "oscal"
CD = DATA / "component-definition.json"
SSP = DATA / "ssp.json"
GS = "https://w3id.org/graphsvc/ontology#"


@pytest.fixture(scope="module")
def catalogs() -> CatalogIndex:
    return CatalogIndex.from_files()


def controls_by_requirement(data: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(system, requirement CURIE) -> (responsibility, status, implements|implements_partly)."""
    out = {}
    for c in data["controls"]:
        extent = "implements" if "implements" in c else "implements_partly"
        [req] = c[extent]
        [system] = c["applies_to"]
        out[(system, req)] = (c["responsibility"], c["status"], extent)
    return out


def write_variant(tmp_path: Path, source: Path, change: Any) -> Path:
    doc = json.loads(source.read_text(encoding="utf-8"))
    change(doc)
    out = tmp_path / source.name
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


# -- the test files -------------------------------------------------------------------------------
def test_test_files_are_valid_oscal() -> None:
    from trestle.oscal.component import ComponentDefinition
    from trestle.oscal.ssp import SystemSecurityPlan

    cd = json.loads(CD.read_text(encoding="utf-8"))
    ssp = json.loads(SSP.read_text(encoding="utf-8"))
    ComponentDefinition.model_validate(cd["component-definition"])
    SystemSecurityPlan.model_validate(ssp["system-security-plan"])
    assert oscal_schema_errors(cd, "oscal_component_schema.json") == []
    assert oscal_schema_errors(ssp, "oscal_ssp_schema.json") == []


# -- control-id resolution ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("framework", "control_id", "curie"),
    [
        ("iso42001", "a.6.2.8", "iso42001:A.6.2.8"),
        ("iso42001", "A.6.2.8", "iso42001:A.6.2.8"),
        ("iso42001", "6.1.2", "iso42001:6.1.2"),
        ("nistairmf", "govern-1.1", "nistairmf:GOVERN-1.1"),
        ("nistairmf", "GOVERN_1.1", "nistairmf:GOVERN-1.1"),
        ("euaia", "art12.1", "euaia:art12.1"),
        ("euaia", "art-12-1", "euaia:art12.1"),
        ("euaia", "art5.1.a", "euaia:art5.1.a"),
        ("aicm", "a-a-01", "aicm:A&A-01"),
        ("aicm", "A&A-1", "aicm:A&A-01"),
    ],
)
def test_control_ids_resolve(catalogs: CatalogIndex, framework: str, control_id: str, curie: str) -> None:
    from graphsvc.namespaces import expand

    assert catalogs.resolve(framework, control_id) == {expand(curie)}


def test_unknown_control_ids_do_not_resolve(catalogs: CatalogIndex) -> None:
    assert catalogs.resolve("iso42001", "a.99.9") == set()
    assert catalogs.resolve("iso42001", "govern-1.1") == set()  # right id, wrong catalog
    assert id_key("Annex IV(2)") == "annex.iv.2"


@pytest.mark.parametrize(
    ("href", "framework"),
    [
        ("https://w3id.org/graphsvc/framework/iso42001-2023", "iso42001"),
        ("https://w3id.org/graphsvc/req/nistairmf-1.0/", "nistairmf"),
        ("https://www.iso.org/standard/42001", "iso42001"),
        ("http://data.europa.eu/eli/reg/2024/1689/oj", "euaia"),
        ("https://eur-lex.europa.eu/eli/reg/2024/1689/oj", "euaia"),
        ("https://doi.org/10.6028/NIST.AI.100-1", "nistairmf"),
        ("https://example.org/oscal/catalogs/csa-aicm-1.1.0.json", "aicm"),
        ("https://example.org/profiles/baseline.json", None),
        ("", None),
    ],
)
def test_catalog_from_source_url(catalogs: CatalogIndex, href: str, framework: str | None) -> None:
    assert framework_of_href(href, catalogs) == framework


# -- conversion ---------------------------------------------------------------------------------
def test_component_definition_becomes_controls(catalogs: CatalogIndex) -> None:
    data = oscal_to_org(CD, catalogs=catalogs)
    assert data["organisation"]["id"] == "exampleai"  # the provider party's short-name
    assert data["organisation"]["name"] == "Example AI Platform Ltd"
    # the documentation portal implements nothing, so it is no AI system
    assert [s["id"] for s in data["systems"]] == ["example-model-platform", "example-content-filter"]
    assert all(s["roles"] == ["provider"] for s in data["systems"])
    platform = "example-model-platform"
    assert controls_by_requirement(data) == {
        (platform, "iso42001:A.6.2.8"): ("provided", "implemented", "implements"),  # prop responsibility
        (platform, "iso42001:A.6.2.6"): ("shared", "implemented", "implements"),  # no split declared
        (platform, "iso42001:A.7.2"): ("customer", "implemented", "implements"),
        (platform, "iso42001:A.6.2.4"): ("shared", "planned", "implements"),
        (platform, "nistairmf:MEASURE-2.4"): ("provided", "implemented", "implements_partly"),  # partial
        ("example-content-filter", "euaia:art50.2"): ("provided", "implemented", "implements"),
    }
    by_req = {c.get("implements", c.get("implements_partly"))[0]: c for c in data["controls"]}
    assert by_req["iso42001:A.7.2"]["customer_responsibility"].startswith("Decide and document")
    assert "does not declare it inherited" in by_req["iso42001:A.6.2.6"]["customer_responsibility"]
    assert "customer_responsibility" not in by_req["iso42001:A.6.2.8"]
    compile_org(data, CD)  # the organisation YAML schema accepts it


def test_ssp_export_becomes_provided_shared_and_customer_controls(catalogs: CatalogIndex) -> None:
    data = oscal_to_org(SSP, catalogs=catalogs)
    platform, api = "example-model-platform", "example-inference-api"
    # the component standing for the leveraged IaaS is not one of the provider's AI systems
    assert [s["id"] for s in data["systems"]] == [platform, api]
    assert all(s["depends_on"] == ["microsoft/foundry"] for s in data["systems"])
    assert "'Example Cloud IaaS'" in data["organisation"]["description"]  # not identified: a note
    assert controls_by_requirement(data) == {
        (platform, "iso42001:A.6.2.8"): ("provided", "implemented", "implements"),  # export.provided only
        (api, "iso42001:A.6.2.6"): ("shared", "implemented", "implements"),  # provided + responsibilities
        (platform, "iso42001:A.8.2"): ("customer", "implemented", "implements"),  # responsibilities only
        (platform, "iso42001:A.6.2.4"): ("customer", "implemented", "implements"),  # not exported
        (api, "iso42001:A.6.2.5"): ("provided", "planned", "implements"),
        (api, "iso42001:A.9.2"): ("shared", "implemented", "implements"),  # statements merged
        (platform, "nistairmf:GOVERN-1.1"): ("provided", "implemented", "implements"),  # prop framework
    }
    by_req = {c["implements"][0]: c for c in data["controls"]}
    assert by_req["iso42001:A.6.2.6"]["customer_responsibility"] == (
        "Monitor your own application's use of the outputs and report anomalies."
    )
    assert by_req["iso42001:A.9.2"]["customer_responsibility"] == "Define responsible-use processes for your staff."
    assert by_req["iso42001:A.8.2"]["customer_responsibility"].startswith("Give your own users")
    assert "exports nothing" in by_req["iso42001:A.6.2.4"]["customer_responsibility"]
    od = compile_org(data, SSP)
    published = {str(s.value) for s, _p, _o in od.published}
    assert f"{GSD}control/exampleai/{platform}--a-6-2-8" in published
    assert f"{GSD}control/exampleai/{platform}--a-8-2" not in published  # customer-only stays private
    assert f"{GSD}control/exampleai/{platform}--a-6-2-4" not in published


def test_org_id_can_be_given(catalogs: CatalogIndex) -> None:
    assert oscal_to_org(CD, "acme", catalogs=catalogs)["organisation"]["id"] == "acme"


def test_unresolvable_control_id_names_its_json_path(catalogs: CatalogIndex, tmp_path: Path) -> None:
    def bad_ssp(doc: dict[str, Any]) -> None:
        doc["system-security-plan"]["control-implementation"]["implemented-requirements"][2]["control-id"] = "a.99.9"

    path = write_variant(tmp_path, SSP, bad_ssp)
    with pytest.raises(DataLoadError) as err:
        oscal_to_org(path, catalogs=catalogs)
    msg = str(err.value)
    assert "$.system-security-plan.control-implementation.implemented-requirements[2].control-id" in msg
    assert "'a.99.9'" in msg and str(path) in msg

    def bad_cd(doc: dict[str, Any]) -> None:
        impl = doc["component-definition"]["components"][0]["control-implementations"][1]
        impl["implemented-requirements"][0]["control-id"] = "a.6.2.8"  # an ISO id under a NIST AI RMF source

    with pytest.raises(
        DataLoadError, match=r"components\[0\]\.control-implementations\[1\]\.implemented-requirements\[0\]\.control-id"
    ):
        oscal_to_org(write_variant(tmp_path, CD, bad_cd), catalogs=catalogs)


def test_invalid_oscal_and_bad_references_are_refused(catalogs: CatalogIndex, tmp_path: Path) -> None:
    def no_description(doc: dict[str, Any]) -> None:
        del doc["component-definition"]["components"][1]["description"]

    with pytest.raises(DataLoadError, match=r"\$\.component-definition\.components\[1\]\.description"):
        oscal_to_org(write_variant(tmp_path, CD, no_description), catalogs=catalogs)

    def unknown_component(doc: dict[str, Any]) -> None:
        req = doc["system-security-plan"]["control-implementation"]["implemented-requirements"][0]
        req["by-components"][0]["component-uuid"] = "11111111-2222-4333-8444-555555555555"

    with pytest.raises(DataLoadError, match=r"implemented-requirements\[0\]\.by-components\[0\]\.component-uuid"):
        oscal_to_org(write_variant(tmp_path, SSP, unknown_component), catalogs=catalogs)

    bad_json = tmp_path / "catalog.json"
    bad_json.write_text('{"catalog": {}}', encoding="utf-8")
    with pytest.raises(DataLoadError, match="component-definition or system-security-plan"):
        oscal_to_org(bad_json, catalogs=catalogs)


def test_other_oscal_version_is_read_with_a_note(catalogs: CatalogIndex, tmp_path: Path) -> None:
    def v112(doc: dict[str, Any]) -> None:
        doc["component-definition"]["metadata"]["oscal-version"] = "1.1.2"

    data = oscal_to_org(write_variant(tmp_path, CD, v112), catalogs=catalogs)
    assert (
        "the file declares OSCAL 1.1.2; it was read with the OSCAL 1.2.1 model" in data["organisation"]["description"]
    )
    assert len(data["controls"]) == 6


# -- import into a store ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def oscal_store(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, GraphService]:
    """A writable copy of the session's freshly built store (copying saves a second build)."""
    data = tmp_path_factory.mktemp("oscal-store") / "data"
    shutil.copytree(built_settings.data_path, data, symlinks=True)
    settings = load_settings(environ={}, overrides={"data_dir": str(data)})
    return settings, GraphService.from_settings(settings, read_only=False)


def fingerprint(svc: GraphService) -> dict[str, str]:
    out = {}
    for g in svc.store.named_graphs():
        lines = sorted(f"{s} {p} {o}" for s, p, o in svc.store.triples(g))
        out[g] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return out


def test_import_is_atomic_and_kept_for_the_next_build(
    oscal_store: tuple[Settings, GraphService], tmp_path: Path
) -> None:
    settings, svc = oscal_store
    report = import_oscal(svc, SSP)
    assert report.kind == "oscal" and report.name == "exampleai"
    published = svc.store.select(
        f"SELECT ?c ?r WHERE {{ ?c <{GS}responsibility> ?r }}", graphs=[graph_iri("org/exampleai/published")]
    )
    assert {(r["c"].value.rsplit("/", 1)[-1], r["r"].value) for r in published} == {
        ("example-model-platform--a-6-2-8", "provided"),
        ("example-inference-api--a-6-2-6", "shared"),
        ("example-inference-api--a-6-2-5", "provided"),
        ("example-inference-api--a-9-2", "shared"),
        ("example-model-platform--govern-1-1", "provided"),
    }
    private = svc.store.select(
        f"SELECT ?c WHERE {{ ?c <{GS}responsibility> 'customer' }}", graphs=[graph_iri("org/exampleai")]
    )
    assert len(private) == 2
    depends = svc.store.select(
        f"SELECT ?s ?d WHERE {{ ?s <{GS}dependsOn> ?d }}", graphs=[graph_iri("org/exampleai/published")]
    )
    assert {r["d"].value for r in depends} == {f"{GSD}system/microsoft/foundry"}

    kept = settings.data_path / "imports" / "org" / "exampleai" / "exampleai.yaml"
    assert kept.is_file()
    rebuilt = compile_sources(settings)  # what the next `graphsvc build` reads
    assert "exampleai" in {o.org_id for o in rebuilt.orgs}

    before, kept_text = fingerprint(svc), kept.read_text(encoding="utf-8")

    def unresolvable(doc: dict[str, Any]) -> None:
        doc["system-security-plan"]["control-implementation"]["implemented-requirements"][0]["control-id"] = "zz-1"

    def unknown_dependency(doc: dict[str, Any]) -> None:  # converts fine; load_org refuses it
        la = doc["system-security-plan"]["system-implementation"]["leveraged-authorizations"][0]
        la["props"][0]["value"] = "nobody/nothing"

    for change in (unresolvable, unknown_dependency):
        with pytest.raises(DataLoadError):
            import_oscal(svc, write_variant(tmp_path, SSP, change))
        assert fingerprint(svc) == before, change.__name__
        assert kept.read_text(encoding="utf-8") == kept_text


def test_kept_yaml_round_trips(catalogs: CatalogIndex, tmp_path: Path) -> None:
    from graphsvc.sources.orgdata import read_org
    from graphsvc.sources.oscal import to_yaml

    data = oscal_to_org(SSP, catalogs=catalogs)
    path = tmp_path / "exampleai.yaml"
    path.write_text(to_yaml(copy.deepcopy(data), SSP), encoding="utf-8")
    from_yaml = read_org(path)
    direct = compile_org(data, SSP)
    assert sorted(map(str, from_yaml.published)) == sorted(map(str, direct.published))
    assert sorted(map(str, from_yaml.private)) == sorted(map(str, direct.private))
