"""EU AI Act applicability: expected answers worked out by hand from the Regulation.

Art. 113 (as adopted): Chapters I-II from 2025-02-02; Chapter V (GPAI) from 2025-08-02;
general application 2026-08-02; Art. 6(1) (Annex I) from 2027-08-02. Digital Omnibus
(as amended): Annex III high-risk from 2027-12-02, Annex I from 2028-08-02, Art. 50(2) from
2026-12-02 for systems placed on the market before 2026-08-02 only (Art. 111(4)). More in
tests/test_layers.py.

The tests named ``test_artN_…`` each check one condition the Regulation attaches beyond role
and category; the docstring says, in our words, what the article provides and so what the
answer must be.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graphsvc.config import PROJECT_ROOT
from graphsvc.domain.applicability import answer, applicable, parse_facts, system_profile, transitional_rules
from graphsvc.errors import DataLoadError, QueryParameterError, UnknownTerm
from graphsvc.service import GraphService
from graphsvc.sources.catalog_rules import load_conditions
from graphsvc.sources.catalogs import CATEGORIES, ROLES, load_catalog
from graphsvc.sources.conditions import ANNEX_III_POINTS
from graphsvc.sources.orgdata import compile_org

DAY = "2026-11-23"
CATALOG = PROJECT_ROOT / "mappings" / "catalogs" / "euaia-2024-1689"


def rows(
    svc: GraphService, role: str, cat: str, day: str = DAY, layer: str = "adopted", **facts: Any
) -> dict[str, dict]:
    """Every row (does-not-apply included) by notation."""
    parsed = parse_facts(facts)
    found = applicable(svc, [role], [cat], dt.date.fromisoformat(day), layer, parsed, include_all=True)
    return {r["notation"]: r for r in found}


def status(r: dict[str, dict], notation: str) -> str:
    return r[notation]["status"] if notation in r else "absent"


def article(notations: dict[str, dict], n: int) -> list[str]:
    return [k for k in notations if k == f"Article {n}" or k.startswith(f"{n}(")]


# -- dates and categories (as before) -------------------------------------------------------
def test_deployer_of_annex_iii_system_as_adopted(service: GraphService) -> None:
    # Art. 26(7), 26(8) and 26(10) carry conditions (workplace, public body, post-remote biometric
    # identification), so only a deployer for whom they are settled gets 'applies' for all of Art. 26.
    r = rows(
        service,
        "deployer",
        "high-risk-annex-iii",
        "2026-08-02",
        annex_iii_area="1(a)",
        public_body=True,
        used_at_workplace=True,
    )
    unconditional = [k for k in article(r, 26) if k != "26(10)" and k != "26(5) second subparagraph"]
    assert unconditional and all(r[k]["status"] == "applies" for k in unconditional)
    assert r["26(10)"]["status"] == "conditional"
    assert r["Article 4"]["status"] == "applies"
    assert not article(r, 16), "Art. 16 binds providers, not deployers"
    assert not article(r, 9)


def test_provider_of_annex_iii_system_has_section_2_via_art_16(service: GraphService) -> None:
    r = rows(service, "provider", "high-risk-annex-iii", "2026-08-02", annex_iii_area="4(a)")
    for n in (9, 11, 13, 15, 16, 17):
        live = [k for k in article(r, n) if r[k]["status"] != "does-not-apply"]
        assert live and all(r[k]["status"] == "applies" for k in live), n
    assert r["16(a)"]["from"] == dt.date(2026, 8, 2)
    assert not article(r, 26)


def test_as_amended_annex_iii_is_deferred(service: GraphService) -> None:
    r = rows(service, "provider", "high-risk-annex-iii", "2027-01-01", "amended", annex_iii_area="4(a)")
    for k in article(r, 9):
        assert r[k]["status"] == "applies-from"
        assert r[k]["from"] == dt.date(2027, 12, 2)
    assert "applies from 2027-12-02" in r["9(1)"]["reason"]
    adopted = rows(service, "provider", "high-risk-annex-iii", "2027-01-01", "adopted", annex_iii_area="4(a)")
    assert adopted["9(1)"]["status"] == "applies"


def test_annex_i_dates_in_both_layers(service: GraphService) -> None:
    adopted = rows(service, "provider", "high-risk-annex-i", "2027-09-01", annex_i_section="A")
    amended = rows(service, "provider", "high-risk-annex-i", "2027-09-01", "amended", annex_i_section="A")
    assert adopted["9(1)"]["from"] == dt.date(2027, 8, 2) and adopted["9(1)"]["status"] == "applies"
    assert amended["9(1)"]["from"] == dt.date(2028, 8, 2) and amended["9(1)"]["status"] == "applies-from"


def test_chatbot_provider_without_high_risk_use(service: GraphService) -> None:
    r = rows(service, "provider", "transparency", "2026-09-01")
    assert r["50(1)"]["status"] == "applies"
    assert r["Article 4"]["status"] == "applies"
    assert article(r, 5)
    chapter_iii = [
        k for k in r if k.split("(")[0].isdigit() and 6 <= int(k.split("(")[0]) <= 49 and r[k]["status"] != "absent"
    ]
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
    before = rows(service, role, "all", "2025-02-01")
    on = rows(service, role, "all", "2025-02-02")
    assert all(before[k]["status"] == "applies-from" for k in ("5(1)", "5(1)(a)", "5(1)(g)"))
    assert all(on[k]["status"] == "applies" for k in ("5(1)", "5(1)(a)", "5(1)(g)"))
    assert on["5(1)(a)"]["from"] == dt.date(2025, 2, 2)


def test_gpai_provider(service: GraphService) -> None:
    r = rows(service, "gpai-provider", "gpai", "2025-09-01", open_source=False)
    assert article(r, 53) and all(r[k]["from"] == dt.date(2025, 8, 2) for k in article(r, 53))
    assert all(r[k]["status"] == "applies" for k in article(r, 53))
    assert not article(r, 55), "Art. 55 binds only models with systemic risk"
    systemic = rows(service, "gpai-provider", "gpai-systemic", "2025-09-01")
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


# -- the conditions of point 3, one test per article -----------------------------------------
def test_art2_2_annex_i_section_b_products_get_no_high_risk_duties(service: GraphService) -> None:
    """Art. 2(2): for products under Annex I Section B legislation only Arts 6(1), 102-109 and 112
    apply, so no provider duty of Chapter III binds; under Section A they all do."""
    b = rows(service, "provider", "high-risk-annex-i", "2027-09-01", annex_i_section="B")
    a = rows(service, "provider", "high-risk-annex-i", "2027-09-01", annex_i_section="A")
    unknown = rows(service, "provider", "high-risk-annex-i", "2027-09-01")
    for n in ("9(1)", "11(1)", "16(a)", "43(3)", "47(1)", "72(1)"):
        assert b[n]["status"] == "does-not-apply" and "Art. 2(2)" in b[n]["reason"], n
        assert a[n]["status"] == "applies", n
        assert unknown[n]["status"] == "conditional" and "annex_i_section" in unknown[n]["decided_by"], n
    assert b["Article 4"]["status"] == "applies", "Art. 2(2) is modelled on the high-risk duties only"


def test_art5_1_h_prohibition_binds_the_use_not_the_placing_on_the_market(service: GraphService) -> None:
    """Art. 5(1)(h) forbids the *use* of real-time remote biometric identification for law
    enforcement; unlike points (a)-(g) it does not forbid placing such systems on the market."""
    provider = rows(service, "provider", "all")
    deployer = rows(service, "deployer", "all")
    assert status(provider, "5(1)(h)") == "absent"
    assert status(provider, "5(1)(a)") == "applies"
    assert status(deployer, "5(1)(h)") == "applies"


def test_art5_2_to_4_attach_only_to_a_use_permitted_under_the_5_1_h_exception(service: GraphService) -> None:
    """Art. 5(2)-(4) (safeguards, prior authorisation, notification) govern a real-time remote
    biometric identification use that the 5(1)(h) exception permits: nothing for an HR system,
    and for an Annex III 1(a) system they turn on how it is used, which the data cannot say."""
    hr = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)")
    rbi = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="1(a)", public_body=True)
    for n in ("5(2)", "5(3)", "5(4)"):
        assert hr[n]["status"] == "does-not-apply" and "Art. 5(2)-(4)" in hr[n]["reason"]
        assert rbi[n]["status"] == "conditional"
        assert rbi[n]["decided_by"] == ["@real_time_rbi_for_law_enforcement"]
        assert "does not record how the system is used" in rbi[n]["reason"]


def test_art6_3_derogation_brings_6_4_and_49_2_and_removes_section_2_and_art16(service: GraphService) -> None:
    """Art. 6(3)-(4), 49(2): a provider claiming that an Annex III system poses no significant
    risk must document the assessment (6(4)) and register the system (49(2)); the system is then
    not high-risk, so Section 2 and Art. 16 do not bind it. Without the claim it is the reverse."""
    claimed = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)", art6_3_exemption=True)
    normal = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)", art6_3_exemption=False)
    assert claimed["6(4)"]["status"] == "applies" and claimed["49(2)"]["status"] == "applies"
    assert normal["6(4)"]["status"] == "does-not-apply" and normal["49(2)"]["status"] == "does-not-apply"
    for n in ("9(1)", "10(2)", "15(1)", "16(a)", "17(1)", "43(2)", "49(1)"):
        assert claimed[n]["status"] == "does-not-apply" and "Art. 6(3)" in claimed[n]["reason"], n
        assert normal[n]["status"] == "applies", n
    assert claimed["80(4)"]["status"] == "applies" and normal["80(4)"]["status"] == "does-not-apply"
    assert claimed["Article 4"]["status"] == "applies"


def test_art6_3_derogation_from_the_system_data(service: GraphService) -> None:
    """Art. 6(3): the same answer for a system whose data records the claim (the OWL classifier
    then does not class it high-risk, yet 6(4) and 49(2) must still be shown)."""
    res = answer(
        service,
        system="https://w3id.org/graphsvc/id/system/contoso/hr-screening",
        roles=[],
        categories=[],
        facts=parse_facts({"art6_3_exemption": True}),
        as_of=dt.date(2026, 11, 23),
        layer="adopted",
        include_all=True,
    )
    r = {i["notation"]: i for i in answer_rows(res)}
    assert r["6(4)"]["status"] == "applies" and r["9(1)"]["status"] == "does-not-apply"


def answer_rows(res: dict) -> list[dict]:
    return res["items"]


def test_art22_and_art54_representatives_only_for_providers_outside_the_union(service: GraphService) -> None:
    """Art. 22(1) and 54(1): only a provider established in a third country must appoint an
    authorised representative in the Union."""
    eu = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)")
    abroad = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)", established_in_union=False)
    assert eu["22(1)"]["status"] == "does-not-apply" and "Art. 22(1)" in eu["22(1)"]["reason"]
    assert abroad["22(1)"]["status"] == "applies"
    gpai_eu = rows(service, "gpai-provider", "gpai", open_source=False)
    gpai_abroad = rows(service, "gpai-provider", "gpai", open_source=False, established_in_union=False)
    assert gpai_eu["54(1)"]["status"] == "does-not-apply"
    assert gpai_abroad["54(1)"]["status"] == "applies"


def test_art26_8_and_49_3_registration_only_for_public_deployers(service: GraphService) -> None:
    """Art. 26(8) and 49(3): deployers that are public authorities or Union bodies register their
    use in the EU database; private deployers do not."""
    private = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)", public_body=False)
    public = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)", public_body=True)
    unknown = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)")
    for n in ("26(8)", "49(3)"):
        assert private[n]["status"] == "does-not-apply" and "public_body is false" in private[n]["reason"]
        assert public[n]["status"] == "applies"
        assert unknown[n]["status"] == "conditional" and "public_body" in unknown[n]["decided_by"]


def test_art27_fria_binds_public_bodies_and_annex_iii_5b_5c_not_point_2(service: GraphService) -> None:
    """Art. 27(1): a fundamental rights impact assessment is due from deployers that are bodies
    governed by public law or private providers of public services, except for Annex III point 2
    systems, and from every deployer of an Annex III 5(b) or 5(c) system."""

    def fria(**facts: Any) -> str:
        return rows(service, "deployer", "high-risk-annex-iii", **facts)["27(1)"]["status"]

    assert fria(annex_iii_area="4(a)", public_body=False, public_service_provider=False) == "does-not-apply"
    assert fria(annex_iii_area="4(a)", public_body=True, public_service_provider=False) == "applies"
    assert fria(annex_iii_area="5(a)", public_body=False, public_service_provider=True) == "applies"
    assert fria(annex_iii_area="2", public_body=True, public_service_provider=False) == "does-not-apply"
    assert fria(annex_iii_area="5(b)", public_body=False, public_service_provider=False) == "applies"
    assert fria(annex_iii_area="5(c)", public_body=False, public_service_provider=False) == "applies"
    assert fria(annex_iii_area="4(a)") == "conditional"
    assert fria(annex_iii_area="5", public_body=False, public_service_provider=False) == "conditional"
    private = rows(
        service,
        "deployer",
        "high-risk-annex-iii",
        annex_iii_area="4(a)",
        public_body=False,
        public_service_provider=False,
    )
    assert all(private[k]["status"] == "does-not-apply" for k in ("27(1)", "27(1)(a)", "27(2)", "27(3)"))
    assert "Art. 27(1)" in private["27(3)"]["reason"]


def test_art26_7_informing_workers_only_for_use_at_the_workplace(service: GraphService) -> None:
    """Art. 26(7): an employer must inform workers' representatives and the workers affected
    before it uses a high-risk system at the workplace."""
    at_work = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(b)", used_at_workplace=True)
    elsewhere = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="5(b)", used_at_workplace=False)
    unknown = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(b)")
    assert at_work["26(7)"]["status"] == "applies"
    assert elsewhere["26(7)"]["status"] == "does-not-apply"
    assert unknown["26(7)"]["status"] == "conditional" and unknown["26(7)"]["decided_by"] == ["used_at_workplace"]


def test_art26_10_post_remote_biometric_identification_only_for_annex_iii_1a(service: GraphService) -> None:
    """Art. 26(10): the authorisation duty concerns a deployer using post-remote biometric
    identification in a criminal investigation, so never an HR system."""
    hr = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)")
    rbi = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="1(a)")
    assert hr["26(10)"]["status"] == "does-not-apply"
    assert rbi["26(10)"]["status"] == "conditional"


def test_art12_3_and_14_5_only_for_remote_biometric_identification(service: GraphService) -> None:
    """Art. 12(3) (minimum logs) and 14(5) (two-person verification) concern Annex III 1(a)
    remote biometric identification systems only, not 1(b) or 1(c)."""
    rbi = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="1(a)")
    emotion = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="1(c)")
    for n in ("12(3)", "14(5)"):
        assert rbi[n]["status"] == "applies"
        assert emotion[n]["status"] == "does-not-apply"


def test_art43_1_for_biometrics_and_43_2_for_points_2_to_8(service: GraphService) -> None:
    """Art. 43(1) sets the conformity assessment of Annex III point 1 systems, 43(2) internal
    control for points 2 to 8."""
    bio = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="1(b)")
    law = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="6(c)")
    assert bio["43(1)"]["status"] == "applies" and bio["43(2)"]["status"] == "does-not-apply"
    assert law["43(2)"]["status"] == "applies" and law["43(1)"]["status"] == "does-not-apply"


def test_art49_4_non_public_registration_for_points_1_6_and_7(service: GraphService) -> None:
    """Art. 49(4): registration in the secure non-public section is for Annex III points 1, 6 and
    7; for deployers it follows the Art. 49(3) duty of public deployers."""
    assert rows(service, "provider", "high-risk-annex-iii", annex_iii_area="7(b)")["49(4)"]["status"] == "applies"
    assert (
        rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)")["49(4)"]["status"] == "does-not-apply"
    )
    police = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="6(a)", public_body=True)
    firm = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="6(a)", public_body=False)
    assert police["49(4)"]["status"] == "applies" and firm["49(4)"]["status"] == "does-not-apply"


def test_art49_5_national_registration_for_point_2_which_49_1_leaves_out(service: GraphService) -> None:
    """Art. 49(5): critical-infrastructure systems (Annex III point 2) are registered nationally;
    Art. 49(1), and so 16(i), leaves them out of the EU database."""
    grid = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="2")
    hr = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)")
    assert grid["49(5)"]["status"] == "applies" and hr["49(5)"]["status"] == "does-not-apply"
    assert grid["49(1)"]["status"] == "does-not-apply" and hr["49(1)"]["status"] == "applies"
    assert grid["16(i)"]["status"] == "does-not-apply"


def test_art86_right_to_explanation_not_for_point_2(service: GraphService) -> None:
    """Art. 86(1): affected persons may ask the deployer for an explanation of a decision based
    on an Annex III system, except one of point 2."""
    assert rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="2")["86(1)"]["status"] == "does-not-apply"
    assert rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="5(b)")["86(1)"]["status"] == "applies"


def test_art18_3_19_2_and_26_5_second_subparagraph_for_financial_institutions(service: GraphService) -> None:
    """Art. 18(3), 19(2) and the second subparagraph of 26(5): financial institutions keep the
    documentation and logs, and meet the monitoring duty, within their financial-services
    governance; for anyone else these rules do not arise (financial_institution defaults to false)."""
    bank_p = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="5(b)", financial_institution=True)
    firm_p = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="5(b)")
    assert bank_p["18(3)"]["status"] == "applies" and bank_p["19(2)"]["status"] == "applies"
    assert firm_p["18(3)"]["status"] == "does-not-apply" and firm_p["19(2)"]["status"] == "does-not-apply"
    bank_d = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="5(b)", financial_institution=True)
    firm_d = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="5(b)")
    assert bank_d["26(5) second subparagraph"]["status"] == "applies"
    assert firm_d["26(5) second subparagraph"]["status"] == "does-not-apply"


def test_art53_2_and_54_6_open_source_exemptions_not_for_systemic_risk_models(service: GraphService) -> None:
    """Art. 53(2) lifts 53(1)(a)-(b) and Art. 54(6) lifts the representative duty for open-source
    models with public parameters, but neither for a model with systemic risk."""
    oss = rows(service, "gpai-provider", "gpai", "2025-09-01", open_source=True, established_in_union=False)
    closed = rows(service, "gpai-provider", "gpai", "2025-09-01", open_source=False, established_in_union=False)
    systemic = rows(
        service, "gpai-provider", "gpai-systemic", "2025-09-01", open_source=True, established_in_union=False
    )
    for n in ("53(1)(a)", "53(1)(b)", "54(1)"):
        assert oss[n]["status"] == "does-not-apply", n
        assert closed[n]["status"] == "applies", n
        assert systemic[n]["status"] == "applies", n
    assert oss["53(1)(c)"]["status"] == "applies", "the copyright policy is not exempted"
    assert "Art. 53(2)" in oss["53(1)(a)"]["reason"]


def test_art73_binds_a_deployer_only_through_art26_5(service: GraphService) -> None:
    """Art. 26(5), first subparagraph: a deployer that cannot reach the provider reports a
    serious incident as Art. 73 provides; otherwise Art. 73 is the provider's duty."""
    d = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)")
    p = rows(service, "provider", "high-risk-annex-iii", annex_iii_area="4(a)")
    assert d["73(1)"]["status"] == "conditional" and "Art. 26(5)" in d["73(1)"]["reason"]
    assert p["73(1)"]["status"] == "applies"
    assert d["26(5)"]["status"] == "applies"


