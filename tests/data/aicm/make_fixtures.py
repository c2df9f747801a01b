"""Write the synthetic AICM fixtures of tests/test_aicm.py into this directory.

    python tests/data/aicm/make_fixtures.py

The files copy the *layout* of CSA's AI Controls Matrix downloads (the workbook's controls and
"Scope Applicability (Mappings)" tabs; the Security Controls Catalog's STIX 2.1 objects), never
CSA's text: the control IDs are real AICM 1.1.0 IDs (from shared/reference), every title,
specification and addendum is an invented placeholder, and the verdicts are made up to exercise
each code path. Ownership values use CSA's designation vocabulary ("Shared CSP-MP" …).

Also written: ``euaia-2024-1689-mini/``, a tiny EU AI Act catalog (official article titles,
summaries in our own words) so the tests do not depend on the full catalog's exact rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
XLSX = HERE / "aicm-1.1.0-synthetic.xlsx"
STIX = HERE / "aicm-1.1.0-synthetic.stix.json"
EUAIA_MINI = HERE / "euaia-2024-1689-mini"

VERSION = "1.1.0"
LAYER_HEADERS = ("Cloud/AI Processing\nInfrastructure (PI)", "Model", "Orchestrated Services", "Application")
STIX_LAYER_KEYS = ("cloud_ai_processing_infrastructure", "model", "orchestrated_services", "application")

#: Synthetic controls: real AICM 1.1.0 IDs and domains, invented titles and specifications.
CONTROLS: list[dict[str, Any]] = [
    {
        "id": "A&A-01",
        "domain": "Audit & Assurance",
        "title": "Synthetic audit policy placeholder",
        "spec": "Placeholder for tests: keep a written audit policy.\nReview it on a schedule.",
        "type": "Cloud & AI Related",
        "ownership": (
            "Shared across the supply chain",
            "Owned by the Model Provider (MP)",
            "Owned by the Orchestrated Service Provider (OSP)",
            "Owned by the Application Provider (AP)",
        ),
    },
    {
        "id": "AIS-05",
        "domain": "Application & Interface Security",
        "title": "Synthetic testing placeholder",
        "spec": "Placeholder for tests: test software before release.",
        "type": "Cloud & AI Related",
        "ownership": ("Shared CSP-MP", "Owned by the Model\nProvider (MP)", "Shared MP-OSP", "Shared OSP-AP"),
    },
    {
        "id": "LOG-02",
        "domain": "Logging and Monitoring",
        "title": "Synthetic log retention placeholder",
        "spec": "Placeholder for tests: keep logs for an agreed period.",
        "type": "Cloud & AI Related",
        "ownership": ("CSP-Owned", "MP-Owned", "OSP-Owned", "AP-Owned"),
    },
    {
        "id": "MDS-01",
        "domain": "Model Security",
        "title": "Synthetic model risk placeholder",
        "spec": "Placeholder for tests: look at model risks before use.",
        "type": "AI-Specific",
        "ownership": ("", "Owned by the Model Provider (MP)", "Shared MP-OSP", ""),
    },
    {
        "id": "GRC-02",
        "domain": "Governance, Risk and Compliance",
        "title": "Synthetic risk programme placeholder",
        "spec": "Placeholder for tests: run a risk programme.",
        "type": "Cloud & AI Related",
        "ownership": ("Shared across the supply chain",) * 4,
    },
    {
        "id": "DSP-07",
        "domain": "Data Security and Privacy Lifecycle Management",
        "title": "Synthetic data design placeholder",
        "spec": "Placeholder for tests: design data handling with privacy in mind.",
        "type": "Cloud & AI Related",
        "ownership": ("Shared CSP-MP", "Shared MP-OSP", "Shared OSP-AP", "Shared AP-AIC"),
    },
]

#: Mapping cells per control: framework -> (Control Mapping cell, Gap Level). Invented verdicts.
MAPPINGS: dict[str, dict[str, tuple[str, str]]] = {
    "A&A-01": {"iso": ("42001: 9.2.1\n27001: 9.2", "No Gap"), "euaia": ("Article 26(1)(a)", "Partial Gap")},
    "AIS-05": {"iso": ("42001: B.6.2.4", "Partial Gap"), "euaia": ("Art. 9(2)", "No Gap"), "bsi": ("DM-01", "No Gap")},
    "LOG-02": {"iso": ("A.6.2.8", "No Gap"), "euaia": ("Article 12\nArt 12(1)", "Partial Gap")},
    "MDS-01": {"iso": ("6.1.2, A.6.2.4", "No Gap"), "euaia": ("Article 16(a)", "Full Gap")},
    "GRC-02": {"iso": ("N/A", "Full Gap"), "euaia": ("", "")},
    "DSP-07": {"iso": ("42001: A.7.4", "Partial Gap"), "euaia": ("Annex IV", "Full Gap")},
}

#: The same targets as the STIX bundle writes them (CSA's catalog: control_identifier, clause_identifier).
STIX_TARGETS: dict[str, dict[str, list[str]]] = {
    "A&A-01": {"iso": ["9.2.1"], "27001": ["9.2"], "euaia": ["art-26.1.a"]},
    "AIS-05": {"iso": ["B.6.2.4"], "euaia": ["art-9.2"]},
    "LOG-02": {"iso": ["A.6.2.8"], "euaia": ["art-12", "art-12.1"]},
    "MDS-01": {"iso": ["6.1.2", "A.6.2.4"], "euaia": ["art-16.a"]},
    "GRC-02": {},
    "DSP-07": {"iso": ["A.7.4"], "euaia": ["annex-IV"]},
}

ARCH = ("Phys", "Network", "Compute", "Storage", "App", "Data")
LIFECYCLE = ("Preparation", "Development", "Evaluation/Validation", "Deployment", "Delivery", "Service Retirement")
THREATS = ("Model manipulation", "Data poisoning", "Sensitive data disclosure", "Model theft", "Denial of Service")
FIXED_TIME = dt.datetime(2026, 6, 1, 0, 0, 0)


def _header(ws: Any, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)


def _group(ws: Any, row: int, first: int, last: int, label: str) -> None:
    ws.cell(row=row, column=first, value=label)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def write_xlsx(path: Path = XLSX, *, version_json: bool = True, title: str = "AI CONTROLS MATRIX v1.1") -> Path:
    """The workbook in the layout of CSA's AICM download (title rows, group headers, header row 4)."""
    wb = openpyxl.Workbook()
    wb.properties.creator = "graphsvc test fixtures"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    intro = wb.active
    intro.title = "Introduction"
    intro["A1"] = "Synthetic AICM-shaped workbook for graphsvc tests. Contains no CSA text."

    ws = wb.create_sheet("AICM - Version 1.1")
    if version_json:
        ws["A1"] = json.dumps({"specification_name": "AI Controls Matrix", "specification_version": VERSION})
    ws["B1"] = title
    fixed = ["Control\nDomain", "Control Title", "Control ID", "Control Specification", "Control Type"]
    headers = fixed + list(LAYER_HEADERS) + list(ARCH) + list(LIFECYCLE) + list(THREATS)
    start = len(fixed) + 1
    _group(ws, 3, start, start + 3, "Typical Control Applicability and Ownership\n(GenAI Service Delivery Layers)")
    _group(ws, 3, start + 4, start + 9, "Architectural Relevance - GenAI Stack Components")
    _group(ws, 3, start + 10, start + 15, "Lifecycle Relevance")
    _group(ws, 3, start + 16, start + 16 + len(THREATS) - 1, "Threat Category")
    _header(ws, 4, headers)
    for r, c in enumerate(CONTROLS, start=5):
        values = [c["domain"], c["title"], c["id"], c["spec"], c["type"], *c["ownership"]]
        values += ["TRUE"] * len(ARCH) + ["Synthetic phase note"] * len(LIFECYCLE) + ["TRUE"] * len(THREATS)
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value or None)

    guide = wb.create_sheet("Implementation Guidelines")
    _header(
        guide,
        2,
        [
            "Control Domain",
            "Control Title",
            "Control ID",
            "Control Specification",
            "Guidelines for Model Provider (MP)",
        ],
    )
    guide.append(["Audit & Assurance", "Other synthetic title", "A&A-01", "Other synthetic text", "Synthetic guidance"])

    ms = wb.create_sheet("Scope Applicability (Mappings)")
    ms["A1"] = "AICM"
    ms["B1"] = title
    groups = [("ISO/IEC 42001:2023", "iso"), ("BSI AIC4 Catalog", "bsi"), ("EU AI Act", "euaia")]
    _header(ms, 4, ["Control Domain", "Control Title", "Control ID", "Control Specification"])
    for i, (label, _) in enumerate(groups):
        first = 5 + 3 * i
        _group(ms, 3, first, first + 2, label)
        for j, h in enumerate(("Control Mapping", "Gap Level", "Addendum")):
            ms.cell(row=4, column=first + j, value=h).font = Font(bold=True)
    for r, c in enumerate(CONTROLS, start=5):
        row = [c["domain"], c["title"], c["id"], c["spec"]]
        for _, key in groups:
            text, verdict = MAPPINGS[c["id"]].get(key, ("", ""))
            row += [text or None, verdict or None, "Synthetic addendum placeholder" if verdict else None]
        for col, value in enumerate(row, start=1):
            ms.cell(row=r, column=col, value=value)

    log = wb.create_sheet("Change Log")
    log["A1"] = "Synthetic change log: differences from AICM v1.0.3 (ignored by the importer)."
    wb.save(path)
    return path


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "graphsvc-test-fixture:" + "/".join(parts)))


