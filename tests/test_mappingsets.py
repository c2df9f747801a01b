"""SSSOM parsing of no-counterpart rows (subject ``sssom:NoTermFound``): kept apart from
mappings, checked against the fixed format, refused with file:line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.errors import DataLoadError
from graphsvc.namespaces import FRAMEWORK, GS
from graphsvc.sources.mappingsets import parse_sssom, set_triples
from graphsvc.store.embedded import EmbeddedStore

ISO = "https://w3id.org/graphsvc/req/iso42001-2023/"
EU = "https://w3id.org/graphsvc/req/euaia-2024-1689/"
HEADER = f"""# curie_map:
#   iso42001: {ISO}
#   euaia: {EU}
#   nistairmf: https://w3id.org/graphsvc/req/nistairmf-1.0/
#   skos: http://www.w3.org/2004/02/skos/core#
#   semapv: https://w3id.org/semapv/vocab/
#   sssom: https://w3id.org/sssom/
#   graphsvc: https://w3id.org/graphsvc/id/agent/
# mapping_set_id: https://w3id.org/graphsvc/mappings/nc-test
# mapping_set_title: no-counterpart test
# mapping_set_version: 0.0.1
# license: https://creativecommons.org/licenses/by/4.0/
# creator_id: [graphsvc:team]
"""
COLUMNS = (
    "subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification\tauthor_id\t"
    "confidence\tcomment\tsource\tset_relation\tstrength\trationale\tstatus"
)
MAPPING = (
    "iso42001:A.6.2.8\tskos:relatedMatch\t\teuaia:art12.1\tsemapv:ManualMappingCuration\tgraphsvc:team\t0.8\t"
    "Both ask for event logs.\tgraphsvc analysis\tintersects\t6\tfunctional\tapproved"
)
REASON = "CE marking is a product act; a management system has nothing that performs it."
NOTHING = (
    "sssom:NoTermFound\tskos:exactMatch\t\teuaia:art48.1\tsemapv:ManualMappingCuration\tgraphsvc:team\t0.9\t"
    f"{REASON}\tgraphsvc analysis; https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_48\t\t\t{REASON}\tapproved"
)
FRAMEWORKS = {ISO: FRAMEWORK + "iso42001-2023", EU: FRAMEWORK + "euaia-2024-1689"}


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "nc.sssom.tsv"
    path.write_text(header + COLUMNS + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_no_counterpart_row_is_a_decision_not_a_mapping(tmp_path: Path) -> None:
    ms = parse_sssom(write(tmp_path, MAPPING, NOTHING), frameworks=FRAMEWORKS)
    assert [m.object for m in ms.mappings] == [EU + "art12.1"]
    [nc] = ms.no_counterparts
    assert (nc.object, nc.framework, nc.reason, nc.status) == (
        EU + "art48.1",
        FRAMEWORK + "iso42001-2023",
        REASON,
        "approved",
    )
    assert ms.origins[nc.iri].endswith("nc.sssom.tsv:16")
    store = EmbeddedStore.in_memory()
    store.replace_graphs({ms.graph: set_triples(ms)})
    kinds = {r["k"].value for r in store.select(f"SELECT ?k WHERE {{ <{nc.iri}> a ?k }}")}
    assert kinds == {GS + "NoCounterpart"}  # never a gs:Mapping, so nothing walks it
    assert not store.select(f"SELECT ?m WHERE {{ ?m <{GS}object> <{EU}art48.1> }}")


def test_subject_source_names_the_framework_without_mapping_rows(tmp_path: Path) -> None:
    header = HEADER + f"# subject_source: {FRAMEWORK}iso42001-2023\n"
    ms = parse_sssom(write(tmp_path, NOTHING, header=header))
    assert ms.no_counterparts[0].framework == FRAMEWORK + "iso42001-2023"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            NOTHING.replace("\t\t\t" + REASON, "\tintersects\t\t" + REASON),
            r"nc.sssom.tsv:16: field 'set_relation' must be empty",
        ),
        (NOTHING.replace("\t\t\t" + REASON, "\t\t3\t" + REASON), r"nc.sssom.tsv:16: field 'strength' must be empty"),
        (NOTHING.replace("skos:exactMatch\t", "skos:relatedMatch\t"), r"nc.sssom.tsv:16: field 'predicate_id'"),
        (NOTHING.replace(f"{REASON}\tgraphsvc", "\tgraphsvc"), r"nc.sssom.tsv:16: field 'comment' is empty"),
        (NOTHING.replace("euaia:art48.1", "euaia:art999"), r"nc.sssom.tsv:16: field 'object_id': euaia:art999 is not"),
    ],
)
def test_malformed_no_counterpart_row_names_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    known = {ISO + "A.6.2.8", EU + "art12.1", EU + "art48.1"}
    with pytest.raises(DataLoadError, match=message):
        parse_sssom(write(tmp_path, MAPPING, row), known=known, frameworks=FRAMEWORKS)


def test_a_mapping_and_a_no_counterpart_record_for_one_item_contradict(tmp_path: Path) -> None:
    both = NOTHING.replace("euaia:art48.1", "euaia:art12.1")
    with pytest.raises(DataLoadError, match=r"nc.sssom.tsv:16: field 'object_id'.*mapped at .*nc.sssom.tsv:15"):
        parse_sssom(write(tmp_path, MAPPING, both), frameworks=FRAMEWORKS)
    with pytest.raises(DataLoadError, match=r"nc.sssom.tsv:16: .*no-counterpart record at .*nc.sssom.tsv:15"):
        parse_sssom(write(tmp_path, both, MAPPING), frameworks=FRAMEWORKS)
    with pytest.raises(DataLoadError, match=r"nc.sssom.tsv:16: .*repeats .*nc.sssom.tsv:15"):
        parse_sssom(write(tmp_path, NOTHING, NOTHING), frameworks=FRAMEWORKS)


def test_mixed_subjects_need_subject_source(tmp_path: Path) -> None:
    nist = MAPPING.replace("iso42001:A.6.2.8", "nistairmf:MAP-1.1")
    with pytest.raises(DataLoadError, match=r"nc.sssom.tsv: no-counterpart rows need one source framework"):
        parse_sssom(write(tmp_path, MAPPING, nist, NOTHING), frameworks=FRAMEWORKS)
