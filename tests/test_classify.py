"""EU AI Act categories of AI systems, inferred by HermiT from the defined classes."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import owlready2
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV

from graphsvc.domain.classify import (
    ACTIVITY,
    BOOLEAN_FACTS,
    Inference,
    classify_systems,
    defining_axioms,
    inferred_triples,
)
from graphsvc.errors import ReasonerError

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "graphsvc.ttl"
GS = Namespace("https://w3id.org/graphsvc/ontology#")
SYS = Namespace("https://w3id.org/graphsvc/id/system/test/")
EUAIA = Namespace("https://w3id.org/graphsvc/req/euaia-2024-1689/")


def add_system(graph: Graph, name: str, *, area: URIRef | None = None, **flags: bool) -> URIRef:
    """An AI system with every flag recorded (false unless given), as the importer writes them."""
    system = SYS[name]
    graph.add((system, RDF.type, GS.AISystem))
    if area is not None:
        graph.add((system, GS.annexIIIArea, area))
    for prop in BOOLEAN_FACTS:
        local = str(prop).rsplit("#", 1)[-1]
        graph.add((system, prop, Literal(flags.pop(local, False))))
    assert not flags, f"unknown flags {flags}"
    return system


@pytest.fixture(scope="module")
def classified() -> dict[str, set[str]]:
    """One HermiT run over every scenario; system local name -> defined class local names."""
    data = Graph()
    add_system(data, "hiring-screen", area=EUAIA["anx3.4"])
    add_system(data, "hiring-screen-art63", area=EUAIA["anx3.4"], art63ExemptionClaimed=True)
    add_system(data, "chatbot", interactsWithPersons=True)
    add_system(data, "frontier-model", isGPAIModel=True, hasSystemicRisk=True, generatesSyntheticContent=True)
    add_system(data, "small-model", isGPAIModel=True)
    add_system(data, "braking-assist", safetyComponentOfAnnexIProduct=True)
    add_system(data, "social-scoring", performsProhibitedPractice=True)
    add_system(data, "spam-filter")
    # Facts of other kinds, and things that are not AI systems, are ignored.
    data.add((SYS["spam-filter"], GS.intendedPurpose, Literal("Filters e-mail.")))
    data.add((SYS["not-a-system"], GS.isGPAIModel, Literal(True)))
    out: dict[str, set[str]] = {}
    for inference in classify_systems(data, ONTOLOGY):
        system = inference.system.rsplit("/", 1)[-1]
        out.setdefault(system, set()).add(inference.category_class.rsplit("#", 1)[-1])
    return out


def test_annex_iii_area_makes_a_system_high_risk(classified: dict[str, set[str]]) -> None:
    assert classified["hiring-screen"] == {"HighRiskAnnexIIISystem"}


def test_article_6_3_exemption_keeps_an_annex_iii_system_out_of_high_risk(classified: dict[str, set[str]]) -> None:
    assert "hiring-screen-art63" not in classified


def test_chatbot_is_only_transparency_relevant(classified: dict[str, set[str]]) -> None:
    assert classified["chatbot"] == {"TransparencyRelevantSystem"}


def test_gpai_with_systemic_risk_is_in_both_gpai_classes(classified: dict[str, set[str]]) -> None:
    assert classified["frontier-model"] == {"GPAIModel", "GPAIModelWithSystemicRisk", "TransparencyRelevantSystem"}
    assert classified["small-model"] == {"GPAIModel"}


def test_safety_component_is_high_risk_under_annex_i(classified: dict[str, set[str]]) -> None:
    assert classified["braking-assist"] == {"HighRiskAnnexISystem"}


def test_prohibited_practice(classified: dict[str, set[str]]) -> None:
    assert classified["social-scoring"] == {"ProhibitedPracticeSystem"}


def test_minimal_risk_system_and_non_systems_get_nothing(classified: dict[str, set[str]]) -> None:
    assert "spam-filter" not in classified
    assert "not-a-system" not in classified


def test_results_are_sorted_and_carry_the_axiom() -> None:
    data = Graph()
    add_system(data, "b-chatbot", interactsWithPersons=True)
    add_system(data, "a-model", isGPAIModel=True, hasSystemicRisk=True)
    result = classify_systems(data, ONTOLOGY)
    assert result == sorted(result, key=lambda i: (i.system, i.category_class))
    assert [i.system.rsplit("/", 1)[-1] for i in result] == ["a-model", "a-model", "b-chatbot"]
    by_class = {i.category_class.rsplit("#", 1)[-1]: i.axiom for i in result}
    assert by_class["GPAIModelWithSystemicRisk"] == "GPAIModelWithSystemicRisk ≡ GPAIModel ⊓ hasSystemicRisk = true"
    assert by_class["TransparencyRelevantSystem"] == (
        "TransparencyRelevantSystem ≡ AISystem ⊓ (interactsWithPersons = true ⊔ generatesSyntheticContent = true"
        " ⊔ emotionRecognitionOrBiometricCategorisation = true)"
    )


def test_defining_axioms_render_every_defined_class() -> None:
    axioms = defining_axioms(Graph().parse(ONTOLOGY))
    assert {k.rsplit("#", 1)[-1] for k in axioms} == {
        "HighRiskAnnexIIISystem",
        "HighRiskAnnexISystem",
        "TransparencyRelevantSystem",
        "ProhibitedPracticeSystem",
        "GPAIModel",
        "GPAIModelWithSystemicRisk",
    }
    assert axioms[str(GS.HighRiskAnnexIIISystem)] == (
        "HighRiskAnnexIIISystem ≡ AISystem ⊓ ∃annexIIIArea ⊓ art63ExemptionClaimed = false"
    )
    assert axioms[str(GS.HighRiskAnnexISystem)] == (
        "HighRiskAnnexISystem ≡ AISystem ⊓ safetyComponentOfAnnexIProduct = true"
    )


def test_no_systems_means_no_inferences() -> None:
    assert classify_systems(Graph(), ONTOLOGY) == []


def test_inferred_triples_reify_each_type_with_its_axiom_and_activity() -> None:
    inference = Inference(
        system=str(SYS["chatbot"]),
        category_class=str(GS.TransparencyRelevantSystem),
        axiom="TransparencyRelevantSystem ≡ ...",
    )
    graph = Graph()
    for triple in inferred_triples([inference]):
        graph.add(triple)
    system, category = URIRef(inference.system), URIRef(inference.category_class)
    digest = hashlib.sha1((inference.system + inference.category_class).encode()).hexdigest()
    node = URIRef(f"https://w3id.org/graphsvc/id/inference/{digest}")
    assert (system, RDF.type, category) in graph
    assert (node, RDF.type, RDF.Statement) in graph
    assert (node, RDF.subject, system) in graph
    assert (node, RDF.predicate, RDF.type) in graph
    assert (node, RDF.object, category) in graph
    assert (node, GS.axiom, Literal(inference.axiom)) in graph
    assert (node, PROV.wasGeneratedBy, ACTIVITY) in graph
    assert (ACTIVITY, RDF.type, GS.HermiTClassification) in graph
    assert inferred_triples([]) == []


def test_conflicting_flag_values_are_refused_before_reasoning() -> None:
    data = Graph()
    system = add_system(data, "confused", isGPAIModel=True)
    data.add((system, GS.isGPAIModel, Literal(False)))
    with pytest.raises(ReasonerError, match="isGPAIModel"):
        classify_systems(data, ONTOLOGY)


def test_missing_java_raises_reasoner_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/bin/java")
    data = Graph()
    add_system(data, "chatbot", interactsWithPersons=True)
    with pytest.raises(ReasonerError, match="Java"):
        classify_systems(data, ONTOLOGY)


def test_inconsistent_ontology_raises_reasoner_error_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        ONTOLOGY.read_text(encoding="utf-8") + "\n<https://w3id.org/graphsvc/id/both> a gs:Control , gs:Evidence .\n",
        encoding="utf-8",
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    data = Graph()
    add_system(data, "chatbot", interactsWithPersons=True)
    with pytest.raises(ReasonerError, match="inconsistent"):
        classify_systems(data, broken)
    assert list(scratch.iterdir()) == []


def test_unreadable_ontology_raises_reasoner_error(tmp_path: Path) -> None:
    with pytest.raises(ReasonerError, match="cannot read"):
        classify_systems(Graph(), tmp_path / "missing.ttl")
