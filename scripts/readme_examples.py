"""Regenerate the README's command-line examples from real runs.

    python scripts/readme_examples.py            # uses a fresh store in a temp dir

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
        "Which obligations bind a deployer of an Annex III high-risk system (as adopted)",
        f"graphsvc applicable --role deployer --category high-risk-annex-iii --as-of {DAY} --law-version adopted -f csv",
        12,
    ),
    ("The AI systems and their inferred categories", "graphsvc systems", 0),
    ("Certificates and attestations", "graphsvc certificates", 0),
    (
        "The headline question: what does the Microsoft 365 Copilot certificate evidence against the AI Act?",
        f"graphsvc coverage --certificate iso42001-m365-copilot --target euaia --as-of {DAY} --explain"
        " --status satisfied,partial",
        40,
    ),
    (
        "A customer's system: own, inherited and shared coverage (as adopted, so high-risk duties apply)",
        f"graphsvc coverage --system contoso/hr-screening --target euaia --as-of {DAY} --law-version adopted"
        " --status satisfied,partial",
        40,
    ),
    ("Named queries", "graphsvc queries list", 0),
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GRAPHSVC_DATA_DIR": tmp, "COLUMNS": "160"}
        run("graphsvc build -q", env)
        parts = ["<!-- CLI-EXAMPLES -->", ""]
        for title, cmd, head in EXAMPLES:
            out = run(cmd, env).rstrip("\n").splitlines()
            if head and len(out) > head:
                out = [*out[:head], f"… ({len(out) - head} more lines)"]
            parts += [f"**{title}**", "", "```console", f"$ {cmd}", *out, "```", ""]
        parts.append("<!-- /CLI-EXAMPLES -->")
        service = service_examples(env)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = replace_block(readme, "CLI-EXAMPLES", "\n".join(parts))
    readme = replace_block(readme, "SERVICE-EXAMPLES", service)
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
    service_only() if "--service" in sys.argv[1:] else main()
