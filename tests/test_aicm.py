"""The AICM importer (graphsvc.sources.aicm) on synthetic fixtures shaped like CSA's downloads.

The fixtures in tests/data/aicm/ are written by tests/data/aicm/make_fixtures.py; variants
(header variations, bad rows) are built here in tmp_path.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import DCTERMS, FRAMEWORK_PREFIXES, GS, RDFS, SKOS, graph_iri
from graphsvc.sources.aicm import import_graphs, read_aicm
from graphsvc.sources.aicm_records import AicmImport
from graphsvc.sources.aicm_targets import parse_eu_reference, resolve_target, split_targets
from graphsvc.sources.catalogs import Catalog, load_catalog
from graphsvc.store.base import TripleTuple
from graphsvc.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "aicm"
XLSX = DATA / "aicm-1.1.0-synthetic.xlsx"
STIX = DATA / "aicm-1.1.0-synthetic.stix.json"
AICM = FRAMEWORK_PREFIXES["aicm"]
ISO = FRAMEWORK_PREFIXES["iso42001"]
EU = FRAMEWORK_PREFIXES["euaia"]
IMPORT_GRAPH = graph_iri("import/aicm-1.1.0")
ISO_GRAPH = graph_iri("mappings/aicm-1.1.0-iso42001")
EU_GRAPH = graph_iri("mappings/aicm-1.1.0-euaia")


def _load_make_fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("aicm_make_fixtures", DATA / "make_fixtures.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fixtures = _load_make_fixtures()


@pytest.fixture(scope="module")
def catalogs() -> tuple[Catalog, dict[str, Catalog]]:
    aicm = load_catalog(ROOT / "mappings" / "catalogs" / "aicm-1.1.0")
    iso = load_catalog(ROOT / "mappings" / "catalogs" / "iso42001-2023")
    euaia = load_catalog(DATA / "euaia-2024-1689-mini")
    return aicm, {"iso42001": iso, "euaia": euaia}


@pytest.fixture(scope="module")
def xlsx_import() -> AicmImport:
    return read_aicm(XLSX)


@pytest.fixture(scope="module")
def graphs(xlsx_import: AicmImport, catalogs: tuple[Catalog, dict[str, Catalog]]) -> dict[str, list[TripleTuple]]:
    return import_graphs(xlsx_import, *catalogs)


def _controls(imp: AicmImport) -> list[tuple[Any, ...]]:
    return [(c.id, c.title, c.specification, c.domain, c.ownership) for c in imp.controls]


def _mappings(triples: list[TripleTuple]) -> dict[tuple[str, str], dict[str, Any]]:
    """(subject, object) -> {relation, strength, comment, verdict, …} for every gs:Mapping."""
    nodes: dict[str, dict[str, Any]] = {}
    for s, p, o in triples:
        nodes.setdefault(s.value, {})[p.value] = o.value
    out = {}
    for props in nodes.values():
        if GS + "subject" in props:
            out[(props[GS + "subject"], props[GS + "object"])] = {
                "relation": props[GS + "relation"].removeprefix(GS + "rel-"),
                "strength": int(props[GS + "strength"]),
                "comment": props[RDFS + "comment"],
                "verdict": props[GS + "gapVerdict"],
                "source": props[DCTERMS + "source"],
                "status": props[GS + "status"],
                "author": props["https://w3id.org/sssom/author_id"],
                "justification": props["https://w3id.org/sssom/mapping_justification"],
                "rationale": props[GS + "rationale"],
            }
    return out


def _relations(triples: list[TripleTuple]) -> set[tuple[str, str, str, int]]:
    return {(s, o, m["relation"], m["strength"]) for (s, o), m in _mappings(triples).items()}


# --- reading -------------------------------------------------------------------------------------


def test_workbook_controls(xlsx_import: AicmImport) -> None:
    assert xlsx_import.version == "1.1.0"  # from the JSON declaration in A1
    assert [c.id for c in xlsx_import.controls] == [c["id"] for c in fixtures.CONTROLS]
    first = xlsx_import.controls[0]
    assert first.title == "Synthetic audit policy placeholder"
    assert first.specification == "Placeholder for tests: keep a written audit policy.\nReview it on a schedule."
    assert first.domain == "Audit & Assurance"
    assert first.where.endswith("aicm-1.1.0-synthetic.xlsx:AICM - Version 1.1:5")
    # the Implementation Guidelines tab also has Control ID/Title/Specification: not read
    assert all("Other synthetic" not in c.title for c in xlsx_import.controls)


def test_ownership_per_layer(xlsx_import: AicmImport) -> None:
    by_id = {c.id: c.ownership for c in xlsx_import.controls}
    assert by_id["A&A-01"] == {
        "processing-infrastructure": "Shared across the supply chain",
        "model": "Owned by the Model Provider (MP)",
        "orchestrated-services": "Owned by the Orchestrated Service Provider (OSP)",
        "application": "Owned by the Application Provider (AP)",
    }
    # a line break inside the cell is whitespace; empty cells are no ownership
    assert by_id["AIS-05"]["model"] == "Owned by the Model Provider (MP)"
    assert by_id["MDS-01"] == {"model": "Owned by the Model Provider (MP)", "orchestrated-services": "Shared MP-OSP"}
    # the architecture ("App"), lifecycle and threat ("Model theft") columns are not layers
    assert all(
        set(o) <= {"processing-infrastructure", "model", "orchestrated-services", "application"} for o in by_id.values()
    )


def test_workbook_mapping_rows(xlsx_import: AicmImport) -> None:
    rows = {(r.control_id, r.framework, r.target_notation): r for r in xlsx_import.mapping_rows}
    assert set(rows) == {
        ("A&A-01", "iso42001", "9.2.1"),
        ("A&A-01", "euaia", "Article 26(1)(a)"),
        ("AIS-05", "iso42001", "B.6.2.4"),
        ("AIS-05", "euaia", "Art. 9(2)"),
        ("LOG-02", "iso42001", "A.6.2.8"),
        ("LOG-02", "euaia", "Article 12"),
        ("LOG-02", "euaia", "Art 12(1)"),
        ("MDS-01", "iso42001", "6.1.2"),
        ("MDS-01", "iso42001", "A.6.2.4"),
        ("MDS-01", "euaia", "Article 16(a)"),
        ("DSP-07", "iso42001", "A.7.4"),
        ("DSP-07", "euaia", "Annex IV"),
    }  # GRC-02: "N/A" with Full Gap maps nothing; BSI AIC4 is not imported
    row = rows[("A&A-01", "iso42001", "9.2.1")]
    assert (row.gap, row.verdict, row.co_cited) == ("no-gap", "No Gap", ("27001: 9.2",))
    assert row.where.endswith(":Scope Applicability (Mappings):5")
    assert row.target_column == "E ('Control Mapping')"
    assert rows[("DSP-07", "euaia", "Annex IV")].gap == "full-gap"


def test_stix_and_workbook_agree(
    xlsx_import: AicmImport, catalogs: tuple[Catalog, dict[str, Catalog]], graphs: dict[str, list[TripleTuple]]
) -> None:
    stix = read_aicm(STIX)
    assert stix.version == "1.1.0"
    assert _controls(stix) == _controls(xlsx_import)
    stix_graphs = import_graphs(stix, *catalogs)
    assert set(stix_graphs) == set(graphs)
    assert set(stix_graphs[IMPORT_GRAPH]) == set(graphs[IMPORT_GRAPH])
    for name in (ISO_GRAPH, EU_GRAPH):
        assert _relations(stix_graphs[name]) == _relations(graphs[name])


def test_stix_course_of_action(tmp_path: Path, xlsx_import: AicmImport) -> None:
    objects = []
    for c in fixtures.CONTROLS:
        objects.append(
            {
                "type": "course-of-action",
                "spec_version": "2.1",
                "id": f"course-of-action--{fixtures._uid('coa', c['id'])}",
                "created": "2026-06-01T00:00:00.000Z",
                "modified": "2026-06-01T00:00:00.000Z",
                "name": c["title"],
                "description": c["spec"],
                "x_csa_domain": c["domain"],
                "x_csa_typical_control_applicability_and_ownership": dict(
                    zip(fixtures.STIX_LAYER_KEYS, c["ownership"], strict=True)
                ),
                "external_references": [{"source_name": "CSA AICM", "external_id": c["id"]}],
            }
        )
    path = tmp_path / "aicm.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--x", "objects": objects}), encoding="utf-8")
    with pytest.raises(DataLoadError, match="give the version"):
        read_aicm(path)
    imp = read_aicm(path, "1.1.0")
    assert _controls(imp) == _controls(xlsx_import)


# --- graphs ---------------------------------------------------------------------------------------


def test_graph_names(graphs: dict[str, list[TripleTuple]]) -> None:
    assert set(graphs) == {IMPORT_GRAPH, ISO_GRAPH, EU_GRAPH}
    store = EmbeddedStore.in_memory()
    store.replace_graphs(graphs)  # every term is a valid RDF term
    assert store.count(IMPORT_GRAPH) == len(set(graphs[IMPORT_GRAPH]))


def test_import_graph(graphs: dict[str, list[TripleTuple]]) -> None:
    triples = {(s.value, p.value, o.value) for s, p, o in graphs[IMPORT_GRAPH]}
    control = AICM + "A&A-01"
    assert (control, SKOS + "prefLabel", "Synthetic audit policy placeholder") in triples
    assert (control, GS + "specification", fixtures.CONTROLS[0]["spec"]) in triples
    nodes = {o for s, p, o in triples if s == control and p == GS + "ownership"}
    assert len(nodes) == 4
    layers = {
        next(o for s, p, o in triples if s == n and p == GS + "ssrmLayer"): next(
            o for s, p, o in triples if s == n and p == GS + "owner"
        )
        for n in nodes
    }
    assert layers["model"] == "Owned by the Model Provider (MP)"
    assert layers["processing-infrastructure"] == "Shared across the supply chain"


def test_gap_verdicts_become_relations(graphs: dict[str, list[TripleTuple]]) -> None:
    iso = _mappings(graphs[ISO_GRAPH])
    eu = _mappings(graphs[EU_GRAPH])
    # No Gap with one target: the target satisfies the AICM control -> AICM subset target
    m = iso[(AICM + "LOG-02", ISO + "A.6.2.8")]
    assert (m["relation"], m["strength"], m["verdict"], m["comment"]) == ("subset", 8, "No Gap", "CSA verdict: No Gap")
    assert eu[(AICM + "AIS-05", EU + "art9.2")]["relation"] == "subset"
    # Partial Gap -> intersects 5; Annex B guidance resolves to its Annex A control
    m = iso[(AICM + "AIS-05", ISO + "A.6.2.4")]
    assert (m["relation"], m["strength"], m["verdict"]) == ("intersects", 5, "Partial Gap")
    assert m["comment"].startswith("CSA verdict: Partial Gap")
    assert "'B.6.2.4', resolved to A.6.2.4" in m["comment"]
    # Full Gap -> not-related 1
    m = eu[(AICM + "MDS-01", EU + "art16.a")]
    assert (m["relation"], m["strength"], m["verdict"]) == ("not-related", 1, "Full Gap")
    assert eu[(AICM + "DSP-07", EU + "anx4")]["relation"] == "not-related"
    # No Gap for several targets together (or with a 27001 control): no single one is known to cover it
    for key in ((AICM + "MDS-01", ISO + "6.1.2"), (AICM + "MDS-01", ISO + "A.6.2.4"), (AICM + "A&A-01", ISO + "9.2.1")):
        assert (iso[key]["relation"], iso[key]["strength"], iso[key]["verdict"]) == ("intersects", 8, "No Gap")
    # EU AI Act references resolve to the most specific node the catalog has
    assert "resolved to 26(1)" in eu[(AICM + "A&A-01", EU + "art26.1")]["comment"]
    assert {(AICM + "LOG-02", EU + "art12"), (AICM + "LOG-02", EU + "art12.1")} <= set(eu)
    for m in [*iso.values(), *eu.values()]:
        assert m["status"] == "approved"
        assert m["author"] == "CSA"
        assert m["rationale"] == "semantic"
        assert m["justification"] == "https://w3id.org/semapv/vocab/ManualMappingCuration"
    assert {m["source"] for m in iso.values()} == {"CSA AICM 1.1.0 mapping to ISO/IEC 42001"}
    assert {m["source"] for m in eu.values()} == {"CSA AICM 1.1.0 mapping to EU AI Act"}
    assert len(iso) == 6
    assert len(eu) == 6


def test_mapping_set_metadata(graphs: dict[str, list[TripleTuple]]) -> None:
    triples = {(s.value, p.value, o.value) for s, p, o in graphs[ISO_GRAPH]}
    sets = {s for s, p, o in triples if o == GS + "MappingSet"}
    assert len(sets) == 1
    (s,) = sets
    props = {p: o for s2, p, o in triples if s2 == s}
    assert props[DCTERMS + "license"] == "CSA licence: the user's own copy"
    assert props[DCTERMS + "source"] == "CSA AI Controls Matrix 1.1.0, mapping column"
    assert "1.1.0" in props[DCTERMS + "title"]
    assert all(o == s for s2, p, o in triples if p == GS + "mappingSet")


# --- errors -------------------------------------------------------------------------------------


def _edit_copy(tmp_path: Path, edits: dict[tuple[str, str], Any]) -> Path:
    wb = openpyxl.load_workbook(XLSX)
    for (sheet, cell), value in edits.items():
        wb[sheet][cell] = value
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return path


def test_unknown_control_id(tmp_path: Path, catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    path = _edit_copy(tmp_path, {("AICM - Version 1.1", "C8"): "MDS-99"})
    imp = read_aicm(path)
    with pytest.raises(DataLoadError) as err:
        import_graphs(imp, *catalogs)
    message = str(err.value)
    assert f"{path}:AICM - Version 1.1:8" in message
    assert "column C ('Control ID')" in message
    assert "'MDS-99'" in message


def test_unknown_control_id_in_mapping_sheet(tmp_path: Path, catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    path = _edit_copy(tmp_path, {("Scope Applicability (Mappings)", "C6"): "AIS-99"})
    with pytest.raises(DataLoadError, match=r"Scope Applicability \(Mappings\):6: column C \('Control ID'\)"):
        import_graphs(read_aicm(path), *catalogs)


def test_unresolvable_target(tmp_path: Path, catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    path = _edit_copy(tmp_path, {("Scope Applicability (Mappings)", "K7"): "Article 12\nArticle 999"})
    with pytest.raises(DataLoadError) as err:
        import_graphs(read_aicm(path), *catalogs)
    message = str(err.value)
    assert f"{path}:Scope Applicability (Mappings):7" in message
    assert "column K ('Control Mapping')" in message
    assert "'Article 999'" in message
    path = _edit_copy(tmp_path, {("Scope Applicability (Mappings)", "E9"): "42001: Z.9"})
    with pytest.raises(DataLoadError, match=r"Mappings\):9: column E .*'Z\.9'"):
        import_graphs(read_aicm(path), *catalogs)


def test_bad_gap_level(tmp_path: Path) -> None:
    path = _edit_copy(tmp_path, {("Scope Applicability (Mappings)", "F6"): "Some Gap"})
    with pytest.raises(
        DataLoadError, match=r"Mappings\):6: column F \('Gap Level'\): 'Some Gap' is not a CSA gap level"
    ):
        read_aicm(path)
    path = _edit_copy(tmp_path, {("Scope Applicability (Mappings)", "F6"): None})
    with pytest.raises(DataLoadError, match="no gap level for control AIS-05"):
        read_aicm(path)


def test_malformed_and_repeated_ids(tmp_path: Path) -> None:
    path = _edit_copy(tmp_path, {("AICM - Version 1.1", "C6"): "AIS 5"})
    with pytest.raises(DataLoadError, match=r"Version 1\.1:6: column C \('Control ID'\): 'AIS 5' is not an AICM"):
        read_aicm(path)
    path = _edit_copy(tmp_path, {("AICM - Version 1.1", "C6"): "A&A-01"})
    with pytest.raises(DataLoadError, match="control A&A-01 repeats"):
        read_aicm(path)


def test_stix_unknown_target(tmp_path: Path, catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    bundle = json.loads(STIX.read_text(encoding="utf-8"))
    for obj in bundle["objects"]:
        if obj.get("clause_identifier") == "art-16.a":
            obj["clause_identifier"] = "art-77.3"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"bundle\.json:objects:\d+: column target_refs\[0\]: .*'art-77\.3'"):
        import_graphs(read_aicm(path), *catalogs)


def test_stix_several_versions(tmp_path: Path) -> None:
    bundle = json.loads(STIX.read_text(encoding="utf-8"))
    old = next(o for o in bundle["objects"] if o.get("control_identifier") == "MDS-01" and o["framework"] == "aicm")
    old = {**old, "id": "x-control--00000000-0000-4000-8000-000000000103", "framework_version": "1.0.3"}
    old["external_references"] = []
    bundle["objects"].append(old)
    path = tmp_path / "two-versions.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(DataLoadError, match=re.escape("the bundle has AICM 1.0.3, 1.1.0; give the version")):
        read_aicm(path)
    assert len(read_aicm(path, "1.1.0").controls) == 6
    assert [c.id for c in read_aicm(path, "1.0.3").controls] == ["MDS-01"]


@pytest.mark.parametrize("refs", [3, "secid:control/cloudsecurityalliance.org/aicm#MDS-01", {"external_id": "x"}])
def test_stix_external_references_that_are_not_a_list_are_named(tmp_path: Path, refs: Any) -> None:
    """A control object whose external_references is not a list is refused with the file and the
    object's place in the bundle, not a Python TypeError."""
    bundle = json.loads(STIX.read_text(encoding="utf-8"))
    index, obj = next((i, o) for i, o in enumerate(bundle["objects"]) if o.get("type") == "x-control")
    obj["external_references"] = refs
    path = tmp_path / "odd-refs.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    with pytest.raises(DataLoadError, match=rf"odd-refs\.json:objects:{index}: external_references must be a list"):
        read_aicm(path)