def test_art25_1_rebranding_or_substantial_modification_makes_the_deployer_the_provider(
    service: GraphService,
) -> None:
    """Art. 25(1): a distributor, importer or deployer that puts its name on a high-risk system or
    substantially modifies it is its provider, subject to Art. 16 and what Art. 16 lists
    (Section 2, Arts 17-20, 43, 47, 48, 49(1)); not to Art. 72, which Art. 16 does not list."""
    rebranded = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)", rebranded=True)
    modified = rows(service, "distributor", "high-risk-annex-iii", annex_iii_area="4(a)", substantially_modified=True)
    plain = rows(
        service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)", rebranded=False, substantially_modified=False
    )
    unknown = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)")
    for n in ("16(a)", "9(1)", "17(1)", "43(2)", "47(1)", "48(1)", "49(1)"):
        assert rebranded[n]["status"] == "applies" and "Art. 25(1)" in rebranded[n]["reason"], n
        assert modified[n]["status"] == "applies", n
        assert status(plain, n) == "absent" and status(unknown, n) == "absent", n
    assert status(rebranded, "72(1)") == "absent"
    assert rebranded["43(1)"]["status"] == "does-not-apply", "the provider's own conditions still hold"
    assert plain["25(1)"]["status"] == "does-not-apply"
    assert unknown["25(1)"]["status"] == "conditional"
    both = applicable(
        service, ["provider", "deployer"], ["high-risk-annex-iii"], dt.date(2026, 11, 23), "adopted",
        {"annex_iii_area": "4(a)"}, include_all=True,
    )  # fmt: skip
    own = {r["notation"]: r for r in both}["25(1)"]
    assert own["status"] == "does-not-apply" and "already the system's provider" in own["reason"]
    assert set(unknown["25(1)"]["decided_by"]) == {"rebranded", "substantially_modified"}


