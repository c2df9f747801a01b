"""graphsvc: an RDF knowledge graph linking AI-governance requirements to each other and to
an organisation's controls, evidence, certificates and AI systems."""

from graphsvc.config import Settings, load_settings
from graphsvc.errors import GraphSvcError

__version__ = "0.1.0"

__all__ = ["GraphSvcError", "Settings", "__version__", "load_settings"]
