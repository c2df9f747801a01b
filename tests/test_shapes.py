"""SHACL shapes in ontology/shapes.ttl against the small examples in tests/data/shapes/.

Every example is validated together with ``base.ttl`` (a valid framework, requirements, an
organisation, a certification body and its accreditation body), with the ontology passed to
pyshacl as ``ont_graph``.

* ``*-pass.ttl`` (and ``base.ttl`` itself) must give zero results, with inference "none" and "rdfs".
  A ``# covers:`` line names the node shapes the file exercises.
* ``*-fail.ttl`` lists the results it must give, one per line, and nothing else::

      # expect: <focus node> <node shape> <result path> <constraint component>

  CURIEs use the prefixes in ``PREFIXES``; an alternative path is written ``p1|p2``; the
  component is its local name without ``ConstraintComponent`` (``MinCount``, ``SPARQL``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import BNode, Node

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "graphsvc.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
EXAMPLES = Path(__file__).resolve().parent / "data" / "shapes"
BASE = EXAMPLES / "base.ttl"

PREFIXES: dict[str, str] = {
    "gs": "https://w3id.org/graphsvc/ontology#",
    "gsh": "https://w3id.org/graphsvc/shapes#",
    "gsd": "https://w3id.org/graphsvc/id/",
    "fw": "https://w3id.org/graphsvc/framework/",
    "euaia": "https://w3id.org/graphsvc/req/euaia-2024-1689/",
    "iso42001": "https://w3id.org/graphsvc/req/iso42001-2023/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sssom": "https://w3id.org/sssom/",
}
GSH = Namespace(PREFIXES["gsh"])

PASS_FILES = sorted([BASE, *EXAMPLES.glob("*-pass.ttl")])
FAIL_FILES = sorted(EXAMPLES.glob("*-fail.ttl"))

Result = tuple[str, str, str, str]  # focus, node shape, path, component


@cache
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES)


@cache
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY)


def curie(node: Node) -> str:
    text = str(node)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def render_path(path: Node, shapes: Graph) -> str:
    if isinstance(path, URIRef):
        return curie(path)
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(curie(p) for p in Collection(shapes, alternatives))
    return repr(path)


def node_shape_of(source_shape: Node, shapes: Graph) -> Node:
    if (source_shape, RDF.type, SH.NodeShape) in shapes:
        return source_shape
    parent = shapes.value(predicate=SH.property, object=source_shape)
    assert parent is not None, f"no node shape holds {source_shape!r}"
    return parent


def run(example: Path, inference: str) -> tuple[set[Result], list[tuple[Result, str]]]:
    data = Graph().parse(BASE)
    if example != BASE:
        data.parse(example)
    shapes = shapes_graph()
    _conforms, report, _text = validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology_graph(),
        inference=inference,
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
    )
    found: set[Result] = set()
    messages: list[tuple[Result, str]] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        source_shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        component = report.value(result, SH.sourceConstraintComponent)
        assert focus is not None and source_shape is not None and component is not None
        # the report graph holds a copy of the path; read it from there
        path_text = "-" if path is None else render_path(path, report if isinstance(path, BNode) else shapes)
        key: Result = (
            curie(focus),
            curie(node_shape_of(source_shape, shapes)),
            path_text,
            str(component).removeprefix(str(SH)).removesuffix("ConstraintComponent"),
        )
        found.add(key)
        messages.append((key, str(report.value(result, SH.resultMessage) or "")))
    return found, messages


def expected(example: Path) -> set[Result]:
    rows: set[Result] = set()
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            parts = line.removeprefix("# expect:").split()
            assert len(parts) == 4, f"{example.name}: bad expect line {line!r}"
            rows.add((parts[0], parts[1], parts[2], parts[3]))
    return rows


def covers(example: Path) -> set[str]:
    names: set[str] = set()
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.startswith("# covers:"):
            names.update(line.removeprefix("# covers:").split())
    return names


@pytest.mark.parametrize("inference", ["none", "rdfs"])
@pytest.mark.parametrize("example", PASS_FILES, ids=lambda p: p.name)
def test_passing_example_has_no_results(example: Path, inference: str) -> None:
    found, messages = run(example, inference)
    assert not found, "\n".join(f"{key}: {message}" for key, message in messages)


@pytest.mark.parametrize("example", FAIL_FILES, ids=lambda p: p.name)
def test_failing_example_gives_exactly_the_expected_results(example: Path) -> None:
    want = expected(example)
    assert want, f"{example.name} has no '# expect:' lines"
    found, messages = run(example, "none")
    assert found == want, f"\nmissing: {sorted(want - found)}\nunexpected: {sorted(found - want)}\n" + "\n".join(
        f"{key}: {message}" for key, message in messages
    )


@pytest.mark.parametrize("example", FAIL_FILES, ids=lambda p: p.name)
def test_failing_example_still_fails_with_rdfs_inference(example: Path) -> None:
    found, _messages = run(example, "rdfs")
    assert expected(example) <= found


@pytest.mark.parametrize("example", FAIL_FILES, ids=lambda p: p.name)
def test_messages_name_the_field(example: Path) -> None:
    _found, messages = run(example, "none")
    for (_focus, shape, path, component), message in messages:
        assert message, f"{shape} {path} {component} has no sh:message"
        for alternative in path.split("|"):
            local = alternative.split(":", 1)[-1].split("#")[-1]
            assert local in message, f"message for {path} does not name it: {message!r}"


def _node_shapes() -> set[str]:
    return {curie(s) for s in shapes_graph().subjects(RDF.type, SH.NodeShape)}


def test_every_node_shape_has_a_failing_example() -> None:
    failing = {row[1] for example in FAIL_FILES for row in expected(example)}
    assert _node_shapes() - failing == set()


def test_every_node_shape_has_a_passing_example() -> None:
    covered = set().union(*(covers(example) for example in PASS_FILES))
    assert _node_shapes() - covered == set()


@pytest.mark.parametrize("example", PASS_FILES, ids=lambda p: p.name)
def test_passing_example_really_exercises_the_shapes_it_covers(example: Path) -> None:
    data = Graph().parse(BASE)
    data.parse(example)
    data += ontology_graph()
    shapes = shapes_graph()
    for name in covers(example):
        shape = GSH[name.removeprefix("gsh:")]
        targets = list(shapes.objects(shape, SH.targetClass))
        assert targets, f"{name} is not a node shape with a target class"
        focus = {
            s
            for target in targets
            for s in data.query(
                "SELECT ?s WHERE { ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }",
                initBindings={"c": target},
            )
        }
        assert focus, f"{example.name} claims to cover {name} but has no instance of its target"
