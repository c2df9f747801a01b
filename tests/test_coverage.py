"""Coverage semantics on a small synthetic provider and customer (tests/data/coverage/).

Every expected answer below is worked out by hand from the fixture files and the design
brief's rules, not computed by the code under test:

* cust/csys (provider and deployer of an Annex III 4(a) system) depends on prov/psys.
* prov publishes P-LOG (provided, A.6.2.8) and P-MON (shared, Art 26(5), residual "Watch the
  outputs…"); P-INT (customer-only, Art 26(6)) stays private. prov's certificate pcert covers
  psys, valid 2025-01-01..2028-01-01, excluding A.6.2.6; pcert-old expired 2023-01-01.
* mappings: A.6.2.8 superset 12(1) s8; A.6.2.6 intersects 26(5) s6; A.5.2 subset MAP 1.1 and
  MAP 1.1 superset 9(1) (a chain that gives nothing); A.6.2.4 equal MEASURE 2.5 s9 and
  MEASURE 2.5 superset 15(1) s6 (chain: superset, strength 6); A.7.3 not-related 10(2);
  A.8.2 superset 13(1) but only proposed.
* nc.sssom.tsv: ISO/IEC 42001 has no counterpart for 48(1), nor (deliberately contradicted by
  the A.6.2.4 chain) for 15(1).
* star/sl2 is a STAR for AI Level 2 attestation (2025-06-01..2026-06-01) resting on star/scert,
  an ISO/IEC 42001 certificate (2025-01-01..2028-01-01) with no exclusions.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from graphsvc.config import PROJECT_ROOT, load_settings
from graphsvc.domain.coverage import Options, certificate_coverage, org_coverage, system_coverage
from graphsvc.service import GraphService
from graphsvc.sources.decisions import gap_reason

DATA = Path(__file__).parent / "data" / "coverage"
DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> GraphService:
    root = tmp_path_factory.mktemp("covproject")
    shutil.copytree(PROJECT_ROOT / "ontology", root / "ontology")
    shutil.copytree(PROJECT_ROOT / "queries", root / "queries")
    shutil.copytree(PROJECT_ROOT / "mappings" / "catalogs", root / "mappings" / "catalogs")
    (root / "mappings" / "sssom").mkdir()
    shutil.copy(DATA / "test.sssom.tsv", root / "mappings" / "sssom" / "test.sssom.tsv")
    shutil.copy(DATA / "nc.sssom.tsv", root / "mappings" / "sssom" / "nc.sssom.tsv")
    settings = load_settings(
        environ={},
        overrides={"root": str(root), "org_paths": str(DATA / "orgs"), "data_dir": str(root / "data")},
    )
    return GraphService.in_memory(settings)


def by_notation(result: dict) -> dict[str, dict]:
    return {r["notation"]: r for r in result["requirements"]}


def opts(**kw: object) -> Options:
    return Options(as_of=kw.pop("as_of", DAY), layer=kw.pop("layer", "adopted"), **kw)  # type: ignore[arg-type]


# -- a certificate alone -------------------------------------------------------------------
def test_certificate_alone(svc: GraphService) -> None:
    res = certificate_coverage(svc, "prov/pcert", "euaia", opts())
    r = by_notation(res)
    assert res["certificate"]["valid_on_date"] is True
    assert res["certificate"]["issuer"] == "Test Certification Body"
    assert res["certificate"]["accreditation"] == "Test Accreditation Body"
    assert r["12(1)"]["status"] == "satisfied"  # A.6.2.8 superset 12(1)
    best = r["12(1)"]["paths"][0]
    assert [h["relation"] for h in best["hops"]] == ["superset"] and best["strength"] == 8
    assert r["15(1)"]["status"] == "satisfied"  # A.6.2.4 = MEASURE 2.5 ⊇ 15(1): chained superset
    chained = r["15(1)"]["paths"][0]
    assert chained["derived"] and chained["strength"] == 6  # the weakest hop
    assert [h["to"] for h in chained["hops"]] == ["MEASURE 2.5", "15(1)"]
    # A.6.2.6 is excluded by the SoA: its intersects-link to 26(5) gives nothing
    assert r["26(5)"]["status"] == "gap"
    assert {x["requirement"] for x in res["certificate"]["excluded"]} == {"A.6.2.6"}
    # subset-then-superset chain transfers nothing
    assert r["9(1)"]["status"] == "gap"
    # not-related transfers nothing; proposed mappings are not used by default
    assert r["10(2)"]["status"] == "gap"
    assert r["13(1)"]["status"] == "gap"
    assert res["mappings_used"] == "approved only"
    # without a system, nothing is judged not-applicable
    assert res["summary"]["not-applicable"] == 0
    assert res["summary"]["satisfied"] == 2


def test_proposed_mappings_only_when_asked(svc: GraphService) -> None:
    r = by_notation(certificate_coverage(svc, "prov/pcert", "euaia", opts(include_proposed=True)))
    assert r["13(1)"]["status"] == "satisfied"
    assert r["13(1)"]["paths"][0]["hops"][0]["status"] == "proposed"


def test_expired_certificate_gives_nothing(svc: GraphService) -> None:
    res = certificate_coverage(svc, "prov/pcert-old", "euaia", opts())
    assert res["certificate"]["valid_on_date"] is False
    assert res["summary"]["satisfied"] == res["summary"]["partial"] == 0
    # the same certificate did count while it was valid
    old = certificate_coverage(svc, "prov/pcert-old", "euaia", opts(as_of=dt.date(2022, 6, 1)))
    assert by_notation(old)["12(1)"]["status"] == "satisfied"


def test_certificate_against_its_own_framework(svc: GraphService) -> None:
    r = by_notation(certificate_coverage(svc, "prov/pcert", "iso42001", opts()))
    assert r["A.6.2.8"]["status"] == "satisfied"
    assert r["A.6.2.6"]["status"] == "gap"  # excluded by the SoA


# -- a system with inheritance ----------------------------------------------------------------
@pytest.fixture(scope="module")
def csys(svc: GraphService) -> dict:
    return system_coverage(svc, "cust/csys", "euaia", opts())


def test_system_profile_comes_from_classification(csys: dict) -> None:
    assert csys["system"]["roles"] == ["deployer", "provider"]
    assert "high-risk-annex-iii" in csys["system"]["categories"]
    assert [d["system"] for d in csys["system"]["depends_on"]] == ["gsd:system/prov/psys"]


def test_provided_control_is_inherited_fully(csys: dict) -> None:
    r = by_notation(csys)["12(1)"]
    assert r["status"] == "satisfied"
    assert r["paths"][0]["start"]["id"] == "gsd:control/prov/P-LOG"
    assert r["paths"][0]["origin"] == "inherited"
    assert "inherited" in r["via"]


def test_shared_control_is_partial_with_residual(csys: dict) -> None:
    r = by_notation(csys)["26(5)"]
    assert r["status"] == "partial"
    assert r["residual"] == ["Watch the outputs of your own deployment and report anomalies"]
    assert {p["start"]["kind"] for p in r["paths"]} == {"inherited-control"}  # A.6.2.6 is SoA-excluded


def test_inherited_certificate_is_partial(csys: dict) -> None:
    # A.6.2.4 is also covered by the provider's certificate (partial, for psys) and by the
    # customer's own control with valid evidence (full): the own path wins
    r = by_notation(csys)["15(1)"]
    assert r["status"] == "satisfied"
    kinds = {p["start"]["kind"]: p["transfer"] for p in r["paths"]}
    assert kinds == {"control": "full", "inherited-certificate": "partial"}
    assert r["paths"][0]["start"]["evidence"][0]["valid_until"] == "2027-12-31"


def test_customer_only_item_is_never_inherited(csys: dict) -> None:
    r = by_notation(csys)["26(6)"]
    assert r["status"] == "gap"
    assert all(p["start"]["id"] != "gsd:control/prov/P-INT" for p in r["paths"])


def test_expired_evidence_and_planned_controls_give_nothing(csys: dict) -> None:
    r = by_notation(csys)
    assert r["26(2)"]["status"] == "gap"
    assert r["26(7)"]["status"] == "gap"
    ignored = {i["id"]: i["reason"] for i in csys["ignored"]}
    assert "expired 2025-06-30" in ignored["gsd:control/cust/C-EXPIRED"]
    assert ignored["gsd:control/cust/C-PLANNED"] == "status is planned"
    assert "not valid on 2026-11-23" in ignored["gsd:certificate/prov/pcert-old"]


def test_not_related_chain_and_proposed_give_nothing_for_the_system(csys: dict) -> None:
    r = by_notation(csys)
    assert r["10(2)"]["status"] == "gap"
    assert r["9(1)"]["status"] == "gap"
    assert r["13(1)"]["status"] == "gap"


def test_not_applicable_is_not_a_gap(csys: dict) -> None:
    r = by_notation(csys)
    # csys does not interact with people: Art 50(1) does not bind it; GPAI duties never do
    assert r["50(1)"]["status"] == "not-applicable"
    assert r["53(1)(a)"]["status"] == "not-applicable"
    total = csys["summary"]
    assert total["not-applicable"] >= 2
    assert sum(total.values()) == len(csys["requirements"])


def test_not_yet_applicable_on_the_date_is_upcoming_with_its_future_status(svc: GraphService) -> None:
    # as amended, Annex III obligations apply from 2027-12-02: before that the row is upcoming, and
    # shows the status its paths would give it then (point 6 of issue 11; it used to say
    # not-applicable, which hid from a team what it already has in place)
    res = system_coverage(svc, "cust/csys", "euaia", opts(layer="amended"))
    r = by_notation(res)["15(1)"]
    assert r["status"] == "upcoming"
    assert r["applicability"] == {
        "status": "applies-from",
        "from": "2027-12-02",
        "reason": r["applicability"]["reason"],
    }
    # as adopted, the same row applies on the date: its status then is what 'would_be' says
    adopted = by_notation(system_coverage(svc, "cust/csys", "euaia", opts()))["15(1)"]
    assert r["would_be"] == adopted["status"] == "satisfied"
    assert "upcoming: applies from 2027-12-02" in r["explanation"]
    assert r["paths"], "the paths are still shown"
    assert res["summary"]["upcoming"] > 0


def test_conditional_obligation_shows_its_condition(csys: dict) -> None:
    # Art. 26(8): only public deployers register their use; cust does not say whether it is one
    r = by_notation(csys)["26(8)"]
    assert r["status"] == "conditional" and r["would_be"] == "gap"
    assert r["decided_by"] == ["public_body"]
    assert "Art. 26(8)" in r["explanation"] and "public_body" in r["explanation"]


def test_obligation_that_does_not_bind_the_system_is_not_applicable_with_its_reason(csys: dict) -> None:
    r = by_notation(csys)
    # Art. 49(5) concerns Annex III point 2 systems; csys is a 4(a) system
    assert r["49(5)"]["status"] == "not-applicable"
    assert "Art. 49(5)" in r["49(5)"]["explanation"] and "annex_iii_area is 4(a)" in r["49(5)"]["explanation"]
    assert r["26(7)"]["status"] == "gap", "csys is used at the workplace, so Art. 26(7) binds"


def test_provisions_that_impose_no_duty_are_not_coverage_targets(csys: dict, svc: GraphService) -> None:
    r = by_notation(csys)
    for n in ("6(3)", "10(5)", "10(6)", "26(3)", "27(4)"):
        assert n not in r, n
    assert "60(4)" in r and "83(1)" in r, "the added operator obligations are targets"
    cert = by_notation(certificate_coverage(svc, "prov/pcert", "euaia", opts()))
    assert "26(3)" not in cert


def test_certificate_alone_names_the_roles_each_row_binds(svc: GraphService) -> None:
    res = certificate_coverage(svc, "prov/pcert", "euaia", opts())
    r = by_notation(res)
    assert res["applicability"].startswith("none: no applicability filter was applied")
    assert r["26(1)"]["binds"] == ["deployer"]
    assert r["73(1)"]["binds"] == ["deployer", "provider"]
    assert r["53(1)"]["binds"] == ["gpai-provider"]


def test_certificate_with_a_role_category_or_system_context(svc: GraphService) -> None:
    ctx = {"roles": ["deployer"], "categories": ["high-risk-annex-iii"], "facts": {"annex_iii_area": "4(a)"}}
    res = certificate_coverage(svc, "prov/pcert", "euaia", opts(), context=ctx)
    r = by_notation(res)
    assert res["applicability"].startswith("for deployer")
    assert r["9(1)"]["status"] == "not-applicable", "Art. 9 binds providers, not deployers"
    assert r["26(5)"]["status"] == "gap"
    assert r["26(8)"]["status"] == "conditional"
    via_system = by_notation(certificate_coverage(svc, "prov/pcert", "euaia", opts(), context={"system": "cust/csys"}))
    assert via_system["12(1)"]["status"] == "satisfied" and via_system["50(1)"]["status"] == "not-applicable"
    assert via_system["26(7)"]["status"] == "gap"


def test_organisation_gaps_ranked_by_date(svc: GraphService) -> None:
    res = org_coverage(svc, "cust", "euaia", opts())
    assert [s["system"]["id"] for s in res["systems"]] == ["gsd:system/cust/csys"]
    dates = [g["from"] for g in res["gaps"]]
    assert dates == sorted(dates)
    assert {g["notation"] for g in res["gaps"]} >= {"26(2)", "26(6)", "26(5)"}


# -- why a gap is a gap ------------------------------------------------------------------------
def test_gap_says_no_counterpart_or_not_reached(svc: GraphService) -> None:
    res = certificate_coverage(svc, "prov/pcert", "euaia", opts())
    r = by_notation(res)
    ce = r["48(1)"]
    assert ce["status"] == "gap" and ce["gap"]["kind"] == "no-counterpart"
    assert ce["explanation"] == "48(1): gap; no ISO/IEC 42001 counterpart: CE marking is a product act (test row)."
    assert [d["framework"] for d in ce["gap"]["decisions"]] == ["iso42001"]
    # 26(5) has a counterpart (A.6.2.6), excluded by the SoA: not reached, not "no counterpart"
    assert r["26(5)"]["gap"]["kind"] == "not-reached"
    assert r["26(5)"]["explanation"] == "26(5): gap; reached by nothing that holds on the date"
    assert res["gap_kinds"]["no-counterpart"] == 1
    assert sum(res["gap_kinds"].values()) == res["summary"]["gap"]
    # a decision never blocks a path: 15(1) is reached by the chain despite its (contradicted) record
    assert r["15(1)"]["status"] == "satisfied" and "gap" not in r["15(1)"]


def test_gap_is_no_counterpart_only_if_every_starting_framework_decided(svc: GraphService) -> None:
    """csys starts from ISO/IEC 42001 items (own and inherited) and EU AI Act items (its target):
    48(1) reads "no counterpart". Had a start come from NIST AI RMF, which decided nothing for
    48(1) but maps into the AI Act, the gap would be "not reached", with ISO's decision listed."""
    r = by_notation(system_coverage(svc, "cust/csys", "euaia", opts()))
    assert r["48(1)"]["gap"]["kind"] == "no-counterpart"
    ce = "https://w3id.org/graphsvc/req/euaia-2024-1689/art48.1"
    both = gap_reason(svc, ce, {"iso42001", "nistairmf"}, "euaia")
    assert both["kind"] == "not-reached"
    assert (
        both["text"]
        == "reached by nothing that holds on the date; no ISO/IEC 42001 counterpart: CE marking is a product act (test row)."
    )
    # a framework no set links to the target (the STAR for AI levels) neither reaches nor decides
    assert gap_reason(svc, ce, {"iso42001", "starai"}, "euaia")["kind"] == "no-counterpart"
    assert gap_reason(svc, ce, set(), "euaia")["kind"] == "not-reached"