def test_art111_2_high_risk_systems_already_on_the_market(service: GraphService) -> None:
    """Art. 111(2): a high-risk system placed on the market before 2026-08-02 is bound only once
    its design changes significantly; if public authorities use it, by 2030-08-02 in any case."""
    legacy = dict(annex_iii_area="4(a)", placed_on_market="2025-06-01")
    untouched = rows(
        service, "deployer", "high-risk-annex-iii", **legacy, public_body=False, substantially_modified=False
    )
    changed = rows(service, "deployer", "high-risk-annex-iii", **legacy, public_body=False, substantially_modified=True)
    public = rows(service, "deployer", "high-risk-annex-iii", **legacy, public_body=True, substantially_modified=False)
    new = rows(service, "deployer", "high-risk-annex-iii", annex_iii_area="4(a)", placed_on_market="2026-09-01")
    unknown = rows(service, "deployer", "high-risk-annex-iii", **legacy)
    assert untouched["26(1)"]["status"] == "does-not-apply" and "Art. 111(2)" in untouched["26(1)"]["reason"]
    assert changed["26(1)"]["status"] == "applies"
    assert public["26(1)"]["status"] == "applies-from" and public["26(1)"]["from"] == dt.date(2030, 8, 2)
    assert new["26(1)"]["status"] == "applies" and "Art. 111" not in new["26(1)"]["reason"]
    assert unknown["26(1)"]["status"] == "conditional"
    assert untouched["Article 4"]["status"] == "applies", "Art. 111(2) concerns the high-risk duties only"


