"""Tenant-owned facts (issue 18, F6): no tenant can change what another tenant's resources say.

Reproductions: contoso's ``PUT /orgs/contoso`` with a body ``mastermind`` renamed Microsoft's
certifier for everyone; contoso adding ``<…/certificate/microsoft/…> gs:validUntil`` to its own
published graph changed Microsoft's certificate coverage (2/55/146 to 0/0/203).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import app_over_copy
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, Literal, NamedNode

from graphsvc.config import PROJECT_ROOT, Settings
from graphsvc.errors import Forbidden
from graphsvc.namespaces import GS, GSD, graph_iri
from graphsvc.sources.orgdata import read_org

MS_CERT = GSD + "certificate/microsoft/iso42001-m365-copilot"
CONTOSO_PUB = graph_iri("org/contoso/published")
CONTOSO = graph_iri("org/contoso")
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
COVERAGE = {"target": "euaia", "as_of": "2026-11-23", "law_version": "amended"}
EXAMPLES = PROJECT_ROOT / "mappings" / "examples"


@pytest.fixture(scope="module")
def app_parts(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An in-process app over a private copy of the built store, with keys for three callers."""
    callers = (
        ("contoso_writer", "writer", "contoso"),
        ("contoso_reader", "reader", "contoso"),
        ("admin", "admin", None),
    )
    with app_over_copy(built_settings, tmp_path_factory.mktemp("ownership"), callers) as parts:
        yield parts


def h(token: str | None = None, content_type: str | None = None) -> dict[str, str]:
    out = {"Authorization": f"Bearer {token}"} if token else {}
    return out | ({"Content-Type": content_type} if content_type else {})


def cert_coverage(client: TestClient, token: str | None = None) -> dict[str, Any]:
    r = client.get("/coverage/certificate/microsoft/iso42001-m365-copilot", params=COVERAGE, headers=h(token))
    assert r.status_code == 200, r.text
    return r.json()


def ms_certificates(client: TestClient, token: str | None = None) -> list[dict[str, Any]]:
    r = client.get("/certificates", headers=h(token))
    assert r.status_code == 200, r.text
    return [c for c in r.json() if c["iri"].startswith(GSD + "certificate/microsoft/")]


# -- the rule itself ---------------------------------------------------------------------------------------
def test_owner_of_reads_the_organisation_from_the_iri() -> None:
    from graphsvc.sources.ownership import owner_of

    assert owner_of(MS_CERT + "/exclusion/0") == "microsoft"
    assert owner_of(GSD + "org/contoso") == "contoso"
    assert owner_of(GSD + "body/contoso/example-cb") == "contoso"
    assert owner_of(GSD + "body/mastermind") is None  # a global body is no one's
    assert owner_of("urn:x:thing") is None
    assert owner_of(GSD + "note/contoso/x") is None  # not a kind an organisation mints


def test_a_published_graph_refuses_statements_about_others_resources() -> None:
    from graphsvc.sources.ownership import check_graph_subjects, check_published_subjects

    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    until = NamedNode(GS + "validUntil")
    mine = NamedNode(GSD + "system/contoso/bot")
    check_published_subjects("contoso", [(mine, label, Literal("Bot"))])
    for triple in (
        (NamedNode(MS_CERT), until, Literal("2026-06-01", datatype=NamedNode(XSD_DATE))),
        (NamedNode(GSD + "body/mastermind"), label, Literal("Renamed")),
        (BlankNode(), NamedNode(GS + "issuedTo"), NamedNode(GSD + "org/contoso")),
        (NamedNode(GSD + "org/contoso-other"), label, Literal("prefix trick")),
        # contoso's own certificate, claimed to be held by Microsoft
        (NamedNode(GSD + "certificate/contoso/fake"), NamedNode(GS + "issuedTo"), NamedNode(GSD + "org/microsoft")),
    ):
        with pytest.raises(Forbidden, match="contoso's own resources"):
            check_published_subjects("contoso", [(mine, label, Literal("Bot")), triple])
    # private graphs and reference graphs are not restricted by this rule (write permission is)
    check_graph_subjects(CONTOSO, [(NamedNode(MS_CERT), until, Literal("x"))])


