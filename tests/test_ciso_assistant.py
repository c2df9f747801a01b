"""CISO Assistant libraries in and out (graphsvc.sources.ciso_assistant).

The fixtures in tests/data/ciso_assistant/ are written for these tests in CISO Assistant's
library format (as its repository documents it and its loader, backend/library/utils.py,
reads it): a small ISO/IEC 27001:2022-like framework with invented placeholder names, and a
27001 → 42001 mapping set that names CISO Assistant's ISO/IEC 42001:2023 node URNs.

Expected answers are worked out by hand from those files and from DESIGN.md's set algebra:

* A.8.15 intersects A.6.2.8 (s6), and the shipped set has A.6.2.8 subset 12(1) (s9) and
  A.6.2.8 intersects 19(1): intersects∘subset = intersects (s6) reaches 12(1); intersects∘
  intersects gives nothing, so 19(1) is not reached.
* A.8.16 superset A.6.2.6 (s10): meeting A.8.16 meets A.6.2.6 fully; read backwards, A.6.2.6
  is a subset of A.8.16 and meets it only partly.
* 4.1 equal 4.1 and 6.1.2 subset 6.1 give no strength (assumed 10: containment); the
  not_related row gives 0 (kept as 1); two rows name nodes that do not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from graphsvc import service as S
from graphsvc.config import Settings, load_settings
from graphsvc.domain.crosswalk import TRANSFER, compose
from graphsvc.errors import DataLoadError
from graphsvc.exports.ciso_assistant import export_framework, export_mapping_set
from graphsvc.imports.ciso_assistant import import_library
from graphsvc.namespaces import GS, graph_iri
from graphsvc.service import GraphService
from graphsvc.sources.ciso_assistant import Options, read_library
from graphsvc.sources.ciso_assistant.convert import RELATIONS
from graphsvc.sources.ciso_assistant.library import URN
from graphsvc.sources.ciso_assistant.mapping_rows import parse_annotation

DATA = Path(__file__).parent / "data" / "ciso_assistant"
FRAMEWORK_FILE = DATA / "iso27001-2022-mini.yaml"
MAPPING_FILE = DATA / "mapping-iso27001-2022-to-iso42001-2023.yaml"
SET_ID = "ca-iso27001-2022-to-iso42001-2023"
REQ27 = "https://w3id.org/graphsvc/req/iso27001-2022/"
ISO42 = "https://w3id.org/graphsvc/req/iso42001-2023/"


def copy_store(built: Settings, dest: Path) -> Settings:
    dest.mkdir(parents=True, exist_ok=True)
    gen = dest / "store-copy"
    shutil.copytree(built.store_path.resolve(), gen)
    (dest / "store").symlink_to(gen.name)
    return load_settings(environ={}, overrides={"data_dir": str(dest)})


@pytest.fixture(scope="module")
def ca_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_store(built_settings, tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def svc(ca_settings: Settings) -> Any:
    service = GraphService.from_settings(ca_settings, read_only=False)
    import_library(service, FRAMEWORK_FILE)
    import_library(service, MAPPING_FILE)
    yield service
    service.store.close()


def graph_snapshot(svc: Any) -> dict[str, set[tuple[str, str, str]]]:
    return {g: {(s.value, p.value, o.value) for s, p, o in svc.store.triples(g)} for g in svc.store.named_graphs()}


# -- what CISO Assistant's loader requires of a library (backend/library/utils.py, core/models.py) ----


def loader_errors(doc: dict[str, Any], frameworks: list[dict[str, Any]] | None = None) -> list[str]:
    """The checks CISO Assistant's loader makes, written out; ``frameworks`` are the framework
    libraries a mapping library depends on (its loader looks each node URN up and fails the
    whole load when one is missing)."""
    errs = []
    for key in ("urn", "name", "version", "objects"):  # StoredLibrary.REQUIRED_FIELDS
        if key not in doc:
            errs.append(f"library: {key} missing")
    if "ref_id" not in doc:  # read as library_data["ref_id"]
        errs.append("library: ref_id missing")
    if not URN.match(str(doc.get("urn", "")).lower()):
        errs.append("library: urn does not match URN_REGEX")
    if not isinstance(doc.get("version"), int):
        errs.append("library: version is not an integer")
    objects = doc.get("objects") or {}
    if not any(
        k in objects for k in ("framework", "frameworks", "requirement_mapping_set", "requirement_mapping_sets")
    ):
        errs.append("objects: nothing the loader imports")
    for fw in [objects["framework"]] if "framework" in objects else objects.get("frameworks", []):
        for key in ("ref_id", "urn"):  # FrameworkImporter.REQUIRED_FIELDS
            if key not in fw:
                errs.append(f"framework: {key} missing")
        nodes = fw.get("requirement_nodes") or []
        if not nodes:
            errs.append("framework: no requirement_nodes")
        seen: set[str] = set()
        for n in nodes:
            if "urn" not in n:  # RequirementNodeImporter.REQUIRED_FIELDS
                errs.append("node: urn missing")
                continue
            if not URN.match(n["urn"]):
                errs.append(f"node: {n['urn']} does not match URN_REGEX")
            if n.get("parent_urn") and n["parent_urn"] not in seen:
                errs.append(f"node: {n['urn']} names a parent not listed before it")
            if not isinstance(n.get("assessable", False), bool):
                errs.append(f"node: {n['urn']} assessable is not a boolean")
            seen.add(n["urn"])
    sets = objects.get("requirement_mapping_sets") or (
        [objects["requirement_mapping_set"]] if "requirement_mapping_set" in objects else []
    )
    known = {fw["objects"]["framework"]["urn"]: fw["objects"]["framework"] for fw in frameworks or []}
    for ms in sets:
        for key in ("urn", "name", "source_framework_urn", "target_framework_urn"):  # RequirementMappingSetImporter
            if key not in ms:
                errs.append(f"mapping set: {key} missing")
        rows = ms.get("requirement_mappings") or []
        if not rows:
            errs.append("mapping set: no requirement_mappings")
        if frameworks is not None:
            for key in ("source_framework_urn", "target_framework_urn"):
                if ms.get(key) not in known:
                    errs.append(f"mapping set: {key} {ms.get(key)} is in no dependency")
        for r in rows:
            for key in ("target_requirement_urn", "relationship", "source_requirement_urn"):
                if key not in r:  # RequirementMappingImporter.REQUIRED_FIELDS
                    errs.append(f"mapping: {key} missing")
            if r.get("relationship") not in ("subset", "intersect", "equal", "superset", "not_related"):
                errs.append(f"mapping: relationship {r.get('relationship')!r}")
            if r.get("rationale") not in (None, "syntactic", "semantic", "functional"):
                errs.append(f"mapping: rationale {r.get('rationale')!r}")
            s = r.get("strength_of_relationship")
            if s is not None and not (isinstance(s, int) and 0 <= s <= 10):  # PositiveSmallInteger, max 10
                errs.append(f"mapping: strength {s!r}")
            if frameworks is not None:
                for key, fw_key in (
                    ("source_requirement_urn", "source_framework_urn"),
                    ("target_requirement_urn", "target_framework_urn"),
                ):
                    fw = known.get(ms.get(fw_key))
                    if fw is not None and r.get(key) not in {n["urn"] for n in fw["requirement_nodes"]}:
                        errs.append(f"mapping: {key} {r.get(key)} is not a node of {ms[fw_key]}")
        deps = set(doc.get("dependencies") or [])
        for fw in frameworks or []:
            if fw["urn"] not in deps:
                errs.append(f"library: dependency {fw['urn']} not listed")
    return errs


def test_the_loader_checks_catch_a_broken_library() -> None:
    doc = yaml.safe_load(MAPPING_FILE.read_text())
    assert loader_errors(doc) == []
    broken = yaml.safe_load(MAPPING_FILE.read_text())
    del broken["version"]
    rows = broken["objects"]["requirement_mapping_set"]["requirement_mappings"]
    rows[0]["relationship"] = "overlaps"
    rows[1]["strength_of_relationship"] = 90
    del rows[2]["target_requirement_urn"]
    errs = loader_errors(broken)
    assert "library: version missing" in errs
    assert "mapping: relationship 'overlaps'" in errs
    assert "mapping: strength 90" in errs
    assert "mapping: target_requirement_urn missing" in errs


# -- reading ------------------------------------------------------------------------------------------


def test_read_library_keeps_lines_and_skips_what_graphsvc_has_no_counterpart_for() -> None:
    lib = read_library(FRAMEWORK_FILE)
    assert lib.urn == "urn:intuitem:risk:library:iso27001-2022" and lib.version == 3
    (fw,) = lib.frameworks
    assert [n.ref_id for n in fw.nodes if n.assessable] == ["4.1", "6.1.2", "A.5.1", "A.8.15", "A.8.16"]
    assert fw.nodes[0].where.endswith("iso27001-2022-mini.yaml:25")
    assert lib.skipped == ["objects.reference_controls (1 entry)"]


def write(tmp_path: Path, text: str, name: str = "lib.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


MINI = """\
urn: urn:test:risk:library:mini
ref_id: mini
name: Mini
version: 1
objects:
  requirement_mapping_set:
    urn: urn:test:risk:req_mapping_set:mini
    name: Mini
    source_framework_urn: urn:intuitem:risk:framework:iso27001-2022
    target_framework_urn: urn:intuitem:risk:framework:iso42001-2023
    requirement_mappings:
    - source_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso42001-2023:a.2.2
      relationship: {rel}
      strength_of_relationship: {strength}
