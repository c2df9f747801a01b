"""The relation algebra, checked cell by cell against set semantics, and chaining."""

from __future__ import annotations

from itertools import combinations, product

import pytest

from graphsvc.domain.crosswalk import COMPOSE, CrosswalkIndex, compose, inverse
from graphsvc.sources.mappingsets import Mapping

RELS = ("equal", "subset", "superset", "intersects", "not-related")
UNIVERSE = range(4)
SETS = [frozenset(c) for n in range(1, 5) for c in combinations(UNIVERSE, n)]


def rel(a: frozenset[int], b: frozenset[int]) -> str:
    """The strongest set relation between two non-empty sets of demands."""
    if a == b:
        return "equal"
    if a < b:
        return "subset"
    if a > b:
        return "superset"
    return "intersects" if a & b else "not-related"


def entails(actual: str, claimed: str) -> bool:
    """Does the actual relation make the claimed (weaker) statement true?"""
    return {
        "equal": actual == "equal",
        "subset": actual in {"equal", "subset"},
        "superset": actual in {"equal", "superset"},
        "intersects": actual != "not-related",
        "not-related": actual == "not-related",
    }[claimed]


def outcomes(r1: str, r2: str) -> set[str]:
    return {rel(a, c) for a, b, c in product(SETS, SETS, SETS) if rel(a, b) == r1 and rel(b, c) == r2}


# The table of the design brief, written out cell by cell (None: nothing is inferred).
EXPECTED = {
    ("equal", "equal"): "equal", ("equal", "subset"): "subset", ("equal", "superset"): "superset",
    ("equal", "intersects"): "intersects", ("equal", "not-related"): "not-related",
    ("subset", "equal"): "subset", ("subset", "subset"): "subset", ("subset", "superset"): None,
    ("subset", "intersects"): None, ("subset", "not-related"): "not-related",
    ("superset", "equal"): "superset", ("superset", "subset"): "intersects", ("superset", "superset"): "superset",
    ("superset", "intersects"): "intersects", ("superset", "not-related"): None,
    ("intersects", "equal"): "intersects", ("intersects", "subset"): "intersects", ("intersects", "superset"): None,
    ("intersects", "intersects"): None, ("intersects", "not-related"): None,
    ("not-related", "equal"): "not-related", ("not-related", "subset"): None,
    ("not-related", "superset"): "not-related", ("not-related", "intersects"): None,
    ("not-related", "not-related"): None,
}  # fmt: skip


@pytest.mark.parametrize(("r1", "r2"), list(product(RELS, RELS)))
def test_composition_cell(r1: str, r2: str) -> None:
    assert compose(r1, r2) == EXPECTED[(r1, r2)]
    seen = outcomes(r1, r2)
    result = compose(r1, r2)
    if result is None:
        # nothing may be inferred only where no statement holds in every case
        assert not any(all(entails(o, claim) for o in seen) for claim in RELS), (r1, r2, seen)
    else:
        assert all(entails(o, result) for o in seen), (r1, r2, result, seen)


def test_table_has_exactly_the_inferring_cells() -> None:
    assert {k for k, v in EXPECTED.items() if v} == set(COMPOSE)


@pytest.mark.parametrize("r", RELS)
def test_inverse_matches_sets(r: str) -> None:
    assert {rel(b, a) for a, b in product(SETS, SETS) if rel(a, b) == r} == {inverse(r)}


def m(s: str, o: str, r: str, strength: int = 8, status: str = "approved") -> Mapping:
    return Mapping(
        iri=f"urn:m:{s}:{o}", subject=s, object=o, relation=r, strength=strength, status=status,
        rationale="semantic", justification="semapv:ManualMappingCuration", comment="c", source="test", set_id="urn:set",
    )  # fmt: skip


FW = {"a:1": "a", "a:2": "a", "b:1": "b", "b:2": "b", "c:1": "c", "c:2": "c"}


def test_chain_subset_then_superset_gives_nothing() -> None:
    idx = CrosswalkIndex([m("a:1", "b:1", "subset"), m("b:1", "c:1", "superset")], FW)
    assert [lk.target for lk in idx.links("a:1", depth=3)] == ["b:1"]


def test_chain_strength_is_the_weakest_hop_and_path_is_kept() -> None:
    idx = CrosswalkIndex([m("a:1", "b:1", "equal", 9), m("b:1", "c:1", "subset", 4)], FW)
    (direct, chained) = idx.links("a:1")
    assert (chained.target, chained.relation, chained.strength, chained.derived) == ("c:1", "subset", 4, True)
    assert [h.mapping.iri for h in chained.hops] == ["urn:m:a:1:b:1", "urn:m:b:1:c:1"]
    assert direct.target == "b:1" and not direct.derived


def test_direct_mapping_takes_precedence_over_chain() -> None:
    idx = CrosswalkIndex(
        [m("a:1", "b:1", "equal", 9), m("b:1", "c:1", "equal", 9), m("a:1", "c:1", "intersects", 3)], FW
    )
    link = next(lk for lk in idx.links("a:1") if lk.target == "c:1")
    assert (link.relation, link.derived) == ("intersects", False)


def test_inverse_walk_and_depth_limit() -> None:
    idx = CrosswalkIndex([m("b:1", "a:1", "subset"), m("b:1", "c:1", "superset")], FW)
    # a:1 superset b:1 (inverse), b:1 superset c:1 -> a:1 superset c:1
    assert [(lk.target, lk.relation) for lk in idx.links("a:1", to_framework="c")] == [("c:1", "superset")]
    assert idx.links("a:1", depth=1, to_framework="c") == []


def test_proposed_and_rejected_mappings() -> None:
    idx = CrosswalkIndex([m("a:1", "b:1", "equal", status="proposed"), m("a:1", "b:2", "equal", status="rejected")], FW)
    assert idx.links("a:1") == []
    assert [lk.target for lk in idx.links("a:1", include_proposed=True)] == ["b:1"]


def test_derived_mapping_records_chaining() -> None:
    idx = CrosswalkIndex([m("a:1", "b:1", "superset", 7), m("b:1", "c:1", "superset", 5)], FW)
    derived = {(d.subject, d.object): d for d in idx.derived_mappings(2)}
    d = derived[("a:1", "c:1")]
    assert d.derived and d.relation == "superset" and d.strength == 5
    assert d.justification.endswith("MappingChaining")
    assert d.path == ("urn:m:a:1:b:1", "urn:m:b:1:c:1")


def test_greedy_cover_prefers_reach() -> None:
    idx = CrosswalkIndex(
        [m("a:1", "b:1", "intersects"), m("a:1", "b:2", "subset"), m("a:2", "b:2", "equal"), m("a:2", "c:1", "equal")],
        FW,
    )
    picks = idx.greedy_cover("a", "b", budget=5)
    assert picks == [("a:1", ["b:1", "b:2"])]