def test_bodies_are_namespaced_by_the_organisation_that_defines_them(tmp_path: Path) -> None:
    from graphsvc.sources.ownership import check_published_subjects, owner_of

    od = read_org(EXAMPLES / "microsoft.yaml")
    published = {(s.value, p.value, o.value) for s, p, o in od.published}
    assert (MS_CERT, GS + "issuedBy", GSD + "body/microsoft/mastermind") in published
    assert (GSD + "body/microsoft/mastermind", GS + "accreditedBy", GSD + "body/microsoft/ias") in published
    assert not any(s.startswith(GSD + "body/") and owner_of(s) is None for s, _p, _o in published)
    check_published_subjects("microsoft", od.published)
    # a body of another organisation is named ORG/ID; a bare id must be defined in the file
    doc = (EXAMPLES / "contoso.yaml").read_text(encoding="utf-8")
    (tmp_path / "contoso.yaml").write_text(doc.replace("issuer: example-cb", "issuer: mastermind"), encoding="utf-8")
    with pytest.raises(Exception, match=r"contoso.yaml:\d+: field 'issuer': body 'mastermind' is not defined"):
        read_org(tmp_path / "contoso.yaml")
    (tmp_path / "contoso.yaml").write_text(
        doc.replace("issuer: example-cb", "issuer: microsoft/mastermind"), encoding="utf-8"
    )
    other = read_org(tmp_path / "contoso.yaml")
    assert (
        GSD + "body/microsoft/mastermind",
        f"{tmp_path / 'contoso.yaml'}:{_line(doc, 'issuer: example-cb')}: field 'issuer'",
    ) in other.external_refs