def test_art111_3_gpai_models_already_on_the_market(service: GraphService) -> None:
    """Art. 111(3): the provider of a general-purpose AI model placed on the market before
    2025-08-02 has until 2027-08-02 to comply."""
    old = rows(service, "gpai-provider", "gpai", open_source=False, placed_on_market="2025-03-01")
    new = rows(service, "gpai-provider", "gpai", open_source=False, placed_on_market="2025-09-01")
    assert old["53(1)(a)"]["status"] == "applies-from" and old["53(1)(a)"]["from"] == dt.date(2027, 8, 2)
    assert new["53(1)(a)"]["status"] == "applies"
    unknown = rows(service, "gpai-provider", "gpai", open_source=False)
    assert "unless placed on the market before 2025-08-02 (Art. 111(3)" in unknown["53(1)(a)"]["reason"]


class _Stub:
    """A service answering two named queries from fixed rows (for the layer fallback)."""

    def __init__(self, rules: list[dict[str, Any]], layers: list[dict[str, Any]]) -> None:
        self.rules, self.layers = rules, layers
        self._cache: dict[str, dict[Any, Any]] = {}
        self.registry: Any = None
        self.store: Any = None

    def select(self, name: str, **_: Any) -> list[dict[str, Any]]:
        return self.rules if name == "transitional_rules" else self.layers

    def cache(self, name: str) -> dict[Any, Any]:
        return self._cache.setdefault(name, {})


