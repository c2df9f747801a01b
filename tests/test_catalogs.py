"""The shipped catalogs against tests/data/reference: exact identifiers and counts."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from graphsvc.service import GraphService
from tests.conftest import REFERENCE

pytestmark = pytest.mark.shipped


def _ref(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_frameworks_list_counts(service: GraphService) -> None:
    fws = {f["id"]: f for f in service.frameworks()}
    assert set(fws) >= {"iso42001", "euaia", "nistairmf", "aicm", "starai"}
    assert fws["iso42001"]["edition"] == "2023"
    assert fws["nistairmf"]["edition"] == "1.0"
    assert fws["aicm"]["edition"] == "1.1.0"


def test_iso42001_clauses_and_annex_a(service: GraphService) -> None:
    rows = service.catalog("iso42001")
    ref = _ref("iso42001-2023.csv")
    got = {(r["notation"], r["title"], r["kind"], r["parent"]) for r in rows if r["notation"] != "Annex A"}
    want = {(r["id"], r["title"], r["kind"], r["parent"]) for r in ref}
    assert got == want
    top = [r for r in rows if r["kind"] == "clause" and not r["parent"]]
    assert [r["notation"] for r in top] == ["4", "5", "6", "7", "8", "9", "10"]
    assert sum(1 for r in rows if r["kind"] == "clause" and r["parent"]) == 36
    assert sum(1 for r in rows if r["kind"] == "annex_control") == 38
    assert sum(1 for r in rows if r["kind"] == "annex_objective" and r["parent"] == "Annex A") == 9
    assert {"6.1.1", "6.1.2", "6.1.3", "6.1.4"} <= {r["notation"] for r in rows}
    assert all(r["summary"] for r in rows), "every ISO node has a project-written summary"


def test_nist_ai_rmf(service: GraphService) -> None:
    rows = service.catalog("nistairmf")
    kinds = Counter(r["kind"] for r in rows)
    assert kinds == {"function": 4, "category": 19, "subcategory": 72}
    per_fn = Counter(r["notation"].split()[0] for r in rows if r["kind"] == "subcategory")
    assert per_fn == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert {r["notation"] for r in rows} == {r["id"] for r in _ref("nist-ai-rmf-1.0-ids.csv")}


def test_aicm_ids_without_csa_text(service: GraphService) -> None:
    rows = service.catalog("aicm")
    controls = [r for r in rows if r["kind"] == "control"]
    assert len(controls) == 247
    assert len([r for r in rows if r["kind"] == "domain"]) == 18
    assert {r["notation"] for r in controls} == {r["id"] for r in _ref("aicm-1.1.0-control-ids.csv")}
    assert all(not r["title"] and not r["summary"] for r in controls), "CSA text is never shipped"


def test_euaia_articles_annexes_and_titles(service: GraphService) -> None:
    rows = service.catalog("euaia")
    ref = _ref("eu-ai-act-articles-annexes.csv")
    # the Regulation as published; articles a later act inserts exist only in that act's law layer
    articles = {r["notation"]: r["title"] for r in rows if r["kind"] == "article" and not r["layer"]}
    annexes = {r["notation"]: r["title"] for r in rows if r["kind"] == "annex"}
    assert len(articles) == 113
    assert {r["notation"]: r["layer"] for r in rows if r["layer"] and r["kind"] == "article"} == {
        "Article 4a": "amended"
    }
    assert len(annexes) == 13
    for r in ref:
        bucket = articles if r["id"].startswith("Article") else annexes
        assert bucket[r["id"]] == r["title"], r["id"]
    assert len([r for r in rows if r["kind"] == "chapter"]) == 13


def test_euaia_obligation_nodes_present(service: GraphService) -> None:
    notations = {r["notation"] for r in service.catalog("euaia")}
    for n in [
        "16(a)",
        "16(l)",
        "26(1)",
        "26(12)",
        "50(1)",
        "50(2)",
        "14(4)(e)",
        "53(1)(a)",
        "55(1)(d)",
        "73(1)",
        "86(1)",
    ]:
        assert n in notations, n
    wanted_articles = [4, 5, 6, *range(8, 28), 43, 47, 48, 49, 50, 53, 54, 55, 72, 73, 86]
    obligations = [r for r in service.catalog_cached("euaia") if r["obligation"]]
    assert len(obligations) > 150
    for n in wanted_articles:
        art = service.resolve(f"euaia:art{n}")
        assert any(art in service.lineage(r["iri"]) for r in obligations), f"Article {n} has no obligation node"


def test_curie_and_notation_resolution(service: GraphService) -> None:
    assert service.resolve("iso42001:A.6.2.8").endswith("/iso42001-2023/A.6.2.8")
    assert service.resolve("euaia:26(1)") == service.resolve("euaia:art26.1")
    assert service.resolve("nistairmf:GOVERN 1.1") == service.resolve("nistairmf:GOVERN-1.1")
    from graphsvc.errors import UnknownTerm

    with pytest.raises(UnknownTerm, match=r"iso42001:Z\.9"):
        service.resolve("iso42001:Z.9")


def test_catalog_files_have_every_framework_metadata_field() -> None:
    import yaml

    for meta in Path(__file__).parent.parent.glob("mappings/catalogs/*/framework.yaml"):
        data = yaml.safe_load(meta.read_text())
        for key in ("title", "edition", "publisher", "license", "source"):
            assert data.get(key), f"{meta}: {key}"
