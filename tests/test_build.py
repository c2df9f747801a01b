"""Build: bad input is refused whole with file:line and field; the previous store is untouched."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pytest

from graphsvc.build import build, compile_sources
from graphsvc.config import Settings
from graphsvc.errors import DataLoadError, ValidationError
from graphsvc.service import GraphService


def _store_fingerprint(settings: Settings) -> tuple[str, str]:
    link = settings.store_path
    target = os.readlink(link)
    digest = hashlib.sha256()
    for p in sorted((link.parent / target).rglob("*")):
        if p.is_file():
            digest.update(p.name.encode())
            digest.update(p.read_bytes())
    return target, digest.hexdigest()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BREAKAGES = [
    # (file, old, new, expected message pieces)
    # EU AI Act attributes and conditions (issue 11: bad input leaves the store unchanged)
    (
        "mappings/examples/contoso.yaml",
        "annex_iii_area: 4(a)",
        "annex_iii_area: 4(c)",
        ["contoso.yaml:", "field 'annex_iii_area'", "'4(c)' is not an area or point of Annex III"],
    ),
    (
        "mappings/examples/contoso.yaml",
        "used_at_workplace: true",
        "used_at_work: true",
        ["contoso.yaml:", "field 'used_at_work'", "unknown key"],
    ),
    (
        "mappings/examples/contoso.yaml",
        "placed_on_market: 2026-09-15",
        "placed_on_market: 2026-02-30",
        ["contoso.yaml:", "field 'placed_on_market'", "not a date"],
    ),
    (
        "mappings/examples/contoso.yaml",
        "used_at_workplace: true",
        "annex_i_section: A",
        ["contoso.yaml:", "field 'annex_i_section'", "not an Annex I product"],
    ),
    (
        "mappings/catalogs/euaia-2024-1689/conditions.csv",
        "public_body & annex_iii_area!=2 |",
        "public_bodyy & annex_iii_area!=2 |",
        ["conditions.csv:", "field 'condition'", "public_bodyy"],
    ),
    (
        "mappings/catalogs/iso42001-2023/requirements.csv",
        ",A.6.2.8,AI system recording of event logs,annex_control,",
        ",A.6.2.8,AI system recording of event logs,annex_kontrol,",
        ["requirements.csv:", "'kind'", "annex_kontrol"],
    ),
    (
        "mappings/catalogs/nistairmf-1.0/requirements.csv",
        ",GOVERN 1.2,",
        ",GOVERN 1.1,",
        ["requirements.csv:", "GOVERN 1.1", "repeats"],
    ),
    (
        "ontology/graphsvc.ttl",
        "@prefix",
        "@prefix broken",
        ["graphsvc.ttl", "Turtle syntax error"],
    ),
    (
        "mappings/catalogs/euaia-2024-1689/layers/amended.yaml",
        "from: 2027-12-02",
        "from: 2027-13-45",
        ["amended.yaml:", "rule 2", "'from'"],
    ),
]


@pytest.mark.slow
def test_failed_builds_leave_the_store_exactly_as_it_was(writable: Settings) -> None:
    first = build(writable)
    assert first.triples > 10_000
    before = _store_fingerprint(writable)
    root = Path(writable.root)
    for rel, old, new, pieces in BREAKAGES:
        path = root / rel
        original = path.read_text(encoding="utf-8")
        _edit(path, old, new)
        with pytest.raises(DataLoadError) as info:
            build(writable)
        for piece in pieces:
            assert piece in str(info.value), (rel, str(info.value))
        assert _store_fingerprint(writable) == before, f"{rel}: a failed build changed the store"
        path.write_text(original, encoding="utf-8")
    # a rebuild is idempotent: same triples
    second = build(writable)
    assert second.triples == first.triples
    svc = GraphService.from_settings(writable)
    assert len(svc.catalog("iso42001")) == 93


def _first_data_row(path: Path, startswith: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(startswith):
            return line
    raise AssertionError(f"no row starting with {startswith!r} in {path}")


def test_mapping_row_with_unknown_identifier_names_file_and_line(writable: Settings) -> None:
    tsv = next((Path(writable.root) / "mappings" / "sssom").glob("*.sssom.tsv"))
    lines = tsv.read_text(encoding="utf-8").splitlines()
    idx = next(
        i for i, line in enumerate(lines) if line and not line.startswith("#") and not line.startswith("subject_id")
    )
    cells = lines[idx].split("\t")
    cells[0] = cells[0].split(":")[0] + ":NOPE-99"
    lines[idx] = "\t".join(cells)
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataLoadError, match=rf"{tsv.name}:{idx + 1}: field 'subject_id'.*NOPE-99.*not in the catalogs"):
        compile_sources(writable, orgs=False)


def test_mapping_row_without_source_is_refused(writable: Settings) -> None:
    tsv = next((Path(writable.root) / "mappings" / "sssom").glob("*.sssom.tsv"))
    lines = tsv.read_text(encoding="utf-8").splitlines()
    header_idx = next(i for i, line in enumerate(lines) if line.startswith("subject_id"))
    col = lines[header_idx].split("\t").index("source")
    cells = lines[header_idx + 1].split("\t")
    cells[col] = ""
    lines[header_idx + 1] = "\t".join(cells)
    tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataLoadError, match=rf"{tsv.name}:{header_idx + 2}: field 'source' is empty"):
        compile_sources(writable, orgs=False)


def test_org_with_unknown_requirement_names_file_and_line(writable: Settings, tmp_path: Path) -> None:
    org = tmp_path / "orgs" / "acme.yaml"
    org.parent.mkdir()
    org.write_text(
        "organisation:\n  id: acme\n  name: Acme\nsystems:\n  - id: bot\n    name: Bot\n"
        "    intended_purpose: answers questions\n    roles: [provider]\ncontrols:\n"
        "  - id: C-1\n    name: Logging\n    status: implemented\n    responsibility: customer\n"
        "    customer_responsibility: all of it\n    applies_to: [bot]\n    implements: [iso42001:A.99]\n",
        encoding="utf-8",
    )
    settings = dataclasses.replace(writable, org_paths=str(org.parent))
    with pytest.raises(DataLoadError, match=r"acme.yaml:10: field 'implements'.*A\.99.*not a requirement"):
        compile_sources(settings)


def test_shape_violation_is_reported_with_source_position(writable: Settings, tmp_path: Path) -> None:
    from graphsvc.build import validate

    org = tmp_path / "orgs" / "acme.yaml"
    org.parent.mkdir()
    org.write_text(
        "organisation:\n  id: acme\n  name: Acme\nsystems:\n  - id: bot\n    name: Bot\n"
        "    intended_purpose: answers questions\n    roles: [provider]\ncontrols:\n"
        "  - id: C-1\n    name: Logging\n    status: implemented\n    responsibility: provided\n"
        "    applies_to: [bot]\n    implements: [iso42001:A.6.2.8]\nevidence:\n"
        "  - id: E-1\n    name: Log review\n    supports: [C-1]\n    document: doc.pdf\n"
        "    sha256: not-a-hash\n    valid_from: 2026-01-01\n    valid_until: 2025-01-01\n",
        encoding="utf-8",
    )
    settings = dataclasses.replace(writable, org_paths=str(org.parent))
    compiled = compile_sources(settings)
    with pytest.raises(ValidationError) as info:
        validate(compiled)
    text = "\n".join(info.value.errors)
    assert "acme.yaml:17: field 'sha256'" in text
    assert "validFrom" in text or "validUntil" in text


def test_an_organisation_cannot_attach_controls_or_certificates_to_anothers_system(tmp_path: Path) -> None:
    from graphsvc.sources.orgdata import read_org

    base = "organisation: {id: mallory, name: Mallory}\nsystems:\n  - {id: s, name: S, intended_purpose: p, roles: [provider]}\n"
    ctl = tmp_path / "ctl.yaml"
    ctl.write_text(
        base + "controls:\n  - {id: X, name: X, status: implemented, responsibility: provided,\n"
        "     implements: ['iso42001:A.6.2.8'], applies_to: [microsoft/foundry]}\n"
    )
    with pytest.raises(DataLoadError, match=r"ctl.yaml:5: field 'applies_to'.*only depends_on"):
        read_org(ctl)
    cert = tmp_path / "cert.yaml"
    cert.write_text(
        base
        + "bodies:\n  - {id: ab, name: AB, kind: accreditation}\n  - {id: cb, name: CB, kind: certification, accredited_by: ab}\n"
        "certificates:\n  - {id: C, name: C, framework: iso42001-2023, issuer: cb, valid_from: 2025-01-01,\n"
        "     valid_until: 2028-01-01, scope: [microsoft/foundry]}\n"
    )
    with pytest.raises(DataLoadError, match=r"cert.yaml:8: field 'scope'.*only depends_on"):
        read_org(cert)


def test_level_2_attestation_must_rest_on_an_iso_certificate(writable: Settings) -> None:
    org = Path(writable.root) / "mappings" / "examples" / "microsoft.yaml"
    _edit(org, "    rests_on: iso42001-m365-copilot\n", "")
    with pytest.raises(
        DataLoadError, match=r"microsoft.yaml:\d+: .*rests_on.*level-2 attestation rests on a iso42001-2023"
    ):
        compile_sources(writable)
    _edit(org, "    level: level-2\n", "    level: level-2\n    rests_on: iso42001-nope\n")
    with pytest.raises(
        DataLoadError, match=r"microsoft.yaml:\d+: .*'iso42001-nope' is not a certificate of this organisation"
    ):
        compile_sources(writable)