def test_art111_rules_of_a_layer_override_its_base() -> None:
    """A layer with transitional rules of its own uses them; one without uses its base layer's."""

    def rule(layer: str, before: str) -> dict[str, Any]:
        return {
            "id": "art111-2",
            "layer": layer,
            "basis": "Art. 111(2)",
            "words": "w",
            "placedBefore": dt.date.fromisoformat(before),
            "categories": "https://w3id.org/graphsvc/ontology#cat-high-risk-annex-iii",
            "effect": "exempt",
            "outcomeWords": "o",
        }

    layers = [{"id": "adopted"}, {"id": "amended", "base": "adopted"}, {"id": "later", "base": "amended"}]
    svc = _Stub([rule("adopted", "2026-08-02"), rule("amended", "2027-12-02")], layers)
    assert transitional_rules(svc, "adopted")[0]["placed_before"] == dt.date(2026, 8, 2)
    assert transitional_rules(svc, "amended")[0]["placed_before"] == dt.date(2027, 12, 2)
    assert transitional_rules(svc, "later")[0]["placed_before"] == dt.date(2027, 12, 2)


def test_amended_layer_uses_the_adopted_art111_until_it_has_its_own(service: GraphService) -> None:
    assert [r["id"] for r in transitional_rules(service, "amended")] == ["art111-2", "art111-3"]


