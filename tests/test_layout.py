"""The package's import graph has no cycles: every import, lazy ones (inside functions) and
type-only ones included, points one way (files → build → store → domain → API / CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from graphsvc.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "graphsvc"


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """graphsvc module → graphsvc modules it imports. Importing ``a.b`` runs the package ``a``'s
    ``__init__`` too, so it counts as importing both, except from inside ``a`` (a package's
    modules are loaded after its ``__init__`` anyway)."""
    graph = nx.DiGraph()
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    for path in PACKAGE.rglob("*.py"):
        here = module_name(path)
        graph.add_node(here)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                while name.startswith("graphsvc.") and name != here:  # the module and its packages
                    if not here.startswith(name + "."):
                        graph.add_edge(here, name)
                    name = name.rpartition(".")[0]
    return graph


def test_the_import_graph_sees_the_package() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 50
    assert graph.has_edge("graphsvc.http.app", "graphsvc.http.sparql.endpoint")
    assert graph.has_edge("graphsvc.build", "graphsvc.sources.ciso_assistant")  # lazy import, and its package


def test_no_module_imports_itself_through_others() -> None:
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_store_layer_imports_nothing_above_it() -> None:
    graph = import_graph()
    above = {"graphsvc.build", "graphsvc.service", "graphsvc.http.app", "graphsvc.cli", "graphsvc.domain.coverage"}
    for low in (
        "graphsvc.store",
        "graphsvc.store.unions",
        "graphsvc.store.remote",
        "graphsvc.security",
        "graphsvc.compiled",
    ):
        reach = nx.descendants(graph, low)
        assert not reach & above, (low, sorted(reach & above))


def test_the_public_surface_is_what_init_names_and_each_name_loads() -> None:
    import graphsvc

    public = set(graphsvc.__all__) - {"__version__"}
    assert public == {
        "Settings",
        "load_settings",
        "GraphSvcError",
        "GraphService",
        "build_store",
        "crosswalk_links",
        "applicable",
        "CoverageOptions",
        "certificate_coverage",
        "system_coverage",
        "org_coverage",
        "system_plan",
        "org_plan",
        "EmbeddedStore",
        "create_app",
    }
    for name in sorted(public):
        value = getattr(graphsvc, name)
        assert callable(value), name
        assert value.__module__.startswith("graphsvc."), (name, value.__module__)
    assert graphsvc.CoverageOptions.__name__ == "Options"
    submodules = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if p.is_dir()}
    assert not public & submodules  # `from graphsvc import plan` must stay the module
    try:
        graphsvc.not_public  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "not_public" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")