def test_expired_certificate_gaps_are_not_reached(svc: GraphService) -> None:
    res = certificate_coverage(svc, "prov/pcert-old", "euaia", opts())
    assert res["gap_kinds"] == {"no-counterpart": 0, "not-reached": res["summary"]["gap"]}


# -- STAR for AI Level 2 rests on an ISO/IEC 42001 certificate ------------------------------------
def test_attestation_reaches_targets_through_its_certificate(svc: GraphService) -> None:
    on = dt.date(2026, 1, 15)
    star = certificate_coverage(svc, "star/sl2", "euaia", opts(as_of=on))
    cert = certificate_coverage(svc, "star/scert", "euaia", opts(as_of=on))
    assert star["certificate"]["rests_on"]["id"] == "gsd:certificate/star/scert"
    assert star["summary"] == cert["summary"]
    r = by_notation(star)["12(1)"]
    assert r["status"] == "satisfied"
    start = r["paths"][0]["start"]
    assert (start["kind"], start["id"], start["rests_on"]["id"]) == (
        "attestation",
        "gsd:attestation/star/sl2",
        "gsd:certificate/star/scert",
    )
    assert r["explanation"].startswith(
        "12(1) is satisfied because attestation Star STAR for AI Level 2 (test), through Star ISO/IEC 42001 "
        "certificate (test) on which it rests, certifies iso42001 A.6.2.8"
    )
    # the attestation expired on 2026-06-01 while the certificate still holds: nothing through it
    late = certificate_coverage(svc, "star/sl2", "euaia", opts(as_of=dt.date(2026, 7, 1)))
    assert late["summary"]["satisfied"] == late["summary"]["partial"] == 0