def stix_objects() -> list[dict[str, Any]]:
    """The objects of the STIX bundle, in the shape of CSA's Security Controls Catalog."""
    created = "2026-06-01T00:00:00.000Z"
    identity = f"identity--{_uid('identity')}"
    base = {"spec_version": "2.1", "created": created, "modified": created, "created_by_ref": identity}
    objects: list[dict[str, Any]] = [
        {"type": "identity", "id": identity, **{k: v for k, v in base.items() if k != "created_by_ref"}}
        | {"name": "graphsvc synthetic test fixture", "identity_class": "system"}
    ]
    targets: dict[tuple[str, str], str] = {}

    def target(kind: str, notation: str) -> str:
        key = (kind, notation)
        if key not in targets:
            if kind == "euaia":
                oid = f"x-regulation--{_uid('euaia', notation)}"
                label = notation.replace("art-", "Article ").replace("annex-", "Annex ")
                objects.append(
                    {"type": "x-regulation", "id": oid, **base}
                    | {
                        "name": f"EU AI Act {label}",
                        "regulation_namespace": "europa.eu",
                        "regulation": "ai-act",
                        "clause_identifier": notation,
                        "publication_id": "Regulation (EU) 2024/1689",
                    }
                )
            else:
                framework = "42001" if kind == "iso" else kind
                oid = f"x-control--{_uid(framework, notation)}"
                objects.append(
                    {"type": "x-control", "id": oid, **base}
                    | {
                        "framework_namespace": "iso.org",
                        "framework": framework,
                        "framework_version": "2023" if framework == "42001" else "2022",
                        "control_identifier": notation,
                    }
                )
            targets[key] = oid
        return targets[key]

    for c in CONTROLS:
        cid = c["id"]
        oid = f"x-control--{_uid('aicm', VERSION, cid)}"
        objects.append(
            {"type": "x-control", "id": oid, **base}
            | {
                "name": c["title"],
                "framework_namespace": "cloudsecurityalliance.org",
                "framework": "aicm",
                "framework_version": VERSION,
                "control_identifier": cid,
                "domain": c["domain"],
                "status": "live",
                "specification": c["spec"],
                "control_type": c["type"],
                "typical_control_applicability_and_ownership": {
                    k: v for k, v in zip(STIX_LAYER_KEYS, c["ownership"], strict=True) if v
                },
                "external_references": [
                    {
                        "source_name": "secid",
                        "external_id": f"secid:control/cloudsecurityalliance.org/aicm@{VERSION}#{cid}",
                    }
                ],
            }
        )
        cells = MAPPINGS[cid]
        by_framework = STIX_TARGETS[cid]
        for fw in ("iso", "euaia"):
            if not by_framework.get(fw):
                continue
            refs = [target(fw, n) for n in by_framework[fw]]
            if fw == "iso":
                refs += [target("27001", n) for n in by_framework.get("27001", [])]
            verdict = cells[fw][1]
            if cid == "LOG-02" and fw == "iso":  # one as a csa-gap-mapping relationship, like CSA's older form
                objects.append(
                    {"type": "relationship", "id": f"relationship--{_uid('gap', cid, fw)}", **base}
                    | {
                        "relationship_type": "csa-gap-mapping",
                        "source_ref": oid,
                        "target_ref": refs[0],
                        "gap_level": verdict,
                        "description": "Synthetic addendum placeholder",
                    }
                )
                continue
            objects.append(
                {"type": "x-gap-mapping", "id": f"x-gap-mapping--{_uid('gap', cid, fw)}", **base}
                | {
                    "source_ref": oid,
                    "target_refs": refs,
                    "gap_level": verdict,
                    "description": "Synthetic addendum placeholder",
                }
            )
    return objects


