"""Proposed mappings with human review, end to end on the example data (issue 16's "done when"):

Contoso's 30-control catalog (mappings/examples/contoso-controls.csv) imports, gets proposals,
is reviewed through the CLI (a reviewed CSV, and interactively) and the REST API, and the
approved rows change Contoso's coverage; a rebuild keeps them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.config import PROJECT_ROOT, Settings, load_settings
from graphsvc.domain import coverage as C
from graphsvc.http.keys import KeyStore
from graphsvc.service import GraphService

# the tests tell one story on one store (import, review, rebuild): one xdist worker runs them in order
pytestmark = [pytest.mark.shipped, pytest.mark.xdist_group("review")]

CATALOG = PROJECT_ROOT / "mappings" / "examples" / "contoso-controls.csv"
AS_OF = dt.date(2026, 11, 23)
runner = CliRunner()


@pytest.fixture(scope="module")
def settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    dest = tmp_path_factory.mktemp("review")
    shutil.copytree(built_settings.data_path, dest, symlinks=True, dirs_exist_ok=True)
    return load_settings(environ={}, overrides={"data_dir": str(dest)})


def cli(settings: Settings, *args: str, input: str | None = None) -> str:
    result = runner.invoke(app, [*args, "--store", settings.data_dir], input=input)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout


def cli_fails(settings: Settings, *args: str) -> str:
    result = runner.invoke(app, [*args, "--store", settings.data_dir])
    assert result.exit_code == 1, result.stdout
    return " ".join(result.stderr.split())


def statuses(settings: Settings, *notations: str) -> dict[str, str]:
    svc = GraphService.from_settings(settings)
    try:
        opts = C.Options(as_of=AS_OF, layer="adopted")
        rows = C.coverage_rows(C.system_coverage(svc, "contoso/hr-screening", "euaia", opts, explain=False))
    finally:
        svc.store.close()
    return {r["notation"]: r["status"] for r in rows if r["notation"] in notations}


def queue_rows(settings: Settings) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli(settings, "review", "--org", "contoso", "-f", "csv"))))


def pid(rows: list[dict[str, str]], control: str, requirement: str) -> str:
    hits = [r["id"] for r in rows if r["control"].endswith("/" + control) and r["requirement"] == requirement]
    assert hits, f"no proposal {control} → {requirement}"
    return hits[0]


WATCHED = ("49(1)", "72(3)", "10(2)(f)", "14(4)(b)", "73(1)")


@pytest.fixture(scope="module")
def before(settings: Settings) -> dict[str, str]:
    return statuses(settings, *WATCHED)


def test_a_catalog_imports_and_gets_proposals_that_are_only_proposals(
    settings: Settings, before: dict[str, str]
) -> None:
    # 49(1) and 14(4)(b) are gaps before review (72(3) and 10(2)(f) are already partial through the
    # provider's certificate, so approving an intersects row keeps them partial)
    assert before["49(1)"] == "gap" and before["14(4)(b)"] == "gap"
    out = cli(settings, "import", "controls", "contoso", str(CATALOG))
    assert "imported 30 controls of contoso (28 not mapped yet)" in " ".join(out.split())
    assert statuses(settings, *WATCHED) == before, "unreviewed controls change nothing"
    # proposals alone (not queued): every one intersects at most, with its shared words
    sssom = cli(settings, "propose", "--controls", "contoso", "--to", "euaia", "--top", "3", "-f", "sssom")
    body = [ln for ln in sssom.splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t"))
    assert len(rows) == 28 * 3
    assert {r["set_relation"] for r in rows} == {"intersects"}
    assert {r["status"] for r in rows} == {"proposed"}
    assert {r["mapping_justification"] for r in rows} == {"semapv:LexicalMatching"}
    assert all(r["match_string"] and 0 < float(r["confidence"]) <= 1 for r in rows)
    assert not any(r["subject_id"].endswith(("/LIT-01", "/IMP-01")) for r in rows), "mapped controls are skipped"
    # queued for review, coverage still unchanged (including with --include-proposed: control
    # proposals are never implementations)
    out = cli(settings, "propose", "--controls", "contoso", "--to", "euaia", "--top", "5", "--save")
    assert "queued 140 proposals" in " ".join(out.split())
    assert statuses(settings, *WATCHED) == before


def test_review_through_the_cli_changes_coverage(settings: Settings, before: dict[str, str], tmp_path: Path) -> None:
    rows = queue_rows(settings)
    reg, pmm, inc = (
        pid(rows, "REG-01", "euaia:art49.1"),
        pid(rows, "PMM-01", "euaia:art72.3"),
        pid(rows, "INC-01", "euaia:art73.1"),
    )
    edits = {
        reg: {
            "decision": "edit",
            "relation": "equal",
            "strength": "10",
            "comment": "REG-01 registers the system and its provider in the EU database before service, as Art. 49(1) demands.",
        },
        pmm: {"decision": "accept", "strength": "6"},
        inc: {"decision": "reject"},
    }
    reviewed = tmp_path / "reviewed.csv"
    with reviewed.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({**r, **edits.get(r["id"], {})})
    out = cli(settings, "review", "--org", "contoso", "--file", str(reviewed), "--reviewer", "Jane Reviewer")
    assert "reviewed 3 proposals of contoso as Jane Reviewer: 2 approved, 1 rejected" in " ".join(out.split())
    after = statuses(settings, *WATCHED)
    assert after["49(1)"] == "satisfied"  # equal, strength 10, evidence valid on the date
    assert after["72(3)"] == "partial"  # intersects: partial
    assert after["73(1)"] == before["73(1)"]  # the rejected row does nothing
    # the decisions are recorded with the reviewer and kept in the organisation's SSSOM file
    kept = (Path(settings.data_dir) / "imports" / "mappings" / "contoso.sssom.tsv").read_text()
    line = next(ln for ln in kept.splitlines() if ln.startswith(reg))
    assert "Jane Reviewer" in line and "semapv:MappingReview" in line and "\tequal\t10\t" in line
    # applying the same file again: those proposals are decided already, nothing is written
    err = cli_fails(settings, "review", "--org", "contoso", "--file", str(reviewed), "--reviewer", "Jane Reviewer")
    assert "was already approved by Jane Reviewer" in err
    # a containment claim needs strength 10
    bad = tmp_path / "bad.csv"
    data02 = pid(rows, "DATA-02", "euaia:art10.2.f")
    bad.write_text(f"id,decision,relation,strength\n{data02},edit,subset,7\n")
    assert "needs strength 10" in cli_fails(
        settings, "review", "--org", "contoso", "--file", str(bad), "--reviewer", "J"
    )


def test_interactive_review(settings: Settings) -> None:
    rows = [r for r in queue_rows(settings) if r["status"] == "proposed"]
    first = rows[0]
    # reject the first proposal shown, then quit
    out = cli(settings, "review", "--org", "contoso", "--interactive", "--reviewer", "Kim", input="r\nq\n")
    assert "recorded 1 decisions as Kim" in out
    after = {r["id"]: r for r in queue_rows(settings)}
    assert after[first["id"]]["status"] == "rejected" and after[first["id"]]["reviewer"] == "Kim"


@pytest.fixture
def api(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from graphsvc.http.app import create_app

    ks = KeyStore(settings.data_path / "keys.json")
    keys = {
        name: ks.create(role, tenant=tenant, name=name)[1]
        for name, role, tenant in [
            ("Contoso reviewer", "writer", "contoso"),
            ("contoso_reader", "reader", "contoso"),
            ("acme_writer", "writer", "acme"),
        ]
    }
    svc = GraphService.from_settings(settings, read_only=False)
    with TestClient(create_app(svc, settings), raise_server_exceptions=False) as client:
        yield client, keys
    svc.store.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_review_through_the_api(api: tuple[TestClient, dict[str, str]], settings: Settings) -> None:
    client, keys = api
    r = client.get(
        "/orgs/contoso/proposals",
        params={"status": "proposed", "texts": "true"},
        headers=bearer(keys["contoso_reader"]),
    )
    assert r.status_code == 200, r.text
    waiting: list[dict[str, Any]] = r.json()
    row = next(x for x in waiting if x["control"].endswith("/DATA-02") and x["requirement"] == "euaia:art10.2.f")
    assert row["requirement_title"] == "Examination for bias" and "biases" in row["control_text"]
    # another tenant may neither read nor review Contoso's queue; anonymous may not write
    assert client.get("/orgs/contoso/proposals", headers=bearer(keys["acme_writer"])).status_code == 403
    url = f"/orgs/contoso/proposals/{row['id']}/review"
    assert client.post(url, json={"decision": "accept"}, headers=bearer(keys["acme_writer"])).status_code == 403
    assert client.post(url, json={"decision": "accept"}).status_code == 401
    assert client.post(url, json={"decision": "accept"}, headers=bearer(keys["contoso_reader"])).status_code == 403
    # the writer accepts it; the key's name is the reviewer
    r = client.post(
        url,
        json={
            "decision": "edit",
            "strength": 6,
            "comment": "DATA-02 examines evaluation data for biases; Art. 10(2)(f) asks for that on training, validation and test data.",
        },
        headers=bearer(keys["Contoso reviewer"]),
    )
    assert r.status_code == 200, r.text
    done = r.json()["reviewed"][0]
    assert done["status"] == "approved" and done["reviewer"] == "Contoso reviewer" and done["strength"] == 6
    # again: 409; a proposal that does not exist: 404, with a clear message
    r = client.post(url, json={"decision": "reject"}, headers=bearer(keys["Contoso reviewer"]))
    assert r.status_code == 409 and "already approved" in r.json()["error"]
    r = client.post(
        "/orgs/contoso/proposals/p-000000000000/review",
        json={"decision": "accept"},
        headers=bearer(keys["Contoso reviewer"]),
    )
    assert r.status_code == 404 and "no longer exists" in r.json()["error"]
    # a batch is all or nothing
    ho = next(x for x in waiting if x["control"].endswith("/HO-01") and x["requirement"] == "euaia:art14.4.b")
    r = client.post(
        "/orgs/contoso/reviews",
        json={
            "reviewer": "Jane Reviewer",
            "decisions": [{"id": ho["id"], "decision": "accept"}, {"id": "p-000000000000", "decision": "accept"}],
        },
        headers=bearer(keys["Contoso reviewer"]),
    )
    assert r.status_code == 404
    assert (
        client.get("/orgs/contoso/proposals", params={"status": "approved"}, headers=bearer(keys["contoso_reader"]))
        .json()
        .__len__()
        == 3
    )
    # coverage over the API sees the approved row at once
    r = client.get(
        "/coverage/system/contoso/hr-screening",
        params={"target": "euaia", "as_of": AS_OF.isoformat(), "law_version": "adopted"},
        headers=bearer(keys["contoso_reader"]),
    )
    assert r.status_code == 200, r.text
    by = {x["notation"]: x["status"] for x in r.json()["requirements"]}
    assert by["10(2)(f)"] == "partial" and by["49(1)"] == "satisfied" and by["14(4)(b)"] == "gap"


def test_a_rebuild_keeps_the_catalog_and_the_decisions(settings: Settings) -> None:
    from graphsvc.build import build

    build(settings)
    after = statuses(settings, *WATCHED)
    assert after["49(1)"] == "satisfied" and after["72(3)"] == "partial" and after["10(2)(f)"] == "partial"
    # rejected pairs are not proposed again; the reviewed ones stay as they were
    out = cli(settings, "propose", "--controls", "contoso", "--to", "euaia", "--top", "5", "--save")
    assert "reviewed pairs kept and not proposed again" in " ".join(out.split())
    rows = queue_rows(settings)
    inc = [r for r in rows if r["control"].endswith("/INC-01") and r["requirement"] == "euaia:art73.1"]
    assert [r["status"] for r in inc] == ["rejected"]


def test_an_organisations_catalog_and_mapping_set_are_its_private_graphs() -> None:
    from graphsvc.namespaces import graph_iri
    from graphsvc.store.tenancy import ANONYMOUS, Principal, can_read, can_write

    writer, other = Principal("k", "writer", "contoso"), Principal("k", "writer", "acme")
    for part in ("controls", "mappings"):
        g = graph_iri(f"org/contoso/{part}")
        assert can_read(writer, g) and can_write(writer, g)
        assert not can_read(other, g) and not can_write(other, g) and not can_read(ANONYMOUS, g)
    assert not can_write(writer, graph_iri("org/contoso/../acme"))


def test_a_reimport_withdraws_the_proposals_of_removed_controls(
    settings: Settings, tmp_path: Path, before: dict[str, str]
) -> None:
    rows = queue_rows(settings)
    gone = [r for r in rows if r["control"].endswith("/LOG-02") and r["status"] == "proposed"]
    assert gone
    assert [r["status"] for r in rows if r["id"] == pid(rows, "PMM-01", "euaia:art72.3")] == ["approved"]
    lines = CATALOG.read_text().splitlines()
    smaller = tmp_path / "contoso-controls.csv"
    smaller.write_text("\n".join(ln for ln in lines if not ln.startswith(("LOG-02,", "PMM-01,"))) + "\n")
    cli(settings, "import", "controls", "contoso", str(smaller))
    after = {r["id"]: r for r in queue_rows(settings)}
    assert not {r["id"] for r in gone} & set(after), "the removed control's waiting proposals are withdrawn"
    assert after[pid(rows, "PMM-01", "euaia:art72.3")]["status"] == "approved", "a decision stays on record"
    decision = tmp_path / "late.csv"
    decision.write_text(f"id,decision\n{gone[0]['id']},accept\n")
    err = cli_fails(settings, "review", "--org", "contoso", "--file", str(decision), "--reviewer", "J")
    assert "no longer exists" in err
    status = statuses(settings, *WATCHED)
    assert status["72(3)"] == before["72(3)"] and status["49(1)"] == "satisfied", "a removed control implements nothing"