def test_system_coverage_counts_the_attestation_path(svc: GraphService) -> None:
    res = system_coverage(svc, "star/ssys", "euaia", opts(as_of=dt.date(2026, 1, 15)))
    kinds = {p["start"]["kind"] for r in res["requirements"] for p in r.get("paths", [])}
    assert {"certificate", "attestation"} <= kinds


# -- cross-set consistency and reach (on the same synthetic sets) ---------------------------------
def test_check_finds_a_chain_into_a_no_counterpart_decision(svc: GraphService, tmp_path: Path) -> None:
    """A.6.2.4 = MEASURE 2.5 ⊇ 15(1) derives A.6.2.4 ⊇ 15(1); nc.sssom.tsv says ISO has nothing
    for 15(1). A.5.2 ⊆ MAP 1.1 ⊇ 9(1) derives nothing, so it is not reported."""
    from graphsvc.domain.consistency import check, load_explanations

    found = {
        (f.kind, svc.notation_of(f.source), svc.notation_of(f.via), svc.notation_of(f.target), f.relation)
        for f in check(svc)
    }
    assert ("decision-contradicted", "A.6.2.4", "MEASURE 2.5", "15(1)", "superset") in found
    assert not any(n == "9(1)" for *_, n, _r in found)
    chains = tmp_path / "chains.yaml"
    chains.write_text(
        "chains:\n  - {from: 'iso42001:A.6.2.4', via: 'nistairmf:MEASURE-2.5', to: 'euaia:art15.1', reason: test reason}\n",
        encoding="utf-8",
    )
    explained = [f for f in check(svc, load_explanations(chains)) if f.explanation]
    assert [(svc.notation_of(f.target), f.explanation) for f in explained] == [("15(1)", "test reason")]


