"""Law layers: legal status as data, the default layer by date, layer-only obligations, repeals,
rewordings and Art. 111 transitional rules, each worked out from the text it models.

Sources (see mappings/catalogs/euaia-2024-1689/layers/*.yaml for what was verified and where):
Regulation (EU) 2024/1689 Art. 111 and 113 as adopted; the Digital Omnibus on AI, reported as
Regulation (EU) 2026/1744 (in force 2026-07-27): Art. 113(3)(a) and (c) as replaced, Art. 111(2)
as revised, new Art. 111(4), new Art. 5(1)(ba)/(bb), recast Art. 4, new Art. 4a, Art. 10(5) deleted.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.config import PROJECT_ROOT, Settings
from graphsvc.domain.applicability import applicable
from graphsvc.domain.coverage import Options, system_coverage
from graphsvc.errors import DataLoadError, UnknownTerm
from graphsvc.service import GraphService
from graphsvc.sources.layer_files import load_layer, load_layers
from graphsvc.sources.layers import describe_layer, resolve_layer

D = dt.date.fromisoformat
LAYERS = PROJECT_ROOT / "mappings" / "catalogs" / "euaia-2024-1689" / "layers"


def rows(
    svc: GraphService, role: str, cat: str, day: str, layer: str, placed: str | None = None
) -> dict[str, dict[str, Any]]:
    found = applicable(svc, [role], [cat], D(day), layer, placed_on_market=D(placed) if placed else None)
    return {r["notation"]: r for r in found}


# -- legal status and the default layer --------------------------------------------------------
def test_each_layer_names_its_legal_status(service: GraphService) -> None:
    adopted = describe_layer(service, "adopted")
    amended = describe_layer(service, "amended")
    proposal = describe_layer(service, "proposal-2025")
    assert adopted["status"] == "in-force" and adopted["in_force_from"] == "2024-08-01"
    assert amended["status"] == "in-force" and amended["statement"] == "law in force since 2026-07-27"
    assert proposal["status"] == "proposal" and proposal["in_force_from"] is None
    assert "not law" in proposal["statement"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2024-08-01", "adopted"),  # Art. 113: Regulation (EU) 2024/1689 in force from 2024-08-01
        ("2026-07-26", "adopted"),  # the day before the Digital Omnibus entered into force
        ("2026-07-27", "amended"),  # entry into force of the Digital Omnibus (third day after 2026-07-24)
        ("2026-12-03", "amended"),
    ],
)
def test_default_layer_is_the_law_in_force_on_the_date(service: GraphService, day: str, expected: str) -> None:
    assert resolve_layer(service, None, D(day)) == expected
    assert resolve_layer(service, "in-force", D(day)) == expected


def test_a_proposal_is_never_the_default_but_can_be_asked_for(service: GraphService) -> None:
    assert resolve_layer(service, "proposal-2025", D("2026-12-03")) == "proposal-2025"
    with pytest.raises(UnknownTerm, match="no law layer is in force on 2024-07-31"):
        resolve_layer(service, None, D("2024-07-31"))
    with pytest.raises(UnknownTerm, match="law layer 'omnibus'"):
        resolve_layer(service, "omnibus", D("2026-12-03"))


# -- dates changed by the amending act ---------------------------------------------------------
def test_art_113_c_i_fixed_date_for_annex_iii_replaces_the_backstop(service: GraphService) -> None:
    """Art. 113(3)(c)(i) as replaced: Annex III high-risk obligations from 2027-12-02, a fixed date;
    the proposal had the same day only as a latest (backstop) date."""
    amended = rows(service, "deployer", "high-risk-annex-iii", "2027-12-01", "amended")
    assert amended["26(1)"]["status"] == "applies-from" and amended["26(1)"]["from"] == D("2027-12-02")
    assert "fixed date" in amended["26(1)"]["reason"]
    on = rows(service, "deployer", "high-risk-annex-iii", "2027-12-02", "amended")
    assert on["26(1)"]["status"] == "applies"
    proposal = rows(service, "deployer", "high-risk-annex-iii", "2027-12-01", "proposal-2025")
    assert "backstop" in proposal["26(1)"]["reason"]


def test_art_113_c_ii_fixed_date_for_annex_i(service: GraphService) -> None:
    """Art. 113(3)(c)(ii) as replaced: Annex I (Art. 6(1)) high-risk obligations from 2028-08-02
    (a system placed on the market after the Art. 111(2) cut-off, so no transitional rule)."""
    facts = {"annex_i_section": "A", "placed_on_market": D("2027-06-01")}  # Section A: Art. 2(2) does not limit it

    def on(day: str) -> dict[str, Any]:
        found = applicable(service, ["provider"], ["high-risk-annex-i"], D(day), "amended", facts)
        return {r["notation"]: r for r in found}["9(1)"]

    assert on("2028-08-01")["status"] == "applies-from" and on("2028-08-01")["from"] == D("2028-08-02")
    assert on("2028-08-02")["status"] == "applies"


@pytest.mark.parametrize("role", ["provider", "deployer", "importer", "distributor"])
def test_art_5_1_ba_and_bb_new_prohibitions_apply_from_2_december_2026(service: GraphService, role: str) -> None:
    """Art. 5(1)(ba) and (bb), inserted by the Digital Omnibus, bind every operator from 2026-12-02
    (Art. 113(3)(a) as replaced); the other Art. 5 prohibitions keep 2025-02-02."""
    before = rows(service, role, "all", "2026-12-01", "amended")
    on = rows(service, role, "all", "2026-12-02", "amended")
    for n in ("5(1)(ba)", "5(1)(bb)"):
        assert before[n]["status"] == "applies-from" and before[n]["from"] == D("2026-12-02")
        assert on[n]["status"] == "applies"
    assert on["5(1)(a)"]["from"] == D("2025-02-02")


def test_art_5_1_ba_exists_only_in_the_amended_layer(service: GraphService) -> None:
    """An obligation added by a layer is invisible to applicability under every other layer."""
    for layer in ("adopted", "proposal-2025"):
        r = rows(service, "provider", "all", "2027-01-01", layer)
        assert "5(1)(ba)" not in r and "5(1)(bb)" not in r, layer
        assert "5(1)(a)" in r


def test_a_one_layer_obligation_is_no_coverage_target_in_another_layer(service: GraphService) -> None:
    system = "contoso/hr-screening"
    adopted = system_coverage(service, system, "euaia", Options(as_of=D("2026-12-03"), layer="adopted"))
    amended = system_coverage(service, system, "euaia", Options(as_of=D("2026-12-03"), layer="amended"))
    notations_adopted = {r["notation"] for r in adopted["requirements"]}
    notations_amended = {r["notation"] for r in amended["requirements"]}
    assert "5(1)(ba)" in notations_amended and "5(1)(ba)" not in notations_adopted
    # Art. 10(5), a permission, is never a coverage target (and as amended it is deleted)
    assert "10(5)" not in notations_adopted | notations_amended
    assert amended["law_layer"]["statement"] == "law in force since 2026-07-27"
    assert adopted["law_layer"]["id"] == "adopted"


def test_art_50_2_grace_period_depends_on_the_placing_on_market_date(service: GraphService) -> None:
    """Art. 111(4), added by the Digital Omnibus: a generative system placed on the market before
    2026-08-02 has until 2026-12-02 for the Art. 50(2) marking; one placed later is bound from
    2026-08-02 (Art. 113, general date); without the date the row is conditional until the
    grace period has ended."""
    legacy = rows(service, "provider", "transparency", "2026-09-01", "amended", placed="2026-05-01")
    assert legacy["50(2)"]["status"] == "applies-from" and legacy["50(2)"]["from"] == D("2026-12-02")
    new = rows(service, "provider", "transparency", "2026-09-01", "amended", placed="2026-08-15")
    assert new["50(2)"]["status"] == "applies" and new["50(2)"]["from"] == D("2026-08-02")
    unknown_during = rows(service, "provider", "transparency", "2026-09-01", "amended")
    assert unknown_during["50(2)"]["status"] == "conditional"
    unknown_after = rows(service, "provider", "transparency", "2026-12-03", "amended")
    assert unknown_after["50(2)"]["status"] == "applies"
    unknown_before = rows(service, "provider", "transparency", "2026-07-30", "amended")
    assert unknown_before["50(2)"]["status"] == "applies-from" and unknown_before["50(2)"]["from"] == D("2026-08-02")
    # as adopted there is no grace period at all
    adopted = rows(service, "provider", "transparency", "2026-09-01", "adopted", placed="2026-05-01")
    assert adopted["50(2)"]["status"] == "applies"


def test_art_111_2_as_adopted_until_its_revision_is_verified(service: GraphService) -> None:
    """Art. 111(2): a high-risk system placed on the market before 2026-08-02 is bound only after a
    significant design change (public-authority systems by 2030-08-02). The Digital Omnibus is
    reported to move the cut-off to the new Chapter III dates, but that wording could not be
    verified, so the amended layer keeps the adopted rule (transitional/adopted.yaml)."""
    old = rows(service, "provider", "high-risk-annex-iii", "2028-01-01", "amended", placed="2025-01-01")
    # whether it binds turns on a significant design change since: conditional until that is given
    assert old["9(1)"]["status"] == "conditional" and "substantially_modified" in old["9(1)"]["decided_by"]
    new = rows(service, "provider", "high-risk-annex-iii", "2028-01-01", "amended", placed="2026-09-01")
    assert new["9(1)"]["status"] == "applies"


def test_art_111_3_gpai_models_already_on_the_market(service: GraphService) -> None:
    """Art. 111(3) (unchanged by the Digital Omnibus): a general-purpose AI model placed on the market
    before 2025-08-02 has until 2027-08-02. (53(1)(c), the copyright policy, has no open-source
    exemption, so only the placing date decides it.)"""
    legacy = rows(service, "gpai-provider", "gpai", "2026-12-03", "amended", placed="2025-03-01")
    assert legacy["53(1)(c)"]["status"] == "applies-from" and legacy["53(1)(c)"]["from"] == D("2027-08-02")
    new = rows(service, "gpai-provider", "gpai", "2026-12-03", "amended", placed="2025-09-01")
    assert new["53(1)(c)"]["status"] == "applies" and new["53(1)(c)"]["from"] == D("2025-08-02")


def test_art_4_recast_keeps_its_date_and_roles(service: GraphService) -> None:
    """Art. 4 as recast (take measures supporting AI literacy): still binds providers and deployers
    from 2025-02-02; the proposal would have removed it as an operator duty."""
    amended = rows(service, "deployer", "all", "2026-12-03", "amended")
    assert amended["Article 4"]["status"] == "applies" and amended["Article 4"]["from"] == D("2025-02-02")
    assert "wording as in" in amended["Article 4"]["reason"]
    assert "Article 4" not in rows(service, "deployer", "all", "2026-12-03", "proposal-2025")


def test_art_4a_is_a_permission_in_the_amended_layer_only(service: GraphService) -> None:
    cat = {r["notation"]: r for r in service.catalog("euaia")}
    assert cat["Article 4a"]["layer"] == "amended" and cat["Article 4a"]["parent"] == "Chapter I"
    assert "Article 4a" not in rows(service, "provider", "high-risk-annex-iii", "2028-01-01", "amended")


def test_art_10_5_repealed_as_amended(service: GraphService) -> None:
    """Art. 10(5) (a permission to process special-category data for bias correction, not a duty,
    so never an obligation row) is deleted by the amending act: it exists as adopted only."""
    from graphsvc.sources.layers import hidden_requirements

    art10_5 = "https://w3id.org/graphsvc/req/euaia-2024-1689/art10.5"
    assert art10_5 not in hidden_requirements(service, "adopted")
    assert art10_5 in hidden_requirements(service, "amended")
    amended = rows(service, "provider", "high-risk-annex-iii", "2028-01-01", "amended")
    assert "10(4)" in amended and "10(5)" not in amended


def test_art_6_3_registration_retained_as_amended_dropped_as_proposed(service: GraphService) -> None:
    """Art. 49(2) (registration of an Annex III system assessed as not high-risk under Art. 6(3)) is
    kept by the adopted act; the Commission had proposed dropping it."""
    from graphsvc.sources.layers import hidden_requirements

    art49_2 = "https://w3id.org/graphsvc/req/euaia-2024-1689/art49.2"
    assert art49_2 not in hidden_requirements(service, "amended")
    assert art49_2 in hidden_requirements(service, "proposal-2025")


def test_machinery_assignment_to_annex_i_section_b_is_recorded(service: GraphService) -> None:
    q = """
    PREFIX gs: <https://w3id.org/graphsvc/ontology#>
    SELECT ?id ?leg ?sec WHERE { ?l gs:layerId ?id ; gs:annexIAssignment [ gs:legislation ?leg ; gs:assignedSection ?sec ] }"""
    found = [(r["id"].value, r["sec"].value) for r in service.store.select(q) if "2023/1230" in r["leg"].value]
    assert found == [("amended", "B")]


# -- answers name the layer and its status -----------------------------------------------------
def test_cli_applicable_header_names_layer_and_status(built_settings: Settings) -> None:
    result = CliRunner().invoke(
        app,
        [
            "applicable",
            "--role",
            "deployer",
            "--category",
            "all",
            "--as-of",
            "2026-07-26",
            "--store",
            built_settings.data_dir,
        ],
    )
    assert result.exit_code == 0
    assert "law layer 'adopted'" in result.stdout and "law in force since 2024-08-01" in result.stdout
    result = CliRunner().invoke(
        app,
        [
            "applicable",
            "--role",
            "deployer",
            "--category",
            "all",
            "--as-of",
            "2026-12-03",
            "-f",
            "json",
            "--store",
            built_settings.data_dir,
        ],
    )
    items = json.loads(result.stdout)
    assert {i["layer"] for i in items} == {"amended"}
    assert {i["layer_status"] for i in items} == {"law in force since 2026-07-27"}


def test_cli_coverage_header_names_layer_and_status(built_settings: Settings) -> None:
    result = CliRunner().invoke(
        app,
        [
            "coverage",
            "--system",
            "contoso/hr-screening",
            "--target",
            "euaia",
            "--as-of",
            "2026-12-03",
            "--law-version",
            "proposal-2025",
            "--store",
            built_settings.data_dir,
        ],
    )
    assert result.exit_code == 0
    assert "law layer 'proposal-2025'" in result.stdout and "proposal, not law" in result.stdout


def test_api_answers_carry_the_law_layer(service: GraphService, built_settings: Settings) -> None:
    from graphsvc.http.app import create_app

    with TestClient(create_app(service, built_settings)) as c:
        r = c.get("/applicable", params={"role": "provider", "category": "transparency", "as_of": "2026-09-01"})
        assert r.status_code == 200
        body = r.json()
        assert body["law_version"] == "amended" and body["law_layer"]["status"] == "in-force"
        row = next(i for i in body["items"] if i["notation"] == "50(2)")
        assert row["status"] == "conditional" and "2026-12-02" in row["condition"]
        r = c.get("/coverage/system/contoso/hr-screening", params={"target": "euaia", "as_of": "2026-07-01"})
        assert r.status_code == 200, r.text
        assert r.json()["law_layer"]["id"] == "adopted"
        r = c.get("/frameworks/euaia/requirements", params={"kind": "article", "limit": 200})
        assert {i["notation"]: i["layer"] for i in r.json()["items"] if i["layer"]} == {"Article 4a": "amended"}


# -- bad layer files ------------------------------------------------------------------------------
def _layer_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD_HEAD = """id: test
title: A test layer
status: in-force
in_force_from: 2026-07-27
source: https://example.org/act
rules:
  - from: 2026-08-02
