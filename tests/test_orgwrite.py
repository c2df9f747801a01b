"""Organisation writes over HTTP (graphsvc.http.org_writer, graphsvc.imports) and the audit log (issue 18,
F9 and F11): the slow part of an import runs outside the write lock and is linear in the length of
a literal; a bad document is a 400 naming body:LINE and the field, never a 5xx; every write leaves
an audit record without secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import app_over_copy
from fastapi.testclient import TestClient

from graphsvc.config import PROJECT_ROOT, Settings
from graphsvc.namespaces import GSD, graph_iri

EXAMPLES = PROJECT_ROOT / "mappings" / "examples"
ZED = "organisation:\n  id: zed\n  name: Zed Ltd\n"
SYSTEM = "systems:\n  - id: bot\n    name: Bot\n    intended_purpose: Answers questions.\n    roles: [provider]\n"


@pytest.fixture(scope="module")
def parts(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    callers = (("zed_writer", "writer", "zed"), ("contoso_writer", "writer", "contoso"), ("admin", "admin", None))
    with app_over_copy(built_settings, tmp_path_factory.mktemp("orgwrite"), callers) as p:
        yield p


def put(parts: dict[str, Any], body: str | bytes, *, who: str = "zed_writer", ctype: str = "text/yaml") -> Any:
    client: TestClient = parts["client"]
    headers = {"Authorization": f"Bearer {parts['keys'][who]}", "Content-Type": ctype}
    return client.put("/orgs/zed", content=body.encode() if isinstance(body, str) else body, headers=headers)


def published(parts: dict[str, Any]) -> int:
    return int(parts["service"].store.count(graph_iri("org/zed/published")))


# -- F11: bad documents are the caller's error, with line and field ------------------------------------
@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            ZED + SYSTEM + "    generates_synthetic_contnet: true\n",
            "body:5: field 'generates_synthetic_contnet': unknown key",
        ),
        (
            ZED + SYSTEM + "controls:\n  - {id: C, name: C, status: implemented, implements: [euaia:art4],"
            " applies_to: [bot], customer_responsibility: x, ownr: Alice}\n",
            "body:10: field 'ownr': unknown key in 'controls'",
        ),
        (ZED + "  tenant: microsoft\n", "body:2: field 'tenant': 'microsoft': the tenant is the organisation id"),
        (ZED.replace("Zed Ltd", "{a: 1}"), "body:2: field 'name': must be text"),
        (ZED + "  description: !!binary aGVsbG8=\n", "body:2: field 'description': must be text"),
        (ZED + SYSTEM + "    provided_by: 'x y>'\n", "body:5: field 'provided_by': 'x y>' is not an organisation id"),
        (ZED + SYSTEM + "    depends_on: ['a b/c']\n", "body:5: field 'depends_on': 'a b/c' is not a system id"),
        ('{"organisation": {"id": "zed", "name": "x", "\\ud800": 1}}', "body:1: YAML syntax error"),
        ('{"organisation": {"id": "zed", "name": "\\ud800"}}', "body:1: YAML syntax error"),
        (b"organisation:\n  id: zed\n  name: \xed\xa0\x80\n", "body:3: not UTF-8 text"),
    ],
    ids=[
        "unknown-system-key",
        "unknown-control-key",
        "tenant-other",
        "name-mapping",
        "binary",
        "provided-by-iri",
        "depends-on-iri",
        "surrogate-key",
        "surrogate-value",
        "raw-surrogate",
    ],
)
def test_a_bad_document_is_a_400_naming_line_and_field(parts: dict[str, Any], doc: str | bytes, expected: str) -> None:
    before = published(parts)
    ctype = "application/json" if isinstance(doc, str) and doc.startswith("{") else "text/yaml"
    r = put(parts, doc, ctype=ctype)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "data_load_error" and expected in body["error"], body
    assert "/tmp" not in r.text
    json.dumps(body, ensure_ascii=True)  # the answer itself is valid JSON text
    assert published(parts) == before  # nothing written


def test_the_tenant_field_may_repeat_the_id(parts: dict[str, Any]) -> None:
    r = put(parts, ZED + "  tenant: zed\n" + SYSTEM)
    assert r.status_code in {200, 201}, r.text


def test_a_lone_surrogate_read_by_the_pure_python_loader_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml, PyYAML turns "\\ud800" into a lone surrogate; the reader refuses it by line and field."""
    import yaml

    from graphsvc.errors import DataLoadError
    from graphsvc.sources import yamlfiles

    class PureLoader(yaml.SafeLoader):
        pass

    PureLoader.yaml_implicit_resolvers = yamlfiles.LineLoader.yaml_implicit_resolvers
    PureLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, yamlfiles._construct_mapping)
    monkeypatch.setattr(yamlfiles, "LineLoader", PureLoader)
    path = tmp_path / "o.yaml"
    path.write_text('organisation:\n  id: zed\n  name: "a\\ud800"\n', encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"o.yaml:2: field 'name': the text holds a lone UTF-16 surrogate"):
        yamlfiles.load_yaml(path)
    path.write_text('organisation:\n  id: zed\n  "k\\udc00": 1\n', encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"o.yaml:2: key 'k\\\\udc00' holds a lone UTF-16 surrogate"):
        yamlfiles.load_yaml(path)


