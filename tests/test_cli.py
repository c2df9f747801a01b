"""The command line: the same answers as the domain functions, errors as exit code 1."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.config import Settings

runner = CliRunner()


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, [*args[:1], *args[1:], "--store", settings.data_dir] if args[0] not in {"queries"} else list(args)
    )
    return result.exit_code, result.stdout, result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_frameworks_json(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "frameworks", "-f", "json")
    assert code == 0
    fws = {f["id"]: f for f in json.loads(out)}
    assert fws["iso42001"]["requirements"] == 93
    assert fws["nistairmf"]["requirements"] == 95
    assert fws["aicm"]["edition"] == "1.1.0"


def test_catalog_csv_columns(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "catalog", "euaia", "--kind", "article", "-f", "csv")
    rows = csv_rows(out)
    # the 113 articles of Regulation (EU) 2024/1689 as published, plus Art. 4a, which exists only
    # in the law layer of the Digital Omnibus on AI and is marked with it
    assert code == 0 and len([r for r in rows if not r["layer"]]) == 113
    assert [r["notation"] for r in rows if r["layer"]] == ["Article 4a"]
    assert list(rows[0])[:4] == ["notation", "title", "kind", "parent"]
    by = {r["notation"]: r for r in rows}
    assert by["Article 26"]["parent"] == "Chapter III Section 3" and by["Article 4a"]["layer"] == "amended"


def test_query_by_name_with_params_and_hostile_value(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "query", "catalog", "--param", "framework=nistairmf", "-f", "csv")
    assert code == 0 and len(csv_rows(out)) == 95
    code, out, _ = run(built_settings, "query", "catalog", "-p", 'framework=x" } ?s ?p ?o {', "-f", "json")
    assert code == 0 and json.loads(out) == []


def test_query_from_file(built_settings: Settings, tmp_path: Path) -> None:
    rq = tmp_path / "mine.rq"
    rq.write_text(
        "#+ summary: count requirements of a framework\n"
        "PREFIX gs: <https://w3id.org/graphsvc/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT (COUNT(?r) AS ?n) WHERE { ?f gs:shortName ?_fw . ?r skos:inScheme ?f }\n"
    )
    code, out, _ = run(built_settings, "query", str(rq), "-p", "fw=iso42001", "-f", "csv")
    assert code == 0 and csv_rows(out) == [{"n": "93"}]


def test_crosswalk_csv_has_the_documented_columns(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "crosswalk", "--from", "iso42001", "--to", "euaia", "-f", "csv")
    rows = csv_rows(out)
    assert code == 0 and rows
    assert {"source", "target", "relation", "strength", "status", "derived", "source_ref"} <= set(rows[0])
    assert {r["derived"] for r in rows} <= {"yes", "no"}
    assert all(r["status"] == "approved" for r in rows)


def test_applicable_csv(built_settings: Settings) -> None:
    code, out, _ = run(
        built_settings, "applicable", "--role", "deployer", "--category", "high-risk-annex-iii",
        "--as-of", "2026-08-02", "--law-version", "adopted", "-f", "csv",
    )  # fmt: skip
    rows = {r["notation"]: r for r in csv_rows(out)}
    assert code == 0
    assert rows["26(1)"]["status"] == "applies" and rows["26(1)"]["from"] == "2026-08-02"
    assert "16(a)" not in rows


def test_applicable_flags_private_employer_and_public_body(built_settings: Settings) -> None:
    """The flag form: Art. 27(1) and 26(8) bind the public body, not the private employer."""
    common = ("applicable", "--role", "deployer", "--annex-iii-point", "4(a)", "--workplace",
              "--as-of", "2026-11-23", "--law-version", "adopted", "--all", "-f", "csv")  # fmt: skip
    code, out, _ = run(built_settings, *common, "--not-public-body", "--not-public-service-provider")
    private = {r["notation"]: r for r in csv_rows(out)}
    code2, out2, _ = run(built_settings, *common, "--public-body")
    public = {r["notation"]: r for r in csv_rows(out2)}
    assert code == code2 == 0
    assert private["27(1)"]["status"] == "does-not-apply" and public["27(1)"]["status"] == "applies"
    assert private["26(8)"]["status"] == "does-not-apply" and public["26(8)"]["status"] == "applies"
    assert all(r["reason"].startswith("Art. ") for r in private.values())


def test_applicable_system_form_and_bad_flags(built_settings: Settings) -> None:
    code, out, err_ = run(built_settings, "applicable", "--system", "contoso/hr-screening", "--as-of", "2026-11-23",
                          "--law-version", "adopted", "-f", "csv")  # fmt: skip
    rows = {r["notation"]: r for r in csv_rows(out)}
    assert code == 0 and rows["9(1)"]["status"] == "applies" and rows["26(1)"]["status"] == "applies"
    code, _, err_ = run(built_settings, "applicable", "--role", "deployer", "--annex-iii-point", "9(z)")
    assert code == 1 and "not an area or point of Annex III" in err_
    code, _, err_ = run(built_settings, "applicable", "--role", "provider", "--annex-iii-point", "4(a)",
                        "--placed-on-market", "last year")  # fmt: skip
    assert code == 1 and "placed_on_market: 'last year' is not a date" in err_


def test_coverage_json_and_xlsx(built_settings: Settings, tmp_path: Path) -> None:
    code, out, _ = run(
        built_settings, "coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia",
        "--as-of", "2026-11-23", "-f", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["certificate"]["issuer"] == "Mastermind"
    assert {"notation", "status", "paths"} <= set(data["requirements"][0])
    xlsx = tmp_path / "cov.xlsx"
    code, _, _ = run(
        built_settings, "coverage", "--system", "contoso/hr-screening", "--target", "euaia",
        "--as-of", "2026-11-23", "-f", "xlsx", "-o", str(xlsx),
    )  # fmt: skip
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert code == 0 and wb.sheetnames[0] == "Summary" and "Paths" in wb.sheetnames
    assert wb.worksheets[1]["A1"].value == "notation"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("catalog", "nope"), "unknown framework 'nope'"),
        (("crosswalk", "iso42001:Z.1", "--to", "euaia"), "is not a requirement"),
        (("query", "nope"), "no named query 'nope'"),
        (("query", "catalog", "-p", "framework"), "write it as name=value"),
        (("coverage", "--system", "nobody/nothing", "--target", "euaia"), "no AI system 'nobody/nothing'"),
        (("coverage", "--target", "euaia"), "exactly one of"),
        (("catalog", "euaia", "--kind", "articles"), "--kind 'articles': euaia has the kinds"),
        (("applicable", "--role", "deployer", "--annex-iii-point", "9(z)"), "not an area or point of Annex III"),
    ],
)
def test_errors_exit_1_with_a_message(built_settings: Settings, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(built_settings, *args)
    assert code == 1
    assert message in " ".join(err.split())


def test_import_org_is_atomic(built_settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(built_settings.data_path, data, symlinks=True)
    settings = Settings(**{**built_settings.__dict__, "data_dir": str(data)})
    bad = tmp_path / "acme.yaml"
    bad.write_text(
        "organisation: {id: acme, name: Acme}\nsystems:\n  - {id: bot, name: Bot, intended_purpose: chat, roles: [provider]}\n"
        "controls:\n  - {id: C1, name: Log, status: implemented, responsibility: provided,\n"
        "     implements: ['iso42001:A.6.2.8', 'iso42001:Z.9'], applies_to: [bot]}\n"
    )
    code, _, err = run(settings, "import", "org", str(bad))
    assert code == 1 and "acme.yaml:5" in err and "Z.9" in err
    code, out, _ = run(settings, "systems", "-f", "json")
    assert "acme" not in out
    bad.write_text(bad.read_text().replace(", 'iso42001:Z.9'", ""))
    code, out, err = run(settings, "import", "org", str(bad))
    assert code == 0, err
    code, out, _ = run(settings, "systems", "-f", "json")
    assert "gsd:system/acme/bot" in {s["id"] for s in json.loads(out)}
    code, _, err = run(settings, "import", "delete-org", "acme")
    assert code == 0, err
    code, out, _ = run(settings, "systems", "-f", "json")
    assert code == 0 and "acme" not in out


def test_queries_list() -> None:
    result = runner.invoke(app, ["queries", "list", "-f", "json"])
    names = {q["name"] for q in json.loads(result.stdout)}
    assert {"catalog", "frameworks", "applicable", "system_controls"} <= names


def test_import_aicm_adds_titles_and_csa_mappings(built_settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(built_settings.data_path, data, symlinks=True)
    settings = Settings(**{**built_settings.__dict__, "data_dir": str(data)})
    fixture = Path(__file__).parent / "data" / "aicm" / "aicm-1.1.0-synthetic.xlsx"
    code, out, err = run(settings, "import", "aicm", str(fixture))
    assert code == 0, err
    assert "imported AICM 1.1.0" in out
    code, out, _ = run(settings, "catalog", "aicm", "-f", "json")
    titled = [r for r in json.loads(out) if r["kind"] == "control" and r["title"]]
    assert titled, "imported titles show in the catalog"
    code, out, _ = run(settings, "crosswalk", "aicm:A&A-01", "-f", "json")
    links = json.loads(out)
    assert code == 0 and links and all("CSA" in lk["source_ref"] for lk in links if not lk["derived"])
    assert (data / "imports" / "aicm" / "aicm-1.1.0.xlsx").exists(), "kept for the next build"


def test_crosswalk_report_counts_every_obligation(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "crosswalk", "--from", "iso42001", "--to", "euaia", "--report", "-f", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert list(rows[0]) == ["group", "title", "items", "mapped", "no counterpart", "nothing"]
    total = rows[-1]
    assert total["group"] == "total" and total["nothing"] == "0"
    assert int(total["mapped"]) + int(total["no counterpart"]) == int(total["items"])
    assert sum(int(r["items"]) for r in rows[:-1]) == int(total["items"])
    ce = next(r for r in rows if r["group"] == "Article 48")
    assert ce["mapped"] == "0" and ce["no counterpart"] == ce["items"]
    code, _, err = run(built_settings, "crosswalk", "--to", "euaia", "--report")
    assert code == 1 and "--report needs --from" in err


def test_crosswalk_check_lists_findings(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "crosswalk", "--check", "-f", "csv")
    assert code == 0
    rows = csv_rows(out)
    assert all(r["kind"] in {"unconfirmed", "contradicted", "decision-contradicted"} for r in rows)
    assert all(r["derived"] and r["via"] for r in rows)
    code, out, _ = run(built_settings, "crosswalk", "--check")
    assert code == 0 and "cross-set consistency:" in out


def test_coverage_header_splits_gaps(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, "coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia")
    assert code == 0
    assert "(gaps: no counterpart " in out and ", not reached " in out
    code, out, _ = run(
        built_settings, "coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "-f", "csv"
    )
    gaps = {r["gap"] for r in csv_rows(out) if r["status"] == "gap"}
    assert gaps == {"no-counterpart", "not-reached"}