"""


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        (GOOD_HEAD.replace("status: in-force", "status: adopted"), [":1:", "'status'", "'adopted'"]),
        (GOOD_HEAD.replace("in_force_from: 2026-07-27\n", ""), [":1:", "'in_force_from'"]),
        (GOOD_HEAD + "    colour: red\n", [":7:", "rule 1", "colour"]),
        (GOOD_HEAD + "  - from: 2026-13-45\n", [":8:", "rule 2", "'from'", "2026-13-45"]),
        (
            GOOD_HEAD + "    transitional:\n      placed_before: 2026-08-02\n",
            [":7:", "rule 1", "'transitional.condition'"],
        ),
        (
            GOOD_HEAD + "verification:\n  - fact: OJ number\n    status: probably\n    sources: [x]\n",
            [":9:", "verification 1", "'status'", "probably"],
        ),
        (
            GOOD_HEAD + "verification:\n  - fact: OJ number\n    status: reported\n",
            [":9:", "verification 1", "'sources'"],
        ),
        (
            GOOD_HEAD + "add:\n  - id: x\n    notation: 5(1)(z)\n    title: T\n    kind: clause_x\n    summary: S\n",
            [":9:", "add 1", "'kind'", "clause_x"],
        ),
        (
            GOOD_HEAD
            + "add:\n  - id: x\n    notation: 5(1)(z)\n    title: T\n    kind: point\n    summary: S\n    roles: boss\n    categories: all\n",
            [":9:", "add 1", "'roles'", "boss"],
        ),
        (
            GOOD_HEAD
            + "verification:\n  - fact: F\n    status: reported\n    sources:\n      - a note: with a colon\n",
            [":9:", "verification 1", "'sources'"],
        ),
        (GOOD_HEAD + "repeal:\n  - note: no notation\n", [":9:", "repeal 1", "'notation'"]),
        (GOOD_HEAD + "replace:\n  - notation: Article 4\n", [":9:", "replace 1", "'title' or 'summary'"]),
        (GOOD_HEAD + "annex_i:\n  - legislation: machinery\n    section: C\n", [":9:", "annex_i 1", "'section'"]),
    ],
)
def test_bad_layer_file_names_file_line_and_field(tmp_path: Path, text: str, pieces: list[str]) -> None:
    path = _layer_file(tmp_path, text)
    with pytest.raises(DataLoadError) as info:
        load_layer(path)
    msg = str(info.value)
    assert str(path) in msg
    for piece in pieces:
        assert piece in msg, (piece, msg)


@pytest.mark.parametrize(
    ("extra", "pieces"),
    [
        (
            "add:\n  - id: artx\n    notation: 5(1)(x)\n    title: T\n    kind: point\n    parent: 5(99)\n    summary: S\n",
            ["'parent'", "5(99)"],
        ),
        (
            "add:\n  - id: artx\n    notation: 5(1)(a)\n    title: T\n    kind: point\n    parent: 5(1)\n    summary: S\n",
            ["5(1)(a)", "already exists"],
        ),
        ("repeal:\n  - notation: 99(9)\n", ["repeal 1", "99(9)", "not a requirement"]),
    ],
)
def test_layer_changes_are_checked_against_the_catalog(tmp_path: Path, extra: str, pieces: list[str]) -> None:
    from graphsvc.sources.catalogs import load_catalog

    cat_dir = tmp_path / "euaia"
    shutil.copytree(LAYERS.parent, cat_dir)
    (cat_dir / "layers" / "zz-test.yaml").write_text(
        GOOD_HEAD.replace("id: test", "id: zz-test") + "base: adopted\n" + extra, encoding="utf-8"
    )
    with pytest.raises(DataLoadError) as info:
        load_layers(cat_dir, load_catalog(cat_dir))
    msg = str(info.value)
    assert "zz-test.yaml:" in msg
    for piece in pieces:
        assert piece in msg, (piece, msg)


def test_a_bad_layer_file_leaves_the_store_unchanged(writable: Settings) -> None:
    from graphsvc.build import build

    build(writable)
    svc = GraphService.from_settings(writable, read_only=True)
    before = rows(svc, "provider", "all", "2026-12-03", "amended")
    del svc
    path = Path(writable.root) / "mappings" / "catalogs" / "euaia-2024-1689" / "layers" / "amended.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: in-force", "status: enacted"), encoding="utf-8")
    with pytest.raises(DataLoadError, match=r"amended\.yaml:1: field 'status' is 'enacted'"):
        build(writable)
    svc = GraphService.from_settings(writable, read_only=True)
    assert rows(svc, "provider", "all", "2026-12-03", "amended") == before
    del svc
