"""Regenerate the README's command-line examples from real runs.

    python scripts/readme_examples.py            # uses a fresh store in a temp dir
    python scripts/readme_examples.py --cli      # the command-line blocks only (no server)

Each example is run against a store built from the shipped files on a fixed date, and its
output replaces the block between ``<!-- CLI-EXAMPLES -->`` markers in README.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-11-23"

EXAMPLES: list[tuple[str, str, int]] = [
    ("List the framework editions", "graphsvc frameworks", 0),
    ("A catalog as CSV (first rows)", "graphsvc catalog iso42001 --kind annex_control -f csv", 6),
    ("What an ISO/IEC 42001 control maps to in the AI Act", "graphsvc crosswalk iso42001:A.6.2.8 --to euaia -f csv", 0),
    (
        "The twelve ISO/IEC 42001 items that reach most AI Act obligations",
        "graphsvc cover --from iso42001 --to euaia --budget 12",
        0,
    ),
    (
        "A private employer deploying an Annex III 4(a) recruitment system: the Art. 26, 27 and 49 rows"
        " (`--all` also lists what does not apply, and why)",
        "graphsvc applicable --role deployer --annex-iii-point '4(a)' --not-public-body --not-public-service-provider"
        f" --workplace --placed-on-market 2026-09-15 --as-of {DAY} --law-version adopted --all -f csv"
        " | grep -E '^(notation|2[67]|49)'",
        0,
    ),
    (
        "A public body deploying an Annex III 5(a) benefits system: the same rows",
        "graphsvc applicable --role deployer --annex-iii-point '5(a)' --public-body"
        f" --workplace --placed-on-market 2026-09-15 --as-of {DAY} --law-version adopted --all -f csv"
        " | grep -E '^(notation|2[67]|49)'",
        0,
    ),
    (
        "A system from the data (Contoso provides and deploys its own 4(a) screening assistant):"
        " roles, categories and attributes come from the organisation's file; a selection of rows",
        f"graphsvc applicable --system contoso/hr-screening --as-of {DAY} --law-version adopted --all -f csv"
        " | grep -E '^(notation|6[(]4[)]|9[(]1[)]|16[(]a[)]|22[(]1[)]|25[(]1[)]|26[(][78][)]|27[(]1[)]|43[(][12][)]"
        "|49[(][12][)]|60[(]4[)]|73[(]1[)]),'",
        0,
    ),
    ("The AI systems and their inferred categories", "graphsvc systems", 0),
    ("Certificates and attestations", "graphsvc certificates", 0),
    (
        "The headline question: what does the Microsoft 365 Copilot certificate evidence against the AI Act?"
        " (the whole answer)",
        f"graphsvc coverage --certificate iso42001-m365-copilot --target euaia --as-of {DAY} --explain",
        0,
    ),
    (
        "Why each gap is a gap: no ISO/IEC 42001 counterpart (with the reason), or not reached on the date"
        " (`--status` filters every format; the JSON is the API's answer)",
        f"graphsvc coverage --certificate iso42001-m365-copilot --target euaia --as-of {DAY} --status gap -f json"
        """ | python3 -c 'import json, sys; [print(r["explanation"]) for r in json.load(sys.stdin)["requirements"]]'""",
        8,
    ),
    (
        "The STAR for AI Level 2 attestation reaches the AI Act through the certificate it rests on",
        f"graphsvc coverage --certificate star-ai-l2 --target euaia --as-of {DAY} --explain --status satisfied,partial",
        12,
    ),
    (
        "Reach of the ISO/IEC 42001 set, per article: mapped, no counterpart, or nothing",
        "graphsvc crosswalk --from iso42001 --to euaia --report",
        0,
    ),
    ("Reach of the NIST AI RMF sets (summary lines)", "graphsvc crosswalk --from nistairmf --to euaia --report", 1),
    ("", "graphsvc crosswalk --from nistairmf --to iso42001 --report", 1),
    ("Cross-set consistency: chains with no direct row, rows a chain contradicts", "graphsvc crosswalk --check", 0),
    (
        "A customer's system: own, inherited and shared coverage (as adopted, so high-risk duties apply);"
        " each start of a path is named once",
        f"graphsvc coverage --system contoso/hr-screening --target euaia --as-of {DAY} --law-version adopted"
        " --status satisfied,partial --explain",
        40,
    ),
    ("Named queries", "graphsvc queries list", 0),
]


LAYER_EXAMPLES: list[tuple[str, str, int]] = [
    (
        "A generative system's provider on 2026-09-01: Art. 50(2) is conditional on the placing-on-market date",
        "graphsvc applicable --role provider --category transparency --as-of 2026-09-01 -f csv"
        " | grep -E '^(notation|50\\(|5\\(1\\)\\(b)'",
        0,
    ),
    (
        "The default layer is the law in force on the date",
        "graphsvc applicable --role deployer --category all --as-of 2026-07-26 | head -2;"
        " graphsvc applicable --role deployer --category all --as-of 2026-07-27 | head -2",
        0,
    ),
    (
        "A proposal is read only when named, and says so",
        "graphsvc coverage --system contoso/hr-screening --target euaia --as-of 2026-12-03"
        " --law-version proposal-2025 | head -4",
        0,
    ),
    (
        "What was checked about each layer's act (first rows)",
        "graphsvc query layer_verification -f csv | cut -c1-160",
        6,
    ),
]


SERVICE_EXAMPLES: list[tuple[str, str, int]] = [
    ("What the service holds", "curl -s localhost:$PORT/health", 0),
    (
        "A crosswalk over REST (first lines)",
        'curl -s "localhost:$PORT/crosswalk/iso42001:A.6.2.8?to=euaia" | python3 -m json.tool',
        30,
    ),
    (
        "SPARQL 1.1 Protocol: the number of mappings per set, as CSV",
        "curl -s localhost:$PORT/sparql -H 'Accept: text/csv' --data-urlencode "
        "'query=PREFIX gs: <https://w3id.org/graphsvc/ontology#> SELECT ?set (COUNT(?m) AS ?n) "
        "WHERE { ?m a gs:Mapping ; gs:mappingSet ?set } GROUP BY ?set ORDER BY ?set'",
        0,
    ),
    (
        "A named query as its own endpoint",
        'curl -s "localhost:$PORT/queries/date_layers/run" | python3 -m json.tool',
        20,
    ),
    (
        "Anonymous callers cannot write",
        "curl -s localhost:$PORT/sparql -H 'Content-Type: application/sparql-update' --data 'CLEAR ALL'",
        0,
    ),
    (
        "…nor fetch anything",
        "curl -s localhost:$PORT/sparql --data-urlencode 'query=SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }'",
        0,
    ),
    (
        "The service description: base IRI, result and input formats, features (first lines)",
        "curl -s localhost:$PORT/sparql -H 'Accept: text/turtle'",
        24,
    ),
    (
        "SPARQLWrapper's default for CONSTRUCT (format=xml, Accept: application/rdf+xml) gets RDF/XML",
        "curl -sG localhost:$PORT/sparql -H 'Accept: application/rdf+xml' --data-urlencode format=xml "
        "--data-urlencode 'query=CONSTRUCT WHERE { ?f <https://w3id.org/graphsvc/ontology#shortName> ?id }'",
        8,
    ),
    (
        "An ASK is never CSV or TSV (the CSV/TSV results format has no boolean)",
        "curl -s localhost:$PORT/sparql -H 'Accept: text/csv' --data-urlencode 'query=ASK {}'",
        0,
    ),
    (
        "A key for a tenant (stored hashed; shown once)",
        "graphsvc keys create --name contoso-reader --role reader --tenant contoso",
        0,
    ),
]


def run(cmd: str, env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, shell=True, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed:\n{proc.stderr}")
    return proc.stdout


def service_only() -> None:
    """Regenerate the SERVICE-EXAMPLES block alone (``python scripts/readme_examples.py --service``)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GRAPHSVC_DATA_DIR": tmp, "COLUMNS": "160"}
        run("graphsvc build -q", env)
        service = service_examples(env)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (ROOT / "README.md").write_text(replace_block(readme, "SERVICE-EXAMPLES", service), encoding="utf-8")


