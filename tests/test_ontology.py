"""ontology/graphsvc.ttl under HermiT (owlready2): consistent, no unsatisfiable class, and a
deliberately broken copy is caught, so these tests can fail.

owlready2 does not read Turtle, so rdflib converts the file to N-Triples in memory first.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "graphsvc.ttl"
ONTOLOGY_IRI = "https://w3id.org/graphsvc/ontology"
GS = Namespace(ONTOLOGY_IRI + "#")

DEFINED_CLASSES = [
    "HighRiskAnnexIIISystem",
    "HighRiskAnnexISystem",
    "TransparencyRelevantSystem",
    "ProhibitedPracticeSystem",
    "GPAIModel",
    "GPAIModelWithSystemicRisk",
]


@pytest.fixture(autouse=True)
def _private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """owlready2 leaves its HermiT input file behind when HermiT fails; keep it in tmp_path."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield


def load(extra_turtle: str = "") -> owlready2.World:
    graph = Graph().parse(ONTOLOGY, format="turtle")
    if extra_turtle:
        graph.parse(data=f"@prefix gs: <{GS}> .\n{extra_turtle}", format="turtle")
    world = owlready2.World()
    payload = graph.serialize(format="nt", encoding="utf-8")
    world.get_ontology(ONTOLOGY_IRI).load(fileobj=io.BytesIO(payload), format="ntriples")
    return world


def reason(world: owlready2.World) -> None:
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)


def unsatisfiable(world: owlready2.World) -> list[str]:
    """Named classes HermiT found equivalent to owl:Nothing (owl:Nothing itself left out)."""
    return sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))


def test_ontology_parses_and_declares_the_contract() -> None:
    graph = Graph().parse(ONTOLOGY, format="turtle")
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert not list(graph.objects(URIRef(ONTOLOGY_IRI), OWL.imports)), "no network imports"
    for name in [
        "Framework",
        "Requirement",
        "Obligation",
        "Mapping",
        "SetRelation",
        "OperatorRole",
        "RiskCategory",
        "ApplicationDate",
        "DateLayer",
        "Organisation",
        "AISystem",
        "Control",
        "Evidence",
        "Assurance",
        "Certificate",
        "Attestation",
        "SoAExclusion",
        "Audit",
        "CertificationBody",
        "AccreditationBody",
        "HermiTClassification",
        *DEFINED_CLASSES,
    ]:
        assert (GS[name], RDF.type, OWL.Class) in graph, name
    for rel in ["equal", "subset", "superset", "intersects", "not-related"]:
        assert (GS[f"rel-{rel}"], RDF.type, GS.SetRelation) in graph
    assert (GS["rel-subset"], GS.inverse, GS["rel-superset"]) in graph
    for role in [
        "provider",
        "deployer",
        "importer",
        "distributor",
        "authorised-representative",
        "product-manufacturer",
        "gpai-provider",
    ]:
        assert (GS[f"role-{role}"], RDF.type, GS.OperatorRole) in graph
    for cat in [
        "all",
        "prohibited",
        "high-risk-annex-iii",
        "high-risk-annex-i",
        "transparency",
        "gpai",
        "gpai-systemic",
    ]:
        assert graph.value(GS[f"cat-{cat}"], GS.categoryClass) is not None, cat


def test_every_project_term_has_label_and_comment() -> None:
    graph = Graph().parse(ONTOLOGY, format="turtle")
    terms = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(GS))}
    assert len(terms) > 80
    for term in terms:
        assert graph.value(term, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert graph.value(term, RDFS.comment) is not None, f"{term} has no rdfs:comment"


def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable() -> None:
    world = load()
    try:
        reason(world)  # raises OwlReadyInconsistentOntologyError if inconsistent
        assert unsatisfiable(world) == []
        nothing = world["http://www.w3.org/2002/07/owl#Nothing"]
        for name in DEFINED_CLASSES:
            cls = world[str(GS[name])]
            assert cls is not None, name
            assert nothing not in cls.equivalent_to, f"{name} is unsatisfiable"
        # the defined classes sit where they should in the inferred hierarchy
        assert world[str(GS.GPAIModel)] in world[str(GS.GPAIModelWithSystemicRisk)].ancestors()
        assert world[str(GS.AISystem)] in world[str(GS.HighRiskAnnexIIISystem)].ancestors()
    finally:
        world.close()


def test_a_contradictory_individual_makes_hermit_report_inconsistency() -> None:
    # Controls and evidence are disjoint, and flags are functional xsd:boolean properties.
    world = load(
        """
        <https://w3id.org/graphsvc/id/thing> a gs:Control , gs:Evidence .
        """
    )
    try:
        with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
            reason(world)
    finally:
        world.close()


def test_two_values_for_one_flag_are_inconsistent() -> None:
    world = load(
        """
        <https://w3id.org/graphsvc/id/system> a gs:AISystem ;
            gs:isGPAIModel true , false .
        """
    )
    try:
        with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
            reason(world)
    finally:
        world.close()


def test_an_unsatisfiable_class_is_reported() -> None:
    world = load(
        """
        gs:Broken a <http://www.w3.org/2002/07/owl#Class> ;
            <http://www.w3.org/2000/01/rdf-schema#subClassOf> gs:Control , gs:Mapping .
        """
    )
    try:
        reason(world)
        assert unsatisfiable(world) == [str(GS.Broken)]
    finally:
        world.close()