def _line(text: str, needle: str) -> int:
    """The line of the YAML mapping holding ``needle`` (its first key's line)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if needle in line)
    while not lines[at].lstrip().startswith("- "):
        at -= 1
    return at + 1


# -- the reproductions -------------------------------------------------------------------------------------
def test_contoso_cannot_rename_microsofts_certifier(app_parts: dict[str, Any]) -> None:
    client, keys = app_parts["client"], app_parts["keys"]
    assert cert_coverage(client)["certificate"]["issuer"] == "Mastermind"
    doc = (EXAMPLES / "contoso.yaml").read_text(encoding="utf-8")
    evil = doc.replace(
        "bodies:\n",
        "bodies:\n  - id: mastermind\n    name: Renamed by Contoso\n    kind: certification\n"
        "    accredited_by: example-ab\n",
        1,
    )
    r = client.put("/orgs/contoso", content=evil, headers=h(keys["contoso_writer"], "text/yaml"))
    assert r.status_code == 200, r.text  # contoso may define a body of its own called mastermind ...
    for token in (None, keys["contoso_reader"], keys["admin"]):
        # ... which is not Microsoft's: everyone still sees Microsoft's certifier as Microsoft named it
        assert cert_coverage(client, token)["certificate"]["issuer"] == "Mastermind"
        assert {c["issuer"] for c in ms_certificates(client, token)} <= {"Mastermind", "Cloud Security Alliance (CSA)"}
    r = client.get(
        "/coverage/system/microsoft/m365-copilot", params={**COVERAGE, "target": "iso42001"}, headers=h(None)
    )
    assert {c["issuer"] for c in r.json()["certificates"]} <= {"Mastermind", "Cloud Security Alliance (CSA)"}
    restore = client.put("/orgs/contoso", content=doc, headers=h(keys["contoso_writer"], "text/yaml"))
    assert restore.status_code == 200, restore.text


def test_contoso_cannot_publish_facts_about_microsofts_certificate(app_parts: dict[str, Any]) -> None:
    client, keys = app_parts["client"], app_parts["keys"]
    before = cert_coverage(client)
    # the attack of issue 18 F6 turned this into nothing but gaps (0 satisfied, 0 partial)
    assert before["summary"]["satisfied"] > 0 and before["summary"]["partial"] > 0
    poison = f'<{MS_CERT}> <{GS}validUntil> "2026-06-01"^^<{XSD_DATE}> .'
    r = client.post(
        "/rdf-graphs", params={"graph": CONTOSO_PUB}, content=poison, headers=h(keys["contoso_writer"], "text/turtle")
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
    assert "contoso's own resources" in r.json()["error"]
    r = client.put(
        "/rdf-graphs", params={"graph": CONTOSO_PUB}, content=poison, headers=h(keys["contoso_writer"], "text/turtle")
    )
    assert r.status_code == 403, r.text
    for token in (None, keys["contoso_reader"], keys["admin"]):
        after = cert_coverage(client, token)
        assert after["summary"] == before["summary"]
        assert after["certificate"]["valid_until"] == "2029-03-14"
    assert CONTOSO_PUB in app_parts["service"].store.named_graphs()  # contoso's own data is untouched


def test_statements_in_a_private_graph_never_change_anothers_certificate(app_parts: dict[str, Any]) -> None:
    """Contoso may write what it likes into its private graph; Microsoft's certificate is still read
    from Microsoft's graphs only, so neither contoso's view nor the admin's changes."""
    client, keys = app_parts["client"], app_parts["keys"]
    before = cert_coverage(client)
    poison = (
        f'<{MS_CERT}> <{GS}validUntil> "2026-06-01"^^<{XSD_DATE}> ; <http://www.w3.org/2000/01/rdf-schema#label> "Fake" ;'
        f" <{GS}exclusion> <{MS_CERT}/exclusion/99> ."
        f' <{MS_CERT}/exclusion/99> <{GS}excludes> <https://w3id.org/graphsvc/req/iso42001-2023/7.2> ; <{GS}reason> "x" .'
    )
    r = client.post(
        "/rdf-graphs", params={"graph": CONTOSO}, content=poison, headers=h(keys["contoso_writer"], "text/turtle")
    )
    assert r.status_code in {201, 204}, r.text
    try:
        for token in (keys["contoso_reader"], keys["admin"]):
            after = cert_coverage(client, token)
            assert after["summary"] == before["summary"]
            assert after["certificate"]["valid_until"] == "2029-03-14"
            assert after["certificate"]["excluded"] == before["certificate"]["excluded"]
            listed = [c for c in ms_certificates(client, token) if c["iri"] == MS_CERT]
            assert len(listed) == 1 and listed[0]["valid_until"] == "2029-03-14" and listed[0]["label"] != "Fake"
    finally:
        cleanup = client.delete("/rdf-graphs", params={"graph": CONTOSO}, headers=h(keys["contoso_writer"]))
        assert cleanup.status_code == 204
        restore = client.put(
            "/orgs/contoso",
            content=(EXAMPLES / "contoso.yaml").read_bytes(),
            headers=h(keys["contoso_writer"], "text/yaml"),
        )
        assert restore.status_code == 200, restore.text


def test_org_import_refuses_published_statements_about_others(app_parts: dict[str, Any]) -> None:
    """The import path checks the compiled graphs too (an importer such as OSCAL builds them)."""
    from graphsvc.imports.org import load_org

    svc = app_parts["service"]
    od = read_org(EXAMPLES / "contoso.yaml")
    od.published.append(
        (NamedNode(MS_CERT), NamedNode(GS + "validUntil"), Literal("2026-06-01", datatype=NamedNode(XSD_DATE)))
    )
    size = svc.store.count(CONTOSO_PUB)
    with pytest.raises(Forbidden, match="certificate/microsoft"):
        load_org(svc, od)
    assert svc.store.count(CONTOSO_PUB) == size
