"""graphsvc: an RDF knowledge graph linking AI-governance requirements to each other and to
an organisation's controls, evidence, certificates and AI systems.

The names in ``__all__`` are the library's public surface; everything else is internal and may
move. They load on first use (PEP 562), so ``import graphsvc`` stays cheap for the CLI::

    import graphsvc

    svc = graphsvc.GraphService.from_settings(graphsvc.load_settings())
    opts = graphsvc.CoverageOptions(as_of=datetime.date.today(), layer="adopted")
    answer = graphsvc.certificate_coverage(svc, "iso42001-m365-copilot", "euaia", opts)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> "module:attribute" (never the name of a submodule: ``from graphsvc import plan``
#: must keep giving the module)
_PUBLIC = {
    "Settings": "graphsvc.config:Settings",
    "load_settings": "graphsvc.config:load_settings",
    "GraphSvcError": "graphsvc.errors:GraphSvcError",
    "GraphService": "graphsvc.service:GraphService",
    "build_store": "graphsvc.build:build",
    "crosswalk_links": "graphsvc.service:crosswalk",
    "applicable": "graphsvc.domain.applicability:applicable",
    "CoverageOptions": "graphsvc.domain.coverage:Options",
    "certificate_coverage": "graphsvc.domain.coverage:certificate_coverage",
    "system_coverage": "graphsvc.domain.coverage:system_coverage",
    "org_coverage": "graphsvc.domain.coverage:org_coverage",
    "system_plan": "graphsvc.domain.plan:plan",
    "org_plan": "graphsvc.domain.plan:org_plan",
    "EmbeddedStore": "graphsvc.store.embedded:EmbeddedStore",
    "create_app": "graphsvc.http.app:create_app",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    target = _PUBLIC.get(name)
    if target is None:
        raise AttributeError(f"module 'graphsvc' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
