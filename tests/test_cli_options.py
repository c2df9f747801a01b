"""Options that do what they say (issue 14): the coverage answer summary first, -o and --status
for every format, enumerated options checked the same way everywhere, read commands that refuse
a store that does not exist, tables that honour COLUMNS and never break an identifier, and help
pages that list allowed values and end with an example."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import click
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.config import Settings

runner = CliRunner()
DAY = "2026-11-23"
HEADLINE = ("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "--as-of", DAY, "--explain")


def run(settings: Settings, *args: str, columns: int = 160) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--store", settings.data_dir], env={"COLUMNS": str(columns)})
    return result.exit_code, result.stdout, result.stderr


def help_text(*args: str) -> str:
    """A help page as one line of words, without the panel borders."""
    page = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "200"}).stdout
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", page).split())


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- 1. summary first --------------------------------------------------------------------------
def test_headline_fits_a_screen_and_answers_the_question(built_settings: Settings) -> None:
    code, out, err = run(built_settings, *HEADLINE)
    assert code == 0, err
    lines = out.splitlines()
    # the answer a person needs fits on one screen of a wide terminal (1788 lines before issue 14);
    # the quick start's command (without --explain) in 60 lines, with a path per row in 70
    assert len(lines) <= 70 and max(len(line) for line in lines) <= 160
    code, plain, err = run(built_settings, *HEADLINE[:-1])
    assert code == 0, err
    assert len(plain.splitlines()) <= 60 and "requirements: satisfied" in plain.splitlines()[3]
    # the counts come before any row
    counts = next(i for i, line in enumerate(lines) if "requirements: satisfied" in line)
    first_row = next(i for i, line in enumerate(lines) if line.startswith("Art. "))
    assert counts < first_row
    # rows are grouped by article, with the article's title
    art26 = next(line for line in lines if line.startswith("Art. 26"))
    assert "Obligations of deployers of high-risk AI systems" in art26
    # the one satisfied row names its path by notation and strength, and carries the deployer caveat
    assert re.search(r"satisfied: 26\(1\)† ← A\.9\.4 \(10\)", art26)
    assert any(line.startswith("† binds a role that Microsoft Corporation does not hold") for line in lines)
    # the certificate is named once, not on every row; no raw ids, no "own", no empty "from" column
    assert out.count("ISO/IEC 42001:2023 certificate, Microsoft 365 Copilot and Copilot Studio") == 1
    assert "gsd:" not in out and " own" not in out and "from" not in lines[first_row - 1].split()


def test_default_rows_bind_and_all_shows_every_row(built_settings: Settings) -> None:
    args = ("coverage", "--system", "contoso/m365-copilot-use", "--target", "euaia", "--as-of", DAY)
    code, out, _ = run(built_settings, *args)
    assert code == 0
    assert "not shown: not-applicable 201 (--all shows every row)" in out
    assert "not applicable:" not in out and "Art. 16 " not in out
    code, every, _ = run(built_settings, *args, "--all")
    assert code == 0 and "not applicable:" in every and "Art. 16 " in every


def test_explain_gives_one_path_per_row_and_paths_n_more(built_settings: Settings) -> None:
    args = ("coverage", "--system", "contoso/m365-copilot-use", "--target", "euaia", "--as-of", DAY)
    code, plain, _ = run(built_settings, *args)
    assert code == 0 and "←" not in plain
    code, one, _ = run(built_settings, *args, "--explain")
    art4 = next(line for line in one.splitlines() if line.startswith("Art. 4 "))
    assert code == 0 and re.search(r"Art\. 4 ← [A-Z]$", art4)
    # each start is named once, with its label and what holds it up
    assert re.search(r"^[A-Z] control AI literacy programme .*evidence .* valid until", one, re.M)
    code, two, _ = run(built_settings, *args, "--paths", "2")
    art4 = next(line for line in two.splitlines() if line.startswith("Art. 4 "))
    assert code == 0 and re.search(r"Art\. 4 ← [A-Z] / [A-Z]$", art4)


def test_json_carries_groups_scope_and_caveats(built_settings: Settings) -> None:
    code, out, _ = run(built_settings, *HEADLINE[:-1], "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["certificate"]["kind"] == "certificate"
    assert {s["id"]: s["roles"] for s in data["certificate"]["scope"]} == {
        "gsd:system/microsoft/m365-copilot": ["provider"],
        "gsd:system/microsoft/copilot-studio": ["provider"],
    }
    rows = {r["notation"]: r for r in data["requirements"]}
    assert rows["26(1)"]["group"] == "Article 26" and rows["26(1)"]["group_title"].startswith(
        "Obligations of deployers"
    )
    assert "deployer duty" in rows["26(1)"]["caveat"] and "caveat" not in rows["9(1)"]
    # everything as before: every row, with its paths and the certificate's details
    assert len(data["requirements"]) == sum(data["summary"].values()) and rows["26(1)"]["paths"]
    code, out, _ = run(built_settings, *HEADLINE[:-1], "-f", "csv")
    by = {r["notation"]: r for r in csv_rows(out)}
    assert by["26(1)"]["via"] == "certificate" and by["26(1)"]["caveat"] and "system" not in by["26(1)"]


# -- 2. options that do what they say -------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "xlsx"])
def test_status_filters_every_format(built_settings: Settings, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"cov.{fmt}"
    args = ("coverage", "--system", "contoso/hr-screening", "--target", "euaia", "--as-of", DAY, "--law-version")
    code, _, err = run(built_settings, *args, "adopted", "--status", "satisfied", "-f", fmt, "-o", str(target))
    assert code == 0, err
    if fmt == "json":
        data = json.loads(target.read_text())
        assert {r["status"] for r in data["requirements"]} == {"satisfied"} and data["shown"] == ["satisfied"]
        assert data["summary"]["partial"] > 0  # the counts still count every row
    elif fmt == "csv":
        rows = csv_rows(target.read_text())
        assert rows and {r["status"] for r in rows} == {"satisfied"}
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(target).worksheets[1]
        header = [c.value for c in sheet[1]]
        statuses = {r[header.index("status")] for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert statuses == {"satisfied"}
    else:
        text = target.read_text()
        assert "satisfied:" in text and "partial:" not in text and "gap:" not in text
        assert re.search(r"not shown: partial \d+, gap \d+", " ".join(text.split()))


@pytest.mark.parametrize(
    "args",
    [
        ("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "--as-of", DAY),
        ("crosswalk", "--from", "iso42001", "--to", "euaia"),
        ("crosswalk", "--from", "iso42001", "--to", "euaia", "--report"),
        ("frameworks",),
        ("catalog", "iso42001"),
        ("applicable", "--role", "deployer", "--category", "transparency", "--as-of", DAY),
        ("certificates",),
    ],
    ids=["coverage", "crosswalk", "crosswalk-report", "frameworks", "catalog", "applicable", "certificates"],
)
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "xlsx"])
def test_output_file_for_every_format(
    built_settings: Settings, tmp_path: Path, args: tuple[str, ...], fmt: str
) -> None:
    target = tmp_path / "out.data"
    code, out, err = run(built_settings, *args, "-f", fmt, "-o", str(target))
    assert code == 0, err
    assert out == "" and f"wrote {target}" in " ".join(err.split())
    data = target.read_bytes()
    if fmt == "xlsx":
        assert data[:2] == b"PK"
    elif fmt == "json":
        assert json.loads(data)
    elif fmt == "csv":
        assert len(csv_rows(data.decode())) > 1
    else:
        assert len(data.decode().splitlines()) > 3 and "\x1b[" not in data.decode()  # plain text, no colour codes


def test_output_format_follows_the_file_suffix(built_settings: Settings, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    xlsx = tmp_path / "cov.xlsx"
    code, _, err = run(built_settings, "coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia",
                       "-o", str(xlsx))  # fmt: skip
    assert code == 0, err
    assert load_workbook(xlsx).sheetnames[0] == "Summary"
    tsv = tmp_path / "links.tsv"
    code, _, err = run(built_settings, "crosswalk", "--from", "iso42001", "--to", "euaia", "-o", str(tsv))
    assert code == 0 and tsv.read_text().startswith("#")  # SSSOM TSV opens with its YAML metadata block


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "-f", "xls"), "'xlsx'"),
        (("crosswalk", "--from", "iso42001", "--to", "euaia", "-f", "xls"), "'oscal'"),
        (("frameworks", "-f", "xls"), "'xlsx'"),
        (("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "--status", "done"), "partial"),
        (("applicable", "--role", "boss", "--category", "all"), "'deployer'"),
        (("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia", "--role", "boss"), "'deployer'"),
        (("applicable", "--role", "deployer", "--category", "risky"), "'high-risk-annex-iii'"),
        (("applicable", "--role", "deployer", "--annex-i-section", "C"), "'B'"),
        (("keys", "create", "--role", "root"), "'admin'"),
        (("review", "--org", "contoso", "--status", "done"), "'rejected'"),
    ],
)
def test_enumerated_options_are_refused_with_the_allowed_values(
    built_settings: Settings, args: tuple[str, ...], allowed: str
) -> None:
    code, _, err = run(built_settings, *args)
    assert code == 2 and "Invalid value" in err and allowed in " ".join(err.replace("│", " ").split())


@pytest.mark.parametrize(
    "args",
    [
        ("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia"),
        ("coverage", "--certificate", "iso42001-m365-copilot", "--target", "iso42001"),
        ("coverage", "--system", "contoso/hr-screening", "--target", "euaia"),
        ("coverage", "--org", "contoso", "--target", "euaia"),
        ("applicable", "--role", "deployer", "--category", "all"),
    ],
    ids=["certificate", "certificate-iso", "system", "org", "applicable"],
)
def test_law_version_is_checked_for_every_target_kind(built_settings: Settings, args: tuple[str, ...]) -> None:
    code, _, err = run(built_settings, *args, "--law-version", "amende")
    assert code == 1 and "law layer 'amende' is not in the graph; known: adopted, amended, proposal-2025" in err


def test_help_names_every_law_layer_in_the_store(built_settings: Settings) -> None:
    _, _, err = run(built_settings, "applicable", "--role", "deployer", "--category", "all", "--law-version", "x")
    known = " ".join(err.split()).split("known: ", 1)[1].split(", ")
    text = help_text("coverage")
    assert known and all(layer.strip() in text for layer in known)
    assert "Default in-force: the law in force on the --as-of date" in text


@pytest.mark.parametrize(
    "args",
    [
        ("coverage", "--certificate", "iso42001-m365-copilot", "--target", "euaia"),
        ("frameworks",),
        ("crosswalk", "iso42001:A.6.2.8", "--to", "euaia"),
        ("systems",),
        ("sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
        ("import", "org", "mappings/examples"),
        ("keys", "list"),
    ],
    ids=lambda a: a[0] if a[0] not in {"import", "keys"} else "-".join(a[:2]),
)
def test_read_commands_refuse_a_store_that_does_not_exist(tmp_path: Path, args: tuple[str, ...]) -> None:
    typo = tmp_path / "typo"
    result = runner.invoke(app, [*args, "--store", str(typo)])
    message = " ".join(result.stderr.split())
    assert result.exit_code == 1 and str(typo) in message and "run `graphsvc build" in message
    assert not typo.exists(), "a read command must not create a store"


def test_tables_honour_columns_and_never_break_an_identifier(built_settings: Settings) -> None:
    ids = ["gsd:system/microsoft/dragon-copilot-radiologist", "gsd:certificate/microsoft/iso42001-copilots-health-dev"]
    for cmd, ident in zip(("systems", "certificates"), ids, strict=True):
        _, narrow, _ = run(built_settings, cmd, columns=100)
        _, wide, _ = run(built_settings, cmd, columns=220)
        assert max(len(line) for line in narrow.splitlines()) <= 100 < max(len(line) for line in wide.splitlines())
        assert ident in narrow and ident in wide  # whole on one line, so it can be copied
    _, cov, _ = run(built_settings, *HEADLINE, columns=90)
    assert max(len(line) for line in cov.splitlines()) <= 90
    assert "27(1)(c)† ← A.5.4 (7)" in cov  # a row and its path are never split across lines


def _commands() -> list[tuple[str, click.Command]]:
    def walk(prefix: str, cmd: click.Command) -> list[tuple[str, click.Command]]:
        found = [(prefix, cmd)]
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                found += walk(f"{prefix} {name}".strip(), sub)
        return found

    return walk("", get_command(app))


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_help_page_lists_no_bool_and_ends_with_an_example(name: str, command: click.Command) -> None:
    result = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout, "a flag takes no value"
    last = [line.strip() for line in result.stdout.splitlines() if line.strip()][-1]
    assert last.startswith("Example: graphsvc"), f"{name or 'graphsvc'}: the help page ends with {last!r}"
    if command.params and any(getattr(p, "name", "") == "fmt" for p in command.params):
        assert "json" in result.stdout


def test_coverage_help_lists_statuses_and_default_layer() -> None:
    text = help_text("coverage")
    for status in ("satisfied", "partial", "gap", "upcoming", "conditional", "not-applicable"):
        assert status in text
    assert "<table|csv|json|xlsx>" in text and "Default in-force" in text


def test_status_constants_match_the_domain() -> None:
    from graphsvc.cli import output as cli_output
    from graphsvc.domain import coverage

    assert set(cli_output.STATUSES) == set(coverage.STATUSES)
