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


#: The layers, lowest first. A module may import its own layer and the layers below it, never
#: one above: files are read (sources) into graphs, compiled and loaded (build), kept in a store,
#: answered on (domain), written out (exports), tied together (service) and served (http, cli).
#: The store layer sits below sources because sources produce its triple types; the domain sits
#: below build because the build derives chained mappings and classifications with it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("graphsvc.config", "graphsvc.errors", "graphsvc.namespaces", "graphsvc.terms")),
    ("store", ("graphsvc.store",)),
    ("sources", ("graphsvc.sources",)),
    ("domain", ("graphsvc.domain",)),
    ("build", ("graphsvc.compiled", "graphsvc.build", "graphsvc.imports")),
    ("exports", ("graphsvc.exports",)),
    ("service", ("graphsvc.service",)),
    ("http", ("graphsvc.http",)),
    ("cli", ("graphsvc.cli",)),
    ("entry", ("graphsvc", "graphsvc.__main__")),
)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def layer_of(module: str) -> int:
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def test_the_import_graph_sees_the_package() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 50
    assert graph.has_edge("graphsvc.http.app", "graphsvc.http.sparql.endpoint")
    assert graph.has_edge("graphsvc.build", "graphsvc.sources.ciso_assistant")  # lazy import, and its package


def test_no_module_imports_itself_through_others() -> None:
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_imports_point_down_the_layers_only() -> None:
    graph = import_graph()
    upward = sorted(
        f"{a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]})"
        for a, b in graph.edges
        if layer_of(b) > layer_of(a)
    )
    assert upward == [], "imports that point up a layer:\n" + "\n".join(upward)


def test_every_module_is_in_a_layer_folder_or_named_in_one() -> None:
    for module in import_graph().nodes:
        layer_of(module)


def test_the_layer_check_catches_an_upward_import() -> None:
    assert layer_of("graphsvc.store.embedded") < layer_of("graphsvc.domain.coverage") < layer_of("graphsvc.http.app")
    assert layer_of("graphsvc.imports.org") == layer_of("graphsvc.build")


def sizes() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(lines, module) for every module, (lines, module:function) for every function."""
    modules, functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = module_name(path)
        modules.append((len(text.splitlines()), name))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append((node.end_lineno - node.lineno + 1, f"{name}:{node.name}"))  # type: ignore[operator]
    return modules, functions


def test_no_module_is_too_long_to_hold_in_ones_head() -> None:
    modules, _ = sizes()
    long = sorted((n, m) for n, m in modules if n > MAX_MODULE_LINES)
    assert long == [], f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_too_long_to_read_at_once() -> None:
    _, functions = sizes()
    long = sorted((n, f) for n, f in functions if n > MAX_FUNCTION_LINES)
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines: {long}"


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


def test_query_workers_get_the_folder_above_the_package_on_their_path() -> None:
    """The SPARQL query workers are started with the package's parent folder on PYTHONPATH: a
    folder inside the package would put graphsvc/http where the standard library's http is."""
    from graphsvc.http.sparql.workers import package_root

    root = package_root()
    assert (root / "graphsvc" / "__init__.py").is_file()
    assert not (root / "http" / "__init__.py").exists()