"""


@pytest.mark.parametrize(
    ("rel", "strength", "message"),
    [
        ("overlaps", "5", r"lib\.yaml:12: field 'relationship' is 'overlaps'; expected one of equal"),
        ("intersect", "90", r"lib\.yaml:12: field 'strength_of_relationship' is 90; expected 0-10 .*scale 100"),
        ("intersect", "'high'", r"lib\.yaml:12: field 'strength_of_relationship' is 'high'"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, rel: str, strength: str, message: str) -> None:
    path = write(tmp_path, MINI.format(rel=rel, strength=strength))
    with pytest.raises(DataLoadError, match=message):
        read_library(path)


def test_a_0_100_scale_is_read_only_when_declared(tmp_path: Path) -> None:
    path = write(tmp_path, MINI.format(rel="intersect", strength="90"))
    (ms,) = read_library(path, strength_scale=100).mapping_sets
    assert ms.rows[0].strength == 90


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("urn: urn:x:risk:library:a\nname: A\nversion: 1\nobjects: {}\n", r"lib\.yaml:1: library field 'ref_id'"),
        ("urn: not-a-urn\nref_id: a\nname: A\nversion: 1\nobjects: {x: 1}\n", r"field 'urn': 'not-a-urn'"),
        ("urn: urn:x:risk:library:a\nref_id: a\nname: A\nversion: v1\nobjects: {x: 1}\n", r"field 'version'"),
        ("urn: urn:x:risk:library:a\nref_id: a\nname: A\nversion: 1\nobjects: {x: [1]}\n", r"nothing to import"),
        (
            "urn: urn:x:risk:library:a\nref_id: a\nname: A\nversion: 1\nobjects:\n  framework:\n"
            "    urn: urn:x:risk:framework:a-1\n    ref_id: a\n    requirement_nodes:\n"
            "    - urn: urn:x:risk:req_node:a-1:b\n      parent_urn: urn:x:risk:req_node:a-1:z\n",
            r"lib\.yaml:10: field 'parent_urn': urn:x:risk:req_node:a-1:z is not a node listed above it",
        ),
        (
            "urn: urn:x:risk:library:a\nref_id: a\nname: A\nversion: 1\nobjects:\n  framework:\n"
            "    urn: urn:x:risk:framework:a-1\n    ref_id: a\n    requirement_nodes:\n"
            "    - urn: urn:x:risk:req_node:a-1:b\n    - urn: URN:x:risk:req_node:a-1:B\n",
            r"lib\.yaml:11: field 'urn': urn:x:risk:req_node:a-1:b repeats .*lib\.yaml:10",
        ),
        ("a: [unclosed\n", r"lib\.yaml:2: YAML syntax error"),
    ],
)
def test_bad_libraries_are_refused_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataLoadError, match=message):
        read_library(write(tmp_path, text))


def test_annotation_trailer_reads_back() -> None:
    text = "Both keep logs.\n\nSource: graphsvc analysis\nStatus: proposed\nConfidence: 0.7"
    assert parse_annotation(text) == (
        "Both keep logs.",
        {"source": "graphsvc analysis", "status": "proposed", "confidence": "0.7"},
    )
    assert parse_annotation("Note: not a trailer\n\nSee clause 4: context") == (
        "Note: not a trailer\n\nSee clause 4: context",
        {},
    )


# -- import ----------------------------------------------------------------------------------------------


def test_framework_becomes_an_edition_bound_catalog(svc: Any) -> None:
    fw = next(f for f in svc.frameworks() if f["id"] == "iso27001")
    assert fw["edition"] == "2022" and fw["requirements"] == 10
    assert fw["iri"] == "https://w3id.org/graphsvc/framework/iso27001-2022"
    triples = graph_snapshot(svc)[graph_iri("framework/iso27001-2022")]
    lib = "urn:intuitem:risk:library:iso27001-2022"
    dc = "http://purl.org/dc/terms/"
    assert (fw["iri"], dc + "identifier", "urn:intuitem:risk:framework:iso27001-2022") in triples
    assert (fw["iri"], dc + "source", lib) in triples
    assert (lib, "http://www.w3.org/2002/07/owl#versionInfo", "3") in triples
    assert (lib, dc + "rights", "Test fixture written for graphsvc; no text of the standard.") in triples
    assert (lib, dc + "publisher", "ISO/IEC") in triples
    cat = {r["notation"]: r for r in svc.catalog("iso27001")}
    assert cat["A.8.15"]["kind"] == "control" and cat["A.8"]["kind"] == "section"
    assert cat["A.8.15"]["parent"] == "A.8"
    # the file's descriptions are kept as imported text, never as the project's summary
    assert cat["4.1"]["summary"] == ""
    assert (REQ27 + "4.1", GS + "specification", "Invented placeholder description for the test fixture.") in triples


def test_mapping_rows_keep_direction_relation_strength_and_rationale(svc: Any) -> None:
    rows = {(m.subject, m.object): m for m in svc.mappings() if m.set_id.endswith(SET_ID) and not m.derived}
    assert len(rows) == 6
    sup = rows[(REQ27 + "a.8.16", ISO42 + "A.6.2.6")]  # CISO Assistant: source superset target
    assert (sup.relation, sup.strength, sup.rationale) == ("superset", 10, "functional")
    assert TRANSFER[sup.relation] == "full"  # meeting the source meets the target, as CISO Assistant projects it
    inter = rows[(REQ27 + "a.8.15", ISO42 + "A.6.2.8")]
    assert (inter.relation, inter.strength) == ("intersects", 6)
    assert inter.comment == "Example row; both keep records of what a system did."
    assert inter.source.startswith("CISO Assistant library urn:intuitem:risk:library:mapping-iso27001-2022-to")
    assert rows[(REQ27 + "4.1", ISO42 + "4.1")].strength == 10  # not given: containment is 10
    sub = rows[(REQ27 + "6.1.2", ISO42 + "6.1")]
    assert (sub.relation, sub.strength, sub.rationale) == ("subset", 10, "semantic")
    assert rows[(REQ27 + "a.5.1", ISO42 + "A.7.4")].relation == "not-related"
    assert set(RELATIONS.values()) == {"equal", "subset", "superset", "intersects", "not-related"}


def test_rows_naming_missing_nodes_are_reported_and_kept(svc: Any, ca_settings: Settings) -> None:
    records = svc.store.select(
        "PREFIX gs: <https://w3id.org/graphsvc/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?c WHERE { ?u a gs:UnresolvedMapping ; rdfs:comment ?c }"
    )
    comments = sorted(r["c"].value for r in records)
    assert comments == [
        "row 7 (intersect): target urn:intuitem:risk:req_node:iso42001-2023:a.99.9 is not a requirement in the graph",
        "row 8 (equal): source urn:intuitem:risk:req_node:iso27001-2022:a.9.9 is not a requirement in the graph",
    ]


def test_strict_refuses_and_the_store_is_unchanged(svc: Any) -> None:
    before = graph_snapshot(svc)
    with pytest.raises(DataLoadError, match=r"mapping-iso27001-2022-to-iso42001-2023\.yaml:58: 2 mapping row"):
        import_library(svc, MAPPING_FILE, strict=True)
    assert graph_snapshot(svc) == before


def test_bad_input_is_refused_whole(svc: Any, tmp_path: Path) -> None:
    before = graph_snapshot(svc)
    text = MAPPING_FILE.read_text().replace("relationship: superset", "relationship: bigger")
    with pytest.raises(DataLoadError, match=r"lib\.yaml:\d+: field 'relationship' is 'bigger'"):
        import_library(svc, write(tmp_path, text))
    contradict = MAPPING_FILE.read_text().replace(
        "source_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.9.9",
        "source_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.8.15",
    )
    with pytest.raises(DataLoadError, match=r"contradicts row 1"):
        import_library(svc, write(tmp_path, contradict))
    unknown_fw = MAPPING_FILE.read_text().replace("framework:iso42001-2023", "framework:iso99999-2024")
    with pytest.raises(DataLoadError, match=r"field 'target_framework_urn': urn:intuitem:risk:framework:iso99999"):
        import_library(svc, write(tmp_path, unknown_fw))
    assert graph_snapshot(svc) == before


def test_a_framework_graphsvc_ships_is_not_imported_again(svc: Any, tmp_path: Path) -> None:
    text = FRAMEWORK_FILE.read_text().replace("iso27001-2022", "iso42001-2023")
    with pytest.raises(DataLoadError, match="graphsvc ships the catalog iso42001-2023 itself"):
        import_library(svc, write(tmp_path, text))
    text = FRAMEWORK_FILE.read_text().replace("iso27001-2022", "nist-ai-rmf-1.0")
    with pytest.raises(DataLoadError, match=r"lib\.yaml:\d+: field 'urn': graphsvc ships the catalog nistairmf-1.0"):
        import_library(svc, write(tmp_path, text))


# -- crosswalk and coverage across the imported set ----------------------------------------------


def test_crosswalk_chains_by_set_algebra(svc: Any) -> None:
    # A.8.16 superset A.6.2.6, which intersects Art. 72(1): superset ∘ intersects = intersects
    by_target = {r["target"]: r for r in S.crosswalk(svc, "iso27001:A.8.16", "euaia")}
    chained = by_target["72(1)"]
    assert chained["relation"] == "intersects" and chained["derived"]
    assert [h["to"] for h in chained["path"]] == ["A.6.2.6", "72(1)"]
    assert chained["strength"] == min(h["strength"] for h in chained["path"])
    # A.8.15 intersects A.6.2.8, which only intersects the AI Act: intersects ∘ intersects gives nothing
    # (no weakest-link transfer)
    reached = {r["target"] for r in S.crosswalk(svc, "iso27001:A.8.15", "euaia")}
    assert "12(1)" not in reached and "19(1)" not in reached
    for req in ("iso27001:A.8.15", "iso27001:A.8.16", "iso27001:4.1", "iso27001:6.1.2", "iso27001:A.5.1"):
        for r in S.crosswalk(svc, req):
            hops = r["path"]
            rel = hops[0]["relation"]
            for h in hops[1:]:
                rel = compose(rel, h["relation"])
            assert rel == r["relation"]
            assert r["strength"] == min(h["strength"] for h in hops)


ORG = """\
organisation: {id: catest, name: CA test org}
systems:
  - {id: sys-a, name: System A, intended_purpose: sorts tickets, roles: [deployer]}
  - {id: sys-b, name: System B, intended_purpose: sorts mail, roles: [deployer]}