def test_chain_explanation_file_needs_every_field(tmp_path: Path) -> None:
    from graphsvc.domain.consistency import load_explanations
    from graphsvc.errors import DataLoadError

    chains = tmp_path / "chains.yaml"
    chains.write_text("chains:\n  - {from: 'iso42001:A.6.2.4', to: 'euaia:art15.1', reason: x}\n", encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"chains.yaml: chain 1: field 'via' is missing"):
        load_explanations(chains)


def test_reach_report_counts_mapped_decided_and_nothing(svc: GraphService) -> None:
    from graphsvc.domain.reach import reach_report

    rep = reach_report(svc, "iso42001", "euaia")
    groups = {g["group"]: g for g in rep["groups"]}
    # direct approved rows (not not-related, not proposed) reach 12(1) and 26(5); 48(1) is decided
    assert groups["Article 12"]["mapped"] == 1 and "12(1)" not in groups["Article 12"]["undecided"]
    assert groups["Article 48"]["no counterpart"] == 1
    assert "10(2)" in groups["Article 10"]["undecided"]  # only a not-related row
    assert "13(1)" in groups["Article 13"]["undecided"]  # only a proposed row
    assert rep["totals"]["mapped"] == 2 and rep["totals"]["no counterpart"] == 2
    assert sum(rep["totals"].values()) == rep["items"]