def write_stix(path: Path = STIX) -> Path:
    bundle = {"type": "bundle", "id": f"bundle--{_uid('bundle')}", "objects": stix_objects()}
    path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


EUAIA_ROWS = [
    # id, notation, title, kind, parent, summary, roles, categories, url
    ("ch3", "Chapter III", "High-risk AI systems", "chapter", "", "Test stub for the high-risk chapter.", "", "", ""),
    (
        "ch3.s2",
        "Chapter III Section 2",
        "Requirements for high-risk AI systems",
        "section",
        "Chapter III",
        "Test stub for the requirements section.",
        "",
        "",
        "",
    ),
    (
        "art9",
        "Article 9",
        "Risk management system",
        "article",
        "Chapter III Section 2",
        "Test stub: a risk process for high-risk systems.",
        "",
        "",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_9",
    ),
    (
        "art9.1",
        "9(1)",
        "Risk management system in place",
        "paragraph",
        "Article 9",
        "Test stub.",
        "provider",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "art9.2",
        "9(2)",
        "Continuous risk process",
        "paragraph",
        "Article 9",
        "Test stub.",
        "provider",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "art9.2.a",
        "9(2)(a)",
        "Identifying risks",
        "point",
        "9(2)",
        "Test stub.",
        "provider",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "art12",
        "Article 12",
        "Record-keeping",
        "article",
        "Chapter III Section 2",
        "Test stub: automatic logging.",
        "",
        "",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_12",
    ),
    (
        "art12.1",
        "12(1)",
        "Automatic recording of events",
        "paragraph",
        "Article 12",
        "Test stub.",
        "provider",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "ch3.s3",
        "Chapter III Section 3",
        "Obligations of providers and deployers of high-risk AI systems and other parties",
        "section",
        "Chapter III",
        "Test stub for the obligations section.",
        "",
        "",
        "",
    ),
    (
        "art16",
        "Article 16",
        "Obligations of providers of high-risk AI systems",
        "article",
        "Chapter III Section 3",
        "Test stub.",
        "",
        "",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_16",
    ),
    (
        "art16.a",
        "16(a)",
        "Compliance with the requirements",
        "point",
        "Article 16",
        "Test stub.",
        "provider",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "art26",
        "Article 26",
        "Obligations of deployers of high-risk AI systems",
        "article",
        "Chapter III Section 3",
        "Test stub.",
        "",
        "",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_26",
    ),
    (
        "art26.1",
        "26(1)",
        "Use according to instructions",
        "paragraph",
        "Article 26",
        "Test stub.",
        "deployer",
        "high-risk-annex-iii;high-risk-annex-i",
        "",
    ),
    (
        "anx4",
        "Annex IV",
        "Technical documentation referred to in Article 11(1)",
        "annex",
        "",
        "Test stub.",
        "",
        "",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#anx_IV",
    ),
]


def write_euaia_mini(directory: Path = EUAIA_MINI) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "framework.yaml").write_text(
        "short_name: euaia\n"
        "title: Regulation (EU) 2024/1689 (Artificial Intelligence Act), test excerpt\n"
        'edition: "2024/1689"\n'
        "publisher: European Parliament and Council of the European Union\n"
        "license: Reuse authorised with acknowledgement of the source (Commission Decision 2011/833/EU)\n"
        "source: http://data.europa.eu/eli/reg/2024/1689/oj\n"
        "issued: 2024-07-12\n"
        "namespace: https://w3id.org/graphsvc/req/euaia-2024-1689/\n"
        "comment: A few nodes of the EU AI Act catalog, for tests/test_aicm.py only.\n",
        encoding="utf-8",
    )
    with (directory / "requirements.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "notation", "title", "kind", "parent", "summary", "roles", "categories", "url"])
        writer.writerows(EUAIA_ROWS)
    return directory


def main() -> None:
    for written in (write_xlsx(), write_stix(), write_euaia_mini()):
        print(f"wrote {written.relative_to(HERE.parents[2])}")


if __name__ == "__main__":
    main()
