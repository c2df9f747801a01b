"""Invariants of the two shipped NIST AI RMF mapping sets (nistairmf-euaia, nistairmf-iso42001).

Read straight from the files and the catalogs, independently of the loader, so that a row that
breaks the crosswalk contract of DESIGN.md ("Mapping relations", "How to write a crosswalk row")
is reported with its line even when the build itself would accept it.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import pytest
import yaml

from graphsvc.config import PROJECT_ROOT
from graphsvc.sources.mappingsets import containment_problems, parse_sssom

SSSOM_DIR = PROJECT_ROOT / "mappings" / "sssom"
CATALOGS = PROJECT_ROOT / "mappings" / "catalogs"
NIST_SETS = [SSSOM_DIR / "nistairmf-euaia.sssom.tsv", SSSOM_DIR / "nistairmf-iso42001.sssom.tsv"]
CONTAINMENT = {"equal", "subset", "superset"}
NO_TERM = "sssom:NoTermFound"
EURLEX = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_"


def rows_of(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row of an SSSOM TSV file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header_at = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    reader = csv.DictReader(lines[header_at:], delimiter="\t")
    return [(header_at + 2 + n, row) for n, row in enumerate(reader)]


def catalog(name: str) -> list[dict[str, str]]:
    with (CATALOGS / name / "requirements.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def euaia_obligations() -> dict[str, dict[str, str]]:
    """Catalog items that bind a role: what coverage reports on (graphsvc.sources.catalogs marks them Obligation)."""
    out = {r["id"]: r for r in catalog("euaia-2024-1689") if r["roles"].strip()}
    for layer in sorted((CATALOGS / "euaia-2024-1689" / "layers").glob("*.yaml")):  # items a law layer adds
        for a in yaml.safe_load(layer.read_text(encoding="utf-8")).get("add", []):
            if a.get("roles"):
                out[a["id"]] = {k: str(v) for k, v in a.items()}
    return out


def local(curie: str) -> str:
    return curie.split(":", 1)[1]


@pytest.mark.parametrize("path", NIST_SETS, ids=lambda p: p.name)
def test_every_row_has_rationale_comment_and_source(path: Path) -> None:
    missing = [
        (line, col) for line, r in rows_of(path) for col in ("rationale", "comment", "source") if not r[col].strip()
    ]
    assert not missing, f"{path.name}: empty fields at (line, column): {missing}"


@pytest.mark.parametrize("path", NIST_SETS, ids=lambda p: p.name)
def test_containment_rows_have_strength_10_and_a_written_second_review(path: Path) -> None:
    assert containment_problems(parse_sssom(path)) == []
    for line, r in rows_of(path):
        if r["set_relation"] in CONTAINMENT:
            assert f"Reviewer check ({r['reviewer_id'].strip()}" in r["comment"], f"{path.name}:{line}"


@pytest.mark.parametrize("path", NIST_SETS, ids=lambda p: p.name)
def test_each_pair_is_decided_once(path: Path) -> None:
    seen: dict[tuple[str, str], int] = {}
    repeated = []
    for line, r in rows_of(path):
        if r["subject_id"] == NO_TERM:
            continue
        pair = (r["subject_id"], r["object_id"])
        if pair in seen:
            repeated.append((seen[pair], line))
        seen.setdefault(pair, line)
    assert not repeated, f"{path.name}: the same pair on lines {repeated}"


@pytest.mark.parametrize("path", NIST_SETS, ids=lambda p: p.name)
def test_mapping_rows_cite_the_nist_subcategory(path: Path) -> None:
    bad = []
    for line, r in rows_of(path):
        if r["subject_id"] == NO_TERM:
            continue
        ref = "NIST AI RMF 1.0 " + local(r["subject_id"]).replace("-", " ")
        if ref not in r["source"]:
            bad.append(line)
    assert not bad, f"{path.name}: rows whose source does not name their subcategory: {bad}"


def test_nist_euaia_rows_target_paragraphs_and_points_and_cite_the_article() -> None:
    cat = {r["id"]: r for r in catalog("euaia-2024-1689")} | euaia_obligations()
    parents = {r["parent"] for r in cat.values()}
    bad = []
    for line, r in rows_of(SSSOM_DIR / "nistairmf-euaia.sssom.tsv"):
        item = cat.get(local(r["object_id"]))
        if item is None:
            bad.append((line, "not in the catalog"))
            continue
        too_coarse = item["kind"] in {"chapter", "section", "annex"} or (
            item["kind"] == "article" and item["notation"] in parents
        )
        if too_coarse:
            bad.append((line, f"{item['notation']} is a {item['kind']} with parts; map to the paragraph or point"))
        article = re.match(r"art(\d+)", item["id"])
        if article and EURLEX + article.group(1) not in r["source"]:
            bad.append((line, "source lacks the EUR-Lex anchor of the article"))
    assert not bad, bad


def test_every_euaia_obligation_has_a_nist_decision() -> None:
    obligations = euaia_obligations()
    mapped: set[str] = set()
    no_counterpart: list[str] = []
    for _, r in rows_of(SSSOM_DIR / "nistairmf-euaia.sssom.tsv"):
        (no_counterpart.append if r["subject_id"] == NO_TERM else mapped.add)(local(r["object_id"]))
    undecided = sorted(set(obligations) - mapped - set(no_counterpart))
    assert not undecided, f"AI Act obligations with neither a NIST AI RMF row nor a no-counterpart record: {undecided}"
    both = sorted(mapped & set(no_counterpart))
    assert not both, f"obligations with a mapping row and a no-counterpart record at once: {both}"
    repeated = sorted({o for o in no_counterpart if no_counterpart.count(o) > 1})
    assert not repeated, f"obligations with more than one no-counterpart record: {repeated}"
    stray = sorted(set(no_counterpart) - set(obligations))
    assert not stray, f"no-counterpart records for items that are not obligations: {stray}"


def test_no_counterpart_records_follow_the_fixed_format() -> None:
    obligations = euaia_obligations()
    bad = []
    for line, r in rows_of(SSSOM_DIR / "nistairmf-euaia.sssom.tsv"):
        if r["subject_id"] != NO_TERM:
            continue
        item = obligations.get(local(r["object_id"]), {})
        expect = {
            "subject_label": "",
            "predicate_id": "skos:exactMatch",
            "predicate_modifier": "",
            "mapping_justification": "semapv:ManualMappingCuration",
            "set_relation": "",
            "strength": "",
            "status": "approved",
            "object_label": item.get("title", "?"),
        }
        bad += [(line, col) for col, value in expect.items() if r[col].strip() != value]
        if r["rationale"] != r["comment"] or len(r["rationale"].split()) < 8:
            bad.append((line, "rationale and comment must both give the specific reason"))
        if not r["source"].startswith("graphsvc analysis") or EURLEX not in r["source"]:
            bad.append((line, "source"))
        if not 0 < float(r["confidence"] or 0) <= 1:
            bad.append((line, "confidence"))
    assert not bad, bad


def test_no_counterpart_reasons_are_specific() -> None:
    """A reason copied across many items says nothing about any of them."""
    reasons = [
        r["rationale"] for _, r in rows_of(SSSOM_DIR / "nistairmf-euaia.sssom.tsv") if r["subject_id"] == NO_TERM
    ]
    repeated = {text: reasons.count(text) for text in set(reasons) if reasons.count(text) > 2}
    assert not repeated, repeated


@pytest.mark.parametrize("path", NIST_SETS, ids=lambda p: p.name)
def test_nist_set_validates_with_sssom(path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # sssom logs a warning for every extension slot it drops
    try:
        msdf = parse_sssom_table(str(path))
        reports = validate(msdf, fail_on_error=False)
    finally:
        root.setLevel(level)
    assert all(not r.results for r in reports.values()), {k: r.results for k, r in reports.items()}
    assert len(msdf.df) == len(rows_of(path))