def test_version_mismatch_with_catalog(catalogs: tuple[Catalog, dict[str, Catalog]], xlsx_import: AicmImport) -> None:
    old = AicmImport(version="1.0.3", controls=xlsx_import.controls, mapping_rows=[], path=XLSX)
    with pytest.raises(DataLoadError, match=re.escape("AICM 1.0.3, but catalog aicm-1.1.0 is AICM 1.1.0")):
        import_graphs(old, *catalogs)


# --- versions -----------------------------------------------------------------------------------


def test_version_sources(tmp_path: Path) -> None:
    plain = fixtures.write_xlsx(tmp_path / "plain.xlsx", version_json=False, title="Synthetic workbook")
    wb = openpyxl.load_workbook(plain)
    wb["AICM - Version 1.1"].title = "Controls"
    wb.save(plain)
    with pytest.raises(DataLoadError, match="does not say which AICM version"):
        read_aicm(plain)
    assert read_aicm(plain, "1.1.0").version == "1.1.0"
    partial = fixtures.write_xlsx(tmp_path / "partial.xlsx", version_json=False)  # "AI CONTROLS MATRIX v1.1"
    with pytest.raises(DataLoadError, match=re.escape("only says AICM 1.1; give the exact version")):
        read_aicm(partial)
    assert read_aicm(partial, "1.1.1").version == "1.1.1"
    with pytest.raises(DataLoadError, match=re.escape("the file is AICM 1.1, but version 1.0.3 was given")):
        read_aicm(partial, "1.0.3")
    with pytest.raises(DataLoadError, match=re.escape("the file is AICM 1.1.0, but version 1.0.3 was given")):
        read_aicm(XLSX, "1.0.3")
    with pytest.raises(DataLoadError, match="not of the form"):
        read_aicm(XLSX, "v1.1")