# -- F9: long literals, and the write lock held only for the swap --------------------------------------
def test_an_import_is_prepared_outside_the_write_lock(parts: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2.5 MB PUT /orgs made another tenant's one-triple write wait a minute: the checks, SHACL and
    classification now run without the lock; only the swap holds it."""
    import graphsvc.imports.org as imports

    lock = parts["app"].state.gs.write_lock
    seen: dict[str, list[bool]] = {"validate": [], "classify": [], "swap": []}
    validate, classify = imports.validate, imports.classify_orgs
    store = parts["service"].store
    replace = store.replace_graphs

    def spy(name: str, fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            seen[name].append(lock.locked())
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(imports, "validate", spy("validate", validate))
    monkeypatch.setattr(imports, "classify_orgs", spy("classify", classify))
    monkeypatch.setattr(store, "replace_graphs", spy("swap", replace))
    r = put(parts, ZED + SYSTEM)
    assert r.status_code in {200, 201}, r.text
    assert seen == {"validate": [False], "classify": [False], "swap": [True]}


def test_a_write_between_prepare_and_swap_is_not_lost(parts: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The inferred graph classifies every organisation; if the store changed after it was computed,
    the swap classifies again rather than overwrite the other write's classification."""
    import graphsvc.imports.org as imports

    svc = parts["service"]
    calls: list[int] = []
    validate, classify = imports.validate, imports.classify_orgs

    def concurrent_write(*args: Any, **kwargs: Any) -> Any:
        svc.invalidate()  # what any other write does when it finishes
        return validate(*args, **kwargs)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(svc.generation)
        return classify(*args, **kwargs)

    monkeypatch.setattr(imports, "validate", concurrent_write)
    monkeypatch.setattr(imports, "classify_orgs", counting)
    r = put(parts, ZED + SYSTEM)
    assert r.status_code in {200, 201}, r.text
    assert len(calls) == 2


def test_a_megabyte_description_is_imported_without_rdflibs_ntriples_reader(
    parts: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """rdflib's N-Triples reader rescans its buffer for a line end after every 2 KB: quadratic in the
    length of a literal (1 MB took 12 s, 4 MB 150 s). No import path may hand it a literal."""
    import rdflib.plugins.parsers.ntriples as nt

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a literal went through rdflib's N-Triples reader")

    monkeypatch.setattr(nt.W3CNTriplesParser, "parse", refuse)
    text = ("Lorem ipsum dolor sit amet. " * 40_000)[:1_000_000]
    r = put(parts, ZED + f"  description: {text}\n" + SYSTEM)
    assert r.status_code in {200, 201}, r.text
    rows = parts["service"].store.select(
        "SELECT ?d WHERE { ?o <http://purl.org/dc/terms/description> ?d }", graphs=[graph_iri("org/zed/published")]
    )
    assert [row["d"].value for row in rows] == [text.strip()]


# -- the audit log ---------------------------------------------------------------------------------------
def test_every_write_leaves_an_audit_record_without_secrets(parts: dict[str, Any]) -> None:
    from graphsvc.http.audit import read_audit

    client, keys, settings = parts["client"], parts["keys"], parts["settings"]
    start = len(read_audit(settings.data_path))
    assert put(parts, ZED + SYSTEM).status_code in {200, 201}
    w = {"Authorization": f"Bearer {keys['zed_writer']}"}
    node = f"<{GSD}system/zed/bot> <urn:x:p> 'v' ."
    g = graph_iri("org/zed/published")
    assert (
        client.post(
            "/rdf-graphs", params={"graph": g}, content=node, headers=w | {"Content-Type": "text/turtle"}
        ).status_code
        == 204
    )
    assert client.delete("/rdf-graphs", params={"graph": graph_iri("org/zed")}, headers=w).status_code in {204, 404}
    refused = client.post(
        "/rdf-graphs",
        params={"graph": graph_iri("org/contoso")},
        content=node,
        headers=w | {"Content-Type": "text/turtle"},
    )
    assert refused.status_code == 403
    records = read_audit(settings.data_path)[start:]
    actions = [r["action"] for r in records]
    assert actions[0] == "org PUT" and "graph-store POST" in actions  # refused writes leave no record
    assert all(r["key_name"] == "zed_writer" and r["tenant"] == "zed" and r["role"] == "writer" for r in records)
    assert graph_iri("org/zed/published") in records[0]["graphs"] and records[0]["time"].endswith("Z")
    text = (settings.data_path / "audit.log").read_text()
    secret = keys["zed_writer"].split("_", 2)[2]  # gsk_<id>_<secret>; the secret may itself contain "_"
    stored = json.loads((settings.data_path / "keys.json").read_text())["keys"]
    assert secret not in text and not any(k["hash"] in text or k["salt"] in text for k in stored)
    assert "Lorem" not in text and "'v'" not in text  # graph names and counts, never data
