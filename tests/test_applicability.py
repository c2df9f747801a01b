"""EU AI Act applicability: expected answers worked out by hand from the Regulation.

Art. 113 (as adopted): Chapters I-II from 2025-02-02; Chapter V (GPAI) from 2025-08-02;
general application 2026-08-02; Art. 6(1) (Annex I) from 2027-08-02. Digital Omnibus
(as amended): Annex III high-risk from 2027-12-02, Annex I from 2028-08-02, Art. 50(2) from
2026-12-02 for systems placed on the market before 2026-08-02 only (Art. 111(4)). More in
tests/test_layers.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graphsvc.applicability import applicable, system_profile
from graphsvc.errors import QueryParameterError, UnknownTerm
from graphsvc.service import GraphService


def rows(svc: GraphService, role: str, cat: str, day: str, layer: str) -> dict[str, dict]:
    return {r["notation"]: r for r in applicable(svc, [role], [cat], dt.date.fromisoformat(day), layer)}


def article(notations: dict[str, dict], n: int) -> list[str]:
    return [k for k in notations if k == f"Article {n}" or k.startswith(f"{n}(")]


def test_deployer_of_annex_iii_system_as_adopted(service: GraphService) -> None:
    r = rows(service, "deployer", "high-risk-annex-iii", "2026-08-02", "adopted")
    assert article(r, 26), "Art. 26 binds deployers of high-risk systems"
    assert all(r[k]["status"] == "applies" for k in article(r, 26))
    assert r["Article 4"]["status"] == "applies"
    assert not article(r, 16), "Art. 16 binds providers, not deployers"
    assert not article(r, 9)


def test_provider_of_annex_iii_system_has_section_2_via_art_16(service: GraphService) -> None:
    r = rows(service, "provider", "high-risk-annex-iii", "2026-08-02", "adopted")
    for n in (9, 10, 11, 12, 13, 14, 15, 16, 17):
        assert article(r, n), f"Art. {n}"
        assert all(r[k]["status"] == "applies" for k in article(r, n)), n
    assert r["16(a)"]["from"] == dt.date(2026, 8, 2)
    assert not article(r, 26)


def test_as_amended_annex_iii_is_deferred(service: GraphService) -> None:
    r = rows(service, "provider", "high-risk-annex-iii", "2027-01-01", "amended")
    for k in article(r, 9):
        assert r[k]["status"] == "applies-from"
        assert r[k]["from"] == dt.date(2027, 12, 2)
    assert "applies from 2027-12-02" in r["9(1)"]["reason"]
    # the same obligation as adopted already applied on that date
    adopted = rows(service, "provider", "high-risk-annex-iii", "2027-01-01", "adopted")
    assert adopted["9(1)"]["status"] == "applies"


def test_annex_i_dates_in_both_layers(service: GraphService) -> None:
    adopted = rows(service, "provider", "high-risk-annex-i", "2027-09-01", "adopted")
    amended = rows(service, "provider", "high-risk-annex-i", "2027-09-01", "amended")
    assert adopted["9(1)"]["from"] == dt.date(2027, 8, 2) and adopted["9(1)"]["status"] == "applies"
    assert amended["9(1)"]["from"] == dt.date(2028, 8, 2) and amended["9(1)"]["status"] == "applies-from"


def test_chatbot_provider_without_high_risk_use(service: GraphService) -> None:
    r = rows(service, "provider", "transparency", "2026-09-01", "adopted")
    assert r["50(1)"]["status"] == "applies"
    assert r["Article 4"]["status"] == "applies"
    assert article(r, 5)
    chapter_iii = [k for k in r if k.split("(")[0].isdigit() and 6 <= int(k.split("(")[0]) <= 49]
    assert chapter_iii == [], "nothing from Chapter III binds a non-high-risk chatbot"


def test_art_50_2_grace_period_is_for_legacy_systems_only(service: GraphService) -> None:
    """Art. 111(4) as added by the Digital Omnibus: only systems placed on the market before
    2026-08-02 have until 2026-12-02 for the Art. 50(2) marking; others are bound from 2026-08-02.
    (This test replaces one that deferred Art. 50(2) for every provider, which the adopted
    amending act does not do.)"""
    adopted = rows(service, "provider", "transparency", "2026-09-01", "adopted")
    amended = rows(service, "provider", "transparency", "2026-09-01", "amended")
    assert adopted["50(2)"]["status"] == "applies"
    assert amended["50(2)"]["status"] == "conditional" and amended["50(2)"]["from"] == dt.date(2026, 8, 2)
    assert "before 2026-08-02" in amended["50(2)"]["condition"]
    assert amended["50(1)"]["status"] == "applies"  # only 50(2) has a grace period


@pytest.mark.parametrize("role", ["provider", "deployer", "importer", "distributor"])
def test_art_5_applies_to_everyone_from_february_2025(service: GraphService, role: str) -> None:
    before = rows(service, role, "all", "2025-02-01", "adopted")
    on = rows(service, role, "all", "2025-02-02", "adopted")
    assert all(before[k]["status"] == "applies-from" for k in article(before, 5))
    assert article(on, 5) and all(on[k]["status"] == "applies" for k in article(on, 5))
    assert on["5(1)(a)"]["from"] == dt.date(2025, 2, 2)


def test_gpai_provider(service: GraphService) -> None:
    r = rows(service, "gpai-provider", "gpai", "2025-09-01", "adopted")
    assert article(r, 53) and all(r[k]["from"] == dt.date(2025, 8, 2) for k in article(r, 53))
    assert all(r[k]["status"] == "applies" for k in article(r, 53))
    assert not article(r, 55), "Art. 55 binds only models with systemic risk"
    systemic = rows(service, "gpai-provider", "gpai-systemic", "2025-09-01", "adopted")
    assert article(systemic, 55) and article(systemic, 53)


def test_every_obligation_has_roles_categories_and_a_date_in_each_layer_it_exists_in(service: GraphService) -> None:
    """Every catalog obligation has a date as adopted, and in every other layer unless that layer
    repeals it; a layer-only obligation has dates only in its own layer."""
    q = """
    PREFIX gs: <https://w3id.org/graphsvc/ontology#>
    SELECT ?o (COUNT(DISTINCT ?layer) AS ?layers) (SAMPLE(?rep) AS ?repealed) (SAMPLE(?only) AS ?onlyIn) WHERE {
      ?o a gs:Obligation ; gs:bindsRole ?r ; gs:concernsCategory ?c .
      OPTIONAL { ?d gs:obligation ?o ; gs:layer ?layer }
      OPTIONAL { ?o gs:repealedIn ?rep }
      OPTIONAL { ?o gs:inLayer ?only }
    } GROUP BY ?o"""
    result = service.store.select(q)
    assert len(result) > 150
    layers = len(service.select("date_layers"))
    for r in result:
        n = int(r["layers"].value)
        if r.get("onlyIn") is not None:
            assert n == 1, r["o"]
        elif r.get("repealed") is not None:
            assert n == layers - 1, r["o"]
        else:
            assert n == layers, r["o"]


def test_system_profile_from_classification(service: GraphService) -> None:
    p = system_profile(service, "https://w3id.org/graphsvc/id/system/contoso/hr-screening")
    assert p["roles"] == ["deployer", "provider"]
    assert "high-risk-annex-iii" in p["categories"]


def test_bad_role_category_and_layer(service: GraphService) -> None:
    with pytest.raises(QueryParameterError, match="role 'boss'"):
        applicable(service, ["boss"], ["all"], dt.date(2026, 1, 1), "adopted")
    with pytest.raises(QueryParameterError, match="category 'risky'"):
        applicable(service, ["provider"], ["risky"], dt.date(2026, 1, 1), "adopted")
    with pytest.raises(UnknownTerm, match="law layer 'proposed'"):
        applicable(service, ["provider"], ["all"], dt.date(2026, 1, 1), "proposed")


def test_inferred_categories_carry_their_axiom(service: GraphService) -> None:
    q = """
    PREFIX gs: <https://w3id.org/graphsvc/ontology#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    SELECT ?axiom WHERE { GRAPH <https://w3id.org/graphsvc/graph/inferred> {
      ?st rdf:subject <https://w3id.org/graphsvc/id/system/contoso/hr-screening> ;
          rdf:object gs:HighRiskAnnexIIISystem ; gs:axiom ?axiom } }"""
    axioms = [r["axiom"].value for r in service.store.select(q)]
    assert axioms and "annexIIIArea" in axioms[0]