# --- header variations --------------------------------------------------------------------------


def _variant_workbook(path: Path) -> Path:
    """Controls and mappings on one sheet, header on row 7, shuffled columns, odd header spelling,
    no group headers (layers and frameworks named in the headers themselves)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A2"] = "AI Controls Matrix (AICM) v1.1.0, synthetic export"
    headers = [
        "  CONTROL\nID ",
        "control   specification",
        "Control\r\nTitle",
        "MODEL",
        "Orchestrated\nServices",
        "Application",
        "GenAI OPS/Processing Infrastructure (PI)",
        "control domain:",
        "ISO/IEC 42001\nControl Mapping",
        "ISO/IEC 42001 GAP LEVEL",
        "EU AI Act Control Mapping",
        "EU AI Act\nGap Level",
        "NIST AI 600-1 Control Mapping",
        "NIST AI 600-1 Gap Level",
    ]
    for col, h in enumerate(headers, start=1):
        ws.cell(row=7, column=col, value=h)
    r = 8
    for c in fixtures.CONTROLS:
        pi, model, osp, app = c["ownership"]
        iso_text, iso_gap = fixtures.MAPPINGS[c["id"]]["iso"]
        eu_text, eu_gap = fixtures.MAPPINGS[c["id"]]["euaia"]
        values = [c["id"], c["spec"], c["title"], model, osp, app, pi, c["domain"]]
        values += [iso_text, iso_gap, eu_text, eu_gap, "Synthetic", "No Gap"]
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value or None)
        r += 1
        ws.cell(row=r, column=1, value="Synthetic separator row")  # no title/specification: skipped
        r += 1
    wb.save(path)
    return path


def test_header_variations(
    tmp_path: Path,
    xlsx_import: AicmImport,
    catalogs: tuple[Catalog, dict[str, Catalog]],
    graphs: dict[str, list[TripleTuple]],
) -> None:
    imp = read_aicm(_variant_workbook(tmp_path / "variant.xlsx"))
    assert imp.version == "1.1.0"
    assert _controls(imp) == _controls(xlsx_import)
    key = [(r.control_id, r.framework, r.target_notation, r.gap) for r in xlsx_import.mapping_rows]
    assert sorted((r.control_id, r.framework, r.target_notation, r.gap) for r in imp.mapping_rows) == sorted(key)
    variant_graphs = import_graphs(imp, *catalogs)
    assert _relations(variant_graphs[ISO_GRAPH]) == _relations(graphs[ISO_GRAPH])
    assert _relations(variant_graphs[EU_GRAPH]) == _relations(graphs[EU_GRAPH])


def test_group_headers_span(tmp_path: Path) -> None:
    """A merged group header covers its cells only; an unmerged one runs to the next label."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, None, None, None, "Typical Control Applicability and Ownership", None, None, None, None])
    ws.merge_cells("E1:H1")
    ws.append(["Control Domain", "Control Title", "Control ID", "Control Specification", "PI", "Model"])
    ws["G2"], ws["H2"], ws["I2"] = "Orchestrated Services", "Application", "Notes"
    ws.append(["Model Security", "Synthetic", "MDS-01", "Synthetic", "CSP-Owned", "MP-Owned", None, "AP-Owned", "n"])
    unmerged = wb.create_sheet("Unmerged")
    unmerged.append([None, None, None, "Typical Control Applicability and Ownership", None, "Lifecycle Relevance"])
    unmerged.append(["Control ID", "Control Title", "Control Specification", "GenAI OPS", "Model", "Model"])
    unmerged.append(["MDS-01", "Synthetic", "Synthetic", "Shared CSP-MP", "MP-Owned", "Development note"])
    for sheet in (ws, unmerged):
        only = openpyxl.Workbook()
        copy = only.active
        for row in sheet.iter_rows(values_only=True):
            copy.append(row)
        for rng in sheet.merged_cells.ranges:
            copy.merge_cells(str(rng))
        path = tmp_path / f"{sheet.title}.xlsx"
        only.save(path)
        (control,) = read_aicm(path, "1.1.0").controls
        assert "notes" not in control.ownership
        assert control.ownership["model"] == "MP-Owned"
        assert set(control.ownership) <= {"processing-infrastructure", "model", "orchestrated-services", "application"}