controls:
  - {id: C-27, name: Activity monitoring, status: implemented, responsibility: customer,
     customer_responsibility: own, implements: ["https://w3id.org/graphsvc/req/iso27001-2022/a.8.16"],
     applies_to: [sys-a]}
  - {id: C-42, name: AI operation monitoring, status: implemented, responsibility: customer,
     customer_responsibility: own, implements: ["iso42001:A.6.2.6"], applies_to: [sys-b]}
evidence:
  - {id: E-1, name: Monitoring report, supports: [C-27, C-42], document: m.pdf,
     sha256: "0000000000000000000000000000000000000000000000000000000000000009",
     valid_from: 2026-01-01, valid_until: 2027-12-31}
"""


def test_coverage_follows_the_imported_set_in_its_direction(svc: Any, tmp_path: Path) -> None:
    from graphsvc.domain.coverage import Options as CoverageOptions
    from graphsvc.domain.coverage import system_coverage
    from graphsvc.imports.org import delete_org, import_org

    import_org(svc, write(tmp_path, ORG, "catest.yaml"), keep=False)
    try:
        opts = CoverageOptions(as_of=dt.date(2026, 11, 23), layer="adopted")
        a = {r["notation"]: r for r in system_coverage(svc, "catest/sys-a", "iso42001", opts)["requirements"]}
        assert a["A.6.2.6"]["status"] == "satisfied"  # A.8.16 superset A.6.2.6
        b = {r["notation"]: r for r in system_coverage(svc, "catest/sys-b", "iso27001", opts)["requirements"]}
        assert b["A.8.16"]["status"] == "partial"  # read backwards: A.6.2.6 subset A.8.16
        assert b["A.8.15"]["status"] == "gap"
        assert "A.8" not in b  # structure is not a coverage target
    finally:
        delete_org(svc, "catest")


# -- export and round trips ---------------------------------------------------------------------------


def test_export_of_imported_framework_reproduces_the_file(svc: Any) -> None:
    doc = yaml.safe_load(export_framework(svc, "iso27001"))
    assert loader_errors(doc) == []
    original = yaml.safe_load(FRAMEWORK_FILE.read_text())
    for key in ("urn", "locale", "ref_id", "name", "copyright", "version", "publication_date", "provider", "packager"):
        assert doc[key] == original[key], key
    fw, ofw = doc["objects"]["framework"], original["objects"]["framework"]
    assert (fw["urn"], fw["ref_id"], fw["name"]) == (ofw["urn"], ofw["ref_id"], ofw["name"])
    keep = ("urn", "assessable", "depth", "parent_urn", "ref_id", "name")
    assert fw["requirement_nodes"] == [{k: n[k] for k in keep if k in n} for n in ofw["requirement_nodes"]]
    # lost on purpose: descriptions (imported text), reference controls
    assert "description" not in fw and all("description" not in n for n in fw["requirement_nodes"])
    assert "reference_controls" not in doc["objects"]


def test_export_of_imported_set_reproduces_its_rows(svc: Any) -> None:
    doc = yaml.safe_load(export_mapping_set(svc, SET_ID))
    frameworks = [yaml.safe_load(FRAMEWORK_FILE.read_text())]
    errs = loader_errors(doc, frameworks)
    assert [e for e in errs if "iso42001-2023" not in e] == []  # 42001 is CISO Assistant's own library
    original = yaml.safe_load(MAPPING_FILE.read_text())
    ms, oms = doc["objects"]["requirement_mapping_set"], original["objects"]["requirement_mapping_set"]
    for key in ("urn", "ref_id", "name", "description", "source_framework_urn", "target_framework_urn"):
        assert ms[key] == oms[key], key
    assert doc["dependencies"] == original["dependencies"]

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(r.get(k) for k in ("source_requirement_urn", "target_requirement_urn", "relationship"))

    got = {key(r): r for r in ms["requirement_mappings"]}
    resolvable = [r for r in oms["requirement_mappings"] if "a.99.9" not in str(r) and "a.9.9" not in str(r)]
    assert set(got) == {key(r) for r in resolvable}
    for r in resolvable:
        g = got[key(r)]
        assert g.get("annotation") == r.get("annotation")
        assert g["rationale"] == r["rationale"]
        expected = 1 if r["strength_of_relationship"] == 0 else r["strength_of_relationship"]  # 0 is kept as 1
        assert g["strength_of_relationship"] == expected


def test_graphsvc_exports_reimport_to_the_same_graphs(svc: Any, tmp_path: Path) -> None:
    # an imported set and framework: export, import again over themselves, same triples
    before = graph_snapshot(svc)
    set_file = write(tmp_path, export_mapping_set(svc, SET_ID), "set.yaml")
    fw_file = write(tmp_path, export_framework(svc, "iso27001"), "fw.yaml")
    import_library(svc, fw_file, keep=False)
    import_library(svc, set_file, keep=False)
    after = graph_snapshot(svc)
    set_graph = graph_iri("mappings/" + SET_ID)
    assert after[set_graph] == before[set_graph] - {t for t in before[set_graph] if "/unresolved/" in t[0]}
    fw_graph = graph_iri("framework/iso27001-2022")
    spec = GS + "specification"
    lib_description = {t for t in before[fw_graph] if t[1] == spec}
    assert after[fw_graph] == before[fw_graph] - lib_description  # only the imported text is gone
    import_library(svc, FRAMEWORK_FILE, keep=False)
    import_library(svc, MAPPING_FILE, keep=False)
    assert graph_snapshot(svc) == before


@pytest.mark.parametrize("set_id", ["iso42001-euaia", "nistairmf-euaia"])
def test_shipped_set_round_trips_through_ciso_assistant(svc: Any, tmp_path: Path, set_id: str) -> None:
    text = export_mapping_set(svc, set_id, include_proposed=True)
    doc = yaml.safe_load(text)
    source_fw = set_id.split("-")[0]
    frameworks = [yaml.safe_load(export_framework(svc, fw)) for fw in (source_fw, "euaia")]
    assert loader_errors(doc, frameworks) == []
    for fw in frameworks:
        assert loader_errors(fw) == []
    # the content law: identifiers, titles and the project's own summaries only
    ours = {r["notation"]: r for r in svc.catalog(source_fw)}
    nodes = frameworks[0]["objects"]["framework"]["requirement_nodes"]
    assert [n["ref_id"] for n in nodes] == list(ours)
    for node in nodes:
        assert node.get("name", "") == ours[node["ref_id"]]["title"]
        assert node.get("description", "") == ours[node["ref_id"]]["summary"]
    # back in as a CISO Assistant set: the same mappings
    import_library(svc, write(tmp_path, text, "shipped.yaml"), keep=False)
    try:

        def fields(set_suffix: str) -> set[tuple[Any, ...]]:
            return {
                (
                    m.subject,
                    m.object,
                    m.relation,
                    m.strength,
                    m.status,
                    m.rationale,
                    m.justification,
                    m.comment,
                    m.source,
                    m.author,
                    m.reviewer,
                )
                for m in svc.mappings()
                if m.set_id.endswith(set_suffix) and not m.derived and m.status != "rejected"
            }

        assert fields(f"/ca-{set_id}") == fields(f"/{set_id}")
        assert len(fields(f"/{set_id}")) > 50
        statuses = {m.status for m in svc.mappings() if m.set_id.endswith(f"/{set_id}") and not m.derived}
        assert {m.status for m in svc.mappings() if m.set_id.endswith(f"/ca-{set_id}")} == statuses - {"rejected"}
    finally:
        svc.store.replace_graphs({graph_iri(f"mappings/ca-{set_id}"): []})
        svc.invalidate()


def test_an_exported_shipped_catalog_is_not_imported_over_itself(svc: Any, tmp_path: Path) -> None:
    with pytest.raises(DataLoadError, match="graphsvc ships the catalog iso42001-2023 itself"):
        import_library(svc, write(tmp_path, export_framework(svc, "iso42001"), "fw.yaml"), keep=False)


def test_aicm_export_carries_no_imported_text(svc: Any) -> None:
    doc = yaml.safe_load(export_framework(svc, "aicm"))
    nodes = doc["objects"]["framework"]["requirement_nodes"]
    assert nodes and all(
        set(n) <= {"urn", "assessable", "depth", "parent_urn", "ref_id", "name", "description"} for n in nodes
    )
    assert all(re.match(r"^urn:graphsvc:risk:req_node:aicm-1\.1\.0:", n["urn"]) for n in nodes)
    assert {n["urn"] for n in nodes if n["ref_id"] == "A&A-01"} == {"urn:graphsvc:risk:req_node:aicm-1.1.0:a-and-a-01"}


# -- rebuild, CLI, API -----------------------------------------------------------------------------------


def test_a_rebuild_imports_the_kept_files_again(svc: Any, ca_settings: Settings, tmp_path: Path) -> None:
    from graphsvc.build import build

    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path)})
    kept = tmp_path / "imports" / "ciso-assistant"
    shutil.copytree(ca_settings.data_path / "imports" / "ciso-assistant", kept)
    build(settings)
    fresh = GraphService.from_settings(settings)
    try:
        assert "iso27001" in fresh.framework_ids()
        rows = {r["target"]: r for r in S.crosswalk(fresh, "iso27001:A.8.16", "euaia")}
        assert rows["72(1)"]["relation"] == "intersects"
        keep_graphs = [graph_iri("framework/iso27001-2022"), graph_iri("mappings/" + SET_ID)]
        live = graph_snapshot(svc)
        rebuilt = graph_snapshot(fresh)
        for g in keep_graphs:
            assert rebuilt[g] == live[g]
    finally:
        fresh.store.close()


def test_cli_import_and_export(ca_settings: Settings, svc: Any, tmp_path: Path) -> None:
    from graphsvc.cli.main import app

    svc.store.close()  # the CLI opens the store for writing itself
    try:
        runner = CliRunner()
        store = ["--store", str(ca_settings.data_path)]
        r = runner.invoke(app, ["import", "ciso-assistant", str(MAPPING_FILE), *store])
        assert r.exit_code == 0, r.output
        assert "mapping set ca-iso27001-2022-to-iso42001-2023 (iso27001 to iso42001): 6 mappings, 2 rows" in r.output
        bad = write(tmp_path, MAPPING_FILE.read_text().replace("relationship: equal", "relationship: same"))
        r = runner.invoke(app, ["import", "ciso-assistant", str(bad), *store])
        assert r.exit_code == 1 and re.search(r"lib\.yaml:\d+: field 'relationship' is 'same'", r.output)
        out = tmp_path / "out.yaml"
        r = runner.invoke(app, ["export", "ciso-assistant", "--mapping-set", SET_ID, "-o", str(out), *store])
        assert r.exit_code == 0, r.output
        assert yaml.safe_load(out.read_text())["objects"]["requirement_mapping_set"]["urn"].endswith(
            "iso27001-2022-to-iso42001-2023"
        )
        r = runner.invoke(app, ["export", "ciso-assistant", "--framework", "iso27001", *store])
        assert r.exit_code == 0 and "urn:intuitem:risk:framework:iso27001-2022" in r.output
        r = runner.invoke(app, ["export", "ciso-assistant", *store])
        assert r.exit_code == 1 and "exactly one of --framework and --mapping-set" in r.output
    finally:
        svc.store = GraphService.from_settings(ca_settings, read_only=False).store
        svc.invalidate()


@pytest.fixture(scope="module")
def api(svc: Any, ca_settings: Settings) -> Any:
    from graphsvc.http.app import create_app
    from graphsvc.http.keys import KeyStore

    ks = KeyStore(ca_settings.data_path / "keys.json")
    tokens = {
        role: ks.create(role, tenant="acme" if role != "admin" else None, name=role)[1]
        for role in ("admin", "writer", "reader")
    }
    with TestClient(create_app(svc, ca_settings), raise_server_exceptions=False) as client:
        yield client, tokens


def test_api_import_and_export_are_for_admins(api: Any) -> None:
    client, tokens = api

    def h(role: str | None, ctype: str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        return {**out, "Content-Type": ctype} if ctype else out

    body = MAPPING_FILE.read_bytes()
    assert client.post("/imports/ciso-assistant", content=body, headers=h(None, "application/yaml")).status_code == 401
    assert (
        client.post("/imports/ciso-assistant", content=body, headers=h("writer", "application/yaml")).status_code == 403
    )
    r = client.post("/imports/ciso-assistant", content=body, headers=h("admin", "application/yaml"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["mapping_sets"][0]["id"] == SET_ID and len(data["unresolved"]) == 2
    assert data["unresolved"][0]["where"].startswith("body:")
    bad = body.replace(b"relationship: equal", b"relationship: same")
    r = client.post("/imports/ciso-assistant", content=bad, headers=h("admin", "application/yaml"))
    assert r.status_code == 400 and re.match(r"body:\d+: field 'relationship' is 'same'", r.json()["error"])
    assert client.get(f"/exports/ciso-assistant/mapping-sets/{SET_ID}", headers=h("reader")).status_code == 403
    r = client.get(f"/exports/ciso-assistant/mapping-sets/{SET_ID}", headers=h("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/yaml")
    assert loader_errors(yaml.safe_load(r.text)) == []
    r = client.get("/exports/ciso-assistant/frameworks/iso27001", headers=h("admin"))
    assert r.status_code == 200 and "urn:intuitem:risk:framework:iso27001-2022" in r.text
    assert client.get("/exports/ciso-assistant/frameworks/nope", headers=h("admin")).status_code == 404


def test_import_options_are_kept(svc: Any, ca_settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path, FRAMEWORK_FILE.read_text().replace("iso27001-2022", "isotest"), "isotest.yaml")
    with pytest.raises(DataLoadError, match="cannot tell the framework's short name and edition"):
        import_library(svc, path)
    import_library(svc, path, options=Options(framework_id="isotest", edition="2099"))
    try:
        assert next(f for f in svc.frameworks() if f["id"] == "isotest")["edition"] == "2099"
        kept = ca_settings.data_path / "imports" / "ciso-assistant" / "isotest.options.json"
        assert '"edition": "2099"' in kept.read_text()
    finally:
        svc.store.replace_graphs({graph_iri("framework/isotest"): []})
        svc.invalidate()
        for p in (ca_settings.data_path / "imports" / "ciso-assistant").glob("isotest.*"):
            p.unlink()


def test_nist_ai_rmf_urns_of_ciso_assistant_resolve_to_the_shipped_catalog(svc: Any, tmp_path: Path) -> None:
    text = (
        MINI.format(rel="subset", strength="7")
        .replace("framework:iso42001-2023", "framework:nist-ai-rmf-1.0")
        .replace("req_node:iso42001-2023:a.2.2", "req_node:nist-ai-rmf-1.0:govern-1.1")
    )
    report = import_library(svc, write(tmp_path, text), keep=False)
    try:
        assert report.mapping_sets == [
            {"id": "ca-mini", "source": "iso27001", "target": "nistairmf", "mappings": 1, "unresolved": 0}
        ]
        (m,) = [m for m in svc.mappings() if m.set_id.endswith("/ca-mini")]
        assert (m.subject, m.object, m.relation, m.strength) == (
            REQ27 + "a.5.1",
            "https://w3id.org/graphsvc/req/nistairmf-1.0/GOVERN-1.1",
            "subset",
            7,
        )
        exported = yaml.safe_load(export_mapping_set(svc, "ca-mini"))
        (row,) = exported["objects"]["requirement_mapping_set"]["requirement_mappings"]
        assert row["target_requirement_urn"] == "urn:intuitem:risk:req_node:nist-ai-rmf-1.0:govern-1.1"
        assert exported["dependencies"] == [
            "urn:intuitem:risk:library:iso27001-2022",
            "urn:intuitem:risk:library:nist-ai-rmf-1.0",
        ]
    finally:
        svc.store.replace_graphs({graph_iri("mappings/ca-mini"): []})
        svc.invalidate()


def test_weak_containment_rows_are_flagged(svc: Any, tmp_path: Path) -> None:
    report = import_library(svc, write(tmp_path, MINI.format(rel="equal", strength="6")), keep=False)
    try:
        assert any("row 1 claims equal with strength 6" in n for n in report.notes)
        (m,) = [m for m in svc.mappings() if m.set_id.endswith("/ca-mini")]
        assert (m.relation, m.strength) == ("equal", 6)  # kept as claimed, not rewritten
    finally:
        svc.store.replace_graphs({graph_iri("mappings/ca-mini"): []})
        svc.invalidate()


def test_a_reimport_may_not_drop_requirements_still_mapped(svc: Any, tmp_path: Path) -> None:
    before = graph_snapshot(svc)
    text = FRAMEWORK_FILE.read_text()
    start = text.index("    - urn: urn:intuitem:risk:req_node:iso27001-2022:a.8.15")
    end = text.index("    - urn: urn:intuitem:risk:req_node:iso27001-2022:a.8.16")
    with pytest.raises(
        DataLoadError, match=r"would remove 1 requirement\(s\) that are still used: a\.8\.15 \(mapped in"
    ):
        import_library(svc, write(tmp_path, text[:start] + text[end:]), keep=False)
    assert graph_snapshot(svc) == before
