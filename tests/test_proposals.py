"""The lexical matcher and proposals: ranking, justification, never stronger than intersects, SSSOM output."""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

from graphsvc.config import PROJECT_ROOT
from graphsvc.domain.proposals import Item, LexicalMatcher, fold, proposal_id, propose, sssom_tsv
from graphsvc.errors import QueryParameterError, UnknownTerm

TARGETS = [
    Item(
        "urn:t:log",
        "T1 Record keeping",
        "Record keeping. The system automatically records events (logs) over its lifetime.",
    ),
    Item("urn:t:human", "T2 Human oversight", "Human oversight. People can oversee, interpret and stop the system."),
    Item(
        "urn:t:data",
        "T3 Data governance",
        "Data governance. Training data are relevant, representative and free of errors.",
    ),
]


def test_the_matcher_ranks_the_item_that_shares_the_rare_words_first() -> None:
    sources = [
        Item("urn:s:1", "S1", "Keep event logs of every request and record who stopped the system."),
        Item("urn:s:2", "S2", "Check training data for errors and make sure the data are representative."),
    ]
    props = LexicalMatcher(TARGETS, sources).rank(top=2)
    first = {p.subject.iri: p for p in props if p.rank == 1}
    assert first["urn:s:1"].object.iri == "urn:t:log"
    assert first["urn:s:2"].object.iri == "urn:t:data"
    assert "logs" in first["urn:s:1"].matched or "log" in " ".join(first["urn:s:1"].matched)
    assert all(p.relation == "intersects" and 1 <= p.strength <= 5 and 0 < p.confidence <= 1 for p in props)
    assert [p.rank for p in props if p.subject.iri == "urn:s:1"] == [1, 2]


def test_excluded_pairs_and_unrelated_texts_are_never_proposed() -> None:
    sources = [Item("urn:s:1", "S1", "Keep event logs."), Item("urn:s:x", "SX", "Quarterly canteen menu tasting.")]
    props = LexicalMatcher(TARGETS, sources).rank(top=3, exclude={("urn:s:1", "urn:t:log")})
    assert ("urn:s:1", "urn:t:log") not in {(p.subject.iri, p.object.iri) for p in props}
    assert not [p for p in props if p.subject.iri == "urn:s:x"], "no shared word, no proposal"


def test_folding_and_ids() -> None:
    assert fold("records") == fold("recorded") == fold("recording") == "record"
    assert fold("process") == "process"
    assert proposal_id("urn:a", "urn:b").startswith("p-") and len(proposal_id("urn:a", "urn:b")) == 14


@pytest.mark.shipped
def test_framework_proposals_from_the_shipped_catalogs(service: Any) -> None:
    props = propose(service, "euaia", source="nistairmf", top=3)
    by_subject: dict[str, list[Any]] = {}
    for p in props:
        by_subject.setdefault(p.subject.curie, []).append(p)
    assert len(by_subject) > 50 and all(len(v) <= 3 for v in by_subject.values())
    assert all(p.object.framework == "euaia" and p.object.kind not in {"chapter", "section", "annex"} for p in props)
    with pytest.raises(QueryParameterError):
        propose(service, "euaia", source="euaia")
    with pytest.raises(QueryParameterError):
        propose(service, "euaia")
    with pytest.raises(UnknownTerm):
        propose(service, "nope", source="nistairmf")
    with pytest.raises(UnknownTerm):
        propose(service, "euaia", controls="nobody")


@pytest.mark.shipped
def test_sssom_output_validates_with_the_sssom_package(service: Any, tmp_path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    props = propose(service, "iso42001", source="nistairmf", top=2)
    path = tmp_path / "proposed.sssom.tsv"
    path.write_text(sssom_tsv(props, title="test", set_id="https://w3id.org/graphsvc/id/mappingset/proposed/test"))
    rows = list(csv.DictReader([ln for ln in path.read_text().splitlines() if not ln.startswith("#")], delimiter="\t"))
    assert len(rows) == len(props) and {r["predicate_id"] for r in rows} == {"skos:relatedMatch"}
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        msdf = parse_sssom_table(str(path))
        reports = validate(msdf, fail_on_error=True)
    finally:
        root.setLevel(level)
    assert all(not r.results for r in reports.values())
    assert len(msdf.df) == len(props)


#: Floors well below what bench/proposals.py measures on the shipped sets (README, "Proposed
#: mappings"), so a rewrite of a set does not trip them but a broken matcher does.
FLOORS = {"p1": 0.08, "p5": 0.05, "r10": 0.20}


@pytest.mark.slow
@pytest.mark.shipped
def test_proposal_quality_on_every_shipped_set_stays_above_its_floor() -> None:
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    import proposals as bench

    from graphsvc.config import load_settings

    scores = bench.run(load_settings(environ={}))
    assert {s.key for s in scores} == {
        p.name.removesuffix(".sssom.tsv") for p in (PROJECT_ROOT / "mappings" / "sssom").glob("*.sssom.tsv")
    }
    for s in scores:
        assert s.p1 >= FLOORS["p1"] and s.p5 >= FLOORS["p5"] and s.r10 >= FLOORS["r10"], s
        assert s.p1 > 5 * s.random1, f"{s.key}: no better than chance"


@pytest.mark.shipped
def test_imported_licensed_text_is_read_by_the_matcher(built_settings: Any, tmp_path: Path) -> None:
    import shutil

    from graphsvc.config import load_settings
    from graphsvc.domain.proposals import framework_items
    from graphsvc.imports.aicm import import_aicm
    from graphsvc.service import GraphService

    shutil.copytree(built_settings.data_path, tmp_path / "data", symlinks=True)
    svc = GraphService.from_settings(
        load_settings(environ={}, overrides={"data_dir": str(tmp_path / "data")}), read_only=False
    )
    try:
        before = {i.iri: i.text for i in framework_items(svc, "aicm")}
        # the shipped AICM catalog has IDs and domain names only
        import_aicm(svc, PROJECT_ROOT / "tests" / "data" / "aicm" / "aicm-1.1.0-synthetic.xlsx", keep=False)
        after = {i.iri: i.text for i in framework_items(svc, "aicm")}
        longer = [iri for iri, t in after.items() if len(t) > len(before[iri]) + 20]
        assert len(longer) >= 3, "titles and specifications of the import are read"
        props = propose(svc, "iso42001", source="aicm", top=3)
        assert props and all(p.matched for p in props)
    finally:
        svc.store.close()