def test_committed_fixtures_are_current(tmp_path: Path, xlsx_import: AicmImport) -> None:
    fresh = read_aicm(fixtures.write_xlsx(tmp_path / "fresh.xlsx"))
    assert _controls(fresh) == _controls(xlsx_import)
    assert [(r.control_id, r.target_notation, r.verdict) for r in fresh.mapping_rows] == [
        (r.control_id, r.target_notation, r.verdict) for r in xlsx_import.mapping_rows
    ]
    assert json.loads(STIX.read_text(encoding="utf-8"))["objects"] == fixtures.stix_objects()
    # synthetic text only: every title and specification is a placeholder
    assert all("ynthetic" in c.title and "Placeholder" in c.specification for c in xlsx_import.controls)


# --- target notations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Article 12", ("article", "12", [])),
        ("Art. 12", ("article", "12", [])),
        ("Art 9(2)", ("article", "9", ["2"])),
        ("Article 26(1)(a)", ("article", "26", ["1", "a"])),
        ("Article 26 (1) (a)", ("article", "26", ["1", "a"])),
        ("art-10.2.f", ("article", "10", ["2", "f"])),
        ("EU AI Act: Article 10 paragraph 2, point (f)", ("article", "10", ["2", "f"])),
        ("9(2)", ("article", "9", ["2"])),
        ("Annex IV", ("annex", "IV", [])),
        ("annex-III(4)(a)", ("annex", "III", ["4", "a"])),
        ("Article 12 Record-keeping", ("article", "12", [])),
        ("Recital 27", None),
    ],
)
def test_parse_eu_reference(text: str, expected: tuple[str, str, list[str]] | None) -> None:
    assert parse_eu_reference(text) == expected


