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


def run(cmd: str, env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, shell=True, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed:\n{proc.stderr}")
    return proc.stdout


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
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = "\n".join(parts)
    pattern = re.compile(r"<!-- CLI-EXAMPLES -->.*?(<!-- /CLI-EXAMPLES -->|$)", re.S)
    if "<!-- /CLI-EXAMPLES -->" not in readme:
        readme = readme.replace("<!-- CLI-EXAMPLES -->", block, 1)
    else:
        readme = pattern.sub(lambda _m: block, readme, count=1)
    (ROOT / "README.md").write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
