"""Smoke test of bench/: the synthetic enterprise generator at a tiny size, loaded and asked about.

Asserts structure only, never timings (those are bench/run.py's business).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from graphsvc.config import PROJECT_ROOT, load_settings

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import generate

pytestmark = pytest.mark.shipped


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    base = tmp_path_factory.mktemp("bench")
    manifest = generate.generate(base / "gen", 40_000, seed=7)  # the shipped reference graph is ~30k triples
    report = generate.load(base / "gen", base / "data")
    return base / "gen", base / "data", {**manifest, "load": report}


def test_generator_writes_nquads_in_the_orgdata_layout(tiny: tuple[Path, Path, dict]) -> None:
    from pyoxigraph import RdfFormat, parse

    gen, _data, m = tiny
    assert 30_000 < m["total_triples"] < 50_000
    assert m["generated_triples"] > 3_000
    graphs: Counter[str] = Counter()
    for q in parse(path=str(gen / "orgs.nq"), format=RdfFormat.N_QUADS):
        graphs[q.graph_name.value] += 1
    assert sum(graphs.values()) == m["generated_triples"]
    prefix = "https://w3id.org/graphsvc/graph/"
    for g in graphs:
        assert g == prefix + "inferred" or g.startswith(prefix + "org/"), g
    assert any(g.endswith("/published") for g in graphs)
    assert any(g.startswith(prefix + "org/cust-") and not g.endswith("/published") for g in graphs)
    assert m["counts"]["cross_org_dependencies"] > 0
    assert m["counts"]["expired_evidence"] > 0


def test_generator_is_deterministic(tmp_path: Path, tiny: tuple[Path, Path, dict]) -> None:
    gen, _data, m = tiny
    again = generate.generate(tmp_path, 40_000, seed=7)
    assert again["anchors"] == m["anchors"]

    def digest(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    assert digest(tmp_path / "orgs.nq") == digest(gen / "orgs.nq")


def test_generated_store_loads_and_answers_system_coverage(tiny: tuple[Path, Path, dict]) -> None:
    from graphsvc.domain.coverage import STATUSES, Options, system_coverage
    from graphsvc.service import GraphService

    gen, data, m = tiny
    assert m["load"]["triples"] == m["total_triples"]
    assert json.loads((gen / "manifest.json").read_text())["anchors"] == m["anchors"]
    settings = load_settings(environ={}, overrides={"data_dir": str(data)})
    svc = GraphService.from_settings(settings, read_only=True, build_if_missing=False)
    opts = Options(as_of=dt.date.fromisoformat(m["as_of"]), layer="amended")
    cov = system_coverage(svc, m["anchors"]["system"], "euaia", opts)
    assert cov["system"]["id"].startswith("gsd:system/cust-00000/")
    assert "high-risk-annex-iii" in cov["system"]["categories"]
    deps = {d["system"] for d in cov["system"]["depends_on"]}
    assert any(d.startswith("gsd:system/prov-") for d in deps)
    assert cov["requirements"] and {r["status"] for r in cov["requirements"]} <= set(STATUSES)
    assert sum(cov["summary"].values()) == len(cov["requirements"])
    assert set(cov["by_origin"]) == {"own", "inherited", "shared"}
    assert any(c["inherited"] for c in cov["certificates"])
    assert all({"kind", "id", "reason"} <= set(i) for i in cov["ignored"])
    paths = [p for r in cov["requirements"] for p in r.get("paths", [])]
    assert paths and {p["origin"] for p in paths} <= {"own", "inherited", "shared"}
    assert all(r["explanation"] for r in cov["requirements"])