def test_split_targets() -> None:
    assert split_targets("iso42001", "42001: B.6.2.4\n27001: A.8.29\n27001: A.8.26") == (
        ["B.6.2.4"],
        ["27001: A.8.29", "27001: A.8.26"],
    )
    assert split_targets("iso42001", "ISO/IEC 42001:2023 A.6.2.8; 6.1.2") == (["A.6.2.8", "6.1.2"], [])
    assert split_targets("euaia", "Articles 9 and 10") == (["Articles 9", "10"], [])
    assert split_targets("euaia", "Article 10(2)(f), (g)")[0] == ["Article 10(2)(f)", "Article 10(2)(g)"]
    assert split_targets("euaia", "N/A") == ([], [])


def test_resolve_target(catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    _, targets = catalogs
    iso, eu = targets["iso42001"], targets["euaia"]

    def hit(fw: str, text: str) -> tuple[str, bool] | None:
        found = resolve_target(fw, text, iso if fw == "iso42001" else eu)
        return (found[0].notation, found[1]) if found else None

    assert hit("iso42001", "A.6.2.8") == ("A.6.2.8", True)
    assert hit("iso42001", "Clause 6.1.2") == ("6.1.2", True)
    assert hit("iso42001", "B.6.2.8") == ("A.6.2.8", False)
    assert hit("iso42001", "A.99.1") is None
    assert hit("euaia", "Art. 12") == ("Article 12", True)
    assert hit("euaia", "Art 9(2)") == ("9(2)", True)
    assert hit("euaia", "Article 9(2)(a)") == ("9(2)(a)", True)
    assert hit("euaia", "Article 26(1)(a)") == ("26(1)", False)
    assert hit("euaia", "Article 12(3)") == ("Article 12", False)
    assert hit("euaia", "Annex IV(2)") == ("Annex IV", False)
    assert hit("euaia", "Article 999") is None


def test_against_full_euaia_catalog(xlsx_import: AicmImport, catalogs: tuple[Catalog, dict[str, Catalog]]) -> None:
    """The fixture's EU AI Act targets also resolve against the shipped catalog, when it is there."""
    path = ROOT / "mappings" / "catalogs" / "euaia-2024-1689"
    if not (path / "requirements.csv").exists():
        pytest.skip("the EU AI Act catalog is not in the tree yet")
    aicm, targets = catalogs
    full = load_catalog(path)
    graphs = import_graphs(xlsx_import, aicm, {**targets, "euaia": full})
    objects = {o for _, o in _mappings(graphs[EU_GRAPH])}
    assert {EU + "art9.2", EU + "art12", EU + "art26.1", EU + "anx4"} <= objects