def main(*, service: bool = True) -> None:
    """Regenerate the three example blocks (``--cli``: the command-line and law-layer blocks only,
    without starting a server)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GRAPHSVC_DATA_DIR": tmp, "COLUMNS": "160"}
        run("graphsvc build -q", env)
        parts = ["<!-- CLI-EXAMPLES -->", ""]
        for title, cmd, head in EXAMPLES:
            out = run(cmd, env).rstrip("\n").splitlines()
            if head and len(out) > head:
                out = [*out[:head], f"… ({len(out) - head} more lines)"]
            parts += [*([f"**{title}**", ""] if title else []), "```console", f"$ {cmd}", *out, "```", ""]
        parts.append("<!-- /CLI-EXAMPLES -->")
        layers = ["<!-- LAW-LAYER-EXAMPLES -->", ""]
        for title, cmd, head in LAYER_EXAMPLES:
            out = run(cmd, env).rstrip("\n").splitlines()
            if head and len(out) > head:
                out = [*out[:head], f"… ({len(out) - head} more lines)"]
            layers += [f"**{title}**", "", "```console", f"$ {cmd}", *out, "```", ""]
        layers.append("<!-- /LAW-LAYER-EXAMPLES -->")
        served = service_examples(env) if service else ""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = replace_block(readme, "CLI-EXAMPLES", "\n".join(parts))
    readme = replace_block(readme, "LAW-LAYER-EXAMPLES", "\n".join(layers))
    if service:
        readme = replace_block(readme, "SERVICE-EXAMPLES", served)
    (ROOT / "README.md").write_text(readme, encoding="utf-8")


def replace_block(readme: str, name: str, block: str) -> str:
    if not block.startswith(f"<!-- {name} -->"):
        block = f"<!-- {name} -->\n\n{block}\n<!-- /{name} -->"
    if f"<!-- /{name} -->" not in readme:
        return readme.replace(f"<!-- {name} -->", block, 1)
    pattern = re.compile(rf"<!-- {name} -->.*?<!-- /{name} -->", re.S)
    return pattern.sub(lambda _m: block, readme, count=1)


def service_examples(env: dict[str, str]) -> str:
    """Start `graphsvc serve` on a free port, run the curl examples, stop it."""
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**env, "PORT": str(port)}
    server = subprocess.Popen(["graphsvc", "serve", "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            if subprocess.run(f"curl -sf localhost:{port}/health", shell=True, capture_output=True).returncode == 0:
                break
            time.sleep(0.3)
        parts = ["<!-- SERVICE-EXAMPLES -->", ""]
        for title, cmd, head in SERVICE_EXAMPLES:
            out = run(cmd, env).rstrip("\n").splitlines()
            if head and len(out) > head:
                out = [*out[:head], f"… ({len(out) - head} more lines)"]
            shown = cmd.replace("$PORT", "8000")
            parts += [f"**{title}**", "", "```console", f"$ {shown}", *out, "```", ""]
        parts.append("<!-- /SERVICE-EXAMPLES -->")
        return "\n".join(parts)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    if "--service" in sys.argv[1:]:
        service_only()
    else:
        main(service="--cli" not in sys.argv[1:])