# -- the example: a private employer deploying an Annex III 4(a) system ---------------
def test_private_employer_deploying_annex_iii_4a_gets_no_public_or_rbi_duties(service: GraphService) -> None:
    """The 14 rows the issue found over-included (public-authority duties, the FRIA, remote
    biometric identification, other points' registration) do not bind a private employer."""
    r = rows(
        service,
        "deployer",
        "high-risk-annex-iii",
        annex_iii_area="4(a)",
        public_body=False,
        public_service_provider=False,
        used_at_workplace=True,
        placed_on_market="2026-09-01",
    )
    wrongly_included = ["26(8)", "26(10)", "27(1)", "27(1)(a)", "27(1)(b)", "27(1)(c)", "27(1)(d)", "27(1)(e)"]
    wrongly_included += ["27(1)(f)", "27(2)", "27(3)", "49(3)", "49(4)"]
    for n in wrongly_included:
        assert r[n]["status"] == "does-not-apply", n
    assert "27(4)" not in r, "27(4) is a without-prejudice clause, not an obligation"
    assert r["26(7)"]["status"] == "applies"
    assert all(x["reason"] for x in r.values())


# -- catalog data ---------------------------------------------------------------------------
def test_non_obligation_rows_are_kinded_as_such_and_carry_no_roles() -> None:
    cat = {r.notation: r for r in load_catalog(CATALOG).requirements}
    kinds = {n: cat[n].kind for n in ("6(3)", "10(5)", "10(6)", "26(3)", "27(4)")}
    assert kinds == {
        "6(3)": "derogation",
        "10(5)": "permission",
        "10(6)": "scope_rule",
        "26(3)": "without_prejudice",
        "27(4)": "without_prejudice",
    }
    assert all(not cat[n].roles for n in kinds)


