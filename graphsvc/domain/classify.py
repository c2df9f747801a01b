"""Sort AI systems into the EU AI Act categories with the HermiT OWL reasoner.

The ontology (``ontology/graphsvc.ttl``) defines each category as an OWL class that is
necessary and sufficient over a few facts of ``gs:AISystem``: the Annex III area, and yes/no
flags such as ``gs:isGPAIModel`` or ``gs:art63ExemptionClaimed``. :func:`classify_systems`
hands those facts, and nothing else about the organisation, to HermiT (through owlready2) and
reports which defined classes each system falls in, with the defining axiom as the reason.
:func:`inferred_triples` turns the answer into triples for the ``gsg:inferred`` graph, each
inferred ``rdf:type`` reified with its axiom and the classification activity (PROV-O).

Each call uses a fresh owlready2 ``World`` and closes it, so no state is kept between calls.
HermiT runs in Java: a missing ``java`` or an inconsistent ontology raises
:class:`graphsvc.errors.ReasonerError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV
from rdflib.term import BNode, Node

from graphsvc.errors import ReasonerError

if TYPE_CHECKING:
    import owlready2

__all__ = [
    "ACTIVITY",
    "BOOLEAN_FACTS",
    "Inference",
    "classify_systems",
    "defining_axioms",
    "inferred_triples",
]

GS = Namespace("https://w3id.org/graphsvc/ontology#")
ONTOLOGY_IRI = "https://w3id.org/graphsvc/ontology"
INFERENCE_NS = "https://w3id.org/graphsvc/id/inference/"
ACTIVITY = URIRef("https://w3id.org/graphsvc/id/activity/hermit-classification")

#: The yes/no facts of gs:AISystem that the category definitions use (all xsd:boolean).
BOOLEAN_FACTS: tuple[URIRef, ...] = (
    GS.safetyComponentOfAnnexIProduct,
    GS.isGPAIModel,
    GS.hasSystemicRisk,
    GS.interactsWithPersons,
    GS.generatesSyntheticContent,
    GS.emotionRecognitionOrBiometricCategorisation,
    GS.performsProhibitedPractice,
    GS.art63ExemptionClaimed,
)


@dataclass(frozen=True)
class Inference:
    """One system found to belong to one defined category class, and why."""

    system: str
    category_class: str
    axiom: str


def classify_systems(data: Graph, ontology_path: Path) -> list[Inference]:
    """Classify every ``gs:AISystem`` in ``data`` into the ontology's defined classes.

    Only the facts the definitions use are given to the reasoner: ``rdf:type gs:AISystem``,
    ``gs:annexIIIArea`` (IRIs) and the :data:`BOOLEAN_FACTS` whose values are ``xsd:boolean``
    literals (values of any other type are left to SHACL to report). Returns one
    :class:`Inference` per (system, defined class) entailed, sorted by system then class.

    Raises :class:`ReasonerError` when the ontology cannot be read, Java is missing, a system
    has both ``true`` and ``false`` for one flag, or HermiT finds the ontology inconsistent.
    """
    ontology = _read_ontology(ontology_path)
    axioms = defining_axioms(ontology)
    _require_java()
    facts = _system_facts(data)
    systems = sorted({str(s) for s in facts.subjects(RDF.type, GS.AISystem)})
    if not systems:
        return []

    import owlready2

    world = owlready2.World()
    marker = f"urn:uuid:{uuid.uuid4()}"
    try:
        _load_ntriples(world, _ontology_iri(ontology), ontology)
        facts.add((URIRef(marker), RDF.type, OWL.Ontology))
        _load_ntriples(world, marker, facts)
        _run_hermit(world, marker)
        inferences: list[Inference] = []
        for system in systems:
            individual = world[system]
            if individual is None:
                continue
            entailed = {getattr(cls, "iri", None) for cls in individual.INDIRECT_is_a}
            inferences.extend(
                Inference(system=system, category_class=cls, axiom=axioms[cls]) for cls in axioms if cls in entailed
            )
    finally:
        world.close()
    return sorted(inferences, key=lambda i: (i.system, i.category_class))


def inferred_triples(inferences: Iterable[Inference]) -> list[tuple[Node, Node, Node]]:
    """Triples recording ``inferences``: the types themselves, their reifications, the activity.

    For each inference: ``system rdf:type class``, and an ``rdf:Statement`` node
    ``<https://w3id.org/graphsvc/id/inference/{sha1(system + class)}>`` with ``rdf:subject``,
    ``rdf:predicate``, ``rdf:object``, ``gs:axiom`` and ``prov:wasGeneratedBy`` the
    :data:`ACTIVITY` (a ``gs:HermiTClassification``), which is described once.
    """
    triples: list[tuple[Node, Node, Node]] = []
    for inference in inferences:
        system = URIRef(inference.system)
        category = URIRef(inference.category_class)
        digest = hashlib.sha1((inference.system + inference.category_class).encode("utf-8")).hexdigest()
        statement = URIRef(INFERENCE_NS + digest)
        triples += [
            (system, RDF.type, category),
            (statement, RDF.type, RDF.Statement),
            (statement, RDF.subject, system),
            (statement, RDF.predicate, RDF.type),
            (statement, RDF.object, category),
            (statement, GS.axiom, Literal(inference.axiom)),
            (statement, PROV.wasGeneratedBy, ACTIVITY),
        ]
    if triples:
        triples += [
            (ACTIVITY, RDF.type, GS.HermiTClassification),
            (ACTIVITY, RDF.type, PROV.Activity),
            (ACTIVITY, RDFS.label, Literal("EU AI Act category classification by the HermiT OWL reasoner")),
            (ACTIVITY, PROV.used, URIRef(ONTOLOGY_IRI)),
        ]
    return triples


def defining_axioms(ontology: Graph) -> dict[str, str]:
    """Map each project class with an ``owl:equivalentClass`` axiom to that axiom as text.

    The text is in DL notation with local names, for example
    ``HighRiskAnnexIIISystem ≡ AISystem ⊓ ∃annexIIIArea ⊓ art63ExemptionClaimed = false``.
    """
    axioms: dict[str, str] = {}
    for cls, definition in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(cls, URIRef) and str(cls).startswith(str(GS)):
            axioms[str(cls)] = f"{_local(cls)} ≡ {_render(ontology, definition, top=True)}"
    return dict(sorted(axioms.items()))


# --- helpers ------------------------------------------------------------------------------


def _read_ontology(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for unreadable input
        raise ReasonerError(f"cannot read the ontology {path}: {exc}") from exc


def _ontology_iri(ontology: Graph) -> str:
    for subject in ontology.subjects(RDF.type, OWL.Ontology):
        if isinstance(subject, URIRef):
            return str(subject)
    return ONTOLOGY_IRI


def _require_java() -> None:
    import owlready2

    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasonerError(
            f"Java was not found ({owlready2.JAVA_EXE!r}): the HermiT reasoner needs a Java runtime "
            "(Java 8 or later) on PATH, or owlready2.JAVA_EXE set to its path"
        )


def _system_facts(data: Graph) -> Graph:
    """The part of ``data`` the category definitions read, as an OWL-DL-clean graph."""
    facts = Graph()
    for system in set(data.subjects(RDF.type, GS.AISystem)):
        if not isinstance(system, URIRef):
            continue
        facts.add((system, RDF.type, OWL.NamedIndividual))
        facts.add((system, RDF.type, GS.AISystem))
        for area in data.objects(system, GS.annexIIIArea):
            if isinstance(area, URIRef):
                facts.add((system, GS.annexIIIArea, area))
                facts.add((area, RDF.type, OWL.NamedIndividual))
        for prop in BOOLEAN_FACTS:
            values = {
                bool(value.toPython())
                for value in data.objects(system, prop)
                if isinstance(value, Literal) and value.datatype == XSD.boolean
            }
            if len(values) > 1:
                raise ReasonerError(f"AI system {system} has both true and false for {_local(prop)}; keep one value")
            for value in values:
                facts.add((system, prop, Literal(value)))
    return facts


def _load_ntriples(world: owlready2.World, iri: str, graph: Graph) -> None:
    payload = graph.serialize(format="nt", encoding="utf-8")
    world.get_ontology(iri).load(fileobj=io.BytesIO(payload), format="ntriples")


def _run_hermit(world: owlready2.World, marker: str) -> None:
    import owlready2

    started = time.time()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError as exc:
        _remove_leaked_input(marker, started)
        raise ReasonerError(
            "HermiT found the ontology inconsistent together with the AI system facts; "
            "check ontology/graphsvc.ttl (the shipped one is tested consistent)"
        ) from exc
    except (owlready2.OwlReadyJavaError, OSError) as exc:
        _remove_leaked_input(marker, started)
        first_lines = "\n".join(str(exc).strip().splitlines()[:3])
        raise ReasonerError(f"HermiT could not run: {first_lines}") from exc


def _remove_leaked_input(marker: str, started: float) -> None:
    """Delete the input file owlready2 leaves in the temp directory when HermiT fails.

    owlready2 writes the world to a ``NamedTemporaryFile(delete=False)`` and removes it only on
    success. The file is recognised by the unique ontology IRI this call put into it.
    """
    needle = marker.encode("ascii")
    with os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            try:
                if not (entry.name.startswith("tmp") and entry.is_file(follow_symlinks=False)):
                    continue
                if entry.stat().st_mtime < started - 1:
                    continue
                with open(entry.path, "rb") as handle:
                    found = needle in handle.read()
                if found:
                    os.unlink(entry.path)
            except OSError:
                continue


def _local(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _render(graph: Graph, node: Node, *, top: bool = False) -> str:
    """Write an OWL class expression in DL notation (⊓ ⊔ ¬ ∃ ∀, ``p = v`` for hasValue)."""
    if isinstance(node, URIRef):
        return "⊤" if node == OWL.Thing else ("⊥" if node == OWL.Nothing else _local(node))
    if not isinstance(node, BNode):
        return str(node)
    for operator, symbol in ((OWL.intersectionOf, " ⊓ "), (OWL.unionOf, " ⊔ ")):
        members = graph.value(node, operator)
        if members is not None:
            text = symbol.join(_render(graph, member) for member in Collection(graph, members))
            return text if top else f"({text})"
    complement = graph.value(node, OWL.complementOf)
    if complement is not None:
        return f"¬{_render(graph, complement)}"
    prop = graph.value(node, OWL.onProperty)
    if prop is not None:
        name = _local(prop)
        value = graph.value(node, OWL.hasValue)
        if value is not None:
            return f"{name} = {_local(value) if isinstance(value, URIRef) else value}"
        some = graph.value(node, OWL.someValuesFrom)
        if some is not None:
            return f"∃{name}" if some == OWL.Thing else f"∃{name}.{_render(graph, some)}"
        every = graph.value(node, OWL.allValuesFrom)
        if every is not None:
            return f"∀{name}.{_render(graph, every)}"
        for cardinality, symbol in (
            (OWL.minCardinality, "≥"),
            (OWL.maxCardinality, "≤"),
            (OWL.cardinality, "="),
            (OWL.minQualifiedCardinality, "≥"),
            (OWL.maxQualifiedCardinality, "≤"),
            (OWL.qualifiedCardinality, "="),
        ):
            count = graph.value(node, cardinality)
            if count is not None:
                return f"{symbol}{count} {name}"
    return "?"