def test_missing_operator_obligations_are_in_the_catalog() -> None:
    cat = {r.notation: r for r in load_catalog(CATALOG).requirements}
    for n in ("60(4)", "60(5)", "60(6)", "60(7)", "60(8)", "60(9)", "61(1)", "61(2)"):
        assert cat[n].roles and "high-risk-annex-iii" in cat[n].categories, n
    assert cat["79(4)"].roles and cat["82(2)"].roles and cat["83(1)"].roles == ["provider"]
    assert cat["80(4)"].roles == ["provider"] and cat["80(5)"].roles == ["provider"]
    assert cat["91(5)"].roles == ["gpai-provider"] and cat["92(5)"].roles == ["gpai-provider"]
    assert all(cat[n].url.startswith("https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_") for n in ("60(4)", "92(5)"))


def test_every_annex_iii_point_is_in_the_catalog() -> None:
    cat = {r.iri.rsplit("/", 1)[-1] for r in load_catalog(CATALOG).requirements}
    from graphsvc.sources.conditions import point_to_local

    assert {point_to_local(p) for p in ANNEX_III_POINTS} <= cat


def test_a_condition_with_an_unknown_attribute_names_file_line_and_field(tmp_path: Path) -> None:
    reqs = load_catalog(CATALOG).requirements
    bad = tmp_path / "conditions.csv"
    bad.write_text(
        "id,obligations,roles,categories,condition,effect,basis,url,words\n"
        "c1,art26.7,,,used_at_workplace,only-if,Art. 26(7),,ok\n"
        "c2,art26.8,,,public_bodyy,only-if,Art. 26(8),,typo\n",
        encoding="utf-8",
    )
    with pytest.raises(DataLoadError, match=r"conditions.csv:3: field 'condition': unknown attribute 'public_bodyy'"):
        load_conditions(bad, reqs, ROLES, CATEGORIES)
    bad.write_text(
        "id,obligations,roles,categories,condition,effect,basis,url,words\n"
        "c1,art99.9,,,used_at_workplace,only-if,Art. 26(7),,ok\n",
        encoding="utf-8",
    )
    with pytest.raises(DataLoadError, match=r"conditions.csv:2: field 'obligations' names 'art99.9'"):
        load_conditions(bad, reqs, ROLES, CATEGORIES)


# -- bad input ------------------------------------------------------------------------------
def test_bad_attribute_values_are_refused_naming_the_attribute() -> None:
    with pytest.raises(QueryParameterError, match="unknown attribute 'public'"):
        parse_facts({"public": True})
    with pytest.raises(QueryParameterError, match="annex_iii_area: '4\\(c\\)' is not an area or point of Annex III"):
        parse_facts({"annex_iii_area": "4(c)"})
    with pytest.raises(QueryParameterError, match="placed_on_market: '2026-13-01' is not a date"):
        parse_facts({"placed_on_market": "2026-13-01"})
    assert parse_facts({"annex_iii_area": "5 (b)", "annex_i_section": "b"}) == {
        "annex_iii_area": "5(b)",
        "annex_i_section": "B",
    }


def test_annex_i_section_without_an_annex_i_system_is_refused(service: GraphService) -> None:
    with pytest.raises(QueryParameterError, match="annex_i_section is given, but the system is not an Annex I"):
        applicable(
            service, ["provider"], ["high-risk-annex-iii"], dt.date(2026, 9, 1), "adopted", {"annex_i_section": "A"}
        )


ORG = """organisation:
  id: acme
  name: Acme
  public_body: false
systems:
  - id: bot
    name: Bot
    intended_purpose: screens applications
    roles: [deployer]
    annex_iii_area: 4(a)
{extra}"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "    used_at_work: true\n",
            r"acme.yaml:6: field 'used_at_work': unknown (attribute of a system|key in 'systems')",
        ),
        (
            "    annex_i_section: A\n",
            r"acme.yaml:6: field 'annex_i_section': is given, but the system is not an Annex I",
        ),
        ("    placed_on_market: 2026-02-30\n", r"acme.yaml:6: field 'placed_on_market': '2026-02-30' is not a date"),
        ("    rebranded: yes please\n", r"acme.yaml:6: field 'rebranded': must be true or false"),
    ],
)
def test_bad_system_attributes_name_file_line_and_field(tmp_path: Path, extra: str, message: str) -> None:
    from graphsvc.sources.orgdata import read_org

    path = tmp_path / "acme.yaml"
    path.write_text(ORG.format(extra=extra), encoding="utf-8")
    with pytest.raises(DataLoadError, match=message):
        read_org(path)


def test_a_non_existent_annex_iii_point_names_file_line_and_field(tmp_path: Path) -> None:
    from graphsvc.sources.orgdata import read_org

    path = tmp_path / "acme.yaml"
    path.write_text(ORG.format(extra="").replace("4(a)", "4(c)"), encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"acme.yaml:6: field 'annex_iii_area': '4\(c\)' is not an area or point"):
        read_org(path)
    path.write_text(ORG.format(extra="").replace("public_body: false", "public_bodies: false"), encoding="utf-8")
    with pytest.raises(
        DataLoadError,
        match=r"acme.yaml:2: field 'public_bodies': unknown (attribute of an organisation|key in 'organisation')",
    ):
        read_org(path)


def test_attributes_are_recorded_for_the_engine(tmp_path: Path) -> None:
    data = compile_org(
        {
            "organisation": {"id": "acme", "name": "Acme", "public_body": True},
            "systems": [
                {
                    "id": "bot",
                    "name": "Bot",
                    "intended_purpose": "x",
                    "roles": ["deployer"],
                    "annex_iii_area": "5b",
                    "placed_on_market": "2026-09-01",
                    "used_at_workplace": False,
                }
            ],
        },
        tmp_path / "acme.yaml",
    )
    preds = {(t[1].value.rsplit("#", 1)[-1], str(getattr(t[2], "value", ""))) for t in data.published}
    assert ("publicBody", "true") in preds and ("usedAtWorkplace", "false") in preds
    assert ("placedOnMarket", "2026-09-01") in preds
    assert ("annexIIIArea", "https://w3id.org/graphsvc/req/euaia-2024-1689/anx3.5.b") in preds
    assert not any(p == "rebranded" for p, _ in preds), "an attribute not given is not recorded"
